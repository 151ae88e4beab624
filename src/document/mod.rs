//! Editing a topology's TOML text in place: a form edit sets one value at a data path, an
//! "add" appends entries to a section, and everything else in the file — comments, key order,
//! inline or table style, values nobody touched — stays as the user wrote it. No default is
//! written that the user did not ask for (`ha = false`, `hostpci = []` never appear because an
//! unrelated field changed).
//!
//! Loading stays on the `toml` crate ([`crate::source`]); `toml_edit` is used here only, for
//! the edit itself. The caller reads the edited text back with [`crate::check`], so what the
//! forms produce is exactly what a user typing it would get.
//!
//! [`ops`] builds the entries an edit adds (a new entity with a fresh id, a cloned host) from
//! the model, and [`refs`] lists what a reference field may name (the forms' pickers); [`rename`] renames an entity with every entry naming it.

pub mod ops;
pub mod refs;
pub mod rename;

use crate::diag::{DataPath, Segment};
use crate::model::section::Section;
use serde_json::Value as Json;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// Why an edit could not be made to the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text is not TOML (edit it in the text view first).
    #[error("the text is not valid TOML: {0}")]
    Syntax(String),
    /// The path does not lead to a place in the document.
    #[error("`{path}`: {reason}")]
    Path {
        /// The data path asked for.
        path: String,
        /// What was found instead.
        reason: String,
    },
    /// The value cannot be written as TOML (`null` inside a list).
    #[error("`{path}`: {reason}")]
    Value {
        /// The data path asked for.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A parsed document, edited then printed back.
pub struct Document(DocumentMut);

impl Document {
    /// Parse `text` for editing.
    ///
    /// # Errors
    /// [`EditError::Syntax`] when the text is not TOML.
    pub fn parse(text: &str) -> Result<Self, EditError> {
        text.parse::<DocumentMut>()
            .map(Self)
            .map_err(|e| EditError::Syntax(e.message().to_owned()))
    }

    /// Set (`Some`) or remove (`None`) the value at `path`. Setting `list[n]` where `n` is the
    /// list's length appends. A replaced value keeps its comment and spacing; missing tables on
    /// the way are created inline.
    ///
    /// # Errors
    /// When the path crosses a value that is not a table or a list, or an index is past the end.
    pub fn set(&mut self, path: &DataPath, value: Option<&Json>) -> Result<(), EditError> {
        let err = |reason: &str| EditError::Path {
            path: path.to_string(),
            reason: reason.to_owned(),
        };
        let Some((last, parents)) = path.0.split_last() else {
            return Err(err("an empty path"));
        };
        let mut slot = Slot::Table(self.0.as_table_mut());
        for (i, seg) in parents.iter().enumerate() {
            let next = parents.get(i + 1).unwrap_or(last);
            slot = slot
                .child(seg, next, i == 0)
                .ok_or_else(|| err("no such place in the file"))?;
        }
        slot.put(last, value).map_err(|reason| EditError::Value {
            path: path.to_string(),
            reason,
        })
    }

    /// Append `item` (an object) to `section`, after its last entry (or at the end of the file
    /// when the section is new).
    ///
    /// # Errors
    /// When the item is not an object or the section is not a list of tables.
    pub fn append(&mut self, section: Section, item: &Json) -> Result<(), EditError> {
        let key = section.key();
        let err = |reason: &str| EditError::Value {
            path: key.to_owned(),
            reason: reason.to_owned(),
        };
        let table = table_of(item).ok_or_else(|| err("an entry must be a table"))?;
        let root = self.0.as_table_mut();
        if !root.contains_key(key) {
            root.insert(key, Item::ArrayOfTables(ArrayOfTables::new()));
        }
        match root.get_mut(key) {
            Some(Item::ArrayOfTables(list)) => {
                list.push(table);
                Ok(())
            }
            Some(Item::Value(Value::Array(list))) => {
                list.push(Value::InlineTable(table.into_inline_table()));
                Ok(())
            }
            _ => Err(err("the section is not a list of tables")),
        }
    }
}

impl std::fmt::Display for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// `text` with the value at `path` set or removed (see [`Document::set`]).
///
/// # Errors
/// See [`Document::parse`] and [`Document::set`].
pub fn set(text: &str, path: &DataPath, value: Option<&Json>) -> Result<String, EditError> {
    if let Some(out) = set_in_entry(text, path, value) {
        return Ok(out);
    }
    let mut doc = Document::parse(text)?;
    doc.set(path, value)?;
    Ok(doc.to_string())
}

/// Where each `[[section]]` entry of `text` is: from its header to the next header that is not
/// one of its own sub-tables (`[[vms.hostpci]]`). `None` when the file is laid out in a way a
/// line scan cannot be sure of (a header with quotes, an inline `section = [...]`): the caller
/// then edits the whole document.
fn entry_ranges(text: &str, section: &str) -> Option<Vec<std::ops::Range<usize>>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut offset = 0;
    let sub = format!("{section}.");
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        if !t.starts_with('[') {
            if t.starts_with(section) && t[section.len()..].trim_start().starts_with('=') {
                return None;
            }
            continue;
        }
        let array = t.starts_with("[[");
        let inner = t.trim_start_matches('[');
        let Some(close) = inner.find(']') else {
            continue;
        };
        let name: String = inner[..close]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let rest = inner[close..].trim_start_matches(']').trim_start();
        // Only a bare dotted name followed by nothing or a comment is a header; anything else
        // starting with `[` is a value inside a multi-line array.
        let bare = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !bare || !(rest.is_empty() || rest.starts_with('#')) {
            if inner[..close].contains(['"', '\'']) {
                return None;
            }
            continue;
        }
        if name.starts_with(&sub) && open.is_some() {
            continue;
        }
        if let Some(s) = open.take() {
            out.push(s..start);
        }
        if array && name == section {
            open = Some(start);
        } else if name == section {
            return None;
        }
    }
    if let Some(s) = open {
        out.push(s..text.len());
    }
    Some(out)
}

