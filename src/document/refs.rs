//! What a reference field may name: the forms show these fields as pickers. The table is the
//! one validation checks (`crate::validate`): a field listed here is reported as an unknown
//! reference when it names anything else. Entities that live on a host are offered only from
//! the host the field's owner is on (a VM's boot storage, passed-through devices and NIC
//! devices from the VM's host).

use crate::diag::{DataPath, Segment};
use crate::model::Topology;

/// What kind of thing a reference field names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A host id.
    Host,
    /// A power feed id.
    PowerFeed,
    /// A network id.
    Network,
    /// A VM id.
    Vm,
    /// A pool id.
    Pool,
    /// A storage service id.
    Service,
    /// A mapping name.
    Mapping,
    /// A storage on the owner's host.
    Storage,
    /// A PCIe device on the owner's host.
    Device,
    /// A NIC device on the owner's host.
    Nic,
    /// A disk on the owner's host.
    Disk,
    /// A bridge of the owner's host.
    Bridge,
    /// A power feed or a UPS id (what a power supply is plugged into).
    Power,
    /// A switch id.
    Switch,
    /// A link of the owner's host.
    Link,
    /// A bridge port of the owner's host: a NIC device, one of its bonds or one of its links.
    Port,
    /// A host or a VM id (where the QDevice's qnetd runs).
    Machine,
    /// A host listed in `cluster.nodes`.
    ClusterNode,
    /// An HA-managed VM (`ha = true`).
    HaVm,
}

/// The reference fields, by section and the field's keys below the entry (list indices left
/// out): `("vms", "hostpci.mapping")`; `cluster` is the one table that is not a list.
const FIELDS: &[(&str, &str, Target)] = &[
    ("ups", "feed", Target::PowerFeed),
    ("ups", "nut_primary", Target::Host),
    ("ups", "nut_secondaries", Target::Host),
    ("hosts", "power_feed", Target::Power),
    ("hosts", "psus.power", Target::Power),
    ("hosts", "boot_disks", Target::Disk),
    ("hosts", "bonds.links", Target::Link),
    ("hosts", "bridges.ports", Target::Port),
    ("hosts", "bridges.networks", Target::Network),
    ("devices", "host", Target::Host),
    ("devices", "nic.networks", Target::Network),
    ("mappings", "map.node", Target::Host),
    ("disks", "host", Target::Host),
    ("storages", "host", Target::Host),
    ("storages", "disks", Target::Disk),
    ("storages", "service", Target::Service),
    ("pools", "owner", Target::Vm),
    ("pools", "vdevs.disks", Target::Disk),
    ("vms", "host", Target::Host),
    ("vms", "boot_storage", Target::Storage),
    ("vms", "hostpci.mapping", Target::Mapping),
    ("vms", "hostpci.device", Target::Device),
    ("vms", "nics.network", Target::Network),
    ("vms", "nics.bridge", Target::Bridge),
    ("vms", "nics.device", Target::Nic),
    ("switches", "psus.power", Target::Power),
    ("switches", "mlag_peer", Target::Switch),
    ("links", "host", Target::Host),
    ("links", "switch", Target::Switch),
    ("links", "networks", Target::Network),
    ("services", "provider", Target::Vm),
    ("services", "pool", Target::Pool),
    ("services", "network", Target::Network),
    ("consumers", "control_plane", Target::Vm),
    ("consumers", "workers", Target::Vm),
    ("consumers", "services", Target::Service),
    ("cluster", "nodes.host", Target::Host),
    ("cluster", "qdevice.host", Target::Machine),
    ("cluster", "corosync_links.network", Target::Network),
    ("cluster", "ha.node_affinity.vms", Target::HaVm),
    ("cluster", "ha.node_affinity.nodes", Target::ClusterNode),
    ("cluster", "ha.resource_affinity.vms", Target::HaVm),
];

/// What the field at `path` names, if it is a reference (`vms[3].hostpci[0].mapping`).
pub fn target(path: &DataPath) -> Option<Target> {
    let mut keys = path.0.iter().filter_map(|s| match s {
        Segment::Key(k) => Some(k.as_str()),
        Segment::Index(_) => None,
    });
    let section = keys.next()?;
    let field = keys.collect::<Vec<_>>().join(".");
    FIELDS
        .iter()
        .find(|(s, f, _)| *s == section && *f == field)
        .map(|(_, _, t)| *t)
}

/// The host the entry holding `path` is on (a host's own id, a VM's or device's host).
fn owner_host<'t>(t: &'t Topology, path: &DataPath) -> Option<&'t str> {
    let (Some(Segment::Key(section)), Some(Segment::Index(i))) = (path.0.first(), path.0.get(1))
    else {
        return None;
    };
    let i = *i as usize;
    match section.as_str() {
        "hosts" => t.hosts.get(i).map(|h| h.id.as_str()),
        "vms" => t.vms.get(i).map(|v| v.host.as_str()),
        "devices" => t.devices.get(i).map(|d| d.host.as_str()),
        "disks" => t.disks.get(i).map(|d| d.host.as_str()),
        "storages" => t.storages.get(i).map(|s| s.host.as_str()),
        "links" => t.links.get(i).map(|l| l.host.as_str()),
        _ => None,
    }
}

