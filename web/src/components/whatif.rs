//! What-ifs: "move this device to that host" (disaster recovery) and a side-by-side comparison
//! of the current topology with another one (the bare-metal roadmap ships as an example).
//! Both are computed in the Web Worker ([`crate::jobs::Request::Move`],
//! [`crate::jobs::Request::Compare`]).

use crate::components::preview::AfterThis;
use crate::jobs::{MovePlan, Request};
use crate::service::{use_answer, Pool, Shared};
use crate::state::Doc;
use hostplan::sim::compare::Comparison;
use yew::prelude::*;

/// Props of [`WhatIfPanel`].
#[derive(Properties, PartialEq)]
pub struct WhatIfProps {
    /// The document.
    pub doc: Shared<Doc>,
    /// Adopt the plan's result: the document's new text.
    pub on_apply: Callback<String>,
}

/// The what-if panel.
#[component]
pub fn WhatIfPanel(props: &WhatIfProps) -> Html {
    let t = &props.doc.topology;
    let device = use_state(|| {
        t.devices
            .iter()
            .find(|d| d.kind == hostplan::model::DeviceKind::Hba)
            .or(t.devices.first())
            .map(|d| d.id.clone())
            .unwrap_or_default()
    });
    let target = use_state(|| "nas02".to_owned());
    let other = use_state(|| {
        hostplan::examples::ALL
            .get(1)
            .map(|(n, _)| (*n).to_owned())
            .unwrap_or_default()
    });
    let wanted = !device.is_empty() && !target.is_empty();
    let plan = use_answer::<_, MovePlan, _>(
        Pool::Service,
        (props.doc.clone(), (*device).clone(), (*target).clone()),
        move |(doc, d, to)| {
            wanted.then(|| Request::Move {
                text: doc.text.clone(),
                device: d.clone(),
                to: to.clone(),
            })
        },
    );
    // The document after the move, read as the page reads any TOML (for the preview).
    let name = crate::state::toml_name(&props.doc.name);
    let after = use_memo(plan.clone(), move |plan| match plan {
        Some(Ok(m)) => crate::state::read(&name, m.text.as_bytes())
            .ok()
            .map(Shared::new),
        _ => None,
    });
    let comparison = use_answer::<_, Comparison, _>(
        Pool::Service,
        (props.doc.clone(), (*other).clone()),
        |(doc, example)| {
            Some(Request::Compare {
                text: doc.text.clone(),
                example: example.clone(),
            })
        },
    );
    let on_device = super::store_select(&device);
    let on_target = super::store_trimmed(&target);
    let on_other = super::store_select(&other);
    let plan_html = match &plan {
        None if wanted => html! { <p class="hint" aria-busy="true">{ "Planning the move…" }</p> },
        None => html! { <p class="hint">{ "Pick a device and a target host." }</p> },
        Some(Err(e)) => html! { <p class="field-error" role="alert">{ e }</p> },
        Some(Ok(m)) => {
            let p = &m.plan;
            let apply = {
                let cb = props.on_apply.clone();
                let text = m.text.clone();
                Callback::from(move |_: MouseEvent| cb.emit(text.clone()))
            };
            html! {
                <div id="dr-plan">
                    <p>{ format!("Move {} from {} to {}{}.", p.device, p.from, p.to, if p.created_host { " (a new host)" } else { "" }) }</p>
                    if !p.moved_disks.is_empty() { <p>{ format!("Disks that move with it: {}", p.moved_disks.join(", ")) }</p> }
                    if !p.moved_vms.is_empty() { <p>{ format!("VMs that move: {}", p.moved_vms.join(", ")) }</p> }
                    <ul>{ for p.pools.iter().map(|pi| html! {
                        <li class={if pi.importable { "ok" } else { "field-error" }}>
                            { format!("{} {} pool {} (imported by {})", if pi.importable { "✓" } else { "✖" }, if pi.importable { "imports" } else { "CANNOT import" }, pi.pool, pi.new_owner) }
                        </li>
                    }) }</ul>
                    if !p.down_during_move.is_empty() { <p>{ format!("Down during the move: {}", p.down_during_move.join(", ")) }</p> }
                    <h4>{ "Changes" }</h4>
                    <ul>{ for p.changes.iter().map(|c| html! { <li>{ c }</li> }) }</ul>
                    <h4>{ "Caveats" }</h4>
                    <ul>{ for p.caveats.iter().map(|c| html! { <li>{ c }</li> }) }</ul>
                    // "Back up" only when nothing stays down and every pool imports: a pool
                    // that cannot be imported is an open problem even if nothing is drawn down.
                    if p.down_after.is_empty() && p.pools.iter().all(|pi| pi.importable) {
                        <p class="ok" id="dr-verdict">{ "✓ Everything is back up in the resulting topology." }</p>
                    } else {
                        <p class="field-error" id="dr-verdict">{ dr_open_problems(p) }</p>
                    }
                    if let Some(after) = (*after).clone() {
                        <AfterThis before={props.doc.clone()} {after} />
                    }
                    <button type="button" id="dr-adopt" onclick={apply}>{ "Adopt the resulting topology" }</button>
                </div>
            }
        }
    };
    let minutes = |m: Option<f64>| m.map_or_else(|| "—".to_owned(), |m| format!("{m:.0} min/yr"));
    let list = |l: &Option<Vec<String>>| {
        l.as_ref().map_or_else(
            || "—".to_owned(),
            |v| {
                if v.is_empty() {
                    "none".to_owned()
                } else {
                    v.join(", ")
                }
            },
        )
    };
    let compare_html = match &comparison {
        None => html! { <p class="hint" aria-busy="true">{ "Comparing…" }</p> },
        Some(Err(e)) => html! { <p class="field-error">{ e }</p> },
        Some(Ok(c)) => html! {
            <table class="compare" id="compare">
                <thead><tr><th scope="col">{ "Service" }</th><th scope="col">{ "SPOF now" }</th><th scope="col">{ "SPOF other" }</th><th scope="col">{ "Downtime now" }</th><th scope="col">{ "Downtime other" }</th></tr></thead>
                <tbody>
                { for c.services.iter().map(|s| html! {
                    <tr>
                        <th scope="row">{ &s.service }</th>
                        <td>{ list(&s.spof_a) }</td><td>{ list(&s.spof_b) }</td>
                        <td>{ minutes(s.downtime_a) }</td><td>{ minutes(s.downtime_b) }</td>
                    </tr>
                }) }
                <tr><th scope="row">{ "cold start, all ready" }</th><td colspan="2"></td>
                    <td>{ c.all_ready_a.map_or_else(|| "never".into(), |m| format!("{:.0} s", m as f64 / 1000.0)) }</td>
                    <td>{ c.all_ready_b.map_or_else(|| "never".into(), |m| format!("{:.0} s", m as f64 / 1000.0)) }</td></tr>
                </tbody>
            </table>
        },
    };
    html! {
        <div class="panel" id="whatif-panel">
            <h3>{ "Move a device (disaster recovery)" }</h3>
            <div class="row">
                <label for="dr-device">{ "Device" }</label>
                <select id="dr-device" onchange={on_device}>
                    { for t.devices.iter().map(|d| html! { <option value={d.id.clone()} selected={d.id == *device}>{ format!("{} ({} on {})", d.id, d.kind, d.host) }</option> }) }
                </select>
            </div>
            <div class="row">
                <label for="dr-target">{ "to host" }</label>
                <input id="dr-target" type="text" list="dr-hosts" value={(*target).clone()} onchange={on_target} />
                <datalist id="dr-hosts">{ for t.hosts.iter().map(|h| html! { <option value={h.id.clone()} /> }) }</datalist>
            </div>
            { plan_html }
            <h3>{ "Compare with" }</h3>
            <div class="row">
                <label for="compare-with">{ "Other topology" }</label>
                <select id="compare-with" onchange={on_other}>
                    { for hostplan::examples::ALL.iter().map(|(n, _)| html! { <option value={*n} selected={*n == *other}>{ *n }</option> }) }
                </select>
            </div>
            { compare_html }
        </div>
    }
}

/// What stays wrong after a move, in one line.
fn dr_open_problems(p: &hostplan::sim::recover::RecoveryPlan) -> String {
    let mut parts = Vec::new();
    if !p.down_after.is_empty() {
        parts.push(format!(
            "still down afterwards: {}",
            p.down_after.join(", ")
        ));
    }
    let stuck: Vec<&str> = p
        .pools
        .iter()
        .filter(|pi| !pi.importable)
        .map(|pi| pi.pool.as_str())
        .collect();
    if !stuck.is_empty() {
        parts.push(format!(
            "pool(s) that cannot be imported: {}",
            stuck.join(", ")
        ));
    }
    format!("✖ Not everything comes back — {}", parts.join("; "))
}
