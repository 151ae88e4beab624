//! The policy review: the rule book (built in plus the user's Rego) evaluated in a Web Worker
//! after each redraw that changed the model or the rule book, so an edit shows at once and its
//! findings follow. The engine (regorus, its builtins, the rule book's text) lives in the
//! worker only: on the page it would weigh on the first load, a thousand hosts would freeze
//! the tab for seconds, and a user's policy that loops would freeze it until the time limit.

use crate::components::transfer::RuleBookHandle;
use crate::jobs::{PolicyAnswer, Request};
use crate::service::{self, Pool};
use crate::state::Doc;
use hostplan::policy::{Evaluation, PolicyError, Severity, Status};
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
    /// The rule book in use (the export and the previews evaluate with it).
    pub book: Rc<RuleBookHandle>,
    /// The user's policy text currently loaded (empty when none).
    pub user_policy: String,
    /// Its file name.
    pub user_policy_name: String,
    /// Why the user's policy could not be loaded.
    pub error: Option<Rc<PolicyError>>,
    /// Load user policy text (`(file name, text)`; empty text removes it).
    pub on_policy: Callback<(String, String)>,
    /// The page's share link carried a policy part that could not be read (why, and what was
    /// used instead); the topology opened all the same. `None` once dismissed.
    pub link_problem: Option<String>,
    /// Dismiss [`PolicyEvaluation::link_problem`].
    pub on_dismiss_link_problem: Callback<()>,
}

/// Computed result: (revision and rule-book version it was computed for, result).
type Computed = (u64, u64, Rc<Result<Evaluation, String>>);

/// The worker's answer to a [`Request::Policies`] (sent for `rev` and `version`) as what the
/// page keeps.
fn computed(answer: service::Answer, rev: u64, version: u64) -> Computed {
    match service::decode::<PolicyAnswer>(answer) {
        Ok(a) => (
            a.rev,
            a.version,
            Rc::new(a.evaluation.map_err(|e| e.to_string())),
        ),
        // The worker failed: that is the answer for this revision (not a pending one).
        Err(e) => (rev, version, Rc::new(Err(e))),
    }
}

