//! Findings marked on the graph: each box or host with validation diagnostics or open policy
//! findings carries a badge with the worst severity and the count; clicking it lists them.
//! The marks are gathered here, per drawn entity, so the graph only draws what it is given.

use hostplan::diag::{Diagnostic, Severity};
use hostplan::model::Topology;
use hostplan::policy::{Evaluation, Status};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// One diagnostic or finding on an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// How bad.
    pub severity: Severity,
    /// Validation code or rule id (`E012`, `K8S-01`).
    pub code: String,
    /// What is wrong, in words.
    pub message: String,
}

/// Marks by the id of the entity they are drawn on, worst first.
pub type Marks = BTreeMap<String, Vec<Mark>>;

/// The marks of a topology: each diagnostic on the id it names and on the entity whose entry
/// holds it (once when both are the same), each open finding on the entity its resource belongs
/// to (`tank#data-0` on `tank`). Waived findings are not marks.
pub fn marks(t: &Topology, diagnostics: &[Diagnostic], evaluation: Option<&Evaluation>) -> Marks {
    let mut out = Marks::new();
    for d in diagnostics {
        let mark = Mark {
            severity: d.severity,
            code: d.code.to_string(),
            message: d.message.clone(),
        };
        let owner = hostplan::model::section::owner_id(t, &d.path);
        let named = d.id.as_deref();
        for id in named.into_iter().chain(owner.filter(|o| Some(*o) != named)) {
            out.entry(id.to_owned()).or_default().push(mark.clone());
        }
    }
    for f in evaluation
        .into_iter()
        .flat_map(|e| &e.findings)
        .filter(|f| f.status == Status::Open)
    {
        out.entry(hostplan::graph::display_owner(&f.resource).to_owned())
            .or_default()
            .push(Mark {
                severity: f.level,
                code: f.rule.clone(),
                message: f.message.clone(),
            });
    }
    for list in out.values_mut() {
        hostplan::sort::sort_by(list, |a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
        });
    }
    out
}

/// A severity's word, its class and the sign drawn with it (never colour alone).
fn look(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("error", "!"),
        Severity::Warning => ("warning", "⚠"),
        Severity::Info => ("info", "i"),
    }
}

/// Width of a badge in SVG units.
pub const BADGE_W: f64 = 30.0;

/// The badge of `list` with its top-left corner at (`x`, `y`): the worst severity's sign and
/// the count. A click opens the list (and does not select through to the box under it).
/// Hidden from screen readers: the box's own label says how many findings it has.
pub fn badge(id: &str, list: &[Mark], x: f64, y: f64, on_open: &Callback<String>) -> Html {
    let Some(worst) = list.first() else {
        return Html::default();
    };
    let (word, sign) = look(worst.severity);
    let onclick = {
        let (cb, id) = (on_open.clone(), id.to_owned());
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            cb.emit(id.clone());
        })
    };
    html! {
        <g class={classes!("fbadge", word)} data-badge={id.to_owned()} {onclick} aria-hidden="true"
           transform={format!("translate({x:.1},{y:.1})")}>
            <rect width={BADGE_W.to_string()} height="16" rx="8" />
            <text x={(BADGE_W / 2.0).to_string()} y="12">{ format!("{sign}{}", list.len()) }</text>
            <title>{ format!("{} finding(s), worst {word}: click to list them", list.len()) }</title>
        </g>
    }
}

/// What a box's label says about its marks (` — 2 findings, worst warning`).
pub fn spoken(list: Option<&Vec<Mark>>) -> String {
    match list.and_then(|l| Some((l.len(), l.first()?))) {
        Some((n, worst)) => format!(" — {n} finding(s), worst {}", look(worst.severity).0),
        None => String::new(),
    }
}

/// Props of [`FindingsPopover`].
#[derive(Properties, PartialEq)]
pub struct FindingsPopoverProps {
    /// The entity.
    pub id: String,
    /// Its marks.
    pub marks: Rc<Marks>,
    /// Close the list.
    pub on_close: Callback<()>,
}

/// The marks of one entity, listed over the graph.
#[component]
pub fn FindingsPopover(props: &FindingsPopoverProps) -> Html {
    let list = props.marks.get(&props.id).cloned().unwrap_or_default();
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="findings-pop" id="findings-pop" role="dialog" aria-label={format!("Findings on {}", props.id)}>
            <div class="row">
                <strong>{ format!("{} on {}", if list.len() == 1 { "1 finding".to_owned() } else { format!("{} findings", list.len()) }, props.id) }</strong>
                <button type="button" id="findings-pop-close" onclick={close} aria-label="Close">{ "×" }</button>
            </div>
            <ul>{ for list.iter().map(|m| {
                let (word, sign) = look(m.severity);
                html! {
                    <li class={classes!("sev", word)}>
                        <span class="sev-sign" aria-hidden="true">{ sign }</span>
                        <span class="visually-hidden">{ format!("{word}: ") }</span>
                        <code>{ &m.code }</code>{ " " }{ &m.message }
                    </li>
                }
            }) }</ul>
            <p class="hint">{ "All of them: the Review tab (findings) and Inspect (validation)." }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_marks_its_open_findings_on_the_entities_worst_first() {
        let t = hostplan::examples::seed().unwrap();
        let mut p = hostplan::policy::RuleBook::builtin()
            .prepare(hostplan::policy::Limits::default())
            .unwrap();
        let ev = p
            .evaluate(
                &hostplan::policy::facts::facts(&t),
                &t.waivers,
                "2026-11-26",
            )
            .unwrap();
        let m = marks(&t, &[], Some(&ev));
        let open = ev
            .findings
            .iter()
            .filter(|f| f.status == Status::Open)
            .count();
        assert_eq!(m.values().map(Vec::len).sum::<usize>(), open);
        let truenas = &m["truenas"];
        assert!(truenas.iter().any(|x| x.code == "TN-09"), "{truenas:?}");
        assert!(truenas.windows(2).all(|w| w[0].severity >= w[1].severity));
    }

    #[test]
    fn a_diagnostic_marks_the_id_it_names_and_its_entry_once_each() {
        let text = include_str!("../../../tests/cases/validate/unknown-host.toml");
        let doc = crate::state::read("unknown-host.toml", text.as_bytes()).unwrap();
        let m = marks(&doc.topology, &doc.diagnostics, None);
        assert!(m.contains_key("hba0"), "{m:?}");
        assert!(m["hba0"].iter().all(|x| x.severity == Severity::Error));
        let total: usize = m.values().map(Vec::len).sum();
        assert!(total >= doc.diagnostics.len());
        assert_eq!(spoken(m.get("hba0")).split(" — ").count(), 2);
        assert_eq!(spoken(None), "");
    }
}
