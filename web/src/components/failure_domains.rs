//! The failure domains around the hosts in the simulation panel: a picker to fail a switch, a
//! link or a UPS, and what a scenario does to the cluster's quorum, the UPS batteries and the
//! HA guests. The numbers are the core's ([`hostplan::sim::quorum`], [`hostplan::sim::power`],
//! [`hostplan::sim::ha`]); this only lays them out.

use hostplan::graph::{State, QUORUM_NODE};
use hostplan::model::Topology;
use hostplan::sim::failure::FailureReport;
use hostplan::sim::quorum::Votequorum;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`FailPart`].
#[derive(Properties, PartialEq)]
pub struct FailPartProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// Failed components.
    pub failed: Vec<String>,
    /// Toggle one failure.
    pub on_toggle: Callback<String>,
}

/// A picker over the switches, links and UPS units, failing (or bringing back) the one picked:
/// the parts below the hosts that have no preset of their own. Nothing when the model has none.
#[component]
pub fn FailPart(props: &FailPartProps) -> Html {
    let pick = use_state(String::new);
    let t = &props.topology;
    let groups: [(&str, Vec<&String>); 3] = [
        ("Switches", t.switches.iter().map(|s| &s.id).collect()),
        ("Links", t.links.iter().map(|l| &l.id).collect()),
        ("UPS units", t.ups.iter().map(|u| &u.id).collect()),
    ];
    let first = groups.iter().find_map(|(_, ids)| ids.first().copied());
    let Some(first) = first else {
        return Html::default();
    };
    let exists = groups
        .iter()
        .any(|(_, ids)| ids.iter().any(|i| **i == *pick));
    let chosen = if exists {
        (*pick).clone()
    } else {
        first.clone()
    };
    let on_pick = super::store_select(&pick);
    let failing = props.failed.contains(&chosen);
    let onclick = {
        let (cb, id) = (props.on_toggle.clone(), chosen.clone());
        Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
    };
    html! {
        <div class="row">
            <label for="fail-part-pick">{ "Part" }</label>
            <select id="fail-part-pick" onchange={on_pick}>
                { for groups.iter().filter(|(_, ids)| !ids.is_empty()).map(|(label, ids)| html! {
                    <optgroup label={*label}>
                        { for ids.iter().map(|id| html! { <option value={(*id).clone()} selected={**id == chosen}>{ *id }</option> }) }
                    </optgroup>
                }) }
            </select>
            <button type="button" id="fail-part" {onclick}>{ if failing { "Bring back" } else { "Fail" } }</button>
        </div>
    }
}

/// Props of [`Consequences`].
#[derive(Properties, PartialEq)]
pub struct ConsequencesProps {
    /// The model simulated.
    pub topology: Rc<Topology>,
    /// The simulation.
    pub report: Rc<Result<FailureReport, String>>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
}

/// Quorum, batteries and HA recovery of the current scenario; nothing for a model without a
/// cluster or UPS units.
#[component]
pub fn Consequences(props: &ConsequencesProps) -> Html {
    let Ok(r) = props.report.as_ref() else {
        return Html::default();
    };
    let t = &props.topology;
    let chip = |id: &str| {
        let (cb, target) = (props.on_select.clone(), id.to_owned());
        let onclick = Callback::from(move |_: MouseEvent| cb.emit(Some(target.clone())));
        html! { <button type="button" class="chip" {onclick}>{ id }</button> }
    };
    let quorum = t
        .cluster
        .as_ref()
        .and_then(|c| Votequorum::of(c).map(|q| (c, q)))
        .map(|(c, q)| {
            // Each vote is a graph node of its own (`pve1#vote-1`, `qdevice#vote-1`).
            let lost_votes = r
                .states
                .iter()
                .filter(|(id, s)| id.contains("#vote-") && **s == State::Down)
                .count();
            let votes = (q.expected as usize).saturating_sub(lost_votes);
            let lost = r.states.get(QUORUM_NODE) == Some(&State::Down);
            let name = if c.name.is_empty() { "the cluster" } else { c.name.as_str() };
            let text = if lost {
                format!("No quorum: {name} has {votes} of the {} votes it needs ({} expected). HA guests are not started or recovered, and nodes with HA guests fence themselves.", q.quorum, q.expected)
            } else {
                format!("Quorate: {name} has {votes} vote(s), {} needed ({} expected).", q.quorum, q.expected)
            };
            html! {
                <p id="sim-quorum" class={classes!("quorum", if lost { "down" } else { "up" })} role={lost.then_some("alert")}>
                    <span aria-hidden="true">{ if lost { "✖ " } else { "✓ " } }</span>{ text }
                </p>
            }
        });
    let power = (!r.power.is_empty()).then(|| {
        let minutes = |s: Option<u32>| s.map_or("unknown".to_owned(), |s| format!("{:.1} min", f64::from(s) / 60.0));
        html! {
            <>
                <h4 id="sim-power-title">{ "On battery" }</h4>
                <table class="spof" id="sim-power" aria-labelledby="sim-power-title">
                    <thead><tr>
                        <th scope="col">{ "UPS" }</th><th scope="col">{ "Load" }</th><th scope="col">{ "Runtime" }</th>
                        <th scope="col">{ "Low battery (NUT shutdown)" }</th><th scope="col">{ "Then down" }</th>
                    </tr></thead>
                    <tbody>
                    { for r.power.iter().map(|u| html! {
                        <tr data-ups={u.ups.clone()}>
                            <th scope="row">{ chip(&u.ups) }</th>
                            <td>
                                { format!("{} W", u.load_w) }
                                if !u.unknown_draw.is_empty() { <span class="hint">{ format!(" (at least: no draw stated for {})", u.unknown_draw.join(", ")) }</span> }
                                if u.overloaded { <strong class="down">{ " over capacity" }</strong> }
                            </td>
                            <td>{ minutes(u.runtime_s) }</td>
                            <td>{ minutes(u.low_battery_at_s) }</td>
                            <td>{ for u.then_down.iter().map(|id| chip(id)) }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
            </>
        }
    });
    let ha = (!r.ha.is_empty()).then(|| {
        html! {
            <>
                <h4 id="sim-ha-title">{ "HA recovery" }</h4>
                <ul class="affected" id="sim-ha" aria-labelledby="sim-ha-title">
                    { for r.ha.iter().map(|o| {
                        let head = match (&o.to, o.up_after_s) {
                            (Some(to), Some(s)) => format!("{} → {to}, up after {s} s", o.vm),
                            (Some(to), None) => format!("{} → {to}", o.vm),
                            (None, _) => format!("{} stays down", o.vm),
                        };
                        html! {
                            <li class={classes!("state", if o.to.is_some() { "degraded" } else { "down" })} data-vm={o.vm.clone()}>
                                <strong>{ head }</strong>
                                <span class="chain-text">{ format!(" — {}", o.reason) }</span>
                                if o.short_of_memory { <span class="down">{ " (not enough free memory there: the start may fail)" }</span> }
                            </li>
                        }
                    }) }
                </ul>
            </>
        }
    });
    html! {
        <div id="sim-consequences">
            { for quorum }
            { for power }
            { for ha }
        </div>
    }
}
