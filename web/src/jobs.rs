//! Long analyses run off the UI thread: the messages between the page and its Web Worker, and
//! the work itself (pure, so it is tested natively). Messages are JSON strings.

use hostplan::policy::{Limits, PolicyFile, Prepared, RuleBook};
use serde::{Deserialize, Serialize};

/// What the page asks the worker to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "kebab-case")]
pub enum Request {
    /// The N-2 analysis (critical pairs).
    Pairs {
        /// The topology as TOML.
        toml: String,
    },
    /// Availability per service by Monte Carlo (exact where the core can).
    Availability {
        /// The topology as TOML.
        toml: String,
        /// Samples per service.
        samples: u32,
        /// Always sample, even where the exact method applies.
        monte_carlo: bool,
    },
    /// The policy review of a large topology (regorus takes seconds on a thousand hosts: on
    /// the page it would freeze it). The result is `{rev, version, evaluation}`.
    Policies {
        /// The topology as TOML.
        toml: String,
        /// The user's policy files, `(path, text)`.
        user: Vec<(String, String)>,
        /// Today (`YYYY-MM-DD`), for waiver expiry.
        today: String,
        /// The page's model revision, echoed back.
        rev: u64,
        /// The page's rule-book version, echoed back.
        version: u64,
    },
}

thread_local! {
    /// The rule book prepared for the user files it was built with: a worker evaluates many
    /// revisions of one site, and preparing the book costs more than a small evaluation.
    static PREPARED: std::cell::RefCell<Option<(Vec<PolicyFile>, Prepared)>> =
        const { std::cell::RefCell::new(None) };
}

/// Evaluate the rule book (built in plus `user`) on `t`, reusing the prepared book.
fn evaluate(
    t: &hostplan::model::Topology,
    user: &[(String, String)],
    today: &str,
) -> Result<hostplan::policy::Evaluation, String> {
    let files: Vec<PolicyFile> = user
        .iter()
        .map(|(path, text)| PolicyFile {
            path: path.clone(),
            text: text.clone(),
        })
        .collect();
    let facts = hostplan::policy::facts::facts(t);
    PREPARED.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(f, _)| *f != files) {
            let book = RuleBook::builtin().with(files.clone());
            let prepared = book.prepare(Limits::default()).map_err(|e| e.to_string())?;
            *cell = Some((files, prepared));
        }
        match cell.as_mut() {
            Some((_, p)) => p
                .evaluate(&facts, &t.waivers, today)
                .map_err(|e| e.to_string()),
            None => Err("no rule book".to_owned()),
        }
    })
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
    /// Why the job failed.
    Failed {
        /// The message.
        message: String,
    },
}

/// Run a job, reporting progress through `progress`.
pub fn run(req: &Request, progress: &mut dyn FnMut(f64)) -> Response {
    let toml = match req {
        Request::Pairs { toml }
        | Request::Availability { toml, .. }
        | Request::Policies { toml, .. } => toml,
    };
    let Some(t) = hostplan::check("topology.toml", toml.as_bytes()).topology else {
        return Response::Failed {
            message: "the topology could not be read".into(),
        };
    };
    let result = match req {
        Request::Pairs { .. } => hostplan::sim::spof::analyse_with_progress(&t, true, progress)
            .map(|r| serde_json::to_value(r).unwrap_or_default()),
        Request::Availability {
            samples,
            monte_carlo,
            ..
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
            hostplan::sim::availability::analyse_with_progress(&t, &opts, progress)
                .map(|r| serde_json::to_value(r).unwrap_or_default())
        }
        Request::Policies {
            user,
            today,
            rev,
            version,
            ..
        } => {
            return match evaluate(&t, user, today) {
                Ok(e) => Response::Done {
                    result: serde_json::json!({ "rev": rev, "version": version, "evaluation": e }),
                },
                Err(message) => Response::Failed { message },
            };
        }
    };
    progress(1.0);
    match result {
        Ok(result) => Response::Done { result },
        Err(e) => Response::Failed {
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_availability_report_progress_and_results() {
        let toml = hostplan::examples::SEED.to_owned();
        let mut seen = Vec::new();
        let r = run(&Request::Pairs { toml: toml.clone() }, &mut |p| {
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
                toml,
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
        let msg = serde_json::to_string(&Request::Pairs { toml: "x".into() }).unwrap();
        assert_eq!(
            serde_json::from_str::<Request>(&msg).unwrap(),
            Request::Pairs { toml: "x".into() }
        );
        assert!(matches!(
            run(&Request::Pairs { toml: "[[".into() }, &mut |_| {}),
            Response::Failed { .. }
        ));
    }

    #[test]
    fn policies_evaluate_in_the_worker_and_come_back_whole() {
        let mut t = hostplan::examples::seed().unwrap();
        t.vms[0].balloon_mib = Some(16384);
        let toml = toml::to_string(&t).unwrap();
        let req = |user: Vec<(String, String)>| Request::Policies {
            toml: toml.clone(),
            user,
            today: "2026-11-26".into(),
            rev: 7,
            version: 2,
        };
        let Response::Done { result } = run(&req(Vec::new()), &mut |_| {}) else {
            panic!()
        };
        assert_eq!(result["rev"], 7);
        let e: hostplan::policy::Evaluation =
            serde_json::from_value(result["evaluation"].clone()).unwrap();
        assert!(e.findings.iter().any(|f| f.rule == "PT-10"));
        // The same evaluation as on the page.
        let facts = hostplan::policy::facts::facts(&t);
        let direct = RuleBook::builtin()
            .evaluate(&facts, &t.waivers, "2026-11-26", Limits::default())
            .unwrap();
        assert_eq!(e, direct);
        // A user file that does not parse is an error, not a panic.
        let bad = vec![("mine.rego".to_owned(), "package x\ny := [\n".to_owned())];
        assert!(matches!(
            run(&req(bad), &mut |_| {}),
            Response::Failed { .. }
        ));
    }
}
