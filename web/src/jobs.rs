//! Long analyses run off the UI thread: the messages between the page and its Web Worker, and
//! the work itself (pure, so it is tested natively). Messages are JSON strings.

use hostplan::policy::{Limits, PolicyError, PolicyFile, Prepared, RuleBook};
use serde::{Deserialize, Serialize};

/// What the page asks the worker to do.
///
/// Everything the first paint does not need runs here (the policy engine and its builtins,
/// importers, exporters, the before/after delta, the facts document, reading a large file):
/// the page reaches it only through these messages, so none of that code is in the page's
/// wasm. Topologies travel as the document's text, TOML or JSON, as the page holds it: the
/// worker reads it as the CLI would, so the page needs no serialiser of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
pub enum Request {
    /// The N-2 analysis (critical pairs).
    Pairs {
        /// The document's text.
        text: String,
    },
    /// Availability per service by Monte Carlo (exact where the core can).
    Availability {
        /// The document's text.
        text: String,
        /// Samples per service.
        samples: u32,
        /// Always sample, even where the exact method applies.
        monte_carlo: bool,
    },
    /// The policy review (regorus takes seconds on a thousand hosts, and a user's policy may
    /// loop until the time limit: on the page either would freeze it). The result is a
    /// [`PolicyAnswer`].
    Policies {
        /// The document's text.
        text: String,
        /// The user's policy files, `(path, text)`.
        user: Vec<(String, String)>,
        /// Today (`YYYY-MM-DD`), for waiver expiry.
        today: String,
        /// The page's model revision, echoed back.
        rev: u64,
        /// The page's rule-book version, echoed back.
        version: u64,
    },
    /// Load user policy files on top of the built-in book: the result is `null`, or the
    /// [`hostplan::policy::PolicyError`] that refuses them.
    LoadPolicies {
        /// The user's policy files, `(path, text)`.
        user: Vec<(String, String)>,
    },
    /// Read and validate a file (the page stays usable while a large one is read). The result
    /// is a [`Checked`].
    Check {
        /// File name shown in diagnostics.
        name: String,
        /// The file's text.
        text: String,
    },
    /// One export format: the result is an [`ExportAnswer`].
    Export {
        /// The document's text.
        text: String,
        /// The format's core name.
        format: String,
        /// The user's policy files (the spec is judged by the whole book).
        user: Vec<(String, String)>,
        /// Today, for waivers.
        today: String,
    },
    /// Run an importer and prepare the merge into the current topology: an [`ImportAnswer`].
    Import {
        /// The current document's text.
        text: String,
        /// `(name, text)` of every file.
        files: Vec<(String, String)>,
        /// The format's core name, or `auto`.
        format: String,
        /// The host hardware belongs to (empty: none).
        host: String,
    },
    /// What a change does ([`hostplan::sim::delta::Delta`]), between two models.
    Delta {
        /// The document before, its text.
        before: String,
        /// The document after, its text.
        after: String,
        /// Include the critical pairs (N-2).
        pairs: bool,
        /// Policy findings of each side with these user files (`None`: no findings).
        findings: Option<Vec<(String, String)>>,
        /// Today, for waivers.
        today: String,
    },
    /// The facts document the rules read (`input`), as JSON.
    Facts {
        /// The document's text.
        text: String,
    },
    /// Mains loss: the power-loss plan, its Markdown and the NUT files (a [`PowerAnswer`]).
    PowerLoss {
        /// The document's text.
        text: String,
    },
    /// The boot timeline of a scenario (`cold`, `reboot:<host>`) with the suggested startup
    /// order: a [`BootAnswer`] (in `Ok`, as every job the page decodes with
    /// [`crate::service::use_answer`]).
    Boot {
        /// The document's text.
        text: String,
        /// The scenario.
        scenario: String,
    },
    /// A host's maintenance (`hostplan maintain`): a [`MaintainAnswer`].
    Maintain {
        /// The document's text.
        text: String,
        /// The host.
        host: String,
        /// Shut it down (else reboot it).
        shutdown: bool,
    },
    /// A storage provider or service gone (`hostplan simulate --outage`): an [`OutageAnswer`].
    Outage {
        /// The document's text.
        text: String,
        /// The VM, host or service gone.
        target: String,
        /// For how long, seconds (`None`: the provider's reboot by the boot model).
        seconds: Option<u32>,
    },
    /// Move a device to another or a new host (`hostplan recover`): a [`MoveAnswer`].
    Move {
        /// The document's text.
        text: String,
        /// The device.
        device: String,
        /// The host it goes to.
        to: String,
    },
    /// Single points of failure and blast radius (N-1, `hostplan spof`): a [`SpofAnswer`].
    Spof {
        /// The document's text.
        text: String,
    },
    /// Compare with a built-in example, by file name (`hostplan compare`): a
    /// [`CompareAnswer`].
    Compare {
        /// The document's text.
        text: String,
        /// The example's file name.
        example: String,
    },
    /// The readiness-gate hookscripts (`hostplan hookscripts`): a [`HookscriptAnswer`].
    Hookscripts {
        /// The document's text.
        text: String,
        /// Service id → address typed on the page, for services the model gives none.
        addresses: Vec<(String, String)>,
    },
}

