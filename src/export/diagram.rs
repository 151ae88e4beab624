//! The diagram both [`super::mermaid`] and [`super::dot`] draw: hosts as groups holding their
//! devices, disks and storages, VMs as nested groups holding the pools they import, the rest
//! loose, and arrows from each requirement to what requires it (the seed diagram's direction).

use crate::graph::{display_owner, DependencyGraph, EdgeKind};
use crate::model::{HostKind, Topology};
use crate::resolve::EntityKind;
use std::collections::{BTreeMap, BTreeSet};

/// The line under an entity's name wherever it is drawn: Mermaid, DOT and the web app's graph
/// say the same thing about the same component.
pub mod detail {
    use crate::model::{
        Bond, Consumer, Device, Disk, HostKind, Link, Network, Pool, Psu, Service, Storage, Switch,
        Ups, Vm,
    };

    /// `hba 0000:01:00.0`.
    pub fn device(x: &Device) -> String {
        format!("{} {}", x.kind, x.address).to_lowercase()
    }

    /// `4000 GB hdd`.
    pub fn disk(x: &Disk) -> String {
        format!("{} GB {}", x.size_gb, x.media)
    }

    /// `storage zfspool`.
    pub fn storage(x: &Storage) -> String {
        format!("storage {}", x.kind)
    }

    /// `VM 100 · 32768 MiB`.
    pub fn vm(x: &Vm) -> String {
        format!("VM {} · {} MiB", x.vmid, x.memory_mib)
    }

    /// `ZFS pool · 2 vdev(s)`.
    pub fn pool(x: &Pool) -> String {
        format!("ZFS pool · {} vdev(s)", x.vdevs.len())
    }

    /// `iscsi on storage50`.
    pub fn service(x: &Service) -> String {
        format!("{} on {}", x.kind, x.network)
    }

    /// `kubernetes`.
    pub fn consumer(x: &Consumer) -> String {
        x.kind.to_string()
    }

    /// `VLAN 50`, or `network`.
    pub fn network(x: &Network) -> String {
        x.vlan
            .map_or_else(|| "network".into(), |v| format!("VLAN {v}"))
    }

    /// What a power feed is called.
    pub const POWER_FEED: &str = "power feed";

    /// `switch · MLAG with sw2`, or `switch`.
    pub fn switch(x: &Switch) -> String {
        x.mlag_peer
            .as_ref()
            .map_or_else(|| "switch".into(), |p| format!("switch · MLAG with {p}"))
    }

    /// `UPS · 1000 W`, or `UPS` when its capacity is not stated.
    pub fn ups(x: &Ups) -> String {
        x.capacity_w
            .map_or_else(|| "UPS".into(), |w| format!("UPS · {w} W"))
    }

    /// `eno1 → sw1 1/0/12`: the NIC port, the switch and its port.
    pub fn link(x: &Link) -> String {
        match &x.port {
            Some(p) => format!("{} → {} {p}", x.nic, x.switch),
            None => format!("{} → {}", x.nic, x.switch),
        }
    }

    /// `802.3ad · 2 links`.
    pub fn bond(x: &Bond) -> String {
        format!("{} · {} link(s)", x.mode, x.links.len())
    }

    /// `PSU 1 · ups1` (numbered from 1, as on a chassis).
    pub fn psu(index: usize, x: &Psu) -> String {
        format!("PSU {} · {}", index + 1, x.power)
    }

    /// What a host of this kind is called in a title.
    pub fn host_kind(kind: HostKind) -> &'static str {
        match kind {
            HostKind::Proxmox => "Proxmox VE host",
            HostKind::BareMetal => "bare-metal host",
        }
    }
}

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Disks and pools.
    Disk,
    /// Services and consumers.
    Round,
    /// Everything else.
    Box,
}

/// A part of a host drawn as a node of its own although it is not an entity of the file: its
/// id is the dependency graph's (`pve1#bond0`, `pve1#psu0`), so a simulation's states apply to
/// it, and selecting it means its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// A Linux bond over the host's links.
    Bond,
    /// One power supply of the host.
    Psu,
}

/// A node: an entity id, a detail line, and a key safe in any diagram language.
#[derive(Debug, Clone)]
pub struct Node {
    /// `n<index>`: safe as an identifier in Mermaid and DOT.
    pub key: String,
    /// The entity's id.
    pub id: String,
    /// What kind of entity it is.
    pub kind: EntityKind,
    /// The line under the id ([`detail`]).
    pub detail: String,
    /// How it is drawn.
    pub shape: Shape,
    /// Whether a VM has it passed through.
    pub passed_through: bool,
    /// A host's bond or PSU (`kind` is then [`EntityKind::Host`], the entity it belongs to).
    pub part: Option<Part>,
}