/// Evaluate the policies on the document `doc` (at `revision`) after each redraw that changed
/// it or the rule book, in the policy worker.
#[hook]
pub fn use_policy_evaluation(revision: u64, doc: Rc<Doc>) -> PolicyEvaluation {
    let book = use_state(|| Rc::new(RuleBookHandle::default()));
    let user_policy = use_state(String::new);
    let user_policy_name = use_state(|| "mine.rego".to_owned());
    let error = use_state(|| None::<Rc<PolicyError>>);
    // The last rule-book version given out, and the last load sent to the worker.
    let versions = use_mut_ref(|| 0u64);
    let loads = use_mut_ref(|| 0u64);
    // A load of the user's policies is on its way (its number): what the page shows is of the
    // previous book until it is answered.
    let loading = use_state(|| None::<u64>);
    let link_problem = use_state(|| None::<String>);
    let evaluation: UseStateHandle<Computed> =
        use_state(|| (u64::MAX, 0u64, Rc::new(Err("evaluating…".to_owned()))));
    // The request waiting to be sent (dropping the timer cancels it).
    let sending = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    {
        let evaluation = evaluation.clone();
        let book = (*book).clone();
        use_effect_with((revision, book.version), move |&(rev, version)| {
            // Sent from a task of its own, not the edit's: the request carries the whole text
            // (3 MB at a thousand hosts, ~60 ms to encode on the page's thread), and a newer
            // revision before it goes replaces it.
            let send = move || {
                let request = Request::Policies {
                    text: doc.text.clone(),
                    user: book.user.clone(),
                    today: crate::analysis::today(),
                    rev,
                    version,
                };
                service::call(Pool::Policies, &request, move |a| {
                    evaluation.set(computed(a, rev, version));
                });
            };
            #[cfg(target_arch = "wasm32")]
            {
                *sending.borrow_mut() = Some(gloo_timers::callback::Timeout::new(0, send));
            }
            // Natively (tests) the job runs at once.
            #[cfg(not(target_arch = "wasm32"))]
            {
                let _ = &sending;
                send();
            }
        });
    }
    let on_policy = {
        let (book, user_policy, error) = (book.clone(), user_policy.clone(), error.clone());
        let (loads, loading) = (loads.clone(), loading.clone());
        let user_policy_name = user_policy_name.clone();
        Callback::from(move |(name, text): (String, String)| {
            user_policy.set(text.clone());
            user_policy_name.set(name.clone());
            // Kept in this browser like the topology (an empty text forgets it).
            #[cfg(target_arch = "wasm32")]
            crate::persist::save_policy(&crate::persist::Saved {
                name: name.clone(),
                text: text.clone(),
            });
            let user = if text.trim().is_empty() {
                Vec::new()
            } else {
                vec![(name, text)]
            };
            // The worker compiles the files first: on an error the previous book stays and
            // the error is shown.
            let (book, error, versions) = (book.clone(), error.clone(), versions.clone());
            *loads.borrow_mut() += 1;
            let ticket = *loads.borrow();
            loading.set(Some(ticket));
            let (loads, loading) = (loads.clone(), loading.clone());
            let request = Request::LoadPolicies { user: user.clone() };
            service::call(Pool::Policies, &request, move |a| {
                if *loads.borrow() == ticket {
                    loading.set(None);
                }
                let refused = service::decode::<Option<PolicyError>>(a)
                    .unwrap_or_else(|e| Some(worker_error(e)));
                if let Some(e) = refused {
                    error.set(Some(Rc::new(e)));
                } else {
                    error.set(None);
                    // Counted here, not read from `book` (a handle of the render that sent
                    // the request): two loads answered before a render get two versions.
                    *versions.borrow_mut() += 1;
                    let version = *versions.borrow();
                    book.set(Rc::new(RuleBookHandle { user, version }));
                }
            });
        })
    };
    // On page load: the policy a shared link carries, else the one kept in this browser.
    {
        let (on_policy, link_problem) = (on_policy.clone(), link_problem.clone());
        use_effect_with((), move |()| {
            #[cfg(target_arch = "wasm32")]
            {
                let hash = crate::persist::fragment();
                // A damaged part is said, never skipped in silence: the link's sender had
                // policies the reader would otherwise not know are missing.
                let from_link = match crate::persist::policy_in_fragment(&hash) {
                    Ok(p) => p,
                    Err(e) => {
                        let kept = crate::persist::load_policy();
                        link_problem.set(Some(damaged_part_text(&e, kept.as_ref())));
                        None
                    }
                };
                if let Some(p) = from_link.or_else(crate::persist::load_policy) {
                    on_policy.emit((p.name, p.text));
                }
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = (on_policy, link_problem);
        });
    }
    let (rev, ver, result) = (*evaluation).clone();
    PolicyEvaluation {
        stale: rev != revision || ver != book.version || loading.is_some(),
        open_findings: open_findings(&result),
        result,
        book: (*book).clone(),
        user_policy: (*user_policy).clone(),
        user_policy_name: (*user_policy_name).clone(),
        error: (*error).clone(),
        on_policy,
        link_problem: (*link_problem).clone(),
        on_dismiss_link_problem: Callback::from(move |()| link_problem.set(None)),
    }
}

/// The worker itself failed while loading the user's policies.
fn worker_error(message: String) -> PolicyError {
    PolicyError::Eval {
        query: "the rule book".to_owned(),
        message,
    }
}

/// What the banner says about a share link's damaged policy part, and what is used instead.
#[cfg(any(target_arch = "wasm32", test))]
fn damaged_part_text(
    e: &crate::persist::DecodeError,
    kept: Option<&crate::persist::Saved>,
) -> String {
    let instead = match kept {
        Some(p) => format!(
            "the policies kept in this browser ({}) are used instead",
            p.name
        ),
        None => "only the built-in rule book is used".to_owned(),
    };
    format!(
        "The shared link's policy part (p=) is damaged: {e}. The topology opened without its policies; {instead}. Ask the sender for a new link."
    )
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

#[cfg(test)]
mod link_tests {
    use super::damaged_part_text;
    use crate::persist::{policy_in_fragment, Saved};

    #[test]
    fn a_damaged_policy_part_is_named_with_what_is_used_instead() {
        let e = policy_in_fragment("#t=abc&p=!!!").unwrap_err();
        let text = damaged_part_text(&e, None);
        assert!(
            text.contains("policy part (p=) is damaged: the link is damaged (not base64url)"),
            "{text}"
        );
        assert!(text.contains("only the built-in rule book"), "{text}");
        let kept = Saved {
            name: "mine.rego".into(),
            text: "package x".into(),
        };
        assert!(damaged_part_text(&e, Some(&kept)).contains("kept in this browser (mine.rego)"));
        // Valid base64 and deflate, but not a policy file.
        let code = crate::persist::encode("not json");
        let e = policy_in_fragment(&format!("#t=abc&p={code}")).unwrap_err();
        assert_eq!(e.to_string(), "the link's policy part is not a policy file");
    }
}
