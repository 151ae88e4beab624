//! The value formats Proxmox VE itself enforces, for every value hostplan hands to a provisioner.
//!
//! Proxmox checks these when a value arrives through its API or `qm set`, but a
//! `/etc/pve/qemu-server/<vmid>.conf` written by a tool is read line by line with no such
//! check: a newline in a CPU type writes a second config line (`hookscript:`, `args:` — code
//! execution on the host), and a comma or `=` inside a mapping or storage id adds options within
//! a line. So validation reports every value that breaks its format ([`crate::validate`]) and
//! every exporter refuses one independently ([`crate::export`]), which keeps even an unvalidated
//! model from injecting.
//!
//! Each checker cites the Proxmox definition it mirrors; the patterns are matched by hand (no
//! regex engine in the core, which also runs in the browser) and documented with the regex.
//! They match the whole value: Perl's `$` also matches before a final newline, so Proxmox's
//! own `m/^…$/` would let `local\n` through its API check (qemu-server refuses it only when it
//! writes the conf); these checkers do not.

use std::fmt;

/// Which Proxmox format a value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// `pve-storage-id` — pve-common `PVE::JSONSchema::parse_storage_id`:
    /// `^[a-z][a-z0-9\-\_\.]*[a-z0-9]$` (case-insensitive).
    StorageId,
    /// `pve-configid` — pve-common `PVE::JSONSchema::pve_verify_configid`:
    /// `^[a-z][a-z0-9_-]+$` (case-insensitive). Resource-mapping ids use it
    /// (pve-guest-common `PVE::Mapping::PCI`, `id` property).
    ConfigId,
    /// `dns-name` — pve-common `PVE::JSONSchema::pve_verify_dns_name`, the format of a VM's
    /// `name` (qemu-server): labels `[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?` joined by `.`.
    DnsName,
    /// `pve-node` — pve-common `PVE::JSONSchema::pve_verify_node_name`, a Proxmox node's name:
    /// `^([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)$` (one DNS label).
    NodeName,
    /// `pve-bridge-id` — pve-common `PVE::JSONSchema::parse_bridge_id`, the `bridge` of a
    /// qemu-server `netN`: `^[-_.\w\d]+$` (ASCII only here: Perl's `\w` would also take
    /// letters the kernel's tools reject); at most 15 bytes, Linux's interface-name limit
    /// (`IFNAMSIZ` − 1), which the kernel enforces when the bridge is created.
    BridgeId,
    /// The CPU model of qemu-server's `cpu` property (`cputype`, `PVE::QemuServer::CPUConfig`):
    /// a built-in model name (`host`, `kvm64`, `x86-64-v2-AES`, `Opteron_G5`, `EPYC-Rome-v2`…)
    /// or `custom-<pve-configid>`: letters, digits, `-`, `_`, `.`; never a `,` (which would start
    /// the next option of the property) or anything outside ASCII. (`validate_vm_cpu_conf`
    /// also looks the name up in the node's model list; hostplan checks only the shape, so a
    /// model newer than hostplan is not refused.)
    CpuType,
    /// qemu-server's `machine` property (`PVE::QemuServer::Machine`): a type matching
    /// `(pc|pc(-i440fx)?-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|q35|pc-q35-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|virt(?:-\d+(\.\d+)+)?(\+pve\d+)?)`,
    /// at most 40 characters, optionally as `type=…`, followed by known options:
    /// `viommu=intel|virtio`, `enable-s3=0|1`, `enable-s4=0|1`, `aw-bits=<32–64>`.
    Machine,
}

