//! Facts of the failure domains below and around the hosts: power (`input.power`,
//! `input.ups`), the physical network (`input.switches`, `input.bonds`), the Proxmox cluster
//! (`input.cluster`, `input.ha`) and the failure domains a Kubernetes control plane shares
//! (`input.control_planes`). Built from the model as stated: a source, switch or vote the
//! file does not state is not invented, so rules about it stay quiet.

use super::Index;
use crate::graph::network_carriers;
use crate::model::{BondMode, HostKind, StorageKind, Topology, Vm};
use crate::resolve::{EntityKind, Lookup};
use crate::sim::quorum::Votequorum;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Seconds NUT needs around a host's own shutdown: detection on battery (`POLLFREQALERT` 5 s),
/// `FINALDELAY` 5 s and the primary's `HOSTSYNC` 15 s (OPERATIONS.md U-4, 10.3).
pub const NUT_OVERHEAD_S: u32 = 5 + 5 + 15;
/// `stopall`'s shutdown timeout of a guest without `startup: down=` (G-6).
pub const STOPALL_DEFAULT_DOWN_S: u32 = 180;
/// The HA stack's shutdown timeout of an HA guest (HA-23), and its parallel LRM workers (HA-8).
pub const HA_STOP_S: u32 = 60;
/// Parallel LRM workers by default (HA-8).
pub const HA_WORKERS: u32 = 4;

/// Where a host or switch gets its power (`input.power[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PowerFacts {
    /// Number of power supplies stated (`psus`, or 1 for `power_feed`).
    pub psus: u32,
    /// The feeds and UPS units its supplies are plugged into, in supply order.
    pub sources: Vec<String>,
    /// The distinct power feeds behind them (a UPS counts as the feed it hangs on, or as itself
    /// when that is not stated), sorted.
    pub feeds: Vec<String>,
    /// The distinct UPS units among its sources, sorted.
    pub ups: Vec<String>,
    /// Whether every supply is on a UPS.
    pub all_on_ups: bool,
    /// Whether some supply is on a UPS.
    pub on_ups: bool,
}

/// A UPS on battery after a mains loss, everything it powers still up (`input.ups[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct UpsFacts {
    /// Its capacity, W; absent when not stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_w: Option<u32>,
    /// The load it carries when every feed is lost (each load's draw split over its UPS
    /// supplies), W; stated draws only.
    pub load_w: u32,
    /// Loads it powers whose draw is not stated.
    pub unknown_draw: Vec<String>,
    /// Runtime at `load_w`, seconds; absent without a runtime curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_s: Option<u32>,
    /// `battery.runtime.low`, seconds; absent when not stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_low_s: Option<u32>,
    /// Hosts it powers.
    pub hosts: Vec<String>,
    /// Switches it powers.
    pub switches: Vec<String>,
    /// Hosts that run upsmon for it (primary and secondaries).
    pub nut_watchers: Vec<String>,
    /// Whether a NUT primary is stated.
    pub nut_primary: bool,
}

/// A switch (`input.switches[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SwitchFacts {
    /// Whether its power is stated.
    pub power_stated: bool,
    /// Whether some supply of it is on a UPS.
    pub on_ups: bool,
    /// Hosts with a link to it.
    pub hosts: Vec<String>,
    /// Networks its links carry (a link's `networks`, else those of the bridges over it).
    pub networks: Vec<String>,
    /// Purposes of those networks (`storage`, `lan`, `corosync`…).
    pub purposes: Vec<String>,
    /// Its MLAG peer, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlag_peer: Option<String>,
}

/// A bond (`input.bonds["host#bond0"]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BondFacts {
    /// Its host.
    pub host: String,
    /// Its name.
    pub name: String,
    /// Bonding mode.
    pub mode: BondMode,
    /// `lacp_rate`; absent when not stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lacp_rate: Option<String>,
    /// Member links.
    pub links: Vec<String>,
    /// The distinct switches its links end on, sorted.
    pub switches: Vec<String>,
    /// Whether its links end on one LACP partner: one switch, or two MLAG peers.
    pub one_partner: bool,
    /// Networks of the bridges it is a port of, sorted.
    pub networks: Vec<String>,
}

