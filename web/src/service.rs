//! The page's side of the Web Workers that run everything the first paint does not need: the
//! policy engine, importers, exporters, the before/after delta, the facts document and the
//! reading of a large file ([`crate::jobs::Request`]). None of that code is reachable from the
//! page's `main`, so none of it is in the page's wasm: the page only sends messages.
//!
//! Two long-lived workers ([`Pool`]): the policy review has its own, because a user's policy
//! may run until the engine's time limit and nothing else should wait behind it. A worker
//! that fails (a trap, a script error) answers every waiting caller with the error and is
//! started afresh on the next call; the page's state is never touched by a failure.

use crate::jobs::Request;
use std::rc::Rc;
use yew::prelude::*;

/// Which worker runs a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pool {
    /// Reading files, exports, imports, the delta, the facts.
    Service,
    /// The policy review (and loading the user's policies).
    Policies,
}

/// What a job answers: the core's result as JSON text, or why there is none.
pub type Answer = Result<String, String>;

/// An answer decoded into the type the job gives.
pub fn decode<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T, String> {
    answer.and_then(|json| serde_json::from_str(&json).map_err(|e| e.to_string()))
}

/// Run `request` in `pool`'s worker; `on_done` gets the answer (later: the page goes on
/// meanwhile). Natively (tests) the job runs at once.
pub fn call(pool: Pool, request: &Request, on_done: impl FnOnce(Answer) + 'static) {
    #[cfg(target_arch = "wasm32")]
    browser::call(pool, request, Box::new(on_done));
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = pool;
        on_done(inline(request));
    }
}