/// A group (subgraph / cluster), titled `<kind>: <name>`: a host holding its devices, disks,
/// storages and the pools it imports, or a VM holding the pools it imports.
#[derive(Debug, Clone)]
pub struct Group {
    /// `host_<i>` or `vm_<i>`.
    pub key: String,
    /// [`EntityKind::Host`] or [`EntityKind::Vm`].
    pub entity: EntityKind,
    /// What the group is (`Physical Host`, `VM`…), written before its name.
    pub kind: &'static str,
    /// The entity's id.
    pub name: String,
    /// Its nodes (for a VM, its own node first).
    pub nodes: Vec<usize>,
    /// The VMs on a host.
    pub children: Vec<Group>,
}

/// An arrow from a requirement to what requires it.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The requirement's node.
    pub from: usize,
    /// The dependent's node.
    pub to: usize,
    /// What the arrow says (`runs`, `PCIe Passthrough`…).
    pub label: &'static str,
    /// A PCIe passthrough (drawn distinctly, as in the seed's diagram).
    pub passthrough: bool,
}

/// The whole diagram: every entity once, grouped by where it runs.
#[derive(Debug, Clone, Default)]
pub struct Diagram {
    /// Every drawn entity.
    pub nodes: Vec<Node>,
    /// Hosts (in file order), then VMs whose host does not exist.
    pub groups: Vec<Group>,
    /// Entities outside any group: services, consumers, networks, switches, UPS units, power
    /// feeds, and devices, disks, storages and links whose host does not exist.
    pub loose: Vec<usize>,
    /// The arrows ([`build`] only; [`groups`] leaves them out).
    pub edges: Vec<Edge>,
}

fn edge_label(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::PoweredBy => "powers",
        EdgeKind::RunsOn => "runs",
        EdgeKind::AttachedTo => "attaches",
        EdgeKind::Member | EdgeKind::Quorum => "member of",
        EdgeKind::Vdev => "vdev",
        EdgeKind::ImportedBy => "imports",
        EdgeKind::BootsFrom => "stores",
        EdgeKind::Passthrough => "PCIe Passthrough",
        EdgeKind::BackedBy => "backs",
        EdgeKind::Network => "carries",
        EdgeKind::Needs => "serves",
        EdgeKind::Cabled => "cabled to",
        EdgeKind::NeedsQuorum => "quorum",
    }
}

/// The diagram of `t` with its arrows, as Mermaid and DOT draw it.
///
/// # Complexity
/// `O(n log n + e log e)` for `n` entities and `e` dependency edges.
pub fn build(t: &Topology) -> Diagram {
    let mut d = groups(t);
    let index: BTreeMap<&str, usize> =
        crate::sort::btree_map(d.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)));
    let mut seen = BTreeSet::new();
    let mut edges = Vec::new();
    let mut passed = Vec::new();
    // A bond or a PSU is a node under its graph id; other synthetic nodes (`tank#data-0`)
    // are drawn as the entity owning them.
    let at = |id: &str| {
        index
            .get(id)
            .or_else(|| index.get(display_owner(id)))
            .copied()
    };
    for (from, to, e) in DependencyGraph::build(t).edges() {
        let (Some(a), Some(b)) = (at(to), at(from)) else {
            continue;
        };
        if a == b || !seen.insert((a, b)) {
            continue;
        }
        let passthrough = e.kind == EdgeKind::Passthrough;
        if passthrough {
            passed.push(a);
        }
        edges.push(Edge {
            from: a,
            to: b,
            label: edge_label(e.kind),
            passthrough,
        });
    }
    for a in passed {
        d.nodes[a].passed_through = true;
    }
    d.edges = edges;
    d
}

