//! TOML read whole without a TOML deserializer: the same answer as
//! [`super::toml_spans::deserialize_whole`], for a program that must carry as little code as
//! possible (the web page).
//!
//! A serde deserializer is generic over every visitor the model has, so each one a program
//! runs the model through is a copy of the model's reading code: `toml`'s was the largest
//! part of the page's wasm. The page already carries `serde_json`'s (it decodes the worker's
//! answers with it), so this reader parses the TOML document (`toml`'s parser, no
//! deserializer), writes it out as JSON, and reads the model from that with `serde_json`.
//! What `toml`'s deserializer gave on top is found from the parsed document instead: unknown
//! keys by walking it beside the published schema ([`crate::schema::published`], which lists
//! the keys each table of the format has); the refused value as the deepest value whose JSON
//! holds `serde_json`'s error position, and from it the TOML span `toml` would have reported
//! and the path, as the deepest value whose span holds that span. What JSON cannot carry is
//! carried by stand-ins and put back: non-finite floats (stand-in floats, restored in the
//! model's float fields and in error words) and the values `toml` refuses whatever reads them
//! (integers past 64 bits, floats that overflow: stand-in strings whose words are replaced).
//! Tests compare this reader with the wrapped one on every case file and on random edits.

use super::toml_spans::Failure;
use crate::diag::{Code, DataPath, Diagnostic, Segment};
use crate::model::Topology;
use serde::de::Unexpected;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write as _;
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
    let mut json = JsonOut::new(shapes, text.len(), None);
    json.table(root.get_ref(), root.span(), Some(shapes.root), 0);
    let result = serde_json::from_str::<Topology>(&json.out);
    let refused = |message: String, span: Range<usize>| {
        let mut path = Vec::new();
        deepest_in_table(root.get_ref(), &span, &mut path);
        let mut d = Diagnostic::error(Code::InvalidType, DataPath::root(), message);
        d.path = DataPath(path);
        Box::new((d, Some(span)))
    };
    match result {
        // A value `toml` refuses whatever reads it was read (as its stand-in) or skipped:
        // `toml` fails at the first one.
        Ok(_) if !json.refusals.is_empty() => {
            let (message, span) = json.refusals.swap_remove(0);
            Err(refused(message.to_owned(), span))
        }
        Ok(mut topology) => {
            if !json.stand_ins.is_empty() {
                if json.collides {
                    let message = "a float this small (4.9e-324) and inf or nan in one file: \
                                   this reader cannot tell them apart";
                    return Err(refused(message.to_owned(), root.span()));
                }
                restore_floats(&mut topology, &json.stand_ins);
            }
            unknown.extend(found);
            Ok(topology)
        }
        Err(e) => {
            let message = e.to_string();
            // `serde_json` ends its words with the position; the JSON is one line.
            let message = message
                .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
                .unwrap_or(&message)
                .to_owned();
            if let Some((words, span)) = json.refusals.iter().find(|(_, span)| {
                // In the words as written (an unknown variant) or as a string's
                // `Debug` (an invalid type).
                let marker = refusal_marker(span);
                message.contains(&marker) || message.contains(&format!("{marker:?}"))
            }) {
                return Err(refused((*words).to_owned(), span.clone()));
            }
            // The JSON written again, this time finding the deepest value that holds the
            // error's position.
            // (`serde_json` places "expected value" one byte into the value it refused.)
            let at = e
                .column()
                .saturating_sub(usize::from(message == "expected value"));
            let mut again = JsonOut::new(shapes, text.len(), Some(at));
            again.table(root.get_ref(), root.span(), Some(shapes.root), 0);
            let span = again.found.map_or_else(|| root.span(), |(span, _)| span);
            Err(refused(toml_words(&message, &json.stand_ins), span))
        }
    }
}

