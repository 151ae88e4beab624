//! The boot timeline: the Gantt chart takes the main canvas (one row per host, guest, service
//! and consumer, bars labelled from start to ready, waits hatched, the outage of a reboot in
//! its own red pattern, failed starts and deadlocks marked, and where each row would be ready
//! with the suggested startup order); the side panel holds the scenario, the summary and the
//! suggestion, one click from applying it. Both read the scenario from the app, so they always
//! show the same one.

#![expect(
    clippy::many_single_char_names,
    reason = "a chart's geometry: x, y, w, and r for a row"
)]

use crate::jobs::{scenario_of, BootAnswer, Request};
use crate::service::{use_answer, Answered, Pool, Shared};
use crate::state::Doc;
use hostplan::model::Topology;
use hostplan::sim::boot::{EventKind, Scenario, Timeline};
use std::collections::BTreeMap;
use yew::prelude::*;

/// The timeline of `scenario` and, with the suggested startup order, of the same scenario,
/// computed in the worker while the Boot tab shows one (`active`; not for a power loss,
/// which is [`super::power`]'s).
#[hook]
pub fn use_boot(doc: Shared<Doc>, scenario: String, active: bool) -> Answered<BootAnswer> {
    let wanted = active && scenario != super::power::SCENARIO;
    use_answer(
        Pool::Service,
        (doc, scenario, wanted),
        |(doc, sc, wanted)| {
            wanted.then(|| Request::Boot {
                text: doc.text.clone(),
                scenario: sc.clone(),
            })
        },
    )
}

/// While the worker computes, or why it could not (`id` tells the side panel's from the
/// canvas').
fn pending(answer: Option<&Result<Shared<BootAnswer>, String>>, id: &str) -> Html {
    match answer {
        Some(Err(e)) => {
            html! { <p class="field-error" role="alert" id={format!("{id}-error")}>{ e }</p> }
        }
        _ => {
            html! { <p class="hint" id={format!("{id}-pending")} aria-busy="true">{ "Computing the timeline…" }</p> }
        }
    }
}

struct Row {
    subject: String,
    start: u64,
    end: Option<u64>,
    /// When it went out (a reboot stops guests and takes the host down), if it did.
    out_from: Option<u64>,
    failed: bool,
    detail: String,
}

/// Rows of the chart, in order of first appearance: hosts from power-on (or shutdown) to up,
/// guests from start to OS up, services from their provider being up to answering, consumers
/// until their volumes attach.
fn rows(t: &Topology, tl: &Timeline) -> Vec<Row> {
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Row> = BTreeMap::new();
    let guest_up: BTreeMap<&str, u64> = hostplan::sort::btree_map(
        tl.events
            .iter()
            .filter(|e| e.kind == EventKind::GuestUp)
            .map(|e| (e.subject.as_str(), e.at_ms)),
    );
    let mut out_from: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &tl.events {
        if matches!(
            e.kind,
            EventKind::StopIssued | EventKind::Stopped | EventKind::HostDown
        ) {
            let at = out_from.entry(e.subject.as_str()).or_insert(e.at_ms);
            *at = (*at).min(e.at_ms);
        }
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
                out_from: None,
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
    order
        .into_iter()
        .filter_map(|s| by.remove(&s))
        .map(|mut r| {
            r.out_from = out_from.get(r.subject.as_str()).copied();
            r
        })
        .collect()
}

/// Props of [`BootPanel`].
#[derive(Properties, PartialEq)]
pub struct BootProps {
    /// The document.
    pub doc: Shared<Doc>,
    /// The timelines ([`use_boot`]).
    pub answer: Answered<BootAnswer>,
    /// Apply the suggestion: the document's text with it written in.
    pub on_apply: Callback<String>,
    /// The scenario (`cold` or `reboot:<host>`).
    pub scenario: String,
    /// Choose another scenario.
    pub on_scenario: Callback<String>,
}

fn secs(ms: u64) -> String {
    format!("{:.0} s", ms as f64 / 1000.0)
}

/// The boot panel of the side bar: the scenario, then the timeline's summary, problems and
/// suggested order — or, for a power loss, the shutdown plan ([`super::power::PowerPanel`]).
#[component]
pub fn BootPanel(props: &BootProps) -> Html {
    let t = props.doc.topology.clone();
    let sc = props.scenario.clone();
    let on_scenario = props.on_scenario.reform(|e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        s.value()
    });
    let power = sc == super::power::SCENARIO;
    html! {
        <div class="panel" id="boot-panel">
            <div class="row">
                <label for="boot-scenario">{ "Scenario" }</label>
                <select id="boot-scenario" onchange={on_scenario}>
                    <option value="cold" selected={sc == "cold"}>{ "Cold start (power returns)" }</option>
                    <option value={super::power::SCENARIO} selected={power}>{ "Power loss (mains fails)" }</option>
                    { for t.hosts.iter().map(|h| {
                        let v = format!("reboot:{}", h.id);
                        html! { <option value={v.clone()} selected={sc == v}>{ format!("Reboot {}", h.id) }</option> }
                    }) }
                </select>
            </div>
            if power {
                <super::power::PowerPanel doc={props.doc.clone()} />
            } else {
                <TimelinePanel doc={props.doc.clone()} answer={props.answer.clone()} on_apply={props.on_apply.clone()} scenario={sc} on_scenario={props.on_scenario.clone()} />
            }
        </div>
    }
}

