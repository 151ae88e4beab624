//! A failure's results as people read them: the services it takes down first (each with the
//! core's "how to survive this" line), then the VMs, then the hardware. Grouping and hints are
//! the core's ([`hostplan::sim::advice`]).

use crate::components::simulate::state_icon;
use hostplan::model::Topology;
use hostplan::sim::advice::{grouped, survival};
use hostplan::sim::failure::{state_word, Affected, FailureReport};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`Outcome`].
#[derive(Properties, PartialEq)]
pub struct OutcomeProps {
    /// The model simulated.
    pub topology: Rc<Topology>,
    /// The simulation.
    pub report: Rc<Result<FailureReport, String>>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
}

/// The grouped results with their hints.
#[component]
pub fn Outcome(props: &OutcomeProps) -> Html {
    let Ok(r) = props.report.as_ref() else {
        return Html::default();
    };
    let hints: BTreeMap<String, String> = hostplan::sort::btree_map(
        survival(&props.topology, r)
            .into_iter()
            .map(|s| (s.service, s.hint)),
    );
    let g = grouped(r);
    let item = |a: &Affected| {
        let id = hostplan::graph::display_owner(&a.id).to_owned();
        let cb = props.on_select.clone();
        let onclick = Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())));
        html! {
            <li class={classes!("state", state_word(a.state))} data-id={a.id.clone()}>
                <button type="button" {onclick}>
                    <span class="icon" aria-hidden="true">{ state_icon(a.state) }</span>
                    <span class="head"><strong>{ &a.id }</strong>{ format!(" {}", state_word(a.state)) }</span>
                    <span class="chain-text">{ a.chain_text() }</span>
                </button>
                if let Some(h) = hints.get(&a.id) {
                    <p class="survive" data-for={a.id.clone()}><strong>{ "To survive this: " }</strong>{ h }</p>
                }
            </li>
        }
    };
    let group = |title: &str, key: &str, items: &[&Affected]| {
        if items.is_empty() {
            return Html::default();
        }
        html! {
            <>
                <h4 id={format!("affected-{key}")}>{ format!("{title} ({})", items.len()) }</h4>
                <ul class="affected" aria-labelledby={format!("affected-{key}")}>{ for items.iter().map(|a| item(a)) }</ul>
            </>
        }
    };
    html! {
        <div id="affected">
            { group("Services", "services", &g.services) }
            { group("VMs", "vms", &g.vms) }
            { group("Hardware and storage", "hardware", &g.hardware) }
        </div>
    }
}