/// The Proxmox cluster (`input.cluster`; absent when the file states none).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ClusterFacts {
    /// Member nodes.
    pub nodes: Vec<String>,
    /// votequorum's expected votes.
    pub expected_votes: u32,
    /// Votes needed.
    pub quorum: u32,
    /// `two_node` in effect (two nodes, no QDevice).
    pub two_node: bool,
    /// Whether a QDevice is configured.
    pub qdevice: bool,
    /// The QDevice algorithm; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qdevice_algorithm: Option<String>,
    /// The cluster node whose loss takes the QDevice with it (qnetd on a guest of that
    /// node); absent when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qdevice_on_node: Option<String>,
    /// Node → whether the cluster stays quorate when that node alone is lost.
    pub quorate_without: BTreeMap<String, bool>,
    /// Number of corosync links.
    pub corosync_links: u32,
    /// Node → how its corosync traffic reaches the network.
    pub corosync: BTreeMap<String, CorosyncFacts>,
    /// `shutdown_policy` (`conditional` when not stated).
    pub shutdown_policy: String,
    /// Resource-affinity rule id → what it keeps together or apart.
    pub resource_affinity: BTreeMap<String, ResourceAffinityFacts>,
}

/// A resource-affinity rule (`input.cluster.resource_affinity[rule]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceAffinityFacts {
    /// `positive` (together) or `negative` (apart).
    pub affinity: String,
    /// The VMs it names, as written.
    pub vms: Vec<String>,
}

/// One node's corosync path.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorosyncFacts {
    /// The cables its corosync links use (through bonds too), sorted.
    pub cables: Vec<String>,
    /// Whether some corosync link rides on a bond.
    pub over_bond: bool,
    /// Whether a cable carrying corosync also carries a storage network.
    pub shares_storage: bool,
    /// Whether some corosync link reaches the node over cables that carry no storage network
    /// (a path storage traffic cannot starve).
    pub separate_from_storage: bool,
}

/// An HA-managed VM on a cluster node (`input.ha[vm]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HaFacts {
    /// Its node.
    pub host: String,
    /// Devices passed through by device id or address (not by mapping): local resources.
    pub local_devices: Vec<String>,
    /// Mappings it passes through.
    pub mappings: Vec<String>,
    /// Nodes HA may place it on (its rule's, or every cluster node) that lack an entry in one
    /// of its mappings.
    pub mapping_missing_on: Vec<String>,
    /// Why its disks keep it on its node: a raw host disk or node-local boot storage; absent
    /// when they do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_disk: Option<String>,
    /// Its node-affinity rule; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Whether that rule is strict.
    pub strict: bool,
    /// The rule's nodes (empty without a rule).
    pub rule_nodes: Vec<String>,
    /// Whether it can run on another node at all.
    pub movable: bool,
}

/// The shutdown a host on a UPS must finish on battery (`input.shutdown[host]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ShutdownFacts {
    /// Seconds from NUT's trigger until the host is off when its guests take as long as their
    /// timeouts allow: NUT's own delays, then stopall's order groups (each as long as its
    /// slowest guest: `down` or 180 s), then HA guests (60 s each, 4 at a time). The host OS's
    /// own shutdown after that is not counted.
    pub shutdown_s: u32,
    /// The most time the battery leaves it after the trigger (the longest over its UPS units:
    /// `runtime_low_s` where stated, else the whole runtime), seconds; absent when no UPS of
    /// it states a runtime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<u32>,
    /// Whether it serves storage (a TrueNAS/storage VM, or a host providing a service).
    pub serves_storage: bool,
}

/// The failure domains every member of a Kubernetes control plane shares
/// (`input.control_planes[consumer]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ControlPlaneFacts {
    /// Members.
    pub members: u32,
    /// The distinct hosts its members run on, sorted.
    pub hosts: Vec<String>,
    /// Switches every member's traffic goes through (each member's networks reach only that
    /// switch), sorted.
    pub shared_switches: Vec<String>,
    /// UPS units every member's host depends on alone (all its supplies on that UPS), sorted.
    pub shared_ups: Vec<String>,
}