/// The entities of `t` grouped by where they run, without arrows: what the web app's graph
/// lays out (it draws its own arrows from the dependency graph it already has).
///
/// # Complexity
/// `O(n log n)` for `n` entities.
pub fn groups(t: &Topology) -> Diagram {
    let mut d = Diagram::default();
    let add = add_node;
    let host_index: BTreeMap<&str, usize> =
        crate::sort::btree_map(t.hosts.iter().enumerate().map(|(i, h)| (h.id.as_str(), i)));
    let mut on_host = host_groups(t);
    // Each entity's group is found through the index: a scan of every list per host would be
    // quadratic.
    let mut loose = Vec::new();
    let mut place = |host: &str, node: usize, loose: &mut Vec<usize>| match host_index.get(host) {
        Some(&hi) => on_host[hi].nodes.push(node),
        None => loose.push(node),
    };
    // A stray (its host does not exist) says where it claims to be instead of its detail.
    let detail_on = |host: &str, noun: &str, detail: &dyn Fn() -> String| {
        if host_index.contains_key(host) {
            detail()
        } else {
            format!("{noun} on {host}?")
        }
    };
    for x in &t.devices {
        let detail = detail_on(&x.host, "device", &|| detail::device(x));
        let n = add(&mut d, &x.id, EntityKind::Device, detail, Shape::Box);
        place(&x.host, n, &mut loose);
    }
    for x in &t.disks {
        let detail = detail_on(&x.host, "disk", &|| detail::disk(x));
        let n = add(&mut d, &x.id, EntityKind::Disk, detail, Shape::Disk);
        place(&x.host, n, &mut loose);
    }
    for x in &t.storages {
        let detail = detail_on(&x.host, "storage", &|| detail::storage(x));
        let n = add(&mut d, &x.id, EntityKind::Storage, detail, Shape::Box);
        place(&x.host, n, &mut loose);
    }
    // The host's network and power below its devices: bonds, the links (cables to a switch),
    // then its power supplies.
    for h in &t.hosts {
        for b in &h.bonds {
            let id = crate::graph::bond_node_id(&h.id, &b.name);
            let n = add(&mut d, &id, EntityKind::Host, detail::bond(b), Shape::Box);
            d.nodes[n].part = Some(Part::Bond);
            place(&h.id, n, &mut loose);
        }
    }
    for x in &t.links {
        let detail = detail_on(&x.host, "link", &|| detail::link(x));
        let n = add(&mut d, &x.id, EntityKind::Link, detail, Shape::Box);
        place(&x.host, n, &mut loose);
    }
    for h in &t.hosts {
        for (i, p) in h.psus.iter().enumerate() {
            let id = crate::graph::psu_node_id(&h.id, i);
            let n = add(&mut d, &id, EntityKind::Host, detail::psu(i, p), Shape::Box);
            d.nodes[n].part = Some(Part::Psu);
            place(&h.id, n, &mut loose);
        }
    }
    let vm_index: BTreeMap<&str, usize> =
        crate::sort::btree_map(t.vms.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)));
    let mut vm_groups: Vec<Group> = t
        .vms
        .iter()
        .enumerate()
        .map(|(vi, vm)| {
            let detail = detail_on(&vm.host, "VM", &|| detail::vm(vm));
            Group {
                key: format!("vm_{vi}"),
                entity: EntityKind::Vm,
                kind: "VM",
                name: vm.id.clone(),
                nodes: vec![add(&mut d, &vm.id, EntityKind::Vm, detail, Shape::Box)],
                children: Vec::new(),
            }
        })
        .collect();
    for p in &t.pools {
        let n = add(
            &mut d,
            &p.id,
            EntityKind::Pool,
            detail::pool(p),
            Shape::Disk,
        );
        if let Some(&vi) = vm_index.get(p.owner.as_str()) {
            vm_groups[vi].nodes.push(n);
        } else {
            place(&p.owner, n, &mut loose);
        }
    }
    let mut orphan_vms = Vec::new();
    for (vm, g) in t.vms.iter().zip(vm_groups) {
        match host_index.get(vm.host.as_str()) {
            Some(&hi) => on_host[hi].children.push(g),
            None => orphan_vms.push(g),
        }
    }
    d.groups = on_host;
    d.groups.extend(orphan_vms);
    add_loose(t, &mut d, &mut loose);
    d.loose = loose;
    d
}

/// A new node of `d`; returns its index.
fn add_node(d: &mut Diagram, id: &str, kind: EntityKind, detail: String, shape: Shape) -> usize {
    let i = d.nodes.len();
    d.nodes.push(Node {
        key: format!("n{i}"),
        id: id.to_owned(),
        kind,
        detail,
        shape,
        passed_through: false,
        part: None,
    });
    i
}

