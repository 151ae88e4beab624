//! Operations: a host's maintenance preview with its runbook (downloadable as Markdown and as
//! a bash script), and a storage outage — a provider gone for its reboot or for a given time —
//! with each consumer's verdict. Thin views over `hostplan::ops`, which runs in the Web Worker
//! ([`crate::jobs::Request::Maintain`], [`crate::jobs::Request::Outage`]): none of the
//! planner is in the page's wasm.

use crate::components::transfer::download;
use crate::jobs::{MaintainFiles, Request};
use crate::service::{use_answer, Pool, Shared};
use crate::state::Doc;
use hostplan::ops::maintain::Fate;
use hostplan::ops::outage::{ConsumerOutcome, Outage, Verdict};
use hostplan::ops::{duration_text, Step};
use yew::prelude::*;

/// Props of the operations panels.
#[derive(Properties, PartialEq)]
pub struct OpsProps {
    /// The document.
    pub doc: Shared<Doc>,
}

fn steps_html(steps: &[Step]) -> Html {
    html! {
        <ol class="runbook">{ for steps.iter().map(|s| html! {
            <li class={classes!(s.destructive.then_some("destructive"))}>
                <strong>{ &s.title }</strong>
                <span class="hint">{ format!(" +{} · {}", duration_text(s.at_s), s.expected_s.map_or("duration not modelled".to_owned(), duration_text)) }</span>
                <div class="why">{ &s.why }</div>
                if let Some(c) = &s.command { <div><code>{ c }</code>{ if s.destructive { " ⚠" } else { "" } }</div> }
                if let Some(c) = &s.check { <div class="check">{ "✓ " }{ &c.what }{ ": " }<code>{ &c.command }</code></div> }
            </li>
        }) }</ol>
    }
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::RidesThrough => "ok",
        Verdict::StallsThenResumes => "warn",
        Verdict::NeedsRestart => "field-error",
        Verdict::NotModelled => "hint",
    }
}

fn consumers_html(cs: &[ConsumerOutcome]) -> Html {
    html! {
        <ul class="verdicts">{ for cs.iter().map(|c| html! {
            <li class={verdict_class(c.verdict)} data-verdict={c.verdict.as_str()}>
                <strong>{ format!("{} via {}: {}", c.what, c.service, c.verdict) }</strong>
                <ol class="chain">{ for c.chain.iter().map(|x| html! { <li>{ x }</li> }) }</ol>
                if !c.restart.is_empty() { <p>{ format!("Restart: {}", c.restart.join("; ")) }</p> }
                if !c.assumed.is_empty() { <p class="hint">{ format!("Assumed: {}", c.assumed.join("; ")) }</p> }
            </li>
        }) }</ul>
    }
}