/// Natively: the job run at once, through the same JSON messages as in the browser.
#[cfg(not(target_arch = "wasm32"))]
fn inline(request: &Request) -> Answer {
    use crate::jobs::{Envelope, Reply, Response};
    let sent = serde_json::to_string(&Envelope {
        id: 1,
        request: request.clone(),
    })
    .map_err(|e| e.to_string())?;
    let Envelope { id, request } = serde_json::from_str(&sent).map_err(|e| e.to_string())?;
    let response = crate::jobs::run(&request, &mut |_| {});
    let back = serde_json::to_string(&Reply { id, response }).map_err(|e| e.to_string())?;
    match serde_json::from_str::<Reply>(&back)
        .map_err(|e| e.to_string())?
        .response
    {
        Response::Done { result } => Ok(result.to_string()),
        Response::Json { json } => Ok(json),
        Response::Failed { message } => Err(message),
        Response::Progress { .. } | Response::Ready => Err("no answer".to_owned()),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_job_goes_and_comes_back_as_messages() {
        let request = Request::Check {
            name: "seed.toml".into(),
            text: hostplan::examples::SEED.to_owned(),
        };
        let checked: crate::jobs::Checked = decode(inline(&request)).unwrap();
        assert_eq!(checked.topology, hostplan::examples::seed());
        let bad = Request::Check {
            name: "bad.toml".into(),
            text: "[[vms]]\nid = 1\n".into(),
        };
        let checked: crate::jobs::Checked = decode(inline(&bad)).unwrap();
        assert!(checked.topology.is_none());
        // The diagnostics come back located, as the page's own check would give them.
        let direct = hostplan::check("bad.toml", b"[[vms]]\nid = 1\n");
        assert_eq!(checked.diagnostics, direct.diagnostics);
        assert!(checked.diagnostics[0].location.is_some());
    }
}

/// Shared data compared by identity: a large document or a job's decoded answer, handed to
/// views whose props are compared on every render (by value that would cost a deep
/// comparison of the whole model).
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    /// Share `value`.
    pub fn new(value: T) -> Self {
        Self(Rc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Eq for Shared<T> {}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A job's decoded answer: `None` while it is computed (or not asked for), else the result
/// or why there is none.
pub type Answered<T> = Option<Result<Shared<T>, String>>;

/// [`use_job`] with the answer decoded: the job answers a `Result<T, String>` (the worker's
/// own failures, such as a document it cannot read, come as the same `Err`). An answer for
/// an older key is not returned.
#[hook]
pub fn use_answer<K, T, F>(pool: Pool, key: K, make: F) -> Answered<T>
where
    K: PartialEq + Clone + 'static,
    T: serde::de::DeserializeOwned + 'static,
    F: FnOnce(&K) -> Option<Request> + 'static,
{
    let answer = use_job(pool, key.clone(), make);
    let decoded = use_memo(Shared(answer), |a| {
        a.0.as_ref().as_ref().map(|(k, a)| {
            let d = decode::<Result<T, String>>(a.clone()).and_then(|r| r.map(Shared::new));
            (k.clone(), d)
        })
    });
    match decoded.as_ref() {
        Some((k, d)) if *k == key => Some(d.clone()),
        _ => None,
    }
}

/// The answer of a job for the latest `key`, (re)computed in `pool` after a render that
/// changed `key`: `make` builds the request (only then, so a render does not pay for it;
/// `None`: nothing to compute). The answer comes with the key it was computed for, so a
/// caller can tell a stale one.
#[hook]
pub fn use_job<K, F>(pool: Pool, key: K, make: F) -> Rc<Option<(K, Answer)>>
where
    K: PartialEq + Clone + 'static,
    F: FnOnce(&K) -> Option<Request> + 'static,
{
    let answer = use_state(|| Rc::new(None::<(K, Answer)>));
    {
        let answer = answer.clone();
        use_effect_with(key, move |key| {
            if let Some(request) = make(key) {
                let key = key.clone();
                call(pool, &request, move |a| answer.set(Rc::new(Some((key, a)))));
            }
        });
    }
    (*answer).clone()
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Answer, Pool};
    use crate::jobs::{Reply, Request, Response};
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeMap;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    type Waiting = BTreeMap<u64, Box<dyn FnOnce(Answer)>>;

    /// One worker: whether it listens yet, what waits for that, and who waits for an answer.
    struct Client {
        worker: web_sys::Worker,
        ready: Cell<bool>,
        queue: RefCell<Vec<String>>,
        waiting: RefCell<Waiting>,
        _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
        _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    }

    thread_local! {
        static CLIENTS: RefCell<BTreeMap<Pool, Rc<Client>>> = const { RefCell::new(BTreeMap::new()) };
        static NEXT: Cell<u64> = const { Cell::new(1) };
        /// Failed clients, dropped on the next start: a failure is noticed inside one of the
        /// client's own closures, which must not be dropped while they run.
        static FAILED: RefCell<Vec<Rc<Client>>> = const { RefCell::new(Vec::new()) };
    }

    /// A [`crate::jobs::Envelope`] that borrows its request (a request carries whole files).
    #[derive(serde::Serialize)]
    struct EnvelopeRef<'a> {
        id: u64,
        request: &'a Request,
    }

    /// Answer everyone waiting on `pool`'s worker with `message` and forget the worker (the
    /// next call starts a new one).
    fn fail(pool: Pool, message: &str) {
        let Some(client) = CLIENTS.with(|c| c.borrow_mut().remove(&pool)) else {
            return;
        };
        client.worker.terminate();
        let waiting = std::mem::take(&mut *client.waiting.borrow_mut());
        FAILED.with(|f| f.borrow_mut().push(client));
        for (_, on_done) in waiting {
            on_done(Err(message.to_owned()));
        }
    }

    fn start(pool: Pool) -> Result<Rc<Client>, String> {
        FAILED.with(|f| f.borrow_mut().clear());
        let worker = web_sys::Worker::new(&crate::components::job::worker_loader())
            .map_err(|e| format!("no Web Worker: {e:?}"))?;
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let Some(text) = e.data().as_string() else {
                    return;
                };
                let Some(client) = CLIENTS.with(|c| c.borrow().get(&pool).cloned()) else {
                    return;
                };
                if let Ok(Reply { id, response }) = serde_json::from_str::<Reply>(&text) {
                    let answer = match response {
                        Response::Done { result } => Ok(result.to_string()),
                        Response::Json { json } => Ok(json),
                        Response::Failed { message } => Err(message),
                        Response::Progress { .. } | Response::Ready => return,
                    };
                    let on_done = client.waiting.borrow_mut().remove(&id);
                    if let Some(on_done) = on_done {
                        on_done(answer);
                    }
                } else if let Ok(Response::Ready) = serde_json::from_str::<Response>(&text) {
                    client.ready.set(true);
                    let queued = std::mem::take(&mut *client.queue.borrow_mut());
                    for text in queued {
                        if let Err(e) = client.worker.post_message(&JsValue::from_str(&text)) {
                            fail(pool, &format!("the worker refused a job: {e:?}"));
                            return;
                        }
                    }
                }
            });
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                fail(pool, &format!("the worker stopped: {}", e.message()));
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Rc::new(Client {
            worker,
            ready: Cell::new(false),
            queue: RefCell::new(Vec::new()),
            waiting: RefCell::new(BTreeMap::new()),
            _on_message: on_message,
            _on_error: on_error,
        }))
    }

    pub(super) fn call(pool: Pool, request: &Request, on_done: Box<dyn FnOnce(Answer)>) {
        let client = match CLIENTS.with(|c| c.borrow().get(&pool).cloned()) {
            Some(c) => c,
            None => match start(pool) {
                Ok(c) => {
                    CLIENTS.with(|all| all.borrow_mut().insert(pool, c.clone()));
                    c
                }
                Err(e) => return on_done(Err(e)),
            },
        };
        let id = NEXT.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let text = match serde_json::to_string(&EnvelopeRef { id, request }) {
            Ok(t) => t,
            Err(e) => return on_done(Err(e.to_string())),
        };
        client.waiting.borrow_mut().insert(id, on_done);
        if client.ready.get() {
            if let Err(e) = client.worker.post_message(&JsValue::from_str(&text)) {
                fail(pool, &format!("the worker refused a job: {e:?}"));
            }
        } else {
            client.queue.borrow_mut().push(text);
        }
    }
}
