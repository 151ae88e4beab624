//! Power loss on the Boot tab (its scenario "Power loss"): the staged shutdown of every host
//! against each UPS's low-battery and empty-battery lines on the main canvas, and in the side
//! panel the verdicts, what is lost, the restart commands and the downloads (the plan as
//! Markdown, the NUT files). The plan is computed in the Web Worker
//! ([`crate::jobs::Request::PowerLoss`]): none of the planner is in the page's wasm.

#![expect(clippy::many_single_char_names, reason = "a chart's geometry: x, y, w")]

use crate::components::transfer::download;
use crate::jobs::{PowerLossFiles, Request};
use crate::service::{use_answer, Answered, Pool, Shared};
use crate::state::Doc;
use hostplan::ops::duration_text;
use hostplan::ops::power::{HostShutdown, Stage, StageKind, Verdict};
use hostplan::ops::power_text::verdict_words;
use std::fmt::Write as _;
use yew::prelude::*;

/// The scenario picker's value for power loss.
pub const SCENARIO: &str = "power-loss";

/// The plan of `doc` from the worker: `None` while it is computed, else the plan or why not.
#[hook]
fn use_power(doc: Shared<Doc>) -> Answered<PowerLossFiles> {
    use_answer(Pool::Service, doc, |doc: &Shared<Doc>| {
        Some(Request::PowerLoss {
            text: doc.text.clone(),
        })
    })
}

fn at(s: u32) -> String {
    format!("+{}", duration_text(s))
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Finishes => "ok",
        Verdict::FinishesIfPrompt | Verdict::Unknown => "warn",
        Verdict::DoesNotFinish | Verdict::NoCleanShutdown => "bad",
    }
}

fn host_line(h: &HostShutdown) -> String {
    let power = match (&h.ups, h.role) {
        (None, _) => "on no UPS: power cut at once".to_owned(),
        (Some(u), Some(r)) => format!("{r} of {u}"),
        (Some(u), None) => format!("on {u}, runs no upsmon"),
    };
    let mut s = format!("{} ({power}): {}", h.host, verdict_words(h.verdict));
    if let Some(m) = h.margin_s {
        let abs = u32::try_from(m.unsigned_abs()).unwrap_or(u32::MAX);
        let abs = duration_text(abs);
        let _ = if m >= 0 {
            write!(s, " — {abs} spare")
        } else {
            write!(s, " — short by {abs}")
        };
    }
    s
}

/// Props of [`PowerPanel`] and [`PowerGantt`].
#[derive(Properties, PartialEq)]
pub struct PowerProps {
    /// The document.
    pub doc: Shared<Doc>,
}

/// The side panel: verdicts, what is lost, the restart, the downloads.
#[component]
pub fn PowerPanel(props: &PowerProps) -> Html {
    let plan = use_power(props.doc.clone());
    let body = match plan {
        None => html! { <p class="hint" id="power-pending">{ "Planning the shutdown…" }</p> },
        Some(Err(e)) => html! { <p class="field-error" role="alert" id="power-error">{ e }</p> },
        Some(Ok(a)) => panel_body(&a),
    };
    html! { <div id="power-panel">{ body }</div> }
}