/// An edit made inside one `[[section]]` entry: the entry's range in the text before the edit
/// and its text after. The rest of the file is unchanged, so a reader of the edited file
/// ([`crate::check_edit`]) needs to read only this entry again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryEdit {
    /// The section (`vms`).
    pub section: Section,
    /// The entry's index in its section.
    pub index: usize,
    /// Where the entry was in the text before the edit (from its header to the next header
    /// that is not one of its sub-tables).
    pub range: std::ops::Range<usize>,
    /// The entry's text after the edit.
    pub text: String,
}

impl EntryEdit {
    /// The whole text after the edit.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + self.text.len());
        out.push_str(&text[..self.range.start]);
        out.push_str(&self.text);
        out.push_str(&text[self.range.end..]);
        out
    }
}

/// An edit of a value inside one `[[section]]` entry (`vms[3].memory_mib`), made on that
/// entry's text only. `None` when the path is not inside an entry, the entry cannot be found
/// by a line scan, or the edit touches more than the entry: [`set`] then edits the whole
/// document.
pub fn edit_in_entry(text: &str, path: &DataPath, value: Option<&Json>) -> Option<EntryEdit> {
    let [Segment::Key(key), Segment::Index(i), rest @ ..] = path.0.as_slice() else {
        return None;
    };
    if rest.is_empty() {
        return None;
    }
    let section = Section::from_key(key)?;
    let index = *i as usize;
    let range = entry_ranges(text, key)?.get(index)?.clone();
    let mut entry = Document::parse(&text[range.clone()]).ok()?;
    // The slice must be exactly one entry of the section and nothing else.
    let root = entry.0.as_table();
    let one =
        root.len() == 1 && matches!(root.get(key), Some(Item::ArrayOfTables(a)) if a.len() == 1);
    if !one {
        return None;
    }
    let mut local = vec![Segment::Key(key.clone()), Segment::Index(0)];
    local.extend(rest.iter().cloned());
    entry.set(&DataPath(local), value).ok()?;
    Some(EntryEdit {
        section,
        index,
        range,
        text: entry.to_string(),
    })
}

/// Where the entries of `section` are in `text` (see [`entry_ranges`]), for readers that
/// locate positions one entry at a time.
pub(crate) fn section_entries(text: &str, section: &str) -> Option<Vec<std::ops::Range<usize>>> {
    entry_ranges(text, section)
}

