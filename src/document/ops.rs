//! The entries an edit adds, built from the model: a new entity with a fresh id (and its host
//! when added "here", from a selected host), the next free hostpci index, and a cloned host
//! with its bridges, local storage and NIC layout under fresh ids.

use crate::model::section::Section;
use crate::model::{DeviceKind, Topology, Vm};
use crate::resolve::Lookup;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Every id in use (entities and mapping names), which a new id must avoid.
fn taken(t: &Topology) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = crate::sort::btree_set(
        Section::ALL
            .iter()
            .flat_map(|s| s.ids(t).map(str::to_owned).collect::<Vec<_>>()),
    );
    out.extend(t.mappings.iter().map(|m| m.id.clone()));
    out
}

/// `base` when it is free, otherwise a fresh id like it: a trailing number is counted on
/// (`srv01` → `srv02`, keeping its width), otherwise `-2`, `-3`… is added. `avoid` also holds
/// the ids chosen so far.
pub fn fresh_id(base: &str, avoid: &BTreeSet<String>) -> String {
    if !avoid.contains(base) {
        return base.to_owned();
    }
    let digits = base.len() - base.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, start, width) = if digits > 0 && digits < 10 {
        let (stem, n) = base.split_at(base.len() - digits);
        (stem.to_owned(), n.parse::<u64>().unwrap_or(0) + 1, digits)
    } else {
        (format!("{base}-"), 2, 0)
    };
    // At most `avoid.len() + 1` candidates: one of them is free.
    (start..=start + avoid.len() as u64)
        .map(|n| format!("{stem}{n:0width$}"))
        .find(|c| !avoid.contains(c))
        .unwrap_or_else(|| format!("{base}-new"))
}

/// A new entry for `section`: a fresh id (`new-vm-1`), the host when one is given and the
/// section's entries live on a host, and for a VM the next free VMID. Nothing else: the form
/// shows every field, and the file gets only what the user sets.
pub fn new_item(t: &Topology, section: Section, host: Option<&str>) -> (Value, String) {
    let prefix = section.key().trim_end_matches('s').replace('_', "-");
    let id = fresh_id(&format!("new-{prefix}-1"), &taken(t));
    let mut item = Map::new();
    if section == Section::Waivers {
        item.insert("rule".into(), json!("RULE-ID"));
        item.insert("resource".into(), json!(id));
        item.insert("reason".into(), json!("why this is accepted"));
    } else {
        item.insert("id".into(), json!(id));
    }
    let hosted = matches!(
        section,
        Section::Vms | Section::Devices | Section::Disks | Section::Storages
    );
    if let (true, Some(h)) = (hosted, host) {
        item.insert("host".into(), json!(h));
    }
    if section == Section::Vms {
        let vmid = t.vms.iter().map(|v| v.vmid).max().map_or(100, |m| m + 1);
        item.insert("vmid".into(), json!(vmid));
    }
    (Value::Object(item), id)
}

/// The smallest hostpci index `vm` does not use yet.
pub fn next_hostpci_index(vm: &Vm) -> u32 {
    let used: BTreeSet<u32> = crate::sort::btree_set(vm.hostpci.iter().map(|h| h.index));
    // Among `0..=len` one index is free.
    (0..=vm.hostpci.len() as u32)
        .find(|i| !used.contains(i))
        .unwrap_or(0)
}

/// What [`clone_host`] adds: the entries in file order and the new host's id.
#[derive(Debug, Clone, PartialEq)]
pub struct Clone {
    /// The new host's id.
    pub id: String,
    /// Entries to append, by section.
    pub items: Vec<(Section, Value)>,
}

/// A second host like `host`: the same hardware figures and bridges, its NICs (same slots on
/// the new machine, so the same PCI addresses), its boot disks and local storages, each under
/// a fresh id, with every reference between them pointed at the copies. Passed-through
/// devices other than NICs, data disks and VMs stay where they are: they are what makes a host
/// unique, and moving them is a separate decision.
pub fn clone_host(t: &Topology, host: &str) -> Option<Clone> {
    let lookup = Lookup::new(t);
    let src = &t.hosts[lookup.of(crate::resolve::EntityKind::Host, host)?];
    let mut avoid = taken(t);
    let mut fresh = |base: &str| {
        let id = fresh_id(base, &avoid);
        avoid.insert(id.clone());
        id
    };
    let new_host = fresh(host);
    // old id → new id, for the references between copied entries.
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut items = Vec::new();
    let mut rename_for = |old: &str, renamed: &mut BTreeMap<String, String>| {
        // `nic0` stays `nic0`-like, suffixed by the new host: ids are global.
        let id = fresh(&format!("{old}-{new_host}"));
        renamed.insert(old.to_owned(), id.clone());
        id
    };

    for d in t
        .devices
        .iter()
        .filter(|d| d.host == host && d.kind == DeviceKind::Nic)
    {
        let id = rename_for(&d.id, &mut renamed);
        let mut v = serde_json::to_value(d).ok()?;
        v["id"] = json!(id);
        v["host"] = json!(new_host);
        items.push((Section::Devices, strip_defaults(Section::Devices, v)));
    }
    let storages: Vec<_> = t.storages.iter().filter(|s| s.host == host).collect();
    let wanted_disks: BTreeSet<&str> = crate::sort::btree_set(
        src.boot_disks.iter().map(String::as_str).chain(
            storages
                .iter()
                .flat_map(|s| s.disks.iter().map(String::as_str)),
        ),
    );
    for d in t
        .disks
        .iter()
        .filter(|d| d.host == host && wanted_disks.contains(d.id.as_str()))
    {
        let id = rename_for(&d.id, &mut renamed);
        let mut v = serde_json::to_value(d).ok()?;
        v["id"] = json!(id);
        v["host"] = json!(new_host);
        items.push((Section::Disks, strip_defaults(Section::Disks, v)));
    }
    for s in storages {
        let id = rename_for(&s.id, &mut renamed);
        let mut c = s.clone();
        c.id = id;
        c.host.clone_from(&new_host);
        c.disks = s
            .disks
            .iter()
            .map(|d| renamed.get(d).unwrap_or(d).clone())
            .collect();
        // A storage served by a VM (NFS, iSCSI) stays on its server.
        if c.service.is_some() {
            continue;
        }
        let v = serde_json::to_value(&c).ok()?;
        items.push((Section::Storages, strip_defaults(Section::Storages, v)));
    }
    let mut h = src.clone();
    h.id.clone_from(&new_host);
    let map = |x: &String| renamed.get(x).unwrap_or(x).clone();
    h.boot_disks = h.boot_disks.iter().map(map).collect();
    for b in &mut h.bridges {
        // Ports that were not copied (a passed-through device) are dropped, not shared.
        b.ports = b
            .ports
            .iter()
            .filter_map(|p| renamed.get(p).cloned())
            .collect();
    }
    h.management = h.management.as_ref().map(map);
    let v = serde_json::to_value(&h).ok()?;
    // The host first, then what sits on it, as a person would write the file.
    items.insert(0, (Section::Hosts, strip_defaults(Section::Hosts, v)));
    Some(Clone {
        id: new_host,
        items,
    })
}

