//! Pure application state and its reducer: no browser calls, testable with plain `#[test]`.
//!
//! Every change to the model goes through [`Action`]s that produce a new [`Doc`] (model, its
//! TOML text and its diagnostics) and push the old one on the undo stack; a file or text that
//! cannot be read as a topology never replaces the current one.
//!
//! Documents are immutable snapshots behind `Rc`, and the undo and redo stacks are shared
//! between states until one of them changes: `reduce` copies a `State` for every action (a
//! selection, a simulated failure), and that copy must not cost a copy of the document or of
//! up to [`UNDO_DEPTH`] earlier versions.

use hostplan::diag::Diagnostic;
use hostplan::model::Topology;
use std::collections::VecDeque;
use std::rc::Rc;
use yew::Reducible;

/// How many edits can be undone.
const UNDO_DEPTH: usize = 200;

/// A topology currently shown, with what validation said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// File name shown in diagnostics.
    pub name: String,
    /// The TOML text (what the text view shows and diagnostics point into).
    pub text: String,
    /// The model.
    pub topology: Topology,
    /// Validation diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file or text that could not be read as a topology; the current one stays.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// File name.
    pub name: String,
    /// Why.
    pub diagnostics: Vec<Diagnostic>,
}

/// Versions of the document, most recent last: cloning one shares it (and every document in
/// it); only a push or pop copies the list of pointers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History(Rc<VecDeque<Rc<Doc>>>);

impl History {
    /// No versions.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[cfg(test)]
    fn last(&self) -> Option<&Rc<Doc>> {
        self.0.back()
    }

    /// Add a version, forgetting the oldest beyond [`UNDO_DEPTH`].
    fn push(&mut self, doc: Rc<Doc>) {
        let docs = Rc::make_mut(&mut self.0);
        docs.push_back(doc);
        if docs.len() > UNDO_DEPTH {
            docs.pop_front();
        }
    }

    fn pop(&mut self) -> Option<Rc<Doc>> {
        // Checked first so that popping an empty history does not unshare it.
        if self.0.is_empty() {
            return None;
        }
        Rc::make_mut(&mut self.0).pop_back()
    }

    /// Forget every version.
    pub fn clear(&mut self) {
        if !self.0.is_empty() {
            self.0 = Rc::default();
        }
    }

    /// Shares its list with `other` (no copy was made between them).
    #[cfg(test)]
    fn shares(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The whole UI state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// What is shown.
    pub current: Rc<Doc>,
    /// Earlier versions, most recent last (at most [`UNDO_DEPTH`]).
    pub undo: History,
    /// Undone versions, most recent last.
    pub redo: History,
    /// The last file or text that could not be read.
    pub rejected: Option<Rejected>,
    /// Selected component id.
    pub selected: Option<String>,
    /// Components failed in the simulation.
    pub failed: Vec<String>,
    /// Hosts rebooting in the simulation.
    pub rebooting: Vec<String>,
    /// Bumped on every model change (a cheap key for memoised analyses).
    pub revision: u64,
    /// The document as last opened (a file, an example, the autosave or a share link): what
    /// the before/after panel compares with until the user sets a baseline.
    pub opened: Rc<Doc>,
}

/// Everything a user can do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a file (bytes as read from disk, a built-in example, autosave or a share link).
    Open {
        /// File name.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// Replace the model (a form edit, a waiver, an applied suggestion, a merged import).
    Edit(Box<Topology>),
    /// Replace the model from the text view's TOML.
    EditText(String),
    /// Step back one change.
    Undo,
    /// Step forward again.
    Redo,
    /// Dismiss the "could not open" banner.
    DismissRejected,
    /// Select (or with `None` clear) a component.
    Select(Option<String>),
    /// Fail a component in the simulation, or bring it back.
    ToggleFailed(String),
    /// Set the simulated failures and reboots at once (presets).
    Simulate {
        /// Failed components.
        failed: Vec<String>,
        /// Rebooting hosts.
        rebooting: Vec<String>,
    },
}

impl State {
    /// The state on first load: the built-in seed.
    pub fn initial() -> Self {
        let current =
            read("seed.toml", hostplan::examples::SEED.as_bytes()).unwrap_or_else(|r| Doc {
                name: r.name,
                text: String::new(),
                topology: Topology::default(),
                diagnostics: r.diagnostics,
            });
        let current = Rc::new(current);
        Self {
            opened: current.clone(),
            current,
            undo: History::default(),
            redo: History::default(),
            rejected: None,
            selected: None,
            failed: Vec::new(),
            rebooting: Vec::new(),
            revision: 0,
        }
    }

