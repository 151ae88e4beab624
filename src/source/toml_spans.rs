//! TOML: deserialize with the `toml` crate (whose errors carry spans); positions come from
//! the same crate's spanned document ([`toml::de::DeTable`]), read only when asked for.

use super::ignored_path;
use super::spans::{Builder, SpanTree};
use crate::diag::{Code, DataPath, Diagnostic};
use crate::model::Topology;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A diagnostic and the byte span it points at (boxed: the error path is cold).
type Failure = Box<(Diagnostic, Option<Range<usize>>)>;

/// Deserialize `text`; record unknown keys in `unknown`.
pub(super) fn deserialize(text: &str, unknown: &mut Vec<DataPath>) -> Result<Topology, Failure> {
    let de = toml::Deserializer::parse(text).map_err(|e| Box::new(failure(Code::Syntax, &e)))?;
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let de = serde_ignored::Deserializer::new(de, &mut record);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = super::error_path(e.path());
        let (mut d, span) = failure(Code::InvalidType, e.inner());
        d.path = path;
        Box::new((d, span))
    })
}

/// The spans of every key and value of `text` (empty if it is not TOML).
pub(super) fn spans(text: &str) -> SpanTree {
    let mut builder = Builder::default();
    if let Ok(root) = DeTable::parse(text) {
        let span = root.span();
        table(&mut builder, span, root.get_ref());
    }
    builder.finish()
}

fn failure(code: Code, e: &toml::de::Error) -> (Diagnostic, Option<Range<usize>>) {
    let message = e.message().trim().to_owned();
    let d = Diagnostic::error(code, DataPath::root(), message);
    (d, e.span())
}

fn table(builder: &mut Builder, span: Range<usize>, t: &DeTable<'_>) -> u32 {
    let mut open = builder.open(true);
    for (key, v) in t {
        let child = value(builder, v);
        Builder::attach(&mut open, Some(key.get_ref()), child);
    }
    builder.close(open, span)
}

fn value(builder: &mut Builder, v: &Spanned<DeValue<'_>>) -> u32 {
    match v.get_ref() {
        DeValue::Table(t) => table(builder, v.span(), t),
        DeValue::Array(items) => {
            let mut open = builder.open(false);
            for item in &**items {
                let child = value(builder, item);
                Builder::attach(&mut open, None, child);
            }
            builder.close(open, v.span())
        }
        _ => builder.leaf(v.span()),
    }
}
