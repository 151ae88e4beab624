//! Renderers for policy results: human text, JSON, SARIF 2.1.0, JUnit XML and GitHub
//! annotations. Pure functions from an [`Evaluation`] to text; findings are located at the
//! topology-file line of their resource.

use super::{Evaluation, Finding, Severity, Status, WaiverState};
use crate::diag::{DataPath, Location};
use crate::model::Topology;
use crate::resolve::Lookup;
use crate::source::SourceFile;
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where in the topology file resources are defined (their `id`), with the id index built
/// once per report: a report of 100,000 findings is then 100,000 lookups, not 100,000 indexes.
pub struct Locator<'a> {
    source: &'a SourceFile,
    lookup: Lookup,
}

impl<'a> Locator<'a> {
    /// Index the ids of `t`, read from `source`.
    pub fn new(source: &'a SourceFile, t: &Topology) -> Self {
        Self {
            source,
            lookup: Lookup::new(t),
        }
    }

    /// Where `resource` (an entity or mapping id) is defined.
    pub fn locate(&self, resource: &str) -> Option<Location> {
        let path = match self.lookup.get(resource) {
            Some((kind, i)) => DataPath::root().key(kind.section()).index(i).key("id"),
            None => DataPath::root()
                .key("mappings")
                .index(self.lookup.mapping(resource)?)
                .key("id"),
        };
        self.source.span(&path).map(|s| self.source.location(s))
    }
}

fn status_word(f: &Finding) -> &'static str {
    match f.status {
        Status::Open => "",
        Status::Waived { .. } => " (waived)",
        Status::NotEvaluated { .. } => " (not evaluated)",
    }
}

fn is_not_evaluated(f: &Finding) -> bool {
    matches!(f.status, Status::NotEvaluated { .. })
}

/// Human text, grouped by resource, each group with a pointer into the topology file.
pub fn text(ev: &Evaluation, source: &SourceFile, t: &Topology) -> String {
    let mut out = String::new();
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in ev.findings.iter().filter(|f| !is_not_evaluated(f)) {
        groups.entry(f.resource.as_str()).or_default().push(f);
    }
    let at = Locator::new(source, t);
    for (resource, findings) in &groups {
        match at.locate(resource) {
            Some(loc) => {
                let line = source.line(loc.line);
                let _ = writeln!(
                    out,
                    "{resource}\n  --> {}:{}:{}\n   | {}",
                    loc.file,
                    loc.line,
                    loc.column,
                    line.trim_end()
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{}",
                    if resource.is_empty() {
                        "(no resource)"
                    } else {
                        resource
                    }
                );
            }
        }
        for f in findings {
            let icon = match f.level {
                Severity::Error => "✖",
                Severity::Warning => "▲",
                Severity::Info => "ℹ",
            };
            let _ = writeln!(
                out,
                "  {icon} {}[{}]{} {}",
                f.level.as_str(),
                f.rule,
                status_word(f),
                f.message
            );
            if let Status::Waived { reason, expires } = &f.status {
                let _ = writeln!(
                    out,
                    "      waived: {reason}{}",
                    expires
                        .as_deref()
                        .map(|e| format!(" (until {e})"))
                        .unwrap_or_default()
                );
            }
            if let Some(r) = f.references.first() {
                let _ = writeln!(out, "      see {r}");
            }
        }
        out.push('\n');
    }
    let skipped: Vec<&Finding> = ev.findings.iter().filter(|f| is_not_evaluated(f)).collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "not evaluated (facts unknown — fill them in or import them):"
        );
        for f in &skipped {
            let _ = writeln!(out, "  ? {}", f.message);
        }
        out.push('\n');
    }
    for w in &ev.waivers {
        match w.state {
            WaiverState::Expired => {
                let _ = writeln!(
                    out,
                    "waiver for {} on {} expired on {}: it no longer applies",
                    w.rule,
                    w.resource,
                    w.expires.as_deref().unwrap_or("?")
                );
            }
            WaiverState::Stale => {
                let _ = writeln!(
                    out,
                    "waiver for {} on {} matches no finding: remove it",
                    w.rule, w.resource
                );
            }
            WaiverState::Used => {}
        }
    }
    let count = |l: Severity| {
        ev.findings
            .iter()
            .filter(|f| f.level == l && f.status == Status::Open)
            .count()
    };
    let waived = ev
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Waived { .. }))
        .count();
    let _ = write!(
        out,
        "{} error(s), {} warning(s), {} info, {waived} waived",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    if skipped.is_empty() {
        out.push('\n');
    } else {
        let _ = writeln!(out, ", {} not evaluated", skipped.len());
    }
    out
}