/// A timeline's summary, problems and the suggested order.
#[component]
fn TimelinePanel(props: &BootProps) -> Html {
    let Some(Ok(answer)) = &props.answer else {
        return pending(props.answer.as_ref(), "boot");
    };
    let apply = {
        let cb = props.on_apply.clone();
        let applied = answer.applied.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(text) = &applied {
                cb.emit(text.clone());
            }
        })
    };
    let (tl, suggestion) = (&answer.timeline, &answer.suggestion);
    html! {
        <>
            <p id="boot-summary">{ match tl.all_ready_ms {
                Some(ms) => format!("Everything ready after {}.", secs(ms)),
                None => format!("Never fully ready: {}.", tl.never_ready.join(", ")),
            } }</p>
            <p class="hint">{ "The timeline is on the main canvas." }</p>
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
                <p>{ format!("All ready (cold start): {} → {}", suggestion.before_ms.map_or_else(|| "never".into(), secs), suggestion.after_ms.map_or_else(|| "never".into(), secs)) }</p>
                <button type="button" id="apply-suggestion" onclick={apply}>{ "Apply suggested order" }</button>
            }
            if !suggestion.cross_node.is_empty() {
                <ul class="hazards">{ for suggestion.cross_node.iter().map(|c| html! { <li>{ format!("▲ {c}") }</li> }) }</ul>
            }
        </>
    }
}

/// Props of [`BootGantt`].
#[derive(Properties, PartialEq)]
pub struct GanttProps {
    /// The document.
    pub doc: Shared<Doc>,
    /// The timelines ([`use_boot`]).
    pub answer: Answered<BootAnswer>,
    /// The scenario (`cold` or `reboot:<host>`).
    pub scenario: String,
}

/// The canvas' width in pixels: measured once mounted and on every window resize.
#[hook]
pub(crate) fn use_width(node: NodeRef) -> f64 {
    let width = use_state(|| 900.0);
    {
        let width = width.clone();
        use_effect_with((), move |()| {
            let measure = move || {
                let w = node
                    .cast::<web_sys::Element>()
                    .map_or(900.0, |el| f64::from(el.client_width()));
                // Inside the canvas' padding (1rem each side) and the frame's border.
                let next = (w - 34.0).max(360.0);
                if (*width - next).abs() > 0.5 {
                    width.set(next);
                }
            };
            measure();
            let listener = web_sys::window()
                .map(|w| gloo_events::EventListener::new(&w, "resize", move |_| measure()));
            move || drop(listener)
        });
    }
    *width
}

/// A round step for at most `n` ticks over `end` ms.
fn tick_step(end: u64, n: u64) -> u64 {
    const STEPS_S: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
    STEPS_S
        .iter()
        .map(|s| s * 1000)
        .find(|s| s * n.max(1) >= end)
        .unwrap_or(3_600_000)
}

/// The main canvas of the Boot tab: the boot timeline's Gantt chart, or for a power loss the
/// staged shutdown against the UPS runtime ([`super::power::PowerGantt`]).
#[component]
pub fn BootGantt(props: &GanttProps) -> Html {
    if props.scenario == super::power::SCENARIO {
        html! { <super::power::PowerGantt doc={props.doc.clone()} /> }
    } else {
        html! { <TimelineGantt doc={props.doc.clone()} answer={props.answer.clone()} scenario={props.scenario.clone()} /> }
    }
}

