//! Failure scenarios: which components are up, degraded or down when some fail, and why.

use super::{dag_of, resolve_ids, SimError};
use crate::graph::{Dag, NodeKind, State};
use crate::model::Topology;
use serde::Serialize;
use std::collections::BTreeMap;

/// One link of a cause chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// Component id (synthetic ids such as `talos#volumes` included).
    pub id: String,
    /// Its state.
    pub state: State,
    /// Why, in words: `failed`, `2 of 6 members down`, `needs iscsi-k8s`.
    pub reason: String,
}

/// State of one component that is not fully up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Affected {
    /// Component id.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Degraded or down.
    pub state: State,
    /// From this component down to a failed one: `[talos#volumes, iscsi-k8s, truenas, hba0]`.
    /// A chain longer than [`CHAIN_HEAD`] + 1 links keeps its first [`CHAIN_HEAD`] links and
    /// its root, and counts the links between in `skipped`.
    pub chain: Vec<Cause>,
    /// Links left out between the chain's head and its root (0: the chain is whole).
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: u32,
}

/// Links of a cause chain kept in full. A person reads the first few links and the root; a
/// chain of 10,000 storage VMs, each booting from the previous one's storage, copied whole
/// into each of its components' reports made the report quadratic (355 MB at 2,000).
pub const CHAIN_HEAD: usize = 8;

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Affected {
    /// `talos#volumes down ← iscsi-k8s down ← truenas down ← hba0 failed`; a shortened chain
    /// says how many links it skips (`… 2,990 more ←`).
    pub fn chain_text(&self) -> String {
        let mut words: Vec<String> = self
            .chain
            .iter()
            .map(|c| {
                if c.reason == "failed" {
                    format!("{} failed", c.id)
                } else if c.reason.starts_with("no quorum") {
                    format!("{} down (no quorum)", c.id)
                } else {
                    format!("{} {}", c.id, state_word(c.state))
                }
            })
            .collect();
        if self.skipped > 0 && words.len() > 1 {
            let at = words.len() - 1;
            words.insert(at, format!("… {} more", self.skipped));
        }
        words.join(" ← ")
    }

    /// The failed component at the end of the chain.
    pub fn root(&self) -> Option<&Cause> {
        self.chain.last()
    }
}

/// Lower-case word for a state.
pub fn state_word(s: State) -> &'static str {
    match s {
        State::Up => "up",
        State::Degraded => "degraded",
        State::Down => "down",
    }
}

/// The outcome of a failure scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureReport {
    /// The components failed on purpose.
    pub failed: Vec<String>,
    /// The state of every component (synthetic nodes included), by id.
    pub states: BTreeMap<String, State>,
    /// Every component not fully up, in topological order (causes before effects).
    pub affected: Vec<Affected>,
    /// Counts by state over all components.
    pub up: u32,
    /// Degraded count.
    pub degraded: u32,
    /// Down count.
    pub down: u32,
    /// Hosts that are only rebooting, and when everything is back (from the boot timeline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transient: Vec<Transient>,
    /// UPS units left on battery: their load, runtime, and what goes down when each is empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub power: Vec<super::power::UpsRuntime>,
    /// What the HA manager does with the HA guests of the failed cluster nodes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ha: Vec<super::ha::HaOutcome>,
}

/// A host that is down only while it reboots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transient {
    /// The host.
    pub host: String,
    /// When everything it runs (and everything waiting on it) is ready again, ms from the
    /// start of the reboot; `None` if something never comes back.
    pub back_after_ms: Option<u64>,
    /// When each service and guest the reboot takes out goes out and is back (services first).
    pub outages: Vec<super::boot::Outage>,
}

impl FailureReport {
    /// The cause chain of every affected component, one line each, gathered by the entity it is
    /// drawn as (`tank#data-0` under `tank`): what a drawing shows when one hovers an entity.
    pub fn chains_by_entity(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::<String, String>::new();
        for a in &self.affected {
            let line = out
                .entry(crate::graph::display_owner(&a.id).to_owned())
                .or_default();
            if !line.is_empty() {
                line.push('\n');
            }
            line.push_str(&a.chain_text());
        }
        out
    }

    /// The state of every drawn entity that is not up (see [`crate::graph::states_by_entity`]).
    pub fn states_by_entity(&self) -> BTreeMap<String, crate::graph::State> {
        crate::graph::states_by_entity(&self.states)
    }

    /// The report of a scenario where nothing fails: no states recorded, everything up.
    pub fn nothing_failed() -> Self {
        Self {
            failed: Vec::new(),
            states: BTreeMap::new(),
            affected: Vec::new(),
            up: 0,
            degraded: 0,
            down: 0,
            transient: Vec::new(),
            power: Vec::new(),
            ha: Vec::new(),
        }
    }

