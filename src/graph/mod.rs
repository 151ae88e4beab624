//! The dependency graph: every entity a node, every edge "A requires B", every node a gate
//! saying how many of its required edges must hold.
//!
//! Semantics (rule book sections A, D, F):
//! - a host requires its power feed; a device and a local storage require their host;
//! - a disk requires its controller (an HBA or SATA controller device) or its host (`onboard`);
//! - a vdev of width `w` and tolerance `t` is a k-of-n gate with `k = w − t` over its disks
//!   (a raidz2 of 6 survives 2 losses; a 3-way mirror survives 2);
//! - a pool requires its owner and every data/special/dedup vdev; log and cache vdevs are
//!   *optional* edges: losing them degrades, never downs, the pool;
//! - a VM requires its host, its boot storage and every passed-through device;
//! - a service requires its provider, its pool, and a link of the provider on its network
//!   (any one of the NICs or bridges that reach it), and the network itself;
//! - a consumer's control plane is a quorum gate over its control-plane VMs; its volumes
//!   require the control plane and every storage service it uses.
//!
//! Failures are answered by [`DependencyGraph::evaluate`], a single pass in topological
//! order — no special cases per kind. The graph wraps petgraph and never exposes its indices.

mod dag;

pub use dag::{Cycle, Dag};

use crate::model::{Topology, VdevRole, ONBOARD};
use crate::resolve::{vm_passthrough, EntityKind, Lookup};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use petgraph::Direction;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a graph node stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A power feed.
    PowerFeed,
    /// A host.
    Host,
    /// A PCIe device.
    Device,
    /// A disk.
    Disk,
    /// A Proxmox storage.
    Storage,
    /// A top-level vdev (synthetic id `pool#role-N`).
    Vdev,
    /// A ZFS pool.
    Pool,
    /// A network.
    Network,
    /// A VM.
    Vm,
    /// A provider's attachment to a network (synthetic id `provider#network`).
    Link,
    /// A storage service.
    Service,
    /// A consumer's control plane (the consumer's own id).
    ControlPlane,
    /// A consumer's volumes (synthetic id `consumer#volumes`).
    Volumes,
    /// A UPS.
    Ups,
    /// One power supply of a host (synthetic id `host#psu0`).
    Psu,
    /// A host's power: up while one of its PSUs is (synthetic id `host#power`).
    Power,
    /// A switch.
    Switch,
    /// A cable from a host NIC port to a switch port (a `links` entry).
    Cable,
    /// A bond over links (synthetic id `host#bond0`).
    Bond,
    /// A node's corosync connectivity: up while one corosync link reaches it (`host#corosync`).
    Corosync,
    /// One quorum vote (`host#vote-1`, `qdevice#vote-1`).
    Vote,
    /// The cluster's quorum (`cluster#quorum`), a votequorum gate over the votes.
    Quorum,
}

impl NodeKind {
    /// What users notice when it fails: storage services, control planes and volumes.
    pub fn is_service(self) -> bool {
        matches!(self, Self::Service | Self::Volumes | Self::ControlPlane)
    }
}

impl From<EntityKind> for NodeKind {
    fn from(k: EntityKind) -> Self {
        match k {
            EntityKind::PowerFeed => Self::PowerFeed,
            EntityKind::Ups => Self::Ups,
            EntityKind::Switch => Self::Switch,
            EntityKind::Link => Self::Cable,
            EntityKind::Host => Self::Host,
            EntityKind::Device => Self::Device,
            EntityKind::Disk => Self::Disk,
            EntityKind::Storage => Self::Storage,
            EntityKind::Pool => Self::Pool,
            EntityKind::Network => Self::Network,
            EntityKind::Vm => Self::Vm,
            EntityKind::Service => Self::Service,
            EntityKind::Consumer => Self::ControlPlane,
        }
    }
}

/// How many required edges must hold for a node to be up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gate {
    /// Every required edge.
    All,
    /// At least `k` required edges.
    AtLeast(u32),
}

