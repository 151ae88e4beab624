//! Pure application state and its reducer: no browser calls, testable with plain `#[test]`.

use hostplan::diag::Diagnostic;
use hostplan::model::Topology;
use std::rc::Rc;
use yew::Reducible;

/// A topology currently shown, with what validation said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// File name shown in diagnostics.
    pub name: String,
    /// The file's text (for snippets).
    pub text: String,
    /// The model.
    pub topology: Topology,
    /// Validation diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file that could not be read as a topology; the current one stays.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// File name.
    pub name: String,
    /// Why.
    pub diagnostics: Vec<Diagnostic>,
}

/// The whole UI state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// What is shown.
    pub current: Loaded,
    /// What was shown before the last successful open (one step back).
    pub previous: Option<Loaded>,
    /// The last file that could not be opened.
    pub rejected: Option<Rejected>,
    /// Selected component id.
    pub selected: Option<String>,
}

/// Everything a user can do in this first cut.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a file (bytes as read from disk, or a built-in example).
    Open {
        /// File name.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Go back to the topology shown before the last open.
    RestorePrevious,
    /// Dismiss the "could not open" banner.
    DismissRejected,
    /// Select (or with `None` clear) a component.
    Select(Option<String>),
}

impl State {
    /// The state on first load: the built-in seed.
    pub fn initial() -> Self {
        let current =
            read("seed.toml", hostplan::examples::SEED.as_bytes()).unwrap_or_else(|r| Loaded {
                name: r.name,
                text: String::new(),
                topology: Topology::default(),
                diagnostics: r.diagnostics,
            });
        Self {
            current,
            previous: None,
            rejected: None,
            selected: None,
        }
    }
}

/// Read and validate; `Err` when the bytes are not a usable topology.
pub fn read(name: &str, bytes: &[u8]) -> Result<Loaded, Rejected> {
    let report = hostplan::check(name, bytes);
    match report.topology {
        Some(topology) => Ok(Loaded {
            name: name.to_owned(),
            text: report.source.text,
            topology,
            diagnostics: report.diagnostics,
        }),
        None => Err(Rejected {
            name: name.to_owned(),
            diagnostics: report.diagnostics,
        }),
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Open { name, bytes } => match read(&name, &bytes) {
                Ok(loaded) => {
                    next.previous = Some(std::mem::replace(&mut next.current, loaded));
                    next.rejected = None;
                    next.selected = None;
                }
                // A file that is not a topology never replaces the user's work.
                Err(rejected) => next.rejected = Some(rejected),
            },
            Action::RestorePrevious => {
                if let Some(prev) = next.previous.take() {
                    next.current = prev;
                    next.selected = None;
                }
            }
            Action::DismissRejected => next.rejected = None,
            Action::Select(id) => next.selected = id,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(state: Rc<State>, name: &str, text: &str) -> Rc<State> {
        state.reduce(Action::Open {
            name: name.into(),
            bytes: text.as_bytes().to_vec(),
        })
    }

    #[test]
    fn starts_on_the_seed_without_diagnostics() {
        let s = State::initial();
        assert_eq!(s.current.name, "seed.toml");
        assert!(s.current.diagnostics.is_empty());
        assert!(s.current.topology.vms.iter().any(|v| v.id == "truenas"));
    }

    #[test]
    fn an_unreadable_file_keeps_the_current_topology() {
        let s = open(Rc::new(State::initial()), "bad.toml", "[[hosts]\n");
        assert_eq!(s.current.name, "seed.toml");
        let rejected = s.rejected.as_ref().unwrap();
        assert_eq!(rejected.name, "bad.toml");
        assert_eq!(rejected.diagnostics[0].code, hostplan::diag::Code::Syntax);
    }

    #[test]
    fn a_file_with_errors_is_shown_and_the_previous_one_can_be_restored() {
        let s = open(
            Rc::new(State::initial()),
            "t.toml",
            "schema_version = 1\n[[vms]]\nid = \"a\"\nvmid = 100\nhost = \"x\"\n",
        );
        assert_eq!(s.current.name, "t.toml");
        assert_eq!(s.current.diagnostics.len(), 1);
        let s = s.reduce(Action::RestorePrevious);
        assert_eq!(s.current.name, "seed.toml");
    }
}
