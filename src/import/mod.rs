//! Importers: pure functions from what people already have (command outputs, configs) to
//! topology pieces, each listing precisely what it could not map — never dropping data
//! silently, never panicking.
//!
//! - [`terraform`]: wrapper-module blocks, bpg `proxmox_virtual_environment_vm` and PCI
//!   mappings, Telmate `proxmox_vm_qemu` (variables and locals with literal values resolved);
//! - [`proxmox_conf`] reads `/etc/pve/qemu-server/<vmid>.conf`;
//! - [`pvesh`], [`lspci`] and [`iommu`]: the hardware inventory of one host;
//! - [`zpool`]: `zpool status` → pool layouts.

mod hcl_eval;
pub use merge::{merge, Merged};
pub mod iommu;
pub mod lspci;
pub mod merge;
pub mod proxmox_conf;
pub mod pvesh;
pub mod terraform;
mod tf_functions;
pub mod zpool;

use crate::model::Topology;
use serde::Serialize;
use std::fmt;

/// Something an importer saw and did not map (or mapped with a caveat), located in its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The input file's name as given.
    pub file: String,
    /// 1-based line, 0 when the note is about the whole input.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// What it is about: the resource, VM or attribute (`proxmox_vm_qemu.nas.scsi1`).
    pub subject: String,
    /// What was not mapped and why.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        if self.subject.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.subject, self.message)
        }
    }
}

/// What an import produced: a topology fragment (only the sections the input speaks about)
/// and the notes on everything not mapped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Imported {
    /// The fragment; merge it into a topology or complete it by hand.
    pub topology: Topology,
    /// Everything seen but not mapped, in input order.
    pub notes: Vec<Note>,
}

/// The note for a VM whose input does not say its node (dropped when the caller names one).
pub(crate) const NO_HOST: &str =
    "the input does not say which node the VM is on: set its host before validating";

/// A VM's role where the input does not state it, from what it does say (its name, its
/// description, the image it boots): `truenas` or `talos`, with the hint it came from — so the
/// role rules (TrueNAS sizing, Talos requirements) can judge an imported VM. The importers say
/// so in a note: an inferred role is to be confirmed, not trusted.
pub(crate) fn infer_role<'h>(hints: &[&'h str]) -> Option<(&'static str, &'h str)> {
    const ROLES: [(&str, &[&str]); 2] =
        [("truenas", &["truenas", "freenas"]), ("talos", &["talos"])];
    for hint in hints {
        let lower = hint.to_ascii_lowercase();
        for (role, words) in ROLES {
            if words.iter().any(|w| lower.contains(w)) {
                return Some((role, hint));
            }
        }
    }
    None
}

/// The note for an inferred role.
pub(crate) fn role_note(role: &str, hint: &str) -> String {
    format!("role `{role}` inferred from `{hint}`: set `role` to confirm it (the role rules judge the VM as one)")
}

/// The formats hostplan imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Format {
    /// Terraform HCL: wrapper modules, bpg and Telmate VMs, PCI mappings.
    Terraform,
    /// `/etc/pve/qemu-server/<vmid>.conf`.
    ProxmoxConf,
    /// `pvesh get /nodes/<node>/hardware/pci --output-format json`.
    PveshPci,
    /// `lspci -nnmmv`.
    Lspci,
    /// An IOMMU group listing.
    IommuGroups,
    /// `zpool status`.
    ZpoolStatus,
}

impl Format {
    /// Every format, in the order the CLI and the web app list them.
    pub const ALL: [Format; 6] = [
        Format::Terraform,
        Format::ProxmoxConf,
        Format::PveshPci,
        Format::Lspci,
        Format::IommuGroups,
        Format::ZpoolStatus,
    ];

