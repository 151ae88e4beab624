//! The list of validation diagnostics, each with its position and a click to select the id.

use hostplan::diag::{Diagnostic, Severity};
use yew::prelude::*;

/// Props of [`DiagnosticsList`].
#[derive(Properties, PartialEq)]
pub struct DiagnosticsProps {
    /// The diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Called with a diagnostic's id when it is clicked.
    pub on_select: Callback<Option<String>>,
}

/// Diagnostics, errors first.
#[component]
pub fn DiagnosticsList(props: &DiagnosticsProps) -> Html {
    if props.diagnostics.is_empty() {
        return html! { <p class="clean" id="diagnostics-clean">{ "✓ No problems found." }</p> };
    }
    let mut sorted: Vec<&Diagnostic> = props.diagnostics.iter().collect();
    sorted.sort_by_key(|d| std::cmp::Reverse(d.severity));
    let items = sorted.into_iter().map(|d| {
        let (icon, class) = match d.severity {
            Severity::Error => ("✖", "error"),
            Severity::Warning => ("▲", "warning"),
            Severity::Info => ("ℹ", "info"),
        };
        let pos = d.location.as_ref().map(|l| format!("{}:{}:{}", l.file, l.line, l.column)).unwrap_or_default();
        let onclick = {
            let cb = props.on_select.clone();
            let id = d.id.clone();
            Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
        };
        html! {
            <li class={classes!("diag", class)} data-code={d.code.as_str()}>
                <button type="button" {onclick}>
                    <span class="icon" aria-label={d.severity.to_string()}>{ icon }</span>
                    <span class="code">{ d.code.as_str() }</span>
                    <span class="msg">{ &d.message }</span>
                    <span class="pos">{ pos }</span>
                    if let Some(e) = &d.expected { <span class="expected">{ format!("expected {e}") }</span> }
                    if let Some(h) = &d.help { <span class="help">{ h }</span> }
                </button>
            </li>
        }
    });
    html! { <ul class="diagnostics" id="diagnostics">{ for items }</ul> }
}
