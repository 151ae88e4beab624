//! Policy review: findings grouped by severity and resource, each linked to its component and
//! to the rule's documentation; waiving a finding (with a reason and an expiry) adds a waiver to
//! the topology; extra Rego policies load from a file or an editor, syntax errors at their line.

use crate::components::tab_bar::Tab;
use hostplan::model::Waiver;
use hostplan::policy::metadata::RuleMeta;
use hostplan::policy::{Evaluation, Finding, PolicyError, Severity, Status};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Props of [`ReviewPanel`].
#[derive(Properties, PartialEq)]
pub struct ReviewProps {
    /// The evaluation of the current topology.
    pub evaluation: Rc<Result<Evaluation, String>>,
    /// The evaluation is of an earlier version (a new one is being computed).
    pub stale: bool,
    /// The user's policy text currently loaded (empty when none).
    pub user_policy: String,
    /// Its file name.
    #[prop_or_default]
    pub user_policy_name: String,
    /// The document (the facts browser has the worker derive what the rules read from it).
    pub doc: crate::service::Shared<crate::state::Doc>,
    /// Why the user's policy could not be loaded.
    pub policy_error: Option<Rc<PolicyError>>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
    /// Add a waiver.
    pub on_waive: Callback<Waiver>,
    /// Load user policy text (`(file name, text)`).
    pub on_policy: Callback<(String, String)>,
    /// Open another tab (a finding whose remedy is the boot order links the Boot tab).
    #[prop_or_default]
    pub on_tab: Callback<Tab>,
}

/// What a rule's message says the CLI command is for, and the tab that shows the same.
const CLI_VIEWS: [(&str, Tab); 1] = [("(`hostplan boot`)", Tab::Boot)];

/// A finding's message; where it names a CLI command whose view the app has as a tab, that
/// mention becomes a link to the tab.
fn message_html(props: &ReviewProps, message: &str) -> Html {
    for (mention, tab) in CLI_VIEWS {
        if let Some((before, after)) = message.split_once(mention) {
            let onclick = props.on_tab.reform(move |_: MouseEvent| tab);
            return html! {
                <>{ before.trim_end() }{ " (" }<button type="button" class="link" data-tab={tab.key()} {onclick}>{ format!("open the {} tab", tab.label()) }</button>{ ")" }{ after }</>
            };
        }
    }
    Html::from(message)
}

fn level_icon(l: Severity) -> (&'static str, &'static str) {
    match l {
        Severity::Error => ("✖", "error"),
        Severity::Warning => ("▲", "warning"),
        Severity::Info => ("ℹ", "info"),
    }
}

