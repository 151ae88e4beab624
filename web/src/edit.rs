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

/// The tables that are not lists (`site`, `cluster`): the editor shows each as a section of
/// one, selected by its key, with its schema definition.
pub const TABLES: [(&str, &str); 2] = [("site", "Site"), ("cluster", "Cluster")];

/// The schema definition of a section's items (`vms` → `Vm`), and of a table of
/// [`TABLES`].
pub fn schema_def(section: &str) -> Option<&'static str> {
    if let Some((_, def)) = TABLES.iter().find(|(k, _)| *k == section) {
        return Some(def);
    }
    Section::from_key(section).map(Section::schema_def)
}

/// Every entity of a topology as `(section, index, label)`: the id, or `rule → resource` for a
/// waiver. Read from the model, not its JSON form (which a large site would have to serialise
/// whole on every edit).
pub fn entities(t: &Topology) -> Vec<(&'static str, usize, String)> {
    let mut out = Vec::new();
    for section in Section::ALL {
        if section == Section::Waivers {
            for (i, w) in t.waivers.iter().enumerate() {
                out.push((section.key(), i, format!("{} → {}", w.rule, w.resource)));
            }
            continue;
        }
        for (i, id) in section.ids(t).enumerate() {
            out.push((section.key(), i, id.to_owned()));
        }
    }
    out
}

/// Where an id lives: `(section, index)`; mappings included.
pub fn locate(t: &Topology, id: &str) -> Option<(&'static str, usize)> {
    Section::ALL
        .into_iter()
        .filter(|s| *s != Section::Waivers)
        .find_map(|s| Some((s.key(), s.ids(t).position(|x| x == id)?)))
}

/// The JSON form the forms read for one entry (`section[index]`, or `site`): a document that
/// holds only that entry, at its place, so the forms read values at the core's data paths
/// (`vms[3].memory_mib`) without the whole model being serialised on every edit.
pub fn form_json(t: &Topology, section: &str, index: usize) -> Value {
    if section == "site" {
        return serde_json::json!({ "site": serde_json::to_value(&t.site).unwrap_or_default() });
    }
    if section == "cluster" {
        // A file without a cluster shows an empty form; its first field makes the `[cluster]`.
        let cluster = serde_json::to_value(&t.cluster).unwrap_or_default();
        return serde_json::json!({ "cluster": cluster });
    }
    let Some(item) = Section::from_key(section).and_then(|s| s.item_json(t, index)) else {
        return Value::Null;
    };
    let mut list = vec![Value::Null; index];
    list.push(item);
    let mut root = serde_json::Map::new();
    root.insert(section.to_owned(), Value::Array(list));
    Value::Object(root)
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

/// What selecting the entry that holds `path` means: an entity's or mapping's id, `site`,
/// `cluster`, or `waivers[i]`. Diagnostics select their owner this way, never the id they mention (which,
/// for an unknown reference, may name nothing or something unrelated).
pub fn owner_key(t: &Topology, path: &DataPath) -> Option<String> {
    match (path.0.first(), path.0.get(1)) {
        (Some(Segment::Key(k)), _) if TABLES.iter().any(|(t, _)| t == k) => Some(k.clone()),
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
    fn one_entrys_form_reads_what_the_whole_models_json_holds_at_its_paths() {
        let t = seed();
        let whole = serde_json::to_value(&t).unwrap();
        for (section, i, _) in entities(&t).into_iter().chain([("site", 0, String::new())]) {
            let base = if section == "site" {
                DataPath::parse("site")
            } else {
                DataPath::parse(&format!("{section}[{i}]"))
            };
            let one = form_json(&t, section, i);
            assert_eq!(get_at(&one, &base), get_at(&whole, &base), "{base}");
            assert!(get_at(&whole, &base).is_some(), "{base}");
        }
        // Nothing else is in it: another entry's values are not there.
        let one = form_json(&t, "vms", 2);
        assert_eq!(get_at(&one, &DataPath::parse("vms[1]")), Some(&Value::Null));
        assert_eq!(get_at(&one, &DataPath::parse("vms[1].id")), None);
        assert_eq!(get_at(&one, &DataPath::parse("hosts[0].id")), None);
    }

    #[test]
    fn entities_are_listed_from_the_model_as_from_its_json_form() {
        let mut t = seed();
        t.waivers.push(hostplan::model::Waiver {
            rule: "PT-10".into(),
            resource: "truenas".into(),
            ..Default::default()
        });
        let json = serde_json::to_value(&t).unwrap();
        let from_json: Vec<(&str, usize, String)> = Section::ALL
            .map(Section::key)
            .into_iter()
            .flat_map(|section| {
                let items = json
                    .get(section)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                items.into_iter().enumerate().map(move |(i, item)| {
                    let label = match item.get("id").and_then(Value::as_str) {
                        Some(id) => id.to_owned(),
                        None => format!(
                            "{} → {}",
                            item["rule"].as_str().unwrap(),
                            item["resource"].as_str().unwrap()
                        ),
                    };
                    (section, i, label)
                })
            })
            .collect();
        assert_eq!(entities(&t), from_json);
        assert!(entities(&t).iter().any(|(s, _, _)| *s == "waivers"));
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
    fn the_cluster_is_a_form_of_its_own() {
        let t = hostplan::examples::cluster().unwrap();
        let one = form_json(&t, "cluster", 0);
        let whole = serde_json::to_value(&t).unwrap();
        let votes = DataPath::parse("cluster.nodes[1].host");
        assert_eq!(get_at(&one, &votes), get_at(&whole, &votes));
        assert_eq!(get_at(&one, &votes), Some(&serde_json::json!("pve2")));
        assert_eq!(schema_def("cluster"), Some("Cluster"));
        let key = owner_key(&t, &DataPath::parse("cluster.ha.node_affinity[0].nodes[1]"));
        assert_eq!(key.as_deref(), Some("cluster"));
        // The seed has none: an empty form, nothing invented.
        let seed = form_json(&seed(), "cluster", 0);
        assert_eq!(get_at(&seed, &DataPath::parse("cluster.name")), None);
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
        assert_eq!(locate(&t, "HBA").map(|(s, _)| s), Some("mappings"));
    }
}