impl Format {
    /// What a valid value looks like, for diagnostics.
    pub fn expected(self) -> &'static str {
        match self {
            Self::StorageId => {
                "a Proxmox storage id: a letter, then letters, digits, `-`, `_` or `.`, ending in a letter or digit"
            }
            Self::ConfigId => {
                "a Proxmox config id: a letter, then at least one letter, digit, `-` or `_`"
            }
            Self::DnsName => {
                "a DNS name: labels of letters, digits and inner `-`, separated by `.`"
            }
            Self::NodeName => "a node name: letters, digits and inner `-` (one DNS label)",
            Self::BridgeId => {
                "a bridge name of at most 15 letters, digits, `-`, `_` or `.` (e.g. `vmbr0`)"
            }
            Self::CpuType => {
                "a CPU model such as `host`, `x86-64-v2-AES` or `custom-<name>` (letters, digits, `-`, `_`, `.`)"
            }
            Self::Machine => {
                "a machine type such as `q35`, `pc`, `pc-q35-8.1` or `pc-i440fx-9.0`, optionally with `,viommu=intel|virtio`"
            }
        }
    }

    /// Where Proxmox defines the format, for diagnostics and docs.
    pub fn source(self) -> &'static str {
        match self {
            Self::StorageId => "pve-common PVE::JSONSchema::parse_storage_id (pve-storage-id)",
            Self::ConfigId => "pve-common PVE::JSONSchema::pve_verify_configid (pve-configid)",
            Self::DnsName => "pve-common PVE::JSONSchema::pve_verify_dns_name (dns-name)",
            Self::NodeName => "pve-common PVE::JSONSchema::pve_verify_node_name (pve-node)",
            Self::BridgeId => {
                "pve-common PVE::JSONSchema::parse_bridge_id (pve-bridge-id); Linux IFNAMSIZ"
            }
            Self::CpuType => "qemu-server PVE::QemuServer::CPUConfig (cputype)",
            Self::Machine => "qemu-server PVE::QemuServer::Machine (machine type pattern)",
        }
    }

    /// A suggestion for a common near miss, if `value` is one.
    pub fn hint(self, value: &str) -> Option<&'static str> {
        match (self, value.trim()) {
            (Self::Machine, "i440fx") => Some("Proxmox calls the i440fx machine `pc`"),
            (Self::CpuType, v) if v.contains(',') => {
                Some("CPU flags are not part of the CPU type; hostplan models the type only")
            }
            _ => None,
        }
    }

    /// Whether `value` has this format.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Self::StorageId => storage_id(value),
            Self::ConfigId => config_id(value),
            Self::DnsName => dns_name(value),
            Self::NodeName => !value.contains('.') && dns_name(value),
            Self::BridgeId => bridge_id(value),
            Self::CpuType => cpu_type(value),
            Self::Machine => machine(value),
        }
    }

    /// `Ok(())` when `value` has this format, otherwise an error carrying it.
    pub fn check(self, value: &str) -> Result<(), FormatError> {
        if self.accepts(value) {
            Ok(())
        } else {
            Err(FormatError {
                format: self,
                value: value.to_owned(),
            })
        }
    }
}

/// A value that does not have the format Proxmox requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The format it should have.
    pub format: Format,
    /// The offending value.
    pub value: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not {} ({})",
            crate::diag::Quoted(&self.value),
            self.format.expected(),
            self.format.source()
        )
    }
}

impl std::error::Error for FormatError {}

/// `^[a-z][a-z0-9\-\_\.]*[a-z0-9]$`, case-insensitive.
fn storage_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `^[a-z][a-z0-9_-]+$`, case-insensitive.
fn config_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
}

/// `^(label\.)*label$` with `label = [a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?`.
fn dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        })
}

/// `^[-_.\w\d]+$` (Perl's `\w` without the Unicode flag on a byte string: ASCII word
/// characters), at most 15 bytes.
fn bridge_id(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A built-in model name or `custom-<configid>`.
fn cpu_type(s: &str) -> bool {
    if let Some(custom) = s.strip_prefix("custom-") {
        return config_id(custom);
    }
    !s.is_empty()
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `[type=]<type>[,viommu=intel|virtio][,enable-s3=0|1][,enable-s4=0|1][,aw-bits=<n>]`.
fn machine(s: &str) -> bool {
    let mut parts = s.split(',');
    let first = parts.next().unwrap_or_default();
    let ty = first.strip_prefix("type=").unwrap_or(first);
    if ty.len() > 40 || !machine_type(ty) {
        return false;
    }
    let mut seen = Vec::new();
    parts.all(|opt| {
        let Some((k, v)) = opt.split_once('=') else {
            return false;
        };
        if seen.contains(&k) {
            return false;
        }
        seen.push(k);
        match k {
            "viommu" => matches!(v, "intel" | "virtio"),
            "enable-s3" | "enable-s4" => matches!(v, "0" | "1"),
            "aw-bits" => {
                v.bytes().all(|c| c.is_ascii_digit())
                    && v.parse::<u32>().is_ok_and(|n| (32..=64).contains(&n))
            }
            _ => false,
        }
    })
}

/// The machine type pattern of qemu-server, anchored.
fn machine_type(t: &str) -> bool {
    if matches!(t, "pc" | "q35") {
        return true;
    }
    // (pc(-i440fx)?|pc-q35)-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?
    if let Some(rest) = ["pc-i440fx-", "pc-q35-", "pc-"]
        .iter()
        .find_map(|p| t.strip_prefix(p))
    {
        return version_with_pve(rest.strip_suffix(".pxe").unwrap_or(rest));
    }
    // virt(?:-\d+(\.\d+)+)?(\+pve\d+)?
    if let Some(rest) = t.strip_prefix("virt") {
        return match rest.strip_prefix('-') {
            Some(versioned) => version_with_pve(versioned),
            None => rest.is_empty() || pve_suffix(rest),
        };
    }
    false
}

/// `\d+(\.\d+)+(\+pve\d+)?`.
fn version_with_pve(s: &str) -> bool {
    let (version, pve) = match s.find('+') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && (pve.is_empty() || pve_suffix(pve))
}

/// `\+pve\d+`.
fn pve_suffix(s: &str) -> bool {
    s.strip_prefix("+pve")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()))
}