/// [`json()`] of an evaluation that has no topology file behind it (`hostplan policy eval` on a
/// facts document): the same findings and "not evaluated" lists, without locations.
pub fn json_unlocated(ev: &Evaluation) -> serde_json::Value {
    let (skipped, findings): (Vec<&Finding>, Vec<&Finding>) =
        ev.findings.iter().partition(|f| is_not_evaluated(f));
    json!({ "findings": findings, "not_evaluated": skipped })
}

/// JSON: the evaluation plus each finding's location; rules not evaluated for unknown facts
/// are listed apart under `not_evaluated` (same fields, `status: "not-evaluated"`, `unknown`).
pub fn json(ev: &Evaluation, source: &SourceFile, t: &Topology) -> serde_json::Value {
    let at = Locator::new(source, t);
    let located = |f: &Finding| {
        let mut v = serde_json::to_value(f).unwrap_or_default();
        if let (Some(obj), Some(loc)) = (v.as_object_mut(), at.locate(&f.resource)) {
            obj.insert(
                "location".into(),
                serde_json::to_value(loc).unwrap_or_default(),
            );
        }
        v
    };
    let (skipped, findings): (Vec<&Finding>, Vec<&Finding>) =
        ev.findings.iter().partition(|f| is_not_evaluated(f));
    json!({
        "findings": findings.into_iter().map(located).collect::<Vec<_>>(),
        "not_evaluated": skipped.into_iter().map(located).collect::<Vec<_>>(),
        "waivers": ev.waivers,
    })
}

/// SARIF 2.1.0: one run, the rules (with their metadata) in the driver, each result located
/// at its resource's line in the topology file.
pub fn sarif(
    ev: &Evaluation,
    source: &SourceFile,
    t: &Topology,
    version: &str,
) -> serde_json::Value {
    let at = Locator::new(source, t);
    let rules: Vec<_> = ev
        .rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "name": r.id.replace('-', ""),
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.description },
                "defaultConfiguration": { "level": sarif_level_str(&r.severity) },
                "properties": { "references": r.references, "policyFile": r.file },
            });
            // SARIF 2.1.0 wants a URI here or nothing (a user rule may cite no source).
            if let Some(uri) = r.references.first() {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let index: BTreeMap<&str, usize> = ev
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results: Vec<_> = ev
        .findings
        .iter()
        .map(|f| {
            let mut r = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.level),
                "message": { "text": f.message },
                "properties": { "resource": f.resource },
            });
            if let Some(i) = index.get(f.rule.as_str()) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(loc) = at.locate(&f.resource) {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": loc.file },
                        "region": { "startLine": loc.line, "startColumn": loc.column },
                    },
                    "logicalLocations": [{ "name": f.resource }],
                }]);
            }
            match &f.status {
                Status::Waived { reason, .. } => {
                    r["suppressions"] = json!([{ "kind": "external", "justification": reason }]);
                }
                // SARIF's "open": the tool could not decide, for lack of information.
                Status::NotEvaluated { unknown } => {
                    r["kind"] = json!("open");
                    r["level"] = json!("none");
                    r["properties"]["unknown"] = json!(unknown);
                }
                Status::Open => {}
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "hostplan", "version": version, "rules": rules } },
            "results": results,
        }],
    })
}

