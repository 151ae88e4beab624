//! The policy review: the rule book (built in plus the user's Rego) kept warm between edits,
//! evaluated just after each redraw so an edit shows at once and its findings follow.

use crate::analysis::{self, Policies};
use crate::components::transfer::RuleBookHandle;
use hostplan::model::Topology;
use hostplan::policy::{Evaluation, PolicyError, PolicyFile, Severity, Status};
use std::rc::Rc;
use yew::prelude::*;

/// The evaluation the review panel shows, and how to load the user's policies.
pub struct PolicyEvaluation {
    /// The latest evaluation (of an earlier revision while `stale`).
    pub result: Rc<Result<Evaluation, String>>,
    /// The result is of an earlier revision or rule book; a new one is on its way.
    pub stale: bool,
    /// Open findings of warning level or worse (the review tab's badge).
    pub open_findings: usize,
    /// The rule book in use (the export panel lists its rules).
    pub book: Rc<RuleBookHandle>,
    /// The user's policy text currently loaded (empty when none).
    pub user_policy: String,
    /// Why the user's policy could not be loaded.
    pub error: Option<Rc<PolicyError>>,
    /// Load user policy text (`(file name, text)`; empty text removes it).
    pub on_policy: Callback<(String, String)>,
}

/// Evaluate the policies on `topology` (at `revision`) after each redraw that changed it or
/// the rule book.
#[hook]
pub fn use_policy_evaluation(topology: Rc<Topology>, revision: u64) -> PolicyEvaluation {
    let policies = use_mut_ref(|| {
        analysis::register_clock();
        Policies::builtin()
    });
    let version = use_state(|| 0u64);
    let user_policy = use_state(String::new);
    let error = use_state(|| None::<Rc<PolicyError>>);
    // (revision and rule-book version it was computed for, result).
    let evaluation = use_state(|| {
        (
            u64::MAX,
            0u64,
            Rc::new(Err::<Evaluation, String>("evaluating…".to_owned())),
        )
    });
    {
        let evaluation = evaluation.clone();
        let policies = policies.clone();
        use_effect_with((revision, *version), move |&(rev, version)| {
            // A zero timeout: the browser paints the edit before the (slower) evaluation.
            let timer = gloo_timers::callback::Timeout::new(0, move || {
                let result = policies
                    .borrow_mut()
                    .evaluate(&topology, &analysis::today())
                    .map_err(|e| e.to_string());
                evaluation.set((rev, version, Rc::new(result)));
            });
            move || drop(timer)
        });
    }
    let book = use_memo(*version, {
        let policies = policies.clone();
        move |v| RuleBookHandle(policies.borrow().book().clone(), *v)
    });
    let on_policy = {
        let (version, user_policy, error) = (version.clone(), user_policy.clone(), error.clone());
        Callback::from(move |(name, text): (String, String)| {
            user_policy.set(text.clone());
            let files = if text.trim().is_empty() {
                Vec::new()
            } else {
                vec![PolicyFile { path: name, text }]
            };
            let mut p = policies.borrow_mut();
            p.set_user(files);
            error.set(p.error.clone().map(Rc::new));
            version.set(*version + 1);
        })
    };
    let (rev, ver, result) = (*evaluation).clone();
    PolicyEvaluation {
        stale: rev != revision || ver != *version,
        open_findings: open_findings(&result),
        result,
        book,
        user_policy: (*user_policy).clone(),
        error: (*error).clone(),
        on_policy,
    }
}

fn open_findings(result: &Result<Evaluation, String>) -> usize {
    match result {
        Ok(e) => e
            .findings
            .iter()
            .filter(|f| f.status == Status::Open && f.level >= Severity::Warning)
            .count(),
        Err(_) => 0,
    }
}
