//! Merging an imported fragment into a topology — what the browser's import and
//! `hostplan import --into` share.
//!
//! New ids are appended. An entity whose id exists is updated field by field: an imported
//! field overrides unless its value is the format's default (importers cannot tell "absent"
//! from "default", and an import must not wipe what the model knows and the input does not say
//! — a VM's role, its NICs' networks…), and a value the import could not resolve neither
//! overrides the model's nor makes it unknown; a value the import states clears the model's own
//! "unknown" for it.

use crate::model::section::Section;
use crate::model::Topology;
use serde_json::{Map, Value};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    /// New entities (their ids; the section name for items without one).
    pub added: Vec<String>,
    /// Entities updated by the imported version (same id), with the fields that changed.
    pub updated: Vec<(String, Vec<String>)>,
    /// Network ids an importer guessed (`vlan50`, a bridge's name) matched to the network of
    /// the topology that carries that VLAN tag, or is its bridge's one untagged network:
    /// `(guessed, matched)`.
    pub networks: Vec<(String, String)>,
}

/// The id of the network of `t` a guessed id stands for: `vlanN` is the one network tagged N;
/// a bridge's name (an untagged NIC) is the one untagged network that bridge of `host` carries.
/// `None` when the model does not say which (no match, or several).
fn match_network(t: &Topology, host: &str, guessed: &str, bridge: Option<&str>) -> Option<String> {
    let one = |mut ids: Vec<&String>| (ids.len() == 1).then(|| ids.remove(0).clone());
    if let Some(tag) = guessed
        .strip_prefix("vlan")
        .and_then(|n| n.parse::<u32>().ok())
    {
        return one(t
            .networks
            .iter()
            .filter(|n| n.vlan.is_some_and(|v| u32::from(v) == tag))
            .map(|n| &n.id)
            .collect());
    }
    let bridge = bridge.filter(|b| *b == guessed)?;
    let carried = &t
        .hosts
        .iter()
        .find(|h| h.id == host)?
        .bridges
        .iter()
        .find(|b| b.name == bridge)?
        .networks;
    one(t
        .networks
        .iter()
        .filter(|n| n.vlan.is_none() && carried.contains(&n.id))
        .map(|n| &n.id)
        .collect())
}

/// The fragment with its VMs' guessed network ids replaced by the networks of `t` they match
/// (ids `t` or the fragment already define are kept as they are).
fn resolve_networks(t: &Topology, fragment: &Topology) -> (Topology, Vec<(String, String)>) {
    let mut out = fragment.clone();
    let mut matched = Vec::new();
    let known = |id: &str| {
        t.networks.iter().any(|n| n.id == id) || fragment.networks.iter().any(|n| n.id == id)
    };
    for vm in &mut out.vms {
        for nic in &mut vm.nics {
            if known(&nic.network) {
                continue;
            }
            if let Some(id) = match_network(t, &vm.host, &nic.network, nic.bridge.as_deref()) {
                let pair = (std::mem::replace(&mut nic.network, id.clone()), id);
                if !matched.contains(&pair) {
                    matched.push(pair);
                }
            }
        }
    }
    (out, matched)
}

/// The sections that hold entities, with the JSON form of a default item (the format's
/// defaults, which an import never uses to override a value).
fn sections() -> impl Iterator<Item = (&'static str, Value)> {
    Section::ALL
        .into_iter()
        .map(|s| (s.key(), s.default_item()))
}

/// The fields an imported entity lists as unknown.
fn unknown_fields(entity: &Map<String, Value>) -> Vec<String> {
    entity
        .get("unknown")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|u| u.get("field").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// `t` with the entities of `fragment` merged in (see the module documentation).
///
/// # Errors
/// When the result is not a topology (cannot happen for fragments made by the importers).
pub fn merge(t: &Topology, fragment: &Topology) -> Result<(Topology, Merged), String> {
    let mut json = serde_json::to_value(t).map_err(|e| e.to_string())?;
    let (fragment, networks) = resolve_networks(t, fragment);
    let frag = serde_json::to_value(&fragment).map_err(|e| e.to_string())?;
    let mut merged = Merged {
        networks,
        ..Merged::default()
    };
    for (section, defaults) in sections() {
        let Some(items) = frag.get(section).and_then(Value::as_array) else {
            continue;
        };
        let Some(obj) = json.as_object_mut() else {
            break;
        };
        let list = obj
            .entry(section.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            continue;
        };
        for item in items {
            let id = item.get("id").and_then(Value::as_str).map(str::to_owned);
            let existing = id.as_ref().and_then(|id| {
                list.iter()
                    .position(|x| x.get("id").and_then(Value::as_str) == Some(id))
            });
            match (existing, id) {
                (Some(i), Some(id)) => {
                    let mut changed = Vec::new();
                    if let (Some(old), Some(new)) = (list[i].as_object_mut(), item.as_object()) {
                        let unresolved = unknown_fields(new);
                        let mut stated = Vec::new();
                        for (k, v) in new {
                            let is_default = defaults.get(k) == Some(v);
                            if k == "unknown" || unresolved.contains(k) || is_default {
                                continue;
                            }
                            stated.push(k.clone());
                            if old.get(k) != Some(v) {
                                old.insert(k.clone(), v.clone());
                                changed.push(k.clone());
                            }
                        }
                        if let Some(Value::Array(list)) = old.get_mut("unknown") {
                            let before = list.len();
                            list.retain(|u| {
                                u.get("field")
                                    .and_then(Value::as_str)
                                    .is_none_or(|f| !stated.iter().any(|s| s == f))
                            });
                            if list.len() != before {
                                changed.push("unknown".into());
                            }
                        }
                    }
                    merged.updated.push((id, changed));
                }
                (_, id) => {
                    list.push(item.clone());
                    merged.added.push(id.unwrap_or_else(|| section.to_owned()));
                }
            }
        }
    }
    let t = serde_json::from_value(json).map_err(|e| e.to_string())?;
    Ok((t, merged))
}

#[cfg(test)]
mod tests {
    use super::merge;
    use crate::model::{Topology, Unknown};

    #[test]
    fn an_import_that_does_not_know_a_value_keeps_the_models() {
        let t = crate::examples::seed().unwrap();
        let mut vm = t.vms[0].clone();
        vm.memory_mib = 512;
        vm.cores = 12;
        vm.unknown = vec![Unknown {
            field: "memory_mib".into(),
            from: Some("main.tf:3:5".into()),
            expression: Some("var.memory".into()),
        }];
        let fragment = Topology {
            vms: vec![vm],
            ..Topology::default()
        };
        let (merged, what) = merge(&t, &fragment).unwrap();
        assert_eq!(merged.vms[0].memory_mib, 32768, "the model's value stays");
        assert_eq!(merged.vms[0].cores, 12, "what the import states is taken");
        assert!(merged.vms[0].unknown.is_empty(), "the model knows it");
        assert_eq!(
            what.updated,
            [("truenas".to_owned(), vec!["cores".to_owned()])]
        );
        // A model that did not know a value learns it from an import that states it.
        let mut unsure = t.clone();
        unsure.vms[0].unknown = vec![Unknown {
            field: "cores".into(),
            ..Default::default()
        }];
        let (merged, _) = merge(&unsure, &fragment).unwrap();
        assert!(merged.vms[0].unknown.is_empty());
    }
}