/// Every group of this module, built together.
pub struct InfraFacts {
    /// `input.power`.
    pub power: BTreeMap<String, PowerFacts>,
    /// `input.ups`.
    pub ups: BTreeMap<String, UpsFacts>,
    /// `input.switches`.
    pub switches: BTreeMap<String, SwitchFacts>,
    /// `input.bonds`.
    pub bonds: BTreeMap<String, BondFacts>,
    /// `input.cluster`.
    pub cluster: Option<ClusterFacts>,
    /// `input.ha`.
    pub ha: BTreeMap<String, HaFacts>,
    /// `input.shutdown`.
    pub shutdown: BTreeMap<String, ShutdownFacts>,
    /// `input.control_planes`.
    pub control_planes: BTreeMap<String, ControlPlaneFacts>,
}

pub(super) fn infra(ix: &Index) -> InfraFacts {
    let t = ix.t;
    let lookup = &ix.lookup;
    let power = power(t, lookup);
    let ups = ups(t, &power);
    let bonds = bonds(t);
    let switches = switches(t, lookup);
    let (cluster, ha) = cluster(t, lookup, ix);
    let shutdown = shutdown(t, ix, &power, &ups);
    let control_planes = control_planes(t, lookup, &power, &bonds);
    InfraFacts {
        power,
        ups,
        switches,
        bonds,
        cluster,
        ha,
        shutdown,
        control_planes,
    }
}

fn sorted(xs: impl IntoIterator<Item = String>) -> Vec<String> {
    xs.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn power(t: &Topology, lookup: &Lookup) -> BTreeMap<String, PowerFacts> {
    let of = |sources: Vec<String>| {
        let feed_of = |s: &String| match lookup.of(EntityKind::Ups, s) {
            Some(u) => t.ups[u].feed.clone().unwrap_or_else(|| s.clone()),
            None => s.clone(),
        };
        let is_ups = |s: &String| lookup.of(EntityKind::Ups, s).is_some();
        PowerFacts {
            psus: sources.len() as u32,
            feeds: sorted(sources.iter().map(feed_of)),
            ups: sorted(sources.iter().filter(|s| is_ups(s)).cloned()),
            all_on_ups: !sources.is_empty() && sources.iter().all(is_ups),
            on_ups: sources.iter().any(is_ups),
            sources,
        }
    };
    let mut out = BTreeMap::new();
    for h in &t.hosts {
        let sources: Vec<String> = if h.psus.is_empty() {
            h.power_feed.iter().cloned().collect()
        } else {
            h.psus.iter().map(|p| p.power.clone()).collect()
        };
        if !sources.is_empty() {
            out.insert(h.id.clone(), of(sources));
        }
    }
    for s in &t.switches {
        if !s.psus.is_empty() {
            out.insert(
                s.id.clone(),
                of(s.psus.iter().map(|p| p.power.clone()).collect()),
            );
        }
    }
    out
}

fn ups(t: &Topology, power: &BTreeMap<String, PowerFacts>) -> BTreeMap<String, UpsFacts> {
    let draw: BTreeMap<&str, Option<u32>> = t
        .hosts
        .iter()
        .map(|h| (h.id.as_str(), h.power_w))
        .chain(t.switches.iter().map(|s| (s.id.as_str(), s.power_w)))
        .collect();
    let hosts: BTreeSet<&str> = t.hosts.iter().map(|h| h.id.as_str()).collect();
    t.ups
        .iter()
        .map(|u| {
            let mut f = UpsFacts {
                capacity_w: u.capacity_w,
                load_w: 0,
                unknown_draw: Vec::new(),
                runtime_s: None,
                runtime_low_s: u.runtime_low_s,
                hosts: Vec::new(),
                switches: Vec::new(),
                nut_watchers: sorted(u.nut_primary.iter().chain(&u.nut_secondaries).cloned()),
                nut_primary: u.nut_primary.is_some(),
            };
            for (id, p) in power {
                if !p.ups.contains(&u.id) {
                    continue;
                }
                // With every feed lost, the load splits over the UPS supplies alone.
                let on_ups = p
                    .sources
                    .iter()
                    .filter(|s| t.ups.iter().any(|x| &x.id == *s));
                let share = on_ups.clone().count().max(1) as u32;
                let here = on_ups.filter(|s| **s == u.id).count() as u32;
                match draw.get(id.as_str()).copied().flatten() {
                    Some(w) => f.load_w += w * here / share,
                    None => f.unknown_draw.push(id.clone()),
                }
                if hosts.contains(id.as_str()) {
                    f.hosts.push(id.clone());
                } else {
                    f.switches.push(id.clone());
                }
            }
            f.runtime_s = crate::sim::power::runtime_s(&u.runtime, f.load_w);
            (u.id.clone(), f)
        })
        .collect()
}

/// The networks of the bridges each port (a bond name or link id, per host) belongs to.
fn bridge_networks(t: &Topology) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for h in &t.hosts {
        for b in &h.bridges {
            for p in &b.ports {
                out.entry((h.id.clone(), p.clone()))
                    .or_default()
                    .extend(b.networks.iter().cloned());
            }
        }
    }
    out
}