    /// The CLI's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Terraform => "terraform",
            Format::ProxmoxConf => "proxmox-conf",
            Format::PveshPci => "pvesh-pci",
            Format::Lspci => "lspci",
            Format::IommuGroups => "iommu-groups",
            Format::ZpoolStatus => "zpool-status",
        }
    }

    /// The format called `name` (as [`Format::name`] gives it).
    pub fn from_name(name: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the input describes one host's hardware (so the host must be named).
    pub fn needs_host(self) -> bool {
        matches!(
            self,
            Format::PveshPci | Format::Lspci | Format::IommuGroups | Format::ZpoolStatus
        )
    }

    /// Guess the format from a file name and its first bytes (for drag and drop).
    pub fn guess(name: &str, text: &str) -> Option<Format> {
        let head = text.trim_start();
        let ext = std::path::Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if ext.as_deref() == Some("tf") {
            Some(Format::Terraform)
        } else if ext.as_deref() == Some("conf") {
            Some(Format::ProxmoxConf)
        } else if head.starts_with('[') || head.starts_with('{') {
            Some(Format::PveshPci)
        } else if head.starts_with("Slot:") {
            Some(Format::Lspci)
        } else if head.to_ascii_lowercase().starts_with("iommu group")
            || head.starts_with("/sys/kernel/iommu_groups/")
        {
            Some(Format::IommuGroups)
        } else if head.starts_with("pool:") {
            Some(Format::ZpoolStatus)
        } else {
            None
        }
    }
}

/// Why an import could not run at all (anything less is a [`Note`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A hardware inventory without the host it was taken on.
    #[error("`{0}` describes one host's hardware: name the host it was taken on")]
    HostRequired(&'static str),
    /// The input is clearly not in the format it was given as.
    #[error("{file}: not {format}: {why}")]
    NotThisFormat {
        /// The format asked for.
        format: &'static str,
        /// The file.
        file: String,
        /// What gave it away.
        why: String,
    },
}

fn plain_notes(file: &str, notes: Vec<String>) -> impl Iterator<Item = Note> + '_ {
    notes.into_iter().map(move |message| Note {
        file: file.to_owned(),
        line: 0,
        column: 0,
        subject: String::new(),
        message,
    })
}

/// Import `files` (`(name, text)`) of one format. `host` places hardware (and fills the host
/// of VMs whose input does not say it); `owner` is who imports zpool pools (default: `host`).
///
/// # Errors
/// [`ImportError::HostRequired`] for a hardware format without `host`.
pub fn run(
    format: Format,
    files: &[(String, String)],
    host: Option<&str>,
    owner: Option<&str>,
) -> Result<Imported, ImportError> {
    let need_host = || host.ok_or(ImportError::HostRequired(format.name()));
    let mut out = Imported {
        topology: Topology {
            schema_version: crate::model::SCHEMA_VERSION,
            ..Topology::default()
        },
        notes: Vec::new(),
    };
    match format {
        Format::Terraform => out = terraform::import(files),
        Format::ProxmoxConf => {
            for (name, text) in files {
                if let Some(why) = proxmox_conf::not_a_vm_conf(text) {
                    return Err(ImportError::NotThisFormat {
                        format: "a Proxmox VM conf",
                        file: name.clone(),
                        why,
                    });
                }
                let one = proxmox_conf::import(name, text);
                out.topology.vms.extend(one.topology.vms);
                out.notes.extend(one.notes);
            }
        }
        Format::PveshPci | Format::Lspci | Format::IommuGroups => {
            let host = need_host()?;
            for (name, text) in files {
                let (records, notes) = match format {
                    Format::PveshPci => pvesh::parse(name, text),
                    Format::IommuGroups => iommu::parse(name, text),
                    _ => {
                        let (r, n) = lspci::parse(text);
                        (r, plain_notes(name, n).collect())
                    }
                };
                if records.is_empty() && !text.trim().is_empty() {
                    return Err(ImportError::NotThisFormat {
                        format: match format {
                            Format::PveshPci => "`pvesh get /nodes/<node>/hardware/pci` output",
                            Format::Lspci => "`lspci -nnmmv` output",
                            _ => "an IOMMU group listing",
                        },
                        file: name.clone(),
                        why: "no PCI device in it".into(),
                    });
                }
                out.topology
                    .devices
                    .extend(lspci::to_devices(&records, host));
                out.notes.extend(notes);
            }
        }
        Format::ZpoolStatus => {
            let host = need_host()?;
            for (name, text) in files {
                let pools = zpool::parse(text);
                if pools.is_empty() {
                    let why = if text.contains("capacity") && text.contains("bandwidth") {
                        "this is `zpool iostat`; give `zpool status` (or `zpool import`)".to_owned()
                    } else {
                        "no `pool:` line".to_owned()
                    };
                    return Err(ImportError::NotThisFormat {
                        format: "`zpool status` output",
                        file: name.clone(),
                        why,
                    });
                }
                let (disks, pools, notes) = zpool::to_topology(&pools, host, owner.unwrap_or(host));
                out.topology.disks.extend(disks);
                out.topology.pools.extend(pools);
                out.notes.extend(plain_notes(name, notes));
            }
        }
    }
    if let Some(h) = host {
        for vm in out.topology.vms.iter_mut().filter(|v| v.host.is_empty()) {
            h.clone_into(&mut vm.host);
        }
        out.notes.retain(|n| n.message != NO_HOST);
    }
    Ok(out)
}

