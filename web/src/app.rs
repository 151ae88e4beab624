//! The app shell: header (open, examples, undo/redo, share, search), the graph, and the side
//! panel's tabs. Side effects (files, storage, clipboard, keyboard) live in callbacks here; the
//! state itself is a pure reducer ([`crate::state`]) and every analysis is the core's.

use crate::analysis::{self, Policies};
use crate::components::boot::BootPanel;
use crate::components::diagnostics::DiagnosticsList;
use crate::components::editor::SetField;
use crate::components::graph_view::GraphView;
use crate::components::inspector::{GraphHandle, Inspector};
use crate::components::review::ReviewPanel;
use crate::components::simulate::SimulatePanel;
use crate::components::transfer::{RuleBookHandle, TransferPanel};
use crate::components::whatif::WhatIfPanel;
use crate::layout::layout_with;
use crate::state::{Action, State};
use hostplan::model::Topology;
use hostplan::policy::PolicyFile;
use std::collections::BTreeSet;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The side panel's tabs.
const TABS: [(&str, &str); 7] = [
    ("inspect", "Inspect"),
    ("text", "Text"),
    ("simulate", "Simulate"),
    ("boot", "Boot"),
    ("whatif", "What-if"),
    ("review", "Review"),
    ("transfer", "Export / import"),
];

const EDIT_START: &str = "hostplan-edit-start";

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

fn perf_mark(name: &str) {
    if let Some(p) = performance() {
        let _ = p.mark(name);
    }
}

/// Measure from `start` (if that mark exists) to now, then forget `start`.
fn perf_measure(name: &str, start: &str) {
    if let Some(p) = performance() {
        if p.get_entries_by_name(start).length() > 0 {
            let _ = p.measure_with_start_mark(name, start);
            p.clear_marks_with_mark_name(start);
        }
    }
}

/// The state on page load: a shared link wins, then the autosave, then the seed.
fn startup() -> State {
    let state = State::initial();
    #[cfg(target_arch = "wasm32")]
    {
        let hash = crate::persist::fragment();
        if let Some(code) = crate::persist::code_in_fragment(&hash) {
            return match crate::persist::decode(code) {
                Ok(text) => Rc::new(state)
                    .reduce(Action::Open {
                        name: "shared.toml".into(),
                        bytes: text.into_bytes(),
                    })
                    .as_ref()
                    .clone(),
                Err(e) => {
                    let mut s = state;
                    s.rejected = Some(crate::state::Rejected {
                        name: format!("the shared link ({e})"),
                        diagnostics: Vec::new(),
                    });
                    s
                }
            };
        }
        if let Some(saved) = crate::persist::load() {
            let opened = Rc::new(state.clone()).reduce(Action::Open {
                name: saved.name,
                bytes: saved.text.into_bytes(),
            });
            let mut s = opened.as_ref().clone();
            // Restoring is not an edit: nothing to undo back to.
            s.undo.clear();
            return s;
        }
    }
    state
}

