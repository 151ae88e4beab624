//! What a policy may make the engine do, checked before and during evaluation.
//!
//! regorus evaluates whatever it parsed: a call to a function it lacks fails only when that rule
//! runs (or never, if it does not), and a builtin asked for a huge result allocates it in one go —
//! `numbers.range(1, 2000000000)` requests 48 GB and the process aborts, which no caller can
//! catch. So:
//!
//! - at load time, every call in every module is resolved (`check_calls`): a function that is
//!   neither a builtin of this build nor defined by a loaded policy is a located error (OPA
//!   refuses the same policy when it compiles), and a call whose constant arguments already ask
//!   for too much is refused there too;
//! - at evaluation, the builtins whose result size comes from an argument rather than from data
//!   that already exists are replaced by a wrapper (`install`) that checks the size first and
//!   then calls regorus' own implementation, so a result within the bounds is exactly regorus'.

use super::PolicyError;
use regorus::unstable::{Expr, Literal, Query, Ref, Rule, RuleHead, Source, Span, BUILTINS};
use regorus::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Most numbers one `numbers.range`/`numbers.range_step` call may produce (24 MB of values).
pub const MAX_RANGE: u64 = 1_000_000;

/// Widest field or precision a `sprintf` verb may ask for.
pub const MAX_WIDTH: u64 = 4096;

/// The builtins whose result size is chosen by an argument. (`net.cidr_expand`, whose /0
/// would list four billion addresses, is bounded where it is written: `super::net`.)
const GUARDED: &[&str] = &["numbers.range", "numbers.range_step", "sprintf"];

/// OPA's builtin namespaces: a call into one of them that this build lacks is an unsupported
/// builtin, not a typo of a user function.
const OPA_NAMESPACES: &[&str] = &[
    "array",
    "base64",
    "base64url",
    "bits",
    "crypto",
    "glob",
    "graph",
    "graphql",
    "hex",
    "http",
    "io",
    "json",
    "net",
    "numbers",
    "object",
    "opa",
    "providers",
    "rand",
    "regex",
    "rego",
    "semver",
    "strings",
    "time",
    "units",
    "urlquery",
    "uuid",
    "yaml",
];

/// OPA builtins whose result changes from one run to the next, refused when the policies load
/// (with the reason): hostplan gives the same findings for the same files every time, in the
/// CLI and in the browser alike. Besides, regorus provides `rand.intn` only natively (with
/// `std`), `uuid.rfc4122` only with its `uuid` feature (whose random source has no wasm32
/// backend), and `time.now_ns` reads a clock the browser's wasm32 does not have (a panic in
/// the worker) — so a policy calling one would not even run everywhere.
pub const NONDETERMINISTIC: &[(&str, &str)] = &[
    (
        "time.now_ns",
        "it reads the clock; write the date the policy compares with into the policy, or into the topology",
    ),
    ("rand.intn", "it is random"),
    ("uuid.rfc4122", "it is random"),
];

/// Every builtin a policy may call here, sorted (docs/policies.md lists them; a test keeps the
/// list exact). `print` is handled by the engine itself.
pub fn builtins() -> Vec<&'static str> {
    // `__builtin_…` are the engine's own helpers for operators, not callable by name.
    let mut all: Vec<&'static str> = BUILTINS
        .keys()
        .copied()
        .filter(|n| !n.starts_with("__"))
        .filter(|n| !NONDETERMINISTIC.iter().any(|(r, _)| r == n))
        .collect();
    all.push("print");
    all.extend(super::net::BUILTINS.iter().map(|(name, _)| *name));
    all.sort_unstable();
    all.dedup();
    all
}

/// Why a guarded call asks for too much, or `None` when it is within the bounds.
fn excess(name: &str, args: &[Value]) -> Option<String> {
    let int = |v: &Value| v.as_i64().ok();
    match name {
        "numbers.range" | "numbers.range_step" => {
            let (from, to) = (int(args.first()?)?, int(args.get(1)?)?);
            let step = if name == "numbers.range" {
                1
            } else {
                int(args.get(2)?)?.max(1)
            };
            let count = from.abs_diff(to) / step.unsigned_abs() + 1;
            (count > MAX_RANGE).then(|| {
                format!("{name} would make {count} numbers; the limit is {MAX_RANGE} per call")
            })
        }
        "sprintf" => {
            let format = args.first()?.as_string().ok()?;
            let widest = widest_field(format);
            (widest > MAX_WIDTH).then(|| {
                format!(
                    "sprintf asks for a field {widest} characters wide; the limit is {MAX_WIDTH}"
                )
            })
        }
        "net.cidr_expand" => super::net::expand_excess(args.first()?),
        _ => None,
    }
}