fn panel_body(a: &PowerLossFiles) -> Html {
    let p = &a.plan;
    let md = {
        let text = a.markdown.clone();
        Callback::from(move |_: MouseEvent| download("power-loss.md", &text))
    };
    let r = &p.restart;
    html! {
        <>
            <p id="power-summary" class={classes!("verdict", verdict_class(p.verdict))} data-verdict={p.verdict.as_str()}>
                { format!("Mains loss ({}): {}.", if p.feeds.is_empty() { "no feed".to_owned() } else { p.feeds.join(", ") }, verdict_words(p.verdict)) }
            </p>
            if p.ups.is_empty() {
                <p id="power-ups" class="hint">{ "No UPS carries anything on battery." }</p>
            } else {
                <ul id="power-ups">{ for p.ups.iter().map(|u| html! {
                    <li data-ups={u.runtime.ups.clone()}>{ format!(
                        "{} carries {} W: low battery at {}, empty at {}{}",
                        u.runtime.ups,
                        u.runtime.load_w,
                        u.runtime.low_battery_at_s.map_or_else(|| "?".to_owned(), at),
                        u.runtime.runtime_s.map_or_else(|| "?".to_owned(), at),
                        u.needed_s.map_or_else(String::new, |n| format!("; the shutdown needs {} from low battery", duration_text(n)))
                    ) }</li>
                }) }</ul>
            }
            <ul id="power-hosts">{ for p.hosts.iter().map(|h| html! {
                <li data-host={h.host.clone()} data-verdict={h.verdict.as_str()} class={verdict_class(h.verdict)}>
                    { host_line(h) }
                    if !h.lost.is_empty() {
                        <br /><span class="lost">{ format!("Still running when power is gone: {}", h.lost.join(", ")) }</span>
                    }
                    if h.worst_lost != h.lost && !h.worst_lost.is_empty() {
                        <br /><span class="lost">{ format!("At the guests' timeouts: {}", h.worst_lost.join(", ")) }</span>
                    }
                </li>
            }) }</ul>
            <h3>{ "When power returns" }</h3>
            <p id="power-restart">{ match r.all_ready_s {
                Some(s) => format!("Everything is ready {} after power returns (cold start by the boot model, the Cold start scenario).", duration_text(s)),
                None => format!("Never fully ready: {}.", r.never_ready.join(", ")),
            } }</p>
            if !r.ha_start.is_empty() {
                <p>{ format!("The shutdown leaves the HA guests stopped: start them at {}, once their storage answers:", r.ha_start_at_s.map_or_else(|| "?".to_owned(), at)) }</p>
                <pre id="power-ha-start">{ r.ha_start.join("\n") }</pre>
            }
            if !r.startup_lines.is_empty() {
                <p>{ "Suggested startup order, on each VM's node:" }</p>
                <pre id="power-startup">{ r.startup_lines.join("\n") }</pre>
            }
            <h3>{ "Downloads" }</h3>
            <div class="row downloads" id="power-downloads">
                <button type="button" id="power-md" onclick={md}>{ "⤓ Plan (Markdown)" }</button>
                { for a.files.iter().map(|(name, text)| {
                    let (n, t) = (name.clone(), text.clone());
                    let onclick = Callback::from(move |_: MouseEvent| download(&n, &t));
                    html! { <button type="button" class="download" data-file={name.clone()} {onclick}>{ format!("⤓ {name}") }</button> }
                }) }
            </div>
            if !a.notes.is_empty() || !p.notes.is_empty() {
                <ul class="notes" id="power-notes">{ for a.notes.iter().chain(&p.notes).map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
            }
            <details><summary>{ "Assumed" }</summary>
                <ul>{ for p.assumptions.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
            </details>
        </>
    }
}

/// One row of the chart.
enum ChartRow<'a> {
    /// A host: its verdict, and the time on battery before its shutdown starts.
    Host(&'a HostShutdown),
    /// One stage of a host's shutdown.
    Stage(&'a HostShutdown, &'a Stage),
}

/// The staged shutdown on the main canvas: a row per host and per stage, the expected span
/// solid and the span at the guests' timeouts outlined, against each UPS's lines.
#[component]
pub fn PowerGantt(props: &PowerProps) -> Html {
    let plan = use_power(props.doc.clone());
    let node = use_node_ref();
    let width = super::boot::use_width(node.clone());
    let chart = match plan {
        None => html! { <p class="hint" id="power-gantt-pending">{ "Planning the shutdown…" }</p> },
        Some(Err(e)) => html! { <p class="field-error" role="alert">{ e }</p> },
        Some(Ok(a)) => chart(&a, width),
    };
    html! {
        <section class="canvas gantt-canvas" aria-label="Power loss" ref={node}>
            <div class="gantt-tools" role="toolbar" aria-label="Power loss">
                <strong class="gantt-title">{ "Power loss: staged shutdown against the UPS runtime" }</strong>
            </div>
            { chart }
            <p class="legend">
                <span class="key bar-key">{ "▬ expected" }</span>
                <span class="key">{ "▭ at the guests' timeouts" }</span>
                <span class="key battery-key">{ "┆ low battery: NUT starts the shutdown" }</span>
                <span class="key empty-key">{ "┃ battery empty" }</span>
                <span class="key outage-key">{ "▧ no power" }</span>
            </p>
        </section>
    }
}

/// The first few ids and how many more.
fn short_list(ids: &[String]) -> String {
    if ids.len() <= 4 {
        ids.join(", ")
    } else {
        format!("{}, … {} more", ids[..3].join(", "), ids.len() - 3)
    }
}

fn stage_class(k: StageKind) -> &'static str {
    match k {
        StageKind::Nut => "stage-nut",
        StageKind::Consumers => "stage-consumers",
        StageKind::StorageServices | StageKind::Secondaries => "stage-wait",
        StageKind::Providers => "stage-providers",
        StageKind::Host => "stage-host",
    }
}

fn chart(a: &PowerLossFiles, width: f64) -> Html {
    let p = &a.plan;
    let mut rows: Vec<ChartRow<'_>> = Vec::new();
    for h in &p.hosts {
        rows.push(ChartRow::Host(h));
        for s in &h.stages {
            rows.push(ChartRow::Stage(h, s));
        }
    }
    let end = p
        .ups
        .iter()
        .filter_map(|u| u.runtime.runtime_s)
        .chain(p.hosts.iter().filter_map(|h| h.worst_off_s))
        .chain(p.hosts.iter().filter_map(|h| h.dies_at_s))
        .max()
        .unwrap_or(60)
        .max(60);
    // The minutes on battery before the first shutdown starts are one band: the axis starts
    // a little before the first trigger, so the stages get the width (a cut at +0 s keeps 0).
    let first = p
        .hosts
        .iter()
        .map(|h| h.trigger_s.or(h.dies_at_s).unwrap_or(0))
        .min()
        .unwrap_or(0);
    let end = end + end / 40 + 1;
    let from = first.saturating_sub((end - first) / 6);
    let label_w = (width * 0.3).clamp(110.0, 230.0);
    let chart_w = width - label_w - 16.0;
    let (top, row_h) = (48.0, 24.0);
    let x = |s: u32| label_w + chart_w * f64::from(s.saturating_sub(from)) / f64::from(end - from);
    let height = top + row_h * rows.len() as f64 + 30.0;
    let span = end - from;
    // As many ticks as fit, a label every 90 px at most.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let fit = (chart_w / 90.0).clamp(2.0, 8.0) as u32;
    let step = [30u32, 60, 120, 300, 600, 900, 1800, 3600]
        .into_iter()
        .find(|s| s * fit >= span)
        .unwrap_or(7200);
    let ticks: Vec<u32> = (from.div_ceil(step)..=end / step)
        .map(|i| i * step)
        .collect();
    let bottom = height - 24.0;
    html! {
        <svg class="gantt power-gantt" id="power-gantt" width={format!("{width:.0}")} height={format!("{height:.0}")} viewBox={format!("0 0 {width:.0} {height:.0}")}
             role="img" aria-label={format!("Power loss: {}", verdict_words(p.verdict))}>
            <defs>
                <pattern id="nopower-hatch" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(-45)">
                    <rect width="8" height="8" class="outage-bg" />
                    <line x1="0" y1="0" x2="0" y2="8" class="outage-line" />
                </pattern>
            </defs>
            { for ticks.iter().map(|&s| html! {
                <g class="tick"><line x1={x(s).to_string()} x2={x(s).to_string()} y1={(top - 4.0).to_string()} y2={bottom.to_string()} />
                <text x={x(s).to_string()} y={(height - 8.0).to_string()}>{ at(s) }</text></g>
            }) }
            <text class="gantt-head" x="4" y="14">{ "since mains loss" }</text>
            if from > 0 {
                <text class="gantt-head axis-from" x={label_w.to_string()} y="14">{ format!("axis from {} (on battery since +0 s)", at(from)) }</text>
            }
            { for rows.iter().enumerate().map(|(i, r)| {
                let y = top + row_h * i as f64;
                match r {
                    ChartRow::Host(h) => host_row(h, y, row_h, &x, (end, from), width < 600.0),
                    ChartRow::Stage(h, s) => stage_row(h, s, y, row_h, &x),
                }
            }) }
            { for p.ups.iter().enumerate().map(|(i, u)| {
                let dy = 24.0 * i as f64;
                html! {
                    <g class="ups-lines" data-ups={u.runtime.ups.clone()}>
                        if u.runtime.overloaded {
                            <line class="battery-empty" id={format!("empty-{}", u.runtime.ups)} x1={x(0).to_string()} x2={x(0).to_string()} y1={(top - 14.0).to_string()} y2={bottom.to_string()} />
                            <text class="ups-label empty" x={(x(0) + 4.0).to_string()} y={(38.0 + dy).to_string()}>{ format!("{} overloaded ({} W): it cannot carry the load", u.runtime.ups, u.runtime.load_w) }</text>
                        } else {
                        if let Some(lb) = u.runtime.low_battery_at_s {
                            <line class="low-battery" x1={x(lb).to_string()} x2={x(lb).to_string()} y1={(top - 14.0).to_string()} y2={bottom.to_string()} />
                            <text class="ups-label" x={(x(lb) - 4.0).to_string()} y={(26.0 + dy).to_string()} text-anchor="end">{ format!("{} low battery {}", u.runtime.ups, at(lb)) }</text>
                        }
                        if let Some(rt) = u.runtime.runtime_s {
                            <line class="battery-empty" id={format!("empty-{}", u.runtime.ups)} x1={x(rt).to_string()} x2={x(rt).to_string()} y1={(top - 14.0).to_string()} y2={bottom.to_string()} />
                            <text class="ups-label empty" x={(x(rt) - 4.0).to_string()} y={(38.0 + dy).to_string()} text-anchor="end">{ format!("{} empty {}", u.runtime.ups, at(rt)) }</text>
                        }
                        }
                    </g>
                }
            }) }
        </svg>
    }
}

fn host_row(
    h: &HostShutdown,
    y: f64,
    row_h: f64,
    x: &dyn Fn(u32) -> f64,
    (end, from): (u32, u32),
    narrow: bool,
) -> Html {
    let label = match (&h.ups, h.role) {
        _ if narrow => h.host.clone(),
        (None, _) => format!("{} · no UPS", h.host),
        (Some(u), Some(r)) => format!("{} · {r} of {u}", h.host),
        (Some(u), None) => format!("{} · on {u}, no upsmon", h.host),
    };
    let dies = h.dies_at_s;
    html! {
        <g class={classes!("power-host", verdict_class(h.verdict))} data-host={h.host.clone()} data-verdict={h.verdict.as_str()}>
            <text class="gantt-label host-label" x="4" y={(y + 15.0).to_string()}>{ label }</text>
            // On battery until the trigger (or until the power is gone without a shutdown).
            if let Some(t) = h.trigger_s.or(if h.role.is_none() { dies } else { None }) {
                <rect class="on-battery" x={x(from).to_string()} y={(y + 6.0).to_string()} width={(x(t) - x(from)).max(0.0).to_string()} height={(row_h - 12.0).to_string()}>
                    <title>{ format!("{} on battery until {}", h.host, at(t)) }</title>
                </rect>
            }
            if let Some(d) = dies {
                <rect class="outage" x={x(d).to_string()} y={(y + 3.0).to_string()} width={(x(end) - x(d)).max(2.0).to_string()} height={(row_h - 6.0).to_string()} fill="url(#nopower-hatch)">
                    <title>{ format!("{}: no power from {}{}", h.host, at(d), if h.lost.is_empty() { String::new() } else { format!(" — still running then: {}", h.lost.join(", ")) }) }</title>
                </rect>
            }
            // At the row's start, over its time on battery: the end of the chart is the UPS's.
            <text class="bar-label verdict-label" x={(x(from) + 6.0).to_string()} y={(y + 15.0).to_string()}>
                { match h.margin_s {
                    Some(m) if m >= 0 => format!("{} — {} spare", h.verdict, duration_text(u32::try_from(m).unwrap_or(u32::MAX))),
                    Some(m) => format!("{} — short by {}", h.verdict, duration_text(u32::try_from(-m).unwrap_or(u32::MAX))),
                    None if !h.lost.is_empty() => format!("{} — lost: {}", h.verdict, short_list(&h.lost)),
                    None => h.verdict.as_str().to_owned(),
                } }
            </text>
        </g>
    }
}

fn stage_row(h: &HostShutdown, s: &Stage, y: f64, row_h: f64, x: &dyn Fn(u32) -> f64) -> Html {
    let guests: Vec<&str> = s.guests.iter().map(|g| g.vm.as_str()).collect();
    let what = if guests.is_empty() {
        s.kind.as_str().to_owned()
    } else {
        format!("{} {}", s.kind, guests.join(", "))
    };
    let title = format!(
        "{}: {} — expected {} → {}, at the timeouts {} → {}",
        h.host,
        s.title,
        at(s.start_s),
        at(s.end_s),
        at(s.worst_start_s),
        at(s.worst_end_s)
    );
    html! {
        <g class={classes!("power-stage", stage_class(s.kind))} data-host={h.host.clone()} data-stage={s.kind.as_str()}>
            <text class="gantt-label stage-label" x="16" y={(y + 15.0).to_string()}>{ what.clone() }</text>
            <rect class="worst" x={x(s.worst_start_s).to_string()} y={(y + 4.0).to_string()} width={(x(s.worst_end_s) - x(s.worst_start_s)).max(2.0).to_string()} height={(row_h - 8.0).to_string()} rx="2">
                <title>{ title.clone() }</title>
            </rect>
            <rect class="bar" x={x(s.start_s).to_string()} y={(y + 7.0).to_string()} width={(x(s.end_s) - x(s.start_s)).max(2.0).to_string()} height={(row_h - 14.0).to_string()} rx="2">
                <title>{ title }</title>
            </rect>
        </g>
    }
}