/// The root component.
#[component]
pub fn App() -> Html {
    let state = use_reducer(startup);
    let tab = use_state(|| "inspect".to_owned());
    let search = use_state(String::new);
    let collapsed = use_state(BTreeSet::<String>::new);
    let edit_error = use_state(|| None::<String>);
    let share = use_state(|| None::<String>);
    let saved_ok = use_state(|| true);
    let policies = use_mut_ref(|| {
        analysis::register_clock();
        Policies::builtin()
    });
    let policy_version = use_state(|| 0u64);
    let user_policy = use_state(String::new);
    let policy_error = use_state(|| None::<Rc<hostplan::policy::PolicyError>>);
    let schema = use_memo((), |()| hostplan::schema::json_schema());

    let rev = state.revision;
    // The memos capture the (cheap) state handle and copy out of it only when the revision
    // changes, not on every render (selection, tab switches, simulation choices).
    let topology: Rc<Topology> = use_memo(rev, {
        let s = state.clone();
        move |_| s.current.topology.clone()
    });
    let json = use_memo(rev, {
        let t = topology.clone();
        move |_| serde_json::to_value(&*t).unwrap_or_default()
    });
    let diagnostics = use_memo(rev, {
        let s = state.clone();
        move |_| s.current.diagnostics.clone()
    });
    let graph = use_memo(rev, {
        let t = topology.clone();
        move |_| GraphHandle(hostplan::graph::DependencyGraph::build(&t))
    });
    let laid_out = use_memo((rev, (*collapsed).clone()), {
        let t = topology.clone();
        let g = graph.clone();
        move |(_, c)| layout_with(&t, &g.0, c)
    });
    let sim = use_memo((rev, state.failed.clone(), state.rebooting.clone()), {
        let t = topology.clone();
        move |(_, f, r)| analysis::simulate(&t, f, r)
    });
    let states = use_memo(sim.clone(), |sim| match sim.as_ref() {
        Ok(r) => analysis::box_states(r),
        Err(_) => std::collections::BTreeMap::default(),
    });
    let failed = use_memo(state.failed.clone(), Clone::clone);
    let chains = use_memo(sim.clone(), |sim| match sim.as_ref() {
        // A box may stand for several graph nodes (`talos`, `talos#volumes`): one line each.
        Ok(r) => r.affected.iter().fold(
            std::collections::BTreeMap::<String, String>::new(),
            |mut m, a| {
                let line = m
                    .entry(hostplan::graph::display_owner(&a.id).to_owned())
                    .or_default();
                if !line.is_empty() {
                    line.push('\n');
                }
                line.push_str(&a.chain_text());
                m
            },
        ),
        Err(_) => std::collections::BTreeMap::default(),
    });
    let related = use_memo((rev, state.selected.clone()), {
        let g = graph.clone();
        move |(_, s)| {
            s.as_ref()
                .map(|s| analysis::related(&g.0, s))
                .unwrap_or_default()
        }
    });
    // The N-1 analysis only while its panel is open (it is the costliest per edit).
    let spof = use_memo((rev, *tab == "simulate"), {
        let t = topology.clone();
        move |(_, open)| {
            if *open {
                hostplan::sim::spof::analyse(&t, false).map_err(|e| e.to_string())
            } else {
                Err("(computed when the panel is open)".to_owned())
            }
        }
    });
    // Policies run just after the redraw, so an edit shows at once and findings follow.
    // (revision and policy version it was computed for, result): stale while an edit is pending.
    let evaluation = use_state(|| {
        (
            u64::MAX,
            0u64,
            Rc::new(Err::<hostplan::policy::Evaluation, String>(
                "evaluating…".to_owned(),
            )),
        )
    });
    {
        let evaluation = evaluation.clone();
        let t = topology.clone();
        let policies = policies.clone();
        use_effect_with((rev, *policy_version), move |&(rev, version)| {
            let timer = gloo_timers::callback::Timeout::new(0, move || {
                let result = policies
                    .borrow_mut()
                    .evaluate(&t, &analysis::today())
                    .map_err(|e| e.to_string());
                evaluation.set((rev, version, Rc::new(result)));
            });
            move || drop(timer)
        });
    }
    let book = use_memo(*policy_version, {
        let policies = policies.clone();
        move |v| RuleBookHandle(policies.borrow().book().clone(), *v)
    });
    let flagged = use_memo(rev, {
        let (t, diagnostics) = (topology.clone(), diagnostics.clone());
        move |_| {
            // Flag the entity a diagnostic sits in (`vms[0].host` → that VM) and the id it names.
            let mut ids: Vec<String> = diagnostics.iter().filter_map(|d| d.id.clone()).collect();
            ids.extend(diagnostics.iter().filter_map(|d| owner_of(&t, &d.path)));
            ids
        }
    });

    // Performance marks read by `scripts/bench-web` (see BENCHMARKS.md): when the first render
    // is on screen, and how long an edit takes from the field's change to the committed redraw.
    use_effect_with((), |()| perf_mark("hostplan-interactive"));
    use_effect_with(rev, |_| perf_measure("hostplan-edit", EDIT_START));
    // Autosave on every change.
    {
        let saved_ok = saved_ok.clone();
        let s = state.clone();
        use_effect_with(rev, move |_| {
            #[cfg(target_arch = "wasm32")]
            saved_ok.set(crate::persist::save(&crate::persist::Saved {
                name: s.current.name.clone(),
                text: s.current.text.clone(),
            }));
            #[cfg(not(target_arch = "wasm32"))]
            let _ = (saved_ok, s);
        });
    }
    // Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) anywhere but in a text field, which keeps its own undo.
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|w| {
                gloo_events::EventListener::new(&w, "keydown", move |e| {
                    use wasm_bindgen::JsCast;
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if !(e.ctrl_key() || e.meta_key()) {
                        return;
                    }
                    let in_field = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| {
                            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                        });
                    if in_field {
                        return;
                    }
                    match (e.key().to_lowercase().as_str(), e.shift_key()) {
                        ("z", false) => {
                            e.prevent_default();
                            state.dispatch(Action::Undo);
                        }
                        ("z", true) | ("y", _) => {
                            e.prevent_default();
                            state.dispatch(Action::Redo);
                        }
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }

    let reader = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    let on_select = {
        let state = state.clone();
        Callback::from(move |id: Option<String>| state.dispatch(Action::Select(id)))
    };
    let edit = {
        let state = state.clone();
        let edit_error = edit_error.clone();
        Callback::from(move |t: Topology| {
            edit_error.set(None);
            state.dispatch(Action::Edit(Box::new(t)));
        })
    };
    let on_set = {
        let topology = topology.clone();
        let edit = edit.clone();
        let edit_error = edit_error.clone();
        Callback::from(move |(path, value): SetField| {
            perf_mark(EDIT_START);
            match crate::edit::apply(&topology, &path, value) {
                Ok(t) => edit.emit(t),
                Err(e) => edit_error.set(Some(format!("{path}: {e}"))),
            }
        })
    };
    let on_add = {
        let topology = topology.clone();
        let edit = edit.clone();
        let schema = schema.clone();
        let state = state.clone();
        let edit_error = edit_error.clone();
        Callback::from(move |section: String| {
            match crate::edit::add(&topology, &schema, &section) {
                Ok((t, id)) => {
                    edit.emit(t);
                    let key = if section == "waivers" {
                        format!("waivers[{}]", topology.waivers.len())
                    } else {
                        id
                    };
                    state.dispatch(Action::Select(Some(key)));
                }
                Err(e) => edit_error.set(Some(e)),
            }
        })
    };
    let on_delete = {
        let topology = topology.clone();
        let edit = edit.clone();
        let state = state.clone();
        let edit_error = edit_error.clone();
        Callback::from(move |(section, index): (String, usize)| {
            match crate::edit::delete(&topology, &section, index) {
                Ok(t) => {
                    state.dispatch(Action::Select(None));
                    edit.emit(t);
                }
                Err(e) => edit_error.set(Some(e)),
            }
        })
    };
    let on_waive = {
        let topology = topology.clone();
        let edit = edit.clone();
        Callback::from(move |w: hostplan::model::Waiver| {
            let mut t = (*topology).clone();
            t.waivers.push(w);
            edit.emit(t);
        })
    };
    let on_policy = {
        let policies = policies.clone();
        let policy_version = policy_version.clone();
        let user_policy = user_policy.clone();
        let policy_error = policy_error.clone();
        Callback::from(move |(name, text): (String, String)| {
            user_policy.set(text.clone());
            let files = if text.trim().is_empty() {
                Vec::new()
            } else {
                vec![PolicyFile { path: name, text }]
            };
            let mut p = policies.borrow_mut();
            p.set_user(files);
            policy_error.set(p.error.clone().map(Rc::new));
            policy_version.set(*policy_version + 1);
        })
    };
    let on_file = {
        let state = state.clone();
        let reader = reader.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let state = state.clone();
            let task =
                gloo_file::callbacks::read_as_bytes(&gloo_file::File::from(file), move |res| {
                    let bytes = res.unwrap_or_default();
                    state.dispatch(Action::Open { name, bytes });
                });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    let on_example = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some((name, text)) = hostplan::examples::ALL
                .iter()
                .find(|(n, _)| *n == select.value())
            {
                state.dispatch(Action::Open {
                    name: (*name).to_owned(),
                    bytes: text.as_bytes().to_vec(),
                });
            }
            select.set_value("");
        })
    };
    let dispatch = |a: Action| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(a.clone()))
    };
    let on_share = {
        let share = share.clone();
        let s = state.clone();
        Callback::from(move |_: MouseEvent| {
            #[cfg(target_arch = "wasm32")]
            let base = crate::persist::base_url();
            #[cfg(not(target_arch = "wasm32"))]
            let base = String::new();
            let link = format!(
                "{base}#{}{}",
                crate::persist::FRAGMENT_KEY,
                crate::persist::encode(&s.current.text)
            );
            crate::components::transfer::copy(&link);
            share.set(Some(link));
        })
    };
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            search.set(i.value());
        })
    };
    let on_search_enter = {
        let search = search.clone();
        let json = json.clone();
        let state = state.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let q = search.trim().to_lowercase();
            if q.is_empty() {
                return;
            }
            if let Some((_, _, id)) = crate::edit::entities(&json)
                .into_iter()
                .find(|(_, _, id)| id.to_lowercase().contains(&q))
            {
                state.dispatch(Action::Select(Some(id)));
            }
        })
    };
    let on_toggle_collapse = {
        let collapsed = collapsed.clone();
        Callback::from(move |id: String| {
            let mut c = (*collapsed).clone();
            if !c.remove(&id) {
                c.insert(id);
            }
            collapsed.set(c);
        })
    };
    let on_collapse_all = {
        let collapsed = collapsed.clone();
        let topology = topology.clone();
        Callback::from(move |_: MouseEvent| {
            if collapsed.is_empty() {
                collapsed.set(topology.hosts.iter().map(|h| h.id.clone()).collect());
            } else {
                collapsed.set(BTreeSet::new());
            }
        })
    };
    let on_simulate = {
        let state = state.clone();
        Callback::from(move |(failed, rebooting): (Vec<String>, Vec<String>)| {
            state.dispatch(Action::Simulate { failed, rebooting });
        })
    };
    let on_toggle_failed = {
        let state = state.clone();
        Callback::from(move |id: String| state.dispatch(Action::ToggleFailed(id)))
    };

    let errors = state
        .current
        .diagnostics
        .iter()
        .filter(|d| d.severity == hostplan::diag::Severity::Error)
        .count();
    let warnings = state.current.diagnostics.len() - errors;
    let site = if topology.site.name.is_empty() {
        state.current.name.clone()
    } else {
        topology.site.name.clone()
    };
    let findings_stale = evaluation.0 != rev || evaluation.1 != *policy_version;
    let open_findings = match evaluation.2.as_ref() {
        Ok(e) => e
            .findings
            .iter()
            .filter(|f| {
                f.status == hostplan::policy::Status::Open
                    && f.level >= hostplan::policy::Severity::Warning
            })
            .count(),
        Err(_) => 0,
    };
    let tab_button = |(key, label): &(&str, &str)| {
        let tab_h = tab.clone();
        let k = (*key).to_owned();
        let onclick = Callback::from(move |_: MouseEvent| tab_h.set(k.clone()));
        // The WAI-ARIA tabs pattern: arrows move between tabs, Home/End to the ends; only the
        // active tab is in the Tab order.
        let onkeydown = {
            let tab_h = tab.clone();
            let at = TABS.iter().position(|(k, _)| k == key).unwrap_or(0);
            Callback::from(move |e: KeyboardEvent| {
                let next = match e.key().as_str() {
                    "ArrowRight" | "ArrowDown" => (at + 1) % TABS.len(),
                    "ArrowLeft" | "ArrowUp" => (at + TABS.len() - 1) % TABS.len(),
                    "Home" => 0,
                    "End" => TABS.len() - 1,
                    _ => return,
                };
                e.prevent_default();
                tab_h.set(TABS[next].0.to_owned());
                let id = format!("tab-{}", TABS[next].0);
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(&id))
                {
                    use wasm_bindgen::JsCast;
                    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            })
        };
        let active = *tab == *key;
        let badge = match *key {
            "review" if open_findings > 0 => format!(" ({open_findings})"),
            "simulate" if !state.failed.is_empty() || !state.rebooting.is_empty() => {
                " ●".to_owned()
            }
            _ => String::new(),
        };
        html! {
            <button type="button" role="tab" id={format!("tab-{key}")} aria-selected={active.to_string()} aria-controls="panel"
                tabindex={if active { "0" } else { "-1" }} class={classes!("tab", active.then_some("active"))} {onclick} {onkeydown}>
                { *label }{ badge }
            </button>
        }
    };
    let panel = match tab.as_str() {
        "text" => {
            html! { <TextView text={state.current.text.clone()} revision={rev} rejected={state.rejected.clone()} on_apply={{ let s = state.clone(); Callback::from(move |t: String| s.dispatch(Action::EditText(t))) }} /> }
        }
        "simulate" => html! {
            <SimulatePanel topology={topology.clone()} report={sim.clone()} failed={state.failed.clone()} rebooting={state.rebooting.clone()}
                selected={state.selected.clone()} on_simulate={on_simulate} on_toggle={on_toggle_failed} on_select={on_select.clone()}
                spof={spof.clone()} toml={state.current.text.clone()} />
        },
        "boot" => html! { <BootPanel topology={topology.clone()} on_apply={edit.clone()} /> },
        "whatif" => html! { <WhatIfPanel topology={topology.clone()} on_apply={edit.clone()} /> },
        "review" => html! {
            <ReviewPanel evaluation={evaluation.2.clone()} stale={findings_stale} user_policy={(*user_policy).clone()} policy_error={(*policy_error).clone()}
                on_select={on_select.clone()} on_waive={on_waive} on_policy={on_policy} />
        },
        "transfer" => {
            html! { <TransferPanel topology={topology.clone()} revision={rev} book={book.clone()} on_merge={edit.clone()} /> }
        }
        _ => html! {
            <>
                <Inspector graph={graph.clone()} json={json.clone()} schema={schema.clone()}
                    diagnostics={diagnostics.clone()} selected={state.selected.clone()} on_select={on_select.clone()}
                    on_set={on_set} on_add={on_add} on_delete={on_delete} edit_error={(*edit_error).clone()} />
                <h2>{ "Validation" }<span class="counts" id="counts">{ format!(" {errors} error(s), {warnings} warning(s)") }</span></h2>
                <DiagnosticsList diagnostics={state.current.diagnostics.clone()} on_select={on_select.clone()} />
            </>
        },
    };

    html! {
        <div class="app">
            <header>
                <h1>{ "hostplan" }</h1>
                <span class="file" id="current-file">{ format!("{} — {}", site, state.current.name) }</span>
                <span class={classes!("saved", (!*saved_ok).then_some("unsaved"))} id="saved" aria-live="polite">
                    { if *saved_ok { "✓ saved in this browser" } else { "▲ not saved (storage unavailable)" } }
                </span>
                <div class="controls">
                    <button type="button" id="undo" onclick={dispatch(Action::Undo)} disabled={state.undo.is_empty()} title="Undo (Ctrl+Z)">{ "↶ Undo" }</button>
                    <button type="button" id="redo" onclick={dispatch(Action::Redo)} disabled={state.redo.is_empty()} title="Redo (Ctrl+Shift+Z)">{ "↷ Redo" }</button>
                    <label class="button" for="open-file">{ "Open topology…" }</label>
                    <input id="open-file" class="file-input" type="file" accept=".toml,.json,application/json" onchange={on_file} />
                    <label for="example" class="visually-hidden">{ "Load an example" }</label>
                    <select id="example" onchange={on_example}>
                        <option value="" selected=true>{ "Examples…" }</option>
                        { for hostplan::examples::ALL.iter().map(|(n, _)| html! { <option value={*n}>{ *n }</option> }) }
                    </select>
                    <button type="button" id="share" onclick={on_share}>{ "Share link" }</button>
                </div>
            </header>
            if let Some(link) = &*share {
                <div class="banner info" id="share-banner">
                    <label for="share-link">{ "Link to this plan (copied): " }</label>
                    <input id="share-link" type="text" readonly=true value={link.clone()} />
                    <button type="button" onclick={{ let share = share.clone(); Callback::from(move |_: MouseEvent| share.set(None)) }}>{ "Close" }</button>
                </div>
            }
            if let Some(r) = &state.rejected {
                <div class="banner error" role="alert" id="rejected">
                    <strong>{ format!("Could not open {} — your current topology is unchanged.", r.name) }</strong>
                    <DiagnosticsList diagnostics={r.diagnostics.clone()} on_select={on_select.clone()} />
                    <button type="button" onclick={dispatch(Action::DismissRejected)}>{ "Dismiss" }</button>
                </div>
            }
            if !state.undo.is_empty() && state.current.diagnostics.iter().any(|d| d.severity == hostplan::diag::Severity::Error) {
                <div class="banner warn" id="has-errors">
                    { "This topology has errors (listed under Inspect)." }
                    <button type="button" onclick={dispatch(Action::Undo)}>{ "↶ Restore previous" }</button>
                </div>
            }
            <main>
                <section class="canvas" aria-label="Topology graph">
                    <div class="canvas-tools">
                        <label for="search" class="visually-hidden">{ "Search by id" }</label>
                        <input id="search" type="search" placeholder="Search id… (Enter selects)" value={(*search).clone()} oninput={on_search} onkeydown={on_search_enter} />
                        <button type="button" id="collapse-all" onclick={on_collapse_all}>{ if collapsed.is_empty() { "Collapse hosts" } else { "Expand hosts" } }</button>
                    </div>
                    <GraphView layout={laid_out.clone()} flagged={flagged.clone()} selected={state.selected.clone()} on_select={on_select.clone()}
                        states={states.clone()} failed={failed.clone()} related={related.clone()} search={(*search).clone()} chains={chains.clone()} on_toggle_collapse={on_toggle_collapse} />
                    <div class="legend" aria-label="Legend">
                        <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge" /></svg>{ " requires" }</span>
                        <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge passthrough" /></svg>{ " PCIe passthrough" }</span>
                        <span>{ "⚠ has a problem" }</span>
                        <span class="lg-up">{ "✓ up" }</span>
                        <span class="lg-degraded">{ "◐ degraded" }</span>
                        <span class="lg-down">{ "✖ down (hatched)" }</span>
                    </div>
                </section>
                <aside>
                    <div class="tabs" role="tablist" aria-label="Panels">{ for TABS.iter().map(tab_button) }</div>
                    <div id="panel" role="tabpanel" aria-labelledby={format!("tab-{}", *tab)}>{ panel }</div>
                </aside>
            </main>
        </div>
    }
}

