//! Reading topology files: TOML or JSON text → [`Topology`] plus a span index that maps data
//! paths back to file positions.
//!
//! Parsing never panics and never trusts its input: size is capped, non-UTF-8 is rejected with
//! the byte offset, nesting is bounded by the underlying parsers, and every key the format does
//! not know is reported (all of them, not just the first) instead of silently dropped.

mod json_spans;
mod spans;
mod toml_chunks;
mod toml_plain;
mod toml_spans;

use crate::diag::{did_you_mean, Code, DataPath, Diagnostic, Location, Segment};
use crate::model::{Topology, SCHEMA_VERSION};
use spans::SpanTree;
use std::ops::Range;
use std::sync::OnceLock;

/// Largest input accepted, in bytes. Real topologies are a few hundred KiB even for big fleets;
/// the cap admits the same fleets as [`MAX_VALUES`] in either format: a 15,000-host fleet is
/// about 66 MB of TOML and 105 MB of JSON as `generate` and `export` write it (pretty-printed),
/// so at 64 MiB a 10,000-host fleet read as JSON was refused while its TOML was read.
pub const MAX_INPUT_BYTES: usize = 128 * 1024 * 1024;

/// The most values (keys, tables, lists and list items) a file may have. A generated fleet
/// of 10,000 hosts and 100,000 VMs has about 2.7 million; the cap bounds what a crafted
/// file of tiny values (`[[],[],…]`) makes the parser allocate, whatever its size.
pub const MAX_VALUES: u64 = 6_000_000;

/// Text format of a topology file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML (the format people write).
    Toml,
    /// JSON (same schema).
    Json,
}

impl Format {
    /// Guess from the file name, then from the first non-blank character.
    pub fn detect(name: &str, text: &[u8]) -> Self {
        let ext = std::path::Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => return Self::Json,
            Some("toml") => return Self::Toml,
            _ => {}
        }
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Self::Json,
            _ => Self::Toml,
        }
    }
}

/// A topology file: its name, its text, and where its values are.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Name shown in diagnostics.
    pub name: String,
    /// The text (empty if the input was not UTF-8).
    pub text: String,
    /// The detected format.
    pub format: Format,
    /// Where each value is, read on first use: a clean file never needs it, and a file with
    /// thousands of findings reads it once.
    spans: OnceLock<SpanTree>,
    /// Byte offsets where lines start, built on first use: locating thousands of diagnostics
    /// is then a binary search each, not a scan from the file's start.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A file with its text (positions are read from it when first asked for).
    pub fn new(name: String, text: String, format: Format) -> Self {
        Self {
            name,
            text,
            format,
            spans: OnceLock::new(),
            line_starts: OnceLock::new(),
        }
    }

    /// The byte span of the value at `path`, or of its nearest ancestor in the file.
    pub fn span(&self, path: &DataPath) -> Option<Range<usize>> {
        self.spans
            .get_or_init(|| match self.format {
                Format::Toml => toml_spans::spans(&self.text),
                Format::Json => json_spans::spans(&self.text),
            })
            .span(path)
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The text of 1-based line `line`, without its line break (empty past the end).
    pub fn line(&self, line: u32) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get((line as usize).saturating_sub(1)) else {
            return "";
        };
        let end = starts.get(line as usize).map_or(self.text.len(), |&e| e);
        self.text
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r'])
    }

    /// 1-based line and character column of a byte offset, via the line index.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let starts = self.line_starts();
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }

    /// Fill in `location` of a diagnostic from its data path.
    pub fn locate(&self, diag: &mut Diagnostic) {
        if diag.location.is_some() {
            return;
        }
        if let Some(span) = self.span(&diag.path) {
            diag.location = Some(self.location(span));
        }
    }

    /// File position of a byte span.
    pub fn location(&self, span: Range<usize>) -> Location {
        let start = span.start.min(self.text.len());
        let (line, column) = self.line_col(start);
        Location {
            file: self.name.clone(),
            line,
            column,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(span.end.min(self.text.len())).unwrap_or(u32::MAX),
        }
    }
}

