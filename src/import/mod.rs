//! Importers: pure functions from what people already have (command outputs, configs) to
//! topology pieces, each listing precisely what it could not map — never dropping data
//! silently, never panicking.
//!
//! - [`terraform`]: wrapper-module blocks, bpg `proxmox_virtual_environment_vm` and PCI
//!   mappings, Telmate `proxmox_vm_qemu` (variables and locals with literal values resolved);
//! - [`proxmox_conf`]: `/etc/pve/qemu-server/<vmid>.conf`;
//! - [`pvesh`], [`lspci`] and [`iommu`]: the hardware inventory of one host;
//! - [`zpool`]: `zpool status` → pool layouts.

mod hcl_eval;
pub mod iommu;
pub mod lspci;
pub mod proxmox_conf;
pub mod pvesh;
pub mod terraform;
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

/// 1-based (line, column) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
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
    fn line_and_column_are_one_based() {
        assert_eq!(super::line_col("ab\ncd", 4), (2, 2));
        assert_eq!(super::line_col("ab", 0), (1, 1));
    }
}
