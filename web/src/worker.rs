//! The Web Worker: receives a [`jobs::Request`] as a JSON string (bare, or numbered in a
//! [`jobs::Envelope`] when one worker serves many callers), posts progress and the result back
//! (numbered alike). The page cancels a job by terminating the worker.

mod jobs;

/// The worker's monotonic clock for the policy engine's time limit: regorus has no clock on
/// `wasm32-unknown-unknown` unless given one, and without it a user's policy that loops would
/// keep the worker busy for ever. (A worker has no `window`: its `performance` is the
/// global scope's.)
#[cfg(target_arch = "wasm32")]
struct WorkerClock;

#[cfg(target_arch = "wasm32")]
impl regorus::utils::limits::TimeSource for WorkerClock {
    fn now(&self) -> Option<core::time::Duration> {
        use wasm_bindgen::JsCast;
        let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let ms = scope.performance()?.now();
        Some(core::time::Duration::from_secs_f64(ms / 1000.0))
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    static CLOCK: WorkerClock = WorkerClock;
    let _ = regorus::utils::limits::set_time_source(&CLOCK);
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post_scope = scope.clone();
    let onmessage =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            // A numbered request is answered numbered; a bare one (a job panel's own worker)
            // bare.
            let (id, request) = match serde_json::from_str::<jobs::Envelope>(&text) {
                Ok(env) => (Some(env.id), Ok(env.request)),
                Err(_) => (None, serde_json::from_str::<jobs::Request>(&text)),
            };
            let post = |r: jobs::Response| {
                let text = match id {
                    Some(id) => serde_json::to_string(&jobs::Reply { id, response: r }),
                    None => serde_json::to_string(&r),
                };
                if let Ok(text) = text {
                    let _ = post_scope.post_message(&JsValue::from_str(&text));
                }
            };
            let response = match request {
                Ok(req) => {
                    let mut last = -1.0;
                    jobs::run(&req, &mut |done| {
                        // At most a hundred progress messages per job.
                        if done - last >= 0.01 || done >= 1.0 {
                            last = done;
                            post(jobs::Response::Progress { done });
                        }
                    })
                }
                Err(e) => jobs::Response::Failed {
                    message: format!("not a job request: {e}"),
                },
            };
            post(response);
        });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    if let Ok(text) = serde_json::to_string(&jobs::Response::Ready) {
        let _ = scope.post_message(&JsValue::from_str(&text));
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // Natively there is no worker: run one job from standard input (handy for debugging).
    use std::io::Read as _;
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_ok() {
        if let Ok(req) = serde_json::from_str::<jobs::Request>(&input) {
            let r = jobs::run(&req, &mut |_| {});
            println!("{}", serde_json::to_string(&r).unwrap_or_default());
        }
    }
}
