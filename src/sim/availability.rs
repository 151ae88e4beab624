//! Availability: expected yearly downtime of each service from per-component MTBF/MTTR.
//!
//! Each component fails independently with steady-state unavailability
//! `u = MTTR / (MTBF + MTTR)`. A service's availability is the probability that it is not
//! down, computed on its dependency cone (everything it transitively requires):
//!
//! - **exact** by factoring: when the cone is a tree, series ("all") gates multiply and k-of-n
//!   gates use the Poisson-binomial distribution of their members; a component shared by two
//!   paths (the host under both TrueNAS and its pool) is *pivoted on* — the cone is solved once
//!   with it up and once with it down, weighted by its own probability — deepest first. This is
//!   exact, and costs `2^s` tree evaluations for `s` shared components;
//! - **Monte Carlo** (seeded, so reproducible) when `s` exceeds [`MAX_PIVOTS`] or on request,
//!   with a 95 % Wilson confidence interval.
//!
//! Defaults per kind when a component gives no figures are in [`default_rates`].

use super::lanes::LaneCounters;
use super::{dag_of, Rng, SimError};
use crate::graph::{Dag, Gate, NodeKind};
use crate::model::{Media, Topology};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Largest number of shared components the exact method pivots on before falling back to
/// Monte Carlo.
pub const MAX_PIVOTS: u32 = 14;

/// Hours in a (non-leap) year.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Default (MTBF, MTTR) in hours for a kind of component; `None` = does not fail by itself.
///
/// | kind | MTBF | MTTR | reasoning |
/// |---|---|---|---|
/// | power feed | 4 380 h | 1 h | utility power, ~2 outages a year |
/// | host | 50 000 h | 8 h | board/PSU/RAM failure, spare parts at hand |
/// | PCIe device | 300 000 h | 24 h | HBA/NIC, replacement shipped next day |
/// | HDD | 580 000 h | 24 h | ~1.5 % annual failure rate; replace + resilver |
/// | SSD / NVMe | 1 500 000 h | 24 h | |
/// | network | 100 000 h | 4 h | switch or VLAN outage |
/// | VM | 8 760 h | 0.25 h | a guest crash a year, restarted |
/// | storage service | 8 760 h | 0.1 h | daemon failure, restarted |
/// | UPS | 100 000 h | 24 h | electronics or battery failure, replacement shipped |
/// | PSU | 100 000 h | 24 h | one supply of a redundant pair, replacement shipped |
/// | switch | 200 000 h | 4 h | a spare or a replacement from stock |
/// | link (cable) | 1 000 000 h | 1 h | a cable or transceiver swapped |
pub fn default_rates(kind: NodeKind, media: Option<Media>) -> Option<(f64, f64)> {
    match kind {
        NodeKind::PowerFeed => Some((4_380.0, 1.0)),
        NodeKind::Host => Some((50_000.0, 8.0)),
        NodeKind::Device => Some((300_000.0, 24.0)),
        NodeKind::Disk => Some(match media {
            Some(Media::Ssd | Media::Nvme) => (1_500_000.0, 24.0),
            _ => (580_000.0, 24.0),
        }),
        NodeKind::Network => Some((100_000.0, 4.0)),
        NodeKind::Vm => Some((8_760.0, 0.25)),
        NodeKind::Service => Some((8_760.0, 0.1)),
        NodeKind::Ups | NodeKind::Psu => Some((100_000.0, 24.0)),
        NodeKind::Switch => Some((200_000.0, 4.0)),
        NodeKind::Cable => Some((1_000_000.0, 1.0)),
        _ => None,
    }
}

/// How a figure was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Exact factoring.
    Exact,
    /// Monte Carlo sampling.
    MonteCarlo,
}

/// Which method to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Exact when at most [`MAX_PIVOTS`] shared components, else Monte Carlo.
    Auto,
    /// Always Monte Carlo.
    MonteCarlo,
}

/// Availability of one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAvailability {
    /// Service, control plane or volumes id.
    pub service: String,
    /// Probability of not being down.
    pub availability: f64,
    /// Expected downtime per year, minutes.
    pub downtime_min_per_year: f64,
    /// How it was computed.
    pub method: Method,
    /// 95 % confidence interval of the availability (Monte Carlo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<(f64, f64)>,
    /// Samples drawn (Monte Carlo only): [`Options::samples`], or fewer when the graph is so
    /// large that they would exceed [`MAX_SAMPLE_WORK`] (the interval says what that costs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
    /// Components in its dependency cone that can fail.
    pub components: u32,
    /// Shared components pivoted on (exact method).
    pub pivots: u32,
}

