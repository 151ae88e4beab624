//! Long analyses run off the UI thread: the messages between the page and its Web Worker, and
//! the work itself (pure, so it is tested natively). Messages are JSON strings.

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
        Request::Pairs { toml } | Request::Availability { toml, .. } => toml,
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
}