/// The values the reference field at `path` may take, in file order; `None` when the field is
/// not a reference. Host-bound targets are filtered by the owner's host when it has one.
pub fn candidates(t: &Topology, path: &DataPath) -> Option<Vec<String>> {
    let target = target(path)?;
    let host = owner_host(t, path);
    let on_host = |h: &str| host.is_none_or(|o| o == h);
    let ids = |it: &mut dyn Iterator<Item = &String>| it.cloned().collect::<Vec<_>>();
    Some(match target {
        Target::Host => ids(&mut t.hosts.iter().map(|h| &h.id)),
        Target::PowerFeed => ids(&mut t.power_feeds.iter().map(|p| &p.id)),
        Target::Network => ids(&mut t.networks.iter().map(|n| &n.id)),
        Target::Vm => ids(&mut t.vms.iter().map(|v| &v.id)),
        Target::Pool => ids(&mut t.pools.iter().map(|p| &p.id)),
        Target::Service => ids(&mut t.services.iter().map(|s| &s.id)),
        Target::Mapping => {
            // A mapping is usable on the host it has an entry for.
            ids(&mut t
                .mappings
                .iter()
                .filter(|m| host.is_none_or(|h| m.map.iter().any(|e| e.node == h)))
                .map(|m| &m.id))
        }
        Target::Storage => ids(&mut t
            .storages
            .iter()
            .filter(|s| on_host(&s.host))
            .map(|s| &s.id)),
        Target::Device => ids(&mut t.devices.iter().filter(|d| on_host(&d.host)).map(|d| &d.id)),
        Target::Nic => ids(&mut t
            .devices
            .iter()
            .filter(|d| on_host(&d.host) && d.kind == crate::model::DeviceKind::Nic)
            .map(|d| &d.id)),
        Target::Disk => ids(&mut t.disks.iter().filter(|d| on_host(&d.host)).map(|d| &d.id)),
        Target::Bridge => ids(&mut t
            .hosts
            .iter()
            .filter(|h| on_host(&h.id))
            .flat_map(|h| h.bridges.iter().map(|b| &b.name))),
        Target::Power => ids(&mut t
            .power_feeds
            .iter()
            .map(|p| &p.id)
            .chain(t.ups.iter().map(|u| &u.id))),
        Target::Switch => ids(&mut t.switches.iter().map(|s| &s.id)),
        Target::Link => ids(&mut t.links.iter().filter(|l| on_host(&l.host)).map(|l| &l.id)),
        Target::Port => {
            let nics = t
                .devices
                .iter()
                .filter(|d| on_host(&d.host) && d.kind == crate::model::DeviceKind::Nic)
                .map(|d| &d.id);
            let bonds = t
                .hosts
                .iter()
                .filter(|h| on_host(&h.id))
                .flat_map(|h| h.bonds.iter().map(|b| &b.name));
            let links = t.links.iter().filter(|l| on_host(&l.host)).map(|l| &l.id);
            ids(&mut nics.chain(bonds).chain(links))
        }
        Target::Machine => ids(&mut t
            .hosts
            .iter()
            .map(|h| &h.id)
            .chain(t.vms.iter().map(|v| &v.id))),
        Target::ClusterNode => ids(&mut t
            .cluster
            .iter()
            .flat_map(|c| c.nodes.iter().map(|n| &n.host))),
        Target::HaVm => ids(&mut t.vms.iter().filter(|v| v.ha).map(|v| &v.id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn reference_fields_offer_what_exists_filtered_by_the_owners_host() {
        let mut t = crate::examples::seed().unwrap();
        let at = |p: &str| DataPath::parse(p);
        assert_eq!(candidates(&t, &at("vms[1].host")).unwrap(), ["srv01"]);
        assert_eq!(candidates(&t, &at("vms[1].cores")), None);
        assert_eq!(
            candidates(&t, &at("vms[0].hostpci[0].mapping")).unwrap(),
            ["HBA", "NIC1", "NIC2"]
        );
        assert_eq!(
            candidates(&t, &at("consumers[0].workers[1]"))
                .unwrap()
                .len(),
            t.vms.len()
        );
        // A VM on another host is offered that host's storages and devices only.
        let c = crate::document::ops::clone_host(&t, "srv01").unwrap();
        let text = crate::document::append(crate::examples::SEED, &c.items).unwrap();
        t = crate::check("t.toml", text.as_bytes()).topology.unwrap();
        t.vms[2].host = "srv02".into();
        assert_eq!(
            candidates(&t, &at("vms[2].boot_storage")).unwrap(),
            ["local-lvm-srv02"]
        );
        assert_eq!(
            candidates(&t, &at("vms[2].nics[0].device")).unwrap(),
            ["nic0-srv02", "nic1-srv02", "nic2-srv02"]
        );
        assert!(candidates(&t, &at("vms[2].hostpci[0].mapping"))
            .unwrap()
            .is_empty());
        assert_eq!(
            candidates(&t, &at("vms[0].hostpci[0].device"))
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn the_failure_domain_fields_offer_feeds_upses_switches_and_the_hosts_links() {
        let t = crate::examples::cluster().unwrap();
        let at = |p: &str| DataPath::parse(p);
        assert_eq!(
            candidates(&t, &at("hosts[0].psus[0].power")).unwrap(),
            ["mains", "ups1"]
        );
        assert_eq!(
            candidates(&t, &at("links[0].switch")).unwrap(),
            ["sw1", "sw2"]
        );
        assert_eq!(
            candidates(&t, &at("switches[0].mlag_peer")).unwrap(),
            ["sw1", "sw2"]
        );
        // pve2's bond is offered pve2's links only; its bridge ports its bonds and links.
        let pve2_links: Vec<String> = t
            .links
            .iter()
            .filter(|l| l.host == "pve2")
            .map(|l| l.id.clone())
            .collect();
        assert_eq!(
            candidates(&t, &at("hosts[1].bonds[0].links[0]")).unwrap(),
            pve2_links
        );
        let ports = candidates(&t, &at("hosts[1].bridges[0].ports[0]")).unwrap();
        assert_eq!(ports[0], "bond0");
        assert_eq!(&ports[1..], &pve2_links[..]);
        assert_eq!(
            target(&at("links[0].nic")),
            None,
            "an onboard port is free text"
        );
    }

    #[test]
    fn the_clusters_fields_offer_hosts_members_and_ha_vms() {
        let mut t = crate::examples::cluster().unwrap();
        let at = |p: &str| DataPath::parse(p);
        let hosts: Vec<String> = t.hosts.iter().map(|h| h.id.clone()).collect();
        assert_eq!(candidates(&t, &at("cluster.nodes[0].host")).unwrap(), hosts);
        assert_eq!(
            candidates(&t, &at("cluster.ha.node_affinity[0].nodes[0]")).unwrap(),
            ["pve1", "pve2", "pve3"]
        );
        let qnetd = candidates(&t, &at("cluster.qdevice.host")).unwrap();
        assert_eq!(qnetd.len(), t.hosts.len() + t.vms.len());
        // Only HA-managed VMs are offered to an affinity rule.
        t.vms[0].ha = false;
        let ha = candidates(&t, &at("cluster.ha.resource_affinity[0].vms[0]")).unwrap();
        assert!(!ha.contains(&t.vms[0].id) && !ha.is_empty(), "{ha:?}");
        assert!(ha
            .iter()
            .all(|id| t.vms.iter().any(|v| v.id == *id && v.ha)));
        assert_eq!(target(&at("cluster.name")), None);
    }

    #[test]
    fn every_listed_field_is_one_validation_checks() {
        // Each reference field, set to a name that does not exist, is reported there: on the
        // seed, and on the cluster example for the fields the seed leaves empty.
        let mut checked = BTreeSet::new();
        for text in [crate::examples::SEED, crate::examples::CLUSTER] {
            let t = crate::check("t.toml", text.as_bytes()).topology.unwrap();
            let json = serde_json::to_value(&t).unwrap();
            for (section, field, _) in FIELDS {
                // `cluster` is one table, the sections are lists.
                let (first, mut path) = if json[section].is_object() {
                    (&json[section], DataPath::root().key(section))
                } else {
                    let Some(first) = json[section].get(0) else {
                        continue;
                    };
                    (first, DataPath::root().key(section).index(0))
                };
                let mut node = first;
                for key in field.split('.') {
                    path = path.key(key);
                    node = &node[key];
                    if node.is_array() {
                        if node.get(0).is_none() {
                            break;
                        }
                        path = path.index(0);
                        node = &node[0];
                    }
                }
                if !node.is_string() {
                    continue;
                }
                let text =
                    crate::document::set(text, &path, Some(&serde_json::json!("no-such-thing")))
                        .unwrap();
                let r = crate::check("t.toml", text.as_bytes());
                assert!(
                    r.diagnostics.iter().any(|d| d.path == path),
                    "{path}: {:?}",
                    r.diagnostics
                );
                checked.insert((*section, *field));
            }
        }
        for field in [
            ("ups", "feed"),
            ("ups", "nut_primary"),
            ("hosts", "psus.power"),
            ("hosts", "bonds.links"),
            ("hosts", "bridges.ports"),
            ("switches", "mlag_peer"),
            ("links", "switch"),
            ("cluster", "nodes.host"),
            ("cluster", "corosync_links.network"),
            ("cluster", "ha.node_affinity.vms"),
            ("cluster", "ha.node_affinity.nodes"),
        ] {
            assert!(checked.contains(&field), "{field:?} not exercised");
        }
    }
}
