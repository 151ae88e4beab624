//! Exhaustive failure analysis: every single failure (N-1) and every critical pair (N-2).
//!
//! # The fast method: killer sets
//! For each node `v` (in topological order) compute `K(v)`, the components whose failure *alone*
//! takes `v` down. With `t(v)` = the number of required edges `v` can lose (0 for an "all" gate,
//! `n − k` for a k-of-n gate):
//!
//! `K(v) = {v} ∪ { c : |{ r ∈ req(v) : c ∈ K(r) }| > t(v) }`
//!
//! which is exact for single failures (a component either takes a requirement down or not), and
//! handles common causes (six disks behind one HBA: the HBA is in every disk's set, so it
//! crosses the raidz2's tolerance) with no special case. Blast radii are the inverted sets.
//! Cost: `O(Σ_v Σ_{r ∈ req(v)} |K(r)| · log)` — near-linear, since killer sets are as small as
//! the dependency depth — against `O(n · (n + e))` for one graph walk per component
//! ([`single_failures_naive`], kept as the reference the property tests compare against).
//!
//! # N-2 with pruning
//! A pair `{a, b}` can down something neither downs alone only at a gate with tolerance
//! `t ≥ 1` where the requirements `a` and `b` take down together exceed `t` (the lowest newly
//! downed node must be such a gate). So only pairs of *partial killers* of redundant gates are
//! examined, each by propagating from the pair through the affected part of the graph.

use super::lanes::{lanes, LaneCounters};
use super::{dag_of, SimError};
use crate::graph::{Dag, NodeKind, State};
use crate::model::Topology;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Killer sets: `K[v]` = sorted dense indices of components whose single failure downs `v`.
pub type KillerSets = Vec<Vec<u32>>;

/// Compute the killer set of every node.
///
/// # Complexity
/// `O(Σ_v Σ_{r ∈ req(v)} |K(r)| log)`; see the module docs.
pub fn killer_sets(dag: &Dag) -> KillerSets {
    killer_sets_within(dag, usize::MAX).unwrap_or_default()
}

/// The most killer-set entries (summed over all nodes) the N-1 analysis holds: 160 MB of
/// indices, as many again for the blast radii, and the reports' id lists (measured: a chain of
/// 3,000 storage hosts, past this budget, took 6.6 GB). Killer sets are as long as the dependency
/// depth, so a fleet stays far below (10,000 hosts: about 3 million) while a chain of a few
/// thousand storage VMs, each booting from the previous one's storage, has every component
/// upstream of it in its set: quadratic, and past this budget an error instead of an abort.
pub const MAX_KILLER_ENTRIES: usize = 40_000_000;

/// [`killer_sets`], or `None` once the sets would hold more than `budget` entries in all.
pub fn killer_sets_within(dag: &Dag, budget: usize) -> Option<KillerSets> {
    let n = dag.len();
    let mut k: KillerSets = Vec::with_capacity(n);
    let mut entries = 0usize;
    for v in 0..n as u32 {
        let (required, need) = dag.need(v);
        let tolerance = required - need;
        let mut all: Vec<u32> = Vec::new();
        for &(r, req) in dag.requirements(v) {
            if req {
                all.extend_from_slice(&k[r as usize]);
            }
        }
        all.sort_unstable();
        let mut set: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < all.len() {
            let mut j = i;
            while j < all.len() && all[j] == all[i] {
                j += 1;
            }
            if (j - i) as u32 > tolerance {
                set.push(all[i]);
            }
            i = j;
        }
        if dag.is_entity(v) {
            if let Err(pos) = set.binary_search(&v) {
                set.insert(pos, v);
            }
        }
        entries = entries.saturating_add(set.len());
        if entries > budget {
            return None;
        }
        k.push(set);
    }
    Some(k)
}

/// For every candidate component (entity node), the nodes that go down when it alone fails,
/// via killer sets. Indexed by dense node index; non-candidates get an empty list.
pub fn single_failures_fast(dag: &Dag) -> Vec<Vec<u32>> {
    let k = killer_sets(dag);
    let mut radius = vec![Vec::new(); dag.len()];
    for (v, killers) in k.iter().enumerate() {
        for &c in killers {
            radius[c as usize].push(v as u32);
        }
    }
    radius
}

