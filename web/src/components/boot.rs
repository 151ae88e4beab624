//! The boot timeline as a Gantt chart: one row per guest, service and consumer, bars from
//! start to ready, waits hatched, failed starts and deadlocks marked; the suggested startup
//! order is one click away.

use hostplan::model::Topology;
use hostplan::sim::boot::{EventKind, Scenario, Suggestion, Timeline, Timing};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`BootPanel`].
#[derive(Properties, PartialEq)]
pub struct BootProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// Apply a topology (the suggestion).
    pub on_apply: Callback<Topology>,
}

struct Row {
    subject: String,
    start: u64,
    end: Option<u64>,
    failed: bool,
    detail: String,
}

/// Rows of the chart, in order of first appearance: hosts from power-on (or shutdown) to up,
/// guests from start to OS up, services from their provider being up to answering, consumers
/// until their volumes attach.
fn rows(t: &Topology, tl: &Timeline) -> Vec<Row> {
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Row> = BTreeMap::new();
    let guest_up: BTreeMap<&str, u64> = tl
        .events
        .iter()
        .filter(|e| e.kind == EventKind::GuestUp)
        .map(|e| (e.subject.as_str(), e.at_ms))
        .collect();
    for e in &tl.events {
        if matches!(e.kind, EventKind::StopIssued | EventKind::Stopped) {
            continue;
        }
        // A service's bar starts when its provider is up; a host's at power-on (t = 0).
        let start = match e.kind {
            EventKind::ServiceReady => t
                .services
                .iter()
                .find(|s| s.id == e.subject)
                .and_then(|s| guest_up.get(s.provider.as_str()).copied())
                .unwrap_or(e.at_ms),
            EventKind::HostUp => 0,
            _ => e.at_ms,
        };
        let row = by.entry(e.subject.clone()).or_insert_with(|| {
            order.push(e.subject.clone());
            Row {
                subject: e.subject.clone(),
                start,
                end: None,
                failed: false,
                detail: String::new(),
            }
        });
        match e.kind {
            EventKind::HostDown => row.start = e.at_ms,
            EventKind::HostUp
            | EventKind::GuestUp
            | EventKind::ServiceReady
            | EventKind::VolumesReady
            | EventKind::QuorumUp => {
                row.end = Some(row.end.map_or(e.at_ms, |x| x.max(e.at_ms)));
            }
            EventKind::StartFailed => {
                row.failed = true;
                row.detail.clone_from(&e.detail);
            }
            _ => {}
        }
    }
    order.into_iter().filter_map(|s| by.remove(&s)).collect()
}

