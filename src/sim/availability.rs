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

use super::{dag_of, Rng, SimError};
use crate::graph::{Dag, Gate, NodeKind};
use crate::model::{Media, Topology};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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
    let host_rates: BTreeMap<&str, (Option<f64>, Option<f64>)> = t
        .hosts
        .iter()
        .map(|h| (h.id.as_str(), (h.mtbf_hours, h.mttr_hours)))
        .collect();
    let dev_rates: BTreeMap<&str, (Option<f64>, Option<f64>)> = t
        .devices
        .iter()
        .map(|d| (d.id.as_str(), (d.mtbf_hours, d.mttr_hours)))
        .collect();
    let disk_rates: BTreeMap<&str, (Option<f64>, Option<f64>, Media)> = t
        .disks
        .iter()
        .map(|d| (d.id.as_str(), (d.mtbf_hours, d.mttr_hours, d.media)))
        .collect();
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
    let mut out = Vec::new();
    let services: Vec<u32> = (0..dag.len() as u32)
        .filter(|&v| dag.node(v).kind.is_service())
        .collect();
    for (n, &v) in services.iter().enumerate() {
        progress(n as f64 / services.len().max(1) as f64);
        let cone = cone_of(&dag, v);
        let components = cone.iter().filter(|&&c| u[c as usize] > 0.0).count() as u32;
        let shared = shared_nodes(&dag, &cone, &BTreeSet::new()).len() as u32;
        let (a, method, ci) = if opts.choice == Choice::Auto && shared <= MAX_PIVOTS {
            (exact(&dag, &u, v, &BTreeMap::new()), Method::Exact, None)
        } else {
            let (a, lo, hi) = monte_carlo(&dag, &u, v, &cone, opts);
            (a, Method::MonteCarlo, Some((lo, hi)))
        };
        out.push(ServiceAvailability {
            service: dag.node(v).id.clone(),
            availability: a,
            downtime_min_per_year: (1.0 - a) * HOURS_PER_YEAR * 60.0,
            method,
            ci95: ci,
            components,
            pivots: if method == Method::Exact { shared } else { 0 },
        });
    }
    out.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(out)
}

/// Everything `v` transitively requires over required edges, `v` included, in topological
/// order.
fn cone_of(dag: &Dag, v: u32) -> Vec<u32> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        if seen.insert(x) {
            stack.extend(dag.requirements(x).iter().filter(|r| r.1).map(|r| r.0));
        }
    }
    seen.into_iter().collect()
}

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
fn exact(dag: &Dag, u: &[f64], v: u32, fixed: &BTreeMap<u32, bool>) -> f64 {
    if let Some(&up) = fixed.get(&v) {
        return if up { 1.0 } else { 0.0 };
    }
    let fixed_set: BTreeSet<u32> = fixed.keys().copied().collect();
    let cone = cone_of_unfixed(dag, v, &fixed_set);
    // Pivot on the deepest shared node (smallest topological index).
    if let Some(&x) = shared_nodes(dag, &cone, &fixed_set).first() {
        let px = exact(dag, u, x, fixed);
        let mut with = fixed.clone();
        with.insert(x, true);
        let up = exact(dag, u, v, &with);
        with.insert(x, false);
        let down = exact(dag, u, v, &with);
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

/// P(at least k of independent events with probabilities `p` happen): Poisson-binomial DP.
fn at_least(p: &[f64], k: usize) -> f64 {
    if k == 0 {
        return 1.0;
    }
    // dist[j] = P(exactly j up so far)
    let mut dist = vec![0.0; p.len() + 1];
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

/// Monte Carlo estimate with a 95 % Wilson interval: (estimate, low, high).
fn monte_carlo(dag: &Dag, u: &[f64], v: u32, cone: &[u32], opts: &Options) -> (f64, f64, f64) {
    let mut rng = Rng::new(opts.seed ^ u64::from(v).wrapping_mul(0x9e37_79b9));
    let pos: BTreeMap<u32, usize> = cone.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let mut down = vec![false; cone.len()];
    let mut up_count: u64 = 0;
    let samples = opts.samples.max(1);
    for _ in 0..samples {
        for (i, &c) in cone.iter().enumerate() {
            let failed = u[c as usize] > 0.0 && rng.next_f64() < u[c as usize];
            down[i] = failed || {
                let (_, need) = dag.need(c);
                let holding = dag
                    .requirements(c)
                    .iter()
                    .filter(|r| r.1)
                    .filter(|r| pos.get(&r.0).is_none_or(|&j| !down[j]))
                    .count() as u32;
                holding < need
            };
        }
        if pos.get(&v).is_some_and(|&j| !down[j]) {
            up_count += 1;
        }
    }
    let total = f64::from(samples);
    let share = up_count as f64 / total;
    let z95 = 1.96_f64;
    let denom = 1.0 + z95 * z95 / total;
    let centre = (share + z95 * z95 / (2.0 * total)) / denom;
    let half =
        z95 * (share * (1.0 - share) / total + z95 * z95 / (4.0 * total * total)).sqrt() / denom;
    (share, (centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_binomial_matches_hand_counts() {
        assert!((at_least(&[0.5, 0.5], 1) - 0.75).abs() < 1e-12);
        assert!((at_least(&[0.5, 0.5], 2) - 0.25).abs() < 1e-12);
        assert!((at_least(&[0.9, 0.9, 0.9], 2) - 0.972).abs() < 1e-12);
        assert!((at_least(&[], 0) - 1.0).abs() < 1e-12);
    }
}
