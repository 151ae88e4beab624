//! The graph canvas: search and collapse tools, the graph, and its legend. Search text and
//! collapsed hosts are this view's own state; the layout is recomputed when either the model
//! or the collapsed set changes.

use crate::components::graph_view::GraphView;
use crate::components::inspector::GraphHandle;
use crate::layout::layout_with;
use hostplan::graph::State;
use hostplan::model::Topology;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Canvas`].
#[derive(Properties, PartialEq)]
pub struct CanvasProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// Its revision (the layout's memo key).
    pub revision: u64,
    /// Its dependency graph.
    pub graph: Rc<GraphHandle>,
    /// The model as JSON (search walks its entities).
    pub json: Rc<serde_json::Value>,
    /// Ids with a diagnostic.
    pub flagged: Rc<Vec<String>>,
    /// Selected id.
    pub selected: Option<String>,
    /// Select an id (or `None`).
    pub on_select: Callback<Option<String>>,
    /// Simulated state of each affected box.
    pub states: Rc<BTreeMap<String, State>>,
    /// Simulated failures.
    pub failed: Rc<Vec<String>>,
    /// What the selection depends on, and what depends on it.
    pub related: Rc<(BTreeSet<String>, BTreeSet<String>)>,
    /// Cause chain of each affected box.
    pub chains: Rc<BTreeMap<String, String>>,
}

/// The canvas.
#[component]
pub fn Canvas(props: &CanvasProps) -> Html {
    let search = use_state(String::new);
    let collapsed = use_state(BTreeSet::<String>::new);
    let layout = use_memo((props.revision, (*collapsed).clone()), {
        let (t, g) = (props.topology.clone(), props.graph.clone());
        move |(_, c)| layout_with(&t, &g.0, c)
    });
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            search.set(i.value());
        })
    };
    // Enter selects the first entity whose id contains the search text.
    let on_search_enter = {
        let (search, json) = (search.clone(), props.json.clone());
        let on_select = props.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            let q = search.trim().to_lowercase();
            if e.key() != "Enter" || q.is_empty() {
                return;
            }
            if let Some((_, _, id)) = crate::edit::entities(&json)
                .into_iter()
                .find(|(_, _, id)| id.to_lowercase().contains(&q))
            {
                on_select.emit(Some(id));
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
        let (collapsed, topology) = (collapsed.clone(), props.topology.clone());
        Callback::from(move |_: MouseEvent| {
            if collapsed.is_empty() {
                collapsed.set(topology.hosts.iter().map(|h| h.id.clone()).collect());
            } else {
                collapsed.set(BTreeSet::new());
            }
        })
    };
    html! {
        <section class="canvas" aria-label="Topology graph">
            <div class="canvas-tools">
                <label for="search" class="visually-hidden">{ "Search by id" }</label>
                <input id="search" type="search" placeholder="Search id… (Enter selects)" value={(*search).clone()} oninput={on_search} onkeydown={on_search_enter} />
                <button type="button" id="collapse-all" onclick={on_collapse_all}>{ if collapsed.is_empty() { "Collapse hosts" } else { "Expand hosts" } }</button>
            </div>
            <GraphView {layout} flagged={props.flagged.clone()} selected={props.selected.clone()} on_select={props.on_select.clone()}
                states={props.states.clone()} failed={props.failed.clone()} related={props.related.clone()} search={(*search).clone()}
                chains={props.chains.clone()} {on_toggle_collapse} />
            <div class="legend" aria-label="Legend">
                <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge" /></svg>{ " requires" }</span>
                <span><svg width="36" height="10"><path d="M0,5 L36,5" class="edge passthrough" /></svg>{ " PCIe passthrough" }</span>
                <span>{ "⚠ has a problem" }</span>
                <span class="lg-up">{ "✓ up" }</span>
                <span class="lg-degraded">{ "◐ degraded" }</span>
                <span class="lg-down">{ "✖ down (hatched)" }</span>
            </div>
        </section>
    }
}