/// The words `toml`'s deserializer gives for what `serde_json`'s says differently: a float
/// (`serde_json` writes it shortest, `1e16`; serde's own words, which `toml` uses, write it
/// in full, `10000000000000000.0`), a stand-in float named as the value it stands for, and
/// an enum's word given as neither a string nor a table (`serde_json` reports the value it
/// did not expect there as bad JSON).
fn toml_words(message: &str, stand_ins: &[(u64, f64)]) -> String {
    const FLOAT: &str = "floating point `";
    if message == "expected value" {
        return "wanted string or table".to_owned();
    }
    let mut words = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(FLOAT) {
        words.push_str(&rest[..at]);
        let after = &rest[at + FLOAT.len()..];
        let shown = after
            .find('`')
            .map(|end| (&after[..end], &after[end + 1..]));
        if let Some((x, tail)) =
            shown.and_then(|(number, rest)| Some((number.parse::<f64>().ok()?, rest)))
        {
            let x = stand_ins
                .iter()
                .find(|(bits, _)| *bits == x.to_bits())
                .map_or(x, |&(_, value)| value);
            let _ = write!(words, "{}", Unexpected::Float(x));
            rest = tail;
        } else {
            words.push_str(FLOAT);
            rest = after;
        }
    }
    words.push_str(rest);
    words
}

/// The text put in place of a value `toml` refuses whatever reads it (found again in
/// `serde_json`'s words when the model refuses the stand-in).
fn refusal_marker(span: &Range<usize>) -> String {
    format!("\u{1}toml-refused-{}-{}", span.start, span.end)
}

/// Put the non-finite floats back in the model's float fields (every one the format has:
/// a test counts the schema's numbers).
fn restore_floats(t: &mut Topology, stand_ins: &[(u64, f64)]) {
    let mut floats: Vec<&mut f64> = Vec::new();
    for h in &mut t.hosts {
        floats.extend(h.mtbf_hours.as_mut());
        floats.extend(h.mttr_hours.as_mut());
    }
    for d in &mut t.devices {
        floats.extend(d.mtbf_hours.as_mut());
        floats.extend(d.mttr_hours.as_mut());
        floats.extend(d.nic.as_mut().map(|n| &mut n.speed_gbps));
    }
    for d in &mut t.disks {
        floats.extend(d.mtbf_hours.as_mut());
        floats.extend(d.mttr_hours.as_mut());
    }
    for c in &mut t.consumers {
        let b = &mut c.backoff;
        floats.extend([&mut b.initial_s, &mut b.factor, &mut b.max_s]);
    }
    for u in &mut t.ups {
        floats.extend(u.runtime.iter_mut().map(|r| &mut r.minutes));
    }
    for f in floats {
        if let Some(&(_, value)) = stand_ins.iter().find(|(bits, _)| f.to_bits() == *bits) {
            *f = value;
        }
    }
}

/// The parsed document written out as JSON (one line), with what JSON cannot carry replaced
/// by stand-ins; or, given an offset into that JSON, the TOML span of the deepest value
/// whose JSON holds it.
struct JsonOut<'t> {
    shapes: &'t Shapes,
    out: String,
    /// `(bits of the stand-in, the float it stands for)`: one per distinct non-finite float.
    stand_ins: Vec<(u64, f64)>,
    /// Whether a finite float of the document has a stand-in's bits.
    collides: bool,
    /// `toml`'s words and the value's span, for each value it refuses whatever reads it.
    refusals: Vec<(&'t str, Range<usize>)>,
    /// The offset looked for, and the span and depth of the deepest value holding it.
    looking_for: Option<usize>,
    found: Option<(Range<usize>, usize)>,
}

impl<'t> JsonOut<'t> {
    fn new(shapes: &'t Shapes, size: usize, looking_for: Option<usize>) -> Self {
        Self {
            shapes,
            out: String::with_capacity(size + size / 4),
            stand_ins: Vec::new(),
            collides: false,
            refusals: Vec::new(),
            looking_for,
            found: None,
        }
    }

