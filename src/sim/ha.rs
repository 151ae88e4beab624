//! HA recovery what-if: when cluster nodes fail, which HA-managed VMs the HA manager
//! recovers, on which node, after about how long — and which it cannot move, and why.
//!
//! Facts (OPERATIONS.md): recovery needs a quorate partition (Q-10, HA-13); a lost node's
//! services are fenced 60 s after it was last seen and its lock is free after 120 s, so the
//! restart is issued about 2 minutes after the failure (HA-13…HA-15); the new node is the
//! highest-priority class of the VM's node-affinity rule, then the fewest active HA services
//! (`crs: ha=basic`, HA-17) — which does not look at memory, so a VM placed where it does not
//! fit is reported as such; a VM with a passed-through device, a raw disk or its boot disk on
//! node-local storage cannot run anywhere else (HA-31…HA-35).

use crate::graph::{State, QUORUM_NODE};
use crate::model::{Affinity, ShutdownPolicy, StorageKind, Topology, Vm};
use crate::resolve::{EntityKind, Lookup};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Seconds from a node's failure until HA issues the restart elsewhere: the 120 s lock
/// lifetime of pmxcfs after the node was last seen (HA-14; the simulator's test-basic1
/// restarts at 123 s, HA-15).
pub const RECOVERY_DELAY_S: u32 = 120;

/// What HA does with one HA-managed VM of a failed node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HaOutcome {
    /// The VM.
    pub vm: String,
    /// The node it ran on.
    pub from: String,
    /// The node it is recovered on; `None` when it is not.
    pub to: Option<String>,
    /// Seconds from the failure until it is up again (restart issued + guest boot).
    pub up_after_s: Option<u32>,
    /// Why: where it goes and by which rule, or what keeps it from moving.
    pub reason: String,
    /// Placed on a node without enough free memory for it (HA's basic scheduler does not
    /// look at memory): the start may fail.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub short_of_memory: bool,
}