    /// State of a component by id (`Up` when not affected).
    pub fn state_of(&self, id: &str) -> State {
        self.states.get(id).copied().unwrap_or(State::Up)
    }
}

/// Simulate the failure of `failed` (component ids).
///
/// # Errors
/// [`SimError::UnknownId`] for an id not in the topology, [`SimError::Cycle`] when the
/// topology has a requirement cycle.
///
/// # Complexity
/// `O(n + e)` plus `O(d)` per cause chain of depth `d`.
///
/// # Example
/// ```
/// let t = hostplan::examples::seed().unwrap();
/// let r = hostplan::sim::failure::simulate(&t, &["hba0".to_owned()]).unwrap();
/// let vols = r.affected.iter().find(|a| a.id == "talos#volumes").unwrap();
/// assert_eq!(vols.chain_text(), "talos#volumes down ← iscsi-k8s down ← truenas down ← hba0 failed");
/// ```
pub fn simulate(t: &Topology, failed: &[String]) -> Result<FailureReport, SimError> {
    simulate_with_reboots(t, failed, &[])
}

/// The id that stands for every power feed at once when no component has it: a utility
/// outage (`simulate --fail mains`).
pub const MAINS: &str = "mains";

/// `failed` with [`MAINS`] replaced by every power feed, unless a component is named so.
fn expand_mains(t: &Topology, failed: &[String]) -> Vec<String> {
    if !failed.iter().any(|f| f == MAINS) || crate::resolve::Lookup::new(t).get(MAINS).is_some() {
        return failed.to_vec();
    }
    let mut out = Vec::with_capacity(failed.len());
    for f in failed {
        if f == MAINS && !t.power_feeds.is_empty() {
            out.extend(t.power_feeds.iter().map(|p| p.id.clone()));
        } else {
            out.push(f.clone());
        }
    }
    out
}

/// The time and cluster consequences of a scenario: UPS runtimes on battery, HA recovery.
fn consequences(
    t: &Topology,
    dag: &Dag,
    idx: &[u32],
    rebooting: &[String],
    out: &mut FailureReport,
) {
    if !t.ups.is_empty() {
        let mut mask = vec![false; dag.len()];
        for &i in idx {
            mask[i as usize] = true;
        }
        let states = dag.evaluate(&mask);
        out.power = super::power::on_battery(t, dag, &mask, &states);
    }
    out.ha = super::ha::recovery(t, &out.states, rebooting);
}

/// Like [`simulate`], with `rebooting` hosts down too — transiently: the report says when each
/// is back, from the boot timeline of its reboot (rule book section B).
///
/// # Errors
/// As [`simulate`], and [`SimError::Unsuitable`] when a rebooting id is not a host.
pub fn simulate_with_reboots(
    t: &Topology,
    failed: &[String],
    rebooting: &[String],
) -> Result<FailureReport, SimError> {
    let dag = dag_of(t)?;
    let mut all: Vec<String> = expand_mains(t, failed);
    all.extend(rebooting.iter().cloned());
    let idx = resolve_ids(&dag, &all)?;
    let mut out = report(&dag, &idx);
    consequences(t, &dag, &idx, rebooting, &mut out);
    for h in rebooting {
        if !t.hosts.iter().any(|x| &x.id == h) {
            return Err(SimError::Unsuitable {
                id: h.clone(),
                why: "is not a host; only hosts reboot".into(),
            });
        }
        let timeline = super::boot::try_simulate(
            t,
            &super::boot::Scenario::Reboot(h.clone()),
            &super::boot::Timing::default(),
        )?;
        out.transient.push(Transient {
            host: h.clone(),
            back_after_ms: timeline.all_ready_ms,
            outages: super::boot::outages(t, h, &timeline),
        });
    }
    Ok(out)
}

/// [`simulate`] on an already built graph.
pub fn report(dag: &Dag, failed: &[u32]) -> FailureReport {
    let mut mask = vec![false; dag.len()];
    for &f in failed {
        if let Some(m) = mask.get_mut(f as usize) {
            *m = true;
        }
    }
    let states = dag.evaluate(&mask);
    let links = Links::of(dag, &states, &mask);
    let mut out = FailureReport {
        failed: failed.iter().map(|&i| dag.node(i).id.clone()).collect(),
        ..FailureReport::nothing_failed()
    };
    for (i, s) in states.iter().enumerate() {
        out.states.insert(dag.node(i as u32).id.clone(), *s);
        match s {
            State::Up => out.up += 1,
            State::Degraded => out.degraded += 1,
            State::Down => out.down += 1,
        }
        if *s != State::Up {
            let i = i as u32;
            let (chain, skipped) = links.chain(i);
            out.affected.push(Affected {
                id: dag.node(i).id.clone(),
                kind: dag.node(i).kind,
                state: *s,
                chain,
                skipped,
            });
        }
    }
    out
}

