//! TOML: deserialize with the `toml` crate (whose errors carry spans) and index value spans
//! with `toml_edit`, which keeps them for every key, table and value.

use super::{ignored_path, SpanIndex};
use crate::diag::{Code, DataPath, Diagnostic};
use crate::model::Topology;
use std::ops::Range;
use toml_edit::{Item, Table, Value};

/// A diagnostic and the byte span it points at (boxed: the error path is cold).
type Failure = Box<(Diagnostic, Option<Range<usize>>)>;

/// Deserialize `text`; record unknown keys in `unknown`.
pub(super) fn deserialize(
    text: &str,
    unknown: &mut Vec<DataPath>,
) -> Result<(Topology, SpanIndex), Failure> {
    let de = toml::Deserializer::parse(text).map_err(|e| Box::new(failure(Code::Syntax, &e)))?;
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let de = serde_ignored::Deserializer::new(de, &mut record);
    let topology: Topology = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = super::error_path(e.path());
        let (mut d, span) = failure(Code::InvalidType, e.inner());
        d.path = path;
        Box::new((d, span))
    })?;
    let mut spans = SpanIndex::default();
    // The `toml` parse above succeeded, so this one does too; a failure only costs positions.
    if let Ok(doc) = toml_edit::Document::parse(text) {
        index_table(doc.as_table(), &DataPath::root(), &mut spans);
    }
    Ok((topology, spans))
}

fn failure(code: Code, e: &toml::de::Error) -> (Diagnostic, Option<Range<usize>>) {
    let message = e.message().trim().to_owned();
    let d = Diagnostic::error(code, DataPath::root(), message);
    (d, e.span())
}

fn index_table(table: &Table, path: &DataPath, spans: &mut SpanIndex) {
    if let Some(s) = table.span() {
        spans.insert(path.clone(), s);
    }
    for (key, item) in table {
        let child = path.key(key);
        index_item(item, &child, spans);
        // A value without its own span (rare) still points at its key.
        if let Some(s) = table.key(key).and_then(toml_edit::Key::span) {
            spans.insert(child, s);
        }
    }
}

fn index_item(item: &Item, path: &DataPath, spans: &mut SpanIndex) {
    match item {
        Item::Table(t) => index_table(t, path, spans),
        Item::ArrayOfTables(a) => {
            if let Some(s) = a.span() {
                spans.insert(path.clone(), s);
            }
            for (i, t) in a.iter().enumerate() {
                index_table(t, &path.index(i), spans);
            }
        }
        Item::Value(v) => index_value(v, path, spans),
        Item::None => {}
    }
}

fn index_value(value: &Value, path: &DataPath, spans: &mut SpanIndex) {
    if let Some(s) = value.span() {
        spans.insert(path.clone(), s);
    }
    match value {
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                index_value(v, &path.index(i), spans);
            }
        }
        Value::InlineTable(t) => {
            for (key, v) in t {
                let child = path.key(key);
                index_value(v, &child, spans);
                if let Some(s) = t.key(key).and_then(toml_edit::Key::span) {
                    spans.insert(child, s);
                }
            }
        }
        _ => {}
    }
}