/// The HA outcome of every HA VM on a cluster node that is down in `states`; `rebooting`
/// hosts are only down for their reboot (the shutdown policy decides).
pub fn recovery(
    t: &Topology,
    states: &BTreeMap<String, State>,
    rebooting: &[String],
) -> Vec<HaOutcome> {
    let Some(cluster) = &t.cluster else {
        return Vec::new();
    };
    let lookup = Lookup::new(t);
    let down = |id: &str| states.get(id) == Some(&State::Down);
    let members: BTreeSet<&str> =
        crate::sort::btree_set(cluster.nodes.iter().map(|n| n.host.as_str()));
    let policy = cluster.ha.shutdown_policy.unwrap_or_default();
    let quorate = !down(QUORUM_NODE);
    // Free memory (MiB) and active HA services of every surviving node.
    let mut free: BTreeMap<&str, i64> = BTreeMap::new();
    let mut ha_count: BTreeMap<&str, u32> = BTreeMap::new();
    for n in cluster.nodes.iter().filter(|n| !down(&n.host)) {
        if let Some(h) = lookup.of(EntityKind::Host, &n.host) {
            free.insert(&n.host, i64::from(t.hosts[h].ram_gib) * 1024);
            ha_count.insert(&n.host, 0);
        }
    }
    for vm in t.vms.iter().filter(|v| !down(&v.id)) {
        if let Some(f) = free.get_mut(vm.host.as_str()) {
            *f -= mib(pinned_mib(vm));
        }
        if vm.ha {
            if let Some(n) = ha_count.get_mut(vm.host.as_str()) {
                *n += 1;
            }
        }
    }
    // Where each HA resource runs now: those that survived on their node, then each recovered
    // one where it lands (resource-affinity rules read this).
    let mut running: BTreeMap<&str, &str> = crate::sort::btree_map(
        t.vms
            .iter()
            .filter(|v| v.ha && !down(&v.id) && !down(&v.host))
            .map(|v| (v.id.as_str(), v.host.as_str())),
    );
    let mut out = Vec::new();
    for vm in t
        .vms
        .iter()
        .filter(|v| v.ha && members.contains(v.host.as_str()))
    {
        if !down(&vm.host) {
            continue;
        }
        let mut outcome = HaOutcome {
            vm: vm.id.clone(),
            from: vm.host.clone(),
            to: None,
            up_after_s: None,
            reason: String::new(),
            short_of_memory: false,
        };
        if rebooting.contains(&vm.host) && policy != ShutdownPolicy::Failover {
            outcome.reason = match policy {
                ShutdownPolicy::Migrate => format!(
                    "shutdown_policy migrate moves it away before the reboot{}",
                    stuck(t, &lookup, vm).map_or(String::new(), |why| format!(
                        ", but it cannot move ({why}): the node's shutdown hangs"
                    ))
                ),
                _ => format!(
                    "frozen until {} is back (shutdown_policy {policy} freezes on reboot)",
                    vm.host
                ),
            };
            out.push(outcome);
            continue;
        }
        if !quorate {
            outcome.reason = "not recovered: no quorum (the surviving nodes are not quorate, so HA cannot fence and recover)".into();
            out.push(outcome);
            continue;
        }
        if let Some(why) = stuck(t, &lookup, vm) {
            outcome.reason = format!("cannot move: {why}");
            out.push(outcome);
            continue;
        }
        let rule = cluster
            .ha
            .node_affinity
            .iter()
            .find(|r| r.vms.contains(&vm.id));
        let needs = shared_service(t, &lookup, vm);
        let fits_storage = |node: &str| {
            needs.is_none_or(|svc| {
                t.storages
                    .iter()
                    .any(|s| s.host == node && s.service.as_deref() == Some(svc) && !down(&s.id))
            })
        };
        let alive: Vec<&str> = free.keys().copied().filter(|n| fits_storage(n)).collect();
        // The highest-priority class of the rule that has a live node; strict rules allow
        // nothing else, others fall back to any node.
        let preferred: Vec<&str> = rule
            .and_then(|r| r.nodes.iter().find(|n| alive.contains(&n.as_str())))
            .map(|n| vec![n.as_str()])
            .unwrap_or_default();
        let by_rule = !preferred.is_empty();
        let mut pool: Vec<&str> = match rule {
            Some(_) if by_rule => preferred,
            Some(r) if r.strict => Vec::new(),
            _ => alive.clone(),
        };
        let (applied, blocked_by) = resource_affinity(cluster, &vm.id, &running, &mut pool);
        let target = pool
            .iter()
            .min_by_key(|n| (ha_count.get(*n).copied().unwrap_or(0), **n))
            .copied();
        match target {
            None => {
                outcome.reason = blocked_by.unwrap_or_else(|| match rule {
                    Some(r) if r.strict => format!(
                        "stays stopped: no node of its strict node-affinity rule `{}` is up",
                        r.id
                    ),
                    _ if needs.is_some() => format!(
                        "stays stopped: no surviving node reaches its disk's storage service `{}`",
                        needs.unwrap_or_default()
                    ),
                    _ => "stays stopped: no surviving cluster node".into(),
                });
            }
            Some(n) => {
                let need = mib(pinned_mib(vm));
                let room = free.get(n).copied().unwrap_or(0);
                outcome.short_of_memory = need > room;
                outcome.to = Some(n.to_owned());
                outcome.up_after_s = Some(RECOVERY_DELAY_S + vm.boot_time_s);
                outcome.reason = format!(
                    "recovered on {n}{}{}; {} MiB free there before it, {} MiB needed",
                    match rule {
                        Some(r) if by_rule => format!(" (node-affinity rule `{}`)", r.id),
                        Some(r) => format!(
                            " (no node of its non-strict rule `{}` is up; fewest HA services)",
                            r.id
                        ),
                        None => " (fewest HA services)".to_owned(),
                    },
                    within(&applied),
                    room.max(0),
                    need
                );
                if let Some(f) = free.get_mut(n) {
                    *f -= need;
                }
                running.insert(&vm.id, n);
                *ha_count.entry(n).or_default() += 1;
            }
        }
        out.push(outcome);
    }
    out
}