fn bonds(t: &Topology) -> BTreeMap<String, BondFacts> {
    let nets = bridge_networks(t);
    let link_switch: BTreeMap<&str, &str> = t
        .links
        .iter()
        .map(|l| (l.id.as_str(), l.switch.as_str()))
        .collect();
    let peer: BTreeMap<&str, &str> = t
        .switches
        .iter()
        .filter_map(|s| s.mlag_peer.as_deref().map(|p| (s.id.as_str(), p)))
        .collect();
    let mut out = BTreeMap::new();
    for h in &t.hosts {
        for b in &h.bonds {
            let switches = sorted(
                b.links
                    .iter()
                    .filter_map(|l| link_switch.get(l.as_str()).map(|s| (*s).to_owned())),
            );
            let one_partner = match switches.as_slice() {
                [_] => true,
                [a, b] => {
                    peer.get(a.as_str()) == Some(&b.as_str())
                        || peer.get(b.as_str()) == Some(&a.as_str())
                }
                _ => false,
            };
            out.insert(
                crate::graph::bond_node_id(&h.id, &b.name),
                BondFacts {
                    host: h.id.clone(),
                    name: b.name.clone(),
                    mode: b.mode,
                    lacp_rate: b.lacp_rate.map(|r| r.as_str().to_owned()),
                    links: b.links.clone(),
                    switches,
                    one_partner,
                    networks: nets
                        .get(&(h.id.clone(), b.name.clone()))
                        .map(|n| n.iter().cloned().collect())
                        .unwrap_or_default(),
                },
            );
        }
    }
    out
}

/// The networks each link carries: its own list, else those of the bridges over it (directly
/// or through its bond).
fn link_networks(t: &Topology) -> BTreeMap<String, BTreeSet<String>> {
    let nets = bridge_networks(t);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in &t.links {
        let mut set: BTreeSet<String> = l.networks.iter().cloned().collect();
        if set.is_empty() {
            let host = t.hosts.iter().find(|h| h.id == l.host);
            let bond = host.and_then(|h| h.bonds.iter().find(|b| b.links.contains(&l.id)));
            for port in [Some(&l.id), Some(&l.nic), bond.map(|b| &b.name)]
                .into_iter()
                .flatten()
            {
                if let Some(n) = nets.get(&(l.host.clone(), port.clone())) {
                    set.extend(n.iter().cloned());
                }
            }
        }
        out.insert(l.id.clone(), set);
    }
    out
}

