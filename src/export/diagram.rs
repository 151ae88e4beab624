//! The diagram both [`super::mermaid`] and [`super::dot`] draw: hosts as groups holding their
//! devices, disks and storages, VMs as nested groups holding the pools they import, the rest
//! loose, and arrows from each requirement to what requires it (the seed diagram's direction).

use crate::graph::{display_owner, DependencyGraph, EdgeKind};
use crate::model::{HostKind, Topology};
use std::collections::{BTreeMap, BTreeSet};

/// The line under an entity's name wherever it is drawn: Mermaid, DOT and the web app's graph
/// say the same thing about the same component.
pub mod detail {
    use crate::model::{Consumer, Device, Disk, HostKind, Network, Pool, Service, Storage, Vm};

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
pub(crate) enum Shape {
    /// Disks and pools.
    Disk,
    /// Services and consumers.
    Round,
    /// Everything else.
    Box,
}

/// A node: an entity id, a detail line, and a key safe in any diagram language.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub key: String,
    pub id: String,
    pub detail: String,
    pub shape: Shape,
    pub passed_through: bool,
}

/// A group (subgraph / cluster), titled `<kind>: <name>`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Group {
    pub key: String,
    /// What the group is (`Physical Host`, `VM`…), written before its name.
    pub kind: &'static str,
    /// The entity's id.
    pub name: String,
    pub nodes: Vec<usize>,
    pub children: Vec<Group>,
}

/// An arrow from a requirement to what requires it.
#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: &'static str,
    pub passthrough: bool,
}

/// The whole diagram.
#[derive(Debug, Clone, Default)]
pub(crate) struct Diagram {
    pub nodes: Vec<Node>,
    pub groups: Vec<Group>,
    pub loose: Vec<usize>,
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
    }
}

pub(crate) fn build(t: &Topology) -> Diagram {
    let mut d = Diagram::default();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut add = |d: &mut Diagram, id: &str, detail: String, shape: Shape| -> usize {
        let i = d.nodes.len();
        d.nodes.push(Node {
            key: format!("n{i}"),
            id: id.to_owned(),
            detail,
            shape,
            passed_through: false,
        });
        index.insert(id.to_owned(), i);
        i
    };
    let hosts: BTreeSet<&str> = t.hosts.iter().map(|h| h.id.as_str()).collect();
    for (hi, h) in t.hosts.iter().enumerate() {
        // The seed's own diagram titles a Proxmox host "Physical Host".
        let kind = match h.kind {
            HostKind::Proxmox => "Physical Host",
            HostKind::BareMetal => "Bare-metal Host",
        };
        let mut g = Group {
            key: format!("host_{hi}"),
            kind,
            name: h.id.clone(),
            ..Group::default()
        };
        for x in t.devices.iter().filter(|x| x.host == h.id) {
            g.nodes
                .push(add(&mut d, &x.id, detail::device(x), Shape::Box));
        }
        for x in t.disks.iter().filter(|x| x.host == h.id) {
            g.nodes
                .push(add(&mut d, &x.id, detail::disk(x), Shape::Disk));
        }
        for x in t.storages.iter().filter(|x| x.host == h.id) {
            g.nodes
                .push(add(&mut d, &x.id, detail::storage(x), Shape::Box));
        }
        for x in t.pools.iter().filter(|p| p.owner == h.id) {
            g.nodes
                .push(add(&mut d, &x.id, detail::pool(x), Shape::Disk));
        }
        d.groups.push(g);
    }
    for (vi, vm) in t.vms.iter().enumerate() {
        let mut g = Group {
            key: format!("vm_{vi}"),
            kind: "VM",
            name: vm.id.clone(),
            ..Group::default()
        };
        g.nodes
            .push(add(&mut d, &vm.id, detail::vm(vm), Shape::Box));
        for p in t.pools.iter().filter(|p| p.owner == vm.id) {
            g.nodes
                .push(add(&mut d, &p.id, detail::pool(p), Shape::Disk));
        }
        match t.hosts.iter().position(|h| h.id == vm.host) {
            Some(hi) => d.groups[hi].children.push(g),
            None => d.groups.push(g),
        }
    }
    let mut loose = Vec::new();
    for x in t
        .devices
        .iter()
        .filter(|x| !hosts.contains(x.host.as_str()))
    {
        loose.push(add(&mut d, &x.id, "device".into(), Shape::Box));
    }
    for x in t.disks.iter().filter(|x| !hosts.contains(x.host.as_str())) {
        loose.push(add(&mut d, &x.id, "disk".into(), Shape::Disk));
    }
    for x in t
        .storages
        .iter()
        .filter(|x| !hosts.contains(x.host.as_str()))
    {
        loose.push(add(&mut d, &x.id, "storage".into(), Shape::Box));
    }
    for x in &t.services {
        loose.push(add(&mut d, &x.id, detail::service(x), Shape::Round));
    }
    for x in &t.consumers {
        loose.push(add(&mut d, &x.id, detail::consumer(x), Shape::Round));
    }
    for x in &t.networks {
        loose.push(add(&mut d, &x.id, detail::network(x), Shape::Box));
    }
    for x in &t.power_feeds {
        loose.push(add(&mut d, &x.id, detail::POWER_FEED.into(), Shape::Box));
    }
    d.loose = loose;
    let mut seen = BTreeSet::new();
    for (from, to, e) in DependencyGraph::build(t).edges() {
        let (dependent, requirement) = (display_owner(from), display_owner(to));
        let (Some(&a), Some(&b)) = (index.get(requirement), index.get(dependent)) else {
            continue;
        };
        if a == b || !seen.insert((a, b)) {
            continue;
        }
        let passthrough = e.kind == EdgeKind::Passthrough;
        if passthrough {
            d.nodes[a].passed_through = true;
        }
        d.edges.push(Edge {
            from: a,
            to: b,
            label: edge_label(e.kind),
            passthrough,
        });
    }
    d
}
