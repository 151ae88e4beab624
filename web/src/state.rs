//! Pure application state and its reducer: no browser calls, testable with plain `#[test]`.
//!
//! Every change to the model goes through [`Action`]s that produce a new [`Doc`] (model, its
//! TOML text and its diagnostics) and push the old one on the undo stack; a file or text that
//! cannot be read as a topology never replaces the current one.
//!
//! Form edits ([`Action::Set`], [`Action::Append`]) edit the TOML text in place through the
//! core's [`hostplan::document`] and read it back: the user's comments and layout survive and
//! no default is written that they did not set. A rename of the selected entity moves the
//! selection with it.
//!
//! Documents are immutable snapshots behind `Rc`, and the undo and redo stacks are shared
//! between states until one of them changes: `reduce` copies a `State` for every action (a
//! selection, a simulated failure), and that copy must not cost a copy of the document or of
//! up to [`UNDO_DEPTH`] earlier versions.

use hostplan::diag::{DataPath, Diagnostic, Segment};
use hostplan::model::section::Section;
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
    /// The model (shared: the views hold it without copying a large site's model per edit).
    pub topology: Rc<Topology>,
    /// Validation diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// For a document read from JSON, its model as TOML (written by the worker): what an edit
    /// changes in place, the page carrying no serialiser of the model.
    pub toml: Option<Rc<str>>,
}