/// What [`Request::PowerLoss`] answers: the plan, or why there is none.
pub type PowerAnswer = Result<PowerLossFiles, String>;

/// A power-loss plan with what the page offers for download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerLossFiles {
    /// The plan.
    pub plan: hostplan::ops::power::PowerLoss,
    /// The plan as Markdown (`hostplan power-loss --format markdown`).
    pub markdown: String,
    /// The NUT files, `(name, text)` (`--format nut`).
    pub files: Vec<(String, String)>,
    /// Why some host has none.
    pub notes: Vec<String>,
}

/// The power-loss plan of `t` with its Markdown and NUT files.
fn power_loss(t: &hostplan::model::Topology) -> PowerAnswer {
    let plan = hostplan::ops::power::plan(t, &[], &hostplan::sim::boot::Timing::default())
        .map_err(|e| e.to_string())?;
    let nut = hostplan::ops::nut::files(t, &plan);
    Ok(PowerLossFiles {
        markdown: hostplan::ops::power_text::markdown(&plan),
        files: nut.files,
        notes: nut.notes,
        plan,
    })
}

/// One guest's hookscript, as the page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateLine {
    /// The guest.
    pub vm: String,
    /// Its VMID.
    pub vmid: u32,
    /// Its node.
    pub host: String,
    /// What it waits for, in words (`iscsi-k8s at 10.50.0.10:3260`).
    pub waits: Vec<String>,
    /// The gate's deadline, seconds, and where the figure comes from.
    pub deadline: (u32, String),
    /// The `qm set` line that attaches it.
    pub qm_set: String,
}

/// What [`Request::Hookscripts`] answers: the scripts, every file (scripts and per-node
/// install scripts), the notes, and each guest left without one with why (nothing is
/// written for a guest whose service address is unknown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookscriptAnswer {
    /// One per gated guest.
    pub scripts: Vec<GateLine>,
    /// `(file name, text)`.
    pub files: Vec<(String, String)>,
    /// What to know before installing.
    pub notes: Vec<String>,
    /// `(service or guest id, why)` of each guest without a script.
    pub missing: Vec<(String, String)>,
}

/// The hookscripts of `t`, with the page's addresses.
fn hookscripts(t: &hostplan::model::Topology, addresses: &[(String, String)]) -> HookscriptAnswer {
    use hostplan::ops::hookscript::{files, plan, Options, DEFAULT_STORAGE};
    let options = Options {
        addresses: addresses
            .iter()
            .filter(|(_, a)| !a.trim().is_empty())
            .map(|(s, a)| (s.clone(), a.trim().to_owned()))
            .collect(),
        ..Options::default()
    };
    let p = plan(t, &hostplan::sim::boot::Timing::default(), &options);
    HookscriptAnswer {
        scripts: p
            .scripts
            .iter()
            .map(|s| GateLine {
                vm: s.vm.clone(),
                vmid: s.vmid,
                host: s.host.clone(),
                waits: s
                    .gates
                    .iter()
                    .map(|g| format!("{} at {}:{} ({})", g.service, g.address, g.port, g.why))
                    .collect(),
                deadline: (s.deadline.seconds, s.deadline.why.clone()),
                qm_set: format!("qm set {} --hookscript {}", s.vmid, s.volume),
            })
            .collect(),
        files: if p.missing.is_empty() {
            files(&p, DEFAULT_STORAGE)
        } else {
            Vec::new()
        },
        notes: p.notes.clone(),
        missing: missing_by_value(&p.missing),
    }
}

/// One line per missing value (a service's address, a guest's VMID), naming every guest it
/// leaves without a script: a fleet has many guests per service.
fn missing_by_value(missing: &[hostplan::ops::hookscript::Missing]) -> Vec<(String, String)> {
    let mut by: std::collections::BTreeMap<(String, String), Vec<&str>> =
        std::collections::BTreeMap::new();
    for m in missing {
        by.entry((m.id.clone(), m.path.to_string()))
            .or_default()
            .push(m.vm.as_str());
    }
    by.into_iter()
        .map(|((id, path), vms)| {
            let what = if path.ends_with(".address") {
                format!("the address of {id} is not in the model")
            } else {
                format!("{path} of {id} is not usable")
            };
            let text = format!("{what} (set {path}): {} get no hookscript", vms.join(", "));
            (id, text)
        })
        .collect()
}

/// What [`Request::Policies`] answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyAnswer {
    /// The page's model revision it was computed for.
    pub rev: u64,
    /// The page's rule-book version it was computed for.
    pub version: u64,
    /// The findings, or why the engine could not give them.
    pub evaluation: Result<hostplan::policy::Evaluation, hostplan::policy::PolicyError>,
}

/// What [`Request::Check`] answers: the model, or why the text is not a topology. (The
/// text itself is not sent back: for UTF-8 input the core reads exactly the text it is given,
/// and the page keeps it.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checked {
    /// The model, when the file is a topology.
    pub topology: Option<hostplan::model::Topology>,
    /// Every diagnostic, located in `text`.
    pub diagnostics: Vec<hostplan::diag::Diagnostic>,
    /// For a JSON file, its model as TOML: what the page edits in place (it carries no
    /// serialiser of the model).
    #[serde(default)]
    pub toml: Option<String>,
}

