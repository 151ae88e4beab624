//! JSON: deserialize with `serde_json`; positions come from a small scanner, run only when
//! asked for.
//!
//! The scanner only runs on text `serde_json` already accepted, but it is still written to
//! stop (not panic) on anything unexpected, and its depth is bounded like `serde_json`'s.

use super::ignored_path;
use super::spans::{Builder, Open, SpanTree};
use crate::diag::{Code, DataPath, Diagnostic};
use crate::model::Topology;
use std::ops::Range;

/// A diagnostic and the byte span it points at (boxed: the error path is cold).
type Failure = Box<(Diagnostic, Option<Range<usize>>)>;

const MAX_DEPTH: usize = 128;

/// Deserialize `text`; record unknown keys in `unknown`.
pub(super) fn deserialize(text: &str, unknown: &mut Vec<DataPath>) -> Result<Topology, Failure> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let result: Result<Topology, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(&mut de, &mut record));
    let (result, path) = match result {
        Ok(t) => (Ok(t), DataPath::root()),
        Err(e) => {
            let path = super::error_path(e.path());
            (Err(e.into_inner()), path)
        }
    };
    result.and_then(|t| de.end().map(|()| t)).map_err(|e| {
        let code = match e.classify() {
            serde_json::error::Category::Data => Code::InvalidType,
            _ => Code::Syntax,
        };
        // serde_json appends " at line L column C"; the location says that already.
        let full = e.to_string();
        let message = full
            .rfind(" at line ")
            .map_or(full.as_str(), |i| &full[..i])
            .to_owned();
        let offset = offset_of(text, e.line(), e.column());
        Box::new((
            Diagnostic::error(code, path.clone(), message),
            Some(offset..offset + 1),
        ))
    })
}

/// The spans of every key and value of `text` (as far as it is JSON).
pub(super) fn spans(text: &str) -> SpanTree {
    let mut scanner = Scanner {
        text: text.as_bytes(),
        pos: 0,
        builder: Builder::default(),
    };
    scanner.value(0);
    scanner.builder.finish()
}

/// Count the values of `text` (lists, objects, keys and list items: `[`, `{`, `:` and `,`
/// outside strings), without allocating.
pub(super) fn count_values(text: &str) -> u64 {
    let mut values = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &c in text.as_bytes() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' | b':' | b',' => values += 1,
            _ => {}
        }
    }
    values
}

/// Byte offset of `serde_json`'s 1-based line and column (column 0 = before the line).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
    builder: Builder,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Scan one value, recording its span; `None` when the text stops making sense.
    fn value(&mut self, depth: usize) -> Option<u32> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                let open = self.builder.open(true);
                self.object(open, depth)
            }
            b'[' => {
                let open = self.builder.open(false);
                self.array(open, depth)
            }
            b'"' => self.string().then(|| self.builder.leaf(start..self.pos)),
            _ => {
                while matches!(self.peek(), Some(c) if !matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.pos += 1;
                }
                (self.pos > start).then(|| self.builder.leaf(start..self.pos))
            }
        }
    }

    fn string(&mut self) -> bool {
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'\\' => self.pos += 1,
                b'"' => return true,
                _ => {}
            }
        }
        false
    }

    fn object(&mut self, mut open: Open, depth: usize) -> Option<u32> {
        let start = self.pos;
        self.pos += 1;
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(self.builder.close(open, start..self.pos));
                }
                b',' => self.pos += 1,
                b'"' => {
                    let key_start = self.pos;
                    if !self.string() {
                        return None;
                    }
                    let raw = &self.text[key_start + 1..self.pos - 1];
                    let key: String =
                        serde_json::from_slice::<String>(&self.text[key_start..self.pos])
                            .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned());
                    self.skip_ws();
                    if self.peek() != Some(b':') {
                        return None;
                    }
                    self.pos += 1;
                    let child = self.value(depth + 1)?;
                    Builder::attach(&mut open, Some(&key), child);
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, mut open: Open, depth: usize) -> Option<u32> {
        let start = self.pos;
        self.pos += 1;
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => {
                    self.pos += 1;
                    return Some(self.builder.close(open, start..self.pos));
                }
                b',' => self.pos += 1,
                _ => {
                    let child = self.value(depth + 1)?;
                    Builder::attach(&mut open, None, child);
                }
            }
        }
    }
}
