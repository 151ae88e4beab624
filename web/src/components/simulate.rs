//! Failure simulation: presets (lose a host, reboot a host, power cut), the component picked in
//! the graph, the resulting states with their cause chains, and the single-points-of-failure
//! view with blast radius.

use crate::components::failure_domains::{Consequences, FailPart};
use crate::components::job::{JobKind, JobPanel};
use crate::components::outages::RebootOutages;
use crate::components::outcome::Outcome;
use hostplan::graph::State;
use hostplan::model::Topology;
use hostplan::sim::failure::FailureReport;
use hostplan::sim::spof::SpofReport;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`SimulatePanel`].
#[derive(Properties, PartialEq)]
pub struct SimulateProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// The current simulation.
    pub report: Rc<Result<FailureReport, String>>,
    /// Failed components.
    pub failed: Vec<String>,
    /// Rebooting hosts.
    pub rebooting: Vec<String>,
    /// Selected component.
    pub selected: Option<String>,
    /// Set failures and reboots.
    pub on_simulate: Callback<(Vec<String>, Vec<String>)>,
    /// Toggle one failure.
    pub on_toggle: Callback<String>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
    /// The N-1 analysis (`None` while the worker computes it).
    pub spof: crate::service::Answered<SpofReport>,
    /// The document (for the long analyses in the worker).
    pub doc: crate::service::Shared<crate::state::Doc>,
}

/// Icon for a state: shape as well as colour.
pub fn state_icon(s: State) -> &'static str {
    match s {
        State::Up => "✓",
        State::Degraded => "◐",
        State::Down => "✖",
    }
}

/// The simulation panel.
#[component]
pub fn SimulatePanel(props: &SimulateProps) -> Html {
    let host_pick = use_state(String::new);
    let t = &props.topology;
    let host = if host_pick.is_empty() {
        t.hosts.first().map(|h| h.id.clone()).unwrap_or_default()
    } else {
        (*host_pick).clone()
    };
    let on_host = super::store_select(&host_pick);
    let preset = |failed: Vec<String>, rebooting: Vec<String>| {
        let cb = props.on_simulate.clone();
        Callback::from(move |_: MouseEvent| cb.emit((failed.clone(), rebooting.clone())))
    };
    // A power cut takes every feed (or, without feeds in the model, every host).
    let cut: Vec<String> = if t.power_feeds.is_empty() {
        t.hosts.iter().map(|h| h.id.clone()).collect()
    } else {
        t.power_feeds.iter().map(|p| p.id.clone()).collect()
    };
    let toggle_selected = props.selected.clone().map(|id| {
        let cb = props.on_toggle.clone();
        let failing = props.failed.contains(&id);
        let label = if failing {
            format!("Bring {id} back")
        } else {
            format!("Fail {id}")
        };
        html! { <button type="button" id="fail-selected" onclick={Callback::from(move |_: MouseEvent| cb.emit(id.clone()))}>{ label }</button> }
    });
    let summary = match props.report.as_ref() {
        Ok(r) if r.failed.is_empty() && r.transient.is_empty() => html! {
            <p class="hint">{ "Nothing failed. Pick a preset, or select a component and fail it." }</p>
        },
        Ok(r) => report_view(r, props),
        Err(e) => html! { <p class="field-error" role="alert">{ e }</p> },
    };
    html! {
        <div class="panel" id="simulate-panel">
            <div class="row">
                <label for="sim-host">{ "Host" }</label>
                <select id="sim-host" onchange={on_host}>
                    { for t.hosts.iter().map(|h| html! { <option value={h.id.clone()} selected={h.id == host}>{ &h.id }</option> }) }
                </select>
                <button type="button" id="lose-host" onclick={preset(vec![host.clone()], vec![])}>{ "Lose host" }</button>
                <button type="button" id="reboot-host" onclick={preset(vec![], vec![host.clone()])}>{ "Reboot host" }</button>
            </div>
            <div class="row">
                <button type="button" id="power-cut" onclick={preset(cut, vec![])} title="Mains loss: every power feed fails; UPS units run on battery">{ "Power cut" }</button>
                { for toggle_selected }
                <button type="button" id="clear-sim" onclick={preset(vec![], vec![])}>{ "Clear" }</button>
            </div>
            <FailPart topology={props.topology.clone()} failed={props.failed.clone()} on_toggle={props.on_toggle.clone()} />
            { summary }
            <h3>{ "Single points of failure" }</h3>
            { spof_view(props) }
            <h4>{ "Critical pairs (N-2)" }</h4>
            <JobPanel kind={JobKind::Pairs} doc={props.doc.clone()} on_select={props.on_select.clone()} />
            <h3>{ "Availability" }</h3>
            <p class="hint">{ "Expected downtime per service from each component's MTBF/MTTR (the model's, or defaults by kind)." }</p>
            <JobPanel kind={JobKind::Availability} doc={props.doc.clone()} on_select={props.on_select.clone()} />
        </div>
    }
}