/// Why A requires B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// Host → power feed.
    PoweredBy,
    /// Device/storage/VM → host.
    RunsOn,
    /// Disk → controller or host.
    AttachedTo,
    /// Vdev → disk.
    Member,
    /// Pool → vdev.
    Vdev,
    /// Pool/service → owner/provider.
    ImportedBy,
    /// VM → storage holding its boot disk.
    BootsFrom,
    /// VM → device passed through to it.
    Passthrough,
    /// Storage → disk or service backing it; service → pool.
    BackedBy,
    /// Link → NIC device carrying it; service → link; anything → network.
    Network,
    /// Control plane → member VM.
    Quorum,
    /// Volumes → control plane or storage service.
    Needs,
    /// Cable → switch; bond → member cable.
    Cabled,
    /// A guest on a node that runs HA guests → the cluster's quorum: without it the node's
    /// watchdog fences it (HA-12).
    NeedsQuorum,
}

named!(EdgeKind {
    PoweredBy => "powered-by",
    RunsOn => "runs-on",
    AttachedTo => "attached-to",
    Member => "member",
    Vdev => "vdev",
    ImportedBy => "imported-by",
    BootsFrom => "boots-from",
    Passthrough => "passthrough",
    BackedBy => "backed-by",
    Network => "network",
    Quorum => "quorum",
    Needs => "needs",
    Cabled => "cabled",
    NeedsQuorum => "needs-quorum",
});

named!(NodeKind {
    PowerFeed => "power-feed",
    Host => "host",
    Device => "device",
    Disk => "disk",
    Storage => "storage",
    Vdev => "vdev",
    Pool => "pool",
    Network => "network",
    Vm => "vm",
    Link => "link",
    Service => "service",
    ControlPlane => "control-plane",
    Volumes => "volumes",
    Ups => "ups",
    Psu => "psu",
    Power => "power",
    Switch => "switch",
    Cable => "cable",
    Bond => "bond",
    Corosync => "corosync",
    Vote => "vote",
    Quorum => "quorum",
});

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// Entity id, or a synthetic id containing `#`.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// How many required edges must hold.
    pub gate: Gate,
}

/// An edge "from requires to".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Why.
    pub kind: EdgeKind,
    /// Optional edges only degrade (log/cache vdevs).
    pub required: bool,
}

/// State of a node under a failure scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Working with full redundancy.
    Up,
    /// Working, with redundancy used up or an optional part lost.
    Degraded,
    /// Not working.
    Down,
}

/// The requires graph of a topology.
#[derive(Debug, Clone)]
pub struct DependencyGraph {
    graph: StableDiGraph<Node, Edge>,
    ids: BTreeMap<String, NodeIndex>,
}

/// Opaque handle of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(NodeIndex);