fn sarif_level(l: Severity) -> &'static str {
    match l {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn sarif_level_str(s: &str) -> &'static str {
    match s {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per finding (failed when open at or above `gate`, skipped when
/// not evaluated, passed with its message otherwise), plus one passing case per rule without
/// findings. A rule with several findings on one resource numbers them (`PT-06 truenas (2)`),
/// so every case has its own name and exactly one `<failure>` at most.
pub fn junit(ev: &Evaluation, gate: Severity) -> String {
    let mut per_resource: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &ev.findings {
        *per_resource.entry((&f.rule, &f.resource)).or_default() += 1;
    }
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut cases: Vec<(String, String, Option<&Finding>)> = Vec::new();
    for f in &ev.findings {
        let n = seen.entry((&f.rule, &f.resource)).or_default();
        *n += 1;
        let mut name = if f.resource.is_empty() {
            f.rule.clone()
        } else {
            format!("{} {}", f.rule, f.resource)
        };
        if per_resource[&(f.rule.as_str(), f.resource.as_str())] > 1 {
            let _ = write!(name, " ({n})");
        }
        cases.push((f.rule.clone(), name, Some(f)));
    }
    let with_findings: std::collections::BTreeSet<&str> =
        ev.findings.iter().map(|f| f.rule.as_str()).collect();
    for r in &ev.rules {
        if !with_findings.contains(r.id.as_str()) {
            cases.push((r.id.clone(), r.id.clone(), None));
        }
    }
    cases.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let fails = |f: &Finding| f.level >= gate && f.status == Status::Open;
    let failures = cases
        .iter()
        .filter(|(_, _, f)| f.is_some_and(fails))
        .count();
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<testsuites name=\"hostplan\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"hostplan policies\" tests=\"{}\" failures=\"{failures}\">",
        cases.len()
    );
    for (rule, name, finding) in &cases {
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(rule),
            xml(name)
        );
        match finding {
            None => {
                let _ = writeln!(out, "/>");
            }
            Some(f) if is_not_evaluated(f) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(&f.message)
                );
            }
            Some(f) if fails(f) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    f.level.as_str(),
                    xml(&f.message),
                    xml(&f.references.join("\n"))
                );
            }
            Some(f) => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&format!(
                        "{}{}: {}",
                        f.level.as_str(),
                        status_word(f),
                        f.message
                    ))
                );
            }
        }
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}

/// A workflow command's message, escaped as GitHub's toolkit does.
fn esc_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value (`file=`, `title=`), escaped as GitHub's toolkit does.
fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github_command(level: Severity) -> &'static str {
    match level {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The diagnostics of a file that did not validate, as GitHub workflow commands at their lines
/// (`check` judges no rule on such a file; this says why it stopped).
pub fn github_diagnostics(diagnostics: &[crate::diag::Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let mut props = vec![format!(
            "title={}",
            esc_prop(&format!("hostplan {}", d.code.as_str()))
        )];
        if let Some(loc) = &d.location {
            props.insert(
                0,
                format!(
                    "file={},line={},col={}",
                    esc_prop(&loc.file),
                    loc.line,
                    loc.column
                ),
            );
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            github_command(d.severity),
            props.join(","),
            esc_data(&d.message)
        );
    }
    out
}

/// The diagnostics of a file that did not validate, as SARIF 2.1.0: one rule per diagnostic
/// code, one result per diagnostic at its line.
pub fn sarif_diagnostics(
    diagnostics: &[crate::diag::Diagnostic],
    version: &str,
) -> serde_json::Value {
    let codes: std::collections::BTreeSet<&str> =
        diagnostics.iter().map(|d| d.code.as_str()).collect();
    let index: BTreeMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules: Vec<_> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c,
                "shortDescription": { "text": format!("topology validation: {c}") },
                "fullDescription": { "text": "The topology file does not validate, so no rule was judged; docs/format.md (Validation codes) explains each code." },
            })
        })
        .collect();
    let results: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let mut r = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": index.get(d.code.as_str()),
                "level": sarif_level(d.severity),
                "message": { "text": d.message },
            });
            if let Some(loc) = &d.location {
                r["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": loc.file },
                        "region": { "startLine": loc.line, "startColumn": loc.column },
                    },
                }]);
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "hostplan", "version": version, "rules": rules } },
            "results": results,
        }],
    })
}

/// GitHub Actions workflow commands (`::error file=…,line=…::message`).
pub fn github(ev: &Evaluation, source: &SourceFile, t: &Topology) -> String {
    let at = Locator::new(source, t);
    let mut out = String::new();
    for f in ev
        .findings
        .iter()
        .filter(|f| f.status == Status::Open || is_not_evaluated(f))
    {
        let cmd = github_command(f.level);
        let title = if is_not_evaluated(f) {
            format!("{} not evaluated", f.rule)
        } else {
            format!("{} {}", f.rule, f.title).trim_end().to_owned()
        };
        let mut props = vec![format!("title={}", esc_prop(&title))];
        if let Some(loc) = at.locate(&f.resource) {
            props.insert(
                0,
                format!(
                    "file={},line={},col={}",
                    esc_prop(&loc.file),
                    loc.line,
                    loc.column
                ),
            );
        }
        let _ = writeln!(out, "::{cmd} {}::{}", props.join(","), esc_data(&f.message));
    }
    out
}