fn switches(t: &Topology, lookup: &Lookup) -> BTreeMap<String, SwitchFacts> {
    let nets = link_networks(t);
    // Each switch's cables, gathered once (a scan of every link per switch was quadratic).
    let mut by_switch: BTreeMap<&str, Vec<&crate::model::Link>> = BTreeMap::new();
    for l in &t.links {
        by_switch.entry(l.switch.as_str()).or_default().push(l);
    }
    t.switches
        .iter()
        .map(|s| {
            let links = by_switch.get(s.id.as_str()).map_or(&[][..], Vec::as_slice);
            let networks = sorted(
                links
                    .iter()
                    .flat_map(|l| nets.get(&l.id).into_iter().flatten().cloned()),
            );
            let purposes = sorted(networks.iter().filter_map(|n| {
                lookup
                    .of(EntityKind::Network, n)
                    .map(|i| t.networks[i].purpose.clone())
                    .filter(|p| !p.is_empty())
            }));
            let f = SwitchFacts {
                power_stated: !s.psus.is_empty(),
                on_ups: s
                    .psus
                    .iter()
                    .any(|p| lookup.of(EntityKind::Ups, &p.power).is_some()),
                hosts: sorted(links.iter().map(|l| l.host.clone())),
                networks,
                purposes,
                mlag_peer: s.mlag_peer.clone(),
            };
            (s.id.clone(), f)
        })
        .collect()
}

/// The cables a carrier stands for (a bond's members, a cable itself; a NIC without cables
/// none).
fn cables_of(t: &Topology, lookup: &Lookup, host: &str, carrier: &str) -> (Vec<String>, bool) {
    if let Some((h, bond)) = carrier.split_once('#') {
        if let Some(b) = lookup
            .of(EntityKind::Host, h)
            .and_then(|i| t.hosts[i].bonds.iter().find(|b| b.name == bond))
        {
            return (b.links.clone(), true);
        }
    }
    let is_cable = lookup
        .of(EntityKind::Link, carrier)
        .is_some_and(|i| t.links[i].host == host);
    (
        if is_cable {
            vec![carrier.to_owned()]
        } else {
            Vec::new()
        },
        false,
    )
}