impl DependencyGraph {
    /// Build the graph. References that do not resolve are skipped (validation reports them).
    ///
    /// # Complexity
    /// `O((n + e) log n)` for `n` entities and `e` references.
    pub fn build(t: &Topology) -> Self {
        let lookup = Lookup::new(t);
        let mut g = Self {
            graph: StableDiGraph::new(),
            ids: BTreeMap::new(),
        };
        for f in &t.power_feeds {
            g.node(&f.id, NodeKind::PowerFeed, Gate::All);
        }
        for u in &t.ups {
            g.node(&u.id, NodeKind::Ups, Gate::All);
        }
        for s in &t.switches {
            g.node(&s.id, NodeKind::Switch, Gate::AtLeast(1));
        }
        for l in &t.links {
            g.node(&l.id, NodeKind::Cable, Gate::All);
        }
        for h in &t.hosts {
            g.node(&h.id, NodeKind::Host, Gate::All);
        }
        for n in &t.networks {
            g.node(&n.id, NodeKind::Network, Gate::All);
        }
        for d in &t.devices {
            g.node(&d.id, NodeKind::Device, Gate::All);
        }
        for d in &t.disks {
            g.node(&d.id, NodeKind::Disk, Gate::All);
        }
        for s in &t.storages {
            g.node(&s.id, NodeKind::Storage, Gate::All);
        }
        for p in &t.pools {
            g.node(&p.id, NodeKind::Pool, Gate::All);
        }
        for v in &t.vms {
            g.node(&v.id, NodeKind::Vm, Gate::All);
        }
        for s in &t.services {
            g.node(&s.id, NodeKind::Service, Gate::All);
        }
        g.power_and_network(t);
        for h in &t.hosts {
            if h.psus.is_empty() {
                if let Some(f) = &h.power_feed {
                    g.edge(&h.id, f, EdgeKind::PoweredBy, true);
                }
            }
        }
        for d in &t.devices {
            g.edge(&d.id, &d.host, EdgeKind::RunsOn, true);
        }
        for d in &t.disks {
            let to = if d.controller == ONBOARD {
                &d.host
            } else {
                &d.controller
            };
            g.edge(&d.id, to, EdgeKind::AttachedTo, true);
        }
        for s in &t.storages {
            g.edge(&s.id, &s.host, EdgeKind::RunsOn, true);
            for d in &s.disks {
                g.edge(&s.id, d, EdgeKind::BackedBy, true);
            }
            if let Some(svc) = &s.service {
                g.edge(&s.id, svc, EdgeKind::BackedBy, true);
            }
        }
        for p in &t.pools {
            g.edge(&p.id, &p.owner, EdgeKind::ImportedBy, true);
            for (i, v) in p.vdevs.iter().enumerate() {
                if v.role == VdevRole::Spare || v.disks.is_empty() {
                    continue;
                }
                let width = v.disks.len() as u32;
                let k = width - v.layout.tolerance(width);
                let vid = vdev_node_id(&p.id, v.role, i);
                g.node(&vid, NodeKind::Vdev, Gate::AtLeast(k));
                for d in &v.disks {
                    g.edge(&vid, d, EdgeKind::Member, true);
                }
                g.edge(&p.id, &vid, EdgeKind::Vdev, v.role.is_required());
            }
        }
        g.cluster(t, &lookup);
        for vm in &t.vms {
            g.edge(&vm.id, &vm.host, EdgeKind::RunsOn, true);
            if !vm.boot_storage.is_empty() {
                g.edge(&vm.id, &vm.boot_storage, EdgeKind::BootsFrom, true);
            }
            for d in vm_passthrough(t, &lookup, vm) {
                g.edge(&vm.id, &d.id, EdgeKind::Passthrough, true);
            }
        }
        for s in &t.services {
            g.edge(&s.id, &s.provider, EdgeKind::ImportedBy, true);
            g.edge(&s.id, &s.pool, EdgeKind::BackedBy, true);
            g.edge(&s.id, &s.network, EdgeKind::Network, true);
            let carriers = network_carriers(t, &lookup, &s.provider, &s.network);
            if !carriers.is_empty() {
                let link = format!("{}#{}", s.provider, s.network);
                if !g.ids.contains_key(&link) {
                    g.node(&link, NodeKind::Link, Gate::AtLeast(1));
                    for c in &carriers {
                        g.edge(&link, c, EdgeKind::Network, true);
                    }
                }
                g.edge(&s.id, &link, EdgeKind::Network, true);
            }
        }
        for c in &t.consumers {
            let (members, k) = if c.control_plane.is_empty() {
                (&c.workers, u32::from(!c.workers.is_empty()))
            } else {
                (&c.control_plane, c.quorum_needed())
            };
            g.node(&c.id, NodeKind::ControlPlane, Gate::AtLeast(k));
            for m in members {
                g.edge(&c.id, m, EdgeKind::Quorum, true);
            }
            if !c.services.is_empty() {
                let vol = format!("{}#volumes", c.id);
                g.node(&vol, NodeKind::Volumes, Gate::All);
                g.edge(&vol, &c.id, EdgeKind::Needs, true);
                for s in &c.services {
                    g.edge(&vol, s, EdgeKind::Needs, true);
                }
            }
        }
        g
    }

