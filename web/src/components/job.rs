//! Long analyses (N-2 critical pairs, Monte Carlo availability) in a Web Worker, with a
//! progress bar and a cancel button: the page never freezes, and cancelling terminates the
//! worker outright.

use crate::jobs::{Request, Response};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Where trunk put the worker's loader (`data-loader-shim` in index.html): every page-side
/// client of the worker starts it from here (the worker exists only in the browser). Its
/// name carries a content hash; `scripts/trunk-post-build` writes it into index.html as
/// `<meta name="hostplan-worker">`, and an unhashed build falls back to the plain name.
#[cfg(target_arch = "wasm32")]
pub(crate) fn worker_loader() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=hostplan-worker]")
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "./hostplan-worker_loader.js".to_owned())
}

/// Which analysis.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Critical pairs.
    Pairs,
    /// Availability per service.
    Availability,
}

/// Props of [`JobPanel`].
#[derive(Properties, PartialEq)]
pub struct JobProps {
    /// Which analysis.
    pub kind: JobKind,
    /// The document (what the worker reads).
    pub doc: crate::service::Shared<crate::state::Doc>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Running(f64),
    Done(Value),
    Failed(String),
    Cancelled,
}

/// A result sent as JSON text.
fn json_status(json: &str) -> Status {
    serde_json::from_str(json).map_or_else(|e| Status::Failed(e.to_string()), Status::Done)
}

/// The page's handler of the worker's messages.
#[cfg(target_arch = "wasm32")]
type Listener = wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>;

/// A running worker and the closure it calls (kept alive together).
#[derive(Default)]
struct Running {
    #[cfg(target_arch = "wasm32")]
    worker: Option<(web_sys::Worker, Listener)>,
}

impl Running {
    #[cfg_attr(not(target_arch = "wasm32"), allow(clippy::unused_self))]
    fn stop(&mut self) {
        #[cfg(target_arch = "wasm32")]
        if let Some((w, _)) = self.worker.take() {
            w.terminate();
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn start(
    running: &Rc<RefCell<Running>>,
    req: &Request,
    status: UseStateHandle<Status>,
) -> Result<(), String> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    running.borrow_mut().stop();
    let worker = web_sys::Worker::new(&worker_loader()).map_err(|e| format!("{e:?}"))?;
    let text = serde_json::to_string(req).map_err(|e| e.to_string())?;
    let handle = worker.clone();
    let onmessage =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(msg) = e.data().as_string() else {
                return;
            };
            match serde_json::from_str::<Response>(&msg) {
                // The request goes out once the worker listens.
                Ok(Response::Ready) => {
                    if let Err(e) = handle.post_message(&wasm_bindgen::JsValue::from_str(&text)) {
                        status.set(Status::Failed(format!("{e:?}")));
                    }
                }
                Ok(Response::Progress { done }) => status.set(Status::Running(done)),
                Ok(Response::Done { result }) => status.set(Status::Done(result)),
                Ok(Response::Json { json }) => status.set(json_status(&json)),
                Ok(Response::Failed { message }) => status.set(Status::Failed(message)),
                Err(e) => status.set(Status::Failed(e.to_string())),
            }
        });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    running.borrow_mut().worker = Some((worker, onmessage));
    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::needless_pass_by_value, clippy::unnecessary_wraps)] // the browser version's signature
fn start(
    _: &Rc<RefCell<Running>>,
    req: &Request,
    status: UseStateHandle<Status>,
) -> Result<(), String> {
    // Natively (tests) the job runs inline.
    match crate::jobs::run(req, &mut |_| {}) {
        Response::Done { result } => status.set(Status::Done(result)),
        Response::Json { json } => status.set(json_status(&json)),
        Response::Failed { message } => status.set(Status::Failed(message)),
        Response::Progress { .. } | Response::Ready => {}
    }
    Ok(())
}

