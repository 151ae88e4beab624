//! Large TOML files, read a batch of table-array entries at a time.
//!
//! The `toml` crate reads a whole document into a token list and a spanned tree before it
//! deserializes anything: about 30 bytes of memory per byte of a generated fleet (a
//! 10,000-host file of 40 MB peaked at 1.46 GB). A topology file is almost all top-level
//! arrays of tables (`[[hosts]]`, `[[vms]]` with their `[vms.startup]`, `[[vms.hostpci]]`…),
//! whose entries are independent. So a cheap scan finds the header lines, the entries are cut
//! into batches of about [`BATCH_BYTES`], and each batch is parsed on its own while serde
//! walks the list; everything else (the file's first lines, `[site]`, …) is parsed as one
//! small document. Peak memory is then the text, the model and one batch.
//!
//! The cut is only made where it cannot change the meaning: every header must be a plain
//! (unquoted) key path, an entry's sub-tables must follow it before any other table, and a
//! key read in batches must not appear anywhere else. Otherwise [`plan`] says no and the
//! caller reads the whole document, as do files too small to gain from batches. The same
//! scan counts the file's values (see [`crate::source::MAX_VALUES`]).

use super::spans::Builder;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

/// Files smaller than this are read whole: batches would save little.
pub(super) const MIN_BYTES: usize = 1 << 20;

/// About how much text one batch holds (it always ends where an entry ends).
pub(super) const BATCH_BYTES: usize = 256 << 10;

/// What the scan found: how many values the file has and, if it can be read in batches, how.
pub(super) struct Scan {
    /// Arrays, tables, keys and list items outside strings and comments; an upper bound on
    /// the values the parser will build.
    pub(super) values: u64,
    headers: Option<Vec<Header>>,
}

/// A `[table]` or `[[array]]` header line.
struct Header {
    /// Byte offset of its `[`.
    start: usize,
    array: bool,
    /// The first key of its path.
    first: Range<usize>,
    /// Whether the path has more than one key (`[vms.startup]`).
    dotted: bool,
}

/// Scan `text` for header lines (outside strings, comments and multi-line values) and count
/// its values. `headers` is `None` where a header is not a plain key path or the text does
/// not scan as TOML (the parser will say why).
pub(super) fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut values = 0u64;
    let mut headers = Some(Vec::new());
    let mut depth = 0i64;
    let mut line_start = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if line_start && depth == 0 && c == b'[' {
            let end = memchr_newline(b, i);
            let header = parse_header(text, i, end);
            if header.is_none() {
                headers = None;
            }
            if let (Some(list), Some(h)) = (headers.as_mut(), header) {
                list.push(h);
            }
            values += 1;
            i = end;
            continue;
        }
        line_start = false;
        match c {
            b'#' => {
                i = memchr_newline(b, i);
                continue;
            }
            b'"' | b'\'' => {
                let Some(next) = skip_string(b, i) else {
                    // Unterminated: the parser reports it.
                    headers = None;
                    break;
                };
                i = next;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                values += 1;
            }
            b']' | b'}' => {
                depth -= 1;
                if depth < 0 {
                    headers = None;
                    depth = 0;
                }
            }
            b'=' | b',' => values += 1,
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        headers = None;
    }
    Scan { values, headers }
}

fn memchr_newline(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p)
}

/// The offset just past the string starting at `i` (a quote), or `None` if it never ends.
fn skip_string(b: &[u8], i: usize) -> Option<usize> {
    let quote = b[i];
    let basic = quote == b'"';
    let triple = b.get(i..i + 3) == Some(&[quote, quote, quote][..]);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        let c = b[j];
        if basic && c == b'\\' {
            j += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return Some(j + 1);
            }
            if b.get(j..j + 3) == Some(&[quote, quote, quote][..]) {
                // Up to two more quotes may close a multi-line string ("""a"""").
                let mut end = j + 3;
                while end < b.len() && b[end] == quote && end < j + 5 {
                    end += 1;
                }
                return Some(end);
            }
        } else if c == b'\n' && !triple {
            return None;
        }
        j += 1;
    }
    None
}