/// The review panel.
#[component]
pub fn ReviewPanel(props: &ReviewProps) -> Html {
    let waiving = use_state(|| None::<(String, String)>);
    let editor = use_node_ref();
    let reader = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    let on_load_text = {
        let cb = props.on_policy.clone();
        let editor = editor.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = editor.cast::<HtmlTextAreaElement>() {
                cb.emit(("user.rego".to_owned(), t.value()));
            }
        })
    };
    let on_policy_file = {
        let cb = props.on_policy.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let cb = cb.clone();
            let task =
                gloo_file::callbacks::read_as_text(&gloo_file::File::from(file), move |res| {
                    cb.emit((name, res.unwrap_or_default()));
                });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    // The user's policies stay editable whatever the evaluation gave (a policy that runs into
    // the time limit must be fixable where it was written).
    let findings: &[Finding] = props
        .evaluation
        .as_ref()
        .as_ref()
        .map_or(&[], |e| &e.findings);
    let policy_key = {
        use std::hash::{Hash as _, Hasher as _};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&props.user_policy_name, &props.user_policy).hash(&mut h);
        h.finish().to_string()
    };
    let policies = html! {
        <>
            <h3>{ "Your policies (Rego)" }</h3>
            <label for="user-rego" class="visually-hidden">{ "Extra Rego policy" }</label>
            // Uncontrolled, remounted when the loaded policy changes: the evaluation's answer
            // re-renders this panel while the user types, and must not reset the text.
            <textarea id="user-rego" key={policy_key} ref={editor} rows="8" spellcheck="false"
                placeholder={"package mine\nimport rego.v1\n\n# METADATA\n# title: …\n# custom:\n#   id: MY-01\n#   severity: warning\nwarn contains {\"rule\": \"MY-01\", \"resource\": id, \"message\": \"…\"} if { some id, vm in input.vms; vm.cores > 8 }"}
                defaultvalue={props.user_policy.clone()} />
            <div class="row">
                <button type="button" id="load-rego" onclick={on_load_text}>{ "Load policy" }</button>
                <label class="button secondary" for="rego-file">{ "Open .rego…" }</label>
                <input id="rego-file" class="file-input" type="file" accept=".rego" onchange={on_policy_file} />
            </div>
            if let Some(e) = &props.policy_error {
                <p class="field-error" role="alert" id="rego-error">{ e.to_string() }</p>
            }
            // Counted on the evaluation of this rule book only: an older one would say "matches
            // nothing" of a rule it never ran.
            if props.stale && !props.user_policy.trim().is_empty() {
                <p class="hint" id="user-rules-pending">{ "Counting your rules' matches…" }</p>
            } else {
                { user_rule_counts(&props.user_policy_name, &props.user_policy, findings) }
            }
            <FactsBrowser doc={props.doc.clone()} />
        </>
    };
    let eval = match props.evaluation.as_ref() {
        Ok(e) => e,
        // A newer evaluation is on its way (the worker is still evaluating): the error of an
        // older one is not the answer.
        Err(_) if props.stale => {
            return html! {
                <div class="panel" id="review-panel">
                    <p id="findings-count" data-stale="true" class="hint">{ "Evaluating the rules…" }</p>
                    { policies }
                </div>
            }
        }
        Err(e) => {
            return html! {
                <div class="panel" id="review-panel">
                    <p class="field-error" role="alert" id="evaluation-error">{ format!("Policy evaluation failed: {e}") }</p>
                    { policies }
                </div>
            }
        }
    };
    // Severity, then resource.
    let mut groups: BTreeMap<std::cmp::Reverse<Severity>, BTreeMap<String, Vec<&Finding>>> =
        BTreeMap::new();
    let (skipped, evaluated): (Vec<&Finding>, Vec<&Finding>) = eval
        .findings
        .iter()
        .partition(|f| matches!(f.status, Status::NotEvaluated { .. }));
    for f in evaluated {
        groups
            .entry(std::cmp::Reverse(f.level))
            .or_default()
            .entry(f.resource.clone())
            .or_default()
            .push(f);
    }
    let open = eval
        .findings
        .iter()
        .filter(|f| f.status == Status::Open)
        .count();
    let rules: BTreeMap<&str, &RuleMeta> =
        hostplan::sort::btree_map(eval.rules.iter().map(|r| (r.id.as_str(), r)));
    html! {
        <div class="panel" id="review-panel">
            <p id="findings-count" data-stale={props.stale.to_string()}>
                { format!("{open} open finding(s), {} waived, {} not evaluated; {} rules.", eval.findings.len() - open - skipped.len(), skipped.len(), eval.rules.len()) }
                if props.stale { <span class="hint" id="findings-stale">{ " — updating…" }</span> }
            </p>
            <ul class="findings" id="findings">
                { for groups.iter().map(|(level, by_resource)| {
                    let (icon, class) = level_icon(level.0);
                    let count: usize = by_resource.values().map(Vec::len).sum();
                    html! {
                        <li class={classes!("severity-group", class)}>
                            <h3>{ format!("{icon} {} ({count})", match level.0 { Severity::Error => "Errors", Severity::Warning => "Warnings", Severity::Info => "Info" }) }</h3>
                            <ul>{ for by_resource.iter().map(|(resource, fs)| html! {
                                <li class="finding-group">
                                    <h4>{ resource }</h4>
                                    <ul>{ for fs.iter().map(|f| finding_html(props, f, &rules, &waiving)) }</ul>
                                </li>
                            }) }</ul>
                        </li>
                    }
                }) }
            </ul>
            if !skipped.is_empty() {
                <h3>{ format!("Not evaluated ({}) — facts unknown", skipped.len()) }</h3>
                <p class="hint">{ "These facts are not known (the file leaves them out, or an importer could not resolve them): fill them in, or import them, and the rules run." }</p>
                <ul class="findings" id="not-evaluated">{ for skipped.iter().map(|f| html! {
                    <li class="finding not-evaluated" data-rule={f.rule.clone()} data-resource={f.resource.clone()}>
                        <span class="code">{ &f.rule }</span>{ " " }<strong>{ &f.title }</strong>
                        <p class="msg">{ &f.message }</p>
                    </li>
                }) }</ul>
            }
            if !eval.waivers.is_empty() {
                <h3>{ "Waivers" }</h3>
                <ul class="waivers">{ for eval.waivers.iter().map(|w| html! {
                    <li>{ format!("{} → {}: {} ({}{})", w.rule, w.resource, w.reason, w.state, w.expires.as_ref().map(|e| format!(", expires {e}")).unwrap_or_default()) }</li>
                }) }</ul>
            }
            { policies }
        </div>
    }
}

