//! The app shell: the header, the graph canvas, and the side panel's tabs. Derived data and
//! side effects are hooks ([`crate::hooks`]); the state itself is a pure reducer
//! ([`crate::state`]) and every analysis is the core's.

use crate::components::boot::{use_boot, BootGantt, BootPanel};
use crate::components::canvas::Canvas;
use crate::components::delta::DeltaPanel;
use crate::components::diagnostics::DiagnosticsList;
use crate::components::header::{read_in_worker, Header};
use crate::components::hookscripts::HookscriptsPanel;
use crate::components::inspector::Inspector;
use crate::components::operations::{MaintainPanel, OutagePanel};
use crate::components::review::ReviewPanel;
use crate::components::simulate::SimulatePanel;
use crate::components::tab_bar::{Tab, TabBar, TabPanel};
use crate::components::text_view::TextView;
use crate::components::transfer::TransferPanel;
use crate::components::whatif::WhatIfPanel;
use crate::hooks::{
    use_analysis, use_autosave, use_delta, use_editing, use_perf_marks, use_policy_evaluation,
    use_shortcuts,
};
use crate::service::Shared;
use crate::state::{Action, State};
use hostplan::diag::Severity;
use yew::prelude::*;

/// The state on page load: a shared link wins, then the autosave, then the seed. An autosaved
/// JSON file is read by the worker ([`json_autosave`]): the seed shows until it arrives.
fn startup() -> State {
    let state = State::initial();
    #[cfg(target_arch = "wasm32")]
    {
        let hash = crate::persist::fragment();
        if let Some(code) = crate::persist::code_in_fragment(&hash) {
            return match crate::persist::decode(code) {
                Ok(text) => std::rc::Rc::new(state)
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
                        from_text: false,
                    });
                    s
                }
            };
        }
        if let Some(saved) = crate::persist::load() {
            if crate::state::is_json(&saved.name, saved.text.as_bytes()) {
                return state;
            }
            let opened = std::rc::Rc::new(state.clone()).reduce(Action::Open {
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

/// The autosave, when it is JSON and no shared link wins over it: the page reads only TOML,
/// so the worker reads it ([`crate::components::header::read_in_worker`]).
fn json_autosave() -> Option<crate::persist::Saved> {
    #[cfg(target_arch = "wasm32")]
    if crate::persist::code_in_fragment(&crate::persist::fragment()).is_none() {
        return crate::persist::load()
            .filter(|s| crate::state::is_json(&s.name, s.text.as_bytes()));
    }
    None
}

/// The root component.
#[component]
pub fn App() -> Html {
    let state = use_reducer(startup);
    let tab = use_state(Tab::default);
    // The boot scenario: the side panel picks it, the Gantt on the main canvas draws it.
    let boot_scenario = use_state(|| "cold".to_owned());
    let rev = state.revision;
    let a = use_analysis(&state, *tab == Tab::Simulate);
    let big = *use_memo(rev, {
        let t = a.topology.clone();
        move |_| hostplan::export::overview::wants_overview(&t)
    });
    let policy = use_policy_evaluation(rev, state.current.clone());
    use_perf_marks(rev);
    // An autosaved JSON file being read by the worker: not overwritten meanwhile.
    let restoring = use_state(json_autosave);
    {
        let (restoring, dispatcher) = (restoring.clone(), state.dispatcher());
        use_effect_with((), move |()| {
            if let Some(saved) = (*restoring).clone() {
                read_in_worker(saved.name, saved.text, move |read| {
                    restoring.set(None);
                    dispatcher.dispatch(Action::Restored(Box::new(read)));
                });
            }
        });
    }
    let saved = use_autosave(state.current.clone(), rev, restoring.is_some());
    use_shortcuts(state.dispatcher());
    let editing = use_editing(state.dispatcher(), a.topology.clone());
    // The current document for the panels that send it to the worker, compared by identity.
    let doc = Shared(state.current.clone());
    let boot = use_boot(doc.clone(), (*boot_scenario).clone(), *tab == Tab::Boot);
    let delta = use_delta(
        state.current.clone(),
        state.opened.clone(),
        rev,
        policy.book.clone(),
        *tab == Tab::Delta,
        big,
    );

    // What the overview counts per tile: diagnostics and open policy findings.
    let findings = use_memo((rev, policy.result.clone()), {
        let diagnostics = a.diagnostics.clone();
        move |(_, result)| {
            let mut out: Vec<(String, Severity)> = diagnostics
                .iter()
                .filter_map(|d| Some((d.id.clone()?, d.severity)))
                .collect();
            if let Ok(e) = result.as_ref() {
                out.extend(
                    e.findings
                        .iter()
                        .filter(|f| f.status == hostplan::policy::Status::Open)
                        .map(|f| (f.resource.clone(), f.level)),
                );
            }
            out
        }
    });
    // The same, with their words, per drawn entity: the graph's finding badges.
    let marks = use_memo((rev, policy.result.clone()), {
        let (t, diagnostics) = (a.topology.clone(), a.diagnostics.clone());
        move |(_, result)| {
            crate::components::badges::marks(&t, &diagnostics, result.as_ref().as_ref().ok())
        }
    });
    let policy_file = use_memo(
        (policy.user_policy_name.clone(), policy.user_policy.clone()),
        |(n, t)| (n.clone(), t.clone()),
    );
    let on_action: Callback<Action> = state.dispatcher().into();
    let on_select = on_action.reform(Action::Select);
    // The text view's text: TOML is read on the page, JSON by the worker.
    let on_text = {
        let (on_action, name) = (on_action.clone(), state.current.name.clone());
        Callback::from(move |text: String| {
            if crate::state::is_json(&name, text.as_bytes()) {
                let on_action = on_action.clone();
                read_in_worker(name.clone(), text, move |read| {
                    on_action.emit(Action::TextRead(Box::new(read)));
                });
            } else {
                on_action.emit(Action::EditText(text));
            }
        })
    };
    let errors = state
        .current
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = state.current.diagnostics.len() - errors;

    let panel = match *tab {
        Tab::Inspect => html! {
            <>
                <Inspector graph={a.graph.clone()} topology={a.topology.clone()} schema={editing.schema.clone()}
                    diagnostics={a.diagnostics.clone()} selected={state.selected.clone()} on_select={on_select.clone()}
                    on_set={editing.on_set} on_add={editing.on_add} on_clone_host={editing.on_clone_host}
                    on_delete={editing.on_delete} edit_error={state.edit_error.clone()} />
                <h2>{ "Validation" }<span class="counts" id="counts">{ format!(" {errors} error(s), {warnings} warning(s)") }</span></h2>
                <DiagnosticsList diagnostics={state.current.diagnostics.clone()} topology={Some(a.topology.clone())} on_select={on_select.clone()} />
            </>
        },
        Tab::Text => html! {
            <TextView text={state.current.text.clone()} revision={rev} rejected={state.rejected.clone().filter(|r| r.from_text)}
                diagnostics={a.diagnostics.clone()} on_apply={on_text} />
        },
        Tab::Simulate => html! {
            <>
            <SimulatePanel topology={a.topology.clone()} report={a.sim.clone()} failed={state.failed.clone()} rebooting={state.rebooting.clone()}
                selected={state.selected.clone()} on_select={on_select.clone()} spof={a.spof.clone()} doc={doc.clone()}
                on_simulate={on_action.reform(|(failed, rebooting)| Action::Simulate { failed, rebooting })}
                on_toggle={on_action.reform(Action::ToggleFailed)} />
            <OutagePanel doc={doc.clone()} />
            </>
        },
        Tab::Boot => {
            let on_scenario = {
                let s = boot_scenario.clone();
                Callback::from(move |v: String| s.set(v))
            };
            html! { <BootPanel doc={doc.clone()} answer={boot.clone()} on_apply={editing.edit.clone()} scenario={(*boot_scenario).clone()} {on_scenario} /> }
        }
        Tab::Maintain => html! {
            <>
            <MaintainPanel doc={doc.clone()} />
            <HookscriptsPanel doc={doc.clone()} />
            </>
        },
        Tab::WhatIf => {
            html! { <WhatIfPanel doc={doc.clone()} on_apply={editing.edit.clone()} /> }
        }
        Tab::Delta => html! { <DeltaPanel delta={delta.clone()} on_select={on_select.clone()} /> },
        Tab::Review => html! {
            <ReviewPanel evaluation={policy.result} stale={policy.stale} user_policy={policy.user_policy} user_policy_name={policy.user_policy_name.clone()} doc={doc.clone()} policy_error={policy.error}
                on_tab={{ let tab = tab.clone(); Callback::from(move |t: Tab| tab.set(t)) }}
                on_select={on_select.clone()} on_waive={editing.on_waive} on_policy={policy.on_policy} />
        },
        Tab::Transfer => html! {
            <TransferPanel doc={doc.clone()} book={policy.book} on_merge={editing.edit} />
        },
    };

    html! {
        <div class="app">
            <Header doc={state.current.clone()} {saved} policy={policy_file} can_undo={!state.undo.is_empty()} can_redo={!state.redo.is_empty()} on_action={on_action.clone()} />
            if let Some(r) = state.rejected.as_ref().filter(|r| !r.from_text) {
                <div class="banner error" role="alert" id="rejected">
                    <strong>{ format!("Could not open {} — your current topology is unchanged.", r.name) }</strong>
                    <DiagnosticsList diagnostics={r.diagnostics.clone()} on_select={on_select.clone()} />
                    <button type="button" onclick={on_action.reform(|_: MouseEvent| Action::DismissRejected)}>{ "Dismiss" }</button>
                </div>
            }
            if let Some(problem) = policy.link_problem.clone() {
                <div class="banner warn" role="alert" id="link-policy-damaged">
                    { problem }
                    <button type="button" onclick={policy.on_dismiss_link_problem.reform(|_: MouseEvent| ())}>{ "Dismiss" }</button>
                </div>
            }
            if !state.undo.is_empty() && errors > 0 {
                <div class="banner warn" id="has-errors">
                    { "This topology has errors (listed under Inspect)." }
                    <button type="button" onclick={on_action.reform(|_: MouseEvent| Action::Undo)}>{ "↶ Restore previous" }</button>
                </div>
            }
            <main>
                // The Boot tab's timeline takes the main canvas; the graph stays mounted (its
                // zoom, search and collapsed hosts kept) but hidden meanwhile.
                if *tab == Tab::Boot {
                    <BootGantt doc={doc.clone()} answer={boot.clone()} scenario={(*boot_scenario).clone()} />
                }
                <div class="main-view" hidden={*tab == Tab::Boot}>
                <Canvas topology={a.topology.clone()} revision={rev} structure={state.structure} graph={a.graph.clone()} flagged={a.flagged.clone()}
                    selected={state.selected.clone()} on_select={on_select.clone()} states={a.states.clone()} failed={a.failed.clone()}
                    related={a.related.clone()} chains={a.chains.clone()} {findings} {marks} changed={delta.changed.clone()} />
                </div>
                <aside id="side-panel" tabindex="-1" aria-label="Side panel">
                    <TabBar active={*tab} open_findings={policy.open_findings}
                        simulating={!state.failed.is_empty() || !state.rebooting.is_empty()}
                        on_select={{ let tab = tab.clone(); Callback::from(move |t: Tab| tab.set(t)) }} />
                    <TabPanel tab={*tab}>{ panel }</TabPanel>
                </aside>
            </main>
        </div>
    }
}