/// A long analysis with its controls and result.
#[component]
pub fn JobPanel(props: &JobProps) -> Html {
    let status = use_state(|| Status::Idle);
    let running = use_mut_ref(Running::default);
    let samples = use_state(|| 100_000u32);
    // A changed topology makes an old result stale: drop it (and stop a running job).
    {
        let status = status.clone();
        let running = running.clone();
        use_effect_with(props.doc.clone(), move |_| {
            running.borrow_mut().stop();
            status.set(Status::Idle);
            let running = running.clone();
            move || running.borrow_mut().stop()
        });
    }
    let kind = props.kind;
    let prefix = match kind {
        JobKind::Pairs => "pairs",
        JobKind::Availability => "availability",
    };
    let on_start = {
        let status = status.clone();
        let running = running.clone();
        let doc = props.doc.clone();
        let samples = samples.clone();
        Callback::from(move |_: MouseEvent| {
            let req = match kind {
                JobKind::Pairs => Request::Pairs {
                    text: doc.text.clone(),
                },
                JobKind::Availability => Request::Availability {
                    text: doc.text.clone(),
                    samples: *samples,
                    monte_carlo: true,
                },
            };
            status.set(Status::Running(0.0));
            if let Err(e) = start(&running, &req, status.clone()) {
                status.set(Status::Failed(e));
            }
        })
    };
    let on_cancel = {
        let status = status.clone();
        let running = running.clone();
        Callback::from(move |_: MouseEvent| {
            running.borrow_mut().stop();
            status.set(Status::Cancelled);
        })
    };
    let on_samples = {
        let samples = samples.clone();
        Callback::from(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            if let Ok(n) = i.value().parse::<u32>() {
                samples.set(n.clamp(100, 50_000_000));
            }
        })
    };
    let label = match kind {
        JobKind::Pairs => "Find critical pairs (N-2)",
        JobKind::Availability => "Estimate availability (Monte Carlo)",
    };
    let select = |id: String| {
        let cb = props.on_select.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())))
    };
    let body = match &*status {
        Status::Idle => html! {},
        Status::Cancelled => {
            html! { <p class="hint" id={format!("{prefix}-cancelled")}>{ "Cancelled." }</p> }
        }
        Status::Failed(e) => html! { <p class="field-error" role="alert">{ e }</p> },
        Status::Running(done) => html! {
            <div class="progress-row">
                <progress id={format!("{prefix}-progress")} max="1" value={done.to_string()} aria-label={format!("{label}: progress")} />
                <span>{ format!("{:.0} %", done * 100.0) }</span>
                <button type="button" id={format!("{prefix}-cancel")} onclick={on_cancel.clone()}>{ "Cancel" }</button>
            </div>
        },
        Status::Done(v) => match kind {
            JobKind::Pairs => {
                let pairs = v["pairs"].as_array().cloned().unwrap_or_default();
                html! {
                    <div id="pairs-result">
                        <p>{ format!("{} critical pair(s); {} candidate pair(s) examined.", pairs.len(), v["pairs_examined"]) }</p>
                        <ul id="pairs">{ for pairs.iter().take(100).map(|p| {
                            let a = p["a"].as_str().unwrap_or("").to_owned();
                            let b = p["b"].as_str().unwrap_or("").to_owned();
                            let services: Vec<&str> = p["services"].as_array().map(|s| s.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                            html! {
                                <li>
                                    <button type="button" class="chip" onclick={select(a.clone())}>{ a.clone() }</button>{ " + " }
                                    <button type="button" class="chip" onclick={select(b.clone())}>{ b.clone() }</button>
                                    { format!(" → {}", if services.is_empty() { format!("{} component(s)", p["total"]) } else { services.join(", ") }) }
                                    { pair_down(p, &select) }
                                </li>
                            }
                        }) }</ul>
                    </div>
                }
            }
            JobKind::Availability => {
                let rows = v.as_array().cloned().unwrap_or_default();
                html! {
                    <table id="availability-result">
                        <thead><tr><th scope="col">{ "Service" }</th><th scope="col">{ "Availability" }</th><th scope="col">{ "Downtime / year" }</th><th scope="col">{ "95 % CI" }</th></tr></thead>
                        <tbody>{ for rows.iter().map(|r| html! {
                            <tr>
                                <th scope="row">{ r["service"].as_str().unwrap_or("") }</th>
                                <td>{ format!("{:.5} %", r["availability"].as_f64().unwrap_or(0.0) * 100.0) }</td>
                                <td>{ format!("{:.0} min", r["downtime_min_per_year"].as_f64().unwrap_or(0.0)) }</td>
                                <td>{ r["ci95"].as_array().map(|c| format!("{:.5}–{:.5} %", c[0].as_f64().unwrap_or(0.0) * 100.0, c[1].as_f64().unwrap_or(0.0) * 100.0)).unwrap_or_default() }</td>
                            </tr>
                        }) }</tbody>
                    </table>
                }
            }
        },
    };
    let running_now = matches!(*status, Status::Running(_));
    html! {
        <div class="job">
            <div class="row">
                if kind == JobKind::Availability {
                    <label for="mc-samples">{ "samples" }</label>
                    <input id="mc-samples" type="number" min="100" step="1000" value={samples.to_string()} onchange={on_samples} />
                }
                <button type="button" id={format!("run-{prefix}")} onclick={on_start} disabled={running_now}>{ label }</button>
            </div>
            { body }
        </div>
    }
}

/// Components a pair shown at once; the rest are counted ("and 17 more").
const PAIR_DOWN_SHOWN: usize = 12;

/// What a critical pair takes down, causes first, each selectable (a vdev or a host's power
/// selects the entity it belongs to).
fn pair_down(p: &Value, select: &dyn Fn(String) -> Callback<MouseEvent>) -> Html {
    let down: Vec<&str> = p["components"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if down.is_empty() {
        return Html::default();
    }
    let more = down.len().saturating_sub(PAIR_DOWN_SHOWN);
    html! {
        <div class="pair-down">
            { "takes down: " }
            { for down.iter().take(PAIR_DOWN_SHOWN).map(|id| html! {
                <button type="button" class="chip" onclick={select(hostplan::graph::display_owner(id).to_owned())}>{ *id }</button>
            }) }
            if more > 0 { <span class="hint">{ format!(" and {more} more") }</span> }
        </div>
    }
}
