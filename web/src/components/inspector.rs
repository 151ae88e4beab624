//! Details of the selected component: what it requires and what requires it.

use hostplan::graph::DependencyGraph;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The dependency graph of the current topology.
    pub graph: Rc<GraphHandle>,
    /// Selected id.
    pub selected: Option<String>,
}

/// A graph wrapper compared by identity, so props stay cheap.
pub struct GraphHandle(pub DependencyGraph);

impl PartialEq for GraphHandle {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The inspector panel.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let Some(id) = &props.selected else {
        return html! { <p class="hint">{ "Select a component to see what it requires and what depends on it." }</p> };
    };
    let g = &props.graph.0;
    let Some(n) = g.find(id) else {
        return html! { <p class="hint">{ format!("`{id}` is not in the graph.") }</p> };
    };
    let kind = g
        .node_of(n)
        .map(|x| format!("{:?}", x.kind))
        .unwrap_or_default();
    let reqs = g.requirements(n).into_iter().filter_map(|(m, e)| {
        g.node_of(m).map(|x| html! { <li>{ &x.id }<span class="edge-kind">{ format!(" ({:?}{})", e.kind, if e.required { "" } else { ", optional" }) }</span></li> })
    });
    let deps = g
        .dependents(n)
        .into_iter()
        .filter_map(|m| g.node_of(m).map(|x| html! { <li>{ &x.id }</li> }));
    html! {
        <div class="inspector" id="inspector">
            <h3>{ id }<span class="kind">{ format!(" · {kind}") }</span></h3>
            <h4>{ "Requires" }</h4>
            <ul>{ for reqs }</ul>
            <h4>{ "Required by" }</h4>
            <ul>{ for deps }</ul>
        </div>
    }
}