/// The largest width or precision any `%` verb of a format asks for.
fn widest_field(format: &str) -> u64 {
    let mut widest = 0u64;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            continue;
        }
        let mut n = 0u64;
        while let Some(&d) = chars.peek() {
            if let Some(v) = d.to_digit(10) {
                n = n.saturating_mul(10).saturating_add(u64::from(v));
            } else if matches!(d, '.' | '-' | '+' | ' ' | '#') {
                widest = widest.max(n);
                n = 0;
            } else {
                break;
            }
            chars.next();
        }
        widest = widest.max(n);
    }
    widest
}

/// Register the size-checking wrappers of [`GUARDED`] builtins on an engine, and the `net.cidr_*`
/// builtins this crate writes itself (`super::net`).
///
/// # Errors
/// [`PolicyError::Eval`] if the engine refuses an extension (it never should: each name is
/// registered once per engine).
pub(super) fn install(engine: &mut regorus::Engine) -> Result<(), PolicyError> {
    for &name in GUARDED {
        let Some(&(builtin, nargs)) = BUILTINS.get(name) else {
            continue;
        };
        engine
            .add_extension(
                name.to_owned(),
                nargs,
                Box::new(move |args: Vec<Value>| {
                    if let Some(why) = excess(name, &args) {
                        anyhow::bail!(why);
                    }
                    // regorus' builtins take the call's span and argument expressions for their
                    // messages; the wrapper has neither, so it gives them ones named after the
                    // builtin (the engine adds the real call site to any error).
                    let source = Source::from_contents(name.to_owned(), name.to_owned())?;
                    let span = Span {
                        source,
                        line: 1,
                        col: 1,
                        start: 0,
                        end: u32::try_from(name.len()).unwrap_or(0),
                    };
                    let params: Vec<Ref<Expr>> = args
                        .iter()
                        .map(|_| {
                            Ref::new(Expr::Null {
                                span: span.clone(),
                                value: Value::Null,
                                eidx: 0,
                            })
                        })
                        .collect();
                    builtin(&span, &params, &args, true)
                }),
            )
            .map_err(|e| PolicyError::Eval {
                query: name.to_owned(),
                message: e.to_string(),
            })?;
    }
    for &(name, nargs) in super::net::BUILTINS {
        engine
            .add_extension(
                name.to_owned(),
                nargs,
                Box::new(move |args: Vec<Value>| super::net::call(name, &args)),
            )
            .map_err(|e| PolicyError::Eval {
                query: name.to_owned(),
                message: e.to_string(),
            })?;
    }
    Ok(())
}

/// Deepest nesting of `[` and `{` a policy may use. regorus bounds parenthesised expressions
/// itself, but not array, set and object literals: nested 2,000 deep they overflow the stack
/// (an abort), and because the parser tries each `{`/`[` as a comprehension before reading it
/// as a literal, every level roughly multiplies the parse time by 2.5 — a 50-character line
/// of 22 nested arrays ran past a minute, 12 levels take a tenth of a second. The shipped rule
/// book nests 7 deep at most.
pub const MAX_NESTING: u32 = 12;

/// Most parse work the policies may ask for, in units of `2.5^depth` per bracket. Measured on
/// the development machine at about 2 µs a unit, both for one literal nested 16 deep and for
/// 5,000 shallow data literals, so this is about five seconds — within the time limit that
/// parsing (which cannot be interrupted) is otherwise only measured against after the fact.
/// The shipped rule book, its tests included, uses about 24,000.
pub const MAX_PARSE_WORK: f64 = 2_500_000.0;

