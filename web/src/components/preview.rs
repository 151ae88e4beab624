//! "After this": what a change the user has not committed yet would do — validation errors
//! (with the ones it adds listed), single points of failure, downtime old → new and, given the
//! rule book, findings added and removed. Shown by the import merge and the What-if "Adopt"
//! before the button, so a preview never says "OK" and then produces errors.

use crate::components::transfer::RuleBookHandle;
use crate::jobs::Request;
use crate::service::{use_job, Pool, Shared};
use crate::state::Doc;
use hostplan::diag::Severity;
use hostplan::sim::delta::{Change, Delta};
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`AfterThis`].
#[derive(Properties, PartialEq)]
pub struct AfterThisProps {
    /// The document now.
    pub before: Shared<Doc>,
    /// The document the change would give.
    pub after: Shared<Doc>,
    /// The rule book, for the findings it would add (none: findings are not previewed).
    #[prop_or_default]
    pub book: Option<Rc<RuleBookHandle>>,
}

/// Validation errors as `[code] message`, deduplicated.
fn errors(doc: &Doc) -> BTreeSet<String> {
    hostplan::sort::btree_set(
        doc.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("[{}] {}", d.code.as_str(), d.message)),
    )
}

/// What the preview says.
#[derive(PartialEq)]
struct Preview {
    errors_before: usize,
    /// Errors after that were not there before.
    new_errors: Vec<String>,
    errors_after: usize,
    /// The delta is worth asking for: the availability and SPOF analyses need a graph without
    /// cycles and a model without dangling references (on a model with errors their answer
    /// would mislead), and a large site is not previewed.
    wants_delta: bool,
}

fn preview(before: &Doc, after: &Doc) -> Preview {
    let (a, b) = (errors(before), errors(after));
    let new_errors: Vec<String> = b.difference(&a).cloned().collect();
    Preview {
        errors_before: a.len(),
        errors_after: b.len(),
        new_errors,
        wants_delta: b.is_empty() && !hostplan::export::overview::wants_overview(&after.topology),
    }
}

/// The worker's request for the delta between the two documents (with each side's findings
/// when a rule book is given).
fn delta_request(before: &Doc, after: &Doc, book: Option<&RuleBookHandle>) -> Request {
    Request::Delta {
        before: before.text.clone(),
        after: after.text.clone(),
        pairs: false,
        findings: book.map(|b| b.user.clone()),
        today: crate::analysis::today(),
    }
}

/// The preview block.
#[component]
pub fn AfterThis(props: &AfterThisProps) -> Html {
    let key = (
        props.before.clone(),
        props.after.clone(),
        props.book.as_ref().map(|b| b.version),
    );
    let p = use_memo(key.clone(), |(before, after, _)| preview(before, after));
    let wanted = p.wants_delta;
    let answer = use_job(Pool::Service, key.clone(), {
        let book = props.book.clone();
        move |(before, after, _): &_| wanted.then(|| delta_request(before, after, book.as_deref()))
    });
    // `None` while the worker computes (or when no delta is wanted).
    let delta: Option<Result<Delta, String>> = match answer.as_ref() {
        Some((k, a)) if wanted && *k == key => Some(crate::service::decode(a.clone())),
        _ => None,
    };
    let headline = {
        let mut parts = vec![format!(
            "{} error(s){}",
            p.errors_after,
            if p.errors_after == p.errors_before {
                String::new()
            } else {
                format!(" (now {})", p.errors_before)
            }
        )];
        if let Some(Ok(d)) = &delta {
            if let Some(f) = &d.findings {
                let new = f.iter().filter(|f| f.change == Change::Added).count();
                parts.push(format!("{new} new finding(s), {} resolved", f.len() - new));
            }
            let added = d.spofs.iter().filter(|s| s.change == Change::Added).count();
            parts.push(format!(
                "single points of failure +{added} −{}",
                d.spofs.len() - added
            ));
        } else if wanted && delta.is_none() {
            parts.push("comparing…".to_owned());
        }
        format!("After this: {}.", parts.join(", "))
    };
    let bad = p.errors_after > p.errors_before;
    html! {
        <div class={classes!("after-this", bad.then_some("worse"))} id="after-this" role="status" aria-busy={(wanted && delta.is_none()).to_string()}>
            <p><strong>{ headline }</strong></p>
            if !p.new_errors.is_empty() {
                <ul class="after-errors" id="after-errors">{ for p.new_errors.iter().take(12).map(|e| html! { <li class="field-error">{ e }</li> }) }
                    if p.new_errors.len() > 12 { <li>{ format!("… and {} more", p.new_errors.len() - 12) }</li> }
                </ul>
            }
            if let Some(Err(e)) = &delta { <p class="field-error">{ e }</p> }
            if let Some(Ok(d)) = &delta {
                <ul class="after-changes" id="after-changes">
                    { for d.spofs.iter().map(|s| html! { <li>{ format!("{} SPOF {} ({})", s.change.sign(), s.component, s.services.join(", ")) }</li> }) }
                    { for d.availability.iter().filter(|a| a.delta_min().is_some_and(|m| m.abs() >= 0.5)).map(|a| html! {
                        <li>{ format!("{}: {:.0} → {:.0} min/yr downtime", a.service, a.before_min.unwrap_or_default(), a.after_min.unwrap_or_default()) }</li>
                    }) }
                    if d.cold_start_before_ms != d.cold_start_after_ms {
                        <li>{ format!("cold start: {} → {}",
                            d.cold_start_before_ms.map_or_else(|| "never".to_owned(), |m| format!("{:.0} s", m as f64 / 1000.0)),
                            d.cold_start_after_ms.map_or_else(|| "never".to_owned(), |m| format!("{:.0} s", m as f64 / 1000.0))) }</li>
                    }
                    { for d.findings.iter().flatten().filter(|f| f.change == Change::Added).take(12).map(|f| html! {
                        <li>{ format!("+ finding {} {} {}: {}", f.level, f.rule, f.resource, f.message) }</li>
                    }) }
                </ul>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dangling_host_is_a_new_error_and_no_delta_is_claimed() {
        let seed = hostplan::examples::SEED;
        let before = crate::state::read("seed.toml", seed.as_bytes()).unwrap();
        let mut t = (*before.topology).clone();
        t.vms[1].host = "srv09".into();
        let text = crate::jobs::changed_text(seed, &before.topology, &t).unwrap();
        let after = crate::state::read("seed.toml", text.as_bytes()).unwrap();
        let p = preview(&before, &after);
        assert_eq!((p.errors_before, p.errors_after), (0, 1));
        assert!(p.new_errors[0].contains("srv09"), "{:?}", p.new_errors);
        assert!(!p.wants_delta);
        let same = preview(&before, &before);
        assert!(same.new_errors.is_empty() && same.wants_delta);
        // The worker's delta of a model with itself is empty.
        let r = crate::jobs::run(&delta_request(&before, &before, None), &mut |_| {});
        let crate::jobs::Response::Json { json } = r else {
            panic!("{r:?}")
        };
        assert!(serde_json::from_str::<Delta>(&json).unwrap().is_empty());
    }
}