fn report_view(r: &FailureReport, props: &SimulateProps) -> Html {
    let failed = r.failed.join(", ");
    let rebooting: Vec<String> = r
        .transient
        .iter()
        .map(|tr| match tr.back_after_ms {
            Some(ms) => format!("{} (all back after {:.0} s)", tr.host, ms as f64 / 1000.0),
            None => format!("{} (something never comes back)", tr.host),
        })
        .collect();
    let chain_of_selected = props.selected.as_ref().and_then(|s| {
        r.affected
            .iter()
            .find(|a| a.id == *s || hostplan::graph::display_owner(&a.id) == s)
    });
    html! {
        <div id="sim-result">
            <p class="sim-counts">
                <span class="up">{ format!("✓ {} up", r.up) }</span>
                <span class="degraded">{ format!(" ◐ {} degraded", r.degraded) }</span>
                <span class="down">{ format!(" ✖ {} down", r.down) }</span>
            </p>
            if !failed.is_empty() { <p>{ "Failed: " }<strong>{ failed }</strong></p> }
            if !rebooting.is_empty() { <p>{ "Rebooting: " }{ rebooting.join(", ") }</p> }
            <RebootOutages transient={r.transient.clone()} on_select={props.on_select.clone()} />
            if let Some(a) = chain_of_selected {
                <p class="chain" id="selected-chain"><strong>{ "Why: " }</strong>{ a.chain_text() }</p>
            }
            <Consequences topology={props.topology.clone()} report={props.report.clone()} on_select={props.on_select.clone()} />
            <Outcome topology={props.topology.clone()} report={props.report.clone()} on_select={props.on_select.clone()} />
        </div>
    }
}

fn spof_view(props: &SimulateProps) -> Html {
    let report = match &props.spof {
        Some(Ok(r)) => r,
        Some(Err(e)) => return html! { <p class="field-error">{ e }</p> },
        None => {
            return html! { <p class="hint" id="spof-pending" aria-busy="true">{ "Finding single points of failure…" }</p> }
        }
    };
    let select = |id: String| {
        let cb = props.on_select.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())))
    };
    html! {
        <div id="spof">
            <table class="spof">
                <thead><tr><th scope="col">{ "Service / volumes" }</th><th scope="col">{ "Single points of failure" }</th></tr></thead>
                <tbody>
                { for report.services.iter().map(|s| html! {
                    <tr>
                        <th scope="row">{ &s.service }</th>
                        <td>{ for s.components.iter().map(|c| html! { <button type="button" class="chip" onclick={select(c.clone())}>{ c }</button> }) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            <h4>{ "Blast radius (top 10)" }</h4>
            <ol class="blast">
                { for report.ranking.iter().take(10).map(|b| html! {
                    <li>
                        <button type="button" class="chip" onclick={select(b.id.clone())}>{ &b.id }</button>
                        { format!(" takes down {} service(s), {} VM(s), {} component(s) in all", b.services.len(), b.vms.len(), b.total) }
                    </li>
                }) }
            </ol>
        </div>
    }
}