    /// UPS units on their feeds, hosts' PSUs, switches, cables and bonds.
    ///
    /// A UPS needs its feed only optionally: losing the feed puts it on battery (degraded),
    /// and how long the battery lasts is a question of time ([`crate::sim::power`]).
    fn power_and_network(&mut self, t: &Topology) {
        for u in &t.ups {
            if let Some(f) = &u.feed {
                self.edge(&u.id, f, EdgeKind::PoweredBy, false);
            }
        }
        for h in &t.hosts {
            if h.psus.is_empty() {
                continue;
            }
            let power = format!("{}#power", h.id);
            self.node(&power, NodeKind::Power, Gate::AtLeast(1));
            for (i, p) in h.psus.iter().enumerate() {
                let psu = psu_node_id(&h.id, i);
                self.node(&psu, NodeKind::Psu, Gate::All);
                self.edge(&psu, &p.power, EdgeKind::PoweredBy, true);
                self.edge(&power, &psu, EdgeKind::PoweredBy, true);
            }
            self.edge(&h.id, &power, EdgeKind::PoweredBy, true);
        }
        for s in &t.switches {
            for p in &s.psus {
                self.edge(&s.id, &p.power, EdgeKind::PoweredBy, true);
            }
        }
        for l in &t.links {
            let nic_is_device = self
                .find(&l.nic)
                .and_then(|n| self.node_of(n))
                .is_some_and(|n| n.kind == NodeKind::Device);
            let end = if nic_is_device { &l.nic } else { &l.host };
            self.edge(&l.id, end, EdgeKind::RunsOn, true);
            self.edge(&l.id, &l.switch, EdgeKind::Cabled, true);
        }
        for h in &t.hosts {
            for b in &h.bonds {
                let id = bond_node_id(&h.id, &b.name);
                self.node(&id, NodeKind::Bond, Gate::AtLeast(1));
                for l in &b.links {
                    self.edge(&id, l, EdgeKind::Cabled, true);
                }
            }
        }
    }

    /// The cluster's votes and quorum (votequorum, Q-1…Q-9), and the guests that need it.
    fn cluster(&mut self, t: &Topology, lookup: &Lookup) {
        let Some(c) = &t.cluster else { return };
        let Some(q) = crate::sim::quorum::Votequorum::of(c) else {
            return;
        };
        self.node(QUORUM_NODE, NodeKind::Quorum, Gate::AtLeast(q.quorum));
        for n in &c.nodes {
            if self.find(&n.host).is_none() {
                continue;
            }
            let corosync = format!("{}#corosync", n.host);
            let mut carriers = BTreeSet::new();
            for l in &c.corosync_links {
                carriers.extend(network_carriers(t, lookup, &n.host, &l.network));
            }
            if !carriers.is_empty() {
                self.node(&corosync, NodeKind::Corosync, Gate::AtLeast(1));
                for x in &carriers {
                    self.edge(&corosync, x, EdgeKind::Network, true);
                }
            }
            for v in 1..=n.votes() {
                let vote = format!("{}#vote-{v}", n.host);
                self.node(&vote, NodeKind::Vote, Gate::All);
                self.edge(&vote, &n.host, EdgeKind::RunsOn, true);
                self.edge(&vote, &corosync, EdgeKind::Network, true);
                self.edge(QUORUM_NODE, &vote, EdgeKind::Quorum, true);
            }
        }
        if let Some(qd) = &c.qdevice {
            for v in 1..=q.qdevice_votes {
                let vote = format!("qdevice#vote-{v}");
                self.node(&vote, NodeKind::Vote, Gate::All);
                if let Some(h) = &qd.host {
                    self.edge(&vote, h, EdgeKind::RunsOn, true);
                }
                self.edge(QUORUM_NODE, &vote, EdgeKind::Quorum, true);
            }
        }
        // A node whose LRM has HA guests self-fences when it loses quorum (HA-12): every guest
        // on it goes down with it. The guest running qnetd is left out: it would need itself.
        let members: BTreeSet<&str> =
            crate::sort::btree_set(c.nodes.iter().map(|n| n.host.as_str()));
        let ha_nodes: BTreeSet<&str> = crate::sort::btree_set(
            t.vms
                .iter()
                .filter(|vm| vm.ha && members.contains(vm.host.as_str()))
                .map(|vm| vm.host.as_str()),
        );
        let qnetd = c.qdevice.as_ref().and_then(|q| q.host.as_deref());
        for vm in &t.vms {
            if ha_nodes.contains(vm.host.as_str()) && Some(vm.id.as_str()) != qnetd {
                self.edge(&vm.id, QUORUM_NODE, EdgeKind::NeedsQuorum, true);
            }
        }
    }

    fn node(&mut self, id: &str, kind: NodeKind, gate: Gate) {
        if self.ids.contains_key(id) {
            return;
        }
        let ix = self.graph.add_node(Node {
            id: id.to_owned(),
            kind,
            gate,
        });
        self.ids.insert(id.to_owned(), ix);
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, required: bool) {
        if let (Some(&a), Some(&b)) = (self.ids.get(from), self.ids.get(to)) {
            if !self
                .graph
                .edges_connecting(a, b)
                .any(|e| e.weight().kind == kind)
            {
                self.graph.add_edge(a, b, Edge { kind, required });
            }
        }
    }