/// What [`Request::Export`] answers: the files and notes, or why the export was refused.
pub type ExportAnswer = Result<(Vec<(String, String)>, Vec<String>), String>;

/// What [`Request::Import`] answers (the page shows it before anything changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportAnswer {
    /// What the fragment holds, as `"2 VM(s)"`, one per non-empty section.
    pub counts: Vec<String>,
    /// What the importer could not map, as `file:line:col: …`.
    pub notes: Vec<String>,
    /// The merged model, or why the merge is refused.
    pub merged: Result<MergeAnswer, String>,
}

/// A merge the user may confirm: the model it gives and what it adds and updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeAnswer {
    /// The document after the merge, as TOML.
    pub text: String,
    /// New entities.
    pub added: Vec<String>,
    /// Entities updated, with the fields that changed.
    pub updated: Vec<(String, Vec<String>)>,
    /// Guessed network ids and the network each was matched to.
    pub networks: Vec<(String, String)>,
}

thread_local! {
    /// The rule book prepared for the user files it was built with: a worker evaluates many
    /// revisions of one site, and preparing the book costs more than a small evaluation.
    static PREPARED: std::cell::RefCell<Option<(Vec<PolicyFile>, Prepared)>> =
        const { std::cell::RefCell::new(None) };
}

fn policy_files(user: &[(String, String)]) -> Vec<PolicyFile> {
    user.iter()
        .map(|(path, text)| PolicyFile {
            path: path.clone(),
            text: text.clone(),
        })
        .collect()
}

/// Run `f` on the rule book (built in plus `user`) prepared once per set of user files.
fn with_prepared<T>(
    user: &[(String, String)],
    f: impl FnOnce(&mut Prepared) -> Result<T, PolicyError>,
) -> Result<T, PolicyError> {
    let files = policy_files(user);
    PREPARED.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(f, _)| *f != files) {
            let prepared = RuleBook::builtin()
                .with(files.clone())
                .prepare(Limits::default())?;
            *cell = Some((files, prepared));
        }
        match cell.as_mut() {
            Some((_, p)) => f(p),
            None => Err(PolicyError::Eval {
                query: "the rule book".to_owned(),
                message: "not prepared".to_owned(),
            }),
        }
    })
}

/// Evaluate the rule book (built in plus `user`) on `t`, reusing the prepared book.
fn evaluate(
    t: &hostplan::model::Topology,
    user: &[(String, String)],
    today: &str,
) -> Result<hostplan::policy::Evaluation, PolicyError> {
    let facts = hostplan::policy::facts::facts(t);
    with_prepared(user, |p| p.evaluate(&facts, &t.waivers, today))
}

/// What the worker sends back: progress any number of times, then one result or error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Response {
    /// The worker has started and listens (messages sent before this would be lost).
    Ready,
    /// Share done, 0–1.
    Progress {
        /// Share done.
        done: f64,
    },
    /// The result, as the core serialises it.
    Done {
        /// The report.
        result: serde_json::Value,
    },
    /// The result as JSON text: the page decodes it straight into its own types (a
    /// thousand-host model decoded through a `Value` tree first would take twice as long on
    /// the page's thread).
    Json {
        /// The JSON.
        json: String,
    },
    /// Why the job failed.
    Failed {
        /// The message.
        message: String,
    },
}

/// A request with the number the page gave it, so that one worker can serve many callers
/// (the answer carries the same number: see [`Reply`]).
// The page sends it borrowed (`service`) and only the browser's worker reads it.
#[allow(dead_code)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The caller's number.
    pub id: u64,
    /// The job.
    pub request: Request,
}

/// A response to the [`Envelope`] numbered `id`.
// Only the browser's worker writes it.
#[allow(dead_code)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The request's number.
    pub id: u64,
    /// Progress, the result or the error.
    pub response: Response,
}

fn done<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(json) => Response::Json { json },
        Err(e) => Response::Failed {
            message: e.to_string(),
        },
    }
}

/// The document last read by this worker with its model: the panels of one revision ask in
/// turn (boot, maintenance, power…) about the same text, which is read once.
type LastRead = Option<(String, std::rc::Rc<hostplan::model::Topology>)>;

thread_local! {
    static LAST_READ: std::cell::RefCell<LastRead> = const { std::cell::RefCell::new(None) };
}

/// Read a document's text, TOML or JSON (told apart by its first character, as the CLI does
/// for standard input).
fn read_doc(text: &str) -> Result<std::rc::Rc<hostplan::model::Topology>, Response> {
    if let Some(t) = LAST_READ.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(last, _)| last == text)
            .map(|(_, t)| t.clone())
    }) {
        return Ok(t);
    }
    let t = hostplan::check("topology", text.as_bytes())
        .topology
        .map(std::rc::Rc::new)
        .ok_or_else(|| Response::Failed {
            message: "the topology could not be read".into(),
        })?;
    LAST_READ.with(|l| *l.borrow_mut() = Some((text.to_owned(), t.clone())));
    Ok(t)
}

/// The model of a document read as `format` as TOML text, for the page to edit in place: a
/// JSON document's (the page edits it as TOML); `None` for a TOML document, which is edited as
/// it is.
fn toml_of_json(format: hostplan::source::Format, t: &hostplan::model::Topology) -> Option<String> {
    (format == hostplan::source::Format::Json)
        .then(|| toml::to_string(t).ok())
        .flatten()
}