/// Read the header on `text[start..end]`, or `None` if its path is not plain bare keys.
fn parse_header(text: &str, start: usize, end: usize) -> Option<Header> {
    let line = &text[start..end];
    let body = line.split('#').next().unwrap_or("").trim_end();
    let (array, inner) = if let Some(rest) = body.strip_prefix("[[") {
        (true, rest.strip_suffix("]]")?)
    } else {
        (false, body.strip_prefix('[')?.strip_suffix(']')?)
    };
    let bare = |k: &str| {
        !k.is_empty()
            && k.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    };
    let mut keys = inner.split('.').map(str::trim);
    let first = keys.next()?;
    let mut dotted = false;
    for k in keys {
        if !bare(k) {
            return None;
        }
        dotted = true;
    }
    if !bare(first) {
        return None;
    }
    let offset = start + (first.as_ptr() as usize - line.as_ptr() as usize);
    Some(Header {
        start,
        array,
        first: offset..offset + first.len(),
        dotted,
    })
}

/// Adds a parsed value's spans to a tree, shifting them from the parsed text to the file.
pub(super) type AddValue =
    dyn Fn(&mut Builder, &Spanned<DeValue<'_>>, &dyn Fn(usize) -> usize) -> u32;

/// How a large file is read: its batches, and the rest as one document.
pub(super) struct Plan {
    /// Everything not read in batches, in file order.
    rest: String,
    /// `(offset in rest, offset in the file)` where each piece of `rest` starts.
    pieces: Vec<(usize, usize)>,
    /// The keys read in batches, with each batch's range of the file, in file order.
    batches: Vec<(String, Vec<Range<usize>>)>,
}

/// The batches of `text` (given its scan), or `None` if it must be read whole.
pub(super) fn plan(text: &str, scan: &Scan, batch_bytes: usize) -> Option<Plan> {
    let headers = scan.headers.as_ref()?;
    let mut batches: Vec<(String, Vec<Range<usize>>)> = Vec::new();
    let mut rest_ranges: Vec<Range<usize>> = Vec::new();
    let mut rest_keys: Vec<&str> = Vec::new();
    let first_start = headers.first().map_or(text.len(), |h| h.start);
    rest_ranges.push(0..first_start);
    // The key whose entry the previous section belonged to, if it was read in batches.
    let mut run: Option<usize> = None;
    for (n, h) in headers.iter().enumerate() {
        let end = headers.get(n + 1).map_or(text.len(), |next| next.start);
        let key = &text[h.first.clone()];
        let known = batches.iter().position(|(k, _)| k == key);
        if h.array && !h.dotted {
            let slot = known.unwrap_or_else(|| {
                batches.push((key.to_owned(), Vec::new()));
                batches.len() - 1
            });
            let ranges = &mut batches[slot].1;
            match ranges.last_mut() {
                Some(last) if run == Some(slot) && last.end - last.start < batch_bytes => {
                    last.end = end;
                }
                _ => ranges.push(h.start..end),
            }
            run = Some(slot);
        } else if known.is_some() && known == run {
            // A sub-table of the entry just read (`[vms.startup]`).
            if let Some(last) = batches[known?].1.last_mut() {
                last.end = end;
            }
        } else if known.is_some() {
            // A sub-table that reaches back to an entry past another table: read whole.
            return None;
        } else {
            rest_keys.push(key);
            match rest_ranges.last_mut() {
                Some(last) if last.end == h.start => last.end = end,
                _ => rest_ranges.push(h.start..end),
            }
            run = None;
        }
    }
    if batches.is_empty() || batches.iter().any(|(k, _)| rest_keys.contains(&k.as_str())) {
        return None;
    }
    let mut rest = String::new();
    let mut pieces = Vec::new();
    for r in rest_ranges {
        pieces.push((rest.len(), r.start));
        rest.push_str(&text[r]);
        // A piece may end without a line break (the file's last line).
        if !rest.ends_with('\n') {
            rest.push('\n');
        }
    }
    Some(Plan {
        rest,
        pieces,
        batches,
    })
}

/// An error from a batch or the rest, with its span in the whole file.
#[derive(Debug)]
pub(super) struct ChunkError {
    pub(super) message: String,
    pub(super) span: Option<Range<usize>>,
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ChunkError {}

impl de::Error for ChunkError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            message: msg.to_string(),
            span: None,
        }
    }
}