    /// Handle of a node by id.
    pub fn find(&self, id: &str) -> Option<NodeId> {
        self.ids.get(id).copied().map(NodeId)
    }

    /// The node behind a handle.
    pub fn node_of(&self, n: NodeId) -> Option<&Node> {
        self.graph.node_weight(n.0)
    }

    /// All nodes, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.ids
            .values()
            .filter_map(|&ix| self.graph.node_weight(ix).map(|n| (NodeId(ix), n)))
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Every edge as `(from id, to id, edge)`, sorted.
    pub fn edges(&self) -> Vec<(&str, &str, Edge)> {
        let mut out: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    self.graph[e.source()].id.as_str(),
                    self.graph[e.target()].id.as_str(),
                    *e.weight(),
                )
            })
            .collect();
        crate::sort::sort_by(&mut out, |a, b| {
            (a.0, a.1, a.2.kind).cmp(&(b.0, b.1, b.2.kind))
        });
        out
    }

    /// What `n` requires directly, with the edges, sorted by id.
    pub fn requirements(&self, n: NodeId) -> Vec<(NodeId, Edge)> {
        let mut out: Vec<_> = self
            .graph
            .edges_directed(n.0, Direction::Outgoing)
            .map(|e| (NodeId(e.target()), *e.weight()))
            .collect();
        crate::sort::sort_by(&mut out, |a, b| {
            self.graph[a.0 .0].id.cmp(&self.graph[b.0 .0].id)
        });
        out
    }

    /// What requires `n` directly, sorted by id.
    pub fn dependents(&self, n: NodeId) -> Vec<NodeId> {
        let mut out: Vec<_> = self
            .graph
            .neighbors_directed(n.0, Direction::Incoming)
            .map(NodeId)
            .collect();
        crate::sort::sort_by(&mut out, |a, b| self.graph[a.0].id.cmp(&self.graph[b.0].id));
        out.dedup();
        out
    }

    /// Every requirement cycle (strongly connected components with more than one node, or
    /// a self-loop), each as ids in a deterministic order starting from the smallest id.
    ///
    /// # Complexity
    /// `O(n + e)` (Tarjan).
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || scc.iter().any(|&n| self.graph.contains_edge(n, n)))
            .map(|scc| self.cycle_order(&scc))
            .collect();
        crate::sort::sort(&mut out);
        out
    }

    /// Walk one SCC from its smallest id along edges that stay inside it.
    fn cycle_order(&self, scc: &[NodeIndex]) -> Vec<String> {
        let members: BTreeSet<NodeIndex> = crate::sort::btree_set(scc.iter().copied());
        let Some(&start) = scc
            .iter()
            .min_by(|a, b| self.graph[**a].id.cmp(&self.graph[**b].id))
        else {
            return Vec::new();
        };
        let mut order = vec![start];
        let mut cur = start;
        loop {
            let next = self
                .requirements(NodeId(cur))
                .into_iter()
                .map(|(n, _)| n.0)
                .find(|n| members.contains(n) && (!order.contains(n) || *n == start));
            match next {
                Some(n) if n != start => {
                    order.push(n);
                    cur = n;
                }
                _ => break,
            }
        }
        order
            .into_iter()
            .map(|n| self.graph[n].id.clone())
            .collect()
    }

    /// State of every node when the nodes in `failed` fail.
    ///
    /// # Arguments
    /// * `failed` — nodes that are down by themselves (a lost host, a dead disk).
    ///
    /// # Returns
    /// The state of every node, by id. On a graph with a requirement cycle, nodes on and
    /// above the cycle are reported down (they can never start).
    ///
    /// # Complexity
    /// `O(n + e)`: one pass in reverse topological order.
    pub fn evaluate(&self, failed: &BTreeSet<NodeId>) -> BTreeMap<String, State> {
        let order: Vec<NodeIndex> = match toposort(&self.graph, None) {
            Ok(mut o) => {
                o.reverse();
                o
            }
            Err(_) => return self.evaluate_cyclic(failed),
        };
        let mut state: BTreeMap<NodeIndex, State> = BTreeMap::new();
        for n in order {
            let s = self.gate_state(n, failed, |m| state.get(&m).copied().unwrap_or(State::Down));
            state.insert(n, s);
        }
        state
            .into_iter()
            .map(|(n, s)| (self.graph[n].id.clone(), s))
            .collect()
    }

    fn gate_state(
        &self,
        n: NodeIndex,
        failed: &BTreeSet<NodeId>,
        get: impl Fn(NodeIndex) -> State,
    ) -> State {
        if failed.contains(&NodeId(n)) {
            return State::Down;
        }
        let reqs = self
            .graph
            .edges_directed(n, Direction::Outgoing)
            .map(|e| (get(e.target()), e.weight().required));
        gate_outcome(self.graph[n].gate, reqs)
    }

    /// Greatest fixpoint for graphs with cycles: start all down, raise what can stand.
    fn evaluate_cyclic(&self, failed: &BTreeSet<NodeId>) -> BTreeMap<String, State> {
        let mut state: BTreeMap<NodeIndex, State> =
            crate::sort::btree_map(self.graph.node_indices().map(|n| (n, State::Down)));
        loop {
            let mut changed = false;
            for n in self.graph.node_indices() {
                let s =
                    self.gate_state(n, failed, |m| state.get(&m).copied().unwrap_or(State::Down));
                if state.get(&n) != Some(&s) {
                    state.insert(n, s);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        state
            .into_iter()
            .map(|(n, s)| (self.graph[n].id.clone(), s))
            .collect()
    }
}

impl DependencyGraph {
    /// Everything `id` requires and everything that requires it, transitively, as the
    /// entities they are drawn as ([`display_owner`]); `id` itself is in neither.
    ///
    /// # Complexity
    /// `O(n + e)` for the `n` nodes and `e` edges reachable from `id`.
    pub fn related(&self, id: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let Some(start) = self.find(id) else {
            return (BTreeSet::new(), BTreeSet::new());
        };
        let walk = |forward: bool| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![start];
            let mut out = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if !seen.insert(n) {
                    continue;
                }
                let next: Vec<NodeId> = if forward {
                    self.requirements(n).into_iter().map(|(m, _)| m).collect()
                } else {
                    self.dependents(n)
                };
                for m in next {
                    if let Some(node) = self.node_of(m) {
                        out.insert(display_owner(&node.id).to_owned());
                    }
                    stack.push(m);
                }
            }
            out.remove(id);
            out
        };
        (walk(true), walk(false))
    }
}