/// The Gantt chart of a boot timeline.
#[component]
fn TimelineGantt(props: &GanttProps) -> Html {
    let node = use_node_ref();
    let px = use_width(node.clone());
    let Some(Ok(answer)) = &props.answer else {
        return html! {
            <section class="canvas gantt-canvas" aria-label="Boot timeline" ref={node}>{ pending(props.answer.as_ref(), "gantt") }</section>
        };
    };
    let t = &props.doc.topology;
    let (tl, suggestion, suggested) = (&answer.timeline, &answer.suggestion, &answer.suggested);
    let rows = rows(t, tl);
    let after_rows: BTreeMap<String, Option<u64>> = rows_of(t, suggested);
    let end = tl
        .events
        .iter()
        .map(|e| e.at_ms)
        .chain(tl.waits.iter().map(|w| w.until_ms))
        .chain(suggested.events.iter().map(|e| e.at_ms))
        .max()
        .unwrap_or(1)
        .max(1);
    let longest = rows
        .iter()
        .map(|r| r.subject.chars().count())
        .max()
        .unwrap_or(4);
    let label_w = (longest as f64 * 7.5 + 16.0).clamp(80.0, 240.0);
    // Room on the right for the last bar's label.
    let chart_w = (px - label_w - LABEL_ROOM).max(200.0);
    let row_h = 26.0;
    let top = 22.0;
    let x = |ms: u64| label_w + chart_w * (ms as f64) / (end as f64);
    let height = top + row_h * (rows.len() as f64) + 28.0;
    let index: BTreeMap<&str, usize> = hostplan::sort::btree_map(
        rows.iter()
            .enumerate()
            .map(|(i, r)| (r.subject.as_str(), i)),
    );
    let step = tick_step(end, 6);
    let ticks: Vec<u64> = (0..=end / step).map(|i| i * step).collect();
    let width = px;
    let export = |png: bool| {
        let (w, h) = (width, height);
        Callback::from(move |_: MouseEvent| {
            let window = (0.0, 0.0, w, h);
            let done = if png {
                crate::picture::download_png("gantt", window, 2.0, "hostplan-boot")
            } else {
                crate::picture::download_svg("gantt", window, "hostplan-boot")
            };
            if let Err(e) = done {
                web_sys::console::error_1(&e.to_string().into());
            }
        })
    };
    let title = match scenario_of(&props.scenario) {
        Scenario::ColdStart => "Cold start (power returns)".to_owned(),
        Scenario::Reboot(h) => format!("Reboot of {h}"),
    };
    let suggestion_text = if suggestion.changes.is_empty() {
        "The startup order is already the suggested order.".to_owned()
    } else {
        format!(
            "With the suggested order (◆ on each row) this scenario is ready after {} (now {}).",
            suggested.all_ready_ms.map_or_else(|| "never".into(), secs),
            tl.all_ready_ms.map_or_else(|| "never".into(), secs),
        )
    };
    html! {
        <section class="canvas gantt-canvas" aria-label="Boot timeline" ref={node}>
            <div class="gantt-tools" role="toolbar" aria-label="Boot timeline">
                <strong class="gantt-title">{ &title }</strong>
                <button type="button" id="export-gantt-svg" onclick={export(false)} title="Download the timeline as SVG">{ "SVG" }</button>
                <button type="button" id="export-gantt-png" onclick={export(true)} title="Download the timeline as PNG">{ "PNG" }</button>
            </div>
            <p id="gantt-suggestion">{ suggestion_text }</p>
            <svg class="gantt" id="gantt" width={format!("{width:.0}")} height={format!("{height:.0}")} viewBox={format!("0 0 {width:.0} {height:.0}")}
                 role="img" aria-label={format!("Boot timeline: {title}")}>
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch" />
                    </pattern>
                    <pattern id="outage-hatch" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(-45)">
                        <rect width="8" height="8" class="outage-bg" />
                        <line x1="0" y1="0" x2="0" y2="8" class="outage-line" />
                    </pattern>
                </defs>
                { for ticks.iter().map(|&ms| html! {
                    <g class="tick"><line x1={x(ms).to_string()} x2={x(ms).to_string()} y1={(top - 4.0).to_string()} y2={(height - 22.0).to_string()} />
                    <text x={x(ms).to_string()} y={(height - 8.0).to_string()}>{ secs(ms) }</text></g>
                }) }
                <text class="gantt-head" x="4" y="14">{ "component" }</text>
                { for rows.iter().enumerate().map(|(i, r)| gantt_row(r, i, top, row_h, end, &x, after_rows.get(&r.subject).copied().flatten(), !suggestion.changes.is_empty())) }
                { for tl.waits.iter().filter_map(|w| {
                    let i = index.get(w.who.as_str()).or_else(|| index.get(w.who.split(' ').next().unwrap_or("")))?;
                    let y = top + row_h * *i as f64 + 5.0;
                    Some(html! {
                        <rect class="wait" x={x(w.from_ms).to_string()} y={y.to_string()} width={(x(w.until_ms) - x(w.from_ms)).max(1.0).to_string()} height={(row_h - 10.0).to_string()} fill="url(#hatch)">
                            <title>{ format!("{} waits for {} from {} to {}", w.who, w.waited_for, secs(w.from_ms), secs(w.until_ms)) }</title>
                        </rect>
                    })
                }) }
            </svg>
            <p class="legend"><span class="key bar-key">{ "▬ booting → ready (labelled with its times)" }</span><span class="key wait-key">{ "▨ waiting for storage" }</span>
                <span class="key outage-key">{ "▧ out (stopped or host down), red" }</span><span class="key fail-key">{ "✖ start failed / deadlock" }</span>
                if !suggestion.changes.is_empty() { <span class="key">{ "◆ ready with the suggested order" }</span> }</p>
        </section>
    }
}