/// Each rule of the user's file with how many findings it produced: a rule that matches
/// nothing is the first sign it reads a fact that is not there.
fn user_rule_counts(name: &str, text: &str, findings: &[Finding]) -> Html {
    if text.trim().is_empty() {
        return Html::default();
    }
    let rules = hostplan::policy::metadata::parse(name, text);
    html! {
        <ul class="user-rules" id="user-rules">
            { for rules.iter().map(|r| {
                let n = findings.iter().filter(|f| f.rule == r.id).count();
                html! {
                    <li data-rule={r.id.clone()} data-matches={n.to_string()}>
                        <span class="code">{ &r.id }</span>{ format!(" {}: {n} match(es)", r.title) }
                        if n == 0 { <span class="hint">{ " — matches nothing on this topology: check the facts it reads below (lists such as input.vms are keyed by id: some id, vm in input.vms)" }</span> }
                    </li>
                }
            }) }
            if rules.is_empty() { <li class="hint">{ "No rule with METADATA (custom: id) in your file: its findings are shown, but no count per rule." }</li> }
        </ul>
    }
}

/// Props of [`FactsBrowser`].
#[derive(Properties, PartialEq)]
pub struct FactsProps {
    /// The document.
    pub doc: crate::service::Shared<crate::state::Doc>,
}

/// What the rules read (`input`): each top-level fact with its size and its first entry, so a
/// rule author sees the shape without the whole document (which is large on a fleet).
#[component]
pub fn FactsBrowser(props: &FactsProps) -> Html {
    let open = use_state(|| false);
    // Computed by the worker (the facts code is not in the page's wasm), only while open.
    let key = (props.doc.clone(), *open);
    let answer = crate::service::use_job(
        crate::service::Pool::Service,
        key.clone(),
        |(doc, open): &_| {
            open.then(|| crate::jobs::Request::Facts {
                text: doc.text.clone(),
            })
        },
    );
    let facts = match answer.as_ref() {
        Some((k, Ok(json))) if *k == key => serde_json::from_str::<serde_json::Value>(json).ok(),
        _ => None,
    };
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            let d: web_sys::HtmlDetailsElement = e.target_unchecked_into();
            open.set(d.open());
        })
    };
    let entries = match facts.as_ref() {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let (size, first) = match v {
                    serde_json::Value::Object(o) => (
                        format!("{} entries, keyed by id", o.len()),
                        o.iter().next().map(|(id, x)| {
                            format!(
                                "\"{id}\": {}",
                                serde_json::to_string_pretty(x).unwrap_or_default()
                            )
                        }),
                    ),
                    serde_json::Value::Array(a) => (
                        format!("{} items", a.len()),
                        a.first()
                            .map(|x| serde_json::to_string_pretty(x).unwrap_or_default()),
                    ),
                    other => (String::new(), Some(other.to_string())),
                };
                html! {
                    <li data-fact={k.clone()}>
                        <code>{ format!("input.{k}") }</code>{ format!(" — {size}") }
                        if let Some(f) = first { <pre class="fact-sample">{ f }</pre> }
                    </li>
                }
            })
            .collect::<Html>(),
        _ => Html::default(),
    };
    html! {
        <details id="facts-browser" {ontoggle}>
            <summary>{ "What the rules read (facts browser)" }</summary>
            <ul class="facts">{ entries }</ul>
        </details>
    }
}

/// One finding: what it says, a link to its component, waiving it, and its rule's documentation.
fn finding_html(
    props: &ReviewProps,
    f: &Finding,
    rules: &BTreeMap<&str, &RuleMeta>,
    waiving: &UseStateHandle<Option<(String, String)>>,
) -> Html {
    let (icon, class) = level_icon(f.level);
    let select = {
        let cb = props.on_select.clone();
        let id = f.resource.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())))
    };
    let start_waive = {
        let waiving = waiving.clone();
        let key = (f.rule.clone(), f.resource.clone());
        Callback::from(move |_: MouseEvent| waiving.set(Some(key.clone())))
    };
    let is_waiving = waiving.as_ref() == Some(&(f.rule.clone(), f.resource.clone()));
    let doc = rules.get(f.rule.as_str());
    let waived = matches!(f.status, Status::Waived { .. });
    html! {
        <li class={classes!("finding", class, waived.then_some("waived"))} data-rule={f.rule.clone()} data-resource={f.resource.clone()}>
            <div class="finding-head">
                <span class="icon" aria-label={class}>{ icon }</span>
                <span class="code">{ &f.rule }</span>
                <strong>{ &f.title }</strong>
                if waived { <span class="badge">{ "waived" }</span> }
            </div>
            <p class="msg">{ message_html(props, &f.message) }</p>
            <div class="finding-actions">
                <button type="button" class="chip" onclick={select}>{ format!("show {}", f.resource) }</button>
                if !waived { <button type="button" class="small waive" onclick={start_waive}>{ "Waive…" }</button> }
            </div>
            if is_waiving { { waive_form(props, f, waiving) } }
            <details class="rule-doc">
                <summary>{ format!("About {}", f.rule) }</summary>
                if let Some(d) = doc {
                    <p>{ &d.description }</p>
                    <p class="hint">{ format!("{}:{}", d.file, d.line) }</p>
                }
                <ul>{ for f.references.iter().map(|r| html! { <li><a href={r.clone()} target="_blank" rel="noopener noreferrer">{ r }</a></li> }) }</ul>
            </details>
        </li>
    }
}