/// Props of [`TextView`].
#[derive(Properties, PartialEq)]
pub struct TextViewProps {
    /// The current TOML.
    pub text: String,
    /// Model revision (the editor resets to the model's text when it changes).
    pub revision: u64,
    /// Why the last applied text was not taken.
    pub rejected: Option<crate::state::Rejected>,
    /// Apply edited text.
    pub on_apply: Callback<String>,
}

/// The topology as TOML, editable; applying replaces the model (or shows why it cannot).
#[component]
pub fn TextView(props: &TextViewProps) -> Html {
    let area = use_node_ref();
    let apply = {
        let area = area.clone();
        let cb = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                cb.emit(t.value());
            }
        })
    };
    let revert = {
        let area = area.clone();
        let text = props.text.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                t.set_value(&text);
            }
        })
    };
    html! {
        <div class="panel" id="text-panel">
            <label for="toml">{ "Topology (TOML) — edits here and in the forms stay in sync" }</label>
            <textarea id="toml" key={props.revision.to_string()} ref={area} spellcheck="false" rows="30" value={props.text.clone()} />
            <div class="row">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" onclick={revert}>{ "Revert" }</button>
            </div>
            if let Some(r) = &props.rejected {
                <div class="field-error" role="alert">
                    { format!("Not applied ({}):", r.name) }
                    <ul>{ for r.diagnostics.iter().map(|d| html! { <li>{ format!("{}{}", d.location.as_ref().map(|l| format!("line {}:{}: ", l.line, l.column)).unwrap_or_default(), d.message) }</li> }) }</ul>
                </div>
            }
        </div>
    }
}

/// Id of the entity whose entry holds `path` (`vms[0].hostpci[1]` → the first VM's id).
fn owner_of(t: &Topology, path: &hostplan::diag::DataPath) -> Option<String> {
    use hostplan::diag::Segment;
    let (Some(Segment::Key(section)), Some(Segment::Index(i))) = (path.0.first(), path.0.get(1))
    else {
        return None;
    };
    let i = *i as usize;
    match section.as_str() {
        "hosts" => t.hosts.get(i).map(|x| x.id.clone()),
        "devices" => t.devices.get(i).map(|x| x.id.clone()),
        "disks" => t.disks.get(i).map(|x| x.id.clone()),
        "storages" => t.storages.get(i).map(|x| x.id.clone()),
        "pools" => t.pools.get(i).map(|x| x.id.clone()),
        "networks" => t.networks.get(i).map(|x| x.id.clone()),
        "vms" => t.vms.get(i).map(|x| x.id.clone()),
        "services" => t.services.get(i).map(|x| x.id.clone()),
        "consumers" => t.consumers.get(i).map(|x| x.id.clone()),
        "power_feeds" => t.power_feeds.get(i).map(|x| x.id.clone()),
        _ => None,
    }
}