impl ChunkError {
    fn from_toml(e: &toml::de::Error, shift: &impl Fn(usize) -> usize) -> Self {
        Self {
            message: e.message().trim().to_owned(),
            span: e.span().map(|s| shift(s.start)..shift(s.end)),
        }
    }
}

impl Plan {
    /// A rest offset's offset in the file.
    fn rest_to_file(&self, offset: usize) -> usize {
        let i = self.pieces.partition_point(|&(at, _)| at <= offset);
        let (at, file) = self.pieces[i.saturating_sub(1)];
        file + (offset - at)
    }

    /// The rest, parsed; `None` if it defines a key read in batches (the whole document
    /// must then be read for the parser to report it).
    fn rest_table(&self) -> Result<Option<Spanned<DeTable<'_>>>, ChunkError> {
        let shift = |o| self.rest_to_file(o);
        let table = DeTable::parse(&self.rest).map_err(|e| ChunkError::from_toml(&e, &shift))?;
        let clash = self
            .batches
            .iter()
            .any(|(k, _)| table.get_ref().contains_key(k.as_str()));
        Ok((!clash).then_some(table))
    }

    /// A serde deserializer over the whole file; `None` if it must be read whole.
    pub(super) fn deserializer<'de>(
        &'de self,
        text: &'de str,
    ) -> Result<Option<Root<'de>>, ChunkError> {
        Ok(self.rest_table()?.map(|rest| Root {
            plan: self,
            text,
            rest,
        }))
    }

    /// Add the spans of the whole file to `builder` (as one table); `false` if the file
    /// must be read whole.
    pub(super) fn spans(&self, text: &str, builder: &mut Builder, value: &AddValue) -> bool {
        let Ok(Some(rest)) = self.rest_table() else {
            return false;
        };
        let mut root = builder.open(true);
        let shift = |o| self.rest_to_file(o);
        for (key, v) in rest.get_ref() {
            let child = value(builder, v, &shift);
            Builder::attach(&mut root, Some(key.get_ref()), child);
        }
        for (key, ranges) in &self.batches {
            let mut list = builder.open(false);
            // As the parser does, a list of tables spans its first entry's header.
            let mut span: Option<Range<usize>> = None;
            for range in ranges {
                let Ok(items) = batch_items(text, key, range) else {
                    return false;
                };
                let shift = |o| o + range.start;
                for item in &items {
                    if span.is_none() {
                        span = Some(shift(item.span().start)..shift(item.span().end));
                    }
                    let child = value(builder, item, &shift);
                    Builder::attach(&mut list, None, child);
                }
            }
            let child = builder.close(list, span.unwrap_or(0..0));
            Builder::attach(&mut root, Some(key), child);
        }
        let whole = rest.span();
        builder.close(root, shift(whole.start)..shift(whole.end));
        true
    }
}

/// The entries of `key` in one batch of the file.
fn batch_items<'de>(
    text: &'de str,
    key: &str,
    range: &Range<usize>,
) -> Result<Vec<Spanned<DeValue<'de>>>, ChunkError> {
    let shift = |o| o + range.start;
    let table = DeTable::parse(&text[range.clone()])
        .map_err(|e| ChunkError::from_toml(&e, &shift))?
        .into_inner();
    for (k, v) in table {
        if k.get_ref() == key {
            if let DeValue::Array(items) = v.into_inner() {
                return Ok(items.into_iter().collect());
            }
            break;
        }
    }
    Err(ChunkError {
        message: format!("expected a list of `{key}` tables"),
        span: Some(range.start..range.start + 1),
    })
}