/// `v` without the fields equal to the section's defaults, so a copy writes what the original
/// states and no more.
fn strip_defaults(section: Section, v: Value) -> Value {
    let defaults = section.default_item();
    match v {
        Value::Object(o) => {
            // Extended, not collected: serde_json's map collects through a sort (one more copy
            // of it in the page's wasm, `crate::sort`).
            let mut out = Map::new();
            out.extend(
                o.into_iter()
                    .filter(|(k, v)| k == "id" || defaults.get(k) != Some(v) && !v.is_null()),
            );
            Value::Object(out)
        }
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Topology {
        crate::examples::seed().unwrap()
    }

    #[test]
    fn fresh_ids_count_on() {
        let avoid: BTreeSet<String> = ["srv01", "srv02", "nic0-srv03", "mains"]
            .map(str::to_owned)
            .into();
        assert_eq!(fresh_id("srv01", &avoid), "srv03");
        assert_eq!(fresh_id("h9", &avoid), "h9");
        assert_eq!(fresh_id("srv02", &avoid), "srv03");
        assert_eq!(fresh_id("nic0-srv03", &avoid), "nic0-srv04");
        assert_eq!(fresh_id("mains", &avoid), "mains-2");
    }

    #[test]
    fn a_new_vm_added_on_a_host_names_it_and_takes_the_next_vmid() {
        let (item, id) = new_item(&seed(), Section::Vms, Some("srv01"));
        assert_eq!(id, "new-vm-1");
        assert_eq!(
            item,
            json!({ "id": "new-vm-1", "host": "srv01", "vmid": 213 })
        );
        let (item, _) = new_item(&seed(), Section::Networks, Some("srv01"));
        assert_eq!(item, json!({ "id": "new-network-1" }));
    }

    #[test]
    fn the_next_hostpci_index_is_the_first_free_one() {
        let t = seed();
        assert_eq!(next_hostpci_index(&t.vms[0]), 3);
        let mut vm = t.vms[0].clone();
        vm.hostpci.remove(1);
        assert_eq!(next_hostpci_index(&vm), 1);
        assert_eq!(next_hostpci_index(&t.vms[1]), 0);
    }

    #[test]
    fn a_cloned_host_is_valid_and_copies_bridges_storage_and_nics() {
        let t = seed();
        let c = clone_host(&t, "srv01").unwrap();
        assert_eq!(c.id, "srv02");
        let text = super::super::append(crate::examples::SEED, &c.items).unwrap();
        let report = crate::check("t.toml", text.as_bytes());
        assert!(
            report.diagnostics.is_empty(),
            "{:?}\n{text}",
            report.diagnostics
        );
        let t2 = report.topology.unwrap();
        let h = t2.hosts.iter().find(|h| h.id == "srv02").unwrap();
        assert_eq!(h.ram_gib, 64);
        assert_eq!(h.boot_disks, ["local3tb-srv02"]);
        assert_eq!(h.bridges[0].name, "vmbr0");
        assert_eq!(h.bridges[0].ports, ["nic0-srv02"]);
        let nics: Vec<_> = t2
            .devices
            .iter()
            .filter(|d| d.host == "srv02")
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(nics, ["nic0-srv02", "nic1-srv02", "nic2-srv02"]);
        let s = t2.storages.iter().find(|s| s.host == "srv02").unwrap();
        assert_eq!(
            (s.id.as_str(), s.disks.as_slice()),
            ("local-lvm-srv02", &["local3tb-srv02".to_owned()][..])
        );
        // The HBA and its data disks stay with srv01.
        assert!(!t2
            .disks
            .iter()
            .any(|d| d.host == "srv02" && d.controller == "hba0"));
        // Nothing the original did not state is written.
        assert!(
            !text.contains("mtbf_hours") && !text.contains("plp = false"),
            "{text}"
        );
    }
}