/// A file or text that could not be read as a topology; the current one stays.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// File name.
    pub name: String,
    /// Why.
    pub diagnostics: Vec<Diagnostic>,
    /// It came from the text view's "Apply" (which shows it next to the text), not from
    /// opening a file (the "could not open" banner).
    pub from_text: bool,
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
    /// Bumped on every model change that may change what the dependency graph is built from:
    /// a form edit of a value neither validation nor the graph reads (a VM's memory, a host's
    /// RAM: `hostplan::validate::scope`) keeps it, so the views keep the graph too (at a
    /// thousand hosts, building it again was a large part of such an edit).
    pub structure: u64,
    /// The document as last opened (a file, an example, the autosave or a share link): what
    /// the before/after panel compares with until the user sets a baseline.
    pub opened: Rc<Doc>,
    /// Why the last form edit was not applied (cleared by the next one that is).
    pub edit_error: Option<String>,
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
    /// A file the worker read and validated ([`crate::jobs::Request::Check`]): opened as
    /// [`Action::Open`] opens it, without the page's thread parsing it.
    Read(Box<Result<Doc, Rejected>>),
    /// An autosave the worker read (a JSON file's: the page reads only TOML): opened as
    /// [`Action::Read`] opens a file, but restoring is not an edit, so there is nothing to undo.
    Restored(Box<Result<Doc, Rejected>>),
    /// Replace the document with a whole-model change the worker wrote into its text (an
    /// applied suggestion, an adopted move, a merged import): the new TOML text.
    Edit(String),
    /// Replace the model from the text view's TOML.
    EditText(String),
    /// The text view's JSON, read by the worker (the page reads only TOML): taken as
    /// [`Action::EditText`] takes its text.
    TextRead(Box<Result<Doc, Rejected>>),
    /// Set (`Some`) or remove (`None`) the value at a data path, in the text.
    Set {
        /// The data path (`vms[0].memory_mib`; `vms[3]` removes an entry).
        path: String,
        /// The new value.
        value: Option<serde_json::Value>,
    },
    /// Append entries to their sections (a new entity, a cloned host) and select one.
    Append {
        /// The entries, by section.
        items: Vec<(Section, serde_json::Value)>,
        /// What to select afterwards.
        select: Option<String>,
    },
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
                topology: Rc::default(),
                diagnostics: r.diagnostics,
                toml: None,
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
            structure: 0,
            edit_error: None,
        }
    }

    /// Take `text` (the current document edited) as the new version, or keep the current one
    /// and say why.
    fn take_text(
        &mut self,
        text: Result<String, hostplan::document::EditError>,
        what: &str,
    ) -> bool {
        // A JSON file edited as TOML is named as what it now is.
        let name = if self.current.text.trim_start().starts_with('{') {
            format!("{}.toml", self.current.name.trim_end_matches(".json"))
        } else {
            self.current.name.clone()
        };
        let read = text
            .map_err(|e| e.to_string())
            .and_then(|text| read(&name, text.as_bytes()).map_err(|r| refusal(&r.diagnostics)));
        self.take(read, what)
    }

    /// Take `doc` as the new version, or keep the current one and say why (`what` failed).
    fn take(&mut self, doc: Result<Doc, String>, what: &str) -> bool {
        match doc {
            Ok(doc) => {
                self.replace(doc);
                self.edit_error = None;
                true
            }
            Err(e) => {
                self.edit_error = Some(format!("{what}: {e}"));
                false
            }
        }
    }

    /// Set (`Some`) or remove (`None`) the value at `path`: in the text in place, read again
    /// entry-wise when the edit stays inside one entry of a TOML file
    /// ([`hostplan::check_edit_toml`]: only that entry is parsed, and validation runs only when the
    /// field is one it reads), as a whole otherwise.
    fn set(&mut self, path: &DataPath, value: Option<&serde_json::Value>, what: &str) -> bool {
        let structure = self.structure;
        let applied = self.set_value(path, value, what);
        if applied && !changes_structure(path) {
            self.structure = structure;
        }
        applied
    }

    /// [`State::set`] without the bookkeeping of [`State::structure`].
    fn set_value(
        &mut self,
        path: &DataPath,
        value: Option<&serde_json::Value>,
        what: &str,
    ) -> bool {
        if self.current.text.trim_start().starts_with('{') {
            let text = hostplan::document::set(self.toml_text(), path, value);
            return self.take_text(text, what);
        }
        let doc = &self.current;
        let current = hostplan::Current {
            name: &doc.name,
            text: &doc.text,
            topology: &doc.topology,
            diagnostics: &doc.diagnostics,
        };
        let read = hostplan::check_edit_toml(current, path, value)
            .map_err(|e| e.to_string())
            .and_then(|report| {
                doc_of_report(&doc.name, report).map_err(|r| refusal(&r.diagnostics))
            });
        self.take(read, what)
    }

    /// The current text as TOML to edit in place: a file opened as JSON is edited as the
    /// model's TOML the worker wrote when it read it (the text view shows TOML from then on).
    fn toml_text(&self) -> &str {
        self.current
            .toml
            .as_deref()
            .unwrap_or(self.current.text.as_str())
    }

    /// The id `path` renames, when it is an entry's `id`: `vms[2].id` → the third VM's id.
    fn renamed_id(&self, path: &DataPath) -> Option<String> {
        let [Segment::Key(section), Segment::Index(i), Segment::Key(field)] = path.0.as_slice()
        else {
            return None;
        };
        if field != "id" {
            return None;
        }
        Section::from_key(section)?
            .id_at(&self.current.topology, *i as usize)
            .map(str::to_owned)
    }

    fn replace(&mut self, doc: Doc) {
        let old = std::mem::replace(&mut self.current, Rc::new(doc));
        self.undo.push(old);
        self.redo.clear();
        self.rejected = None;
        self.revision += 1;
        self.structure += 1;
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
            self.structure += 1;
            self.forget_missing();
        }
    }

    /// The text view's text read: the new version, or the current one kept and why not
    /// (shown next to the text).
    fn take_from_text(&mut self, read: Result<Doc, Rejected>) {
        match read {
            Ok(doc) => self.replace(doc),
            Err(rejected) => {
                self.rejected = Some(Rejected {
                    from_text: true,
                    ..rejected
                });
            }
        }
    }

    /// Show an opened file's document, or keep the current one and say why not.
    fn open(&mut self, read: Result<Doc, Rejected>) {
        match read {
            Ok(doc) => {
                self.replace(doc);
                self.opened = self.current.clone();
                self.selected = None;
                self.failed.clear();
                self.rebooting.clear();
            }
            // A file that is not a topology never replaces the user's work.
            Err(rejected) => self.rejected = Some(rejected),
        }
    }

    /// Drop a selection or simulated failure whose component no longer exists.
    fn forget_missing(&mut self) {
        if self.selected.is_none() && self.failed.is_empty() && self.rebooting.is_empty() {
            return;
        }
        let t = &*self.current.topology;
        // A scan, not a `Lookup`: a large site's every edit would build one for a few ids.
        let in_sections = |id: &str, mappings: bool| {
            Section::ALL
                .into_iter()
                .filter(|s| s.is_entity() || (mappings && *s == Section::Mappings))
                .any(|s| s.ids(t).any(|x| x == id))
        };
        let exists = |id: &str| in_sections(id, false);
        // The site, the cluster, mappings (their own namespace) and waivers (`waivers[i]`) are selectable too.
        let selectable = |s: &str| {
            in_sections(s, true)
                || crate::edit::TABLES.iter().any(|(t, _)| *t == s)
                || s.strip_prefix("waivers[")
                    .and_then(|r| r.strip_suffix(']'))
                    .and_then(|i| i.parse::<usize>().ok())
                    .is_some_and(|i| i < t.waivers.len())
        };
        if self.selected.as_deref().is_some_and(|s| !selectable(s)) {
            self.selected = None;
        }
        self.failed.retain(|f| exists(f));
        self.rebooting.retain(|h| exists(h));
    }
}