/// The whole file as serde sees it: the rest's keys, then each batched list.
pub(super) struct Root<'de> {
    plan: &'de Plan,
    text: &'de str,
    rest: Spanned<DeTable<'de>>,
}

impl<'de> de::Deserializer<'de> for Root<'de> {
    type Error = ChunkError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ChunkError> {
        let plan = self.plan;
        visitor.visit_map(RootMap {
            plan,
            text: self.text,
            rest: self.rest.into_inner().into_iter(),
            batches: plan.batches.iter(),
            pending: Pending::None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

enum Pending<'de> {
    None,
    Rest(Spanned<DeValue<'de>>),
    Batch(&'de str, &'de [Range<usize>]),
}

struct RootMap<'de, I> {
    plan: &'de Plan,
    text: &'de str,
    rest: I,
    batches: std::slice::Iter<'de, (String, Vec<Range<usize>>)>,
    pending: Pending<'de>,
}

impl<'de, I> MapAccess<'de> for RootMap<'de, I>
where
    I: Iterator<Item = (Spanned<Cow<'de, str>>, Spanned<DeValue<'de>>)>,
{
    type Error = ChunkError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ChunkError> {
        let key: Cow<'de, str> = if let Some((key, value)) = self.rest.next() {
            self.pending = Pending::Rest(value);
            key.into_inner()
        } else if let Some((key, ranges)) = self.batches.next() {
            self.pending = Pending::Batch(key, ranges);
            Cow::Borrowed(key.as_str())
        } else {
            return Ok(None);
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ChunkError> {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::Rest(value) => seed
                .deserialize(ValueDeserializer::from(value))
                .map_err(|e| ChunkError::from_toml(&e, &|o| self.plan.rest_to_file(o))),
            Pending::Batch(key, ranges) => seed.deserialize(Batched {
                text: self.text,
                key,
                ranges: ranges.iter(),
                items: Vec::new().into_iter(),
                shift: 0,
            }),
            Pending::None => Err(de::Error::custom("a value without its key")),
        }
    }
}

/// One top-level list read batch by batch.
struct Batched<'de> {
    text: &'de str,
    key: &'de str,
    ranges: std::slice::Iter<'de, Range<usize>>,
    items: std::vec::IntoIter<Spanned<DeValue<'de>>>,
    /// Where the current batch starts in the file.
    shift: usize,
}

impl<'de> de::Deserializer<'de> for Batched<'de> {
    type Error = ChunkError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ChunkError> {
        visitor.visit_seq(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ChunkError> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> SeqAccess<'de> for Batched<'de> {
    type Error = ChunkError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ChunkError> {
        loop {
            if let Some(item) = self.items.next() {
                let shift = self.shift;
                return seed
                    .deserialize(ValueDeserializer::from(item))
                    .map(Some)
                    .map_err(|e| ChunkError::from_toml(&e, &|o| o + shift));
            }
            let Some(range) = self.ranges.next() else {
                return Ok(None);
            };
            self.items = batch_items(self.text, self.key, range)?.into_iter();
            self.shift = range.start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::toml_spans::{deserialize_in, spans_in};
    use super::*;
    use crate::diag::DataPath;

    /// Read `text` whole and in batches of a few bytes; both must give the same model (or
    /// the same error), the same unknown keys and the same span for every path.
    fn same_both_ways(text: &str) -> bool {
        let scan = scan(text);
        let mut whole_unknown = Vec::new();
        let whole = deserialize_in(text, &scan, usize::MAX, 0, &mut whole_unknown);
        let mut batched_unknown = Vec::new();
        let batched = deserialize_in(text, &scan, 0, 64, &mut batched_unknown);
        match (&whole, &batched) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => {
                assert_eq!(a.0.message, b.0.message);
                assert_eq!(a.0.path, b.0.path);
                assert_eq!(a.1, b.1);
            }
            _ => panic!(
                "one read failed: whole {:?}, batched {:?}",
                whole.is_ok(),
                batched.is_ok()
            ),
        }
        assert_eq!(whole_unknown, batched_unknown);
        let whole_spans = spans_in(text, &scan, usize::MAX, 0).all();
        let batched_spans = spans_in(text, &scan, 0, 64).all();
        let sorted = |mut v: Vec<(DataPath, Range<usize>)>| {
            v.sort_by_key(|(p, _)| p.to_string());
            v
        };
        assert_eq!(sorted(whole_spans), sorted(batched_spans));
        plan(text, &scan, 64).is_some()
    }

    #[test]
    fn the_examples_and_a_fleet_read_the_same_in_batches() {
        for (name, text) in crate::examples::ALL {
            assert!(same_both_ways(text), "{name} was not batched");
        }
        let fleet = crate::sim::generate::generate(&crate::sim::generate::FleetSpec {
            hosts: 12,
            ..Default::default()
        });
        let text = toml::to_string(&fleet).unwrap();
        assert!(same_both_ways(&text));
    }

    #[test]
    fn errors_and_unknown_keys_are_the_same_in_batches() {
        let base = "schema_version = 1\n[site]\nname = \"s\"\n\
                    [[hosts]]\nid = \"a\"\n[hosts.cpu]\nvendor = \"amd\"\n\
                    [[hosts]]\nid = \"b\"\ncolour = 1\n[[vms]]\nid = \"v\"\nhost = \"a\"\n";
        assert!(same_both_ways(base));
        // A type error deep in a batch, and a syntax error in one.
        assert!(same_both_ways(&base.replace("id = \"v\"", "id = 3")));
        assert!(same_both_ways(&base.replace("id = \"v\"", "id = = \"v\"")));
    }

    #[test]
    fn text_that_only_looks_like_headers_is_not_cut() {
        // A multi-line string and a multi-line list whose lines start with `[`.
        let text = "schema_version = 1\n[[hosts]]\nid = \"a\"\nnotes = \"\"\"\n[[vms]]\nid = \"no\"\n\"\"\"\n\
                    [[vms]]\nid = \"v\"\nhost = \"a\"\ntags = [\n[\"x\"],\n]\n[[vms]]\nid = \"w\"\nhost = \"a\"\n";
        same_both_ways(text);
        let scan = scan(text);
        let plan = plan(text, &scan, 0).expect("plain headers are batched");
        let vms = plan.batches.iter().find(|(k, _)| k == "vms").unwrap();
        assert_eq!(vms.1.len(), 2, "{:?}", vms.1);
    }

    #[test]
    fn layouts_batches_could_change_are_read_whole() {
        let cases = [
            // A sub-table reaching back past another table to the last `hosts` entry.
            "schema_version = 1\n[[hosts]]\nid = \"a\"\n[site]\nname = \"s\"\n[hosts.cpu]\nvendor = \"amd\"\n",
            // A quoted key in a header.
            "schema_version = 1\n[[\"hosts\"]]\nid = \"a\"\n",
            // The same list written inline and as tables: an error the parser must report.
            "schema_version = 1\nhosts = []\n[[hosts]]\nid = \"a\"\n",
            "schema_version = 1\n[hosts]\n[[hosts]]\nid = \"a\"\n",
        ];
        for text in cases {
            let scan = scan(text);
            let read_whole =
                plan(text, &scan, 0).is_none_or(|p| p.rest_table().map_or(true, |t| t.is_none()));
            assert!(read_whole, "{text}");
            same_both_ways(text);
        }
    }

    #[test]
    fn values_are_counted_outside_strings_and_comments() {
        let scan = scan("a = [1, 2, {b = 3}] # , , ,\nc = \"[,=]\"\n[t]\n");
        // `a =`, `[`, two commas, `{`, `b =`, `c =`, the header.
        assert_eq!(scan.values, 8);
    }
}
