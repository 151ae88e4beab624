//! The validated spec: what the provisioner consumes and CI re-checks.
//!
//! Canonical JSON (object keys sorted, no insignificant whitespace in the digested form) with
//! the schema version, the generator, the normalized topology, the derived facts, the policy
//! results with waivers applied, the digest of the policy set, and a SHA-256 over all of it.
//! [`verify`] recomputes everything from the embedded topology and fails if anything differs:
//! the spec was edited by hand, was produced by other policies, or no longer passes.

use crate::model::Topology;
use crate::policy::{Evaluation, Limits, PolicyError, RuleBook, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// Version of the spec format. Readers accept this and every older version.
pub const SPEC_VERSION: u32 = 1;

/// An unwaived finding at or above a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocking {
    /// Its severity.
    pub severity: Severity,
    /// The rule id.
    pub rule: String,
    /// The resource it is about.
    pub resource: String,
    /// The rule's message.
    pub message: String,
}

impl Blocking {
    fn of(f: &crate::policy::Finding) -> Self {
        Self {
            severity: f.level,
            rule: f.rule.clone(),
            resource: f.resource.clone(),
            message: f.message.clone(),
        }
    }
}

impl fmt::Display for Blocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity, self.rule, self.resource, self.message
        )
    }
}

/// One finding per line, indented (the tail of an error message).
struct Lines<'a>(&'a [Blocking]);

impl fmt::Display for Lines<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {b}")?;
        }
        Ok(())
    }
}

/// What a fresh computation found different from what the spec says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// The content digest differs: the text was edited after export.
    #[error("content digest is {actual}, the spec claims {claimed}: it was edited after export")]
    Edited {
        /// The digest of the text as it is.
        actual: String,
        /// The digest the spec carries.
        claimed: String,
    },
    /// The spec was produced with other policy files.
    #[error("it was produced by another policy set ({spec}), not this one ({here})")]
    OtherPolicies {
        /// The policy digest in the spec.
        spec: String,
        /// The digest of the policies given now.
        here: String,
    },
    /// Its topology has validation errors under this hostplan.
    #[error("its topology no longer validates: {0}")]
    Invalid(String),
    /// The facts derived from its topology differ.
    #[error("its facts differ from the ones this hostplan derives from its topology")]
    Facts,
    /// The policy results differ from a fresh evaluation as of the export date.
    #[error("its policy results differ from a fresh evaluation")]
    Results,
    /// Evaluated as of today, findings block the gate (a waiver expired, say).
    #[error("it no longer passes the gate: {}", .0.iter().map(|b| format!("{}[{}] {}", b.severity, b.rule, b.resource)).collect::<Vec<_>>().join(", "))]
    Gate(Vec<Blocking>),
}

/// Why a spec could not be produced or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The topology has validation errors: a spec of it would not verify, whatever the
    /// findings (`--allow-findings` does not lift this).
    #[error("the topology has {} validation error(s); a spec of it would not verify (fix them first):\n{}", .errors.len(), .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Each error as `[code] id: message`.
        errors: Vec<String>,
    },
    /// Open findings at or above the gate block the export.
    #[error("{} finding(s) at or above `{gate}` block the export (fix them or waive them):\n{}", .findings.len(), Lines(.findings))]
    Blocked {
        /// The gate.
        gate: Severity,
        /// The findings, in report order.
        findings: Vec<Blocking>,
    },
    /// The policy engine failed.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The text is not a spec.
    #[error("not a hostplan spec: {0}")]
    Malformed(String),
    /// Written by a newer hostplan.
    #[error("spec version {0} is newer than this hostplan reads ({SPEC_VERSION})")]
    TooNew(u32),
    /// Something recomputed differs from what the spec says.
    #[error("spec does not verify: {0}")]
    Mismatch(#[from] Mismatch),
}

/// A spec that verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Its content digest (`sha256:…`).
    pub digest: String,
    /// The date it was exported and evaluated on.
    pub evaluated_on: String,
    /// The topology it carries.
    pub topology: Topology,
}

/// SHA-256 of a string, hex.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

