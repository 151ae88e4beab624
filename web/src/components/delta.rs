//! The before/after panel: pick two states (the baseline, the last opened document, the
//! current one, an example, a file) and read what changed between them — single points of
//! failure, downtime per service, cold start, N-2 pairs, findings, components — each item
//! selecting its component. The comparison is the core's ([`hostplan::sim::delta`]).

use crate::hooks::{DeltaHandle, Side};
use hostplan::sim::delta::{Change, Delta};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`DeltaPanel`].
#[derive(Properties, PartialEq)]
pub struct DeltaProps {
    /// The sides and the delta.
    pub delta: DeltaHandle,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
}

/// Minutes per year, or a dash when the side lacks the service.
fn minutes(m: Option<f64>) -> String {
    m.map_or_else(|| "—".to_owned(), |m| format!("{m:.0}"))
}

fn seconds(ms: Option<u64>) -> String {
    ms.map_or_else(
        || "never".to_owned(),
        |ms| format!("{:.0} s", ms as f64 / 1000.0),
    )
}

/// The one line a person reads first.
fn summary(d: &Delta) -> String {
    if d.is_empty() {
        return "No difference.".to_owned();
    }
    let added = d.spofs.iter().filter(|s| s.change == Change::Added).count();
    let removed = d.spofs.len() - added;
    let worse = d
        .availability
        .iter()
        .filter(|a| a.delta_min().is_some_and(|m| m >= 0.5))
        .count();
    let better = d
        .availability
        .iter()
        .filter(|a| a.delta_min().is_some_and(|m| m <= -0.5))
        .count();
    let mut parts = vec![format!("single points of failure +{added} −{removed}")];
    if worse > 0 {
        parts.push(format!("availability worse for {worse} service(s)"));
    }
    if better > 0 {
        parts.push(format!("better for {better}"));
    }
    if let Some(f) = d.findings.as_ref().filter(|f| !f.is_empty()) {
        let new = f.iter().filter(|f| f.change == Change::Added).count();
        parts.push(format!("findings +{new} −{}", f.len() - new));
    }
    let mut s = parts.join(", ");
    s.push('.');
    s
}