/// The Maintenance tab: pick a host and reboot or shutdown; see what stops, what moves, what is
/// down for how long, and the runbook; download it.
#[component]
pub fn MaintainPanel(props: &OpsProps) -> Html {
    let t = &props.doc.topology;
    let host = use_state(|| {
        t.services
            .iter()
            .find_map(|s| {
                t.vms
                    .iter()
                    .find(|v| v.id == s.provider)
                    .map(|v| v.host.clone())
            })
            .or_else(|| t.hosts.first().map(|h| h.id.clone()))
            .unwrap_or_default()
    });
    let mode = use_state(|| "reboot".to_owned());
    let result = use_answer::<_, MaintainFiles, _>(
        Pool::Service,
        (props.doc.clone(), (*host).clone(), (*mode).clone()),
        |(doc, h, m)| {
            Some(Request::Maintain {
                text: doc.text.clone(),
                host: h.clone(),
                shutdown: m == "shutdown",
            })
        },
    );
    let on_host = super::store_select(&host);
    let on_mode = super::store_select(&mode);
    let body = match result {
        None => {
            html! { <p class="hint" id="maintain-pending" aria-busy="true">{ "Planning…" }</p> }
        }
        Some(Err(e)) => html! { <p class="field-error" role="alert" id="maintain-error">{ e }</p> },
        Some(Ok(files)) => {
            let p = &files.plan;
            let md = {
                let (name, text) = (format!("maintenance-{}.md", p.host), files.markdown.clone());
                Callback::from(move |_: MouseEvent| download(&name, &text))
            };
            let sh = {
                let (name, text) = (format!("maintenance-{}.sh", p.host), files.script.clone());
                Callback::from(move |_: MouseEvent| download(&name, &text))
            };
            html! {
                <div id="maintain-plan">
                    <h3>{ "Guests" }</h3>
                    <ul id="maintain-guests">{ for p.guests.iter().map(|g| html! {
                        <li data-fate={g.fate.as_str()} class={if g.fate == Fate::Stops { "warn" } else { "ok" }}>
                            <strong>{ format!("{} ({}) {}{}", g.vm, g.vmid, g.fate, g.to.as_deref().map_or(String::new(), |t| format!(" to {t}"))) }</strong>
                            <div class="hint">{ &g.reason }</div>
                        </li>
                    }) }</ul>
                    <p id="maintain-quorum">{ match &p.quorum {
                        Some(q) => format!("Quorum without {}: {} votes left, {} needed — {}", p.host, q.votes, q.quorum, if q.quorate { "quorate" } else { "NOT quorate" }),
                        None => format!("{} is not in a cluster.", p.host),
                    } }</p>
                    <h3>{ "Down" }</h3>
                    <table id="maintain-downtime">
                        <thead><tr><th>{ "what" }</th><th>{ "kind" }</th><th>{ "from" }</th><th>{ "down for" }</th></tr></thead>
                        <tbody>{ for p.downtime.iter().map(|d| html! {
                            <tr><td>{ &d.id }</td><td>{ &d.kind }</td><td>{ format!("+{}", duration_text(d.from_s)) }</td>
                            <td>{ d.down_s().map_or("until powered on".to_owned(), duration_text) }</td></tr>
                        }) }</tbody>
                    </table>
                    { for p.lost.iter().map(|l| html! {
                        <p class="warn storage-outage">{ format!("Storage outage: {} ({} from {}) for {}", l.service, l.kind, l.provider, duration_text(l.outage_s)) }</p>
                    }) }
                    if !p.elsewhere.is_empty() {
                        <h3>{ "Consumers elsewhere" }</h3>
                        { consumers_html(&p.elsewhere) }
                    }
                    if !p.notes.is_empty() {
                        <h3>{ "Notes" }</h3>
                        <ul>{ for p.notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                    }
                    <h3>{ format!("Runbook: {} steps, about {}", p.steps.len(), duration_text(p.total_s)) }</h3>
                    <div class="buttons">
                        <button type="button" id="maintain-md" onclick={md}>{ "Download Markdown" }</button>
                        <button type="button" id="maintain-sh" onclick={sh}>{ "Download script" }</button>
                    </div>
                    <div id="maintain-runbook">{ steps_html(&p.steps) }</div>
                </div>
            }
        }
    };
    html! {
        <section class="operations" aria-labelledby="maintain-title">
            <h2 id="maintain-title">{ "Maintenance" }</h2>
            <p class="hint">{ "What a host's maintenance stops, moves and takes down, and the runbook that does it in order: a command, an expected duration and a check per step." }</p>
            <div class="row">
                <label>{ "Host " }
                    <select id="maintain-host" onchange={on_host}>{ for t.hosts.iter().map(|h| html! {
                        <option value={h.id.clone()} selected={h.id == *host}>{ &h.id }</option>
                    }) }</select>
                </label>
                <label>{ " " }
                    <select id="maintain-mode" onchange={on_mode}>
                        <option value="reboot" selected={*mode == "reboot"}>{ "reboot" }</option>
                        <option value="shutdown" selected={*mode == "shutdown"}>{ "shutdown" }</option>
                    </select>
                </label>
            </div>
            { body }
        </section>
    }
}

/// A storage outage in the Simulate tab: a provider (or service) gone for its reboot or for a
/// given time, and what each consumer does.
#[component]
pub fn OutagePanel(props: &OpsProps) -> Html {
    let t = &props.doc.topology;
    let targets: Vec<String> = {
        let mut v: Vec<String> = t.services.iter().map(|s| s.provider.clone()).collect();
        v.dedup();
        v.extend(t.services.iter().map(|s| s.id.clone()));
        v
    };
    let target = use_state(|| targets.first().cloned().unwrap_or_default());
    // Empty = the provider's reboot by the boot model.
    let minutes = use_state(String::new);
    let m = &*minutes;
    let duration = if m.trim().is_empty() {
        Ok(None)
    } else {
        m.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0 && *x <= 10_000.0)
            .map(|x| {
                // Bounded above, so the seconds fit.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let s = (x * 60.0).round() as u32;
                Some(s)
            })
            .ok_or_else(|| format!("`{m}` is not a number of minutes"))
    };
    let key = (props.doc.clone(), (*target).clone(), duration.clone());
    let result = use_answer::<_, Outage, _>(Pool::Service, key, |(doc, id, d)| {
        let seconds = *d.as_ref().ok()?;
        (!id.is_empty()).then(|| Request::Outage {
            text: doc.text.clone(),
            target: id.clone(),
            seconds,
        })
    });
    if targets.is_empty() {
        return html! {};
    }
    let on_target = super::store_select(&target);
    let on_minutes = super::store_trimmed(&minutes);
    let result = match duration {
        Err(e) => Some(Err(e)),
        Ok(_) if target.is_empty() => None,
        Ok(_) => result,
    };
    let body = match result {
        None => html! {},
        Some(Err(e)) => html! { <p class="field-error" role="alert" id="outage-error">{ e }</p> },
        Some(Ok(o)) => html! {
            <div id="outage-result">
                { for o.services.iter().map(|l| html! {
                    <p class="storage-outage">{ format!("{} gone {} — {}", l.service, duration_text(l.outage_s), l.derivation) }</p>
                }) }
                if o.consumers.is_empty() { <p class="hint">{ "No running consumer uses it." }</p> }
                { consumers_html(&o.consumers) }
                if !o.recovery.is_empty() {
                    <details id="outage-recovery">
                        <summary>{ format!("Recovery: {} steps", o.recovery.len()) }</summary>
                        { steps_html(&o.recovery) }
                    </details>
                }
            </div>
        },
    };
    html! {
        <section class="operations" aria-labelledby="outage-title">
            <h3 id="outage-title">{ "Storage outage" }</h3>
            <p class="hint">{ "What each consumer's protocol stack does while a storage provider is gone: rides through, stalls then resumes, or needs a restart — with the cause chain." }</p>
            <div class="row">
                <label>{ "Gone: " }
                    <select id="outage-target" onchange={on_target}>{ for targets.iter().map(|id| html! {
                        <option value={id.clone()} selected={*id == *target}>{ id }</option>
                    }) }</select>
                </label>
                <label>{ " for " }
                    <input id="outage-minutes" type="number" min="0" step="0.5" placeholder="its reboot" size="6"
                        value={(*minutes).clone()} onchange={on_minutes} />
                    { " min" }
                </label>
            </div>
            { body }
        </section>
    }
}
