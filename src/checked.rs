//! Reading a file again after an edit inside one of its entries, without reading the rest.
//!
//! A form edit changes one value of one `[[section]]` entry ([`crate::document::edit_in_entry`]
//! rewrites that entry's text only). [`check_edit`] then gives exactly what [`crate::check`]
//! of the edited text would, but reads only the edited entry: the entry is parsed on its own
//! and put in place of the old one in the model; every diagnostic position after it moves by
//! the length the entry gained or lost (entries start and end on line boundaries, so a
//! column never changes); validation is skipped when the edited field is one it does not read
//! ([`crate::validate::scope`]) and run on the new model otherwise. Only diagnostics the old
//! file had no position for are located again, each by reading its own entry's text.
//!
//! Anything else (an edit that adds or deletes an entry, a file laid out in a way the line
//! scan cannot be sure of, JSON, an edit the entry's reader refuses) reads the whole edited
//! text with [`crate::check`], so the answer is the same either way; tests compare both on
//! random edits.

use crate::diag::{Code, DataPath, Diagnostic, Location, Segment};
use crate::document::{self, EditError, EntryEdit};
use crate::model::section::Section;
use crate::model::Topology;
use crate::source::{self, Format, SourceFile};
use crate::Report;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::ops::Range;

/// A file as [`crate::check`] read it (a usable one: its model and located diagnostics).
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// The file name diagnostics carry.
    pub name: &'a str,
    /// Its text.
    pub text: &'a str,
    /// The model read from `text`.
    pub topology: &'a Topology,
    /// What [`crate::check`] reported for `text`.
    pub diagnostics: &'a [Diagnostic],
}

/// Set (`Some`) or remove (`None`) the value at `path` in the file's text and read the result:
/// the same [`Report`] as `check(name, &document::set(text, path, value)?)`, reading only the
/// edited entry when the edit stays inside one.
///
/// # Errors
/// When the edit cannot be made to the text (see [`document::set`]).
pub fn check_edit(
    current: Current<'_>,
    path: &DataPath,
    value: Option<&Json>,
) -> Result<Report, EditError> {
    check_edit_with(current, path, value, crate::check)
}

/// [`check_edit`] for a front end that reads only TOML: what is not read entry-wise is read
/// with [`crate::check_toml`] (a file opened as JSON is edited as TOML anyway).
///
/// # Errors
/// As [`check_edit`].
pub fn check_edit_toml(
    current: Current<'_>,
    path: &DataPath,
    value: Option<&Json>,
) -> Result<Report, EditError> {
    check_edit_with(current, path, value, crate::check_toml)
}

fn check_edit_with(
    current: Current<'_>,
    path: &DataPath,
    value: Option<&Json>,
    check: fn(&str, &[u8]) -> Report,
) -> Result<Report, EditError> {
    if let Some((edit, text)) = entry_edit(current, path, value) {
        return Ok(read_entry(current, &edit, path, text)
            .unwrap_or_else(|text| check(current.name, text.as_bytes())));
    }
    let text = document::set(current.text, path, value)?;
    Ok(check(current.name, text.as_bytes()))
}

/// [`check_edit`]'s entry-wise way alone: `None` when the edit is not inside one entry of a
/// TOML file or the entry cannot be read on its own (then only the whole file's reading
/// answers). For tests and benchmarks that must know which way was taken.
pub fn check_entry_edit(
    current: Current<'_>,
    path: &DataPath,
    value: Option<&Json>,
) -> Option<Report> {
    let (edit, text) = entry_edit(current, path, value)?;
    read_entry(current, &edit, path, text).ok()
}

/// The edit made to one entry, and the whole text after it.
fn entry_edit(
    current: Current<'_>,
    path: &DataPath,
    value: Option<&Json>,
) -> Option<(EntryEdit, String)> {
    if Format::detect(current.name, current.text.as_bytes()) != Format::Toml {
        return None;
    }
    let edit = document::edit_in_entry(current.text, path, value)?;
    let text = edit.apply(current.text);
    Some((edit, text))
}

/// The report for `text` (the current file with `edit` made), reading only the edited entry;
/// `Err(text)` when that entry cannot be read on its own the way the whole file would read it.
fn read_entry(
    current: Current<'_>,
    edit: &EntryEdit,
    path: &DataPath,
    text: String,
) -> Result<Report, String> {
    if text.len() > source::MAX_INPUT_BYTES {
        return Err(text);
    }
    // A refused value (a string for a number) is reported as the whole file's reader words it.
    let Some((mut part, unknown)) = source::parse_entry(&edit.text) else {
        return Err(text);
    };
    let mut topology = current.topology.clone();
    if !replace_entry(edit.section, edit.index, &mut topology, &mut part) {
        return Err(text);
    }
    let shift = Shift::new(current.text, edit, &text);
    let edited = |p: &DataPath| entry_of(p) == Some((edit.section.key(), edit.index));
    // Reading: the unknown keys of the other entries stay, the edited entry's are read anew.
    let mut parsed: Vec<Diagnostic> = current
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownField && !edited(&d.path))
        .cloned()
        .collect();
    parsed.extend(
        unknown
            .into_iter()
            .filter_map(|p| source::unknown_key(reindex(&p, edit.index))),
    );
    // Validation: kept when the edit changed only what it does not read.
    let in_entry = &path.0[2..];
    let validated: Vec<Diagnostic> = if crate::validate::scope::reads(edit.section, in_entry) {
        crate::validate::validate(&topology)
    } else {
        current
            .diagnostics
            .iter()
            .filter(|d| d.code != Code::UnknownField)
            .cloned()
            .collect()
    };
    let source = SourceFile::new(current.name.to_owned(), text, Format::Toml);
    // Where each path was in the old file: a position outside the edited entry only moves.
    let known: BTreeMap<&DataPath, &Location> = crate::sort::btree_map(
        current
            .diagnostics
            .iter()
            .filter_map(|d| Some((&d.path, d.location.as_ref()?))),
    );
    let mut locator = Locator {
        source: &source,
        entries: BTreeMap::new(),
    };
    let mut diagnostics: Vec<Diagnostic> = parsed.into_iter().chain(validated).collect();
    for d in &mut diagnostics {
        let moved = known
            .get(&d.path)
            .filter(|_| !edited(&d.path))
            .and_then(|l| shift.location(l));
        d.location = match moved {
            Some(l) => Some(l),
            None => locator.locate(&d.path),
        };
    }
    crate::sort_diagnostics(&mut diagnostics);
    Ok(Report {
        source,
        topology: Some(topology),
        diagnostics,
    })
}

