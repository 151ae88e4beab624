//! Renaming an entity and every entry that refers to it, in one edit of the TOML text.
//!
//! The references are the ones validation checks: an entity is referred to exactly where
//! validation would report an unknown reference if it were gone. So the model is validated
//! once with the entity under a fresh name, and every unknown reference whose value is the old
//! name is a reference to update — power feeds of UPS units, links' switches, cluster nodes and
//! HA rules included, with no second table of reference fields to keep in step.

use super::{Document, EditError};
use crate::diag::{Code, DataPath, Segment};
use crate::model::section::Section;
use crate::model::Topology;
use serde_json::Value as Json;

/// The entity whose id sits at `path` (`vms[2].id` → the third VM), if `path` is an id field.
fn entity_at(path: &DataPath) -> Option<(Section, usize)> {
    let [Segment::Key(section), Segment::Index(i), Segment::Key(field)] = path.0.as_slice() else {
        return None;
    };
    let section = Section::from_key(section).filter(|s| *s != Section::Waivers)?;
    (field == "id").then_some((section, *i as usize))
}

/// The value at `path` in `json`.
fn value_at<'j>(json: &'j Json, path: &[Segment]) -> Option<&'j Json> {
    path.iter().try_fold(json, |node, seg| match seg {
        Segment::Key(k) => node.get(k),
        Segment::Index(i) => node.get(*i as usize),
    })
}

/// Whether the value at `path` in `t` is the string `id`. Only the entry (or the site or
/// cluster table) the path is in is serialised: the whole model's serialiser would be in the
/// web page for this alone.
fn names(t: &Topology, path: &DataPath, id: &str) -> bool {
    let (json, rest) = match path.0.as_slice() {
        [Segment::Key(s), Segment::Index(i), rest @ ..] => {
            let Some(item) = Section::from_key(s).and_then(|s| s.item_json(t, *i as usize)) else {
                return false;
            };
            (item, rest)
        }
        [Segment::Key(k), rest @ ..] if k == "cluster" => {
            let Some(c) = t
                .cluster
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok())
            else {
                return false;
            };
            (c, rest)
        }
        [Segment::Key(k), rest @ ..] if k == "site" => {
            let Ok(site) = serde_json::to_value(&t.site) else {
                return false;
            };
            (site, rest)
        }
        _ => return false,
    };
    value_at(&json, rest).and_then(Json::as_str) == Some(id)
}

/// The fields that name the entity whose id is at `id_path` (`hosts[0].id`), in the order
/// validation meets them; empty when `id_path` is not an entity's id.
///
/// # Complexity
/// One validation of the model, `O(n log n)`.
///
/// # Example
/// ```
/// use hostplan::diag::DataPath;
/// let t = hostplan::examples::seed().unwrap();
/// let refs = hostplan::document::rename::references(&t, &DataPath::parse("hosts[0].id"));
/// assert!(refs.iter().any(|p| p.to_string() == "vms[0].host"));
/// ```
pub fn references(t: &Topology, id_path: &DataPath) -> Vec<DataPath> {
    let Some((section, i)) = entity_at(id_path) else {
        return Vec::new();
    };
    let Some(old) = section.id_at(t, i) else {
        return Vec::new();
    };
    let taken: std::collections::BTreeSet<String> = crate::sort::btree_set(
        Section::ALL
            .iter()
            .flat_map(|s| s.ids(t))
            .map(str::to_owned),
    );
    let probe = super::ops::fresh_id(&format!("{old}-renamed"), &taken);
    // The model with the entity renamed to an unused id: what named the old id is then an
    // unknown reference. (Changed in place, not through JSON: the web page would otherwise
    // carry another copy of the model's deserializer for this alone.)
    let mut renamed = t.clone();
    if let Some(slot) = section.id_at_mut(&mut renamed, i) {
        *slot = probe;
    }
    let mut out: Vec<DataPath> = crate::validate::validate(&renamed)
        .into_iter()
        .filter(|d| d.code == Code::UnknownReference)
        .map(|d| d.path)
        .filter(|p| names(t, p, old))
        .collect();
    out.dedup();
    out
}

/// `text` (the TOML of `t`) with the field at `path` set to `value`; when `path` is an entity's
/// id and `value` a new name, every entry that refers to the old name is renamed with it — in
/// one edit, so one undo restores them all. Comments and layout are kept.
///
/// # Errors
/// As [`super::set`].
pub fn set_renaming(
    text: &str,
    t: &Topology,
    path: &DataPath,
    value: Option<&Json>,
) -> Result<String, EditError> {
    let refs = match value {
        Some(Json::String(_)) => references(t, path),
        _ => Vec::new(),
    };
    if refs.is_empty() {
        return super::set(text, path, value);
    }
    let mut doc = Document::parse(text)?;
    doc.set(path, value)?;
    for r in &refs {
        doc.set(r, value)?;
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Topology {
        crate::examples::seed().unwrap()
    }

    #[test]
    fn renaming_a_host_renames_every_entry_on_it_and_keeps_the_comments() {
        let t = seed();
        let path = DataPath::parse("hosts[0].id");
        let refs: Vec<String> = references(&t, &path)
            .iter()
            .map(ToString::to_string)
            .collect();
        // Every device, disk, storage and VM of srv01, and the mappings' node entries.
        let on_srv01 = t.devices.iter().filter(|d| d.host == "srv01").count()
            + t.disks.iter().filter(|d| d.host == "srv01").count()
            + t.storages.iter().filter(|s| s.host == "srv01").count()
            + t.vms.iter().filter(|v| v.host == "srv01").count();
        assert!(refs.len() > on_srv01, "{refs:?}");
        assert!(refs.iter().any(|p| p == "vms[0].host"), "{refs:?}");
        assert!(
            refs.iter()
                .any(|p| p.starts_with("mappings[") && p.rsplit('.').next() == Some("node")),
            "{refs:?}"
        );
        let text =
            set_renaming(crate::examples::SEED, &t, &path, Some(&Json::from("pve-a"))).unwrap();
        let r = crate::check("t.toml", text.as_bytes());
        assert!(
            r.diagnostics
                .iter()
                .all(|d| d.code != Code::UnknownReference),
            "{:?}",
            r.diagnostics
        );
        let after = r.topology.unwrap();
        assert_eq!(after.hosts[0].id, "pve-a");
        assert!(after.vms.iter().all(|v| v.host == "pve-a"));
        assert!(!text.contains("\"srv01\""));
        // Only the renamed values changed: every comment line is still there.
        let comments = |s: &str| {
            s.lines()
                .filter(|l| l.trim_start().starts_with('#'))
                .count()
        };
        assert_eq!(comments(&text), comments(crate::examples::SEED));
        assert_eq!(text.lines().count(), crate::examples::SEED.lines().count());
    }

    #[test]
    fn renaming_something_nothing_names_or_a_non_id_field_is_a_plain_set() {
        let t = seed();
        let mem = DataPath::parse("vms[0].memory_mib");
        assert!(references(&t, &mem).is_empty());
        assert_eq!(
            set_renaming(crate::examples::SEED, &t, &mem, Some(&Json::from(4096))).unwrap(),
            super::super::set(crate::examples::SEED, &mem, Some(&Json::from(4096))).unwrap()
        );
        // A mapping lives in its own namespace: its users are the hostpci entries naming it.
        let i = t.mappings.iter().position(|m| m.id == "HBA").unwrap();
        let refs = references(&t, &DataPath::parse(&format!("mappings[{i}].id")));
        assert_eq!(
            refs.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["vms[0].hostpci[0].mapping"]
        );
    }
}