/// The entities drawn outside any group: services, consumers, networks, switches, UPS units
/// and power feeds.
fn add_loose(t: &Topology, d: &mut Diagram, loose: &mut Vec<usize>) {
    let add = add_node;
    for x in &t.services {
        loose.push(add(
            d,
            &x.id,
            EntityKind::Service,
            detail::service(x),
            Shape::Round,
        ));
    }
    for x in &t.consumers {
        loose.push(add(
            d,
            &x.id,
            EntityKind::Consumer,
            detail::consumer(x),
            Shape::Round,
        ));
    }
    for x in &t.networks {
        loose.push(add(
            d,
            &x.id,
            EntityKind::Network,
            detail::network(x),
            Shape::Box,
        ));
    }
    for x in &t.switches {
        loose.push(add(
            d,
            &x.id,
            EntityKind::Switch,
            detail::switch(x),
            Shape::Box,
        ));
    }
    for x in &t.ups {
        loose.push(add(d, &x.id, EntityKind::Ups, detail::ups(x), Shape::Box));
    }
    for x in &t.power_feeds {
        loose.push(add(
            d,
            &x.id,
            EntityKind::PowerFeed,
            detail::POWER_FEED.into(),
            Shape::Box,
        ));
    }
}

/// One empty group per host, in file order.
fn host_groups(t: &Topology) -> Vec<Group> {
    t.hosts
        .iter()
        .enumerate()
        .map(|(hi, h)| Group {
            key: format!("host_{hi}"),
            entity: EntityKind::Host,
            // The seed's own diagram titles a Proxmox host "Physical Host".
            kind: match h.kind {
                HostKind::Proxmox => "Physical Host",
                HostKind::BareMetal => "Bare-metal Host",
            },
            name: h.id.clone(),
            nodes: Vec::new(),
            children: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_is_drawn_once_and_strays_are_loose() {
        let mut t = crate::examples::seed().unwrap();
        t.devices[1].host = "srv1".into();
        t.vms[1].host = "nowhere".into();
        t.pools[0].owner = "gone".into();
        let d = groups(&t);
        let ids: Vec<&str> = d.nodes.iter().map(|n| n.id.as_str()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "one node per entity");
        let drawn = t.devices.len()
            + t.disks.len()
            + t.storages.len()
            + t.pools.len()
            + t.vms.len()
            + t.services.len()
            + t.consumers.len()
            + t.networks.len()
            + t.power_feeds.len()
            + t.switches.len()
            + t.links.len();
        assert_eq!(ids.len(), drawn);
        let node = |id: &str| d.nodes.iter().position(|n| n.id == id).unwrap();
        assert!(d.loose.contains(&node(&t.devices[1].id)));
        assert!(
            d.loose.contains(&node(&t.pools[0].id)),
            "a pool of no owner still shows"
        );
        assert_eq!(d.nodes[node(&t.devices[1].id)].detail, "device on srv1?");
        let stray = d.groups.iter().find(|g| g.name == t.vms[1].id).unwrap();
        assert_eq!(stray.entity, EntityKind::Vm);
        assert_eq!(d.nodes[stray.nodes[0]].detail, format!("VM on nowhere?"));
        assert!(build(&t).edges.iter().all(|e| e.from != e.to));
    }

    #[test]
    fn switches_links_bonds_psus_and_ups_are_drawn_with_their_arrows() {
        let t = crate::examples::cluster().unwrap();
        let d = build(&t);
        let node = |id: &str| d.nodes.iter().position(|n| n.id == id).unwrap();
        let pve1 = d.groups.iter().find(|g| g.name == "pve1").unwrap();
        for id in ["pve1#bond0", "pve1-a", "pve1-b", "pve1#psu0", "pve1#psu1"] {
            assert!(pve1.nodes.contains(&node(id)), "{id} in pve1");
        }
        assert_eq!(d.nodes[node("pve1#bond0")].part, Some(Part::Bond));
        assert_eq!(d.nodes[node("pve1#psu0")].detail, "PSU 1 · ups1");
        assert_eq!(d.nodes[node("pve1-a")].detail, "enp1s0f0 → sw1 1/0/1");
        for id in ["sw1", "sw2", "ups1"] {
            assert!(d.loose.contains(&node(id)), "{id} loose");
        }
        assert_eq!(d.nodes[node("sw1")].detail, "switch · MLAG with sw2");
        let arrow = |from: &str, to: &str| {
            d.edges
                .iter()
                .find(|e| e.from == node(from) && e.to == node(to))
                .map(|e| e.label)
        };
        // Requirement → dependent: the UPS powers a PSU and a switch, a switch is cabled to a
        // link, a link is a member of its bond.
        assert_eq!(arrow("ups1", "pve1#psu0"), Some("powers"));
        assert_eq!(arrow("ups1", "sw1"), Some("powers"));
        assert_eq!(arrow("sw1", "pve1-a"), Some("cabled to"));
        assert_eq!(arrow("pve1-a", "pve1#bond0"), Some("cabled to"));
        assert_eq!(arrow("mains", "ups1"), Some("powers"));
    }
}