/// The document `text` (whose model is `before`) changed into `after`: written into the
/// text as the fields that changed, so comments and layout survive (a JSON document is
/// written as TOML first); re-serialised only if the change cannot be written in.
pub(crate) fn changed_text(
    text: &str,
    before: &hostplan::model::Topology,
    after: &hostplan::model::Topology,
) -> Result<String, String> {
    let json = |t| serde_json::to_value(t).map_err(|e| e.to_string());
    let format = hostplan::source::Format::detect("topology", text.as_bytes());
    let base = match toml_of_json(format, before) {
        Some(toml) => toml,
        None => text.to_owned(),
    };
    hostplan::document::apply_changes(&base, &json(before)?, &json(after)?)
        .or_else(|_| toml::to_string(after).map_err(|e| e.to_string()))
}

/// Run a job, reporting progress through `progress`.
pub fn run(req: &Request, progress: &mut dyn FnMut(f64)) -> Response {
    match run_inner(req, progress) {
        Ok(r) | Err(r) => r,
    }
}

fn run_inner(req: &Request, progress: &mut dyn FnMut(f64)) -> Result<Response, Response> {
    let result = match req {
        Request::Pairs { text } => {
            hostplan::sim::spof::analyse_with_progress(&*read_doc(text)?, true, progress)
                .map(|r| serde_json::to_value(r).unwrap_or_default())
        }
        Request::Availability {
            text,
            samples,
            monte_carlo,
        } => {
            let opts = hostplan::sim::availability::Options {
                choice: if *monte_carlo {
                    hostplan::sim::availability::Choice::MonteCarlo
                } else {
                    hostplan::sim::availability::Choice::Auto
                },
                samples: *samples,
                seed: 1,
            };
            hostplan::sim::availability::analyse_with_progress(&*read_doc(text)?, &opts, progress)
                .map(|r| serde_json::to_value(r).unwrap_or_default())
        }
        Request::Policies {
            text,
            user,
            today,
            rev,
            version,
        } => {
            let evaluation = evaluate(&*read_doc(text)?, user, today);
            return Ok(done(&PolicyAnswer {
                rev: *rev,
                version: *version,
                evaluation,
            }));
        }
        Request::LoadPolicies { user } => {
            return Ok(done(&with_prepared(user, |_| Ok(())).err()));
        }
        Request::Check { name, text } => {
            let report = hostplan::check(name, text.as_bytes());
            let toml = report
                .topology
                .as_ref()
                .and_then(|t| toml_of_json(report.source.format, t));
            return Ok(done(&Checked {
                topology: report.topology,
                diagnostics: report.diagnostics,
                toml,
            }));
        }
        Request::Export {
            text,
            format,
            user,
            today,
        } => return Ok(done(&export(&*read_doc(text)?, format, user, today))),
        Request::Import {
            text,
            files,
            format,
            host,
        } => {
            return Ok(match import(text, &*read_doc(text)?, files, format, host) {
                Ok(answer) => done(&answer),
                Err(message) => Response::Failed { message },
            })
        }
        Request::Delta {
            before,
            after,
            pairs,
            findings,
            today,
        } => {
            let (before, after) = (read_doc(before)?, read_doc(after)?);
            return Ok(
                match delta(&before, &after, *pairs, findings.as_deref(), today) {
                    Ok(d) => done(&d),
                    Err(message) => Response::Failed { message },
                },
            );
        }
        Request::Facts { text } => {
            return Ok(done(&hostplan::policy::facts::facts(&*read_doc(text)?)));
        }
        Request::PowerLoss { text } => return Ok(done(&power_loss(&*read_doc(text)?))),
        Request::Hookscripts { text, addresses } => {
            return Ok(done(&hookscripts(&*read_doc(text)?, addresses)));
        }
        Request::Boot { text, scenario } => {
            let answer: Result<BootAnswer, String> = Ok(boot(text, &*read_doc(text)?, scenario));
            return Ok(done(&answer));
        }
        Request::Maintain {
            text,
            host,
            shutdown,
        } => return Ok(done(&maintain(&*read_doc(text)?, host, *shutdown))),
        Request::Outage {
            text,
            target,
            seconds,
        } => {
            let timing = hostplan::sim::boot::Timing::default();
            let answer: OutageAnswer =
                hostplan::ops::outage::simulate(&*read_doc(text)?, target, *seconds, &timing)
                    .map_err(|e| e.to_string());
            return Ok(done(&answer));
        }
        Request::Move { text, device, to } => {
            return Ok(done(&move_device(text, &*read_doc(text)?, device, to)));
        }
        Request::Spof { text } => {
            let answer: SpofAnswer =
                hostplan::sim::spof::analyse(&*read_doc(text)?, false).map_err(|e| e.to_string());
            return Ok(done(&answer));
        }
        Request::Compare { text, example } => {
            let t = read_doc(text)?;
            let answer: CompareAnswer = hostplan::examples::ALL
                .iter()
                .find(|(n, _)| n == example)
                .and_then(|(n, text)| hostplan::check(n, text.as_bytes()).topology)
                .ok_or_else(|| format!("no example named {example}"))
                .and_then(|b| hostplan::sim::recover::compare(&t, &b).map_err(|e| e.to_string()));
            return Ok(done(&answer));
        }
    };
    progress(1.0);
    Ok(match result {
        Ok(result) => Response::Done { result },
        Err(e) => Response::Failed {
            message: e.to_string(),
        },
    })
}