/// 1-based line and character column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The result of reading a file: a model if one could be built, and what was wrong.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file with its span index.
    pub source: SourceFile,
    /// The model, if the text was readable as one.
    pub topology: Option<Topology>,
    /// Problems found while reading (syntax, types, unknown keys, version), located.
    pub diagnostics: Vec<Diagnostic>,
}

/// Read a topology from bytes. Never panics; everything wrong is in `diagnostics`.
///
/// # Example
/// ```
/// let parsed = hostplan::source::parse("t.toml", b"schema_version = 1\n");
/// assert!(parsed.topology.is_some());
/// assert!(parsed.diagnostics.is_empty());
/// ```
pub fn parse(name: &str, bytes: &[u8]) -> Parsed {
    parse_in::<true>(name, bytes)
}

/// [`parse`] for a front end that reads only TOML, each text whole: the same [`Parsed`] as
/// [`parse`] for any TOML text (large ones take more memory: [`parse`] reads those a batch of
/// entries at a time), and an unusable-input error for JSON. The web page reads with it so
/// that its wasm carries one instantiation of the model's deserializer instead of three (the
/// JSON reader and the batched TOML reader are each a copy of it); JSON files are read in its
/// worker, with [`parse`].
pub fn parse_toml(name: &str, bytes: &[u8]) -> Parsed {
    parse_in::<false>(name, bytes)
}

/// [`parse`] (`ALL`) or [`parse_toml`]: a constant, so the readers one does not use are not
/// linked into a program that never calls the other.
fn parse_in<const ALL: bool>(name: &str, bytes: &[u8]) -> Parsed {
    let format = Format::detect(name, bytes);
    let mut source = SourceFile::new(name.to_owned(), String::new(), format);
    let unusable = |source: SourceFile, d: Diagnostic| Parsed {
        source,
        topology: None,
        diagnostics: vec![d],
    };
    if bytes.len() > MAX_INPUT_BYTES {
        let d = Diagnostic::error(
            Code::TooLarge,
            DataPath::root(),
            format!("{name} is larger than {MAX_INPUT_BYTES} bytes, the most hostplan reads"),
        );
        return unusable(source, d);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let d = Diagnostic::error(
                Code::Syntax,
                DataPath::root(),
                format!(
                    "{name} is not UTF-8 text (invalid byte at offset {}); is it a binary file?",
                    e.valid_up_to()
                ),
            )
            .expected("a TOML or JSON topology file");
            source.text = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let mut d = d;
            d.location = Some(source.location(e.valid_up_to()..e.valid_up_to() + 1));
            return unusable(source, d);
        }
    };
    source.text = text;
    if !ALL && format == Format::Json {
        let d = Diagnostic::error(
            Code::Syntax,
            DataPath::root(),
            format!("{name} is JSON, and this reader reads TOML only"),
        )
        .expected("a TOML topology (`hostplan::check` reads JSON too)");
        let mut d = d;
        d.location = Some(source.location(0..1));
        return unusable(source, d);
    }
    // Parsers build every value before the model sees any, so memory follows the number
    // of values, not bytes: 62 MiB of `[],` is 20 million empty lists. Counted first, in
    // one pass that allocates nothing.
    let toml_scan = (format == Format::Toml).then(|| toml_chunks::scan(&source.text));
    let values = match &toml_scan {
        Some(scan) => scan.values,
        None if ALL => json_spans::count_values(&source.text),
        None => 0,
    };
    if values > MAX_VALUES {
        let d = Diagnostic::error(
            Code::TooLarge,
            DataPath::root(),
            format!(
                "{name} has more than {MAX_VALUES} values (keys, tables, lists and list items), \
                 the most hostplan reads"
            ),
        )
        .expected("a topology of at most about 15,000 hosts");
        return unusable(source, d);
    }
    let mut unknown = Vec::new();
    let result = match &toml_scan {
        Some(scan) if ALL => toml_spans::deserialize(&source.text, scan, &mut unknown),
        Some(_) => toml_plain::deserialize(&source.text, &mut unknown),
        None if ALL => json_spans::deserialize(&source.text, &mut unknown),
        // JSON, which `parse_toml` refused above (spelt out so it does not link the reader).
        None => Err(Box::new((
            Diagnostic::error(Code::Syntax, DataPath::root(), "not TOML".to_owned()),
            None,
        ))),
    };
    let topology = match result {
        Ok(ok) => ok,
        Err(failure) => {
            let (mut d, span) = *failure;
            if let Some(span) = span {
                d.location = Some(source.location(span));
            }
            return unusable(source, d);
        }
    };
    let mut diagnostics: Vec<Diagnostic> = unknown.into_iter().filter_map(unknown_key).collect();
    if topology.schema_version != SCHEMA_VERSION {
        let path = DataPath::root().key("schema_version");
        let msg = if topology.schema_version == 0 {
            "missing `schema_version`".to_owned()
        } else {
            format!("unsupported schema_version {}", topology.schema_version)
        };
        diagnostics.push(
            Diagnostic::error(Code::SchemaVersion, path, msg)
                .expected(format!("schema_version = {SCHEMA_VERSION}")),
        );
    }
    for d in &mut diagnostics {
        source.locate(d);
    }
    let usable = !diagnostics.iter().any(|d| d.code.is_unusable_input());
    Parsed {
        source,
        topology: usable.then_some(topology),
        diagnostics,
    }
}