/// Whether setting the value at `path` may change the model's structure (see
/// [`State::structure`]): anything but a value inside one entry that
/// `hostplan::validate::scope` lists as read neither by validation nor by the graph.
fn changes_structure(path: &DataPath) -> bool {
    let [Segment::Key(section), Segment::Index(_), rest @ ..] = path.0.as_slice() else {
        return true;
    };
    if rest.is_empty() {
        return true;
    }
    Section::from_key(section).is_none_or(|s| hostplan::validate::scope::reads(s, rest))
}

/// Why an edit was refused: what reading the edited text said.
fn refusal(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Read and validate; `Err` when the bytes are not a usable topology. TOML only
/// ([`hostplan::check_toml`]): the page's wasm carries one reader of the model, and JSON
/// ([`is_json`]) is read by the worker ([`crate::jobs::Request::Check`]).
pub fn read(name: &str, bytes: &[u8]) -> Result<Doc, Rejected> {
    doc_of_report(name, hostplan::check_toml(name, bytes))
}

/// The name a document keeps once it is edited as TOML (a JSON file's: `x.json` → `x.toml`).
pub fn toml_name(name: &str) -> String {
    match name.strip_suffix(".json") {
        Some(stem) => format!("{stem}.toml"),
        None => name.to_owned(),
    }
}

/// Whether `name` with `bytes` is read as JSON: the worker reads it, not [`read`].
pub fn is_json(name: &str, bytes: &[u8]) -> bool {
    hostplan::source::Format::detect(name, bytes) == hostplan::source::Format::Json
}

/// A checked file as a document; `Err` when it is not a usable topology.
pub fn doc_of_report(name: &str, report: hostplan::Report) -> Result<Doc, Rejected> {
    match report.topology {
        Some(topology) => Ok(Doc {
            topology: Rc::new(topology),
            name: name.to_owned(),
            text: report.source.text,
            diagnostics: report.diagnostics,
            toml: None,
        }),
        None => Err(Rejected {
            name: name.to_owned(),
            diagnostics: report.diagnostics,
            from_text: false,
        }),
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // Shallow: the document and both histories are shared (see [`History`]).
        let mut next = (*self).clone();
        match action {
            Action::Open { name, bytes } => next.open(read(&name, &bytes)),
            Action::Read(read) => next.open(*read),
            Action::Restored(read) => {
                next.open(*read);
                next.undo.clear();
            }
            Action::Edit(text) => {
                next.take_text(Ok(text), "edit");
            }
            Action::EditText(text) => {
                next.take_from_text(read(&next.current.name, text.as_bytes()));
            }
            Action::TextRead(read) => next.take_from_text(*read),
            Action::Set { path, value } => {
                let data_path = DataPath::parse(&path);
                let old_id = next.renamed_id(&data_path);
                let new_id = value.as_ref().and_then(|v| v.as_str()).map(str::to_owned);
                // Select the new id before the new version drops the old one.
                let follow = old_id.is_some() && old_id == next.selected;
                let applied = if old_id.is_some() {
                    // A rename renames every entry naming the old id with it, in this one
                    // step (the whole text is read again: the edit spans entries).
                    let text = hostplan::document::rename::set_renaming(
                        next.toml_text(),
                        &next.current.topology,
                        &data_path,
                        value.as_ref(),
                    );
                    next.take_text(text, &path)
                } else {
                    next.set(&data_path, value.as_ref(), &path)
                };
                if applied && follow {
                    next.selected = new_id;
                    next.forget_missing();
                }
            }
            Action::Append { items, select } => {
                let text = hostplan::document::append(next.toml_text(), &items);
                if next.take_text(text, "add") {
                    next.selected = select;
                    next.forget_missing();
                }
            }
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

    /// A whole-model change as the worker writes it ([`crate::jobs`]).
    fn edit(s: &State, t: &Topology) -> Action {
        Action::Edit(crate::jobs::changed_text(s.toml_text(), &s.current.topology, t).unwrap())
    }

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
        let mut t = (*s.current.topology).clone();
        t.vms[0].host = "nowhere".into();
        let change = edit(&s, &t);
        let s = s.reduce(change);
        let unknown = |s: &State| {
            s.current.diagnostics.iter().any(|d| {
                d.code == hostplan::diag::Code::UnknownReference
                    && d.path.to_string() == "vms[0].host"
            })
        };
        assert!(unknown(&s), "{:?}", s.current.diagnostics);
        assert!(s.current.text.contains("host = \"nowhere\""));
        // Only that line changed: the seed's comments are all there.
        assert_eq!(
            s.current.text.lines().count(),
            hostplan::examples::SEED.lines().count()
        );
        assert!(s.current.text.contains("# 32 GB ECC RAM, critical for ARC"));
        let s = s.reduce(Action::Undo);
        assert!(s.current.diagnostics.is_empty());
        let s = s.reduce(Action::Redo);
        assert!(unknown(&s));
    }

    #[test]
    fn deleting_a_failed_component_forgets_the_failure() {
        let s = Rc::new(State::initial()).reduce(Action::ToggleFailed("hba0".into()));
        assert_eq!(s.failed, ["hba0"]);
        let mut t = (*s.current.topology).clone();
        t.disks.retain(|d| d.controller != "hba0");
        t.pools.clear();
        t.services.clear();
        t.consumers.clear();
        t.devices.retain(|d| d.id != "hba0");
        for vm in &mut t.vms {
            vm.hostpci.retain(|h| h.device.as_deref() != Some("hba0"));
        }
        t.mappings.retain(|m| m.id != "HBA");
        let change = edit(&s, &t);
        let s = s.reduce(change);
        assert!(s.failed.is_empty());
    }

    #[test]
    fn a_selection_copies_neither_the_document_nor_the_history() {
        let mut t = (*State::initial().current.topology).clone();
        t.vms[0].cores += 1;
        let edited = {
            let s = Rc::new(State::initial());
            s.clone().reduce(edit(&s, &t))
        };
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
        let mut t = (*first.topology).clone();
        t.vms[0].cores += 1;
        let edited = start.clone().reduce(edit(&start, &t));
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

    fn set(s: Rc<State>, path: &str, value: serde_json::Value) -> Rc<State> {
        s.reduce(Action::Set {
            path: path.into(),
            value: Some(value),
        })
    }

    #[test]
    fn a_form_edit_changes_one_line_of_the_text_and_keeps_its_comments() {
        let s = Rc::new(State::initial());
        let before = s.current.text.clone();
        let s = set(s, "vms[0].memory_mib", serde_json::json!(49152));
        assert_eq!(s.current.topology.vms[0].memory_mib, 49152);
        let changed: Vec<_> = before
            .lines()
            .zip(s.current.text.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [(
                "memory_mib = 32768    # 32 GB ECC RAM, critical for ARC",
                "memory_mib = 49152    # 32 GB ECC RAM, critical for ARC"
            )]
        );
        assert_eq!(before.lines().count(), s.current.text.lines().count());
        assert!(!s.current.text.contains("ha = false"));
        // Undo gives back the very text.
        assert_eq!(s.reduce(Action::Undo).current.text, before);
    }

    #[test]
    fn only_edits_that_may_change_the_graph_change_the_structure() {
        let s = Rc::new(State::initial());
        let base = s.structure;
        // A VM's memory and a host's RAM: read by neither validation nor the graph.
        let s = set(s, "vms[0].memory_mib", serde_json::json!(49152));
        let s = set(s, "hosts[0].ram_gib", serde_json::json!(512));
        assert_eq!((s.revision, s.structure), (2, base));
        assert_eq!(s.current.topology.hosts[0].ram_gib, 512);
        // The graph is the same as one built afresh.
        let edges = |t: &Topology| {
            hostplan::graph::DependencyGraph::build(t)
                .edges()
                .into_iter()
                .map(|(a, b, e)| (a.to_owned(), b.to_owned(), e))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            edges(&s.current.topology),
            edges(&State::initial().current.topology)
        );
        // Where a VM runs, an entry removed, a refused value, undo: the structure may change.
        let moved = set(s.clone(), "vms[1].host", serde_json::json!("srv01"));
        assert_eq!(moved.structure, base + 1);
        let removed = s.clone().reduce(Action::Set {
            path: "vms[3]".into(),
            value: None,
        });
        assert_eq!(removed.structure, base + 1);
        let refused = set(s.clone(), "vms[0].memory_mib", serde_json::json!("lots"));
        assert_eq!((refused.revision, refused.structure), (s.revision, base));
        assert_eq!(s.clone().reduce(Action::Undo).structure, base + 1);
    }

    #[test]
    fn a_refused_form_edit_keeps_the_model_and_says_why() {
        let s = Rc::new(State::initial());
        let rev = s.revision;
        let s = set(s, "vms[0].cores", serde_json::json!("six"));
        assert_eq!(s.revision, rev);
        let e = s.edit_error.as_deref().unwrap();
        assert!(
            e.starts_with("vms[0].cores: ") && e.contains("invalid type"),
            "{e}"
        );
        let s = set(s, "vms[0].cores", serde_json::json!(7));
        assert_eq!(s.edit_error, None);
        assert_eq!(s.current.topology.vms[0].cores, 7);
    }

    #[test]
    fn renaming_the_selection_follows_it_and_other_edits_keep_it() {
        let s = Rc::new(State::initial()).reduce(Action::Select(Some("talos-w1".into())));
        let s = set(s, "vms[2].id", serde_json::json!("talos-worker1"));
        assert_eq!(s.selected.as_deref(), Some("talos-worker1"));
        // Renaming something else leaves the selection alone.
        let s = set(s, "vms[3].id", serde_json::json!("talos-worker2"));
        assert_eq!(s.selected.as_deref(), Some("talos-worker1"));
        // Mappings and the site are selectable and stay selected across edits.
        let s = s.reduce(Action::Select(Some("HBA".into())));
        let s = set(s, "mappings[0].description", serde_json::json!("the HBA"));
        assert_eq!(s.selected.as_deref(), Some("HBA"));
        let s = set(s, "mappings[0].id", serde_json::json!("HBA0"));
        assert_eq!(s.selected.as_deref(), Some("HBA0"));
        let s = s.reduce(Action::Select(Some("site".into())));
        let s = set(s, "site.name", serde_json::json!("lab"));
        assert_eq!(s.selected.as_deref(), Some("site"));
    }

    #[test]
    fn the_cluster_is_edited_selected_and_undone_like_an_entity() {
        let cluster = hostplan::examples::CLUSTER;
        let s = open(Rc::new(State::initial()), "cluster.toml", cluster);
        let s = s.reduce(Action::Select(Some("cluster".into())));
        let s = set(s, "cluster.nodes[0].votes", serde_json::json!(3));
        assert_eq!(s.edit_error, None);
        assert_eq!(s.selected.as_deref(), Some("cluster"));
        let c = s.current.topology.cluster.clone().unwrap();
        assert_eq!(c.nodes[0].votes, Some(3));
        assert_eq!(s.clone().reduce(Action::Undo).current.text, cluster);
        // A new affinity rule, appended to a list the file did not have.
        let s = set(
            s,
            "cluster.ha.resource_affinity[0]",
            serde_json::json!({ "id": "apart", "affinity": "negative", "vms": ["talos-cp1", "talos-cp2"] }),
        );
        assert_eq!(s.edit_error, None);
        let c = s.current.topology.cluster.clone().unwrap();
        assert_eq!(c.ha.resource_affinity[0].vms.len(), 2);
        // Removing the table forgets nothing else, and the selection stays on the (empty) form.
        let s = s.reduce(Action::Set {
            path: "cluster".into(),
            value: None,
        });
        assert!(s.current.topology.cluster.is_none());
        assert_eq!(s.selected.as_deref(), Some("cluster"));
    }

    #[test]
    fn a_rename_updates_the_entries_naming_it_and_one_undo_restores_them_all() {
        let s = Rc::new(State::initial());
        let before = s.current.text.clone();
        let s = set(s, "vms[2].id", serde_json::json!("talos-worker1"));
        // The consumer's worker list follows: no unknown reference appears.
        assert!(
            s.current.diagnostics.is_empty(),
            "{:?}",
            s.current.diagnostics
        );
        assert!(s.current.topology.consumers[0]
            .workers
            .contains(&"talos-worker1".to_owned()));
        assert_eq!(s.undo.len(), 1);
        let s = s.reduce(Action::Undo);
        assert_eq!(s.current.text, before);
    }

    #[test]
    fn appended_entries_are_selected_and_deleting_one_forgets_it() {
        let s = Rc::new(State::initial());
        let c = hostplan::document::ops::clone_host(&s.current.topology, "srv01").unwrap();
        let s = s.reduce(Action::Append {
            items: c.items,
            select: Some(c.id),
        });
        assert_eq!(s.selected.as_deref(), Some("srv02"));
        assert!(
            s.current.diagnostics.is_empty(),
            "{:?}",
            s.current.diagnostics
        );
        assert!(s
            .current
            .text
            .starts_with(hostplan::examples::SEED.lines().next().unwrap()));
        let i = s.current.topology.hosts.len() - 1;
        let s = s.reduce(Action::Set {
            path: format!("hosts[{i}]"),
            value: None,
        });
        assert_eq!(s.selected, None);
    }

    #[test]
    fn a_json_file_is_edited_through_its_toml_form() {
        let json = serde_json::to_string(&State::initial().current.topology).unwrap();
        // The page reads only TOML: JSON is the worker's (run inline natively).
        assert!(is_json("seed.json", json.as_bytes()));
        let refused = read("seed.json", json.as_bytes()).unwrap_err();
        assert!(refused.diagnostics[0].message.contains("TOML only"));
        let answer = Rc::new(std::cell::RefCell::new(None));
        let put = answer.clone();
        crate::components::header::read_in_worker("seed.json".into(), json, move |r| {
            *put.borrow_mut() = Some(r);
        });
        let read = answer.borrow_mut().take().unwrap();
        let s = Rc::new(State::initial()).reduce(Action::Read(Box::new(read)));
        assert_eq!(s.current.name, "seed.json");
        assert_eq!(s.current.topology, State::initial().current.topology);
        let s = set(s, "vms[0].cores", serde_json::json!(7));
        assert_eq!(s.edit_error, None);
        assert_eq!(s.current.topology.vms[0].cores, 7);
        assert!(s.current.text.contains("cores = 7"));
        assert_eq!(s.current.name, "seed.toml");
    }

    #[test]
    fn text_that_does_not_parse_is_rejected_as_text_not_as_a_file() {
        let s = Rc::new(State::initial()).reduce(Action::EditText("[[vms]\n".into()));
        assert!(s.rejected.as_ref().unwrap().from_text);
        let s = open(s, "bad.toml", "[[hosts]\n");
        assert!(!s.rejected.as_ref().unwrap().from_text);
    }
}