/// Room right of the chart for the labels of the bars that end last.
const LABEL_ROOM: f64 = 200.0;

/// Each row's ready time in another timeline (the suggested order's).
fn rows_of(t: &Topology, tl: &Timeline) -> BTreeMap<String, Option<u64>> {
    hostplan::sort::btree_map(rows(t, tl).into_iter().map(|r| (r.subject, r.end)))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one row's geometry, drawn in one place"
)]
fn gantt_row(
    r: &Row,
    i: usize,
    top: f64,
    row_h: f64,
    end: u64,
    x: &dyn Fn(u64) -> f64,
    suggested: Option<u64>,
    has_suggestion: bool,
) -> Html {
    let y = top + row_h * i as f64 + 3.0;
    let end_ms = r.end.unwrap_or(end);
    let w = (x(end_ms) - x(r.start)).max(2.0);
    let class = classes!(
        "bar",
        r.failed.then_some("failed"),
        r.end.is_none().then_some("never")
    );
    let label = match (r.end, r.out_from) {
        (Some(e), Some(o)) => format!(
            "{} → {} · out {}",
            secs(r.start),
            secs(e),
            secs(e.saturating_sub(o))
        ),
        (Some(e), None) => format!("{} → {}", secs(r.start), secs(e)),
        (None, _) => format!("{} → never", secs(r.start)),
    };
    // After the bar when it fits in the room left on the right, else inside the bar's end.
    let after = x(end_ms) + 6.0;
    let (lx, anchor) = if after + label.chars().count() as f64 * 6.8 <= x(end) + LABEL_ROOM {
        (after, "start")
    } else {
        (x(end_ms) - 6.0, "end")
    };
    html! {
        <g class="gantt-row" data-subject={r.subject.clone()}>
            <text class="gantt-label" x="4" y={(y + 14.0).to_string()}>{ &r.subject }</text>
            if let Some(o) = r.out_from {
                <rect class="outage" x={x(o).to_string()} y={(y - 1.0).to_string()} width={(x(end_ms) - x(o)).max(2.0).to_string()} height={(row_h - 4.0).to_string()} fill="url(#outage-hatch)">
                    <title>{ format!("{} out from {} to {}", r.subject, secs(o), r.end.map_or_else(|| "never".to_owned(), secs)) }</title>
                </rect>
            }
            <rect class={class} x={x(r.start).to_string()} y={(y + 2.0).to_string()} width={w.to_string()} height={(row_h - 10.0).to_string()} rx="3">
                <title>{ format!("{}: {} → {}{}", r.subject, secs(r.start), r.end.map_or_else(|| "never".to_owned(), secs), if r.failed { format!(" — start failed: {}", r.detail) } else { String::new() }) }</title>
            </rect>
            if r.failed { <text class="fail-mark" x={(x(r.start) + 3.0).to_string()} y={(y + 14.0).to_string()}>{ "✖" }</text> }
            <text class="bar-label" x={lx.to_string()} y={(y + 14.0).to_string()} text-anchor={anchor}>{ label }</text>
            if let (true, Some(s)) = (has_suggestion, suggested) {
                <text class="suggested-mark" x={x(s).to_string()} y={(y + 14.0).to_string()} text-anchor="middle">
                    { "◆" }<title>{ format!("{} ready at {} with the suggested order", r.subject, secs(s)) }</title>
                </text>
            }
        </g>
    }
}
