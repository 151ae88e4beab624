//! The policy review: the rule book (built in plus the user's Rego) kept warm between edits,
//! evaluated just after each redraw so an edit shows at once and its findings follow. A large
//! topology (the one the graph shows as an overview) is evaluated in a Web Worker instead:
//! regorus takes seconds on a thousand hosts, and on the page it would freeze it.

use crate::analysis::{self, Policies};
use crate::components::transfer::RuleBookHandle;
use crate::state::Doc;
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

/// The worker evaluating a large topology's policies, and what the page does with its answers.
#[derive(Default)]
struct PolicyWorker {
    /// The worker, its message handler, and the request waiting for it to listen.
    #[cfg(target_arch = "wasm32")]
    worker: Option<(web_sys::Worker, Listener, Pending)>,
}

/// A request waiting for the worker to listen (`None` once it does).
#[cfg(target_arch = "wasm32")]
type Pending = Rc<std::cell::RefCell<Option<String>>>;

#[cfg(target_arch = "wasm32")]
type Listener = wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>;

/// Computed result: (revision and rule-book version it was computed for, result).
type Computed = (u64, u64, Rc<Result<Evaluation, String>>);

impl PolicyWorker {
    /// Send `request` (a [`crate::jobs::Request`] as JSON), starting the worker on first use;
    /// answers go to `evaluation`. A request sent before the worker listens waits for it.
    #[cfg(target_arch = "wasm32")]
    fn post(&mut self, request: String, evaluation: UseStateHandle<Computed>) {
        use crate::jobs::Response;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::{JsCast, JsValue};
        if let Some((w, _, pending)) = &self.worker {
            let waiting = pending.borrow().is_some();
            if waiting {
                *pending.borrow_mut() = Some(request);
            } else if let Err(e) = w.post_message(&JsValue::from_str(&request)) {
                evaluation.set((u64::MAX, 0, Rc::new(Err(format!("{e:?}")))));
            }
            return;
        }
        let Ok(worker) = web_sys::Worker::new(&crate::components::job::worker_loader()) else {
            evaluation.set((u64::MAX, 0, Rc::new(Err("no Web Worker".to_owned()))));
            return;
        };
        let pending = Rc::new(std::cell::RefCell::new(Some(request)));
        let (handle, queued) = (worker.clone(), pending.clone());
        let onmessage =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(msg) = e.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<Response>(&msg) {
                    Ok(Response::Ready) => {
                        if let Some(req) = queued.borrow_mut().take() {
                            let _ = handle.post_message(&JsValue::from_str(&req));
                        }
                    }
                    Ok(Response::Done { result }) => {
                        let (rev, version) = (result["rev"].as_u64(), result["version"].as_u64());
                        let e = serde_json::from_value::<Evaluation>(result["evaluation"].clone())
                            .map_err(|e| e.to_string());
                        evaluation.set((rev.unwrap_or(u64::MAX), version.unwrap_or(0), Rc::new(e)));
                    }
                    Ok(Response::Failed { message }) => {
                        evaluation.set((u64::MAX, 0, Rc::new(Err(message))));
                    }
                    Ok(Response::Progress { .. }) => {}
                    Err(e) => evaluation.set((u64::MAX, 0, Rc::new(Err(e.to_string())))),
                }
            });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        self.worker = Some((worker, onmessage, pending));
    }
}

impl Drop for PolicyWorker {
    fn drop(&mut self) {
        #[cfg(target_arch = "wasm32")]
        if let Some((w, _, _)) = self.worker.take() {
            w.terminate();
        }
    }
}

/// Evaluate the policies on `topology` (at `revision`, whose document is `doc`) after each
/// redraw that changed it or the rule book; in a worker when `in_worker`.
#[hook]
pub fn use_policy_evaluation(
    topology: Rc<Topology>,
    revision: u64,
    doc: Rc<Doc>,
    in_worker: bool,
) -> PolicyEvaluation {
    let policies = use_mut_ref(|| {
        analysis::register_clock();
        Policies::builtin()
    });
    let version = use_state(|| 0u64);
    let user_policy = use_state(String::new);
    let user_policy_name = use_state(|| "mine.rego".to_owned());
    let error = use_state(|| None::<Rc<PolicyError>>);
    let link_problem = use_state(|| None::<String>);
    // (revision and rule-book version it was computed for, result).
    let evaluation: UseStateHandle<Computed> =
        use_state(|| (u64::MAX, 0u64, Rc::new(Err("evaluating…".to_owned()))));
    let worker = use_mut_ref(PolicyWorker::default);
    {
        let evaluation = evaluation.clone();
        let policies = policies.clone();
        use_effect_with((revision, *version), move |&(rev, version)| {
            #[cfg(target_arch = "wasm32")]
            if in_worker {
                let user = policies
                    .borrow()
                    .user
                    .iter()
                    .map(|f| (f.path.clone(), f.text.clone()))
                    .collect();
                let request = crate::jobs::Request::Policies {
                    toml: doc.text.clone(),
                    user,
                    today: analysis::today(),
                    rev,
                    version,
                };
                if let Ok(text) = serde_json::to_string(&request) {
                    worker.borrow_mut().post(text, evaluation);
                }
                return Box::new(|| ()) as Box<dyn FnOnce()>;
            }
            #[cfg(not(target_arch = "wasm32"))]
            let _ = (in_worker, doc, worker);
            // A zero timeout: the browser paints the edit before the (slower) evaluation.
            let timer = gloo_timers::callback::Timeout::new(0, move || {
                let result = policies
                    .borrow_mut()
                    .evaluate(&topology, &analysis::today())
                    .map_err(|e| e.to_string());
                evaluation.set((rev, version, Rc::new(result)));
            });
            Box::new(move || drop(timer)) as Box<dyn FnOnce()>
        });
    }
    let book = use_memo(*version, {
        let policies = policies.clone();
        move |v| RuleBookHandle(policies.borrow().book().clone(), *v)
    });
    let on_policy = {
        let (version, user_policy, error) = (version.clone(), user_policy.clone(), error.clone());
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
        stale: rev != revision || ver != *version,
        open_findings: open_findings(&result),
        result,
        book,
        user_policy: (*user_policy).clone(),
        user_policy_name: (*user_policy_name).clone(),
        error: (*error).clone(),
        on_policy,
        link_problem: (*link_problem).clone(),
        on_dismiss_link_problem: Callback::from(move |()| link_problem.set(None)),
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
