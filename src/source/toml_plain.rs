//! TOML read whole without wrapping the model's deserializer: the same answer as
//! [`super::toml_spans::deserialize_whole`], for a program that must carry as little code as
//! possible (the web page).
//!
//! The wrapped reader runs the model's `Deserialize` inside `serde_ignored` (unknown keys) and
//! `serde_path_to_error` (the failing value's path). Each wrapper is generic over every visitor
//! the model has, so the two instantiate their code once per struct and enum of the format:
//! most of the page's reader. This one runs the model's deserializer on `toml`'s own and
//! finds the same two things from the parsed document instead: unknown keys by walking it
//! beside the published schema ([`crate::schema::published`], which lists the keys each
//! table of the format has), and the failing value's path as the deepest value whose span
//! holds the error's span (`toml` puts the span of the value being read on every error).
//! Tests compare both readers on every case file and on random edits.

use super::toml_spans::Failure;
use crate::diag::{Code, DataPath, Diagnostic, Segment};
use crate::model::Topology;
use serde::Deserialize as _;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Deserialize `text` whole; record unknown keys in `unknown` (in the order the wrapped
/// reader records them: the document's, depth first).
pub(super) fn deserialize(text: &str, unknown: &mut Vec<DataPath>) -> Result<Topology, Failure> {
    let root = DeTable::parse(text).map_err(|e| {
        let d = Diagnostic::error(
            Code::Syntax,
            DataPath::root(),
            e.message().trim().to_owned(),
        );
        Box::new((d, e.span()))
    })?;
    let shapes = shapes();
    let mut found = Vec::new();
    let mut at = Vec::new();
    table(shapes, shapes.root, root.get_ref(), &mut at, &mut found);
    match Topology::deserialize(toml::de::Deserializer::from(root)) {
        Ok(topology) => {
            unknown.extend(found);
            Ok(topology)
        }
        Err(e) => {
            let span = e.span();
            // The document again (the deserializer consumed it): only on a refused file.
            let path = match (&span, DeTable::parse(text)) {
                (Some(span), Ok(root)) => {
                    let mut path = Vec::new();
                    deepest_in_table(root.get_ref(), span, &mut path);
                    DataPath(path)
                }
                _ => DataPath::root(),
            };
            let mut d = Diagnostic::error(
                Code::InvalidType,
                DataPath::root(),
                e.message().trim().to_owned(),
            );
            d.path = path;
            Err(Box::new((d, span)))
        }
    }
}

/// What the format accepts at one place of a file, as far as keys go.
#[derive(Debug)]
enum Shape {
    /// A value without keys of its own that the model reads (a string, a number, an enum's
    /// word), or one the model reads as a whole.
    Leaf,
    /// A list of the shape at this index.
    List(usize),
    /// A table with these keys, each of the shape at its index.
    Table(BTreeMap<String, usize>),
    /// The shape at this index (a `$ref`, an `Option`).
    Same(usize),
}

/// The format's shapes, the root's among them.
#[derive(Debug)]
struct Shapes {
    all: Vec<Shape>,
    root: usize,
}

/// The shapes of the published schema (built once).
fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let schema = crate::schema::published();
        let empty = serde_json::Map::new();
        let defs = schema
            .get("$defs")
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        let mut shapes = Shapes {
            all: Vec::new(),
            root: 0,
        };
        let mut named = BTreeMap::new();
        shapes.root = shape(&schema, defs, &mut named, &mut shapes.all);
        // `$schema` is in the published schema for editors, not in the model: the wrapped
        // reader sees it as an unknown key (and the caller lets it pass at the top).
        if let Some(Shape::Table(keys)) = shapes.all.get_mut(shapes.root) {
            keys.remove("$schema");
        }
        shapes
    })
}

/// The index of `schema`'s shape in `all` (a `$ref`'s made once per name: `named`).
fn shape(
    schema: &Json,
    defs: &serde_json::Map<String, Json>,
    named: &mut BTreeMap<String, usize>,
    all: &mut Vec<Shape>,
) -> usize {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        if let Some(&at) = named.get(name) {
            return at;
        }
        // Reserved before its parts are made, so a type that contains itself ends.
        all.push(Shape::Leaf);
        let at = all.len() - 1;
        named.insert(name.to_owned(), at);
        if let Some(def) = defs.get(name) {
            all[at] = make(def, defs, named, all);
        }
        return at;
    }
    let made = make(schema, defs, named, all);
    all.push(made);
    all.len() - 1
}

