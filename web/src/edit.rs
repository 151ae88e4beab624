//! Reading the model through its JSON form, driven by the core's JSON Schema: the inspector's
//! forms are generated from the schema (so every field of every entity is editable, with its
//! documentation as the label's hint), and an edit is "set this value at this path", which the
//! state applies to the TOML text in place (`hostplan::document`). Pure: tested natively.

use hostplan::diag::{DataPath, Segment};
use hostplan::model::section::Section;
use hostplan::model::Topology;
use serde_json::Value;

/// The value at `path`, if any.
pub fn get_at<'v>(root: &'v Value, path: &DataPath) -> Option<&'v Value> {
    path.0.iter().try_fold(root, |v, seg| match seg {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(*i as usize),
    })
}

/// The schema definition of a section's items (`vms` → `Vm`), and of `site`, which the
/// editor shows as a section of one.
pub fn schema_def(section: &str) -> Option<&'static str> {
    if section == "site" {
        return Some("Site");
    }
    Section::from_key(section).map(Section::schema_def)
}

/// Every entity of a topology's JSON form as `(section, index, label)`: the id, or
/// `rule → resource` for a waiver. (Callers hold the JSON form already: no serialising here.)
pub fn entities(json: &Value) -> Vec<(&'static str, usize, String)> {
    let mut out = Vec::new();
    for section in Section::ALL.map(Section::key) {
        if let Some(items) = json.get(section).and_then(Value::as_array) {
            for (i, item) in items.iter().enumerate() {
                let label = match item.get("id").and_then(Value::as_str) {
                    Some(id) => id.to_owned(),
                    None => format!(
                        "{} → {}",
                        item.get("rule").and_then(Value::as_str).unwrap_or("?"),
                        item.get("resource").and_then(Value::as_str).unwrap_or("?")
                    ),
                };
                out.push((section, i, label));
            }
        }
    }
    out
}

/// Where an id lives: `(section, index)`; mappings included.
pub fn locate(json: &Value, id: &str) -> Option<(&'static str, usize)> {
    entities(json)
        .into_iter()
        .find(|(_, _, label)| label == id)
        .map(|(s, i, _)| (s, i))
}

/// Follow `$ref`s.
pub fn resolve<'s>(schema: &'s Value, node: &'s Value) -> &'s Value {
    let mut node = node;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or(r);
                match schema.get("$defs").and_then(|d| d.get(name)) {
                    Some(n) => node = n,
                    None => break,
                }
            }
            None => break,
        }
    }
    node
}

/// What selecting the entry that holds `path` means: an entity's or mapping's id, `site`, or
/// `waivers[i]`. Diagnostics select their owner this way, never the id they mention (which,
/// for an unknown reference, may name nothing or something unrelated).
pub fn owner_key(t: &Topology, path: &DataPath) -> Option<String> {
    match (path.0.first(), path.0.get(1)) {
        (Some(Segment::Key(k)), _) if k == "site" => Some("site".to_owned()),
        (Some(Segment::Key(k)), Some(Segment::Index(i))) => {
            let section = Section::from_key(k)?;
            if section == Section::Waivers {
                return ((*i as usize) < t.waivers.len()).then(|| format!("waivers[{i}]"));
            }
            section.id_at(t, *i as usize).map(str::to_owned)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Topology {
        hostplan::examples::seed().unwrap()
    }

    #[test]
    fn values_are_read_at_the_cores_data_paths() {
        let json = serde_json::to_value(seed()).unwrap();
        let path = DataPath::parse("vms[0].hostpci[1].pcie");
        assert_eq!(path.to_string(), "vms[0].hostpci[1].pcie");
        assert_eq!(get_at(&json, &path), Some(&serde_json::json!(true)));
        assert_eq!(get_at(&json, &DataPath::parse("vms[99].id")), None);
    }

    #[test]
    fn merging_an_import_adds_and_replaces_by_id() {
        let t = seed();
        let conf = "memory: 65536\nname: truenas\n";
        let imported = hostplan::import::run(
            hostplan::import::Format::ProxmoxConf,
            &[("100.conf".into(), conf.into())],
            Some("srv01"),
            None,
        )
        .unwrap();
        let (m, what) = hostplan::import::merge(&t, &imported.topology).unwrap();
        assert_eq!(what.updated[0].0, "truenas");
        assert!(
            what.updated[0].1.contains(&"memory_mib".to_owned()),
            "{what:?}"
        );
        assert_eq!(m.vms[0].memory_mib, 65536);
        // What the conf does not say stays: the role, the passed-through NICs.
        assert_eq!(m.vms[0].role, t.vms[0].role);
        assert_eq!(m.vms[0].nics, t.vms[0].nics);
        assert_eq!(m.vms.len(), t.vms.len());
    }

    #[test]
    fn a_diagnostic_selects_the_entry_it_is_about() {
        let t = seed();
        let key = |p: &str| owner_key(&t, &DataPath::parse(p));
        assert_eq!(key("vms[1].host").as_deref(), Some("talos-cp1"));
        assert_eq!(key("mappings[0].map[0].path").as_deref(), Some("HBA"));
        assert_eq!(key("site.name").as_deref(), Some("site"));
        assert_eq!(key("vms[99].host"), None);
        assert_eq!(key("schema_version"), None);
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(locate(&json, "HBA").map(|(s, _)| s), Some("mappings"));
    }
}