/// The fast way for an edit inside one `[[section]]` entry: only that entry's text is parsed
/// and rewritten (a large file is not re-parsed by `toml_edit` for one field). `None` when the
/// entry cannot be found by a line scan, or the edit touches more than the entry.
fn set_in_entry(text: &str, path: &DataPath, value: Option<&Json>) -> Option<String> {
    let [Segment::Key(section), Segment::Index(i), rest @ ..] = path.0.as_slice() else {
        return None;
    };
    if !rest.is_empty() {
        return edit_in_entry(text, path, value).map(|e| e.apply(text));
    }
    // Deleting an entry: its lines go, up to its last line of content (the comments before
    // the next header stay with it).
    value.is_none().then_some(())?;
    let range = entry_ranges(text, section)?.get(*i as usize)?.clone();
    let end = content_end(text, range.clone());
    // One blank line between the entries that were around it.
    let end = if text[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some(format!("{}{}", &text[..range.start], &text[end..]))
}

/// Where the last line of content (not blank, not a comment) of `range` ends.
fn content_end(text: &str, range: std::ops::Range<usize>) -> usize {
    let mut end = range.start;
    let mut offset = range.start;
    for line in text[range].split_inclusive('\n') {
        offset += line.len();
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            end = offset;
        }
    }
    end
}

/// The fast way to append entries: each is printed on its own and inserted after the last
/// entry of its section (or at the end of the file), without parsing the file with
/// `toml_edit`. `None` when a section's entries cannot be found by a line scan.
fn append_fast(text: &str, items: &[(Section, Json)]) -> Option<String> {
    let mut out = text.to_owned();
    for (section, item) in items {
        let ranges = entry_ranges(&out, section.key())?;
        let mut one = Document(DocumentMut::new());
        one.append(*section, item).ok()?;
        let printed = one.to_string();
        // After the last entry's last line of content: the blank lines and comments before
        // the next header introduce what follows, and stay with it.
        let at = ranges
            .last()
            .map_or(out.len(), |r| content_end(&out, r.clone()));
        let mut insert = String::new();
        if at > 0 && !out[..at].ends_with('\n') {
            insert.push('\n');
        }
        if at > 0 {
            insert.push('\n');
        }
        insert.push_str(printed.trim_start_matches('\n'));
        out.insert_str(at, &insert);
    }
    Some(out)
}

/// `text` with `items` appended to their sections (see [`Document::append`]).
///
/// # Errors
/// See [`Document::parse`] and [`Document::append`].
pub fn append(text: &str, items: &[(Section, Json)]) -> Result<String, EditError> {
    if let Some(out) = append_fast(text, items) {
        return Ok(out);
    }
    let mut doc = Document::parse(text)?;
    for (section, item) in items {
        doc.append(*section, item)?;
    }
    Ok(doc.to_string())
}

/// `text` changed from the model `old` to the model `new` (their JSON forms), writing only what
/// differs: an entry's changed fields one by one (nested tables recursed into), entries added
/// at the end of their list, entries removed from the end. Whole-model edits (a boot order, a
/// what-if adopted, an import merged) keep the file's comments and layout this way.
///
/// # Errors
/// See [`Document::parse`] and [`Document::set`].
pub fn apply_changes(text: &str, old: &Json, new: &Json) -> Result<String, EditError> {
    let mut doc = Document::parse(text)?;
    doc.diff(&DataPath::root(), old, new)?;
    Ok(doc.to_string())
}

