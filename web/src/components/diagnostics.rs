//! The list of validation diagnostics, each with its position and a click to select the entry
//! it is about (its owner by data path: a diagnostic about an unknown id selects the entry that
//! names it, never whatever else happens to carry that id).

use hostplan::diag::{Diagnostic, Severity};
use hostplan::model::Topology;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`DiagnosticsList`].
#[derive(Properties)]
pub struct DiagnosticsProps {
    /// The diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// The model they are about (absent for a file that could not be read: nothing to select).
    #[prop_or_default]
    pub topology: Option<Rc<Topology>>,
    /// Called with the entry a diagnostic is about when it is clicked.
    pub on_select: Callback<Option<String>>,
}

// The model by pointer (see `CanvasProps`): comparing a large one by value on every render
// of the app cost more than the list.
impl PartialEq for DiagnosticsProps {
    fn eq(&self, other: &Self) -> bool {
        self.diagnostics == other.diagnostics
            && match (&self.topology, &other.topology) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && self.on_select == other.on_select
    }
}

/// Diagnostics, errors first.
#[component]
pub fn DiagnosticsList(props: &DiagnosticsProps) -> Html {
    if props.diagnostics.is_empty() {
        return html! { <p class="clean" id="diagnostics-clean">{ "✓ No problems found." }</p> };
    }
    let mut sorted: Vec<&Diagnostic> = props.diagnostics.iter().collect();
    hostplan::sort::sort_by_key(&mut sorted, |d| std::cmp::Reverse(d.severity));
    let items = sorted.into_iter().map(|d| {
        let (icon, class) = match d.severity {
            Severity::Error => ("✖", "error"),
            Severity::Warning => ("▲", "warning"),
            Severity::Info => ("ℹ", "info"),
        };
        let pos = d.location.as_ref().map(|l| format!("{}:{}:{}", l.file, l.line, l.column)).unwrap_or_default();
        let owner = props
            .topology
            .as_ref()
            .and_then(|t| crate::edit::owner_key(t, &d.path));
        let onclick = {
            let cb = props.on_select.clone();
            let owner = owner.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(o) = &owner {
                    cb.emit(Some(o.clone()));
                }
            })
        };
        html! {
            <li class={classes!("diag", class)} data-code={d.code.as_str()} data-owner={owner}>
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn render(diagnostics: Vec<Diagnostic>) -> String {
        yew::LocalServerRenderer::<DiagnosticsList>::with_props(DiagnosticsProps {
            diagnostics,
            topology: None,
            on_select: Callback::noop(),
        })
        .hydratable(false)
        .render()
        .await
    }

    fn diagnostics_of(name: &str, text: &str) -> Vec<Diagnostic> {
        hostplan::check(name, text.as_bytes()).diagnostics
    }

    /// Where the start tag holding `attribute` begins, and the tag (attribute order is the
    /// renderer's business, not ours).
    fn tag_with<'a>(html: &'a str, attribute: &str) -> (usize, &'a str) {
        let at = html.find(attribute).expect(html);
        let start = html[..at].rfind('<').unwrap();
        (start, &html[start..at + html[at..].find('>').unwrap()])
    }

    #[tokio::test(flavor = "current_thread")]
    async fn diagnostics_render_errors_first_with_their_position_and_help() {
        // The core reports the warning (line 4) before the error (line 20).
        let text = include_str!("../../../tests/cases/validate/device-other-host.toml");
        let html = render(diagnostics_of("device-other-host.toml", text)).await;
        let (error, tag) = tag_with(&html, r#"data-code="host-mismatch""#);
        assert!(
            tag.starts_with("<li") && tag.contains(r#"class="diag error""#),
            "{tag}"
        );
        let (warning, tag) = tag_with(&html, r#"data-code="unknown-value""#);
        assert!(tag.contains(r#"class="diag warning""#), "{tag}");
        assert!(error < warning, "errors first: {html}");
        assert!(
            html.contains(r#"<span class="pos">device-other-host.toml:20:34</span>"#),
            "{html}"
        );

        let text = include_str!("../../../tests/cases/validate/unknown-host.toml");
        let html = render(diagnostics_of("unknown-host.toml", text)).await;
        assert!(html.contains("unknown-host.toml:8:8"), "{html}");
        assert!(html.contains("did you mean `srv01`?"), "{html}");
        assert!(!html.contains("diagnostics-clean"), "{html}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn names_in_diagnostics_are_text_never_markup() {
        let text = "schema_version = 1\n[[hosts]]\nid = \"h\"\n[[vms]]\nid = \"v\"\nvmid = 100\nhost = \"<b>x</b>\"\n";
        let html = render(diagnostics_of("evil.toml", text)).await;
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn no_diagnostics_is_said_in_words() {
        let html = render(Vec::new()).await;
        let (_, tag) = tag_with(&html, r#"id="diagnostics-clean""#);
        assert!(
            tag.starts_with("<p") && tag.contains(r#"class="clean""#),
            "{tag}"
        );
        assert!(html.contains(">✓ No problems found.</p>"), "{html}");
        assert!(!html.contains(r#"id="diagnostics""#), "{html}");
    }
}
