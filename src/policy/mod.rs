//! The policy engine: a Rego rule book over the topology and its simulated facts.
//!
//! Rules live in `policies/<topic>.rego` (package `hostplan.<topic>`), each producing
//! `deny` (errors), `warn` (warnings) and `info` sets of `{rule, resource, message}` objects,
//! documented by `# METADATA` blocks ([`metadata`]). They run through regorus here, natively
//! and in the browser, and unchanged under OPA/conftest on the output of `hostplan facts`.
//! Waivers from the topology are applied afterwards, in Rust.

pub mod facts;
pub mod guard;
mod memory;
pub mod metadata;
mod net;
pub mod report;

use metadata::RuleMeta;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A policy file: its path (for messages) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// Path shown in errors, e.g. `policies/zfs.rego`.
    pub path: String,
    /// Rego source.
    pub text: String,
}

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../policies/", $name)))),*]
    };
}

/// The shipped rule book: `(path under policies/, text)`.
pub const BUILTIN: &[(&str, &str)] = builtin![
    "lib/hostplan.rego",
    "passthrough.rego",
    "boot.rego",
    "truenas.rego",
    "zfs.rego",
    "dr.rego",
    "kubernetes.rego",
    "network.rego",
    "power.rego",
    "switching.rego",
    "cluster.rego",
    "domains.rego",
    "operations.rego",
];

/// The shipped rule tests.
pub const BUILTIN_TESTS: &[(&str, &str)] = builtin![
    "passthrough_test.rego",
    "boot_test.rego",
    "truenas_test.rego",
    "zfs_test.rego",
    "dr_test.rego",
    "kubernetes_test.rego",
    "network_test.rego",
    "power_test.rego",
    "switching_test.rego",
    "cluster_test.rego",
    "domains_test.rego",
    "operations_test.rego",
];

/// The facts of the seed, used as `data.fixtures.seed` by the rule tests.
pub const SEED_FIXTURE: &str = include_str!("../../policies/fixtures/seed/data.json");

/// Why policies could not be loaded or evaluated. Serialisable: the web app's worker sends it
/// to the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy does not parse (or does not compile).
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// Policy file.
        file: String,
        /// 1-based line (0 when the engine gave none).
        line: u32,
        /// 1-based column.
        column: u32,
        /// The engine's message.
        message: String,
    },
    /// Evaluation failed (a runtime error, or the time limit).
    #[error("evaluating {query}: {message}")]
    Eval {
        /// What was evaluated.
        query: String,
        /// The engine's message.
        message: String,
    },
}

/// Severity of a finding: the same scale as a validation diagnostic's, so one gate (`--fail-on`)
/// and one icon set serve both.
pub use crate::diag::Severity;

/// Whether a finding counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Status {
    /// Counts.
    Open,
    /// Accepted by a waiver.
    Waived {
        /// The waiver's reason.
        reason: String,
        /// Its expiry.
        expires: Option<String>,
    },
    /// The rule needs facts about the resource that are unknown (an importer could not resolve
    /// them): it was not evaluated there — neither a finding nor a pass. Listed apart in every
    /// report; never blocks a gate.
    #[serde(rename = "not-evaluated")]
    NotEvaluated {
        /// The unknown facts the rule needs (`memory_mib`, `iommu`…).
        unknown: Vec<String>,
    },
}

/// One policy finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. `PT-06`.
    pub rule: String,
    /// Severity (from `deny`/`warn`/`info`).
    pub level: Severity,
    /// The resource (entity id) it is about.
    pub resource: String,
    /// What is wrong and how to fix it.
    pub message: String,
    /// Rule title, from its METADATA.
    pub title: String,
    /// Reference links, from its METADATA.
    pub references: Vec<String>,
    /// Open or waived.
    #[serde(flatten)]
    pub status: Status,
}

/// What became of a waiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// It waived at least one finding.
    Used,
    /// Its expiry date has passed: it no longer applies.
    Expired,
    /// It matches no finding (fixed, or a typo).
    Stale,
}

named!(WaiverState {
    Used => "used",
    Expired => "expired",
    Stale => "stale",
});