impl Document {
    fn diff(&mut self, path: &DataPath, old: &Json, new: &Json) -> Result<(), EditError> {
        if old == new {
            return Ok(());
        }
        let null = Json::Null;
        match (old, new) {
            (Json::Object(a), Json::Object(b)) => {
                let keys: std::collections::BTreeSet<&String> =
                    crate::sort::btree_set(a.keys().chain(b.keys()));
                for k in keys {
                    let (x, y) = (a.get(k).unwrap_or(&null), b.get(k).unwrap_or(&null));
                    self.diff(&path.key(k), x, y)?;
                }
                Ok(())
            }
            (Json::Array(a), Json::Array(b))
                if !a.is_empty() && a.iter().chain(b).all(Json::is_object) =>
            {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    self.diff(&path.index(i), x, y)?;
                }
                for (i, y) in b.iter().enumerate().skip(a.len()) {
                    self.set(&path.index(i), Some(y))?;
                }
                for i in (b.len()..a.len()).rev() {
                    self.set(&path.index(i), None)?;
                }
                Ok(())
            }
            // A section that had no entries (or was left out): append them as `[[section]]`
            // tables.
            (Json::Array(_) | Json::Null, Json::Array(b))
                if path.0.len() == 1 && old.as_array().is_none_or(Vec::is_empty) =>
            {
                let section = match path.0.first() {
                    Some(Segment::Key(k)) => Section::from_key(k),
                    _ => None,
                };
                match section {
                    Some(section) => b.iter().try_for_each(|item| self.append(section, item)),
                    None => self.set(path, Some(new)),
                }
            }
            (_, Json::Null) => self.set(path, None),
            _ => self.set(path, Some(new)),
        }
    }
}