/// The shape `schema` describes (its parts added to `all`).
fn make(
    schema: &Json,
    defs: &serde_json::Map<String, Json>,
    named: &mut BTreeMap<String, usize>,
    all: &mut Vec<Shape>,
) -> Shape {
    if schema.get("$ref").is_some() {
        return Shape::Same(shape(schema, defs, named, all));
    }
    // `Option<T>`: T or null. Several alternatives that are not null (an untagged enum, an
    // enum's words) are read as a whole: serde buffers them, and the wrapped reader does not
    // see their keys either.
    if let Some(alternatives) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Json::as_array)
    {
        let mut not_null = alternatives
            .iter()
            .filter(|a| a.get("type").and_then(Json::as_str) != Some("null"));
        return match (not_null.next(), not_null.next()) {
            (Some(only), None) => Shape::Same(shape(only, defs, named, all)),
            _ => Shape::Leaf,
        };
    }
    let is = |kind: &str| match schema.get("type") {
        Some(Json::String(t)) => t == kind,
        Some(Json::Array(ts)) => ts.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    };
    if is("array") {
        if let Some(items) = schema.get("items") {
            return Shape::List(shape(items, defs, named, all));
        }
    }
    if is("object") {
        if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
            return Shape::Table(
                properties
                    .iter()
                    .map(|(k, v)| (k.clone(), shape(v, defs, named, all)))
                    .collect(),
            );
        }
    }
    Shape::Leaf
}

impl Shapes {
    /// The shape at `at`, through its aliases.
    fn get(&self, mut at: usize) -> Option<&Shape> {
        // Bounded: an alias that names itself (no schema makes one) is not followed for ever.
        for _ in 0..16 {
            match self.all.get(at)? {
                Shape::Same(next) => at = *next,
                other => return Some(other),
            }
        }
        None
    }
}

/// Record the keys of `t` that the table shape `at` does not have, and those below.
fn table(
    shapes: &Shapes,
    at: usize,
    t: &DeTable<'_>,
    path: &mut Vec<Segment>,
    found: &mut Vec<DataPath>,
) {
    let Some(Shape::Table(keys)) = shapes.get(at) else {
        return;
    };
    for (key, v) in t {
        let key: &str = key.get_ref();
        path.push(Segment::Key(key.to_owned()));
        match keys.get(key) {
            Some(&child) => value(shapes, child, v.get_ref(), path, found),
            None => found.push(DataPath(path.clone())),
        }
        path.pop();
    }
}

fn value(
    shapes: &Shapes,
    at: usize,
    v: &DeValue<'_>,
    path: &mut Vec<Segment>,
    found: &mut Vec<DataPath>,
) {
    match (shapes.get(at), v) {
        (Some(Shape::Table(_)), DeValue::Table(t)) => table(shapes, at, t, path, found),
        (Some(Shape::List(item)), DeValue::Array(items)) => {
            for (i, item_value) in items.iter().enumerate() {
                path.push(Segment::Index(u32::try_from(i).unwrap_or(u32::MAX)));
                value(shapes, *item, item_value.get_ref(), path, found);
                path.pop();
            }
        }
        // Anything else does not read as its shape: the read fails and no key is reported.
        _ => {}
    }
}

/// Extend `path` to the deepest value of `t` whose span holds `span`. Every value is looked
/// at, not only those inside a holding one: the span of an `[[array]]` table is its header
/// only, not its keys.
fn deepest_in_table(t: &DeTable<'_>, span: &Range<usize>, path: &mut Vec<Segment>) -> bool {
    for (key, v) in t {
        let k: &str = key.get_ref();
        path.push(Segment::Key(k.to_owned()));
        if deepest(v, span, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// Whether `v` or a value in it holds `span` (`path` then extended to the deepest).
fn deepest(v: &Spanned<DeValue<'_>>, span: &Range<usize>, path: &mut Vec<Segment>) -> bool {
    let inside = match v.get_ref() {
        DeValue::Table(t) => deepest_in_table(t, span, path),
        DeValue::Array(items) => items.iter().enumerate().any(|(i, item)| {
            path.push(Segment::Index(u32::try_from(i).unwrap_or(u32::MAX)));
            let found = deepest(item, span, path);
            if !found {
                path.pop();
            }
            found
        }),
        _ => false,
    };
    let s = v.span();
    inside || (s.start <= span.start && span.end <= s.end)
}