    fn replace(&mut self, doc: Doc) {
        let old = std::mem::replace(&mut self.current, Rc::new(doc));
        self.undo.push(old);
        self.redo.clear();
        self.rejected = None;
        self.revision += 1;
        self.forget_missing();
    }

    /// One step back (`undo`) or forward: the current version goes on the other stack.
    fn travel(&mut self, back: bool) {
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        if let Some(doc) = from.pop() {
            to.push(std::mem::replace(&mut self.current, doc));
            self.revision += 1;
            self.forget_missing();
        }
    }

    /// Drop a selection or simulated failure whose component no longer exists.
    fn forget_missing(&mut self) {
        let lookup = hostplan::resolve::Lookup::new(&self.current.topology);
        let exists = |id: &str| lookup.get(id).is_some();
        if self.selected.as_deref().is_some_and(|s| !exists(s)) {
            self.selected = None;
        }
        self.failed.retain(|f| exists(f));
        self.rebooting.retain(|h| exists(h));
    }
}

/// Read and validate; `Err` when the bytes are not a usable topology.
pub fn read(name: &str, bytes: &[u8]) -> Result<Doc, Rejected> {
    let report = hostplan::check(name, bytes);
    match report.topology {
        Some(topology) => Ok(Doc {
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

/// A model as a document: serialised to TOML and checked, so diagnostics point into the text
/// the text view shows.
pub fn doc_of(name: &str, t: &Topology) -> Doc {
    let text = toml::to_string(t).unwrap_or_default();
    match read(name, text.as_bytes()) {
        Ok(doc) => doc,
        // Serialising a model always gives readable TOML; keep the model if it ever does not.
        Err(r) => Doc {
            name: name.to_owned(),
            text,
            topology: t.clone(),
            diagnostics: r.diagnostics,
        },
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // Shallow: the document and both histories are shared (see [`History`]).
        let mut next = (*self).clone();
        match action {
            Action::Open { name, bytes } => match read(&name, &bytes) {
                Ok(doc) => {
                    next.replace(doc);
                    next.opened = next.current.clone();
                    next.selected = None;
                    next.failed.clear();
                    next.rebooting.clear();
                }
                // A file that is not a topology never replaces the user's work.
                Err(rejected) => next.rejected = Some(rejected),
            },
            Action::Edit(t) => {
                let doc = doc_of(&next.current.name, &t);
                next.replace(doc);
            }
            Action::EditText(text) => match read(&next.current.name, text.as_bytes()) {
                Ok(doc) => next.replace(doc),
                Err(rejected) => next.rejected = Some(rejected),
            },
            Action::Undo => next.travel(true),
            Action::Redo => next.travel(false),
            Action::DismissRejected => next.rejected = None,
            Action::Select(id) => next.selected = id,
            Action::ToggleFailed(id) => {
                if let Some(i) = next.failed.iter().position(|f| *f == id) {
                    next.failed.remove(i);
                } else {
                    next.failed.push(id);
                }
            }
            Action::Simulate { failed, rebooting } => {
                next.failed = failed;
                next.rebooting = rebooting;
            }
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
        let s = s.reduce(Action::EditText("[[vms]\n".into()));
        assert_eq!(s.current.name, "seed.toml");
        assert!(s.rejected.is_some());
    }

    #[test]
    fn a_file_with_errors_is_shown_and_undo_restores_the_previous_one() {
        let s = open(
            Rc::new(State::initial()),
            "t.toml",
            "schema_version = 1\n[[vms]]\nid = \"a\"\nvmid = 100\nhost = \"x\"\n",
        );
        assert_eq!(s.current.name, "t.toml");
        assert_eq!(s.current.diagnostics.len(), 1);
        let s = s.reduce(Action::Undo);
        assert_eq!(s.current.name, "seed.toml");
        let s = s.reduce(Action::Redo);
        assert_eq!(s.current.name, "t.toml");
    }

    #[test]
    fn edits_revalidate_and_undo_redo_walks_them() {
        let s = Rc::new(State::initial());
        let mut t = s.current.topology.clone();
        t.vms[0].host = "nowhere".into();
        let s = s.reduce(Action::Edit(Box::new(t)));
        let unknown = |s: &State| {
            s.current.diagnostics.iter().any(|d| {
                d.code == hostplan::diag::Code::UnknownReference
                    && d.path.to_string() == "vms[0].host"
            })
        };
        assert!(unknown(&s), "{:?}", s.current.diagnostics);
        assert!(s.current.text.contains("host = \"nowhere\""));
        let s = s.reduce(Action::Undo);
        assert!(s.current.diagnostics.is_empty());
        let s = s.reduce(Action::Redo);
        assert!(unknown(&s));
    }

    #[test]
    fn deleting_a_failed_component_forgets_the_failure() {
        let s = Rc::new(State::initial()).reduce(Action::ToggleFailed("hba0".into()));
        assert_eq!(s.failed, ["hba0"]);
        let mut t = s.current.topology.clone();
        t.disks.retain(|d| d.controller != "hba0");
        t.pools.clear();
        t.services.clear();
        t.consumers.clear();
        t.devices.retain(|d| d.id != "hba0");
        for vm in &mut t.vms {
            vm.hostpci.retain(|h| h.device.as_deref() != Some("hba0"));
        }
        t.mappings.retain(|m| m.id != "HBA");
        let s = s.reduce(Action::Edit(Box::new(t)));
        assert!(s.failed.is_empty());
    }

    #[test]
    fn a_selection_copies_neither_the_document_nor_the_history() {
        let mut t = State::initial().current.topology.clone();
        t.vms[0].cores += 1;
        let edited = Rc::new(State::initial()).reduce(Action::Edit(Box::new(t)));
        let selected = edited
            .clone()
            .reduce(Action::Select(Some("truenas".into())));
        assert_eq!(selected.selected.as_deref(), Some("truenas"));
        assert!(Rc::ptr_eq(&edited.current, &selected.current));
        assert!(edited.undo.shares(&selected.undo));
        assert!(edited.redo.shares(&selected.redo));
        let failed = selected.clone().reduce(Action::ToggleFailed("hba0".into()));
        assert!(Rc::ptr_eq(&selected.current, &failed.current));
        assert!(selected.undo.shares(&failed.undo));
    }

    #[test]
    fn undo_and_redo_move_the_same_snapshots_without_copying_them() {
        let start = Rc::new(State::initial());
        let first = start.current.clone();
        let mut t = first.topology.clone();
        t.vms[0].cores += 1;
        let edited = start.reduce(Action::Edit(Box::new(t)));
        let second = edited.current.clone();
        assert!(Rc::ptr_eq(edited.undo.last().unwrap(), &first));
        let undone = edited.reduce(Action::Undo);
        assert!(Rc::ptr_eq(&undone.current, &first));
        assert!(Rc::ptr_eq(undone.redo.last().unwrap(), &second));
        assert!(undone.undo.is_empty());
        let redone = undone.reduce(Action::Redo);
        assert!(Rc::ptr_eq(&redone.current, &second));
        assert!(redone.redo.is_empty());
        // Undo with nothing to undo changes nothing (and bumps no revision).
        let again = Rc::new(State::initial());
        let rev = again.revision;
        assert_eq!(again.reduce(Action::Undo).revision, rev);
    }

    #[test]
    fn the_history_keeps_the_last_two_hundred_versions_and_an_edit_clears_redo() {
        let text = |i: usize| format!("schema_version = 1\n[[hosts]]\nid = \"h{i}\"\n");
        let mut s = Rc::new(State::initial());
        for i in 0..=UNDO_DEPTH {
            s = s.reduce(Action::EditText(text(i)));
        }
        assert_eq!(s.undo.len(), UNDO_DEPTH);
        // The seed (the oldest) fell off: the oldest kept is the first edit.
        for _ in 0..UNDO_DEPTH {
            s = s.reduce(Action::Undo);
        }
        assert_eq!(s.current.text, text(0));
        assert!(s.undo.is_empty());
        assert_eq!(s.redo.len(), UNDO_DEPTH);
        let s = s.reduce(Action::Redo).reduce(Action::EditText(text(999)));
        assert!(s.redo.is_empty());
        assert_eq!(s.undo.len(), 2);
    }
}