/// The boot panel.
#[component]
pub fn BootPanel(props: &BootProps) -> Html {
    let scenario = use_state(|| "cold".to_owned());
    let t = props.topology.clone();
    let sc = (*scenario).clone();
    let timeline = use_memo((t.clone(), sc.clone()), |(t, sc)| {
        let s = match sc.strip_prefix("reboot:") {
            Some(h) => Scenario::Reboot(h.to_owned()),
            None => Scenario::ColdStart,
        };
        hostplan::sim::boot::simulate(t, &s, &Timing::default())
    });
    let suggestion: Rc<Suggestion> = use_memo(t.clone(), |t| {
        hostplan::sim::boot::suggest(t, &Timing::default())
    });
    let on_scenario = super::store_select(&scenario);
    let apply = {
        let cb = props.on_apply.clone();
        let s = suggestion.clone();
        Callback::from(move |_: MouseEvent| cb.emit(s.topology.clone()))
    };
    let tl = &*timeline;
    let rows = rows(&t, tl);
    let end = tl
        .events
        .iter()
        .map(|e| e.at_ms)
        .chain(tl.waits.iter().map(|w| w.until_ms))
        .max()
        .unwrap_or(1)
        .max(1);
    let (label_w, chart_w, row_h) = (120.0, 520.0, 22.0);
    let x = |ms: u64| label_w + chart_w * (ms as f64) / (end as f64);
    let height = row_h * (rows.len() as f64 + 1.5);
    let index: BTreeMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.subject.as_str(), i))
        .collect();
    let ticks = 5u64;
    let secs = |ms: u64| format!("{:.0} s", ms as f64 / 1000.0);
    html! {
        <div class="panel" id="boot-panel">
            <div class="row">
                <label for="boot-scenario">{ "Scenario" }</label>
                <select id="boot-scenario" onchange={on_scenario}>
                    <option value="cold" selected={sc == "cold"}>{ "Cold start (power returns)" }</option>
                    { for t.hosts.iter().map(|h| {
                        let v = format!("reboot:{}", h.id);
                        html! { <option value={v.clone()} selected={sc == v}>{ format!("Reboot {}", h.id) }</option> }
                    }) }
                </select>
            </div>
            <p id="boot-summary">{ match tl.all_ready_ms {
                Some(ms) => format!("Everything ready after {}.", secs(ms)),
                None => format!("Never fully ready: {}.", tl.never_ready.join(", ")),
            } }</p>
            <svg class="gantt" id="gantt" viewBox={format!("0 0 {:.0} {height:.0}", label_w + chart_w + 10.0)} role="img" aria-label="Boot timeline">
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch" />
                    </pattern>
                </defs>
                { for (0..=ticks).map(|i| {
                    let ms = end * i / ticks;
                    html! { <g class="tick"><line x1={x(ms).to_string()} x2={x(ms).to_string()} y1="0" y2={height.to_string()} /><text x={x(ms).to_string()} y={(height - 4.0).to_string()}>{ secs(ms) }</text></g> }
                }) }
                { for rows.iter().enumerate().map(|(i, r)| {
                    let y = row_h * i as f64 + 4.0;
                    let end_ms = r.end.unwrap_or(end);
                    let w = (x(end_ms) - x(r.start)).max(2.0);
                    let class = classes!("bar", r.failed.then_some("failed"), r.end.is_none().then_some("never"));
                    html! {
                        <g class="gantt-row" data-subject={r.subject.clone()}>
                            <text class="gantt-label" x="4" y={(y + 13.0).to_string()}>{ &r.subject }</text>
                            <rect class={class} x={x(r.start).to_string()} y={y.to_string()} width={w.to_string()} height={(row_h - 8.0).to_string()} rx="3">
                                <title>{ format!("{}: {} → {}{}", r.subject, secs(r.start), r.end.map_or_else(|| "never".to_owned(), secs), if r.failed { format!(" — start failed: {}", r.detail) } else { String::new() }) }</title>
                            </rect>
                            if r.failed { <text class="fail-mark" x={(x(r.start) + 3.0).to_string()} y={(y + 12.0).to_string()}>{ "✖" }</text> }
                        </g>
                    }
                }) }
                { for tl.waits.iter().filter_map(|w| {
                    let i = index.get(w.who.as_str()).or_else(|| index.get(w.who.split(' ').next().unwrap_or("")))?;
                    let y = row_h * *i as f64 + 4.0;
                    Some(html! {
                        <rect class="wait" x={x(w.from_ms).to_string()} y={y.to_string()} width={(x(w.until_ms) - x(w.from_ms)).max(1.0).to_string()} height={(row_h - 8.0).to_string()} fill="url(#hatch)">
                            <title>{ format!("{} waits for {} from {} to {}", w.who, w.waited_for, secs(w.from_ms), secs(w.until_ms)) }</title>
                        </rect>
                    })
                }) }
            </svg>
            <p class="legend"><span class="key bar-key">{ "▬ booting → ready" }</span><span class="key wait-key">{ "▨ waiting for storage" }</span><span class="key fail-key">{ "✖ start failed / deadlock" }</span></p>
            if !tl.failures.is_empty() {
                <ul class="failures">{ for tl.failures.iter().map(|f| html! {
                    <li class="field-error">{ format!("✖ {} could not start: storage {} ({}) {}", f.vm, f.storage, f.service, if f.deadlock { "— deadlock: the service needs this guest" } else { "was not ready" }) }</li>
                }) }</ul>
            }
            if !tl.hazards.is_empty() {
                <ul class="hazards">{ for tl.hazards.iter().map(|h| html! { <li>{ format!("▲ {}", h.detail) }</li> }) }</ul>
            }
            <h3>{ "Suggested startup order" }</h3>
            if suggestion.changes.is_empty() {
                <p class="hint">{ "The current startup configuration is already what hostplan would suggest." }</p>
            } else {
                <table class="changes" id="boot-suggestion">
                    <thead><tr><th scope="col">{ "VM" }</th><th scope="col">{ "now" }</th><th scope="col">{ "suggested" }</th></tr></thead>
                    <tbody>{ for suggestion.changes.iter().map(|c| html! {
                        <tr>
                            <th scope="row">{ &c.vm }</th>
                            <td>{ hostplan::sim::boot::startup_text(c.order_before, c.up_before) }</td>
                            <td>{ hostplan::sim::boot::startup_text(c.order_after, c.up_after) }</td>
                        </tr>
                    }) }</tbody>
                </table>
                <p>{ format!("All ready: {} → {}", suggestion.before_ms.map_or_else(|| "never".into(), secs), suggestion.after_ms.map_or_else(|| "never".into(), secs)) }</p>
                <button type="button" id="apply-suggestion" onclick={apply}>{ "Apply suggested order" }</button>
            }
            if !suggestion.cross_node.is_empty() {
                <ul class="hazards">{ for suggestion.cross_node.iter().map(|c| html! { <li>{ format!("▲ {c}") }</li> }) }</ul>
            }
        </div>
    }
}