/// Digest of a policy set: every file's path and text, in order.
pub fn policy_digest(book: &RuleBook) -> String {
    let mut all = String::new();
    for f in book.files() {
        all.push_str(&f.path);
        all.push('\0');
        all.push_str(&f.text);
        all.push('\0');
    }
    // Which packages ran is part of what the spec was checked against; with none chosen (all
    // of them) the digest is what it always was.
    for n in book.namespaces() {
        all.push_str("namespace\0");
        all.push_str(n);
        all.push('\0');
    }
    sha256_hex(&all)
}

fn findings_doc(ev: &Evaluation) -> Value {
    json!({ "findings": ev.findings, "waivers": ev.waivers })
}

/// Build the spec. `today` judges waiver expiry; `gate` the level that blocks unless
/// `allow_findings`.
///
/// # Errors
/// [`SpecError::Invalid`] when the topology has validation errors (what `verify` would
/// reject); [`SpecError::Blocked`] listing the blocking findings; [`SpecError::Policy`].
pub fn export(
    t: &Topology,
    book: &RuleBook,
    today: &str,
    gate: Severity,
    allow_findings: bool,
) -> Result<Value, SpecError> {
    let errors: Vec<String> = crate::validate::validate(t)
        .into_iter()
        .filter(|d| d.severity == crate::diag::Severity::Error)
        .map(|d| match &d.id {
            Some(id) => format!("[{}] {id}: {}", d.code.as_str(), d.message),
            None => format!("[{}] {}", d.code.as_str(), d.message),
        })
        .collect();
    if !errors.is_empty() {
        return Err(SpecError::Invalid { errors });
    }
    // The rule book reads the facts before they become a JSON tree: the engine's values and
    // the tree are never held at once.
    let facts = crate::policy::facts::Facts::of(t);
    let ev = book.evaluate_facts(&facts, &t.waivers, today, Limits::default())?;
    let facts = serde_json::to_value(&facts).unwrap_or_default();
    let blocking: Vec<Blocking> = ev.blocking(gate).map(Blocking::of).collect();
    if !blocking.is_empty() && !allow_findings {
        return Err(SpecError::Blocked {
            gate,
            findings: blocking,
        });
    }
    let mut spec = json!({
        "spec_version": SPEC_VERSION,
        "generator": { "name": "hostplan", "version": env!("CARGO_PKG_VERSION") },
        "evaluated_on": today,
        "topology": t,
        "facts": facts,
        "policy": { "digest": policy_digest(book), "rules": ev.rules.len(), "results": findings_doc(&ev) },
    });
    let digest = sha256_hex(&canonical_text(&spec));
    spec["digest"] = json!(format!("sha256:{digest}"));
    Ok(spec)
}

/// Pretty canonical text of a spec (keys sorted: `serde_json` maps are ordered).
pub fn to_text(spec: &Value) -> String {
    let mut s = serde_json::to_string_pretty(spec).unwrap_or_default();
    s.push('\n');
    s
}

/// The fields of a spec document.
const SPEC_KEYS: &[&str] = &[
    "spec_version",
    "generator",
    "evaluated_on",
    "topology",
    "facts",
    "policy",
    "digest",
];

/// The canonical form the digest is taken over: object keys sorted (`serde_json`'s map), and
/// every number that is a whole value written as an integer (`1.0` → `1`), as RFC 8785 writes
/// numbers — so a JSON round trip through any tool keeps the digest.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Number(n) => whole_number(n).map_or_else(|| v.clone(), Value::from),
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

/// A float that holds a whole value within i64 range, as the integer the canonical form writes.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    let f = n
        .as_f64()
        .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15)?;
    // Whole and within i64 range: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    Some(f as i64)
}

/// `canonical(v).to_string()`, written straight from `v`: the copy of a 100,000-VM spec that
/// `canonical` makes cost a fifth of the export.
pub fn canonical_text(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => match whole_number(n) {
            Some(whole) => out.push_str(&whole.to_string()),
            None => out.push_str(&n.to_string()),
        },
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(x, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Parses any JSON, failing on an object with a key twice.
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NoDuplicateKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut seen = std::collections::BTreeSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    map.next_value::<NoDuplicateKeys>()?;
                }
                Ok(NoDuplicateKeys)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
                Ok(NoDuplicateKeys)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(NoDuplicateKeys)
            }
        }
        d.deserialize_any(V)
    }
}

