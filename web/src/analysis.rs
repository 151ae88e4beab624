//! What the panels show, computed from the model by the core: simulation states and cause
//! chains, highlight sets for a selection, and the policy engine kept warm between edits.
//! No browser calls except the clock the policy engine is given (see [`today`]).

use hostplan::graph::State;
use hostplan::model::Topology;
use hostplan::policy::{Evaluation, Limits, PolicyError, PolicyFile, Prepared, RuleBook};
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

/// The browser's monotonic clock for the policy engine's time limit (regorus has no clock on
/// `wasm32-unknown-unknown` unless given one).
#[cfg(target_arch = "wasm32")]
struct BrowserClock;

#[cfg(target_arch = "wasm32")]
impl regorus::utils::limits::TimeSource for BrowserClock {
    fn now(&self) -> Option<core::time::Duration> {
        let ms = web_sys::window()?.performance()?.now();
        Some(core::time::Duration::from_secs_f64(ms / 1000.0))
    }
}

/// Give the policy engine the browser's clock (once per page).
pub fn register_clock() {
    #[cfg(target_arch = "wasm32")]
    {
        static CLOCK: BrowserClock = BrowserClock;
        let _ = regorus::utils::limits::set_time_source(&CLOCK);
    }
}

/// The rule book (built in plus the user's files), prepared once and reused for every edit.
pub struct Policies {
    /// The user's extra policy files.
    pub user: Vec<PolicyFile>,
    book: RuleBook,
    prepared: Option<Prepared>,
    /// Why the user's files could not be loaded (the built-in book is used meanwhile).
    pub error: Option<PolicyError>,
}

impl Policies {
    /// The built-in rule book.
    pub fn builtin() -> Self {
        Self {
            user: Vec::new(),
            book: RuleBook::builtin(),
            prepared: None,
            error: None,
        }
    }

    /// The rule book in use.
    pub fn book(&self) -> &RuleBook {
        &self.book
    }

    /// Load the user's files on top of the built-in book; on a syntax error the previous book
    /// stays and the error is kept for display.
    pub fn set_user(&mut self, files: Vec<PolicyFile>) {
        let book = RuleBook::builtin().with(files.clone());
        match book.prepare(Limits::default()) {
            Ok(p) => {
                self.user = files;
                self.book = book;
                self.prepared = Some(p);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Evaluate on `t` as of `today`.
    ///
    /// # Errors
    /// When the engine fails (the built-in book always parses).
    pub fn evaluate(&mut self, t: &Topology, today: &str) -> Result<Evaluation, PolicyError> {
        if self.prepared.is_none() {
            self.prepared = Some(self.book.prepare(Limits::default())?);
        }
        let facts = hostplan::policy::facts::facts(t);
        match self.prepared.as_mut() {
            Some(p) => p.evaluate(&facts, &t.waivers, today),
            None => self
                .book
                .evaluate(&facts, &t.waivers, today, Limits::default()),
        }
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

    #[test]
    fn ballooning_on_truenas_is_a_finding_and_user_policies_load() {
        let mut t = hostplan::examples::seed().unwrap();
        let mut p = Policies::builtin();
        let before = p.evaluate(&t, "2026-11-26").unwrap();
        t.vms[0].balloon_mib = Some(16384);
        let after = p.evaluate(&t, "2026-11-26").unwrap();
        assert!(after.findings.len() > before.findings.len());
        p.set_user(vec![PolicyFile {
            path: "mine.rego".into(),
            text: "package broken\nx := [\n".into(),
        }]);
        assert!(matches!(p.error, Some(PolicyError::Syntax { .. })));
        assert!(
            p.evaluate(&t, "2026-11-26").is_ok(),
            "the previous book stays"
        );
    }
}