/// The state of each drawn entity: synthetic nodes (`tank#data-0`) folded into their owner;
/// entities that are up are left out. An owner that is a node of its own (`truenas`) keeps its
/// own state, and a part of it that is down (`truenas#storage50`, its path to a network) makes
/// it at most degraded: the VM is running, one of its parts is not. An owner without a node
/// (`cluster` of `cluster#quorum`) takes its parts' worst state.
pub fn states_by_entity(states: &BTreeMap<String, State>) -> BTreeMap<String, State> {
    let mut out: BTreeMap<String, State> = BTreeMap::new();
    for (id, s) in states {
        if *s == State::Up {
            continue;
        }
        let owner = display_owner(id);
        let s = if owner != id && states.contains_key(owner) {
            (*s).min(State::Degraded)
        } else {
            *s
        };
        let e = out.entry(owner.to_owned()).or_insert(s);
        *e = (*e).max(s);
    }
    out
}

/// The entity a node is drawn as: synthetic nodes (`tank#data-0`, `truenas#storage50`,
/// `talos#volumes`) belong to the entity before the `#`.
pub fn display_owner(id: &str) -> &str {
    id.split('#').next().unwrap_or(id)
}

/// Id of the graph node of the cluster's quorum.
pub const QUORUM_NODE: &str = "cluster#quorum";

/// Id of the graph node of a host's `index`-th PSU (`pve1#psu0`).
pub fn psu_node_id(host: &str, index: usize) -> String {
    format!("{host}#psu{index}")
}

/// Id of the graph node of a host's bond (`pve1#bond0`).
pub fn bond_node_id(host: &str, bond: &str) -> String {
    format!("{host}#{bond}")
}

/// Id of the graph node of the `index`-th vdev of pool `pool` (`tank#data-0`).
pub fn vdev_node_id(pool: &str, role: VdevRole, index: usize) -> String {
    format!("{pool}#{}-{index}", role_name(role))
}