/// Verify a spec against `book`: same digest over the content, same policy set, same facts
/// and findings when recomputed from the embedded topology as of its export date, and —
/// evaluated again as of `today` (waivers may have expired since) — nothing open at or above
/// `gate`.
///
/// # Errors
/// [`SpecError`] naming what differs.
pub fn verify(
    text: &str,
    book: &RuleBook,
    gate: Severity,
    today: &str,
) -> Result<Verified, SpecError> {
    // Duplicate keys would let two readers see two specs (serde keeps the last).
    serde_json::from_str::<NoDuplicateKeys>(text)
        .map_err(|e| SpecError::Malformed(e.to_string()))?;
    let mut spec: Value =
        serde_json::from_str(text).map_err(|e| SpecError::Malformed(e.to_string()))?;
    if let Some(unknown) = spec
        .as_object()
        .and_then(|o| o.keys().find(|k| !SPEC_KEYS.contains(&k.as_str())))
    {
        return Err(SpecError::Malformed(format!(
            "unknown field `{unknown}` (a spec has {})",
            SPEC_KEYS.join(", ")
        )));
    }
    let version = spec
        .get("spec_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| SpecError::Malformed("no spec_version".into()))?;
    let version = u32::try_from(version).unwrap_or(u32::MAX);
    if version > SPEC_VERSION {
        return Err(SpecError::TooNew(version));
    }
    if version == 0 {
        return Err(SpecError::Malformed("spec_version 0 does not exist".into()));
    }
    match spec.get("evaluated_on").and_then(Value::as_str) {
        Some(d) if crate::validate::is_iso_date(d) => {}
        other => {
            return Err(SpecError::Malformed(format!(
                "evaluated_on {} is not a date YYYY-MM-DD",
                other.map_or_else(
                    || "(missing)".to_owned(),
                    |d| crate::diag::Quoted(d).to_string()
                )
            )))
        }
    }
    let claimed = spec
        .as_object_mut()
        .and_then(|o| o.remove("digest"))
        .and_then(|d| d.as_str().map(str::to_owned))
        .ok_or_else(|| SpecError::Malformed("no digest".into()))?;
    // Over the canonical form, so `jq .` or any JSON round trip (`1.0` → `1`) changes nothing;
    // specs exported before the canonical form digested the plain text: accepted too.
    let actual = format!("sha256:{}", sha256_hex(&canonical_text(&spec)));
    let legacy = format!("sha256:{}", sha256_hex(&spec.to_string()));
    if claimed != actual && claimed != legacy {
        return Err(Mismatch::Edited { actual, claimed }.into());
    }
    let digest = policy_digest(book);
    if spec["policy"]["digest"] != json!(digest) {
        return Err(Mismatch::OtherPolicies {
            spec: spec["policy"]["digest"].to_string(),
            here: digest,
        }
        .into());
    }
    let t: Topology = serde_json::from_value(spec["topology"].clone())
        .map_err(|e| SpecError::Malformed(format!("topology: {e}")))?;
    let diags = crate::validate::validate(&t);
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == crate::diag::Severity::Error)
    {
        return Err(Mismatch::Invalid(d.message.clone()).into());
    }
    let facts = crate::policy::facts::facts(&t);
    if canonical(&spec["facts"]) != canonical(&facts) {
        return Err(Mismatch::Facts.into());
    }
    let exported_on = spec["evaluated_on"].as_str().unwrap_or_default().to_owned();
    let ev = book.evaluate(&facts, &t.waivers, &exported_on, Limits::default())?;
    if canonical(&spec["policy"]["results"]) != canonical(&findings_doc(&ev)) {
        return Err(Mismatch::Results.into());
    }
    let now = book.evaluate(&facts, &t.waivers, today, Limits::default())?;
    let blocking: Vec<Blocking> = now.blocking(gate).map(Blocking::of).collect();
    if !blocking.is_empty() {
        return Err(Mismatch::Gate(blocking).into());
    }
    Ok(Verified {
        digest: claimed,
        evaluated_on: exported_on,
        topology: t,
    })
}
