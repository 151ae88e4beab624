//! Rego forbids recursion (OPA rejects it when it compiles a policy); regorus does not check,
//! and a recursive function overflows the stack — an abort no caller can catch. So every policy
//! file is checked before it reaches the engine: a function that calls itself, directly or
//! through other functions of the same file, is a located error.
//!
//! The check reads the text, not an AST (regorus has none to give): rule heads are the lines
//! that start at column 0 with a name; a call is an unqualified `name(` in a rule's lines,
//! outside strings and comments. A call through a package path (`data.x.f(…)`) or across files
//! is not followed — recursion there still fails at evaluation, not at load.

use std::collections::{BTreeMap, BTreeSet};

/// A recursive call: the function and where in the file it calls back into its cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recursion {
    /// The cycle, starting and ending with the same function.
    pub cycle: Vec<String>,
    /// 1-based line of the call that closes it.
    pub line: u32,
    /// 1-based column of that call.
    pub column: u32,
}

/// The line with strings and comments blanked (same length, so columns stay right).
fn code_of(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            out.push(' ');
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(' ');
        } else if c == '#' {
            break;
        } else {
            out.push(c);
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The rule name a line at column 0 defines, if it does.
fn head(code: &str) -> Option<&str> {
    if code.starts_with(|c: char| c.is_whitespace()) {
        return None;
    }
    let name: &str = &code[..code.find(|c: char| !is_ident_char(c)).unwrap_or(code.len())];
    if name.is_empty()
        || matches!(name, "package" | "import" | "default")
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    Some(name)
}

/// Unqualified calls `name(` in a line of code: `(name, 1-based column)`.
fn calls(code: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident_char(bytes[i] as char) && (i == 0 || !is_ident_char(bytes[i - 1] as char)) {
            let start = i;
            while i < bytes.len() && is_ident_char(bytes[i] as char) {
                i += 1;
            }
            let qualified = start > 0 && bytes[start - 1] == b'.';
            if !qualified && bytes.get(i) == Some(&b'(') {
                out.push((&code[start..i], start + 1));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The first recursive call in `text`, if any.
pub fn find(text: &str) -> Option<Recursion> {
    // function → [(callee, line, column)]
    let mut graph: BTreeMap<String, Vec<(String, u32, u32)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let code = code_of(line);
        if let Some(name) = head(&code) {
            current = Some(name.to_owned());
            graph.entry(name.to_owned()).or_default();
        }
        let Some(owner) = &current else {
            continue;
        };
        // Calls on the head line after the name, and in the body's lines.
        let skip = if head(&code).is_some() {
            owner.len()
        } else {
            0
        };
        for (callee, col) in calls(&code[skip..]) {
            graph.entry(owner.clone()).or_default().push((
                callee.to_owned(),
                u32::try_from(n + 1).unwrap_or(u32::MAX),
                u32::try_from(col + skip).unwrap_or(u32::MAX),
            ));
        }
    }
    // Only calls to functions of this file count.
    let defined: BTreeSet<String> = graph.keys().cloned().collect();
    for start in &defined {
        let mut path = vec![start.clone()];
        if let Some(r) = cycle_from(&graph, &defined, start, &mut path, &mut BTreeSet::new()) {
            return Some(r);
        }
    }
    None
}

fn cycle_from(
    graph: &BTreeMap<String, Vec<(String, u32, u32)>>,
    defined: &BTreeSet<String>,
    start: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Recursion> {
    let node = path.last()?.clone();
    for (callee, line, column) in graph.get(&node).into_iter().flatten() {
        if !defined.contains(callee) {
            continue;
        }
        if callee == start {
            let mut cycle = path.clone();
            cycle.push(callee.clone());
            return Some(Recursion {
                cycle,
                line: *line,
                column: *column,
            });
        }
        if seen.insert(callee.clone()) {
            path.push(callee.clone());
            if let Some(r) = cycle_from(graph, defined, start, path, seen) {
                return Some(r);
            }
            path.pop();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn direct_and_indirect_recursion_are_found_and_located() {
        let direct = "package r\nimport rego.v1\n\nf(x) := y if {\n\ty := f(x + 1)\n}\n";
        let r = find(direct).unwrap();
        assert_eq!(r.cycle, ["f", "f"]);
        assert_eq!((r.line, r.column), (5, 7));
        let indirect = "package r\n\na(x) := b(x)\n\nb(x) := y if {\n\ty := a(x) # calls back\n}\n";
        let r = find(indirect).unwrap();
        assert_eq!(r.cycle, ["a", "b", "a"]);
    }

    #[test]
    fn calls_in_strings_comments_and_other_packages_do_not_count() {
        let text = "package r\n\n# f(x) calls f(x)\nf(x) := sprintf(\"f(%v)\", [x])\n\ng(x) := data.other.g(x)\n\ndeny contains m if {\n\tm := f(1)\n\tcount(g(2)) > 0\n}\n";
        assert_eq!(find(text), None);
        // The shipped rule book has none.
        for (name, text) in crate::policy::BUILTIN {
            assert_eq!(find(text), None, "{name}");
        }
    }
}