/// A waiver and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverOutcome {
    /// Rule id.
    pub rule: String,
    /// Resource.
    pub resource: String,
    /// Reason.
    pub reason: String,
    /// Expiry.
    pub expires: Option<String>,
    /// Outcome.
    pub state: WaiverState,
}

/// Everything a policy evaluation produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Findings, sorted by severity (errors first), rule and resource.
    pub findings: Vec<Finding>,
    /// Waivers and their outcome.
    pub waivers: Vec<WaiverOutcome>,
    /// Documentation of every rule loaded.
    pub rules: Vec<RuleMeta>,
}

impl Evaluation {
    /// Open findings at or above `gate`.
    pub fn blocking(&self, gate: Severity) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| f.level >= gate && f.status == Status::Open)
    }
}

/// Limits on evaluation, so a hostile or looping policy cannot hang a tab or CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget; only enforced where the engine has a clock (natively; in the
    /// browser once the front end registers one).
    pub time: core::time::Duration,
    /// Bytes one evaluation may allocate beyond what the process held when it started
    /// (the input as the engine's values included). Enforced natively, where regorus counts
    /// every allocation (`memory.rs`); in the browser the worker's wasm memory is the bound,
    /// and a policy that exhausts it ends the worker, not the tab.
    pub memory: u64,
    /// Time added to [`Limits::time`] per MiB of the facts document an evaluation reads. The
    /// rule book's own work grows with the input (about 8 s of one quiet core for a
    /// 10,000-host fleet, three times that on a loaded machine): a fixed limit stopped it on
    /// big fleets, while a runaway policy is still stopped, later on a bigger input.
    pub time_per_mib: core::time::Duration,
}

impl Limits {
    /// The time limit for an evaluation whose input is `bytes` of JSON.
    pub fn time_for(&self, bytes: usize) -> core::time::Duration {
        #[allow(clippy::cast_precision_loss)] // a size in MiB: precision to spare
        let mib = bytes as f64 / f64::from(1u32 << 20);
        self.time + self.time_per_mib.mul_f64(mib)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            time_per_mib: core::time::Duration::from_millis(250),
            time: core::time::Duration::from_secs(10),
            // The shipped rule book on a 10,000-host fleet adds well under half of this.
            memory: 4 << 30,
        }
    }
}

/// Most policy text one rule book may load, all files together (the shipped rule book is about
/// 120 KB; regorus also refuses any single file over 1 MiB or 20,000 lines).
pub const MAX_POLICY_BYTES: usize = 4 << 20;

/// Work units of the engine (a statement, a loop's step) between two reads of the clock for
/// the time limit. Reading it at every unit took 5 % of `check` at 1,000 hosts (`perf`:
/// `clock_gettime` under `Instant::elapsed`); a runaway policy still ticks through 256 units
/// fast, so the limit stops it as before.
const CLOCK_EVERY: core::num::NonZeroU32 = match core::num::NonZeroU32::new(256) {
    Some(n) => n,
    None => core::num::NonZeroU32::MIN,
};

/// A loaded rule book.
#[derive(Debug, Clone)]
pub struct RuleBook {
    files: Vec<PolicyFile>,
    rules: Vec<RuleMeta>,
    /// The packages to evaluate (conftest's `--namespace`); empty: all of them.
    namespaces: std::collections::BTreeSet<String>,
}

impl RuleBook {
    /// The shipped rule book.
    pub fn builtin() -> Self {
        Self::new(
            BUILTIN
                .iter()
                .map(|(p, t)| PolicyFile {
                    path: format!("policies/{p}"),
                    text: (*t).to_owned(),
                })
                .collect(),
        )
    }

    /// A rule book from files (the built-in ones plus user ones, or any set).
    pub fn new(files: Vec<PolicyFile>) -> Self {
        let rules = files
            .iter()
            .flat_map(|f| metadata::parse(&f.path, &f.text))
            .collect();
        Self {
            files,
            rules,
            namespaces: std::collections::BTreeSet::new(),
        }
    }