/// The state of a node that did not fail itself, from its gate and the states of its
/// requirements (`(state, required)` pairs): down when fewer required edges hold than the gate
/// needs; degraded when it holds but a required edge is down or degraded, or an optional one is
/// not up; up otherwise. The one place the gate semantics live.
pub(crate) fn gate_outcome(gate: Gate, reqs: impl IntoIterator<Item = (State, bool)>) -> State {
    let mut required = 0u32;
    let mut holding = 0u32;
    let mut degraded = false;
    for (s, req) in reqs {
        if req {
            required += 1;
            if s == State::Down {
                degraded = true;
            } else {
                holding += 1;
                degraded |= s == State::Degraded;
            }
        } else {
            degraded |= s != State::Up;
        }
    }
    let need = match gate {
        Gate::All => required,
        Gate::AtLeast(k) => k.min(required),
    };
    if holding < need {
        State::Down
    } else if degraded {
        State::Degraded
    } else {
        State::Up
    }
}

fn role_name(role: VdevRole) -> &'static str {
    match role {
        VdevRole::Data => "data",
        VdevRole::Special => "special",
        VdevRole::Dedup => "dedup",
        VdevRole::Log => "log",
        VdevRole::Cache => "cache",
        VdevRole::Spare => "spare",
    }
}

/// Graph node ids through which `provider` (a VM or a host) reaches `network`: NICs passed to
/// the VM that are cabled to it, or ports of bridges carrying it (on the VM's host, or the
/// host's own bridges and NICs). A port that is a bond stands for its bond node; a NIC with
/// cables (`links`) stands for those of its cables that carry the network (all of them when a
/// cable lists no networks), so a switch failure reaches whatever rides on it.
pub(crate) fn network_carriers(
    t: &Topology,
    lookup: &Lookup,
    provider: &str,
    network: &str,
) -> Vec<String> {
    let mut out = BTreeSet::new();
    let carries =
        |l: &crate::model::Link| l.networks.is_empty() || l.networks.iter().any(|n| n == network);
    // A port or NIC as the graph nodes that carry it.
    let resolve = |host: &str, port: &str, out: &mut BTreeSet<String>| {
        if let Some(h) = lookup.of(EntityKind::Host, host) {
            if t.hosts[h].bonds.iter().any(|b| b.name == port) {
                out.insert(bond_node_id(host, port));
                return;
            }
        }
        if let Some(l) = lookup.of(EntityKind::Link, port) {
            if carries(&t.links[l]) {
                out.insert(port.to_owned());
            }
            return;
        }
        let cables: Vec<&crate::model::Link> = lookup.cables(t, host, port).collect();
        if cables.is_empty() {
            out.insert(port.to_owned());
        } else {
            out.extend(
                cables
                    .into_iter()
                    .filter(|l| carries(l))
                    .map(|l| l.id.clone()),
            );
        }
    };
    let host_carriers = |host: &str, out: &mut BTreeSet<String>| {
        if let Some(h) = lookup.of(EntityKind::Host, host) {
            for b in &t.hosts[h].bridges {
                if b.networks.iter().any(|n| n == network) {
                    for p in &b.ports {
                        resolve(host, p, out);
                    }
                }
            }
        }
    };
    match lookup.get(provider) {
        Some((EntityKind::Vm, i)) => {
            let vm = &t.vms[i];
            for nic in vm.nics.iter().filter(|n| n.network == network) {
                if let Some(d) = &nic.device {
                    resolve(&vm.host, d, &mut out);
                }
                if let Some(b) = &nic.bridge {
                    if let Some(h) = lookup.of(EntityKind::Host, &vm.host) {
                        if let Some(br) = t.hosts[h].bridges.iter().find(|x| &x.name == b) {
                            for p in &br.ports {
                                resolve(&vm.host, p, &mut out);
                            }
                        }
                    }
                }
            }
        }
        Some((EntityKind::Host, _)) => {
            host_carriers(provider, &mut out);
            for d in t.devices.iter().filter(|d| d.host == provider) {
                if d.nic
                    .as_ref()
                    .is_some_and(|n| n.networks.iter().any(|x| x == network))
                {
                    resolve(provider, &d.id, &mut out);
                }
            }
        }
        _ => {}
    }
    out.into_iter().collect()
}