/// Every affected component's own link (its state, why, and the requirement it follows),
/// with the depth and root of its chain — computed once in topological order, so a chain is
/// assembled from links instead of walking the graph again per component.
struct Links {
    link: Vec<Option<Cause>>,
    next: Vec<Option<u32>>,
    /// Links from this component to its root, itself and the root included.
    depth: Vec<u32>,
    root: Vec<u32>,
}

impl Links {
    fn of(dag: &Dag, states: &[State], failed: &[bool]) -> Self {
        let n = dag.len();
        let mut links = Self {
            link: vec![None; n],
            next: vec![None; n],
            depth: vec![1; n],
            root: (0..n as u32).collect(),
        };
        // Requirements have lower indices than their dependents, so a component's next link
        // is complete when it is reached.
        for i in 0..n as u32 {
            let iu = i as usize;
            if states[iu] == State::Up {
                continue;
            }
            let (cause, next) = link(dag, states, failed, i);
            links.link[iu] = Some(cause);
            if let Some(r) = next.filter(|&r| r < i) {
                links.next[iu] = Some(r);
                links.depth[iu] = links.depth[r as usize].saturating_add(1);
                links.root[iu] = links.root[r as usize];
            }
        }
        links
    }

    /// The chain from `start`: its first [`CHAIN_HEAD`] links, then its root, and how many
    /// links lie between.
    fn chain(&self, start: u32) -> (Vec<Cause>, u32) {
        let depth = self.depth[start as usize] as usize;
        let whole = depth <= CHAIN_HEAD + 1;
        let mut out = Vec::with_capacity(depth.min(CHAIN_HEAD + 1));
        let mut cur = Some(start);
        while let Some(i) = cur {
            if !whole && out.len() == CHAIN_HEAD {
                break;
            }
            out.extend(self.link[i as usize].clone());
            cur = self.next[i as usize];
        }
        if whole {
            return (out, 0);
        }
        let root = self.root[start as usize];
        out.extend(self.link[root as usize].clone());
        let skipped = depth - CHAIN_HEAD - 1;
        (out, u32::try_from(skipped).unwrap_or(u32::MAX))
    }
}

/// One component's link of a cause chain and the requirement the chain follows from it: the
/// worst one, down before degraded, the closest to a failure among equals.
fn link(dag: &Dag, states: &[State], failed: &[bool], cur: u32) -> (Cause, Option<u32>) {
    let state = states[cur as usize];
    if failed[cur as usize] {
        let cause = Cause {
            id: dag.node(cur).id.clone(),
            state,
            reason: "failed".into(),
        };
        return (cause, None);
    }
    let reqs = dag.requirements(cur);
    let bad = || {
        reqs.iter()
            .filter(|(r, _)| states[*r as usize] != State::Up)
            .map(|(r, _)| *r)
    };
    // Prefer a down requirement; among equals the one closest to a failure (lowest index).
    let next = bad()
        .filter(|r| states[*r as usize] == State::Down)
        .min()
        .or_else(|| bad().min());
    let (required, need) = dag.need(cur);
    let reason = match (dag.node(cur).kind, next) {
        (_, None) => "no failed requirement".to_owned(),
        (NodeKind::Quorum, Some(_)) => {
            let down = reqs
                .iter()
                .filter(|(r, q)| *q && states[*r as usize] == State::Down)
                .count();
            if state == State::Down {
                format!("no quorum: {down} of {required} votes lost, needs {need}")
            } else {
                format!("quorate: {down} of {required} votes lost, needs {need}")
            }
        }
        (
            NodeKind::Vdev
            | NodeKind::ControlPlane
            | NodeKind::Link
            | NodeKind::Power
            | NodeKind::Bond
            | NodeKind::Corosync
            | NodeKind::Switch,
            Some(_),
        ) => {
            let down = reqs
                .iter()
                .filter(|(r, q)| *q && states[*r as usize] == State::Down)
                .count();
            format!("{down} of {required} down, needs {need}")
        }
        (NodeKind::Ups, Some(r)) => format!("on battery: {} lost", dag.node(r).id),
        (_, Some(r)) => format!("needs {}", dag.node(r).id),
    };
    let cause = Cause {
        id: dag.node(cur).id.clone(),
        state,
        reason,
    };
    (cause, next)
}

/// Group affected components by their root failure, for summaries.
pub fn by_root(report: &FailureReport) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &report.affected {
        if let Some(root) = a.root() {
            if root.id != a.id {
                out.entry(root.id.clone()).or_default().push(a.id.clone());
            }
        }
    }
    out
}