/// Refuse, before anything is parsed, policies whose bracket nesting would overflow the
/// parser's stack or keep it busy past the time budget. Strings, raw strings and comments are
/// skipped, so brackets inside them never count.
///
/// # Errors
/// [`PolicyError::Syntax`] at the bracket that goes too deep or crosses the work budget.
pub(super) fn check_nesting<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), PolicyError> {
    let mut work = 0.0f64;
    for (path, text) in files {
        let refuse = |line: u32, column: u32, message: String| PolicyError::Syntax {
            file: path.to_owned(),
            line,
            column,
            message,
        };
        let (mut line, mut column, mut depth) = (1u32, 0u32, 0u32);
        // What the scanner is inside: code, a "string" (after a backslash or not), a `raw`
        // string or a # comment.
        let (mut string, mut escaped, mut raw, mut comment) = (false, false, false, false);
        for c in text.chars() {
            column += 1;
            if c == '\n' {
                (line, column, comment) = (line + 1, 0, false);
                // Rego strings do not span lines; an unterminated one is the parser's error.
                string = false;
                continue;
            }
            if comment {
                continue;
            }
            if string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => string = false,
                    _ => {}
                }
                continue;
            }
            if raw {
                raw = c != '`';
                continue;
            }
            match c {
                '#' => comment = true,
                '"' => string = true,
                '`' => raw = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(refuse(
                            line,
                            column,
                            format!(
                                "brackets nested {depth} deep here; the limit is {MAX_NESTING} (deeper literals make the parser's time grow exponentially)"
                            ),
                        ));
                    }
                    work += 2.5f64.powi(i32::try_from(depth).unwrap_or(i32::MAX));
                    if work > MAX_PARSE_WORK {
                        return Err(refuse(
                            line,
                            column,
                            format!(
                                "the policies' nested brackets would keep the parser busy past its budget by here (estimated {work:.0} units of 2.5^depth per bracket; the limit is {MAX_PARSE_WORK:.0}): nest data literals less, or split them"
                            ),
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Functions each package defines, and each module's import aliases.
struct Scope {
    /// Full paths (`data.pkg.f`) of every rule and function head.
    defined: BTreeSet<String>,
}

fn path_of(e: &Expr) -> Option<String> {
    regorus::utils::get_path_string(e, None).ok()
}

/// The name a rule or function head defines, relative to its package (`f`, `deny`).
pub(super) fn head_path(rule: &Rule) -> Option<String> {
    let refr = match rule {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. }
            | RuleHead::Set { refr, .. }
            | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    path_of(refr)
}

/// Calls between the functions defined here: caller path → `(callee path, the call's span)`,
/// in file order. Calls to builtins are not in it.
type CallGraph = BTreeMap<String, Vec<(String, Span)>>;

/// Resolve every call in the loaded modules, and refuse recursion.
///
/// Rego forbids recursion (OPA rejects it when it compiles a policy); regorus does not check,
/// and a recursive function overflows the stack at evaluation — an abort no caller can catch.
/// The calls come from regorus' own parse, so strings and comments never count, and a cycle
/// through a package path (`data.x.f(…)`), an import alias or another file is found too.
///
/// # Errors
/// [`PolicyError::Syntax`] at the first call (in file order) to a function that does not exist
/// here, or whose constant arguments exceed a bound; then at the call that closes the first
/// cycle of calls (functions in path order).
pub(super) fn check_calls(engine: &mut regorus::Engine) -> Result<(), PolicyError> {
    let modules = engine.get_modules().clone();
    let mut scope = Scope {
        defined: BTreeSet::new(),
    };
    for m in &modules {
        let Some(pkg) = regorus::utils::get_path_string(&m.package.refr, Some("data")).ok() else {
            continue;
        };
        for rule in &m.policy {
            if let Some(p) = head_path(rule) {
                scope.defined.insert(format!("{pkg}.{p}"));
            }
        }
    }
    let mut graph = CallGraph::new();
    for m in &modules {
        let pkg =
            regorus::utils::get_path_string(&m.package.refr, Some("data")).unwrap_or_default();
        let mut aliases = BTreeMap::new();
        for import in &m.imports {
            if let Some(path) = path_of(&import.refr) {
                let alias = import.r#as.as_ref().map_or_else(
                    || path.rsplit('.').next().unwrap_or_default().to_owned(),
                    |s| s.text().to_owned(),
                );
                aliases.insert(alias, path);
            }
        }
        for rule in &m.policy {
            let calling = head_path(rule).map(|p| format!("{pkg}.{p}"));
            let mut calls = Vec::new();
            rule_calls(rule, &mut calls);
            for (span, fcn, params) in calls {
                let Some(name) = path_of(&fcn) else { continue };
                let root = name.split('.').next().unwrap_or_default();
                // What the name means here: a function of this package, a full `data.` path,
                // or a path through an import alias.
                let local = format!("{pkg}.{name}");
                let callee = if scope.defined.contains(&local) {
                    Some(local)
                } else if root == "data" {
                    scope.defined.contains(&name).then(|| name.clone())
                } else {
                    aliases.get(root).and_then(|path| {
                        let full = format!("{path}{}", &name[root.len()..]);
                        scope.defined.contains(&full).then_some(full)
                    })
                };
                if let (Some(calling), Some(callee)) = (&calling, &callee) {
                    graph
                        .entry(calling.clone())
                        .or_default()
                        .push((callee.clone(), span.clone()));
                }
                let known = BUILTINS.contains_key(name.as_str())
                    || name == "print"
                    || super::net::BUILTINS.iter().any(|(n, _)| *n == name)
                    || root == "data"
                    || aliases.contains_key(root)
                    || callee.is_some();
                let refused = NONDETERMINISTIC.iter().find(|(r, _)| *r == name);
                let message = if let Some((_, why)) = refused {
                    Some(format!(
                        "`{name}` is not allowed: a check must give the same findings on every run, and {why}"
                    ))
                } else if known {
                    // Computed arguments are left undefined: they are checked when the call runs.
                    let args: Vec<Value> = params
                        .iter()
                        .map(|p| constant(p).unwrap_or(Value::Undefined))
                        .collect();
                    excess(&name, &args)
                } else if OPA_NAMESPACES.contains(&root) || name.contains('.') {
                    Some(format!(
                        "`{name}` is not a builtin hostplan's engine provides (docs/policies.md lists them)"
                    ))
                } else {
                    Some(format!("unknown function `{name}`"))
                };
                if let Some(message) = message {
                    return Err(PolicyError::Syntax {
                        file: span.source.file().clone(),
                        line: span.line,
                        column: column(&span),
                        message,
                    });
                }
            }
        }
    }
    match first_cycle(&graph) {
        Some((cycle, span)) => Err(PolicyError::Syntax {
            file: span.source.file().clone(),
            line: span.line,
            column: column(&span),
            message: format!("recursion is not allowed in Rego: {}", cycle_text(&cycle)),
        }),
        None => Ok(()),
    }
}

/// The first cycle of calls, starting from each function in path order: the functions, first
/// and last the same, and the call that closes it.
fn first_cycle(graph: &CallGraph) -> Option<(Vec<String>, Span)> {
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        if let Some(found) = cycle_from(graph, start, &mut path, &mut BTreeSet::new()) {
            return Some(found);
        }
    }
    None
}

fn cycle_from(
    graph: &CallGraph,
    start: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<(Vec<String>, Span)> {
    let node = path.last()?.clone();
    for (callee, span) in graph.get(&node).into_iter().flatten() {
        if callee == start {
            let mut cycle = path.clone();
            cycle.push(callee.clone());
            return Some((cycle, span.clone()));
        }
        if seen.insert(callee.clone()) {
            path.push(callee.clone());
            if let Some(found) = cycle_from(graph, start, path, seen) {
                return Some(found);
            }
            path.pop();
        }
    }
    None
}

/// `f → g → f` for a cycle within one package; full `data.` paths where it crosses packages.
fn cycle_text(cycle: &[String]) -> String {
    let package = |p: &str| p.rsplit_once('.').map(|(pkg, _)| pkg.to_owned());
    let one_package = cycle.iter().all(|p| package(p) == package(&cycle[0]));
    cycle
        .iter()
        .map(|p| {
            if one_package {
                p.rsplit('.').next().unwrap_or(p).to_owned()
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Where a called name starts: its first segment (`io` of `io.jwt.decode`), not the last one
/// regorus' span points at.
fn root_span(mut e: &Expr) -> &Span {
    loop {
        match e {
            Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => e = refr,
            other => return other.span(),
        }
    }
}

/// 1-based column in characters (regorus counts a tab as four columns; editors count one).
fn column(span: &Span) -> u32 {
    let text = span.source.contents();
    let start = (span.start as usize).min(text.len());
    let Some(before) = text.get(..start) else {
        return span.col;
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(span.col)
}

/// A literal argument's value; `None` when it is computed.
fn constant(e: &Expr) -> Option<Value> {
    match e {
        Expr::Number { value, .. } | Expr::String { value, .. } | Expr::RawString { value, .. } => {
            Some(value.clone())
        }
        _ => None,
    }
}

type Call = (Span, Ref<Expr>, Vec<Ref<Expr>>);

fn rule_calls(rule: &Rule, out: &mut Vec<Call>) {
    match rule {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { refr, assign, .. } => {
                    expr_calls(refr, out);
                    if let Some(a) = assign {
                        expr_calls(&a.value, out);
                    }
                }
                RuleHead::Set { refr, key, .. } => {
                    expr_calls(refr, out);
                    if let Some(k) = key {
                        expr_calls(k, out);
                    }
                }
                RuleHead::Func { assign, .. } => {
                    if let Some(a) = assign {
                        expr_calls(&a.value, out);
                    }
                }
            }
            for body in bodies {
                if let Some(a) = &body.assign {
                    expr_calls(&a.value, out);
                }
                query_calls(&body.query, out);
            }
        }
        Rule::Default { value, .. } => expr_calls(value, out),
    }
}

fn query_calls(q: &Query, out: &mut Vec<Call>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    expr_calls(k, out);
                }
                expr_calls(value, out);
                expr_calls(collection, out);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => expr_calls(expr, out),
            Literal::Every { domain, query, .. } => {
                expr_calls(domain, out);
                query_calls(query, out);
            }
        }
        // `with f as g` replaces f by g: neither is called here, and g may be a value.
    }
}

fn expr_calls(e: &Expr, out: &mut Vec<Call>) {
    match e {
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. }
        | Expr::Var { .. } => {}
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for i in items {
                expr_calls(i, out);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                expr_calls(k, out);
                expr_calls(v, out);
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            expr_calls(term, out);
            query_calls(query, out);
        }
        Expr::ObjectCompr {
            key, value, query, ..
        } => {
            expr_calls(key, out);
            expr_calls(value, out);
            query_calls(query, out);
        }
        Expr::Call { fcn, params, .. } => {
            out.push((root_span(fcn).clone(), fcn.clone(), params.clone()));
            for p in params {
                expr_calls(p, out);
            }
        }
        Expr::UnaryExpr { expr, .. } => expr_calls(expr, out),
        Expr::RefDot { refr, .. } => expr_calls(refr, out),
        Expr::RefBrack { refr, index, .. } => {
            expr_calls(refr, out);
            expr_calls(index, out);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            expr_calls(lhs, out);
            expr_calls(rhs, out);
        }
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                expr_calls(k, out);
            }
            expr_calls(value, out);
            expr_calls(collection, out);
        }
    }
}

