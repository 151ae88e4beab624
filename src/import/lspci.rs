//! `lspci -nnmmv` (with or without `IOMMUGroup:` lines) → PCIe devices of one host.

use crate::model::pci::PciAddress;
use crate::model::{Device, DeviceKind};
use serde::Serialize;
use std::collections::BTreeSet;

/// One device record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PciRecord {
    /// Canonical address with domain.
    pub address: String,
    /// Class code, `0x0107`.
    pub class: String,
    /// Class name as printed.
    pub class_name: String,
    /// `vendor:device`.
    pub vendor_device: Option<String>,
    /// Subsystem `vendor:device`.
    pub subsystem: Option<String>,
    /// IOMMU group, when the output has it.
    pub iommu_group: Option<i32>,
    /// `Vendor Device` names.
    pub model: String,
    /// The kernel driver in use (`lspci -k`): `Some("")` when `-k` output shows none bound
    /// (a `Module:` line without a `Driver:` line), `None` when the output does not say.
    pub driver: Option<String>,
}

/// `Name [code]` → (name, code).
fn bracketed(value: &str) -> (String, Option<String>) {
    match (value.rfind('['), value.ends_with(']')) {
        (Some(open), true) => (
            value[..open].trim().to_owned(),
            Some(value[open + 1..value.len() - 1].to_owned()),
        ),
        _ => (value.trim().to_owned(), None),
    }
}

/// Parse every record; returns the records and notes on what was skipped or not understood.
///
/// # Complexity
/// `O(lines)`.
pub fn parse(text: &str) -> (Vec<PciRecord>, Vec<String>) {
    let mut records = Vec::new();
    let mut notes = Vec::new();
    let mut ignored: BTreeSet<String> = BTreeSet::new();
    for (n, block) in text.split("\n\n").enumerate() {
        let mut slot = None;
        let (mut class, mut class_name, mut vendor, mut device, mut sv, mut sd) =
            (None, String::new(), None, None, None, None);
        let (mut vendor_name, mut device_name) = (String::new(), String::new());
        let mut group = None;
        let (mut driver, mut saw_module) = (None, false);
        for line in block.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "Slot" => slot = Some(value.to_owned()),
                "Class" => (class_name, class) = bracketed(value),
                "Vendor" => (vendor_name, vendor) = bracketed(value),
                "Device" => (device_name, device) = bracketed(value),
                "SVendor" => sv = bracketed(value).1,
                "SDevice" => sd = bracketed(value).1,
                "IOMMUGroup" => group = value.parse().ok(),
                "Driver" => driver = Some(value.to_owned()),
                "Module" => saw_module = true,
                other => {
                    ignored.insert(other.to_owned());
                }
            }
        }
        let Some(slot) = slot else {
            if !block.trim().is_empty() {
                notes.push(format!("record {}: no Slot line, skipped", n + 1));
            }
            continue;
        };
        // lspci prints a non-zero domain without padding (`ff:02:05.0`); addresses want 4 digits.
        let padded = match slot.split(':').collect::<Vec<_>>().as_slice() {
            [d, b, rest] if d.len() < 4 => format!("{d:0>4}:{b}:{rest}"),
            _ => slot.clone(),
        };
        let Ok(addr) = PciAddress::parse(&padded) else {
            notes.push(format!(
                "record {}: slot `{slot}` is not a PCI address, skipped",
                n + 1
            ));
            continue;
        };
        let pair = |a: Option<String>, b: Option<String>| {
            a.zip(b)
                .map(|(a, b)| format!("{a}:{b}").to_ascii_lowercase())
        };
        records.push(PciRecord {
            address: addr.to_string(),
            class: class.map_or_else(String::new, |c| format!("0x{}", c.to_ascii_lowercase())),
            class_name,
            vendor_device: pair(vendor, device),
            subsystem: pair(sv, sd),
            iommu_group: group,
            model: format!("{vendor_name} {device_name}").trim().to_owned(),
            // `-k` prints the modules that could drive a device even when none is bound.
            driver: driver.or_else(|| saw_module.then(String::new)),
        });
    }
    if !ignored.is_empty() {
        notes.push(format!(
            "fields not modelled: {}",
            ignored.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (records, notes)
}

/// The device kind a PCI class implies.
pub fn kind_of(class: &str) -> DeviceKind {
    match class {
        "0x0100" | "0x0104" | "0x0107" => DeviceKind::Hba,
        "0x0101" | "0x0106" => DeviceKind::SataController,
        "0x0108" => DeviceKind::Nvme,
        c if c.starts_with("0x02") => DeviceKind::Nic,
        c if c.starts_with("0x03") => DeviceKind::Gpu,
        _ => DeviceKind::Other,
    }
}

/// Devices of `host`, ids `<host>/<address>`.
pub fn to_devices(records: &[PciRecord], host: &str) -> Vec<Device> {
    records
        .iter()
        .map(|r| Device {
            id: format!("{host}/{}", r.address),
            host: host.to_owned(),
            kind: kind_of(&r.class),
            address: r.address.clone(),
            model: r.model.clone(),
            vendor_device: r.vendor_device.clone(),
            subsystem: r.subsystem.clone(),
            iommu_group: r.iommu_group,
            class: (!r.class.is_empty()).then(|| r.class.clone()),
            driver: r.driver.clone(),
            ..Device::default()
        })
        .collect()
}
