//! What the panels show, computed from the model by the core: simulation states and cause
//! chains, highlight sets for a selection. No browser calls except the date (see [`today`]).
//! The policy engine is not here: it runs in the worker ([`crate::jobs`]).

use hostplan::graph::State;
use hostplan::model::Topology;
use hostplan::sim::failure::FailureReport;
use std::collections::BTreeMap;

/// The simulated state of every component (empty when nothing is failed).
pub fn simulate(
    t: &Topology,
    failed: &[String],
    rebooting: &[String],
) -> Result<FailureReport, String> {
    if failed.is_empty() && rebooting.is_empty() {
        // Nothing failed: everything is up, no need to build the graph again.
        return Ok(FailureReport::nothing_failed());
    }
    hostplan::sim::failure::simulate_with_reboots(t, failed, rebooting).map_err(|e| e.to_string())
}

/// Today as `YYYY-MM-DD` (UTC), for waiver expiry.
pub fn today() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new_0();
        format!(
            "{:04}-{:02}-{:02}",
            d.get_utc_full_year(),
            d.get_utc_month() + 1,
            d.get_utc_date()
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        "2026-01-01".to_owned()
    }
}

/// The simulated state of every box that is not up: entities (their synthetic nodes rolled
/// up), and the hosts' bonds and power supplies, which are boxes of their own under their
/// graph ids.
pub fn drawn_states(t: &Topology, r: &FailureReport) -> BTreeMap<String, State> {
    let mut out = r.states_by_entity();
    for h in &t.hosts {
        let parts = h
            .bonds
            .iter()
            .map(|b| hostplan::graph::bond_node_id(&h.id, &b.name))
            .chain((0..h.psus.len()).map(|i| hostplan::graph::psu_node_id(&h.id, i)));
        for id in parts {
            if let Some(s) = r.states.get(&id).filter(|s| **s != State::Up) {
                out.insert(id, *s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bond_and_a_psu_have_states_of_their_own() {
        let t = hostplan::examples::cluster().unwrap();
        let r = simulate(&t, &["ups1".into()], &[]).unwrap();
        let states = drawn_states(&t, &r);
        assert_eq!(states.get("pve1#bond0"), Some(&State::Degraded));
        assert_eq!(states.get("pve1#psu0"), Some(&State::Down));
        assert_eq!(states.get("sw1"), Some(&State::Down));
        assert_eq!(states.get("sw2"), None, "up: not listed");
    }

    #[test]
    fn a_vm_whose_network_path_is_down_is_degraded_not_down() {
        // sw1 carries truenas's storage50 links: its path to the network (`truenas#storage50`)
        // and the iSCSI service over it are down, the VM itself keeps running.
        let t = hostplan::examples::seed().unwrap();
        let r = simulate(&t, &["sw1".into()], &[]).unwrap();
        assert_eq!(r.state_of("truenas#storage50"), State::Down);
        assert_eq!(r.state_of("truenas"), State::Up);
        let states = drawn_states(&t, &r);
        assert_eq!(states.get("truenas"), Some(&State::Degraded));
        assert_eq!(states.get("iscsi-k8s"), Some(&State::Down));
        assert_eq!(states.get("sw1"), Some(&State::Down));
    }

    #[test]
    fn losing_srv01_downs_truenas_and_the_talos_volumes() {
        let t = hostplan::examples::seed().unwrap();
        let r = simulate(&t, &["srv01".into()], &[]).unwrap();
        let states = r.states_by_entity();
        assert_eq!(states.get("truenas"), Some(&hostplan::graph::State::Down));
        assert_eq!(states.get("talos"), Some(&hostplan::graph::State::Down));
    }

    #[test]
    fn the_hba_relates_to_its_host_and_to_what_needs_it() {
        let t = hostplan::examples::seed().unwrap();
        let g = hostplan::graph::DependencyGraph::build(&t);
        let (needs, needed_by) = g.related("hba0");
        assert!(needs.contains("srv01"));
        assert!(needed_by.contains("truenas") && needed_by.contains("talos"));
        assert!(!needed_by.contains("hba0"));
    }
}
