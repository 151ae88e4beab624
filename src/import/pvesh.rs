//! `pvesh get /nodes/<node>/hardware/pci --output-format json` → PCIe devices of one host.
//!
//! Proxmox prints a JSON array of objects (`id`, `class` `0x010700`, `vendor`/`device`,
//! `subsystem_vendor`/`subsystem_device`, names, `iommugroup` — `-1` without an IOMMU). By
//! default it hides classes 05 (memory), 06 (bridges) and 0b (processors) unless called with
//! `--pci-class-blacklist ""`; that is harmless here: those are never passed through.

use super::lspci::PciRecord;
use super::{line_col, Note};
use crate::model::pci::PciAddress;
use serde_json::Value;
use std::collections::BTreeSet;

const KNOWN: [&str; 10] = [
    "id",
    "class",
    "vendor",
    "device",
    "vendor_name",
    "device_name",
    "subsystem_vendor",
    "subsystem_device",
    "iommugroup",
    "subsystem_vendor_name",
];

/// `0x1000` → `1000`.
fn hex4(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?;
    let s = s.strip_prefix("0x").unwrap_or(s).to_ascii_lowercase();
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
}

/// Parse the JSON; `file` names the input in the notes.
pub fn parse(file: &str, text: &str) -> (Vec<PciRecord>, Vec<Note>) {
    let mut notes = Vec::new();
    let mut note = |line: usize, column: usize, subject: &str, message: String| {
        notes.push(Note {
            file: file.to_owned(),
            line,
            column,
            subject: subject.to_owned(),
            message,
        });
    };
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(o)) if o.get("data").is_some_and(Value::is_array) => {
            // The raw API wraps the list in `{"data": [...]}`.
            match o.get("data") {
                Some(Value::Array(a)) => a.clone(),
                _ => Vec::new(),
            }
        }
        Ok(_) => {
            note(
                1,
                1,
                "",
                "expected a JSON array of PCI devices; nothing imported".into(),
            );
            return (Vec::new(), notes);
        }
        Err(e) => {
            note(
                e.line(),
                e.column(),
                "",
                format!("not valid JSON: {e}; nothing imported"),
            );
            return (Vec::new(), notes);
        }
    };
    let mut records = Vec::new();
    let mut unknown = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let Some(o) = item.as_object() else {
            note(0, 0, &format!("[{i}]"), "not an object; skipped".into());
            continue;
        };
        let Some(id) = o.get("id").and_then(Value::as_str) else {
            note(
                0,
                0,
                &format!("[{i}]"),
                "no `id` (PCI address); skipped".into(),
            );
            continue;
        };
        let address = match PciAddress::parse(id) {
            Ok(a) => a.to_string(),
            Err(e) => {
                let (line, column) = text.find(id).map_or((0, 0), |at| line_col(text, at));
                note(
                    line,
                    column,
                    id,
                    format!("not a PCI address ({e}); skipped"),
                );
                continue;
            }
        };
        for k in o.keys() {
            if !KNOWN.contains(&k.as_str()) && k != "subsystem_device_name" {
                unknown.insert(k.clone());
            }
        }
        let class = o
            .get("class")
            .and_then(Value::as_str)
            .map(|c| c.strip_prefix("0x").unwrap_or(c).to_ascii_lowercase())
            .filter(|c| c.len() >= 4)
            .map_or_else(String::new, |c| format!("0x{}", &c[..4]));
        let group = o.get("iommugroup").and_then(Value::as_i64);
        if group == Some(-1) {
            note(
                0,
                0,
                &address,
                "iommugroup -1: the host has no IOMMU enabled".into(),
            );
        }
        let pair = |a: &str, b: &str| {
            hex4(o.get(a))
                .zip(hex4(o.get(b)))
                .map(|(a, b)| format!("{a}:{b}"))
        };
        let name = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("");
        records.push(PciRecord {
            address,
            class,
            class_name: String::new(),
            vendor_device: pair("vendor", "device"),
            subsystem: pair("subsystem_vendor", "subsystem_device"),
            iommu_group: group
                .filter(|g| *g >= 0)
                .and_then(|g| i32::try_from(g).ok()),
            model: format!("{} {}", name("vendor_name"), name("device_name"))
                .trim()
                .to_owned(),
            driver: None,
        });
    }
    if !unknown.is_empty() {
        note(
            0,
            0,
            "",
            format!(
                "fields not modelled: {}",
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    (records, notes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pvesh_json() {
        let text = r#"[
 {"class":"0x010700","device":"0x0097","device_name":"SAS3008 PCI-Express Fusion-MPT SAS-3","id":"0000:01:00.0","iommugroup":14,"subsystem_device":"0x30e0","subsystem_vendor":"0x1000","vendor":"0x1000","vendor_name":"Broadcom / LSI","mdev":false},
 {"class":"0x020000","device":"0x1521","id":"0000:03:00.1","iommugroup":-1,"vendor":"0x8086"},
 {"id":"nonsense"}
]"#;
        let (records, notes) = super::parse("pci.json", text);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].class, "0x0107");
        assert_eq!(records[0].vendor_device.as_deref(), Some("1000:0097"));
        assert_eq!(records[0].subsystem.as_deref(), Some("1000:30e0"));
        assert_eq!(records[0].iommu_group, Some(14));
        assert_eq!(records[1].iommu_group, None);
        let text: Vec<String> = notes.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|n| n.contains("iommugroup -1")), "{text:?}");
        assert!(
            text.iter()
                .any(|n| n.starts_with("pci.json:4:") && n.contains("nonsense")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|n| n.contains("fields not modelled: mdev")),
            "{text:?}"
        );
    }

    #[test]
    fn broken_json_is_located() {
        let (records, notes) = super::parse("p.json", "[\n{\"id\": }\n]");
        assert!(records.is_empty());
        assert_eq!((notes[0].line, notes[0].column), (2, 8));
    }
}
