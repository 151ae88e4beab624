//! Editing the model through its JSON form, driven by the core's JSON Schema: the inspector's
//! forms are generated from the schema (so every field of every entity is editable, with its
//! documentation as the label's hint), and an edit is "set this value at this path", checked by
//! deserialising the result back into a [`Topology`]. Pure: tested natively.

use hostplan::diag::{DataPath, Segment};
use hostplan::model::section::Section;
use hostplan::model::Topology;
use serde_json::{Map, Value};

/// The value at `path`, if any.
pub fn get_at<'v>(root: &'v Value, path: &DataPath) -> Option<&'v Value> {
    path.0.iter().try_fold(root, |v, seg| match seg {
        Segment::Key(k) => v.get(k),
        Segment::Index(i) => v.get(*i as usize),
    })
}

/// Set (`Some`) or remove (`None`) the value at `path`; missing objects on the way are created.
fn set_at(root: &mut Value, path: &DataPath, value: Option<Value>) -> Result<(), String> {
    let Some((last, parents)) = path.0.split_last() else {
        return Err("empty path".into());
    };
    let mut cur = root;
    for seg in parents {
        cur = match seg {
            Segment::Key(k) => {
                let obj = cur.as_object_mut().ok_or("not an object")?;
                obj.entry(k.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            Segment::Index(i) => cur
                .as_array_mut()
                .and_then(|a| a.get_mut(*i as usize))
                .ok_or("no such item")?,
        };
    }
    match (last, value) {
        (Segment::Key(k), Some(v)) => {
            cur.as_object_mut()
                .ok_or("not an object")?
                .insert(k.clone(), v);
        }
        (Segment::Key(k), None) => {
            cur.as_object_mut().ok_or("not an object")?.remove(k);
        }
        (Segment::Index(i), Some(v)) => {
            let i = *i as usize;
            let a = cur.as_array_mut().ok_or("not a list")?;
            if i < a.len() {
                a[i] = v;
            } else {
                a.push(v);
            }
        }
        (Segment::Index(i), None) => {
            let i = *i as usize;
            let a = cur.as_array_mut().ok_or("not a list")?;
            if i < a.len() {
                a.remove(i);
            }
        }
    }
    Ok(())
}

/// `t` with the value at `path` set or removed.
///
/// # Errors
/// A message when the result is not a topology (a wrong type for the field).
pub fn apply(t: &Topology, path: &str, value: Option<Value>) -> Result<Topology, String> {
    let mut json = serde_json::to_value(t).map_err(|e| e.to_string())?;
    set_at(&mut json, &DataPath::parse(path), value)?;
    serde_json::from_value(json).map_err(|e| e.to_string())
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

/// A value built from the schema's defaults (objects get every property that has one).
pub fn default_value(schema: &Value, node: &Value) -> Value {
    let node = resolve(schema, node);
    if let Some(d) = node.get("default") {
        return d.clone();
    }
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        let mut out = Map::new();
        for (k, p) in props {
            let p = resolve(schema, p);
            if let Some(d) = p.get("default") {
                out.insert(k.clone(), d.clone());
            } else if p.get("properties").is_some() {
                out.insert(k.clone(), default_value(schema, p));
            }
        }
        return Value::Object(out);
    }
    if let Some(first) = node
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|c| c.get("const"))
    {
        return first.clone();
    }
    Value::Null
}

/// `t` with a new item in `section` (schema defaults, a fresh id `<prefix>-N`); returns the id.
///
/// # Errors
/// When the section is unknown.
pub fn add(t: &Topology, schema: &Value, section: &str) -> Result<(Topology, String), String> {
    let def = Section::from_key(section)
        .map(Section::schema_def)
        .ok_or_else(|| format!("unknown section {section}"))?;
    let mut item = default_value(
        schema,
        &serde_json::json!({ "$ref": format!("#/$defs/{def}") }),
    );
    let mut json = serde_json::to_value(t).map_err(|e| e.to_string())?;
    let taken: std::collections::BTreeSet<String> =
        entities(&json).into_iter().map(|(_, _, l)| l).collect();
    let prefix = section.trim_end_matches('s').replace('_', "-");
    // At most `taken.len() + 1` candidates: one of them is free.
    let id = (1..=taken.len() + 1)
        .map(|n| format!("new-{prefix}-{n}"))
        .find(|c| !taken.contains(c))
        .unwrap_or_default();
    if let Value::Object(o) = &mut item {
        if section == "waivers" {
            o.insert("rule".into(), Value::String("RULE-ID".into()));
            o.insert("resource".into(), Value::String(id.clone()));
            o.insert(
                "reason".into(),
                Value::String("why this is accepted".into()),
            );
        } else {
            o.insert("id".into(), Value::String(id.clone()));
        }
    }
    let list = json
        .as_object_mut()
        .ok_or("not an object")?
        .entry(section.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    list.as_array_mut().ok_or("not a list")?.push(item);
    let t = serde_json::from_value(json).map_err(|e| e.to_string())?;
    Ok((t, id))
}

/// `t` without item `index` of `section`.
///
/// # Errors
/// When there is no such item.
pub fn delete(t: &Topology, section: &str, index: usize) -> Result<Topology, String> {
    apply(t, &format!("{section}[{index}]"), None)
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
    fn setting_and_removing_fields() {
        let t = seed();
        let with = apply(&t, "vms[0].balloon_mib", Some(serde_json::json!(4096))).unwrap();
        assert_eq!(with.vms[0].balloon_mib, Some(4096));
        let without = apply(&with, "vms[0].balloon_mib", None).unwrap();
        assert_eq!(without.vms[0].balloon_mib, None);
        let err = apply(&t, "vms[0].cores", Some(serde_json::json!("six"))).unwrap_err();
        assert!(err.contains("invalid type"), "{err}");
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
    fn adding_and_deleting_entities() {
        let schema = hostplan::schema::json_schema();
        let t = seed();
        let (t2, id) = add(&t, &schema, "vms").unwrap();
        assert_eq!(id, "new-vm-1");
        let vm = t2.vms.last().unwrap();
        assert_eq!(vm.id, "new-vm-1");
        assert!(vm.hostpci.is_empty());
        let json = |t: &Topology| serde_json::to_value(t).unwrap();
        assert_eq!(locate(&json(&t2), "new-vm-1"), Some(("vms", t.vms.len())));
        let (t3, wid) = add(&t2, &schema, "waivers").unwrap();
        assert_eq!(t3.waivers.last().unwrap().resource, wid);
        let t4 = delete(&t3, "vms", t.vms.len()).unwrap();
        assert_eq!(t4.vms.len(), t.vms.len());
        assert_eq!(locate(&json(&t), "HBA").map(|(s, _)| s), Some("mappings"));
    }
}
