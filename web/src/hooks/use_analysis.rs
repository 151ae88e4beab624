//! What the views show, derived from the state by the core and memoised per model revision:
//! the model, the dependency graph, the simulation, highlight sets, the N-1
//! analysis and the ids diagnostics flag.

use crate::analysis;
use crate::components::inspector::GraphHandle;
use crate::jobs::Request;
use crate::service::{use_answer, Answered, Pool, Shared};
use crate::state::State;
use hostplan::diag::Diagnostic;
use hostplan::model::section::owner_id;
use hostplan::model::Topology;
use hostplan::sim::failure::FailureReport;
use hostplan::sim::spof::SpofReport;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use yew::prelude::*;

/// The derived data of one render.
pub struct Analysis {
    /// The model.
    pub topology: Rc<Topology>,
    /// Validation diagnostics.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// The dependency graph.
    pub graph: Rc<GraphHandle>,
    /// The simulation of the failed and rebooting components.
    pub sim: Rc<Result<FailureReport, String>>,
    /// Simulated state per box id (only those not up).
    pub states: Rc<BTreeMap<String, hostplan::graph::State>>,
    /// Components failed in the simulation.
    pub failed: Rc<Vec<String>>,
    /// Cause chains per box id, one line per affected graph node.
    pub chains: Rc<BTreeMap<String, String>>,
    /// What the selection depends on and what depends on it.
    pub related: Rc<(BTreeSet<String>, BTreeSet<String>)>,
    /// The N-1 analysis, from the worker (asked for only while its panel is open).
    pub spof: Answered<SpofReport>,
    /// Ids a diagnostic points at (outlined in the graph).
    pub flagged: Rc<Vec<String>>,
}

/// The analyses of `state`. `spof_wanted`: the N-1 analysis is the costliest per edit, so it
/// runs only while its panel is open.
#[hook]
pub fn use_analysis(state: &UseReducerHandle<State>, spof_wanted: bool) -> Analysis {
    let rev = state.revision;
    // The memos capture the (cheap) state handle and copy out of it only when the revision
    // changes, not on every render (selection, tab switches, simulation choices).
    let topology: Rc<Topology> = (*use_memo(rev, {
        let s = state.clone();
        move |_| s.current.topology.clone()
    }))
    .clone();
    let diagnostics = use_memo(rev, {
        let s = state.clone();
        move |_| s.current.diagnostics.clone()
    });
    // Built again only when the model's structure may have changed (`State::structure`): a
    // form edit of a VM's memory keeps the graph of a thousand hosts as it was.
    // A file just opened had its graph built beforehand, in a task of its own
    // (`crate::prepared`).
    let graph: Rc<GraphHandle> = (*use_memo(state.structure, {
        let t = topology.clone();
        move |_| {
            crate::prepared::graph(&t).unwrap_or_else(|| {
                Rc::new(GraphHandle(hostplan::graph::DependencyGraph::build(&t)))
            })
        }
    }))
    .clone();
    let sim = use_memo((rev, state.failed.clone(), state.rebooting.clone()), {
        let t = topology.clone();
        move |(_, f, r)| analysis::simulate(&t, f, r)
    });
    let states = use_memo(sim.clone(), {
        let t = topology.clone();
        move |sim| match sim.as_ref() {
            Ok(r) => analysis::drawn_states(&t, r),
            Err(_) => BTreeMap::default(),
        }
    });
    let failed = use_memo(state.failed.clone(), Clone::clone);
    let chains = use_memo(sim.clone(), |sim| match sim.as_ref() {
        Ok(r) => r.chains_by_entity(),
        Err(_) => BTreeMap::default(),
    });
    let related = use_memo((state.structure, state.selected.clone()), {
        let g = graph.clone();
        move |(_, s)| s.as_ref().map(|s| g.0.related(s)).unwrap_or_default()
    });
    let spof = use_answer(
        Pool::Service,
        (Shared(state.current.clone()), spof_wanted),
        |(doc, wanted)| {
            wanted.then(|| Request::Spof {
                text: doc.text.clone(),
            })
        },
    );
    let flagged = use_memo(rev, {
        let (t, diagnostics) = (topology.clone(), diagnostics.clone());
        move |_| flagged_ids(&t, &diagnostics)
    });
    Analysis {
        topology,
        diagnostics,
        graph,
        sim,
        states,
        failed,
        chains,
        related,
        spof,
        flagged,
    }
}

/// Flag the id a diagnostic names and the entity it sits in (`vms[0].host` → that VM).
fn flagged_ids(t: &Topology, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut ids: Vec<String> = diagnostics.iter().filter_map(|d| d.id.clone()).collect();
    ids.extend(
        diagnostics
            .iter()
            .filter_map(|d| owner_id(t, &d.path).map(str::to_owned)),
    );
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_flags_the_id_it_names_and_the_entity_it_sits_in() {
        // `devices[0].host = "srv1"`: the device holding the bad reference is flagged.
        let text = include_str!("../../../tests/cases/validate/unknown-host.toml");
        let doc = crate::state::read("unknown-host.toml", text.as_bytes()).unwrap();
        let d = doc
            .diagnostics
            .iter()
            .find(|d| d.code == hostplan::diag::Code::UnknownReference)
            .unwrap();
        assert_eq!(owner_id(&doc.topology, &d.path), Some("hba0"));
        let flagged = flagged_ids(&doc.topology, &doc.diagnostics);
        assert!(flagged.iter().any(|id| id == "hba0"), "{flagged:?}");
    }

    #[test]
    fn chains_fold_synthetic_nodes_into_their_box() {
        let t = hostplan::examples::seed().unwrap();
        let r = analysis::simulate(&t, &["srv01".into()], &[]).unwrap();
        let chains = r.chains_by_entity();
        let talos = &chains["talos"];
        assert!(talos.lines().count() >= 2, "{talos}");
        assert!(
            talos.contains("talos#volumes down ← iscsi-k8s down"),
            "{talos}"
        );
        assert!(!chains.contains_key("talos#volumes"));
    }
}