/// The reference method: one full evaluation per candidate component.
///
/// # Complexity
/// `O(n · (n + e))`.
pub fn single_failures_naive(dag: &Dag) -> Vec<Vec<u32>> {
    let mut radius = vec![Vec::new(); dag.len()];
    let mut mask = vec![false; dag.len()];
    for c in 0..dag.len() as u32 {
        if !dag.is_entity(c) {
            continue;
        }
        mask[c as usize] = true;
        radius[c as usize] = dag
            .evaluate(&mask)
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == State::Down)
            .map(|(i, _)| i as u32)
            .collect();
        mask[c as usize] = false;
    }
    radius
}

/// Pairs of components that together take down something neither takes down alone.
///
/// Returns each critical pair with the nodes only the pair downs, and the number of candidate
/// pairs examined (the pruned search space).
pub fn critical_pairs(dag: &Dag, k: &KillerSets) -> (BTreeMap<(u32, u32), Vec<u32>>, u64) {
    critical_pairs_with_progress(dag, k, &mut |_| {})
}

/// [`critical_pairs`], calling `progress` with the share of candidate pairs examined (0–1)
/// every few hundred pairs — for front ends that show a progress bar.
pub fn critical_pairs_with_progress(
    dag: &Dag,
    k: &KillerSets,
    progress: &mut dyn FnMut(f64),
) -> (BTreeMap<(u32, u32), Vec<u32>>, u64) {
    let mut candidates: BTreeSet<(u32, u32)> = BTreeSet::new();
    for v in 0..dag.len() as u32 {
        let (required, need) = dag.need(v);
        let tolerance = required - need;
        if tolerance == 0 || required == 0 {
            continue;
        }
        // Partial killers of v and which of v's required edges each one takes down.
        let mut hits: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        for &(r, req) in dag.requirements(v) {
            if !req {
                continue;
            }
            for &c in &k[r as usize] {
                if k[v as usize].binary_search(&c).is_err() {
                    hits.entry(c).or_default().insert(r);
                }
            }
        }
        let partial: Vec<(&u32, &BTreeSet<u32>)> = hits.iter().collect();
        for (i, (a, ra)) in partial.iter().enumerate() {
            for (b, rb) in &partial[i + 1..] {
                if ra.union(rb).count() as u32 > tolerance {
                    candidates.insert((**a, **b));
                }
            }
        }
    }
    let examined = candidates.len() as u64;
    let mut out = BTreeMap::new();
    for (n, (a, b)) in candidates.into_iter().enumerate() {
        if n % 256 == 0 {
            progress(n as f64 / examined.max(1) as f64);
        }
        let down: BTreeSet<u32> = crate::sort::btree_set(
            dag.propagate(&[a, b])
                .into_iter()
                .filter(|(_, s)| *s == State::Down)
                .map(|(i, _)| i),
        );
        let alone: Vec<u32> = down
            .into_iter()
            .filter(|&v| {
                k[v as usize].binary_search(&a).is_err() && k[v as usize].binary_search(&b).is_err()
            })
            .collect();
        if !alone.is_empty() {
            out.insert((a, b), alone);
        }
    }
    (out, examined)
}

/// What one component takes down with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlastRadius {
    /// The component.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Storage services and consumer volumes taken down (the things people notice).
    pub services: Vec<String>,
    /// VMs taken down (itself excluded).
    pub vms: Vec<String>,
    /// Every other node taken down.
    pub total: u32,
    /// Services taken down beyond those listed (a capped report: [`analyse_capped`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub services_omitted: u32,
    /// VMs taken down beyond those listed (a capped report).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub vms_omitted: u32,
}

impl BlastRadius {
    /// Services taken down, listed or not.
    pub fn service_count(&self) -> u32 {
        self.services.len() as u32 + self.services_omitted
    }

