//! The topology as TOML, editable: applying replaces the model (or shows why it cannot). Line
//! numbers run beside the text, lines with a diagnostic are marked there, and the diagnostics
//! are listed under it by line: a click puts the cursor on that line. Text that does not parse
//! is reported here once (not also as a "could not open" banner: nothing was being opened).

use hostplan::diag::{Diagnostic, Severity};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Props of [`TextView`].
#[derive(Properties, PartialEq)]
pub struct TextViewProps {
    /// The current TOML.
    pub text: String,
    /// Model revision (the editor resets to the model's text when it changes).
    pub revision: u64,
    /// Why the last applied text was not taken.
    pub rejected: Option<crate::state::Rejected>,
    /// What validation says about the current text.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// Apply edited text.
    pub on_apply: Callback<String>,
}

/// Past this many lines the gutter is left out (it would cost more than it helps); the list
/// under the text still jumps to lines.
const GUTTER_MAX_LINES: usize = 50_000;

/// The worst severity per line.
fn marks(diagnostics: &[Diagnostic]) -> BTreeMap<u32, Severity> {
    let mut out = BTreeMap::new();
    for d in diagnostics {
        if let Some(l) = &d.location {
            let e = out.entry(l.line).or_insert(d.severity);
            *e = (*e).max(d.severity);
        }
    }
    out
}

/// The gutter's text: one number per line, a mark on lines with a diagnostic.
fn gutter(text: &str, marks: &BTreeMap<u32, Severity>) -> String {
    let lines = text.lines().count().max(1);
    let mut out = String::with_capacity(lines * 6);
    for n in 1..=lines {
        let mark = match marks.get(&(n as u32)) {
            Some(Severity::Error) => '✖',
            Some(Severity::Warning) => '▲',
            Some(Severity::Info) => 'ℹ',
            None => ' ',
        };
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{mark}{n:>5}");
    }
    out
}

/// The character offset where 1-based `line` starts in `text` (a textarea counts UTF-16 units;
/// the file's characters outside the BMP are rare enough that characters are close).
fn line_start(text: &str, line: u32) -> u32 {
    let mut offset = 0u32;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 >= line as usize {
            break;
        }
        offset += l.encode_utf16().count() as u32;
    }
    offset
}

/// The text view.
#[component]
pub fn TextView(props: &TextViewProps) -> Html {
    let area = use_node_ref();
    let gutter_ref = use_node_ref();
    let apply = {
        let area = area.clone();
        let cb = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                cb.emit(t.value());
            }
        })
    };
    let revert = {
        let area = area.clone();
        let text = props.text.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                t.set_value(&text);
            }
        })
    };
    let on_scroll = {
        let (area, gutter_ref) = (area.clone(), gutter_ref.clone());
        Callback::from(move |_: Event| {
            if let (Some(t), Some(g)) =
                (area.cast::<HtmlElement>(), gutter_ref.cast::<HtmlElement>())
            {
                g.set_scroll_top(t.scroll_top());
            }
        })
    };
    // Put the cursor at the start of `line` of what the textarea holds now, and scroll to it.
    let jump = {
        let area = area.clone();
        Callback::from(move |line: u32| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                let text = t.value();
                let start = line_start(&text, line);
                let _ = t.focus();
                let _ = t.set_selection_range(start, start);
                // Lines are of equal height: scroll so the line is a few lines from the top.
                let total = text.lines().count().max(1) as f64;
                let per_line = f64::from(t.scroll_height()) / total;
                t.set_scroll_top((per_line * (f64::from(line) - 4.0)).max(0.0) as i32);
            }
        })
    };
    let marks = use_memo((props.revision, props.diagnostics.clone()), |(_, d)| {
        marks(d)
    });
    let numbers = use_memo((props.text.clone(), marks.clone()), |(text, marks)| {
        (text.lines().count() <= GUTTER_MAX_LINES).then(|| gutter(text, marks))
    });
    let item = |d: &Diagnostic| {
        let (icon, class) = match d.severity {
            Severity::Error => ("✖", "error"),
            Severity::Warning => ("▲", "warning"),
            Severity::Info => ("ℹ", "info"),
        };
        let line = d.location.as_ref().map(|l| (l.line, l.column));
        let onclick = line.map(|(l, _)| {
            let jump = jump.clone();
            Callback::from(move |_: MouseEvent| jump.emit(l))
        });
        html! {
            <li class={classes!("diag", class)} data-code={d.code.as_str()}>
                <button type="button" class="jump" {onclick} disabled={line.is_none()}>
                    <span class="icon" aria-label={d.severity.to_string()}>{ icon }</span>
                    <span class="line">{ line.map(|(l, c)| format!("line {l}:{c}")).unwrap_or_default() }</span>
                    <span class="msg">{ &d.message }</span>
                    if let Some(h) = &d.help { <span class="help">{ h }</span> }
                </button>
            </li>
        }
    };
    // Text that did not parse replaces the list: its own error is the one that matters now.
    let list = match &props.rejected {
        Some(r) => html! {
            <div class="field-error text-rejected" role="alert" id="text-rejected">
                <p>{ "Not applied — the model is unchanged:" }</p>
                <ul class="diagnostics text-diagnostics">{ for r.diagnostics.iter().map(item) }</ul>
            </div>
        },
        None if props.diagnostics.is_empty() => {
            html! { <p class="clean">{ "✓ No problems in this text." }</p> }
        }
        None => {
            let mut sorted: Vec<&Diagnostic> = props.diagnostics.iter().collect();
            hostplan::sort::sort_by_key(&mut sorted, |d| {
                d.location
                    .as_ref()
                    .map_or((u32::MAX, 0), |l| (l.line, l.column))
            });
            html! { <ul class="diagnostics text-diagnostics" id="text-diagnostics">{ for sorted.into_iter().map(item) }</ul> }
        }
    };
    html! {
        <div class="panel" id="text-panel">
            <label for="toml">{ "Topology (TOML) — edits here and in the forms stay in sync" }</label>
            <div class="text-editor">
                if let Some(n) = numbers.as_ref() {
                    <pre class="gutter" aria-hidden="true" ref={gutter_ref}>{ n }</pre>
                }
                // Uncontrolled: the text is set when the model changes (a new revision mounts a
                // new textarea), never by a re-render; findings and deltas arrive from the
                // worker while the user types, and a controlled value would be reset by them.
                <textarea id="toml" key={props.revision.to_string()} ref={area} spellcheck="false" wrap="off" rows="30"
                    defaultvalue={props.text.clone()} onscroll={on_scroll} />
            </div>
            <div class="row">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" onclick={revert}>{ "Revert" }</button>
            </div>
            { list }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gutter_numbers_lines_and_marks_the_worst_problem() {
        let text = "schema_version = 1\n[[vms]]\nid = \"a\"\nvmid = 100\nhost = \"x\"\n";
        let d = hostplan::check("t.toml", text.as_bytes()).diagnostics;
        let g = gutter(text, &marks(&d));
        let lines: Vec<&str> = g.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], "     1");
        assert_eq!(lines[4], "✖    5", "{d:?}");
    }

    #[test]
    fn a_line_starts_after_the_previous_lines_in_utf16_units() {
        let text = "a\n# é 😀\nb\n";
        assert_eq!(line_start(text, 1), 0);
        assert_eq!(line_start(text, 2), 2);
        // "# é 😀\n": 2 + 1 + 1 + 2 (a surrogate pair) + 1.
        assert_eq!(line_start(text, 3), 9);
    }
}
