//! The startup-order suggestion: `order` and `up` values that let storage providers come up
//! before the guests that need them on the same node.

use super::{consumer_index, network_boot_services, simulate, Index, Scenario, Timing};
use crate::model::{Service, Topology};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A change of one VM's startup configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartupChange {
    /// The VM.
    pub vm: String,
    /// Its node.
    pub host: String,
    /// Current `order`.
    pub order_before: Option<u32>,
    /// Suggested `order`.
    pub order_after: Option<u32>,
    /// Current `up`.
    pub up_before: Option<u32>,
    /// Suggested `up`.
    pub up_after: Option<u32>,
}

/// A suggested startup configuration and what it achieves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Changes against the current configuration.
    pub changes: Vec<StartupChange>,
    /// Dependencies across nodes, which startup order cannot enforce (BOOT-09).
    pub cross_node: Vec<String>,
    /// All-ready time now.
    pub before_ms: Option<u64>,
    /// All-ready time with the suggestion.
    pub after_ms: Option<u64>,
    /// The topology with the suggestion applied.
    #[serde(skip)]
    pub topology: Topology,
}

/// Suggest `order` and `up` values: providers of storage start before the guests that need
/// them on the same node (order = 1 + depth in the provider → consumer relation), each
/// provider's `up` lasting until its service answers when a guest boots from it (Proxmox does
/// not retry), or just long enough for retrying consumers to come up as the service does.
/// Guests outside storage dependencies keep their configuration.
pub fn suggest(t: &Topology, timing: &Timing) -> Suggestion {
    let ix = Index::new(t);
    let Precedence {
        preds,
        dependants,
        mut cross,
    } = precedence(t, &ix);
    let involved: BTreeSet<&str> = crate::sort::btree_set(
        preds
            .iter()
            .flat_map(|(c, ps)| std::iter::once(*c).chain(ps.iter().map(|p| p.0))),
    );
    let level = levels(t, &preds, &involved);
    let mut out = t.clone();
    let mut changes = Vec::new();
    for vm in &mut out.vms {
        // Guests outside storage dependencies keep whatever order their owner chose.
        if !vm.onboot || vm.ha || !involved.contains(vm.id.as_str()) {
            continue;
        }
        let before = (vm.startup.order, vm.startup.up);
        let order = level.get(vm.id.as_str()).copied().unwrap_or(0) + 1;
        // How long this guest's next-in-line must wait: until the service each dependant uses
        // answers (hard dependants), or until it answers minus the dependant's own start and
        // boot (soft); the longest of these. A provider's services can be ready at different
        // times (NFS and iSCSI from one VM), so each edge counts with its own service.
        let orig = ix.vms.get(vm.id.as_str()).copied().unwrap_or(vm);
        let mut up: Option<u32> = None;
        for &(c, hard, s) in dependants.get(vm.id.as_str()).into_iter().flatten() {
            let serve = timing.serve_ms(orig, s);
            let need = if hard {
                serve
            } else {
                let cv = ix.vms.get(c);
                serve.saturating_sub(cv.map_or(0, |cv| timing.guest_up_ms(cv)))
            };
            let secs = u32::try_from(need.div_ceil(1000)).unwrap_or(u32::MAX);
            up = Some(up.map_or(secs, |u| u.max(secs)));
        }
        vm.startup.order = Some(order);
        if up.is_some() {
            vm.startup.up = up;
        }
        if before != (vm.startup.order, vm.startup.up) {
            changes.push(StartupChange {
                vm: vm.id.clone(),
                host: vm.host.clone(),
                order_before: before.0,
                order_after: vm.startup.order,
                up_before: before.1,
                up_after: vm.startup.up,
            });
        }
    }
    let before_ms = simulate(t, &Scenario::ColdStart, timing).all_ready_ms;
    let after_ms = simulate(&out, &Scenario::ColdStart, timing).all_ready_ms;
    crate::sort::sort(&mut cross);
    cross.dedup();
    Suggestion {
        changes,
        cross_node: cross,
        before_ms,
        after_ms,
        topology: out,
    }
}

/// Consumer → its providers on the same node, hard or soft.
type Preds<'a> = BTreeMap<&'a str, BTreeSet<(&'a str, bool)>>;

/// Who must start before whom on each node, and why.
struct Precedence<'a> {
    /// Consumer → its providers on the same node.
    preds: Preds<'a>,
    /// Provider → (consumer, hard, the service that consumer uses): the same edges, from the
    /// provider's side and one per service, for its `up`.
    dependants: BTreeMap<&'a str, Vec<(&'a str, bool, &'a Service)>>,
    /// Dependencies across nodes, in words: startup order cannot enforce them (BOOT-09).
    cross: Vec<String>,
}

/// Same-node precedence, provider → consumer, hard (the consumer boots from the provider's
/// service: Proxmox does not retry) or soft (retrying volumes); and the dependencies across
/// nodes.
fn precedence<'a>(t: &'a Topology, ix: &Index<'a>) -> Precedence<'a> {
    let boot_services = network_boot_services(t);
    let mut preds: Preds<'a> = BTreeMap::new();
    let mut dependants: BTreeMap<&str, Vec<(&str, bool, &Service)>> = BTreeMap::new();
    let mut cross = Vec::new();
    let consumers = consumer_index(t);
    for s in &t.services {
        let Some(p) = ix.vms.get(s.provider.as_str()) else {
            continue;
        };
        for &c in consumers.get(s.id.as_str()).into_iter().flatten() {
            let Some(cv) = ix.vms.get(c) else {
                continue;
            };
            let hard = boot_services.get(cv.boot_storage.as_str()) == Some(&s.id.as_str());
            if cv.host == p.host {
                if cv.id != p.id {
                    preds
                        .entry(cv.id.as_str())
                        .or_default()
                        .insert((p.id.as_str(), hard));
                    dependants
                        .entry(p.id.as_str())
                        .or_default()
                        .push((cv.id.as_str(), hard, s));
                }
            } else {
                cross.push(format!(
                    "{} on {} needs {} from {} on {}",
                    cv.id, cv.host, s.id, p.id, p.host
                ));
            }
        }
    }
    Precedence {
        preds,
        dependants,
        cross,
    }
}

/// Longest-path level of each involved guest over the precedence relation (acyclic unless
/// validation failed; on a cycle the passes stop after one per VM).
///
/// # Complexity
/// `O(d · e log v)` for `e` precedence edges and a dependency depth `d` (passes until
/// nothing changes).
fn levels<'a>(
    t: &Topology,
    preds: &Preds<'a>,
    involved: &BTreeSet<&'a str>,
) -> BTreeMap<&'a str, u32> {
    let mut level: BTreeMap<&str, u32> = BTreeMap::new();
    for _ in 0..=t.vms.len() {
        let mut changed = false;
        for v in involved {
            let l = preds.get(v).map_or(0, |ps| {
                ps.iter()
                    .map(|(p, _)| level.get(p).copied().unwrap_or(0) + 1)
                    .max()
                    .unwrap_or(0)
            });
            if level.get(v) != Some(&l) {
                level.insert(v, l);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    level
}

/// `order=1,up=60` or `(none)`.
pub fn startup_text(order: Option<u32>, up: Option<u32>) -> String {
    let mut parts = Vec::new();
    if let Some(o) = order {
        parts.push(format!("order={o}"));
    }
    if let Some(u) = up {
        parts.push(format!("up={u}"));
    }
    if parts.is_empty() {
        "(none)".to_owned()
    } else {
        parts.join(",")
    }
}