    /// Write `v`, read where the format has the shape `shape` (`None`: not in the format).
    fn value(&mut self, v: &Spanned<DeValue<'_>>, shape: Option<usize>, depth: usize) {
        let start = self.out.len();
        match v.get_ref() {
            DeValue::String(s) => self.string(s),
            DeValue::Integer(i) => {
                let digits = i.as_str();
                if let Ok(n) = i64::from_str_radix(digits, i.radix()) {
                    self.out.push_str(&n.to_string());
                } else if let Ok(n) = u64::from_str_radix(digits, i.radix()) {
                    self.out.push_str(&n.to_string());
                } else {
                    self.refuse("integer number overflowed", v.span());
                }
            }
            DeValue::Float(f) => match f.as_str().parse::<f64>() {
                // `toml` refuses a float too large for f64 unless it is written as `inf`.
                Ok(x) if x.is_infinite() && !f.as_str().contains("inf") => {
                    self.refuse("floating-point number overflowed", v.span());
                }
                // With an exponent (shortest digits), so JSON reads a float even for `1e16`.
                Ok(x) if x.is_finite() => {
                    if (1..=4).contains(&x.to_bits()) {
                        self.collides = true;
                    }
                    let _ = write!(self.out, "{x:e}");
                }
                Ok(x) => {
                    // Stand-ins are the smallest floats (bits 1, 2, …): one per distinct
                    // non-finite value (inf, -inf, nan, -nan).
                    let known = self
                        .stand_ins
                        .iter()
                        .find(|(_, v)| v.to_bits() == x.to_bits());
                    let bits = if let Some(&(bits, _)) = known {
                        bits
                    } else {
                        let bits = self.stand_ins.len() as u64 + 1;
                        self.stand_ins.push((bits, x));
                        bits
                    };
                    let stand_in = f64::from_bits(bits);
                    let _ = write!(self.out, "{stand_in:e}");
                }
                Err(_) => self.refuse("floating-point number overflowed", v.span()),
            },
            DeValue::Boolean(b) => self.out.push_str(if *b { "true" } else { "false" }),
            // As `toml` gives it to a visitor: a table of one private key.
            DeValue::Datetime(d) => {
                self.out.push_str("{\"$__toml_private_datetime\":");
                self.string(&d.to_string());
                self.out.push('}');
            }
            DeValue::Array(items) => {
                let item_shape = match shape.and_then(|at| self.shapes.get(at)) {
                    Some(Shape::List(item)) => Some(*item),
                    _ => None,
                };
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(item, item_shape, depth + 1);
                }
                self.out.push(']');
            }
            DeValue::Table(t) => {
                self.table(t, v.span(), shape, depth);
                return;
            }
        }
        self.holds(start, v.span(), depth);
    }

    fn table(&mut self, t: &DeTable<'_>, span: Range<usize>, shape: Option<usize>, depth: usize) {
        let shapes = self.shapes;
        let keys = match shape.and_then(|at| shapes.get(at)) {
            Some(Shape::Table(keys)) => Some(keys),
            _ => None,
        };
        // `{ word = {} }` (or `[]`) where a value without keys is read: `toml` reads it as
        // an enum's word, as `serde_json` reads `{"word":null}` (it wants null there).
        let word = matches!(shape.and_then(|at| shapes.get(at)), Some(Shape::Leaf))
            && t.len() == 1
            && t.values().all(|v| match v.get_ref() {
                DeValue::Table(t) => t.is_empty(),
                DeValue::Array(a) => a.is_empty(),
                _ => false,
            });
        let start = self.out.len();
        self.out.push('{');
        for (i, (key, v)) in t.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.string(key.get_ref());
            self.out.push(':');
            if word {
                let start = self.out.len();
                self.out.push_str("null");
                self.holds(start, v.span(), depth + 1);
            } else {
                let child = keys.and_then(|keys| keys.get(key.get_ref().as_ref()).copied());
                self.value(v, child, depth + 1);
            }
        }
        self.out.push('}');
        self.holds(start, span, depth);
    }

    /// Note the value just written (from `start`) if it holds the offset looked for.
    fn holds(&mut self, start: usize, span: Range<usize>, depth: usize) {
        if let Some(at) = self.looking_for {
            let deeper = self.found.as_ref().is_none_or(|(_, d)| depth > *d);
            // `serde_json` places an error just past what it read, or at the first byte of
            // a value it refused on sight (a list where a string is wanted).
            if start <= at && at <= self.out.len() && deeper {
                self.found = Some((span, depth));
            }
        }
    }

    fn refuse(&mut self, words: &'t str, span: Range<usize>) {
        self.string(&refusal_marker(&span));
        self.refusals.push((words, span));
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
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
            return Shape::Table(crate::sort::btree_map(
                properties
                    .iter()
                    .map(|(k, v)| (k.clone(), shape(v, defs, named, all))),
            ));
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