/// The scenario a value of the boot panel's picker stands for (`cold`, `reboot:<host>`).
pub fn scenario_of(value: &str) -> hostplan::sim::boot::Scenario {
    use hostplan::sim::boot::Scenario;
    match value.strip_prefix("reboot:") {
        Some(h) => Scenario::Reboot(h.to_owned()),
        None => Scenario::ColdStart,
    }
}

/// What [`Request::Boot`] answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BootAnswer {
    /// The scenario's timeline.
    pub timeline: hostplan::sim::boot::Timeline,
    /// The suggested startup order (its model left out).
    pub suggestion: hostplan::sim::boot::Suggestion,
    /// The same scenario with the suggested order.
    pub suggested: hostplan::sim::boot::Timeline,
    /// The document with the suggested order written in (`None`: nothing to change).
    pub applied: Option<String>,
}

fn boot(text: &str, t: &hostplan::model::Topology, scenario: &str) -> BootAnswer {
    use hostplan::sim::boot::{simulate, suggest, Timing};
    let (scenario, timing) = (scenario_of(scenario), Timing::default());
    let suggestion = suggest(t, &timing);
    BootAnswer {
        timeline: simulate(t, &scenario, &timing),
        suggested: simulate(&suggestion.topology, &scenario, &timing),
        applied: (!suggestion.changes.is_empty())
            .then(|| changed_text(text, t, &suggestion.topology).ok())
            .flatten(),
        suggestion,
    }
}

/// What [`Request::Maintain`] answers: the plan with its runbook as Markdown and as a bash
/// script (the downloads), or why there is none.
pub type MaintainAnswer = Result<MaintainFiles, String>;

/// A maintenance plan with what the page offers for download.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintainFiles {
    /// The plan.
    pub plan: hostplan::ops::maintain::Plan,
    /// The runbook as Markdown.
    pub markdown: String,
    /// The runbook as a bash script.
    pub script: String,
}

fn maintain(t: &hostplan::model::Topology, host: &str, shutdown: bool) -> MaintainAnswer {
    use hostplan::ops::maintain::{plan, Mode};
    use hostplan::ops::render;
    let mode = if shutdown {
        Mode::Shutdown
    } else {
        Mode::Reboot
    };
    let p =
        plan(t, host, mode, &hostplan::sim::boot::Timing::default()).map_err(|e| e.to_string())?;
    let title = format!(
        "Maintenance of {} ({}): {} steps",
        p.host,
        p.mode,
        p.steps.len()
    );
    Ok(MaintainFiles {
        markdown: render::plan_markdown(&p),
        script: render::script(&title, &p.notes, &p.steps),
        plan: p,
    })
}

/// What [`Request::Outage`] answers.
pub type OutageAnswer = Result<hostplan::ops::outage::Outage, String>;

/// What [`Request::Spof`] answers.
pub type SpofAnswer = Result<hostplan::sim::spof::SpofReport, String>;

/// What [`Request::Compare`] answers.
pub type CompareAnswer = Result<hostplan::sim::compare::Comparison, String>;

/// What [`Request::Move`] answers.
pub type MoveAnswer = Result<MovePlan, String>;

/// A device's move with the document it gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovePlan {
    /// The plan (its model left out).
    pub plan: hostplan::sim::recover::RecoveryPlan,
    /// The document after the move, as TOML.
    pub text: String,
}

fn move_device(text: &str, t: &hostplan::model::Topology, device: &str, to: &str) -> MoveAnswer {
    use hostplan::model::HostKind;
    use hostplan::sim::recover::{plan_move, MoveRequest};
    let kind = if t.hosts.iter().any(|h| h.id == to) {
        HostKind::Proxmox
    } else {
        HostKind::BareMetal
    };
    let request = MoveRequest {
        device: device.to_owned(),
        to: to.to_owned(),
        new_host_kind: kind,
        address: None,
    };
    let plan = plan_move(t, &request).map_err(|e| e.to_string())?;
    Ok(MovePlan {
        text: changed_text(text, t, &plan.topology)?,
        plan,
    })
}

/// Render one export format (by its core name) with the whole rule book for the spec.
fn export(
    t: &hostplan::model::Topology,
    format: &str,
    user: &[(String, String)],
    today: &str,
) -> ExportAnswer {
    use hostplan::export::{self, spec::SpecError, ExportError};
    let format =
        export::Format::from_name(format).ok_or_else(|| format!("unknown format {format}"))?;
    let book = RuleBook::builtin().with(policy_files(user));
    export::run(t, format, &export::Options::new(&book, today))
        .map(|e| (e.files, e.notes))
        .map_err(|e| match e {
            ExportError::Spec(SpecError::Blocked { .. } | SpecError::Invalid { .. }) => {
                format!("Export refused: {e}")
            }
            e => e.to_string(),
        })
}

