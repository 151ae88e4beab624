//! PCI addresses as Proxmox writes them: `[dddd:]bb:dd[.f]`.
//!
//! A missing function means "all functions of the slot" (rule book PT-15/PT-16), so an address
//! is a *pattern* that may cover several devices; [`PciAddress::covers`] answers that.

use std::fmt;

/// A parsed PCI address. `function == None` is the all-functions form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PciAddress {
    /// PCI domain (segment); `0000` when omitted.
    pub domain: u16,
    /// Bus number.
    pub bus: u8,
    /// Device (slot) number. Real hardware uses 0–0x1f, but Proxmox's parser accepts any two
    /// hex digits (its own tests use `f0:43`), and so do we, so real configs import.
    pub device: u8,
    /// Function, 0–7; `None` = all functions.
    pub function: Option<u8>,
}

/// Why a PCI address did not parse. The message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PciAddressError {
    /// Not of the shape `[dddd:]bb:dd[.f]`.
    #[error("expected a PCI address like `0000:01:00.0` or `01:00` (all functions)")]
    Shape,
    /// A field is not hexadecimal or has the wrong number of digits.
    #[error("`{field}` must be {digits} hexadecimal digits")]
    Field {
        /// Which field.
        field: &'static str,
        /// How many digits it takes.
        digits: &'static str,
    },
    /// Function number above 7.
    #[error("function number {0} is above 7")]
    FunctionRange(u8),
}

impl PciAddress {
    /// Parse `[dddd:]bb:dd[.f]`, case-insensitive.
    ///
    /// # Example
    /// ```
    /// use hostplan::model::pci::PciAddress;
    /// let a = PciAddress::parse("0000:01:00").unwrap();
    /// assert!(a.covers(&PciAddress::parse("01:00.1").unwrap()));
    /// ```
    pub fn parse(text: &str) -> Result<Self, PciAddressError> {
        let text = text.trim();
        let (slot, function) = match text.split_once('.') {
            Some((slot, f)) => {
                let f = hex_field(f, 1, 1, "function", "1")?;
                if f > 7 {
                    return Err(PciAddressError::FunctionRange(f as u8));
                }
                (slot, Some(f as u8))
            }
            None => (text, None),
        };
        let parts: Vec<&str> = slot.split(':').collect();
        let (domain, bus, device) = match parts.as_slice() {
            [d, b, s] => (hex_field(d, 4, 4, "domain", "4")?, *b, *s),
            [b, s] => (0, *b, *s),
            _ => return Err(PciAddressError::Shape),
        };
        let bus = hex_field(bus, 2, 2, "bus", "2")? as u8;
        let device = hex_field(device, 2, 2, "device", "2")? as u8;
        Ok(Self {
            domain: domain as u16,
            bus,
            device,
            function,
        })
    }

    /// Whether this (possibly all-functions) address includes `other`.
    pub fn covers(&self, other: &PciAddress) -> bool {
        self.domain == other.domain
            && self.bus == other.bus
            && self.device == other.device
            && match (self.function, other.function) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => false,
            }
    }

    /// Whether the two addresses share at least one function.
    pub fn overlaps(&self, other: &PciAddress) -> bool {
        self.covers(other) || other.covers(self)
    }
}

fn hex_field(
    text: &str,
    min: usize,
    max: usize,
    field: &'static str,
    digits: &'static str,
) -> Result<u32, PciAddressError> {
    let ok = (min..=max).contains(&text.len()) && text.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(PciAddressError::Field { field, digits });
    }
    u32::from_str_radix(text, 16).map_err(|_| PciAddressError::Field { field, digits })
}

impl fmt::Display for PciAddress {
    /// Canonical form with domain: `0000:01:00.0` or `0000:01:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04x}:{:02x}:{:02x}",
            self.domain, self.bus, self.device
        )?;
        if let Some(func) = self.function {
            write!(f, ".{func}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_proxmox_accepts() {
        let cases = [
            ("0000:01:00.0", "0000:01:00.0"),
            ("01:00.0", "0000:01:00.0"),
            ("01:00", "0000:01:00"),
            ("f0:43", "0000:f0:43"),
            ("1234:F0:1f.7", "1234:f0:1f.7"),
            ("0000:04:10.0", "0000:04:10.0"),
        ];
        for (input, canonical) in cases {
            let parsed = PciAddress::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "1:00.0",
            "01:00.8",
            "zz:00.0",
            "0:01:00.0",
            "01",
            "01:00.0.1",
        ] {
            assert!(PciAddress::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn all_functions_form_covers_each_function() {
        let slot = PciAddress::parse("0000:01:00").unwrap();
        let f1 = PciAddress::parse("0000:01:00.1").unwrap();
        assert!(slot.covers(&f1));
        assert!(!f1.covers(&slot));
        assert!(f1.overlaps(&slot));
        assert!(!f1.overlaps(&PciAddress::parse("0000:01:00.0").unwrap()));
    }
}