/// 1-based (line, column) of byte `offset` in `text` (the loader's, as `usize`).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let (line, column) = crate::source::line_col(text, offset);
    (line as usize, column as usize)
}

/// Decode `%XX` escapes (Proxmox stores VM descriptions URL-encoded); malformed escapes are kept
/// as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The TOML text of an imported fragment, without the values it does not know: a field listed
/// in a VM's or disk's `unknown` is left out of the text (reading it back gives the same model),
/// so nothing in the file looks stated that the input did not state.
///
/// # Errors
/// When the fragment cannot be written as TOML (not for fragments the importers produce).
pub fn fragment_text(fragment: &Topology) -> Result<String, toml::ser::Error> {
    let mut value = toml::Value::try_from(fragment)?;
    for section in ["vms", "disks"] {
        let Some(items) = value.get_mut(section).and_then(toml::Value::as_array_mut) else {
            continue;
        };
        for item in items {
            let Some(t) = item.as_table_mut() else {
                continue;
            };
            let unknown: Vec<String> = t
                .get("unknown")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|u| u.get("field").and_then(toml::Value::as_str))
                .map(str::to_owned)
                .collect();
            for field in unknown {
                t.remove(&field);
            }
        }
    }
    toml::to_string(&value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(super::percent_decode("http%3A//a%20b"), "http://a b");
        assert_eq!(super::percent_decode("100%"), "100%");
        assert_eq!(super::percent_decode("%zz%4"), "%zz%4");
        assert_eq!(super::percent_decode("%E2%9C%93"), "✓");
    }

    #[test]
    fn naming_the_host_places_the_vms_and_drops_the_placement_note() {
        let files = [("100.conf".to_owned(), "name: a\n".to_owned())];
        let without = super::run(super::Format::ProxmoxConf, &files, None, None).unwrap();
        assert!(without.notes.iter().any(|n| n.message == super::NO_HOST));
        let with = super::run(super::Format::ProxmoxConf, &files, Some("pve"), None).unwrap();
        assert_eq!(with.topology.vms[0].host, "pve");
        assert!(with.notes.iter().all(|n| n.message != super::NO_HOST));
        assert_eq!(
            super::run(super::Format::Lspci, &files, None, None),
            Err(super::ImportError::HostRequired("lspci"))
        );
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(super::line_col("ab\ncd", 4), (2, 2));
        assert_eq!(super::line_col("ab", 0), (1, 1));
    }
}
