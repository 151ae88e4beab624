//! rustc-style text rendering of diagnostics, with a snippet of the offending line.

use super::Diagnostic;
use std::fmt::Write as _;

/// Render one diagnostic; `source` is the text of the file it points into, if available.
///
/// ```text
/// error[unknown-reference]: VM `truenas` runs on unknown host `srv1`
///   --> seed.toml:42:8
///    |
/// 42 | host = "srv1"
///    |        ^^^^^^ expected the id of a host
///    = help: did you mean `srv01`?
/// ```
pub fn render(diag: &Diagnostic, source: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}[{}]: {}", diag.severity, diag.code, diag.message);
    let mut pad = " ".to_owned();
    let mut expected_shown = false;
    if let Some(loc) = &diag.location {
        pad = " ".repeat(loc.line.to_string().len());
        let _ = writeln!(out, "{pad}--> {}:{}:{}", loc.file, loc.line, loc.column);
        // The line around the location's byte offset: no scan from the file's start (a file
        // with thousands of diagnostics would make rendering quadratic).
        let line_text = source.and_then(|s| {
            let mut at = (loc.start as usize).min(s.len());
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            let begin = s[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = s[at..].find('\n').map_or(s.len(), |i| at + i);
            s.get(begin..end)
        });
        if let Some(text) = line_text {
            let text = text.trim_end_matches('\r');
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", loc.line, sanitize(text));
            let col = loc.column.saturating_sub(1) as usize;
            let remaining = text.chars().count().saturating_sub(col).max(1);
            let span_chars = source
                .and_then(|s| s.get(loc.start as usize..loc.end as usize))
                .map_or(1, |t| t.lines().next().unwrap_or("").chars().count().max(1));
            let label = diag
                .expected
                .as_deref()
                .map(|e| format!(" expected {e}"))
                .unwrap_or_default();
            expected_shown = true;
            let _ = writeln!(
                out,
                "{pad} | {}{}{label}",
                " ".repeat(col),
                "^".repeat(span_chars.min(remaining)),
            );
        }
    }
    if let (Some(e), false) = (&diag.expected, expected_shown) {
        let _ = writeln!(out, "{pad} = expected {e}");
    }
    if !diag.path.0.is_empty() {
        let _ = writeln!(out, "{pad} = at `{}`", diag.path);
    }
    if let Some(h) = &diag.help {
        let _ = writeln!(out, "{pad} = help: {h}");
    }
    out
}

/// Keep control characters from a hostile file out of the terminal.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