    /// Evaluate only these packages (`hostplan.zfs` or `data.hostplan.zfs`), as conftest's
    /// `--namespace`; none given: every package (conftest's `--all-namespaces`).
    #[must_use]
    pub fn only_namespaces(mut self, namespaces: &[String]) -> Self {
        self.namespaces = namespaces
            .iter()
            .map(|n| {
                if n.starts_with("data.") {
                    n.clone()
                } else {
                    format!("data.{n}")
                }
            })
            .collect();
        self
    }

    /// The packages chosen with [`RuleBook::only_namespaces`] (`data.`-prefixed), empty for all.
    pub fn namespaces(&self) -> &std::collections::BTreeSet<String> {
        &self.namespaces
    }

    /// Add user policy files.
    #[must_use]
    pub fn with(mut self, extra: Vec<PolicyFile>) -> Self {
        for f in extra {
            self.rules.extend(metadata::parse(&f.path, &f.text));
            self.files.push(f);
        }
        self
    }

    /// The files.
    pub fn files(&self) -> &[PolicyFile] {
        &self.files
    }

    /// Documentation of every rule, sorted by id.
    pub fn rules(&self) -> Vec<RuleMeta> {
        let mut r = self.rules.clone();
        r.sort_by_key(|a| rule_order(&a.id));
        r
    }

