//! Compare two topologies service by service: single points of failure, the hosts whose
//! maintenance reboot takes each service down, expected yearly downtime, and the cold-start
//! all-ready time of each side. Typically the site as it is against a planned change.

use super::{dag_of, SimError};
use crate::graph::State;
use crate::model::Topology;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One service compared across two topologies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceComparison {
    /// Service, control plane or volumes id.
    pub service: String,
    /// Single points of failure in A (`None`: not in A).
    pub spof_a: Option<Vec<String>>,
    /// Single points of failure in B.
    pub spof_b: Option<Vec<String>>,
    /// Hosts whose maintenance reboot takes it down in A.
    pub reboot_a: Option<Vec<String>>,
    /// Hosts whose maintenance reboot takes it down in B.
    pub reboot_b: Option<Vec<String>>,
    /// Expected downtime per year in A, minutes (see [`super::availability`]).
    pub downtime_a: Option<f64>,
    /// Expected downtime per year in B, minutes.
    pub downtime_b: Option<f64>,
}

/// Side-by-side comparison of two topologies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Per service.
    pub services: Vec<ServiceComparison>,
    /// Cold-start all-ready time of A, ms.
    pub all_ready_a: Option<u64>,
    /// Cold-start all-ready time of B, ms.
    pub all_ready_b: Option<u64>,
}

/// Per service: (single points of failure, hosts whose reboot downs it).
type SideFacts = std::collections::BTreeMap<String, (Vec<String>, Vec<String>)>;

/// Compare availability of each service across all single failures and a maintenance reboot
/// of each host.
///
/// # Errors
/// [`SimError::Cycle`] when either topology has a requirement cycle.
pub fn compare(a: &Topology, b: &Topology) -> Result<Comparison, SimError> {
    let side = |t: &Topology| -> Result<SideFacts, SimError> {
        let spof = super::spof::analyse(t, false)?;
        let dag = dag_of(t)?;
        let mut out = std::collections::BTreeMap::new();
        for s in spof.services {
            let Some(i) = dag.find(&s.service) else {
                continue;
            };
            let hosts: Vec<String> = t
                .hosts
                .iter()
                .filter(|h| {
                    dag.find(&h.id).is_some_and(|hi| {
                        super::failure::report(&dag, &[hi])
                            .affected
                            .iter()
                            .any(|x| x.id == dag.node(i).id && x.state == State::Down)
                    })
                })
                .map(|h| h.id.clone())
                .collect();
            out.insert(s.service, (s.components, hosts));
        }
        Ok(out)
    };
    let (sa, sb) = (side(a)?, side(b)?);
    let downtime = |t: &Topology| -> Result<std::collections::BTreeMap<String, f64>, SimError> {
        let opts = super::availability::Options::default();
        Ok(crate::sort::btree_map(
            super::availability::analyse(t, &opts)?
                .into_iter()
                .map(|r| (r.service, r.downtime_min_per_year)),
        ))
    };
    let (da, db) = (downtime(a)?, downtime(b)?);
    let names: BTreeSet<&String> = crate::sort::btree_set(sa.keys().chain(sb.keys()));
    let services = names
        .into_iter()
        .map(|n| ServiceComparison {
            service: n.clone(),
            spof_a: sa.get(n).map(|x| x.0.clone()),
            spof_b: sb.get(n).map(|x| x.0.clone()),
            reboot_a: sa.get(n).map(|x| x.1.clone()),
            reboot_b: sb.get(n).map(|x| x.1.clone()),
            downtime_a: da.get(n).copied(),
            downtime_b: db.get(n).copied(),
        })
        .collect();
    let timing = super::boot::Timing::default();
    Ok(Comparison {
        services,
        all_ready_a: super::boot::simulate(a, &super::boot::Scenario::ColdStart, &timing)
            .all_ready_ms,
        all_ready_b: super::boot::simulate(b, &super::boot::Scenario::ColdStart, &timing)
            .all_ready_ms,
    })
}