fn cluster(
    t: &Topology,
    lookup: &Lookup,
    ix: &Index,
) -> (Option<ClusterFacts>, BTreeMap<String, HaFacts>) {
    let Some(c) = &t.cluster else {
        return (None, BTreeMap::new());
    };
    let Some(q) = Votequorum::of(c) else {
        return (None, BTreeMap::new());
    };
    let nodes: Vec<String> = c.nodes.iter().map(|n| n.host.clone()).collect();
    let qdevice_on_node = c
        .qdevice
        .as_ref()
        .and_then(|qd| qd.host.as_deref())
        .map(|h| ix.host_of(h).to_owned())
        .filter(|h| nodes.contains(h));
    let quorate_without = nodes
        .iter()
        .map(|n| {
            let lost: BTreeSet<&str> = [n.as_str()].into_iter().collect();
            let qd_lost = qdevice_on_node.as_deref() == Some(n);
            (n.clone(), q.quorate(q.votes_left(c, &lost, qd_lost)))
        })
        .collect();
    let link_nets = link_networks(t);
    let storage_nets: BTreeSet<&str> = t
        .networks
        .iter()
        .filter(|n| n.purpose == "storage")
        .map(|n| n.id.as_str())
        .collect();
    let mut corosync = BTreeMap::new();
    for n in &nodes {
        let carries_storage = |cable: &String| {
            link_nets
                .get(cable)
                .is_some_and(|ns| ns.iter().any(|x| storage_nets.contains(x.as_str())))
        };
        let mut cables = BTreeSet::new();
        let mut over_bond = false;
        let mut separate_from_storage = false;
        for l in &c.corosync_links {
            let mut these = BTreeSet::new();
            for carrier in network_carriers(t, lookup, n, &l.network) {
                let (cs, bond) = cables_of(t, lookup, n, &carrier);
                over_bond |= bond;
                these.extend(cs);
            }
            separate_from_storage |= !these.is_empty() && !these.iter().any(carries_storage);
            cables.extend(these);
        }
        let shares_storage = cables.iter().any(carries_storage);
        corosync.insert(
            n.clone(),
            CorosyncFacts {
                cables: cables.into_iter().collect(),
                over_bond,
                shares_storage,
                separate_from_storage,
            },
        );
    }
    let facts = ClusterFacts {
        nodes: nodes.clone(),
        expected_votes: q.expected,
        quorum: q.quorum,
        two_node: c.two_node && nodes.len() == 2 && c.qdevice.is_none(),
        qdevice: c.qdevice.is_some(),
        qdevice_algorithm: c.qdevice.as_ref().map(|x| x.algorithm.as_str().to_owned()),
        qdevice_on_node,
        quorate_without,
        corosync_links: c.corosync_links.len() as u32,
        corosync,
        shutdown_policy: c.ha.shutdown_policy.unwrap_or_default().as_str().to_owned(),
        resource_affinity: c
            .ha
            .resource_affinity
            .iter()
            .map(|r| {
                let facts = ResourceAffinityFacts {
                    affinity: r.affinity.as_str().to_owned(),
                    vms: r.vms.clone(),
                };
                (r.id.clone(), facts)
            })
            .collect(),
    };
    let mut ha = BTreeMap::new();
    for vm in t.vms.iter().filter(|v| v.ha && nodes.contains(&v.host)) {
        let rule = c.ha.node_affinity.iter().find(|r| r.vms.contains(&vm.id));
        let allowed: Vec<String> = match rule {
            Some(r) if r.strict => r.nodes.clone(),
            _ => nodes.clone(),
        };
        let local_devices: Vec<String> = vm
            .hostpci
            .iter()
            .filter(|h| h.mapping.is_none())
            .filter_map(|h| h.device.clone().or(h.host.clone()))
            .collect();
        let mappings: Vec<String> = vm
            .hostpci
            .iter()
            .filter_map(|h| h.mapping.clone())
            .collect();
        let mapping_missing_on = sorted(mappings.iter().flat_map(|m| {
            let entries: BTreeSet<&str> = lookup
                .mapping(m)
                .map(|i| t.mappings[i].map.iter().map(|e| e.node.as_str()).collect())
                .unwrap_or_default();
            allowed
                .iter()
                .filter(|n| !entries.contains(n.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        }));
        let local_disk = local_disk(t, lookup, vm);
        // A node missing no mapping is one that has an entry for every mapping.
        let elsewhere = allowed
            .iter()
            .any(|n| n != &vm.host && !mapping_missing_on.contains(n));
        let movable = local_devices.is_empty() && local_disk.is_none() && elsewhere;
        ha.insert(
            vm.id.clone(),
            HaFacts {
                host: vm.host.clone(),
                local_devices,
                mappings,
                mapping_missing_on,
                local_disk,
                rule: rule.map(|r| r.id.clone()),
                strict: rule.is_some_and(|r| r.strict),
                rule_nodes: rule.map(|r| r.nodes.clone()).unwrap_or_default(),
                movable,
            },
        );
    }
    (Some(facts), ha)
}

/// Why the VM's disks keep it on its node, if they do.
fn local_disk(t: &Topology, lookup: &Lookup, vm: &Vm) -> Option<String> {
    if let Some(r) = vm.raw_disks.first() {
        return Some(format!("{} is the raw host disk {}", r.slot, r.path));
    }
    let s = &t.storages[lookup.of(EntityKind::Storage, &vm.boot_storage)?];
    let shared = s.service.is_some()
        || matches!(
            s.kind,
            StorageKind::Nfs | StorageKind::Iscsi | StorageKind::Cifs
        );
    (!shared).then(|| {
        format!(
            "its boot disk is on {}, {} storage local to {}",
            s.id, s.kind, s.host
        )
    })
}

fn shutdown(
    t: &Topology,
    ix: &Index,
    power: &BTreeMap<String, PowerFacts>,
    ups: &BTreeMap<String, UpsFacts>,
) -> BTreeMap<String, ShutdownFacts> {
    let mut out = BTreeMap::new();
    for h in &t.hosts {
        let Some(p) = power.get(&h.id).filter(|p| p.on_ups) else {
            continue;
        };
        let vms = ix.vms_on(&h.id);
        // stopall: order groups in turn, the guests of a group in parallel (G-6).
        let mut groups: BTreeMap<Option<u32>, u32> = BTreeMap::new();
        let mut ha = 0u32;
        for vm in vms {
            if vm.ha {
                ha += 1;
                continue;
            }
            let down = vm.startup.down.unwrap_or(STOPALL_DEFAULT_DOWN_S);
            let g = groups.entry(vm.startup.order).or_default();
            *g = (*g).max(down);
        }
        let guests: u32 = groups.values().sum::<u32>() + ha.div_ceil(HA_WORKERS) * HA_STOP_S;
        let budget_s = p
            .ups
            .iter()
            .filter_map(|u| ups.get(u))
            .filter_map(|u| match (u.runtime_s, u.runtime_low_s) {
                (Some(r), Some(low)) => Some(low.min(r)),
                (Some(r), None) => Some(r),
                _ => None,
            })
            .max();
        let serves_storage = !ix.services_of(&h.id).is_empty()
            || vms
                .iter()
                .any(|vm| vm.role == "truenas" || !ix.services_of(&vm.id).is_empty())
            || (h.kind == HostKind::BareMetal && !ix.pools_of(&h.id).is_empty());
        out.insert(
            h.id.clone(),
            ShutdownFacts {
                shutdown_s: NUT_OVERHEAD_S + guests,
                budget_s,
                serves_storage,
            },
        );
    }
    out
}

fn control_planes(
    t: &Topology,
    lookup: &Lookup,
    power: &BTreeMap<String, PowerFacts>,
    bonds: &BTreeMap<String, BondFacts>,
) -> BTreeMap<String, ControlPlaneFacts> {
    let link_switch: BTreeMap<&str, &str> = t
        .links
        .iter()
        .map(|l| (l.id.as_str(), l.switch.as_str()))
        .collect();
    // The one switch a VM's traffic depends on, if all its paths end there.
    let switch_of = |vm: &Vm| -> Option<String> {
        let mut switches = BTreeSet::new();
        for nic in &vm.nics {
            for carrier in network_carriers(t, lookup, &vm.id, &nic.network) {
                if let Some(b) = bonds.get(&carrier) {
                    switches.extend(b.switches.iter().cloned());
                } else if let Some(s) = link_switch.get(carrier.as_str()) {
                    switches.insert((*s).to_owned());
                } else {
                    // A NIC without a stated cable: where it ends is not known.
                    return None;
                }
            }
        }
        (switches.len() == 1).then(|| switches.into_iter().next().unwrap_or_default())
    };
    let ups_of = |vm: &Vm| -> Option<String> {
        let p = power.get(&vm.host)?;
        (p.all_on_ups && p.ups.len() == 1).then(|| p.ups[0].clone())
    };
    let mut out = BTreeMap::new();
    for c in &t.consumers {
        let members: Vec<&Vm> = c
            .control_plane
            .iter()
            .filter_map(|m| lookup.of(EntityKind::Vm, m).map(|i| &t.vms[i]))
            .collect();
        if members.len() < 2 {
            continue;
        }
        let shared = |f: &dyn Fn(&Vm) -> Option<String>| -> Vec<String> {
            let all: Vec<Option<String>> = members.iter().map(|vm| f(vm)).collect();
            match all.first() {
                Some(Some(first)) if all.iter().all(|x| x.as_ref() == Some(first)) => {
                    vec![first.clone()]
                }
                _ => Vec::new(),
            }
        };
        out.insert(
            c.id.clone(),
            ControlPlaneFacts {
                members: members.len() as u32,
                hosts: sorted(members.iter().map(|vm| vm.host.clone())),
                shared_switches: shared(&switch_of),
                shared_ups: shared(&ups_of),
            },
        );
    }
    out
}
