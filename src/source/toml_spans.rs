//! TOML: deserialize with the `toml` crate (whose errors carry spans); positions come from
//! the same crate's spanned document ([`toml::de::DeTable`]), read only when asked for.
//! Large files are read a batch of entries at a time ([`super::toml_chunks`]).

use super::ignored_path;
use super::spans::{Builder, SpanTree};
use super::toml_chunks::{self, ChunkError, Scan};
use crate::diag::{Code, DataPath, Diagnostic};
use crate::model::Topology;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A diagnostic and the byte span it points at (boxed: the error path is cold).
pub(super) type Failure = Box<(Diagnostic, Option<Range<usize>>)>;

/// Deserialize `text` (whose scan is `scan`); record unknown keys in `unknown`.
pub(super) fn deserialize(
    text: &str,
    scan: &Scan,
    unknown: &mut Vec<DataPath>,
) -> Result<Topology, Failure> {
    deserialize_in(
        text,
        scan,
        toml_chunks::MIN_BYTES,
        toml_chunks::BATCH_BYTES,
        unknown,
    )
}

/// [`deserialize`] with the batching thresholds given (tests make them tiny).
pub(super) fn deserialize_in(
    text: &str,
    scan: &Scan,
    min_bytes: usize,
    batch_bytes: usize,
    unknown: &mut Vec<DataPath>,
) -> Result<Topology, Failure> {
    if text.len() >= min_bytes {
        if let Some(plan) = toml_chunks::plan(text, scan, batch_bytes) {
            let mut found = Vec::new();
            if let Ok(Some(de)) = plan.deserializer(text) {
                if let Ok(topology) = read(de, &mut found, |e: &ChunkError| {
                    (e.message.clone(), e.span.clone())
                }) {
                    unknown.extend(found);
                    return Ok(topology);
                }
            }
            // A batched read that fails is read again whole, so the error reported is the
            // parser's first one, exactly as for a small file.
        }
    }
    deserialize_whole(text, unknown)
}

/// [`deserialize`] without batches: the whole text parsed at once (what [`deserialize`] does
/// below [`toml_chunks::MIN_BYTES`]). The web page reads with [`super::toml_plain`] instead,
/// which gives the same without the wrappers.
pub(super) fn deserialize_whole(
    text: &str,
    unknown: &mut Vec<DataPath>,
) -> Result<Topology, Failure> {
    let de = toml::Deserializer::parse(text).map_err(|e| Box::new(failure(Code::Syntax, &e)))?;
    read(de, unknown, |e: &toml::de::Error| {
        (e.message().trim().to_owned(), e.span())
    })
}

/// Run the model's deserializer over `de`, recording unknown keys and the failing path.
fn read<'de, D, E>(
    de: D,
    unknown: &mut Vec<DataPath>,
    describe: impl Fn(&E) -> (String, Option<Range<usize>>),
) -> Result<Topology, Failure>
where
    D: serde::Deserializer<'de, Error = E>,
    E: serde::de::Error,
{
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let de = serde_ignored::Deserializer::new(de, &mut record);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = super::error_path(e.path());
        let (message, span) = describe(e.inner());
        let mut d = Diagnostic::error(Code::InvalidType, DataPath::root(), message);
        d.path = path;
        Box::new((d, span))
    })
}

/// The spans of every key and value of `text` (empty if it is not TOML).
pub(super) fn spans(text: &str) -> SpanTree {
    let scan = toml_chunks::scan(text);
    spans_in(
        text,
        &scan,
        toml_chunks::MIN_BYTES,
        toml_chunks::BATCH_BYTES,
    )
}

/// [`spans`] with the batching thresholds given.
pub(super) fn spans_in(text: &str, scan: &Scan, min_bytes: usize, batch_bytes: usize) -> SpanTree {
    if text.len() >= min_bytes {
        if let Some(plan) = toml_chunks::plan(text, scan, batch_bytes) {
            let mut builder = Builder::default();
            if plan.spans(text, &mut builder, &value) {
                return builder.finish();
            }
        }
    }
    let mut builder = Builder::default();
    if let Ok(root) = DeTable::parse(text) {
        table(&mut builder, root.span(), root.get_ref(), &|o| o);
    }
    builder.finish()
}

fn failure(code: Code, e: &toml::de::Error) -> (Diagnostic, Option<Range<usize>>) {
    let message = e.message().trim().to_owned();
    let d = Diagnostic::error(code, DataPath::root(), message);
    (d, e.span())
}

/// A span of the parsed text, in the file.
fn shifted(span: Range<usize>, shift: &dyn Fn(usize) -> usize) -> Range<usize> {
    shift(span.start)..shift(span.end)
}

fn table(
    builder: &mut Builder,
    span: Range<usize>,
    t: &DeTable<'_>,
    shift: &dyn Fn(usize) -> usize,
) -> u32 {
    let mut open = builder.open(true);
    for (key, v) in t {
        let child = value(builder, v, shift);
        Builder::attach(&mut open, Some(key.get_ref()), child);
    }
    builder.close(open, shifted(span, shift))
}

fn value(builder: &mut Builder, v: &Spanned<DeValue<'_>>, shift: &dyn Fn(usize) -> usize) -> u32 {
    match v.get_ref() {
        DeValue::Table(t) => table(builder, v.span(), t, shift),
        DeValue::Array(items) => {
            let mut open = builder.open(false);
            for item in &**items {
                let child = value(builder, item, shift);
                Builder::attach(&mut open, None, child);
            }
            builder.close(open, shifted(v.span(), shift))
        }
        _ => builder.leaf(shifted(v.span(), shift)),
    }
}