/// A place in the document one path segment can lead into.
enum Slot<'d> {
    Table(&'d mut Table),
    Tables(&'d mut ArrayOfTables),
    Inline(&'d mut InlineTable),
    Array(&'d mut Array),
}

impl<'d> Slot<'d> {
    fn of_item(item: &'d mut Item) -> Option<Self> {
        match item {
            Item::Table(t) => Some(Slot::Table(t)),
            Item::ArrayOfTables(a) => Some(Slot::Tables(a)),
            Item::Value(v) => Self::of_value(v),
            Item::None => None,
        }
    }

    fn of_value(value: &'d mut Value) -> Option<Self> {
        match value {
            Value::InlineTable(t) => Some(Slot::Inline(t)),
            Value::Array(a) => Some(Slot::Array(a)),
            _ => None,
        }
    }

    /// The place `seg` names inside this one (`next` is the segment after it). A missing table
    /// on the way is created inline (`cpu = { cores = 8 }` for `hosts[0].cpu.cores`), except at
    /// the top, where it is a `[table]` of its own (`[cluster]`); a missing list is created
    /// empty for its first entry to be appended (`[[cluster.ha.resource_affinity]]`).
    fn child(self, seg: &Segment, next: &Segment, top: bool) -> Option<Slot<'d>> {
        let list = matches!(next, Segment::Index(_));
        match (self, seg) {
            (Slot::Table(t), Segment::Key(k)) => {
                if !t.contains_key(k) {
                    let new = if list {
                        Item::ArrayOfTables(ArrayOfTables::new())
                    } else if top {
                        Item::Table(Table::new())
                    } else {
                        Item::Value(Value::InlineTable(InlineTable::new()))
                    };
                    t.insert(k, new);
                }
                Self::of_item(t.get_mut(k)?)
            }
            (Slot::Inline(t), Segment::Key(k)) => {
                if !t.contains_key(k) {
                    let new = if list {
                        Value::Array(Array::new())
                    } else {
                        Value::InlineTable(InlineTable::new())
                    };
                    t.insert(k, new);
                }
                Self::of_value(t.get_mut(k)?)
            }
            (Slot::Tables(a), Segment::Index(i)) => a.get_mut(*i as usize).map(Slot::Table),
            (Slot::Array(a), Segment::Index(i)) => Self::of_value(a.get_mut(*i as usize)?),
            _ => None,
        }
    }

    /// Set or remove the value `seg` names in this place.
    fn put(self, seg: &Segment, value: Option<&Json>) -> Result<(), String> {
        match (self, seg) {
            (Slot::Table(t), Segment::Key(k)) => {
                match value {
                    None => {
                        t.remove(k);
                    }
                    Some(v) => {
                        let new = item_of(v)?;
                        match (t.get_mut(k), new) {
                            (Some(Item::Value(old)), Item::Value(mut new)) => {
                                *new.decor_mut() = old.decor().clone();
                                *old = new;
                            }
                            (_, Item::None) => {
                                t.remove(k);
                            }
                            (_, new) => {
                                t.insert(k, new);
                            }
                        }
                    }
                }
                Ok(())
            }
            (Slot::Inline(t), Segment::Key(k)) => {
                match value.map(value_of).transpose()?.flatten() {
                    None => {
                        t.remove(k);
                    }
                    Some(mut new) => {
                        if let Some(old) = t.get_mut(k) {
                            *new.decor_mut() = old.decor().clone();
                            *old = new;
                        } else {
                            // The space before ` }` sits after the last value: it moves to the
                            // new last one (`{ host = "pve1", votes = 2 }`, not `"pve1" , votes`).
                            let last = t.iter_mut().last().map(|(_, v)| v);
                            if let Some(suffix) = last.and_then(|v| {
                                let s = v.decor().suffix().cloned();
                                v.decor_mut().set_suffix("");
                                s
                            }) {
                                new.decor_mut().set_suffix(suffix);
                            }
                            t.insert(k, new);
                        }
                    }
                }
                Ok(())
            }
            (Slot::Tables(a), Segment::Index(i)) => {
                let i = *i as usize;
                match value {
                    None if i < a.len() => {
                        a.remove(i);
                        Ok(())
                    }
                    None => Err(format!("no entry {i}")),
                    Some(v) => {
                        let table = table_of(v).ok_or("an entry must be a table")?;
                        match i.cmp(&a.len()) {
                            std::cmp::Ordering::Less => {
                                if let Some(old) = a.get_mut(i) {
                                    let decor = old.decor().clone();
                                    *old = table;
                                    *old.decor_mut() = decor;
                                }
                                Ok(())
                            }
                            std::cmp::Ordering::Equal => {
                                a.push(table);
                                Ok(())
                            }
                            std::cmp::Ordering::Greater => {
                                Err(format!("index {i} is past the end ({})", a.len()))
                            }
                        }
                    }
                }
            }
            (Slot::Array(a), Segment::Index(i)) => {
                let i = *i as usize;
                match value.map(value_of).transpose()?.flatten() {
                    None if i < a.len() => {
                        a.remove(i);
                        Ok(())
                    }
                    None => Err(format!("no item {i}")),
                    Some(mut new) => {
                        if let Some(old) = a.get_mut(i) {
                            *new.decor_mut() = old.decor().clone();
                            *old = new;
                            Ok(())
                        } else if i == a.len() {
                            a.push(new);
                            Ok(())
                        } else {
                            Err(format!("index {i} is past the end ({})", a.len()))
                        }
                    }
                }
            }
            _ => Err("the value there is not a table or a list".to_owned()),
        }
    }
}

/// A JSON value as a TOML value (`None` for `null`: the key is left out).
fn value_of(v: &Json) -> Result<Option<Value>, String> {
    Ok(Some(match v {
        Json::Null => return Ok(None),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            (None, None) => return Err(format!("{n} is out of TOML's range")),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(items) => {
            let mut a = Array::new();
            for item in items {
                a.push(value_of(item)?.ok_or("a list cannot hold an empty value")?);
            }
            Value::Array(a)
        }
        Json::Object(o) => {
            let mut t = InlineTable::new();
            for (k, v) in o {
                if let Some(v) = value_of(v)? {
                    t.insert(k, v);
                }
            }
            Value::InlineTable(t)
        }
    }))
}

/// A JSON value for a table key: a value (`Item::None` for `null`).
fn item_of(v: &Json) -> Result<Item, String> {
    Ok(value_of(v)?.map_or(Item::None, Item::Value))
}

/// A JSON object as a `[[section]]` table: plain fields as `key = value`, lists of objects as
/// nested `[[section.list]]` tables (the seed's style for bridges, hostpci and vdevs), other
/// objects inline.
fn table_of(v: &Json) -> Option<Table> {
    let o = v.as_object()?;
    let mut t = Table::new();
    let mut nested = Vec::new();
    // What names the entry first, as people write it; the rest in the model's order.
    let mut keys: Vec<(&String, &Json)> = o.iter().collect();
    crate::sort::sort_by_key(&mut keys, |(k, _)| {
        (k.as_str() != "id", k.as_str() != "rule")
    });
    for (k, v) in keys {
        match v {
            Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_object) => {
                let mut list = ArrayOfTables::new();
                for item in items {
                    list.push(table_of(item)?);
                }
                nested.push((k, list));
            }
            _ => {
                if let Ok(Some(value)) = value_of(v) {
                    t.insert(k, Item::Value(value));
                }
            }
        }
    }
    // Lists of tables after the plain keys, as TOML prints them anyway.
    for (k, list) in nested {
        t.insert(k, Item::ArrayOfTables(list));
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEED: &str = crate::examples::SEED;

    /// The lines of `after` that differ from `before` (same line count assumed).
    fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<(&'a str, &'a str)> {
        assert_eq!(before.lines().count(), after.lines().count(), "{after}");
        before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .collect()
    }

    #[test]
    fn a_field_edit_changes_exactly_one_line_and_keeps_every_comment() {
        // `truenas` is vms[0]; its memory line carries a trailing comment.
        let after = set(
            SEED,
            &DataPath::parse("vms[0].memory_mib"),
            Some(&json!(49152)),
        )
        .unwrap();
        assert_eq!(
            changed_lines(SEED, &after),
            [(
                "memory_mib = 32768    # 32 GB ECC RAM, critical for ARC",
                "memory_mib = 49152    # 32 GB ECC RAM, critical for ARC"
            )]
        );
        let comments = |t: &str| t.lines().filter(|l| l.contains('#')).count();
        assert_eq!(comments(SEED), comments(&after));
        // No defaults appear: the file still says nothing about `ha` or an empty hostpci.
        assert!(!after.contains("ha = false") && !after.contains("hostpci = []"));
        let t = crate::check("seed.toml", after.as_bytes())
            .topology
            .unwrap();
        assert_eq!(t.vms[0].memory_mib, 49152);
    }

    #[test]
    fn values_inside_inline_tables_and_lists_keep_their_style() {
        let after = set(
            SEED,
            &DataPath::parse("vms[1].nics[1].network"),
            Some(&json!("lan")),
        )
        .unwrap();
        let changed = changed_lines(SEED, &after);
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert!(changed[0].1.starts_with(
            r#"nics = [{ network = "lan", bridge = "vmbr0" }, { network = "lan", bridge"#
        ));
        let after = set(
            SEED,
            &DataPath::parse("hosts[0].cpu.cores"),
            Some(&json!(16)),
        )
        .unwrap();
        assert_eq!(changed_lines(SEED, &after).len(), 1);
        assert!(after.contains("cpu = { cores = 16, vendor = \"intel\""));
    }

    #[test]
    fn removing_and_appending_list_entries() {
        let t = |text: &str| crate::check("t.toml", text.as_bytes()).topology.unwrap();
        // A new hostpci entry lands after the last one, as a `[[vms.hostpci]]` table.
        let after = set(
            SEED,
            &DataPath::parse("vms[0].hostpci[3]"),
            Some(&json!({ "index": 3, "mapping": "NIC1" })),
        )
        .unwrap();
        assert_eq!(t(&after).vms[0].hostpci[3].index, 3);
        assert!(
            after.contains("[[vms.hostpci]]\nindex = 3\nmapping = \"NIC1\""),
            "{after}"
        );
        let after = set(SEED, &DataPath::parse("vms[0].hostpci[1]"), None).unwrap();
        let vm = &t(&after).vms[0];
        assert_eq!(vm.hostpci.len(), 2);
        assert_eq!(vm.hostpci[1].mapping.as_deref(), Some("NIC2"));
        // Removing an optional field removes its line only.
        let after = set(SEED, &DataPath::parse("vms[0].balloon_mib"), None).unwrap();
        assert_eq!(after.lines().count(), SEED.lines().count() - 1);
        assert!(after.contains("# 32 GB ECC RAM"));
    }

    #[test]
    fn a_missing_table_on_the_way_is_created_and_bad_paths_are_errors() {
        let text = "schema_version = 1\n\n[[hosts]]\nid = \"h\" # the only host\n";
        let after = set(
            text,
            &DataPath::parse("hosts[0].cpu.cores"),
            Some(&json!(4)),
        )
        .unwrap();
        assert!(
            after.contains("id = \"h\" # the only host\ncpu = { cores = 4 }"),
            "{after}"
        );
        let err = set(text, &DataPath::parse("hosts[3].id"), Some(&json!("x"))).unwrap_err();
        assert!(matches!(err, EditError::Path { .. }), "{err}");
        let err = set(text, &DataPath::parse("hosts[0].id.x"), Some(&json!("x"))).unwrap_err();
        assert!(err.to_string().starts_with("`hosts[0].id.x`"), "{err}");
        assert!(matches!(
            set("[[hosts]\n", &DataPath::parse("hosts[0].id"), None),
            Err(EditError::Syntax(_))
        ));
    }

    #[test]
    fn the_cluster_table_is_edited_in_place_and_made_when_absent() {
        let t = |text: &str| crate::check("t.toml", text.as_bytes()).topology.unwrap();
        let cluster = crate::examples::CLUSTER;
        // A node's votes inside the inline list of nodes: one line changes.
        let after = set(
            cluster,
            &DataPath::parse("cluster.nodes[1].votes"),
            Some(&json!(2)),
        )
        .unwrap();
        assert_eq!(
            changed_lines(cluster, &after),
            [(
                r#"nodes = [{ host = "pve1" }, { host = "pve2" }, { host = "pve3" }]"#,
                r#"nodes = [{ host = "pve1" }, { host = "pve2", votes = 2 }, { host = "pve3" }]"#
            )]
        );
        assert_eq!(t(&after).cluster.unwrap().nodes[1].votes, Some(2));
        // A rule in a `[[cluster.ha.node_affinity]]` table.
        let after = set(
            cluster,
            &DataPath::parse("cluster.ha.node_affinity[1].strict"),
            Some(&json!(true)),
        )
        .unwrap();
        assert!(t(&after).cluster.unwrap().ha.node_affinity[1].strict);
        // The first entry of a list the file does not have yet, and the QDevice's table.
        let after = set(
            cluster,
            &DataPath::parse("cluster.ha.resource_affinity[0]"),
            Some(&json!({ "id": "apart", "affinity": "negative" })),
        )
        .unwrap();
        assert_eq!(
            t(&after).cluster.unwrap().ha.resource_affinity[0].id,
            "apart"
        );
        // A file without a cluster gets one from its first field.
        let after = set(
            SEED,
            &DataPath::parse("cluster.nodes[0]"),
            Some(&json!({ "host": "srv01" })),
        )
        .unwrap();
        assert_eq!(t(&after).cluster.unwrap().nodes[0].host, "srv01");
        let after = set(
            SEED,
            &DataPath::parse("cluster.qdevice.votes"),
            Some(&json!(1)),
        )
        .unwrap();
        assert_eq!(t(&after).cluster.unwrap().qdevice.unwrap().votes, Some(1));
        // Removing the whole table.
        let after = set(cluster, &DataPath::parse("cluster"), None).unwrap();
        assert!(t(&after).cluster.is_none(), "{after}");
    }

    #[test]
    fn a_whole_model_change_writes_only_what_differs() {
        let t = crate::examples::seed().unwrap();
        let mut u = t.clone();
        u.vms[1].startup.order = Some(2);
        u.vms[0].cores = 8;
        u.vms[0].hostpci.truncate(2);
        u.waivers.push(crate::model::Waiver {
            rule: "PT-10".into(),
            resource: "truenas".into(),
            reason: "accepted".into(),
            ..Default::default()
        });
        let j = |t: &crate::model::Topology| serde_json::to_value(t).unwrap();
        let after = apply_changes(SEED, &j(&t), &j(&u)).unwrap();
        let back = crate::check("t.toml", after.as_bytes()).topology.unwrap();
        assert_eq!(j(&back), j(&u));
        // Comments kept, nothing but the change written.
        assert!(
            after.contains("cores = 8\ncpu_type = \"host\"     # exposes AES-NI"),
            "{after}"
        );
        assert!(
            !after.contains("ha = false") && !after.contains("hostpci = []"),
            "{after}"
        );
        assert!(after.contains("startup = { order = 2 }"), "{after}");
        assert!(after.contains("[[waivers]]\nrule = \"PT-10\""), "{after}");
        assert!(!after.contains("mapping = \"NIC2\""), "{after}");
        assert_eq!(
            after.lines().count(),
            SEED.lines().count() - 5 + 6,
            "{after}"
        );
    }

    /// The whole-document edit, for comparing the fast one with.
    fn set_slow(text: &str, path: &DataPath, value: Option<&Json>) -> String {
        let mut doc = Document::parse(text).unwrap();
        doc.set(path, value).unwrap();
        doc.to_string()
    }

    #[test]
    fn an_edit_inside_one_entry_gives_the_same_text_as_a_whole_document_edit() {
        let cases: &[(&str, Option<Json>)] = &[
            ("vms[0].memory_mib", Some(json!(1024))),
            ("vms[3].host", Some(json!("srv02"))),
            ("vms[0].hostpci[1]", None),
            ("vms[0].hostpci[3]", Some(json!({ "index": 3 }))),
            ("vms[1].nics[0].bridge", None),
            ("hosts[0].bridges[0].ports", Some(json!(["nic0", "nic1"]))),
            ("pools[0].vdevs[0].layout", Some(json!("mirror"))),
            ("consumers[0].backoff.max_s", Some(json!(60.0))),
            ("mappings[2].map[0].iommu_group", Some(json!(15))),
        ];
        // Deleting a whole entry removes its lines and keeps the comments around it.
        let p = DataPath::parse("vms[2]");
        let out = set(SEED, &p, None).unwrap();
        let t = crate::check("t.toml", out.as_bytes()).topology.unwrap();
        assert_eq!(
            t.vms.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
            ["truenas", "talos-cp1", "talos-w2"]
        );
        assert!(out.contains("boot_time_s = 60\nnics = [{ network = \"lan\", bridge = \"vmbr0\" }, { network = \"storage50\", bridge = \"vmbr0\" }]\n\n[[vms]]\nid = \"talos-w2\""), "{out}");
        let out = set(SEED, &DataPath::parse("vms[3]"), None).unwrap();
        assert!(out.contains("boot_time_s = 60\nnics = [{ network = \"lan\", bridge = \"vmbr0\" }, { network = \"storage50\", bridge = \"vmbr0\" }]\n\n# --- Storage services"), "{out}");
        for (path, value) in cases {
            let p = DataPath::parse(path);
            assert!(set_in_entry(SEED, &p, value.as_ref()).is_some(), "{path}");
            assert_eq!(
                set(SEED, &p, value.as_ref()).unwrap(),
                set_slow(SEED, &p, value.as_ref()),
                "{path}"
            );
        }
        // Entries the line scan cannot be sure of go the whole-document way.
        let inline = "schema_version = 1\nvms = [{ id = \"a\", vmid = 100 }]\n";
        let p = DataPath::parse("vms[0].vmid");
        assert_eq!(set_in_entry(inline, &p, Some(&json!(101))), None);
        assert!(set(inline, &p, Some(&json!(101)))
            .unwrap()
            .contains("vmid = 101"));
        // A value line starting with `[` inside a multi-line array is not a header.
        let multi =
            "[[hosts]]\nid = \"h\"\nkernel_cmdline = [\n  \"a\",\n]\n[[hosts]]\nid = \"g\"\n";
        assert_eq!(entry_ranges(multi, "hosts").unwrap().len(), 2);
        let out = set(multi, &DataPath::parse("hosts[1].ram_gib"), Some(&json!(8))).unwrap();
        assert!(
            out.ends_with("[[hosts]]\nid = \"g\"\nram_gib = 8\n"),
            "{out}"
        );
    }

    #[test]
    fn appended_entries_follow_the_last_of_their_section() {
        let after = append(
            SEED,
            &[(
                Section::Vms,
                json!({ "id": "new-vm-1", "vmid": 213, "host": "srv01" }),
            )],
        )
        .unwrap();
        let vm = after.find("id = \"new-vm-1\"").unwrap();
        let services = after.find("# --- Storage services").unwrap();
        let last_vm = after.find("id = \"talos-w2\"").unwrap();
        assert!(last_vm < vm && vm < services, "{after}");
        // Everything before the new entry is untouched.
        assert!(after.starts_with(&SEED[..last_vm]));
        let t = crate::check("t.toml", after.as_bytes()).topology.unwrap();
        assert_eq!(t.vms.last().unwrap().id, "new-vm-1");
    }
}