/// Options of [`analyse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Method choice.
    pub choice: Choice,
    /// Monte Carlo samples.
    pub samples: u32,
    /// Monte Carlo seed.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            choice: Choice::Auto,
            samples: 200_000,
            seed: 1,
        }
    }
}

/// Steady-state unavailability `MTTR / (MTBF + MTTR)` of every node of `dag` (indexed like
/// it): the component's own figures, else [`default_rates`]; 0 for nodes that cannot fail by
/// themselves (pools, storages, synthetic nodes).
pub fn unavailability(t: &Topology, dag: &Dag) -> Vec<f64> {
    let host_rates: BTreeMap<&str, (Option<f64>, Option<f64>)> = crate::sort::btree_map(
        t.hosts
            .iter()
            .map(|h| (h.id.as_str(), (h.mtbf_hours, h.mttr_hours))),
    );
    let dev_rates: BTreeMap<&str, (Option<f64>, Option<f64>)> = crate::sort::btree_map(
        t.devices
            .iter()
            .map(|d| (d.id.as_str(), (d.mtbf_hours, d.mttr_hours))),
    );
    let disk_rates: BTreeMap<&str, (Option<f64>, Option<f64>, Media)> = crate::sort::btree_map(
        t.disks
            .iter()
            .map(|d| (d.id.as_str(), (d.mtbf_hours, d.mttr_hours, d.media))),
    );
    (0..dag.len() as u32)
        .map(|i| {
            let node = dag.node(i);
            let (given, media) = match node.kind {
                NodeKind::Host => (host_rates.get(node.id.as_str()).copied(), None),
                NodeKind::Device => (dev_rates.get(node.id.as_str()).copied(), None),
                NodeKind::Disk => match disk_rates.get(node.id.as_str()) {
                    Some((given_mtbf, given_mttr, media)) => {
                        (Some((*given_mtbf, *given_mttr)), Some(*media))
                    }
                    None => (None, None),
                },
                _ => (None, None),
            };
            let Some((mtbf, mttr)) = default_rates(node.kind, media) else {
                return 0.0;
            };
            let (mtbf, mttr) = match given {
                Some((given_mtbf, given_mttr)) => {
                    (given_mtbf.unwrap_or(mtbf), given_mttr.unwrap_or(mttr))
                }
                None => (mtbf, mttr),
            };
            if mtbf + mttr > 0.0 {
                (mttr / (mtbf + mttr)).clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect()
}

/// Availability of every service, control plane and volumes node.
///
/// # Errors
/// [`SimError::Cycle`] when the topology has a requirement cycle.
///
/// # Complexity
/// Per service with a cone of `c` nodes: `O(2^s · c)` exact, or `O(samples · c)`.
pub fn analyse(t: &Topology, opts: &Options) -> Result<Vec<ServiceAvailability>, SimError> {
    analyse_with_progress(t, opts, &mut |_| {})
}

/// [`analyse`], reporting progress (0–1, per service analysed) to `progress`.
///
/// # Errors
/// As [`analyse`].
pub fn analyse_with_progress(
    t: &Topology,
    opts: &Options,
    progress: &mut dyn FnMut(f64),
) -> Result<Vec<ServiceAvailability>, SimError> {
    let dag = dag_of(t)?;
    let u = unavailability(t, &dag);
    let services: Vec<u32> = (0..dag.len() as u32)
        .filter(|&v| dag.node(v).kind.is_service())
        .collect();
    let stats = cone_stats(&dag, &u, &services);
    let mut rows: Vec<Option<ServiceAvailability>> = Vec::with_capacity(services.len());
    let mut to_estimate: Vec<u32> = Vec::new();
    let mut exact = Exact::new(&dag, &u);
    for (n, (&v, &(components, shared))) in services.iter().zip(&stats).enumerate() {
        progress(n as f64 / services.len().max(1) as f64);
        if opts.choice == Choice::Auto && shared <= MAX_PIVOTS {
            let a = exact.exact(v);
            rows.push(Some(row(
                &dag,
                v,
                a,
                Method::Exact,
                None,
                components,
                shared,
            )));
        } else {
            to_estimate.push(v);
            rows.push(None);
        }
    }
    // Every service past the pivots is estimated from one shared set of samples.
    let estimates = monte_carlo(&dag, &u, &to_estimate, opts);
    let mut estimates = estimates.into_iter();
    let mut out: Vec<ServiceAvailability> = services
        .iter()
        .zip(rows)
        .zip(&stats)
        .filter_map(|((&v, row_of), &(components, _))| {
            row_of.or_else(|| {
                let (a, lo, hi, samples) = estimates.next()?;
                let mut r = row(
                    &dag,
                    v,
                    a,
                    Method::MonteCarlo,
                    Some((lo, hi)),
                    components,
                    0,
                );
                r.samples = Some(samples);
                Some(r)
            })
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.service.cmp(&b.service));
    Ok(out)
}

fn row(
    dag: &Dag,
    v: u32,
    a: f64,
    method: Method,
    ci95: Option<(f64, f64)>,
    components: u32,
    pivots: u32,
) -> ServiceAvailability {
    ServiceAvailability {
        service: dag.node(v).id.clone(),
        availability: a,
        downtime_min_per_year: (1.0 - a) * HOURS_PER_YEAR * 60.0,
        method,
        ci95,
        samples: None,
        components,
        pivots,
    }
}

/// For each of `services`: the components in its cone that can fail, and the nodes of its cone
/// with more than one parent inside it (what the exact method would pivot on) — 64 services a
/// pass over the graph, one bit each, instead of one walk of its cone per service (a chain of
/// storage VMs has every service's cone as long as the chain).
///
/// # Complexity
/// `O(s/64 · (n + e))` for `s` services.
fn cone_stats(dag: &Dag, u: &[f64], services: &[u32]) -> Vec<(u32, u32)> {
    let n = dag.len();
    let mut out = Vec::with_capacity(services.len());
    let (mut cone, mut once, mut twice) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
    for batch in services.chunks(64) {
        let top = batch[batch.len() - 1] as usize;
        cone[..=top].fill(0);
        once[..=top].fill(0);
        twice[..=top].fill(0);
        for (lane, &v) in batch.iter().enumerate() {
            cone[v as usize] |= 1u64 << lane;
        }
        let (mut components, mut shared) = (LaneCounters::new(), LaneCounters::new());
        // Dependents come after their requirements: walking down from the last service marks
        // each cone before its nodes are read.
        for x in (0..=top).rev() {
            let mask = cone[x];
            if mask == 0 {
                continue;
            }
            for &(r, req) in dag.requirements(x as u32) {
                if req {
                    let r = r as usize;
                    twice[r] |= once[r] & mask;
                    once[r] |= mask;
                    cone[r] |= mask;
                }
            }
            if u[x] > 0.0 {
                components.add(mask);
            }
            shared.add(twice[x] & mask);
        }
        out.extend((0..batch.len()).map(|lane| (components.get(lane), shared.get(lane))));
    }
    out
}

/// The exact method for every service of one analysis, with what they share worked out once.
///
/// Factoring a service's cone pivots on its shared components deepest first; fixing a
/// component never changes which of the later ones are shared (their parents sit above it), so
/// a service's pivots are one ascending list and its `2^s` leaves are tree evaluations of its
/// cone with all of them fixed. What makes that cheap at 10,000 hosts, where most services
/// share their rack's feeds, UPS units, PSUs and switches:
/// - `memo`: the probability of a node given the states of the fixed nodes its cone reaches
///   (all it depends on) — a pivot's probability is computed once for every service that
///   pivots on it under the same conditions, not once per service and branch;
/// - `plain`: the tree value of a node whose cone holds no shared or fixed node, the same in
///   every leaf of every service;
/// - a [`Plan`]: only the nodes above a pivot are evaluated again, and each when the deepest
///   pivot it depends on is fixed, not at every leaf.
///
/// The arithmetic is that of the plain recursion it replaces, operation for operation (the
/// tests compare the two bit for bit).
struct Exact<'a> {
    dag: &'a Dag,
    u: &'a [f64],
    /// Per node: 0 free, 1 fixed up, 2 fixed down.
    state: Vec<u8>,
    /// Tree value of a node with no shared or fixed node in its cone; NaN until computed.
    plain: Vec<f64>,
    /// (node, the fixed nodes its cone reaches with their states as `index << 1 | down`) →
    /// probability that the node is up.
    memo: HashMap<(u32, Vec<u32>), f64>,
    /// Visit marks of the cone walk (`epoch` when visited in the current walk).
    seen: Vec<u32>,
    /// Parents within the cone (valid where `seen` is the current epoch).
    parents: Vec<u32>,
    epoch: u32,
    /// Scratch of [`at_least_in`].
    dist: Vec<f64>,
    /// Scratch: the values of a node's children.
    children: Vec<f64>,
}

/// The required edges of `x` (the ones its gate counts).
fn required(dag: &Dag, x: u32) -> impl Iterator<Item = u32> + '_ {
    dag.requirements(x).iter().filter(|r| r.1).map(|r| r.0)
}

const FREE: u8 = 0;
const UP: u8 = 1;
const DOWN: u8 = 2;

/// Where the value of a child comes from while a node's pivots are enumerated.
#[derive(Clone, Copy)]
enum Source {
    /// The same in every leaf: a plain tree value, or a node fixed before this enumeration.
    Constant(f64),
    /// A pivot: 1 or 0 as it is fixed.
    Pivot(u32),
    /// A node evaluated in the enumeration: its index in [`Plan::nodes`].
    Node(usize),
}

/// How one node's pivots are enumerated: the nodes of its cone above a pivot, each with where
/// its children's values come from, grouped by the deepest pivot it depends on.
struct Plan {
    pivots: Vec<u32>,
    /// The nodes to evaluate, ascending (children first), pivots left out.
    nodes: Vec<u32>,
    /// Per node of `nodes`: its required children's sources, in requirement order.
    sources: Vec<Vec<Source>>,
    /// `groups[0]`: the nodes that depend on no pivot (only on nodes fixed before);
    /// `groups[i + 1]`: the nodes whose deepest pivot is `pivots[i]`, ascending.
    groups: Vec<Vec<usize>>,
    /// Current value of each node of `nodes`.
    values: Vec<f64>,
}

impl<'a> Exact<'a> {
    fn new(dag: &'a Dag, u: &'a [f64]) -> Self {
        let n = dag.len();
        Self {
            dag,
            u,
            state: vec![FREE; n],
            plain: vec![f64::NAN; n],
            memo: HashMap::new(),
            seen: vec![0; n],
            parents: vec![0; n],
            epoch: 0,
            dist: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Probability that `v` is up given the nodes fixed in `state`.
    fn exact(&mut self, v: u32) -> f64 {
        match self.state[v as usize] {
            UP => return 1.0,
            DOWN => return 0.0,
            _ => {}
        }
        // The cone above the fixed nodes and the fixed nodes it reaches.
        self.epoch += 1;
        let epoch = self.epoch;
        let (mut cone, mut reached) = (Vec::new(), Vec::new());
        let mut stack = vec![v];
        self.seen[v as usize] = epoch;
        self.parents[v as usize] = 0;
        while let Some(x) = stack.pop() {
            if self.state[x as usize] != FREE {
                reached.push(x << 1 | u32::from(self.state[x as usize] == DOWN));
                continue;
            }
            cone.push(x);
            for r in required(self.dag, x) {
                let ri = r as usize;
                if self.seen[ri] == epoch {
                    self.parents[ri] += 1;
                } else {
                    self.seen[ri] = epoch;
                    self.parents[ri] = 1;
                    stack.push(r);
                }
            }
        }
        reached.sort_unstable();
        let key = (v, reached);
        if let Some(&p) = self.memo.get(&key) {
            return p;
        }
        cone.sort_unstable();
        let mut plan = self.plan(v, &cone);
        let p = self.factor(&mut plan, 0);
        self.memo.insert(key, p);
        p
    }

    /// The [`Plan`] of `v` whose cone above the fixed nodes is `cone` (ascending, with
    /// `parents` counted by the walk that found it).
    fn plan(&mut self, v: u32, cone: &[u32]) -> Plan {
        // The nodes with more than one parent in the cone: the pivots, deepest first.
        let pivots: Vec<u32> = cone
            .iter()
            .copied()
            .filter(|&x| self.parents[x as usize] > 1)
            .collect();
        let mut plan = Plan {
            groups: vec![Vec::new(); pivots.len() + 1],
            pivots,
            nodes: Vec::new(),
            sources: Vec::new(),
            values: Vec::new(),
        };
        // Per node of `plan.nodes`: 0 when it depends on no pivot, else 1 + its deepest
        // pivot's position. Children come first in `cone`, so one pass finds them.
        let mut depth: Vec<usize> = Vec::new();
        for &x in cone {
            if plan.pivots.binary_search(&x).is_ok() {
                continue;
            }
            let (mut hit, mut deepest) = (false, 0);
            let mut sources = Vec::new();
            for c in required(self.dag, x) {
                let source = match self.state[c as usize] {
                    UP => {
                        hit = true;
                        Source::Constant(1.0)
                    }
                    DOWN => {
                        hit = true;
                        Source::Constant(0.0)
                    }
                    _ => {
                        if let Ok(i) = plan.pivots.binary_search(&c) {
                            hit = true;
                            deepest = deepest.max(i + 1);
                            Source::Pivot(c)
                        } else if let Ok(i) = plan.nodes.binary_search(&c) {
                            hit = true;
                            deepest = deepest.max(depth[i]);
                            Source::Node(i)
                        } else {
                            Source::Constant(f64::NAN) // plain: filled in below if needed
                        }
                    }
                };
                sources.push(source);
            }
            if hit {
                for (source, c) in sources.iter_mut().zip(required(self.dag, x)) {
                    if let Source::Constant(value) = source {
                        if value.is_nan() {
                            *value = self.plain_value(c);
                        }
                    }
                }
                plan.groups[deepest].push(plan.nodes.len());
                plan.nodes.push(x);
                plan.sources.push(sources);
                depth.push(deepest);
            }
        }
        plan.values = vec![f64::NAN; plan.nodes.len()];
        if plan.nodes.last() != Some(&v) {
            // Nothing fixed or shared below `v`: its cone is a tree.
            plan.values.push(self.plain_value(v));
        }
        self.evaluate(&mut plan, 0);
        plan
    }

    /// Evaluate the plan's nodes of group `g` with the pivots fixed as they are now.
    fn evaluate(&mut self, plan: &mut Plan, g: usize) {
        for &i in &plan.groups[g] {
            self.children.clear();
            for &source in &plan.sources[i] {
                let value = match source {
                    Source::Constant(value) => value,
                    Source::Pivot(c) => {
                        if self.state[c as usize] == UP {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    Source::Node(j) => plan.values[j],
                };
                self.children.push(value);
            }
            plan.values[i] = self.gate(plan.nodes[i]);
        }
    }

    /// Pivot on `plan.pivots[i]`, then the rest: `P(x)·P(v | x up) + (1 − P(x))·P(v | x down)`;
    /// past the last pivot, the value of the node planned for (the plan's last).
    fn factor(&mut self, plan: &mut Plan, i: usize) -> f64 {
        let Some(&x) = plan.pivots.get(i) else {
            return plan.values.last().copied().unwrap_or(0.0);
        };
        let px = self.exact(x);
        self.state[x as usize] = UP;
        self.evaluate(plan, i + 1);
        let up = self.factor(plan, i + 1);
        self.state[x as usize] = DOWN;
        self.evaluate(plan, i + 1);
        let down = self.factor(plan, i + 1);
        self.state[x as usize] = FREE;
        px * up + (1.0 - px) * down
    }

    /// `own up · P(enough required children up)` of `x`, its children's values in `children`.
    fn gate(&mut self, x: u32) -> f64 {
        let own = 1.0 - self.u[x as usize];
        let n = self.children.len();
        let k = match self.dag.node(x).gate {
            Gate::All => n,
            Gate::AtLeast(k) => (k as usize).min(n),
        };
        own * at_least_in(&self.children, k, &mut self.dist)
    }

    /// Tree value of a node whose cone is a tree (no node of it has two parents in it),
    /// computed bottom up without recursion (a chain's cone is as deep as the chain).
    fn plain_value(&mut self, x: u32) -> f64 {
        if !self.plain[x as usize].is_nan() {
            return self.plain[x as usize];
        }
        let mut stack = vec![(x, false)];
        while let Some((y, expanded)) = stack.pop() {
            if !self.plain[y as usize].is_nan() {
                continue;
            }
            if expanded {
                self.children.clear();
                let plain = &self.plain;
                self.children
                    .extend(required(self.dag, y).map(|c| plain[c as usize]));
                self.plain[y as usize] = self.gate(y);
            } else {
                stack.push((y, true));
                stack.extend(
                    required(self.dag, y)
                        .filter(|&c| self.plain[c as usize].is_nan())
                        .map(|c| (c, false)),
                );
            }
        }
        self.plain[x as usize]
    }
}

/// P(at least k of independent events with probabilities `p` happen): Poisson-binomial DP.
#[cfg(test)]
fn at_least(p: &[f64], k: usize) -> f64 {
    at_least_in(p, k, &mut Vec::new())
}

/// [`at_least`] in the scratch `dist`.
fn at_least_in(p: &[f64], k: usize, dist: &mut Vec<f64>) -> f64 {
    if k == 0 {
        return 1.0;
    }
    // dist[j] = P(exactly j up so far)
    dist.clear();
    dist.resize(p.len() + 1, 0.0);
    dist[0] = 1.0;
    for (i, &q) in p.iter().enumerate() {
        for j in (0..=i + 1).rev() {
            let stay = dist[j] * (1.0 - q);
            let from = if j > 0 { dist[j - 1] * q } else { 0.0 };
            dist[j] = stay + from;
        }
    }
    dist[k..].iter().sum()
}

/// Sampling work (nodes and edges of the sampled cones, times 64-sample words) past which
/// the Monte Carlo pass draws fewer samples than asked: about a second. A fleet's sampled cones stay
/// far below at the default 200,000 samples; a chain of 10,000 storage VMs would need 150 times
/// as much.
pub const MAX_SAMPLE_WORK: u64 = 400_000_000;

/// Fewest samples drawn whatever the budget.
const MIN_SAMPLES: u32 = 4_096;

/// Monte Carlo estimates with 95 % Wilson intervals, (estimate, low, high, samples) for each of
/// `targets`, from one set of samples shared by all of them: every component of their cones
/// fails in each sample with its probability, and one pass in topological order tells every
/// target's state. 64 samples go side by side in the bits of a word, and a component's
/// failures are drawn as gaps between them (geometric), so rare failures cost next to nothing.
///
/// # Complexity
/// `O(samples/64 · (n + e))` over the union of the targets' cones, bounded by
/// [`MAX_SAMPLE_WORK`].
#[allow(clippy::cast_sign_loss)] // a geometric gap: the ratio of two negative logarithms
fn monte_carlo(dag: &Dag, u: &[f64], targets: &[u32], opts: &Options) -> Vec<(f64, f64, f64, u32)> {
    let Some(&top) = targets.iter().max() else {
        return Vec::new();
    };
    let top = top as usize;
    // The union of the targets' cones, in topological order.
    let mut member = vec![false; top + 1];
    for &v in targets {
        member[v as usize] = true;
    }
    for x in (0..=top).rev() {
        if member[x] {
            for &(r, req) in dag.requirements(x as u32) {
                if req {
                    member[r as usize] = true;
                }
            }
        }
    }
    let nodes: Vec<u32> = (0..=top as u32).filter(|&x| member[x as usize]).collect();
    let work_per_word: u64 = nodes
        .iter()
        .map(|&x| 1 + dag.requirements(x).len() as u64)
        .sum();
    let affordable = (MAX_SAMPLE_WORK / work_per_word.max(1)).saturating_mul(64);
    let samples = u64::from(opts.samples.max(1))
        .min(affordable.max(u64::from(MIN_SAMPLES)))
        .min(u64::from(u32::MAX));
    let mut rng = Rng::new(opts.seed);
    // Per node: the index of its next failing sample (u64::MAX: never fails).
    let gap = |rng: &mut Rng, p: f64| -> u64 {
        if p <= 0.0 {
            u64::MAX
        } else if p >= 1.0 {
            0
        } else {
            // Samples that hold before the next failure: geometric with success p.
            let draw = 1.0 - rng.next_f64(); // in (0, 1]
            let g = (draw.ln() / (1.0 - p).ln()).floor();
            if g >= 1.0e18 {
                u64::MAX
            } else {
                // Both logarithms are ≤ 0 and the divisor < 0: g ≥ 0.
                g as u64
            }
        }
    };
    let mut next_fail: Vec<u64> = vec![u64::MAX; dag.len()];
    for &x in &nodes {
        next_fail[x as usize] = gap(&mut rng, u[x as usize]);
    }
    let tolerance: Vec<u32> = nodes
        .iter()
        .map(|&x| {
            let (required, need) = dag.need(x);
            required - need
        })
        .collect();
    let mut down = vec![0u64; dag.len()];
    let mut up_count = vec![0u64; targets.len()];
    let mut at_least: Vec<u64> = Vec::new();
    let words = samples.div_ceil(64);
    for w in 0..words {
        let first = w * 64;
        let lanes_used = (samples - first).min(64);
        let live = if lanes_used == 64 {
            u64::MAX
        } else {
            (1u64 << lanes_used) - 1
        };
        for (i, &x) in nodes.iter().enumerate() {
            let xi = x as usize;
            let mut failed = 0u64;
            while next_fail[xi] < first + 64 {
                failed |= 1u64 << (next_fail[xi] - first);
                let g = gap(&mut rng, u[xi]);
                next_fail[xi] = next_fail[xi].saturating_add(1).saturating_add(g);
            }
            let reqs = dag.requirements(x).iter().filter(|r| r.1);
            let t = tolerance[i] as usize;
            let gate = if t == 0 {
                reqs.fold(0, |m, &(r, _)| m | down[r as usize])
            } else {
                at_least.clear();
                at_least.resize(t + 2, 0);
                at_least[0] = u64::MAX;
                for &(r, _) in reqs {
                    let d = down[r as usize];
                    if d != 0 {
                        for j in (1..=t + 1).rev() {
                            at_least[j] |= at_least[j - 1] & d;
                        }
                    }
                }
                at_least[t + 1]
            };
            down[xi] = (failed | gate) & live;
        }
        for (count, &v) in up_count.iter_mut().zip(targets) {
            *count += lanes_used - u64::from(down[v as usize].count_ones());
        }
    }
    let total = samples as f64;
    let z95 = 1.96_f64;
    up_count
        .into_iter()
        .map(|up| {
            let share = up as f64 / total;
            let denom = 1.0 + z95 * z95 / total;
            let centre = (share + z95 * z95 / (2.0 * total)) / denom;
            let half = z95
                * (share * (1.0 - share) / total + z95 * z95 / (4.0 * total * total)).sqrt()
                / denom;
            (
                share,
                (centre - half).max(0.0),
                (centre + half).min(1.0),
                samples as u32,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::generate::{generate, FleetSpec, Shape};
    use std::collections::BTreeSet;

    // The exact method as it was before [`Exact`]: re-walking the cone and its shared nodes
    // at every pivot. [`Exact`] must give the same figures, bit for bit.
    /// Nodes of `cone` with more than one parent inside it (ignoring `fixed` nodes' children).
    fn shared_nodes(dag: &Dag, cone: &[u32], fixed: &BTreeSet<u32>) -> Vec<u32> {
        let mut parents: BTreeMap<u32, u32> = BTreeMap::new();
        let members: BTreeSet<u32> = cone.iter().copied().collect();
        for &x in cone {
            if fixed.contains(&x) {
                continue;
            }
            for &(r, req) in dag.requirements(x) {
                if req && members.contains(&r) {
                    *parents.entry(r).or_default() += 1;
                }
            }
        }
        parents
            .into_iter()
            .filter(|(n, c)| *c > 1 && !fixed.contains(n))
            .map(|(n, _)| n)
            .collect()
    }

    /// Exact probability that `v` is not down, given nodes whose up/down state is fixed.
    fn reference_exact(dag: &Dag, u: &[f64], v: u32, fixed: &BTreeMap<u32, bool>) -> f64 {
        if let Some(&up) = fixed.get(&v) {
            return if up { 1.0 } else { 0.0 };
        }
        let fixed_set: BTreeSet<u32> = fixed.keys().copied().collect();
        let cone = cone_of_unfixed(dag, v, &fixed_set);
        // Pivot on the deepest shared node (smallest topological index).
        if let Some(&x) = shared_nodes(dag, &cone, &fixed_set).first() {
            let px = reference_exact(dag, u, x, fixed);
            let mut with = fixed.clone();
            with.insert(x, true);
            let up = reference_exact(dag, u, v, &with);
            with.insert(x, false);
            let down = reference_exact(dag, u, v, &with);
            return px * up + (1.0 - px) * down;
        }
        tree(dag, u, v, fixed)
    }

    fn cone_of_unfixed(dag: &Dag, v: u32, fixed: &BTreeSet<u32>) -> Vec<u32> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            if seen.insert(x) && !fixed.contains(&x) {
                stack.extend(dag.requirements(x).iter().filter(|r| r.1).map(|r| r.0));
            }
        }
        seen.into_iter().collect()
    }

    /// Probability `v` is up when its cone (above fixed nodes) is a tree.
    fn tree(dag: &Dag, u: &[f64], v: u32, fixed: &BTreeMap<u32, bool>) -> f64 {
        if let Some(&up) = fixed.get(&v) {
            return if up { 1.0 } else { 0.0 };
        }
        let own = 1.0 - u[v as usize];
        let children: Vec<f64> = dag
            .requirements(v)
            .iter()
            .filter(|r| r.1)
            .map(|r| tree(dag, u, r.0, fixed))
            .collect();
        let n = children.len();
        let k = match dag.node(v).gate {
            Gate::All => n,
            Gate::AtLeast(k) => (k as usize).min(n),
        };
        own * at_least(&children, k)
    }

    /// Every service the exact method handles gets the same figure, bit for bit, from the
    /// memoised method as from the plain recursion, on fleets with racks (shared UPS units,
    /// PSUs, switch pairs), a fan-in and a short chain, and on the examples.
    #[test]
    fn the_memoised_method_equals_the_plain_recursion_bit_for_bit() {
        let mut topologies: Vec<(String, Topology)> = Vec::new();
        // (shape, hosts, VMs per host, storage every, hosts per feed, cluster hosts)
        for (shape, hosts, vms, storage_every, per_feed, cluster) in [
            (Shape::Fleet, 12, 4, 5, 20, 3),
            (Shape::Fleet, 16, 3, 2, 3, 4),
            (Shape::Fleet, 9, 2, 3, 2, 0),
            (Shape::FanIn, 6, 3, 5, 20, 3),
            (Shape::Chain, 5, 1, 1, 20, 3),
        ] {
            for seed in 0..3 {
                let spec = FleetSpec {
                    hosts,
                    vms_per_host: vms,
                    storage_every,
                    hosts_per_feed: per_feed,
                    cluster_hosts: cluster,
                    seed,
                    shape,
                };
                topologies.push((format!("{shape:?} {hosts} seed {seed}"), generate(&spec)));
            }
        }
        for t in [
            crate::examples::seed(),
            crate::examples::cluster(),
            crate::examples::roadmap(),
        ] {
            let t = t.unwrap();
            topologies.push((t.site.name.clone(), t));
        }
        let mut compared = 0;
        let mut pivoted = 0;
        for (name, t) in &topologies {
            let dag = dag_of(t).unwrap();
            let u = unavailability(t, &dag);
            let services: Vec<u32> = (0..dag.len() as u32)
                .filter(|&v| dag.node(v).kind.is_service())
                .collect();
            let stats = cone_stats(&dag, &u, &services);
            let mut exact = Exact::new(&dag, &u);
            for (&v, &(_, shared)) in services.iter().zip(&stats) {
                if shared > 10 {
                    continue; // the plain recursion takes too long past that
                }
                let old = reference_exact(&dag, &u, v, &BTreeMap::new());
                let new = exact.exact(v);
                assert_eq!(
                    old.to_bits(),
                    new.to_bits(),
                    "{name}: {} plain {old} memoised {new}",
                    dag.node(v).id
                );
                compared += 1;
                pivoted += usize::from(shared > 0);
            }
        }
        // The comparison covered services with pivots, not only trees.
        assert!(
            compared > 100 && pivoted > 100,
            "{compared} compared, {pivoted} pivoted"
        );
    }

    #[test]
    fn poisson_binomial_matches_hand_counts() {
        assert!((at_least(&[0.5, 0.5], 1) - 0.75).abs() < 1e-12);
        assert!((at_least(&[0.5, 0.5], 2) - 0.25).abs() < 1e-12);
        assert!((at_least(&[0.9, 0.9, 0.9], 2) - 0.972).abs() < 1e-12);
        assert!((at_least(&[], 0) - 1.0).abs() < 1e-12);
    }
}