#[cfg(test)]
mod recursion_tests {
    use crate::policy::{Limits, PolicyError, PolicyFile, RuleBook};

    /// The error preparing `files` (path, text) gives, as `file:line:col: message`.
    fn refusal(files: &[(&str, &str)]) -> Option<String> {
        let book = RuleBook::new(
            files
                .iter()
                .map(|(path, text)| PolicyFile {
                    path: (*path).to_owned(),
                    text: (*text).to_owned(),
                })
                .collect(),
        );
        match book.prepare(Limits::default()) {
            Err(PolicyError::Syntax {
                file,
                line,
                column,
                message,
            }) => Some(format!("{file}:{line}:{column}: {message}")),
            Err(other) => Some(other.to_string()),
            Ok(_) => None,
        }
    }

    #[test]
    fn direct_and_indirect_recursion_are_refused_where_the_cycle_closes() {
        let direct = "package r\nimport rego.v1\n\nf(x) := y if {\n\ty := f(x + 1)\n}\n";
        assert_eq!(
            refusal(&[("d.rego", direct)]).as_deref(),
            Some("d.rego:5:7: recursion is not allowed in Rego: f → f")
        );
        let indirect =
            "package r\nimport rego.v1\n\na(x) := b(x)\n\nb(x) := y if {\n\ty := a(x) # calls back\n}\n";
        assert_eq!(
            refusal(&[("i.rego", indirect)]).as_deref(),
            Some("i.rego:7:7: recursion is not allowed in Rego: a → b → a")
        );
    }

    /// The text scanner this replaced could not follow a package path or another file.
    #[test]
    fn recursion_across_files_and_through_package_paths_is_refused() {
        let one = "package one\nimport rego.v1\nimport data.two\n\nf(x) := two.g(x)\n";
        let two = "package two\nimport rego.v1\n\ng(x) := data.one.f(x)\n";
        assert_eq!(
            refusal(&[("one.rego", one), ("two.rego", two)]).as_deref(),
            Some("two.rego:4:9: recursion is not allowed in Rego: data.one.f → data.two.g → data.one.f")
        );
    }

    #[test]
    fn names_in_strings_comments_and_calls_of_other_functions_are_not_recursion() {
        let text = "package r\nimport rego.v1\n\n# f(x) calls f(x)\nf(x) := sprintf(\"f(%v)\", [x])\n\ng(x) := f(x)\n\ndeny contains m if {\n\tm := g(1)\n}\n";
        assert_eq!(refusal(&[("ok.rego", text)]), None);
        // The shipped rule book has none.
        assert!(RuleBook::builtin().prepare(Limits::default()).is_ok());
    }
}