/// `section[i]` of a path, when it starts with one.
fn entry_of(path: &DataPath) -> Option<(&str, usize)> {
    match path.0.as_slice() {
        [Segment::Key(k), Segment::Index(i), ..] => Some((k.as_str(), *i as usize)),
        _ => None,
    }
}

/// A path read from an entry on its own (`vms[0].x`) as the path in the file (`vms[7].x`).
fn reindex(path: &DataPath, index: usize) -> DataPath {
    let mut out = path.clone();
    if let Some(Segment::Index(i)) = out.0.get_mut(1) {
        *i = u32::try_from(index).unwrap_or(u32::MAX);
    }
    out
}

/// How positions after the edited entry moved.
struct Shift {
    /// The edited entry's range in the old text.
    old: Range<usize>,
    /// Bytes gained (negative: lost).
    bytes: i64,
    /// Lines gained.
    lines: i64,
}

impl Shift {
    fn new(old_text: &str, edit: &EntryEdit, new_text: &str) -> Self {
        let lines = |t: &str| i64::try_from(t.matches('\n').count()).unwrap_or(i64::MAX);
        let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        Self {
            old: edit.range.clone(),
            bytes: len(new_text.len()) - len(old_text.len()),
            lines: lines(&edit.text) - lines(&old_text[edit.range.clone()]),
        }
    }

    /// Where a position of the old text is in the new one: the same before the edited entry,
    /// moved after it; `None` when it touches the entry (it is read again).
    fn location(&self, l: &Location) -> Option<Location> {
        let (start, end) = (l.start as usize, l.end as usize);
        if end <= self.old.start && start < self.old.start {
            return Some(l.clone());
        }
        if start < self.old.end {
            return None;
        }
        let by = |n: u32, d: i64| u32::try_from(i64::from(n) + d).ok();
        Some(Location {
            start: by(l.start, self.bytes)?,
            end: by(l.end, self.bytes)?,
            line: by(l.line, self.lines)?,
            ..l.clone()
        })
    }
}

/// Locates paths in the new text one entry at a time: the entry a path names is found by the
/// document editor's line scan and read on its own; other paths go through the whole file's
/// positions (read on first use).
struct Locator<'s> {
    source: &'s SourceFile,
    /// Each section's entry ranges in the new text (`None`: the scan could not be sure).
    entries: BTreeMap<String, Option<Vec<Range<usize>>>>,
}

impl Locator<'_> {
    fn locate(&mut self, path: &DataPath) -> Option<Location> {
        let text = self.source.text.as_str();
        let in_entry = entry_of(path).and_then(|(section, i)| {
            let ranges = self
                .entries
                .entry(section.to_owned())
                .or_insert_with(|| document::section_entries(text, section));
            let range = ranges.as_ref()?.get(i)?.clone();
            let span = source::toml_span(&text[range.clone()], &reindex(path, 0))?;
            Some(range.start + span.start..range.start + span.end)
        });
        match in_entry {
            Some(span) => Some(self.source.location(span)),
            None => self.source.span(path).map(|s| self.source.location(s)),
        }
    }
}

/// Put the only entry of `section` in `part` in place of entry `i` of `t`; `false` when `part`
/// holds anything else.
fn replace_entry(section: Section, i: usize, t: &mut Topology, part: &mut Topology) -> bool {
    let only = Section::ALL
        .iter()
        .all(|s| s.len(part) == usize::from(*s == section));
    if !only {
        return false;
    }
    macro_rules! put {
        ($($variant:ident => $field:ident),+ $(,)?) => {
            match section {
                $(Section::$variant => match (t.$field.get_mut(i), part.$field.pop()) {
                    (Some(slot), Some(new)) => {
                        *slot = new;
                        true
                    }
                    _ => false,
                },)+
            }
        };
    }
    put! {
        PowerFeeds => power_feeds,
        Ups => ups,
        Hosts => hosts,
        Devices => devices,
        Mappings => mappings,
        Disks => disks,
        Storages => storages,
        Pools => pools,
        Networks => networks,
        Switches => switches,
        Links => links,
        Vms => vms,
        Services => services,
        Consumers => consumers,
        Waivers => waivers,
    }
}