    /// The engine with every file loaded, and which files each package came from.
    fn engine(&self, limits: Limits) -> Result<(regorus::Engine, PackageFiles), PolicyError> {
        // Parsing is not interruptible: its cost is bounded by size before it starts (regorus
        // bounds each file; this bounds them all), then measured against the same time limit as
        // evaluation between files and after the call check.
        let mut total = 0usize;
        for f in &self.files {
            total = total.saturating_add(f.text.len());
            if total > MAX_POLICY_BYTES {
                return Err(PolicyError::Syntax {
                    file: f.path.clone(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "the policies add up to more than {} MiB (the limit) at this file",
                        MAX_POLICY_BYTES >> 20
                    ),
                });
            }
        }
        guard::check_nesting(
            self.files
                .iter()
                .map(|f| (f.path.as_str(), f.text.as_str())),
        )?;
        let started = regorus::utils::limits::monotonic_now();
        let over_budget = |after: &str| -> Result<(), PolicyError> {
            let elapsed = match (started, regorus::utils::limits::monotonic_now()) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => return Ok(()),
            };
            if elapsed > limits.time {
                return Err(PolicyError::Syntax {
                    file: after.to_owned(),
                    line: 1,
                    column: 1,
                    message: format!(
                        "loading the policies took {:.3} s, over the {} s limit (stopped after this file)",
                        elapsed.as_secs_f64(),
                        limits.time.as_secs_f64()
                    ),
                });
            }
            Ok(())
        };
        let mut engine = regorus::Engine::new();
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: limits.time,
            check_interval: CLOCK_EVERY,
        });
        guard::install(&mut engine)?;
        let mut files = PackageFiles::new();
        for f in &self.files {
            let package = engine
                .add_policy(f.path.clone(), f.text.clone())
                .map_err(|e| syntax_error(&f.path, &e.to_string()))?;
            files.entry(package).or_default().push(f.path.clone());
            over_budget(&f.path)?;
        }
        guard::check_calls(&mut engine)?;
        if let Some(last) = self.files.last() {
            over_budget(&last.path)?;
        }
        Ok((engine, files))
    }

    /// Parse and compile the rule book once; evaluate many inputs with the result.
    ///
    /// # Errors
    /// [`PolicyError::Syntax`] when a policy does not parse.
    pub fn prepare(&self, limits: Limits) -> Result<Prepared, PolicyError> {
        let (engine, files) = self.engine(limits)?;
        let packages = engine
            .get_packages()
            .map_err(|e| PolicyError::Eval {
                query: "packages".into(),
                message: e.to_string(),
            })?
            .into_iter()
            .filter(|p| !p.ends_with("_test"))
            .filter(|p| self.namespaces.is_empty() || self.namespaces.contains(p))
            .collect::<Vec<_>>();
        // A namespace that matches nothing would evaluate nothing and pass: say so instead.
        if let Some(missing) = self.namespaces.iter().find(|n| !packages.contains(n)) {
            return Err(PolicyError::Eval {
                query: missing.clone(),
                message: format!(
                    "no policy declares package {}",
                    missing.trim_start_matches("data.")
                ),
            });
        }
        Ok(Prepared {
            engine,
            packages,
            rules: self.rules(),
            limits,
            files,
        })
    }

    /// Evaluate on a facts document, applying `waivers` as of `today` (`YYYY-MM-DD`).
    ///
    /// # Errors
    /// [`PolicyError`] when a policy does not parse or evaluation fails.
    pub fn evaluate(
        &self,
        input: &serde_json::Value,
        waivers: &[crate::model::Waiver],
        today: &str,
        limits: Limits,
    ) -> Result<Evaluation, PolicyError> {
        self.prepare(limits)?.evaluate(input, waivers, today)
    }

    /// [`RuleBook::evaluate`] on the facts themselves ([`Prepared::evaluate_facts`]).
    ///
    /// # Errors
    /// As [`RuleBook::evaluate`].
    pub fn evaluate_facts(
        &self,
        input: &impl serde::Serialize,
        waivers: &[crate::model::Waiver],
        today: &str,
        limits: Limits,
    ) -> Result<Evaluation, PolicyError> {
        self.prepare(limits)?.evaluate_facts(input, waivers, today)
    }

    /// Run every `test_*` rule of the `*_test` packages in `tests` against this rule book,
    /// with the seed's facts as `data.fixtures.seed`. Returns `(test name, passed)`.
    ///
    /// # Errors
    /// [`PolicyError::Syntax`] when a file does not parse.
    pub fn run_tests(
        &self,
        tests: &[PolicyFile],
        limits: Limits,
    ) -> Result<Vec<TestOutcome>, PolicyError> {
        let (mut engine, _) = self.engine(limits)?;
        let _budget = memory::Budget::start(limits.memory);
        let fixture = format!("{{\"fixtures\":{{\"seed\":{SEED_FIXTURE}}}}}");
        engine
            .add_data_json(&fixture)
            .map_err(|e| PolicyError::Eval {
                query: "data.fixtures".into(),
                message: e.to_string(),
            })?;
        guard::check_nesting(tests.iter().map(|f| (f.path.as_str(), f.text.as_str())))?;
        let mut names = Vec::new();
        for f in tests {
            let pkg = engine
                .add_policy(f.path.clone(), f.text.clone())
                .map_err(|e| syntax_error(&f.path, &e.to_string()))?;
            for line in f.text.lines() {
                if let Some(rest) = line.strip_prefix("test_") {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.push((pkg.clone(), format!("test_{name}")));
                }
            }
        }
        // The test files' calls are resolved too (a misspelt helper is a located error).
        guard::check_calls(&mut engine)?;
        let mut out = Vec::new();
        for (pkg, name) in names {
            let query = format!("{pkg}.{name}");
            let result = match engine.eval_rule(query.clone()) {
                Ok(v) if v == regorus::Value::from(true) => Ok(()),
                Ok(v) => Err(format!(
                    "evaluated to {}",
                    v.to_json_str().unwrap_or_else(|_| "?".into())
                )),
                Err(e) => Err(e.to_string()),
            };
            out.push((query, result));
        }
        Ok(out)
    }
}

/// A rule test's query and whether it passed (with the reason when not).
pub type TestOutcome = (String, Result<(), String>);

/// A rule book parsed into an engine, ready to evaluate inputs.
#[derive(Debug)]
pub struct Prepared {
    engine: regorus::Engine,
    packages: Vec<String>,
    rules: Vec<RuleMeta>,
    limits: Limits,
    files: PackageFiles,
}

/// Policy files by the package they declare (`data.hostplan.zfs` → `policies/zfs.rego`).
type PackageFiles = BTreeMap<String, Vec<String>>;

