//! The Web Worker: receives a [`jobs::Request`] as a JSON string, posts progress and the result
//! back. The page cancels a job by terminating the worker.

mod jobs;

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post_scope = scope.clone();
    let onmessage =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let post = |r: &jobs::Response| {
                if let Ok(text) = serde_json::to_string(r) {
                    let _ = post_scope.post_message(&JsValue::from_str(&text));
                }
            };
            let response = match e
                .data()
                .as_string()
                .map(|s| serde_json::from_str::<jobs::Request>(&s))
            {
                Some(Ok(req)) => {
                    let mut last = -1.0;
                    jobs::run(&req, &mut |done| {
                        // At most a hundred progress messages per job.
                        if done - last >= 0.01 || done >= 1.0 {
                            last = done;
                            post(&jobs::Response::Progress { done });
                        }
                    })
                }
                _ => jobs::Response::Failed {
                    message: "not a job request".into(),
                },
            };
            post(&response);
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