/// The VM name Proxmox gets for a hostplan VM id (every export writes it): the id, with
/// characters a DNS name cannot hold turned into `-` and leading/trailing `-` and `.` dropped.
/// Validation warns when this differs from the id and refuses an id that leaves no DNS name.
pub fn vm_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches(['-', '.']).to_owned()
}

/// The storage name Proxmox knows for a hostplan storage id: the id itself, or the part after
/// the last `/` for the `<node>/<storage>` form the format recommends when several nodes have a
/// storage of the same name.
pub fn storage_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// The features qemu-server's `hotplug` option lists (`pve_verify_hotplug_features`);
/// `hotplug: 0` is none of them.
pub const HOTPLUG_FEATURES: &[&str] = &["network", "disk", "cpu", "memory", "usb", "cloudinit"];

/// Proxmox's default `hotplug`: a conf without the line, or `hotplug: 1`.
pub const HOTPLUG_DEFAULT: &[&str] = &["network", "disk", "usb"];

#[cfg(test)]
mod tests {
    use super::Format;

    /// (format, accepted, rejected), the accepted ones from Proxmox's own docs and tests.
    const CASES: &[(Format, &[&str], &[&str])] = &[
        (
            Format::StorageId,
            &[
                "local",
                "local-lvm",
                "local-zfs",
                "tank_nfs",
                "ceph.pool1",
                "NAS1",
            ],
            &[
                "",
                "l",
                "1local",
                "local-",
                "local\n",
                "local:iso",
                "a,b",
                "a\nb",
                "a/b",
                "a b",
                "ü-x",
            ],
        ),
        (
            Format::ConfigId,
            &["HBA", "NIC1", "gpu-0", "my_mapping"],
            &[
                "",
                "H",
                "1gpu",
                "HBA,driver=keep",
                "a.b",
                "x\nhookscript",
                "日本語",
            ],
        ),
        (
            Format::DnsName,
            &["truenas", "talos-cp-1", "vm1.example.com", "1a"],
            &["", "-..-", "a_b", "a..b", ".a", "a-", "日本語", "a b"],
        ),
        (
            Format::NodeName,
            &["srv01", "pve", "Node-2", "1"],
            &["", "srv01.lan", "-x", "x-", "a_b", "srv01\n"],
        ),
        (
            Format::BridgeId,
            &["vmbr0", "vmbr0.50", "br_storage", "v-1"],
            &[
                "",
                "vmbr0,tag=1",
                "vmbr0\nargs: x",
                "a b",
                "averyverylongbridge",
            ],
        ),
        (
            Format::CpuType,
            &[
                "host",
                "kvm64",
                "x86-64-v2-AES",
                "Opteron_G5",
                "EPYC-Rome-v2",
                "custom-mine",
            ],
            &[
                "",
                "host\nhookscript: local:snippets/pwn.pl",
                "host,flags=+aes",
                "custom-",
                "-x",
                "ü",
            ],
        ),
        (
            Format::Machine,
            &[
                "q35",
                "pc",
                "pc-q35-8.1",
                "pc-i440fx-9.0+pve1",
                "pc-q35-10.0.pxe",
                "q35,viommu=intel",
                "type=q35,viommu=virtio",
                "virt",
                "virt-9.0",
            ],
            &[
                "",
                "q35\nargs: -monitor tcp:0.0.0.0:4444",
                "q35,viommu=amd",
                "q36",
                "pc-q35-8",
                "q35,args=x",
                "q35,viommu=intel,viommu=virtio",
                "q35,aw-bits=16",
                "q35\n",
            ],
        ),
    ];

    #[test]
    fn formats_accept_what_proxmox_accepts_and_nothing_that_breaks_a_line() {
        for (format, good, bad) in CASES {
            for v in *good {
                assert!(format.accepts(v), "{format:?} should accept {v:?}");
            }
            for v in *bad {
                assert!(!format.accepts(v), "{format:?} should reject {v:?}");
            }
        }
    }

    #[test]
    fn nothing_accepted_can_leave_its_line_or_option() {
        let all = [
            Format::StorageId,
            Format::ConfigId,
            Format::DnsName,
            Format::NodeName,
            Format::BridgeId,
            Format::CpuType,
            Format::Machine,
        ];
        for f in all {
            for c in [
                '\n', '\r', ',', '=', ':', ';', ' ', '#', '"', '\0', '\u{2028}',
            ] {
                assert!(!f.accepts(&format!("ab{c}cd")), "{f:?} accepts {c:?}");
            }
        }
    }

    #[test]
    fn node_qualified_storage_ids_name_the_proxmox_storage() {
        assert_eq!(super::storage_name("srv01/local"), "local");
        assert_eq!(super::storage_name("local-lvm"), "local-lvm");
    }
}