/// Run the importer `format` (`auto`: guessed from the first file) and merge its fragment
/// into `t`, without changing anything yet.
fn import(
    text: &str,
    t: &hostplan::model::Topology,
    files: &[(String, String)],
    format: &str,
    host: &str,
) -> Result<ImportAnswer, String> {
    use hostplan::import::Format;
    let fmt = if format == "auto" {
        let (n, text) = files.first().ok_or("no file")?;
        Format::guess(n, text)
            .ok_or_else(|| format!("Cannot tell what {n} is: choose the format."))?
    } else {
        Format::from_name(format).ok_or("unknown format")?
    };
    let host = (!host.is_empty()).then_some(host);
    let imported = hostplan::import::run(fmt, files, host, None).map_err(|e| e.to_string())?;
    let f = &imported.topology;
    let counts = [
        ("VM", f.vms.len()),
        ("mapping", f.mappings.len()),
        ("device", f.devices.len()),
        ("disk", f.disks.len()),
        ("pool", f.pools.len()),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(w, n)| format!("{n} {w}(s)"))
    .collect();
    let merged = hostplan::import::merge(t, f).and_then(|(topology, m)| {
        Ok(MergeAnswer {
            text: changed_text(text, t, &topology)?,
            added: m.added,
            updated: m.updated,
            networks: m.networks,
        })
    });
    Ok(ImportAnswer {
        counts,
        notes: imported.notes.iter().map(ToString::to_string).collect(),
        merged,
    })
}

