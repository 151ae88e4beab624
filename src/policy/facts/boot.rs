//! Facts from the simulations: the cold-start boot timeline, the reboot hazards and the single
//! points of failure.
//!
//! The simulations' own result types are not part of the policy input: the facts below copy
//! what rules read, so a change to a simulation's internals cannot change the input unseen.

use crate::graph::DependencyGraph;
use crate::model::Topology;
use crate::sim::boot::{self, Scenario, ShutdownHazard, StartFailure, Timing, Wait};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// The cold-start boot timeline (`input.boot`): every host powers on at once, as after a
/// site-wide power cut (see docs/simulation.md).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BootFacts {
    /// Whether the dependency graph has no requirement cycle.
    pub acyclic: bool,
    /// When every onboot guest, service and consumer is ready, ms; `null` if something never
    /// is.
    pub all_ready_ms: Option<u64>,
    /// Every wait of the timeline.
    pub waits: Vec<BootWait>,
    /// Guests that failed to start (deadlocks included).
    pub failures: Vec<BootFailure>,
    /// Storage providers stopped while their consumers still run.
    pub hazards: Vec<Hazard>,
}

/// Someone waited for something during the boot.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BootWait {
    /// Who waited (`talos volumes`).
    pub who: String,
    /// For what (`iscsi-k8s`).
    pub waited_for: String,
    /// From, ms after power-on.
    pub from_ms: u64,
    /// Until, ms after power-on.
    pub until_ms: u64,
}

/// A guest that could not start.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BootFailure {
    /// The guest (VM id).
    pub vm: String,
    /// The storage it boots from, which was missing.
    pub storage: String,
    /// The service behind that storage.
    pub service: String,
    /// When the start was issued, ms after power-on.
    pub at_ms: u64,
    /// When the service became ready, ms; `null` if never.
    pub service_ready_ms: Option<u64>,
    /// The service can never be ready before this guest (it needs the guest, directly or not).
    pub deadlock: bool,
}

/// A storage provider stopped while its consumers still run, or consumers on other hosts
/// losing a service while a host reboots.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Hazard {
    /// The provider (VM or host id).
    pub provider: String,
    /// The service it provides.
    pub service: String,
    /// The consumers' VMs that still run (or run on other hosts).
    pub consumers: Vec<String>,
    /// In words.
    pub detail: String,
}

impl From<Wait> for BootWait {
    fn from(w: Wait) -> Self {
        BootWait {
            who: w.who,
            waited_for: w.waited_for,
            from_ms: w.from_ms,
            until_ms: w.until_ms,
        }
    }
}

impl From<StartFailure> for BootFailure {
    fn from(f: StartFailure) -> Self {
        BootFailure {
            vm: f.vm,
            storage: f.storage,
            service: f.service,
            at_ms: f.at_ms,
            service_ready_ms: f.service_ready_ms,
            deadlock: f.deadlock,
        }
    }
}

impl From<ShutdownHazard> for Hazard {
    fn from(h: ShutdownHazard) -> Self {
        Hazard {
            provider: h.provider,
            service: h.service,
            consumers: h.consumers,
            detail: h.detail,
        }
    }
}

/// The cold-start timeline's facts.
pub(super) fn cold_start(t: &Topology) -> BootFacts {
    let cold = boot::simulate(t, &Scenario::ColdStart, &Timing::default());
    BootFacts {
        acyclic: DependencyGraph::build(t).dag().is_ok(),
        all_ready_ms: cold.all_ready_ms,
        waits: cold.waits.into_iter().map(BootWait::from).collect(),
        failures: cold.failures.into_iter().map(BootFailure::from).collect(),
        hazards: cold.hazards.into_iter().map(Hazard::from).collect(),
    }
}

/// Killer-set entries per graph node past which the facts leave the SPOF lists out: they grow
/// with the square of a chain of storage VMs booting from each other's storage (a chain of
/// 1,000 took the document, and `check`, from 90 MB to 800 MB), while a fleet's stay near its
/// dependency depth.
const SPOF_ENTRIES_PER_NODE: usize = 64;

/// Single points of failure per service (unknown when the N-1 analysis cannot run, or its lists
/// would outgrow the document: [`SPOF_ENTRIES_PER_NODE`]).
pub(super) fn spof(t: &Topology) -> Option<BTreeMap<String, Vec<String>>> {
    crate::sim::spof::analyse_proportional(t, SPOF_ENTRIES_PER_NODE)
        .ok()
        .map(|r| {
            r.services
                .into_iter()
                .map(|s| (s.service, s.components))
                .collect()
        })
}