fn waive_form(
    props: &ReviewProps,
    f: &Finding,
    waiving: &UseStateHandle<Option<(String, String)>>,
) -> Html {
    let reason = NodeRef::default();
    let expires = NodeRef::default();
    let submit = {
        let cb = props.on_waive.clone();
        let (rule, resource) = (f.rule.clone(), f.resource.clone());
        let (reason, expires) = (reason.clone(), expires.clone());
        let waiving = waiving.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = reason
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            if text.trim().is_empty() {
                return;
            }
            let date = expires
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            cb.emit(Waiver {
                rule: rule.clone(),
                resource: resource.clone(),
                reason: text.trim().to_owned(),
                expires: (!date.is_empty()).then_some(date),
            });
            waiving.set(None);
        })
    };
    let cancel = {
        let waiving = waiving.clone();
        Callback::from(move |_: MouseEvent| waiving.set(None))
    };
    html! {
        <form class="waive-form" onsubmit={submit}>
            <label for="waive-reason">{ "Reason" }</label>
            <input id="waive-reason" ref={reason} type="text" required=true placeholder="why this is accepted" />
            <label for="waive-expires">{ "Expires" }</label>
            <input id="waive-expires" ref={expires} type="date" />
            <button type="submit">{ "Waive" }</button>
            <button type="button" onclick={cancel}>{ "Cancel" }</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn render(evaluation: Result<Evaluation, String>, stale: bool) -> String {
        yew::LocalServerRenderer::<ReviewPanel>::with_props(ReviewProps {
            evaluation: Rc::new(evaluation),
            stale,
            user_policy: String::new(),
            user_policy_name: String::new(),
            doc: crate::service::Shared::new(
                crate::state::State::initial().current.as_ref().clone(),
            ),
            policy_error: None,
            on_select: Callback::noop(),
            on_waive: Callback::noop(),
            on_policy: Callback::noop(),
            on_tab: Callback::noop(),
        })
        .hydratable(false)
        .render()
        .await
    }

    /// The seed with the TrueNAS VM's memory ballooning (PT-10), evaluated by the built-in book.
    fn ballooning() -> Evaluation {
        let mut t = hostplan::examples::seed().unwrap();
        t.vms[0].balloon_mib = Some(16384);
        hostplan::policy::RuleBook::builtin()
            .evaluate(
                &hostplan::policy::facts::facts(&t),
                &t.waivers,
                "2026-11-26",
                hostplan::policy::Limits::default(),
            )
            .unwrap()
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_review_lists_each_finding_under_its_resource_with_its_message() {
        let evaluation = ballooning();
        let open = evaluation
            .findings
            .iter()
            .filter(|f| f.status == Status::Open)
            .count();
        let html = render(Ok(evaluation), false).await;
        // The `<li>` of PT-10 on truenas, up to its first nested list item.
        let at = html
            .match_indices("<li ")
            .map(|(i, _)| i)
            .find(|&i| {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                tag.contains(r#"data-rule="PT-10""#) && tag.contains(r#"data-resource="truenas""#)
            })
            .expect(&html);
        let finding = &html[at..at + html[at..].find("</li>").unwrap()];
        assert!(finding.contains("balloons down to 16384 MiB"), "{finding}");
        assert!(finding.contains("show truenas"), "{finding}");
        assert!(
            html.contains(&format!("{open} open finding(s)")),
            "{open}: {html}"
        );
        assert!(html.contains(r#"data-stale="false""#), "{html}");
        assert!(!html.contains("findings-stale"), "{html}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_stale_review_says_it_is_updating_and_a_failed_one_says_why() {
        let html = render(Ok(ballooning()), true).await;
        assert!(html.contains(r#"data-stale="true""#), "{html}");
        assert!(html.contains("— updating…"), "{html}");
        let html = render(Err("engine stopped".into()), false).await;
        assert!(
            html.contains("Policy evaluation failed: engine stopped"),
            "{html}"
        );
        assert!(!html.contains(r#"id="findings""#), "{html}");
    }
}