/// The delta between `before` and `after`, with each side's findings when `findings` names
/// the user files to evaluate with.
fn delta(
    before: &hostplan::model::Topology,
    after: &hostplan::model::Topology,
    pairs: bool,
    findings: Option<&[(String, String)]>,
    today: &str,
) -> Result<hostplan::sim::delta::Delta, String> {
    let mut d = hostplan::sim::delta::delta(before, after, pairs).map_err(|e| e.to_string())?;
    if let Some(user) = findings {
        let (a, b) = (
            evaluate(before, user, today).map_err(|e| e.to_string())?,
            evaluate(after, user, today).map_err(|e| e.to_string())?,
        );
        d.set_findings(&a.findings, &b.findings);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_availability_report_progress_and_results() {
        let toml = hostplan::examples::SEED.to_owned();
        let mut seen = Vec::new();
        let r = run(&Request::Pairs { text: toml.clone() }, &mut |p| {
            seen.push(p);
        });
        let Response::Done { result } = r else {
            panic!("{r:?}")
        };
        assert!(result["pairs"].is_array());
        assert_eq!(seen.last(), Some(&1.0));
        let mut seen = Vec::new();
        let r = run(
            &Request::Availability {
                text: toml,
                samples: 2000,
                monte_carlo: true,
            },
            &mut |p| seen.push(p),
        );
        let Response::Done { result } = r else {
            panic!("{r:?}")
        };
        assert_eq!(result[0]["method"], "monte-carlo");
        assert!(
            seen.len() > 2 && seen.windows(2).all(|w| w[0] <= w[1]),
            "{seen:?}"
        );
        let msg = serde_json::to_string(&Request::Pairs { text: "x".into() }).unwrap();
        assert_eq!(
            serde_json::from_str::<Request>(&msg).unwrap(),
            Request::Pairs { text: "x".into() }
        );
        assert!(matches!(
            run(&Request::Pairs { text: "[[".into() }, &mut |_| {}),
            Response::Failed { .. }
        ));
    }

    fn answer<T: serde::de::DeserializeOwned>(req: &Request) -> T {
        let r = run(req, &mut |_| {});
        let Response::Json { json } = r else {
            panic!("{r:?}")
        };
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn policies_evaluate_in_the_worker_and_come_back_whole() {
        let mut t = hostplan::examples::seed().unwrap();
        t.vms[0].balloon_mib = Some(16384);
        let toml = toml::to_string(&t).unwrap();
        let req = |user: Vec<(String, String)>| Request::Policies {
            text: toml.clone(),
            user,
            today: "2026-11-26".into(),
            rev: 7,
            version: 2,
        };
        let a: PolicyAnswer = answer(&req(Vec::new()));
        assert_eq!((a.rev, a.version), (7, 2));
        let e = a.evaluation.unwrap();
        assert!(e.findings.iter().any(|f| f.rule == "PT-10"));
        // The same evaluation as the CLI's.
        let facts = hostplan::policy::facts::facts(&t);
        let direct = RuleBook::builtin()
            .evaluate(&facts, &t.waivers, "2026-11-26", Limits::default())
            .unwrap();
        assert_eq!(e, direct);
        // A user file that does not parse is a located syntax error, not a panic, both when
        // loading it and when evaluating with it.
        let bad = vec![("mine.rego".to_owned(), "package x\ny := [\n".to_owned())];
        let refused: Option<PolicyError> = answer(&Request::LoadPolicies { user: bad.clone() });
        assert!(
            matches!(&refused, Some(PolicyError::Syntax { file, .. }) if file == "mine.rego"),
            "{refused:?}"
        );
        let a: PolicyAnswer = answer(&req(bad));
        assert!(matches!(a.evaluation, Err(PolicyError::Syntax { .. })));
        let good = vec![(
            "mine.rego".to_owned(),
            "package hostplan.mine\nimport rego.v1\n".to_owned(),
        )];
        let loaded: Option<PolicyError> = answer(&Request::LoadPolicies { user: good });
        assert_eq!(loaded, None);
    }

    #[test]
    fn exports_imports_and_facts_come_back_as_the_core_gives_them() {
        let toml = hostplan::examples::SEED.to_owned();
        let t = hostplan::examples::seed().unwrap();
        let spec: ExportAnswer = answer(&Request::Export {
            text: toml.clone(),
            format: "mermaid".into(),
            user: Vec::new(),
            today: "2026-11-26".into(),
        });
        let book = RuleBook::builtin();
        let direct = hostplan::export::run(
            &t,
            hostplan::export::Format::from_name("mermaid").unwrap(),
            &hostplan::export::Options::new(&book, "2026-11-26"),
        )
        .unwrap();
        assert_eq!(spec, Ok((direct.files, direct.notes)));
        let unknown: ExportAnswer = answer(&Request::Export {
            text: toml.clone(),
            format: "nope".into(),
            user: Vec::new(),
            today: "2026-11-26".into(),
        });
        assert!(unknown.unwrap_err().contains("nope"));
        let conf = "name: newvm\nmemory: 2048\ncores: 2\nscsi0: local-zfs:vm-900-disk-0,size=32G\n";
        let i: ImportAnswer = answer(&Request::Import {
            text: toml.clone(),
            files: vec![("900.conf".into(), conf.into())],
            format: "auto".into(),
            host: "srv01".into(),
        });
        assert_eq!(i.counts, vec!["1 VM(s)".to_owned()]);
        let m = i.merged.unwrap();
        assert!(m.added.iter().any(|a| a == "newvm"), "{:?}", m.added);
        // The merged document keeps the seed's comments and reads back with the new VM.
        assert!(m.text.contains("# 32 GB ECC RAM, critical for ARC"));
        let merged = hostplan::check("merged.toml", m.text.as_bytes());
        assert!(merged.topology.unwrap().vms.iter().any(|v| v.id == "newvm"));
        let unsure = run(
            &Request::Import {
                text: toml.clone(),
                files: vec![("x.txt".into(), "hello".into())],
                format: "auto".into(),
                host: String::new(),
            },
            &mut |_| {},
        );
        assert!(
            matches!(&unsure, Response::Failed { message } if message.contains("x.txt")),
            "{unsure:?}"
        );
        let facts: serde_json::Value = answer(&Request::Facts {
            text: serde_json::to_string(&t).unwrap(),
        });
        assert_eq!(
            facts,
            serde_json::to_value(hostplan::policy::facts::facts(&t)).unwrap()
        );
    }

    #[test]
    fn the_power_loss_plan_comes_back_whole_with_its_nut_files() {
        let t = hostplan::examples::cluster().unwrap();
        let a: PowerAnswer = answer(&Request::PowerLoss {
            text: serde_json::to_string(&t).unwrap(),
        });
        let a = a.unwrap();
        let direct =
            hostplan::ops::power::plan(&t, &[], &hostplan::sim::boot::Timing::default()).unwrap();
        assert_eq!(a.plan, direct);
        assert_eq!(a.files.len(), 6);
        assert!(a.markdown.starts_with("# Power loss: mains"));
        let seed: PowerAnswer = answer(&Request::PowerLoss {
            text: hostplan::examples::SEED.to_owned(),
        });
        let seed = seed.unwrap();
        assert!(seed.files.is_empty());
        assert_eq!(seed.notes.len(), 1);
    }

    #[test]
    fn hookscripts_need_every_address_and_are_the_cores_files() {
        let toml = hostplan::examples::SEED.to_owned();
        let none: HookscriptAnswer = answer(&Request::Hookscripts {
            text: toml.clone(),
            addresses: Vec::new(),
        });
        assert!(none.files.is_empty());
        assert_eq!(none.missing.len(), 1);
        assert_eq!(none.missing[0].0, "iscsi-k8s");
        let given: HookscriptAnswer = answer(&Request::Hookscripts {
            text: toml,
            addresses: vec![("iscsi-k8s".into(), " 10.50.0.10 ".into())],
        });
        assert!(given.missing.is_empty());
        let mut o = hostplan::ops::hookscript::Options::default();
        o.addresses.insert("iscsi-k8s".into(), "10.50.0.10".into());
        let p = hostplan::ops::hookscript::plan(
            &hostplan::examples::seed().unwrap(),
            &hostplan::sim::boot::Timing::default(),
            &o,
        );
        assert_eq!(given.files, hostplan::ops::hookscript::files(&p, "local"));
        assert_eq!(given.scripts.len(), 3);
        assert_eq!(
            given.scripts[0].qm_set,
            "qm set 201 --hookscript local:snippets/hostplan-gate-201.sh"
        );
    }

    #[test]
    fn the_boot_timeline_and_its_suggestion_are_the_cores_with_the_applied_text() {
        use hostplan::sim::boot::{simulate, suggest, Scenario, Timing};
        let t = hostplan::examples::seed().unwrap();
        let a: Result<BootAnswer, String> = answer(&Request::Boot {
            text: hostplan::examples::SEED.to_owned(),
            scenario: "reboot:srv01".into(),
        });
        let a = a.unwrap();
        let timing = Timing::default();
        let reboot = Scenario::Reboot("srv01".into());
        assert_eq!(a.timeline, simulate(&t, &reboot, &timing));
        let s = suggest(&t, &timing);
        assert_eq!(a.suggested, simulate(&s.topology, &reboot, &timing));
        assert_eq!(a.suggestion.changes, s.changes);
        assert!(!s.changes.is_empty());
        // The suggestion written into the seed's text: its comments kept, its model the
        // suggestion's.
        let applied = a.applied.unwrap();
        assert!(applied.contains("# 32 GB ECC RAM, critical for ARC"));
        let read = hostplan::check("seed.toml", applied.as_bytes());
        assert_eq!(read.topology.unwrap(), s.topology);
        // A host that does not exist is the timeline's own refusal, not a failed job.
        let a: Result<BootAnswer, String> = answer(&Request::Boot {
            text: hostplan::examples::SEED.to_owned(),
            scenario: "reboot:nope".into(),
        });
        assert_eq!(
            a.unwrap().timeline,
            simulate(&t, &Scenario::Reboot("nope".into()), &timing)
        );
    }

    #[test]
    fn maintenance_outages_moves_comparisons_and_n1_come_back_as_the_core_gives_them() {
        use hostplan::sim::boot::Timing;
        let t = hostplan::examples::seed().unwrap();
        let text = hostplan::examples::SEED.to_owned();
        let m: MaintainAnswer = answer(&Request::Maintain {
            text: text.clone(),
            host: "srv01".into(),
            shutdown: false,
        });
        let m = m.unwrap();
        let direct = hostplan::ops::maintain::plan(
            &t,
            "srv01",
            hostplan::ops::maintain::Mode::Reboot,
            &Timing::default(),
        )
        .unwrap();
        assert_eq!(m.markdown, hostplan::ops::render::plan_markdown(&direct));
        assert_eq!(m.plan, direct);
        assert!(m.script.starts_with("#!"), "{}", &m.script[..40]);
        let unknown: MaintainAnswer = answer(&Request::Maintain {
            text: text.clone(),
            host: "srv99".into(),
            shutdown: true,
        });
        assert!(unknown.unwrap_err().contains("srv99"));
        let o: OutageAnswer = answer(&Request::Outage {
            text: text.clone(),
            target: "truenas".into(),
            seconds: Some(300),
        });
        let direct =
            hostplan::ops::outage::simulate(&t, "truenas", Some(300), &Timing::default()).unwrap();
        assert_eq!(o.unwrap(), direct);
        let mv: MoveAnswer = answer(&Request::Move {
            text: text.clone(),
            device: "hba0".into(),
            to: "nas02".into(),
        });
        let mv = mv.unwrap();
        let request = hostplan::sim::recover::MoveRequest {
            device: "hba0".into(),
            to: "nas02".into(),
            new_host_kind: hostplan::model::HostKind::BareMetal,
            address: None,
        };
        let direct = hostplan::sim::recover::plan_move(&t, &request).unwrap();
        let read = hostplan::check("moved.toml", mv.text.as_bytes());
        assert_eq!(read.topology.as_ref(), Some(&direct.topology));
        assert_eq!(mv.plan.changes, direct.changes);
        let c: CompareAnswer = answer(&Request::Compare {
            text: text.clone(),
            example: "roadmap-bare-metal.toml".into(),
        });
        let other = hostplan::examples::ALL
            .iter()
            .find(|(n, _)| *n == "roadmap-bare-metal.toml")
            .unwrap()
            .1;
        let other = hostplan::check("o.toml", other.as_bytes())
            .topology
            .unwrap();
        assert_eq!(
            c.unwrap(),
            hostplan::sim::recover::compare(&t, &other).unwrap()
        );
        let none: CompareAnswer = answer(&Request::Compare {
            text: text.clone(),
            example: "nope.toml".into(),
        });
        assert!(none.unwrap_err().contains("nope.toml"));
        let n1: SpofAnswer = answer(&Request::Spof { text });
        assert_eq!(
            n1.unwrap(),
            hostplan::sim::spof::analyse(&t, false).unwrap()
        );
    }

    #[test]
    fn a_json_document_is_read_as_json_and_edited_as_its_toml() {
        let t = hostplan::examples::seed().unwrap();
        let json = serde_json::to_string_pretty(&t).unwrap();
        // Opened: the model, and its TOML form for the page to edit.
        let c: Checked = answer(&Request::Check {
            name: "seed.json".into(),
            text: json.clone(),
        });
        assert_eq!(c.topology.as_ref(), Some(&t));
        let toml = c.toml.unwrap();
        assert_eq!(
            hostplan::check("s.toml", toml.as_bytes()).topology,
            Some(t.clone())
        );
        let toml_file: Checked = answer(&Request::Check {
            name: "seed.toml".into(),
            text: hostplan::examples::SEED.into(),
        });
        assert_eq!(toml_file.toml, None);
        // Any request reads the document as JSON too, and a change to it comes back as TOML.
        let mut after = t.clone();
        after.vms[0].cores += 1;
        let changed = changed_text(&json, &t, &after).unwrap();
        assert!(!changed.trim_start().starts_with('{'));
        assert_eq!(
            hostplan::check("c.toml", changed.as_bytes()).topology,
            Some(after)
        );
        let n1: SpofAnswer = answer(&Request::Spof { text: json });
        assert!(n1.is_ok());
    }
}