impl Prepared {
    /// Evaluate on a facts document, applying `waivers` as of `today` (`YYYY-MM-DD`).
    ///
    /// # Errors
    /// [`PolicyError::Eval`] when evaluation fails or exceeds the time limit.
    ///
    /// # Complexity
    /// One query per policy package; the cost is the rules' own (mostly linear in the number of
    /// entities they iterate).
    pub fn evaluate(
        &mut self,
        input: &serde_json::Value,
        waivers: &[crate::model::Waiver],
        today: &str,
    ) -> Result<Evaluation, PolicyError> {
        // Held until the findings are read: the input's values and every rule's results count.
        let _budget = memory::Budget::start(self.limits.memory);
        let limit = self.limits.memory;
        // Straight from the JSON tree: printing it and parsing the text again cost a fifth of
        // the rule book's time on big fleets.
        let bytes = json_size(input);
        let input = <regorus::Value as serde::Deserialize>::deserialize(input)
            .map_err(|e| input_error(&e, limit))?;
        self.evaluate_value(input, bytes, waivers, today)
    }

    /// [`Prepared::evaluate`] on anything that serializes to the facts document — the
    /// [`facts::Facts`] themselves, with no JSON tree in between: it goes through its text
    /// (a sixth of the tree's memory), which is dropped once the engine holds its own values,
    /// so the document is never held twice as trees (2.6 GB at 10,000 hosts, BENCHMARKS.md).
    ///
    /// # Errors
    /// As [`Prepared::evaluate`].
    pub fn evaluate_facts(
        &mut self,
        input: &impl serde::Serialize,
        waivers: &[crate::model::Waiver],
        today: &str,
    ) -> Result<Evaluation, PolicyError> {
        let _budget = memory::Budget::start(self.limits.memory);
        let limit = self.limits.memory;
        let text = serde_json::to_string(input).map_err(|e| input_error(&e, limit))?;
        let input: regorus::Value =
            serde_json::from_str(&text).map_err(|e| input_error(&e, limit))?;
        let bytes = text.len();
        drop(text);
        self.evaluate_value(input, bytes, waivers, today)
    }

    /// The evaluation proper, of an input of `bytes` of JSON; the caller holds the memory
    /// budget.
    fn evaluate_value(
        &mut self,
        input: regorus::Value,
        bytes: usize,
        waivers: &[crate::model::Waiver],
        today: &str,
    ) -> Result<Evaluation, PolicyError> {
        let limits = Limits {
            time: self.limits.time_for(bytes),
            ..self.limits
        };
        let engine = &mut self.engine;
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: limits.time,
            check_interval: CLOCK_EVERY,
        });
        engine.set_input(input);
        let meta: BTreeMap<&str, &RuleMeta> =
            self.rules.iter().map(|m| (m.id.as_str(), m)).collect();
        let mut findings = Vec::new();
        let mut skipped = Vec::new();
        for pkg in &self.packages {
            // One query per package: its value holds every rule, deny/warn/info among them.
            let results = match engine.eval_query(pkg.clone(), false) {
                Ok(results) => results,
                Err(e) => {
                    let slow = if timed_out(&e) {
                        slow_rule(engine, pkg, limits)
                    } else {
                        None
                    };
                    return Err(PolicyError::Eval {
                        query: pkg.clone(),
                        message: eval_message(&e, pkg, &self.files, &self.rules, limits, slow),
                    });
                }
            };
            let Some(value) = results
                .result
                .first()
                .and_then(|r| r.expressions.first())
                .map(|e| &e.value)
            else {
                continue;
            };
            let json: serde_json::Value = value
                .to_json_str()
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or(serde_json::Value::Null);
            for (set, items) in json.as_object().into_iter().flatten() {
                let Some(level) = level_of(set) else { continue };
                for item in items.as_array().into_iter().flatten() {
                    findings.push(finding_of(set, item, level, &meta));
                }
            }
            skipped.extend(
                json.get("not_evaluated")
                    .and_then(|v| v.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|item| not_evaluated_of(item, &meta)),
            );
        }
        replace_not_evaluated(&mut findings, skipped);
        // Rule order is parsed once per finding, not once per comparison.
        findings.sort_by_cached_key(|f| {
            (
                std::cmp::Reverse(f.level),
                rule_order(&f.rule),
                f.resource.clone(),
                f.message.clone(),
            )
        });
        findings.dedup();
        let outcomes = apply_waivers(&mut findings, waivers, today);
        Ok(Evaluation {
            findings,
            waivers: outcomes,
            rules: self.rules.clone(),
        })
    }
}