/// The diagnostic for a key the format does not know, at `path` (`None` for what is allowed
/// there anyway).
pub(crate) fn unknown_key(path: DataPath) -> Option<Diagnostic> {
    // `$schema` at the top of a JSON file points editors at the JSON Schema
    // (`schema/v1.json`); it is not part of the model.
    if path.0 == [Segment::Key("$schema".into())] {
        return None;
    }
    let key = match path.0.last() {
        Some(Segment::Key(k)) => k.clone(),
        _ => path.to_string(),
    };
    let message = format!("unknown key `{key}` at `{path}`");
    let mut d = Diagnostic::error(Code::UnknownField, path, message)
        .with_id(key.clone())
        .expected("a key of the topology format (see `hostplan schema`)");
    if let Some(s) = did_you_mean(&key, crate::schema::known_keys()) {
        d = d.help(format!("did you mean `{s}`?"));
    }
    Some(d)
}

/// One `[[section]]` entry of a TOML file read on its own (the text the document editor cut
/// and rewrote): a topology holding just that entry, and its unknown keys as diagnostics.
/// Paths name the entry as the first of its section (`vms[0]`) and spans are relative to the
/// entry's text; the caller moves both to where the entry is in the file (and makes the
/// diagnostics with [`unknown_key`]). `None` when the entry does not read: the caller then
/// reads the whole file, whose first error is the one to report.
pub(crate) fn parse_entry(text: &str) -> Option<(Topology, Vec<DataPath>)> {
    let scan = toml_chunks::scan(text);
    if scan.values > MAX_VALUES {
        return None;
    }
    let mut unknown = Vec::new();
    // Whole (an entry is far below the size batches start at), and without the wrapped
    // reader: the page reads entries too, and carries only [`toml_plain`].
    let topology = toml_plain::deserialize(text, &mut unknown).ok()?;
    Some((topology, unknown))
}

/// The byte span of the value at `path` in a TOML text read on its own (one entry's text, see
/// [`parse_entry`]), or of its nearest ancestor there.
pub(crate) fn toml_span(text: &str, path: &DataPath) -> Option<Range<usize>> {
    toml_spans::spans(text).span(path)
}

/// Convert a `serde_ignored` path into a [`DataPath`].
fn ignored_path(path: &serde_ignored::Path<'_>) -> DataPath {
    use serde_ignored::Path;
    match path {
        Path::Root => DataPath::root(),
        Path::Seq { parent, index } => ignored_path(parent).index(*index),
        Path::Map { parent, key } => ignored_path(parent).key(key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// Convert a `serde_path_to_error` path into a [`DataPath`].
fn error_path(path: &serde_path_to_error::Path) -> DataPath {
    use serde_path_to_error::Segment as S;
    let mut out = DataPath::root();
    for seg in path {
        out = match seg {
            S::Seq { index } => out.index(*index),
            S::Map { key } => out.key(key),
            S::Enum { variant } => out.key(variant),
            S::Unknown => out,
        };
    }
    out
}