/// Narrow `pool` (the nodes `vm` may go to) by its resource-affinity rules, which are strict
/// (HA-38): with a partner already `running`, only its node (positive) or only nodes none of
/// them is on (negative). Returns the rules that applied, and why no node is left when one
/// emptied the pool.
fn resource_affinity<'c>(
    cluster: &'c crate::model::Cluster,
    vm: &str,
    running: &BTreeMap<&str, &str>,
    pool: &mut Vec<&str>,
) -> (Vec<&'c str>, Option<String>) {
    let mut blocked_by: Option<String> = None;
    let mut applied: Vec<&str> = Vec::new();
    for r in cluster
        .ha
        .resource_affinity
        .iter()
        .filter(|r| r.vms.len() >= 2 && r.vms.iter().any(|v| v == vm))
    {
        let partners: Vec<(&str, &str)> = r
            .vms
            .iter()
            .filter(|p| *p != vm)
            .filter_map(|p| running.get(p.as_str()).map(|n| (p.as_str(), *n)))
            .collect();
        if partners.is_empty() {
            continue;
        }
        applied.push(&r.id);
        let before = pool.len();
        match r.affinity {
            Affinity::Positive => pool.retain(|n| partners.iter().any(|(_, at)| at == n)),
            Affinity::Negative => pool.retain(|n| partners.iter().all(|(_, at)| at != n)),
        }
        if pool.is_empty() && before > 0 {
            let with: Vec<String> = partners
                .iter()
                .map(|(p, n)| format!("{p} on {n}"))
                .collect();
            blocked_by = Some(format!(
                "stays in recovery: its {} resource-affinity rule `{}` ({}) leaves no node it may use",
                r.affinity,
                r.id,
                with.join(", ")
            ));
        }
    }
    (applied, blocked_by)
}

/// The tail naming the resource-affinity rules that applied, or nothing when none did.
fn within(applied: &[&str]) -> String {
    if applied.is_empty() {
        String::new()
    } else {
        format!(
            ", within resource-affinity rule(s) `{}`",
            applied.join("`, `")
        )
    }
}

/// MiB as a signed amount (free memory can go below zero when a node is overcommitted).
fn mib(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// Memory a VM holds on its node, MiB: all of it with a passed-through device (VFIO pins the
/// guest's memory) or without a balloon floor; else its balloon minimum.
pub(crate) fn pinned_mib(vm: &Vm) -> u64 {
    if !vm.hostpci.is_empty() {
        return vm.memory_mib;
    }
    match vm.balloon_mib {
        Some(b) if b > 0 => b.min(vm.memory_mib),
        _ => vm.memory_mib,
    }
}

/// Why `vm` cannot run on another node, if it cannot: local devices (qemu-server's
/// `check_local_resources`), raw disks, or a boot disk on node-local storage.
pub fn stuck(t: &Topology, lookup: &Lookup, vm: &Vm) -> Option<String> {
    if let Some(h) = vm.hostpci.iter().find(|h| h.mapping.is_none()) {
        let what = h.device.clone().or(h.host.clone()).unwrap_or_default();
        return Some(format!(
            "hostpci{} passes through `{what}`, a local device",
            h.index
        ));
    }
    for h in &vm.hostpci {
        let Some(m) = h.mapping.as_deref() else {
            continue;
        };
        let nodes = lookup.mapping(m).map_or(0, |i| t.mappings[i].map.len());
        if nodes <= 1 {
            return Some(format!(
                "hostpci{} uses mapping `{m}`, which has an entry on {} node",
                h.index,
                if nodes == 0 { "no" } else { "one" }
            ));
        }
    }
    if let Some(r) = vm.raw_disks.first() {
        return Some(format!("{} is a raw host disk `{}`", r.slot, r.path));
    }
    let local = lookup
        .of(EntityKind::Storage, &vm.boot_storage)
        .map(|i| &t.storages[i])
        .filter(|s| s.service.is_none() && !is_shared(s.kind));
    local.map(|s| {
        format!(
            "its boot disk is on `{}`, {} storage local to its node",
            s.id, s.kind
        )
    })
}

/// The storage service the VM's boot disk lives on, which the new node must reach too.
fn shared_service<'t>(t: &'t Topology, lookup: &Lookup, vm: &Vm) -> Option<&'t str> {
    lookup
        .of(EntityKind::Storage, &vm.boot_storage)
        .and_then(|i| t.storages[i].service.as_deref())
}

/// Storage kinds every node reaches alike.
fn is_shared(kind: StorageKind) -> bool {
    matches!(
        kind,
        StorageKind::Nfs | StorageKind::Iscsi | StorageKind::Cifs
    )
}