    /// VMs taken down, listed or not.
    pub fn vm_count(&self) -> u32 {
        self.vms.len() as u32 + self.vms_omitted
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The components whose single failure takes a service down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSpof {
    /// Service, consumer control plane or consumer volumes id.
    pub service: String,
    /// Single points of failure, by id.
    pub components: Vec<String>,
    /// Single points of failure beyond those listed (a capped report: [`analyse_capped`]).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub components_omitted: u32,
}

/// A pair that takes down what neither member does alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalPair {
    /// First component.
    pub a: String,
    /// Second component.
    pub b: String,
    /// Services and volumes only the pair takes down.
    pub services: Vec<String>,
    /// Every component only the pair takes down, services included, causes first (graph
    /// ids: `tank#data-0` is a vdev of `tank`). `total` counts them.
    pub components: Vec<String>,
    /// Every node only the pair takes down.
    pub total: u32,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpofReport {
    /// Candidate components (entities).
    pub candidates: u32,
    /// Components ranked by what they take down (services first, then VMs, then total).
    pub ranking: Vec<BlastRadius>,
    /// Single points of failure per service.
    pub services: Vec<ServiceSpof>,
    /// Critical pairs (N-2), if requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<CriticalPair>>,
    /// Candidate pairs the pruned N-2 search examined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_examined: Option<u64>,
    /// Set when the lists were too long to hold in full ([`analyse_capped`]): each list then
    /// keeps its first this many ids and counts the rest (`*_omitted`); counts and the ranking
    /// stay exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lists_capped_at: Option<u32>,
}

/// Run the N-1 analysis (and N-2 with `pairs`).
///
/// # Errors
/// [`SimError::Cycle`] when the topology has a requirement cycle.
///
/// # Example
/// ```
/// let t = hostplan::examples::seed().unwrap();
/// let r = hostplan::sim::spof::analyse(&t, false).unwrap();
/// let iscsi = r.services.iter().find(|s| s.service == "iscsi-k8s").unwrap();
/// assert!(iscsi.components.contains(&"hba0".to_owned()));
/// assert!(iscsi.components.contains(&"srv01".to_owned()));
/// ```
pub fn analyse(t: &Topology, pairs: bool) -> Result<SpofReport, SimError> {
    analyse_with_progress(t, pairs, &mut |_| {})
}

/// [`analyse`], reporting the N-2 search's progress (0–1) to `progress`.
///
/// # Errors
/// As [`analyse`].
pub fn analyse_with_progress(
    t: &Topology,
    pairs: bool,
    progress: &mut dyn FnMut(f64),
) -> Result<SpofReport, SimError> {
    let dag = dag_of(t)?;
    let k = killer_sets_within(&dag, MAX_KILLER_ENTRIES).ok_or_else(too_large)?;
    Ok(full_report(&dag, &k, pairs, progress))
}

fn too_large() -> SimError {
    SimError::TooLarge {
        analysis: "the N-1 analysis",
        why: format!(
            "its components' failure sets would hold more than {MAX_KILLER_ENTRIES} entries \
             (every component upstream of each one, as in a long chain of storage VMs booting \
             from each other's storage)"
        ),
    }
}

/// The report from the killer sets: every list in full.
fn full_report(
    dag: &Dag,
    k: &KillerSets,
    pairs: bool,
    progress: &mut dyn FnMut(f64),
) -> SpofReport {
    let mut radius = vec![Vec::new(); dag.len()];
    for (v, killers) in k.iter().enumerate() {
        for &c in killers {
            radius[c as usize].push(v as u32);
        }
    }
    let id = |i: u32| dag.node(i).id.clone();
    let mut ranking: Vec<BlastRadius> = (0..dag.len() as u32)
        .filter(|&c| dag.is_entity(c))
        .map(|c| {
            let others: Vec<u32> = radius[c as usize]
                .iter()
                .copied()
                .filter(|&v| v != c)
                .collect();
            BlastRadius {
                id: id(c),
                kind: dag.node(c).kind,
                services: others
                    .iter()
                    .filter(|&&v| dag.node(v).kind.is_service())
                    .map(|&v| id(v))
                    .collect(),
                vms: others
                    .iter()
                    .filter(|&&v| dag.node(v).kind == NodeKind::Vm)
                    .map(|&v| id(v))
                    .collect(),
                total: others.len() as u32,
                services_omitted: 0,
                vms_omitted: 0,
            }
        })
        .collect();
    let candidates = ranking.len() as u32;
    crate::sort::sort_by(&mut ranking, |a, b| {
        (b.services.len(), b.vms.len(), b.total)
            .cmp(&(a.services.len(), a.vms.len(), a.total))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut services: Vec<ServiceSpof> = (0..dag.len() as u32)
        .filter(|&v| dag.node(v).kind.is_service())
        .map(|v| ServiceSpof {
            service: id(v),
            components: k[v as usize]
                .iter()
                .filter(|&&c| c != v)
                .map(|&c| id(c))
                .collect(),
            components_omitted: 0,
        })
        .collect();
    crate::sort::sort_by(&mut services, |a, b| a.service.cmp(&b.service));
    let (pairs, pairs_examined) = if pairs {
        let (found, examined) = critical_pairs_with_progress(dag, k, progress);
        let mut list: Vec<CriticalPair> = found
            .into_iter()
            .map(|((a, b), nodes)| CriticalPair {
                a: id(a),
                b: id(b),
                services: nodes
                    .iter()
                    .filter(|&&v| dag.node(v).kind.is_service())
                    .map(|&v| id(v))
                    .collect(),
                components: nodes.iter().map(|&v| id(v)).collect(),
                total: nodes.len() as u32,
            })
            .collect();
        crate::sort::sort_by(&mut list, |x, y| {
            (y.services.len(), y.total)
                .cmp(&(x.services.len(), x.total))
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        (Some(list), Some(examined))
    } else {
        (None, None)
    };
    SpofReport {
        candidates,
        ranking,
        services,
        pairs,
        pairs_examined,
        lists_capped_at: None,
    }
}

/// [`analyse`] (N-1 only) refusing, as [`SimError::TooLarge`], a topology whose killer sets
/// would hold more than `per_node` entries per graph node on average (a million at least):
/// for a document that carries every list in full, such as the policy facts, whose size should
/// stay proportional to the topology's. A fleet's sets are as long as its dependency depth (10
/// to 30 entries a node); a chain of storage VMs booting from each other's storage grows with
/// the chain's length.
///
/// # Errors
/// As [`analyse`], and past that budget.
pub fn analyse_proportional(t: &Topology, per_node: usize) -> Result<SpofReport, SimError> {
    let dag = dag_of(t)?;
    let budget = dag
        .len()
        .saturating_mul(per_node)
        .clamp(1_000_000, MAX_KILLER_ENTRIES);
    let k = killer_sets_within(&dag, budget).ok_or_else(too_large)?;
    Ok(full_report(&dag, &k, false, &mut |_| {}))
}

/// Ids each list of a capped report keeps: more than a line of text output names (24), so the
/// text of a capped report reads exactly as that of a full one.
pub const LIST_CAP: usize = 100;

/// The N-1 analysis for a report people read: [`analyse`] when the killer sets fit in
/// `budget` entries (the same report, every list in full), else the same analysis by
/// bit-parallel propagation with each list capped at `cap` ids and the rest counted.
///
/// A chain of `n` storage VMs, each booting from the previous one's storage, has every
/// component upstream of a service among its single points of failure: the lists hold about
/// `n²/2` ids however they are computed, more than fits in memory at 10,000 links. The counts,
/// the ranking and the first ids of every list stay exact (the property tests compare them
/// with the naive evaluation).
///
/// # Errors
/// [`SimError::Cycle`] on a requirement cycle; [`SimError::TooLarge`] when `pairs` is asked
/// past the budget (the N-2 search needs the killer sets in full).
///
/// # Complexity
/// Within the budget as [`analyse`]; past it `O(c/64 · (n + e))` for `c` candidate components
/// (one pass over the graph per 64 of them), plus `O(cap)` per list.
pub fn analyse_capped(
    t: &Topology,
    pairs: bool,
    budget: usize,
    cap: usize,
) -> Result<SpofReport, SimError> {
    let dag = dag_of(t)?;
    match killer_sets_within(&dag, budget) {
        Some(k) => Ok(full_report(&dag, &k, pairs, &mut |_| {})),
        None if pairs => Err(too_large()),
        None => Ok(capped_report(&dag, cap)),
    }
}

/// The N-1 report by propagation, 64 candidate components at a time (bit `l` of a node's mask:
/// "down when candidate `l` of the batch fails"), each list capped at `cap` ids.
fn capped_report(dag: &Dag, cap: usize) -> SpofReport {
    let n = dag.len();
    let tolerance: Vec<u32> = (0..n as u32)
        .map(|v| {
            let (required, need) = dag.need(v);
            required - need
        })
        .collect();
    let candidates: Vec<u32> = (0..n as u32).filter(|&c| dag.is_entity(c)).collect();
    let kinds: Vec<NodeKind> = (0..n as u32).map(|v| dag.node(v).kind).collect();
    // Service node → its capped list of single points of failure and how many it left out.
    let mut spofs: BTreeMap<u32, (Vec<u32>, u32)> = crate::sort::btree_map(
        (0..n as u32)
            .filter(|&v| kinds[v as usize].is_service())
            .map(|v| (v, (Vec::new(), 0))),
    );
    let mut ranking: Vec<BlastRadius> = Vec::with_capacity(candidates.len());
    let mut down = vec![0u64; n];
    // at_least[j]: lanes with at least j of a gate's required edges down so far.
    let mut at_least: Vec<u64> = Vec::new();
    let id = |i: u32| dag.node(i).id.clone();
    for batch in candidates.chunks(64) {
        let start = batch[0] as usize;
        let mut next = 0;
        let (mut total, mut services, mut vms) = (
            LaneCounters::new(),
            LaneCounters::new(),
            LaneCounters::new(),
        );
        let mut service_lists: Vec<Vec<u32>> = vec![Vec::new(); batch.len()];
        let mut vm_lists: Vec<Vec<u32>> = vec![Vec::new(); batch.len()];
        // Lanes whose service / VM list still has room.
        let all = if batch.len() == 64 {
            u64::MAX
        } else {
            (1u64 << batch.len()) - 1
        };
        let (mut open_services, mut open_vms) = (all, all);
        for v in start..n {
            // Nodes before the batch's first candidate are up in every lane (topological
            // order: requirements come first), whatever an earlier batch left in `down`.
            let child = |r: u32| {
                if (r as usize) < start {
                    0
                } else {
                    down[r as usize]
                }
            };
            let reqs = dag.requirements(v as u32).iter().filter(|r| r.1);
            let t = tolerance[v] as usize;
            let mut mask = if t == 0 {
                reqs.fold(0, |m, &(r, _)| m | child(r))
            } else {
                // Down in a lane when more than `t` required edges are.
                at_least.clear();
                at_least.resize(t + 2, 0);
                at_least[0] = u64::MAX;
                for &(r, _) in reqs {
                    let d = child(r);
                    if d == 0 {
                        continue;
                    }
                    for j in (1..=t + 1).rev() {
                        at_least[j] |= at_least[j - 1] & d;
                    }
                }
                at_least[t + 1]
            };
            let mut own = 0;
            if batch.get(next) == Some(&(v as u32)) {
                own = 1u64 << next;
                next += 1;
            }
            down[v] = mask | own;
            mask &= !own;
            if mask == 0 {
                continue;
            }
            total.add(mask);
            let kind = kinds[v];
            if kind.is_service() {
                services.add(mask);
                for lane in lanes(mask & open_services) {
                    service_lists[lane].push(v as u32);
                    if service_lists[lane].len() == cap {
                        open_services &= !(1u64 << lane);
                    }
                }
                if let Some((list, omitted)) = spofs.get_mut(&(v as u32)) {
                    for lane in lanes(mask) {
                        if list.len() < cap {
                            list.push(batch[lane]);
                        } else {
                            *omitted += 1;
                        }
                    }
                }
            } else if kind == NodeKind::Vm {
                vms.add(mask);
                for lane in lanes(mask & open_vms) {
                    vm_lists[lane].push(v as u32);
                    if vm_lists[lane].len() == cap {
                        open_vms &= !(1u64 << lane);
                    }
                }
            }
        }
        for (lane, &c) in batch.iter().enumerate() {
            let listed_services = std::mem::take(&mut service_lists[lane]);
            let listed_vms = std::mem::take(&mut vm_lists[lane]);
            ranking.push(BlastRadius {
                id: id(c),
                kind: kinds[c as usize],
                services_omitted: services.get(lane) - listed_services.len() as u32,
                vms_omitted: vms.get(lane) - listed_vms.len() as u32,
                services: listed_services.into_iter().map(id).collect(),
                vms: listed_vms.into_iter().map(id).collect(),
                total: total.get(lane),
            });
        }
    }
    let candidates = ranking.len() as u32;
    crate::sort::sort_by(&mut ranking, |a, b| {
        (b.service_count(), b.vm_count(), b.total)
            .cmp(&(a.service_count(), a.vm_count(), a.total))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut services: Vec<ServiceSpof> = spofs
        .into_iter()
        .map(|(v, (list, omitted))| ServiceSpof {
            service: id(v),
            components: list.into_iter().map(id).collect(),
            components_omitted: omitted,
        })
        .collect();
    crate::sort::sort_by(&mut services, |a, b| a.service.cmp(&b.service));
    SpofReport {
        candidates,
        ranking,
        services,
        pairs: None,
        pairs_examined: None,
        lists_capped_at: Some(cap as u32),
    }
}
