//! Simulation over the requires graph: failure scenarios with cause chains, single points of
//! failure and blast radius (N-1, N-2), the boot timeline, disaster-recovery what-ifs,
//! comparing two topologies, and availability. Deterministic: same input, same output,
//! natively and in wasm.

pub mod advice;
pub mod availability;
pub mod boot;
pub mod compare;
pub mod delta;
pub mod failure;
pub mod generate;
pub mod ha;
mod lanes;
pub mod power;
pub mod quorum;
pub mod recover;
mod rng;
pub mod spof;

pub use rng::Rng;

use crate::graph::{Cycle, Dag, DependencyGraph};
use crate::model::Topology;

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A component id names nothing in the topology.
    #[error("unknown component `{id}`{}", .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownId {
        /// The id given.
        id: String,
        /// The closest existing id.
        suggestion: Option<String>,
    },
    /// The id exists but cannot be used here (e.g. moving something that is not a device).
    #[error("`{id}` {why}")]
    Unsuitable {
        /// The id given.
        id: String,
        /// Why it cannot be used.
        why: String,
    },
    /// The topology has a requirement cycle, so nothing on it can ever start.
    #[error(transparent)]
    Cycle(#[from] Cycle),
    /// The analysis would outgrow its memory budget on this topology.
    #[error("{analysis} is too large for this topology: {why}")]
    TooLarge {
        /// Which analysis.
        analysis: &'static str,
        /// What outgrows the budget.
        why: String,
    },
}

/// Build the acyclic graph of a topology.
pub(crate) fn dag_of(t: &Topology) -> Result<Dag, SimError> {
    Ok(DependencyGraph::build(t).dag()?)
}

/// Resolve user-given ids to dag indices, with "did you mean" on a miss.
pub(crate) fn resolve_ids(dag: &Dag, ids: &[String]) -> Result<Vec<u32>, SimError> {
    ids.iter()
        .map(|id| {
            dag.find(id).ok_or_else(|| SimError::UnknownId {
                id: id.clone(),
                suggestion: crate::diag::did_you_mean(
                    id,
                    (0..dag.len() as u32).map(|i| dag.node(i).id.as_str()),
                )
                .map(str::to_owned),
            })
        })
        .collect()
}