/// The before/after panel.
#[component]
pub fn DeltaPanel(props: &DeltaProps) -> Html {
    let h = &props.delta;
    let reader = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    let chip = |id: &str| {
        let (cb, target) = (props.on_select.clone(), id.to_owned());
        html! {
            <button type="button" class="chip" data-id={id.to_owned()}
                onclick={Callback::from(move |_: MouseEvent| cb.emit(Some(target.clone())))}>{ id }</button>
        }
    };
    let options = |chosen: &Side| {
        let mut sides = vec![
            (
                Side::Baseline,
                match &h.baseline {
                    Some(b) => format!("Baseline (set on {})", b.name),
                    None => format!("Baseline: last opened ({})", h.opened.name),
                },
            ),
            (Side::Opened, format!("Last opened ({})", h.opened.name)),
            (Side::Current, "Current (being edited)".to_owned()),
        ];
        sides.extend(
            hostplan::examples::ALL
                .iter()
                .map(|(n, _)| (Side::Example((*n).to_owned()), format!("Example: {n}"))),
        );
        if let Some(f) = &h.file {
            sides.push((Side::File, format!("File: {}", f.0)));
        }
        sides
            .into_iter()
            .map(|(s, label)| {
                html! {
                    <option value={s.value()} selected={s == *chosen}>{ label }</option>
                }
            })
            .collect::<Html>()
    };
    let pick = |cb: &Callback<Side>| {
        cb.reform(|e: Event| {
            let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
            Side::from_value(&s.value())
        })
    };
    let on_file = {
        let on_file = h.on_file.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let on_file = on_file.clone();
            let task =
                gloo_file::callbacks::read_as_bytes(&gloo_file::File::from(file), move |r| {
                    on_file.emit((name, r.unwrap_or_default()));
                });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    let body = match h.result.as_ref() {
        None => html! { <p class="hint" id="delta-computing">{ "Comparing…" }</p> },
        Some(Err(e)) => html! { <p class="field-error" role="alert" id="delta-error">{ e }</p> },
        Some(Ok(d)) => delta_html(d, &chip, h.partial),
    };
    html! {
        <div class="panel" id="delta-panel">
            <div class="row">
                <button type="button" id="set-baseline" onclick={h.on_set_baseline.reform(|_: MouseEvent| ())}>{ "Set baseline" }</button>
                <span class="hint" id="baseline-status">{ match &h.baseline {
                    Some(b) => format!("Baseline set ({})", b.name),
                    None => format!("No baseline set: the last opened {} stands in", h.opened.name),
                } }</span>
            </div>
            <div class="row">
                <label for="delta-before">{ "Before" }</label>
                <select id="delta-before" onchange={pick(&h.on_before)}>{ options(&h.before) }</select>
            </div>
            <div class="row">
                <label for="delta-after">{ "After" }</label>
                <select id="delta-after" onchange={pick(&h.on_after)}>{ options(&h.after) }</select>
            </div>
            <div class="row">
                <label for="delta-file">{ "Compare with a file" }</label>
                <input id="delta-file" type="file" accept=".toml,.json" onchange={on_file} />
            </div>
            { body }
        </div>
    }
}

/// The delta's sections, each only when it has something.
fn delta_html(d: &Delta, chip: &dyn Fn(&str) -> Html, partial: bool) -> Html {
    let sign = |c: Change| html! { <span class={classes!("delta-sign", c.as_str())} aria-label={c.as_str()}>{ c.sign() }</span> };
    let rows = d.availability.iter().map(|a| {
        let delta = a.delta_min();
        let class = match delta {
            Some(m) if m >= 0.5 => "worse",
            Some(m) if m <= -0.5 => "better",
            _ => "same",
        };
        html! {
            <tr class={class} data-service={a.service.clone()}>
                <th scope="row">{ chip(a.service.split('#').next().unwrap_or(&a.service)) }{ a.service.find('#').map(|i| a.service[i..].to_owned()).unwrap_or_default() }</th>
                <td>{ minutes(a.before_min) }</td>
                <td>{ minutes(a.after_min) }</td>
                <td class="delta-change">{ delta.map_or_else(|| "—".to_owned(), |m| match class {
                    "worse" => format!("+{m:.0} worse"),
                    "better" => format!("{m:.0} better"),
                    _ => "same".to_owned(),
                }) }</td>
                <td>{ format!("{} → {}", a.spofs_before.map_or("—".into(), |n| n.to_string()), a.spofs_after.map_or("—".into(), |n| n.to_string())) }</td>
            </tr>
        }
    });
    html! {
        <div id="delta">
            <p id="delta-summary" role="status"><strong>{ summary(d) }</strong></p>
            <h3>{ "Single points of failure" }</h3>
            if d.spofs.is_empty() {
                <p class="hint" id="delta-spofs-none">{ "None added or removed." }</p>
            } else {
                <ul id="delta-spofs">{ for d.spofs.iter().map(|s| html! {
                    <li class={s.change.as_str()}>{ sign(s.change) }{ " " }{ chip(&s.component) }
                        { format!(" {} {}", if s.change == Change::Added { "now takes down" } else { "no longer takes down" }, s.services.join(", ")) }</li>
                }) }</ul>
            }
            <h3>{ "Downtime per service (min/yr)" }</h3>
            <table id="delta-availability" class="compare">
                <thead><tr><th scope="col">{ "Service" }</th><th scope="col">{ "Before" }</th><th scope="col">{ "After" }</th><th scope="col">{ "Change" }</th><th scope="col">{ "SPOFs" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <p id="delta-cold-start">{ format!("Cold start, all ready: {} → {}", seconds(d.cold_start_before_ms), seconds(d.cold_start_after_ms)) }</p>
            if let Some(pairs) = &d.pairs {
                if !pairs.is_empty() {
                    <h3>{ "Critical pairs (N-2)" }</h3>
                    <ul id="delta-pairs">{ for pairs.iter().map(|p| html! {
                        <li class={p.change.as_str()}>{ sign(p.change) }{ " " }{ chip(&p.a) }{ " + " }{ chip(&p.b) }{ format!(" → {}", p.services.join(", ")) }</li>
                    }) }</ul>
                }
            }
            if let Some(findings) = &d.findings {
                <h3>{ "Findings" }</h3>
                if findings.is_empty() {
                    <p class="hint">{ "None added or removed." }</p>
                } else {
                    <ul id="delta-findings">{ for findings.iter().map(|f| html! {
                        <li class={f.change.as_str()}>{ sign(f.change) }{ format!(" {} {} ", f.level, f.rule) }{ chip(&f.resource) }{ format!(": {}", f.message) }</li>
                    }) }</ul>
                }
            }
            if partial {
                <p class="hint" id="delta-partial">{ "On a site this large, N-2 pairs and policy findings are not compared here: run hostplan compare A B." }</p>
            }
            <h3>{ "Components" }</h3>
            if d.components.is_empty() {
                <p class="hint">{ "None added, removed or edited." }</p>
            } else {
                <ul id="delta-components">{ for d.components.iter().map(|c| html! {
                    <li class={c.change.as_str()}>{ sign(c.change) }{ format!(" {} ", c.section) }
                        if c.change == Change::Removed || c.section == "mappings" { <span>{ &c.id }</span> } else { { chip(&c.id) } }
                    </li>
                }) }</ul>
            }
        </div>
    }
}