/// A limit in seconds as people read it: `10`, `12.5` (tenths at most).
fn seconds(d: core::time::Duration) -> String {
    let tenths = (d.as_secs_f64() * 10.0).round() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}")
    } else {
        format!("{tenths:.1}")
    }
}

/// The length of `value` printed as compact JSON, counted without keeping the text.
fn json_size(value: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// The facts document could not become the engine's input (or ran out of its memory budget).
fn input_error(e: &impl std::fmt::Display, limit: u64) -> PolicyError {
    let text = e.to_string();
    PolicyError::Eval {
        query: "input".into(),
        message: memory::over_budget(&text, limit).unwrap_or(text),
    }
}

/// Whether the engine stopped at the time limit.
fn timed_out(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<regorus::LimitError>(),
            Some(regorus::LimitError::TimeLimitExceeded { .. })
        )
    }) || e.to_string().contains("exceeded time limit")
}

/// The rule of a package that was running when a second pass over it ran out of time.
#[derive(Debug)]
struct SlowRule {
    /// Its name in the package (`deny`, `slow_hosts`).
    name: String,
    /// Where each of its definitions starts: `(file, line)`.
    at: Vec<(String, u32)>,
    /// Where every rule and function of the package starts, to tell which METADATA block
    /// belongs to which definition.
    starts: Vec<(String, u32)>,
}

/// Which rule of `package` takes the time, once its evaluation ran out of it.
///
/// The engine stops without saying which rule it was in, so the package's rules (not its
/// functions, which only run when called) are evaluated again one at a time, in file order,
/// all of them sharing one more time limit: the rule running when that runs out is the one
/// named. The cost is bounded by that second limit and is paid only after a timeout. Rules
/// each reuse what an earlier one computed only within one evaluation, so a slow helper rule
/// is named as the first rule in the file that needs it, or itself if it comes first.
fn slow_rule(engine: &mut regorus::Engine, package: &str, limits: Limits) -> Option<SlowRule> {
    use regorus::unstable::{Rule, RuleHead};
    let mut order: Vec<SlowRule> = Vec::new();
    let mut starts = Vec::new();
    for m in engine.get_modules() {
        if regorus::utils::get_path_string(&m.package.refr, Some("data")).ok()? != package {
            continue;
        }
        for rule in &m.policy {
            let Rule::Spec { head, span, .. } = rule.as_ref() else {
                continue;
            };
            starts.push((span.source.file().clone(), span.line));
            if matches!(head, RuleHead::Func { .. }) {
                continue;
            }
            let Some(name) = guard::head_path(rule) else {
                continue;
            };
            let at = (span.source.file().clone(), span.line);
            match order.iter_mut().find(|r| r.name == name) {
                Some(r) => r.at.push(at),
                None => order.push(SlowRule {
                    name,
                    at: vec![at],
                    starts: Vec::new(),
                }),
            }
        }
    }
    let mut left = limits.time;
    let mut found = None;
    for rule in order {
        let start = regorus::utils::limits::monotonic_now()?;
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: left,
            check_interval: CLOCK_EVERY,
        });
        let result = engine.eval_rule(format!("{package}.{}", rule.name));
        let took = regorus::utils::limits::monotonic_now()?.saturating_sub(start);
        left = left.saturating_sub(took);
        if result.as_ref().is_err_and(timed_out) || left.is_zero() {
            found = Some(SlowRule { starts, ..rule });
            break;
        }
    }
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: limits.time,
        check_interval: CLOCK_EVERY,
    });
    found
}

/// The engine's error as people read it: a time or memory limit, with the rules it stopped in.
fn eval_message(
    e: &anyhow::Error,
    package: &str,
    files: &PackageFiles,
    rules: &[RuleMeta],
    limits: Limits,
    slow: Option<SlowRule>,
) -> String {
    let text = e.to_string();
    let stopped = if timed_out(e) {
        format!("stopped after {} s, the time limit", seconds(limits.time))
    } else if let Some(memory) = memory::over_budget(&text, limits.memory) {
        memory
    } else {
        return text;
    };
    if let Some(slow) = slow {
        return format!(
            "{stopped}, in rule {} of package {package} ({}): it iterates over too much",
            slow.name,
            slow_rule_text(&slow, rules)
        );
    }
    // Which rule is not known: name the package's files and their documented rules.
    let paths = files.get(package).map_or(&[][..], Vec::as_slice);
    let ids: Vec<&str> = rules
        .iter()
        .filter(|r| paths.contains(&r.file))
        .map(|r| r.id.as_str())
        .collect();
    let within = if ids.is_empty() {
        String::new()
    } else {
        format!(", rules {}", ids.join(", "))
    };
    format!(
        "{stopped}, in package {package} ({}{within}): a rule there iterates over too much",
        paths.join(", ")
    )
}

