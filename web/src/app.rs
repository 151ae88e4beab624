//! The app shell: header with open/example controls, the graph, and the side panel.
//! Side effects (reading files) live in callbacks here; the state itself is a pure reducer.

use crate::components::diagnostics::DiagnosticsList;
use crate::components::graph_view::GraphView;
use crate::components::inspector::{GraphHandle, Inspector};
use crate::layout::layout;
use crate::state::{Action, State};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The root component.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::initial);
    let topology = &state.current.topology;
    let laid_out = {
        let t = topology.clone();
        use_memo(t, |t| Rc::new(layout(t)))
    };
    let graph = use_memo(topology.clone(), |t| {
        Rc::new(GraphHandle(hostplan::graph::DependencyGraph::build(t)))
    });
    let flagged = use_memo(state.current.clone(), |cur| {
        // Flag the entity a diagnostic sits in (`vms[0].host` → that VM) and the id it names.
        let mut ids: Vec<String> = cur
            .diagnostics
            .iter()
            .filter_map(|d| d.id.clone())
            .collect();
        ids.extend(
            cur.diagnostics
                .iter()
                .filter_map(|d| owner_of(&cur.topology, &d.path)),
        );
        Rc::new(ids)
    });
    // Keep the file-reading task alive until it finishes.
    let reader = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);

    let on_select = {
        let state = state.clone();
        Callback::from(move |id: Option<String>| state.dispatch(Action::Select(id)))
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
    let on_restore = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::RestorePrevious))
    };
    let on_dismiss = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(Action::DismissRejected))
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

    html! {
        <div class="app">
            <header>
                <h1>{ "hostplan" }</h1>
                <span class="file" id="current-file">{ format!("{} — {}", site, state.current.name) }</span>
                <div class="controls">
                    <label class="button" for="open-file">{ "Open topology…" }</label>
                    <input id="open-file" type="file" accept=".toml,.json,application/json" onchange={on_file} />
                    <label for="example" class="visually-hidden">{ "Load an example" }</label>
                    <select id="example" onchange={on_example}>
                        <option value="" selected=true>{ "Examples…" }</option>
                        { for hostplan::examples::ALL.iter().map(|(n, _)| html! { <option value={*n}>{ *n }</option> }) }
                    </select>
                    if state.previous.is_some() {
                        <button type="button" onclick={on_restore}>{ "↶ Restore previous" }</button>
                    }
                </div>
            </header>
            if let Some(r) = &state.rejected {
                <div class="banner error" role="alert" id="rejected">
                    <strong>{ format!("Could not open {} — your current topology is unchanged.", r.name) }</strong>
                    <DiagnosticsList diagnostics={r.diagnostics.clone()} on_select={on_select.clone()} />
                    <button type="button" onclick={on_dismiss}>{ "Dismiss" }</button>
                </div>
            }
            <main>
                <section class="canvas" aria-label="Topology graph">
                    <GraphView layout={(*laid_out).clone()} flagged={(*flagged).clone()} selected={state.selected.clone()} on_select={on_select.clone()} />
                    <div class="legend" aria-label="Legend">
                        <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge" /></svg>{ " requires" }</span>
                        <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge passthrough" /></svg>{ " PCIe passthrough" }</span>
                        <span>{ "⚠ has a problem" }</span>
                    </div>
                </section>
                <aside>
                    <h2>{ "Validation" }<span class="counts" id="counts">{ format!(" {errors} error(s), {warnings} warning(s)") }</span></h2>
                    <DiagnosticsList diagnostics={state.current.diagnostics.clone()} on_select={on_select.clone()} />
                    <h2>{ "Inspector" }</h2>
                    <Inspector graph={(*graph).clone()} selected={state.selected.clone()} />
                </aside>
            </main>
        </div>
    }
}

/// Id of the entity whose entry holds `path` (`vms[0].hostpci[1]` → the first VM's id).
fn owner_of(t: &hostplan::model::Topology, path: &hostplan::diag::DataPath) -> Option<String> {
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