/// Where a slow rule is defined, with the documented rule ids of its definitions:
/// `slow.rego:5 (U-9), slow.rego:12`. A definition's METADATA block is the last one above it
/// and below the definition before it in the file.
fn slow_rule_text(slow: &SlowRule, rules: &[RuleMeta]) -> String {
    slow.at
        .iter()
        .map(|(file, line)| {
            let ids: Vec<&str> = rules
                .iter()
                .filter(|m| &m.file == file && m.line < *line)
                .max_by_key(|m| m.line)
                .filter(|m| {
                    // Not the block of an earlier rule or function.
                    !slow
                        .starts
                        .iter()
                        .any(|(f, l)| f == file && *l < *line && *l > m.line)
                })
                .map(|m| m.id.as_str())
                .into_iter()
                .collect();
            if ids.is_empty() {
                format!("{file}:{line}")
            } else {
                format!("{file}:{line}, {}", ids.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One `not_evaluated` item of a package (`lib.not_evaluated(rule, resource, facts)`): a rule
/// that could not be judged on a resource because facts it needs are unknown.
fn not_evaluated_of(item: &serde_json::Value, meta: &BTreeMap<&str, &RuleMeta>) -> Option<Finding> {
    let rule = item.get("rule")?.as_str()?.to_owned();
    let resource = item.get("resource")?.as_str()?.to_owned();
    let unknown: Vec<String> = item
        .get("unknown")?
        .as_array()?
        .iter()
        .filter_map(|u| u.as_str().map(str::to_owned))
        .collect();
    let m = meta.get(rule.as_str());
    Some(Finding {
        message: format!(
            "{rule} not evaluated for {resource}: {} unknown",
            unknown.join(", ")
        ),
        title: m.map(|m| m.title.clone()).unwrap_or_default(),
        references: m.map(|m| m.references.clone()).unwrap_or_default(),
        level: Severity::Info,
        rule,
        resource,
        status: Status::NotEvaluated { unknown },
    })
}

/// A rule not evaluated on a resource has no findings there: whatever it concluded from the
/// facts it does know is replaced by the one "not evaluated" entry — an unknown fact is neither
/// a problem nor a pass.
fn replace_not_evaluated(findings: &mut Vec<Finding>, skipped: Vec<Finding>) {
    if skipped.is_empty() {
        return;
    }
    let keys: std::collections::BTreeSet<(String, String)> = skipped
        .iter()
        .map(|f| (f.rule.clone(), f.resource.clone()))
        .collect();
    findings.retain(|f| !keys.contains(&(f.rule.clone(), f.resource.clone())));
    findings.extend(skipped);
}

/// Sort key for rule ids: section, then number (`PT-2` before `PT-10`).
fn rule_order(id: &str) -> (String, u32, String) {
    let (sec, num) = id.rsplit_once('-').unwrap_or((id, ""));
    let n: String = num.chars().take_while(char::is_ascii_digit).collect();
    (sec.to_owned(), n.parse().unwrap_or(u32::MAX), id.to_owned())
}

/// The severity of a rule's results, by its name: hostplan's `deny`/`warn`/`info`, and the
/// names conftest reads (`violation`, and `deny_…`, `warn_…`, `violation_…` by prefix).
/// Any other rule is a helper, not a result set.
fn level_of(rule: &str) -> Option<Severity> {
    match rule {
        "deny" | "violation" => Some(Severity::Error),
        "warn" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        r if r.starts_with("deny_") || r.starts_with("violation_") => Some(Severity::Error),
        r if r.starts_with("warn_") => Some(Severity::Warning),
        _ => None,
    }
}

fn finding_of(
    set: &str,
    item: &serde_json::Value,
    level: Severity,
    meta: &BTreeMap<&str, &RuleMeta>,
) -> Finding {
    let text = |k: &str| item.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    // Results without a rule id (conftest's plain strings, or `{"msg": …}` objects) are named
    // after their set: `user` for hostplan's own sets, the rule's name for conftest's prefixed
    // ones (`deny_reserved`), so two such rules stay apart.
    let unnamed = || {
        if matches!(set, "deny" | "warn" | "info") {
            "user".to_owned()
        } else {
            set.to_owned()
        }
    };
    let (rule, resource, message) = match item {
        serde_json::Value::String(s) => (unnamed(), String::new(), s.clone()),
        serde_json::Value::Object(_) => (
            text("rule").unwrap_or_else(unnamed),
            text("resource").unwrap_or_default(),
            text("message")
                .or_else(|| text("msg"))
                .unwrap_or_else(|| item.to_string()),
        ),
        other => (unnamed(), String::new(), other.to_string()),
    };
    let m = meta.get(rule.as_str());
    Finding {
        title: m.map(|m| m.title.clone()).unwrap_or_default(),
        references: m.map(|m| m.references.clone()).unwrap_or_default(),
        rule,
        level,
        resource,
        message,
        status: Status::Open,
    }
}

fn apply_waivers(
    findings: &mut [Finding],
    waivers: &[crate::model::Waiver],
    today: &str,
) -> Vec<WaiverOutcome> {
    if waivers.is_empty() {
        // Most topologies have none: no index of 100,000 findings built for nothing.
        return Vec::new();
    }
    // Findings by (rule, resource): each waiver looks up its own instead of scanning them all.
    let mut by_key: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_key
            .entry((f.rule.clone(), f.resource.clone()))
            .or_default()
            .push(i);
    }
    waivers
        .iter()
        .map(|w| {
            let expired = w.expires.as_deref().is_some_and(|e| e < today);
            let mut used = false;
            let mine = by_key
                .get(&(w.rule.clone(), w.resource.clone()))
                .map_or(&[][..], Vec::as_slice);
            if !expired {
                for &i in mine {
                    let f = &mut findings[i];
                    if f.status == Status::Open {
                        f.status = Status::Waived {
                            reason: w.reason.clone(),
                            expires: w.expires.clone(),
                        };
                        used = true;
                    }
                }
            }
            let matches = mine
                .iter()
                .any(|&i| !matches!(findings[i].status, Status::NotEvaluated { .. }));
            WaiverOutcome {
                rule: w.rule.clone(),
                resource: w.resource.clone(),
                reason: w.reason.clone(),
                expires: w.expires.clone(),
                state: if expired && matches {
                    WaiverState::Expired
                } else if used {
                    WaiverState::Used
                } else if expired {
                    WaiverState::Expired
                } else {
                    WaiverState::Stale
                },
            }
        })
        .collect()
}

/// Turn regorus' error text (`file:line:col: error: …`) into a located error.
fn syntax_error(file: &str, text: &str) -> PolicyError {
    // regorus prints `--> file:line:col` or `file:line:col:` in its first lines.
    for line in text.lines() {
        let l = line.trim().trim_start_matches("-->").trim();
        if let Some(rest) = l.strip_prefix(file) {
            let mut parts = rest.trim_start_matches(':').splitn(3, ':');
            let line_no = parts.next().and_then(|x| x.trim().parse().ok());
            let col = parts.next().and_then(|x| x.trim().parse().ok());
            if let (Some(line_no), Some(col)) = (line_no, col) {
                let message = text.lines().find(|x| x.contains("error")).map_or_else(
                    || text.lines().next().unwrap_or_default().to_owned(),
                    |x| x.trim().to_owned(),
                );
                return PolicyError::Syntax {
                    file: file.to_owned(),
                    line: line_no,
                    column: col,
                    message,
                };
            }
        }
    }
    PolicyError::Syntax {
        file: file.to_owned(),
        line: 0,
        column: 0,
        message: text.trim().to_owned(),
    }
}
