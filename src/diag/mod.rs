//! Diagnostics: what is wrong, where, with which id, and what was expected.
//!
//! A [`Diagnostic`] is data, not text: front ends match on [`Code`] and read the fields. The
//! validator only knows data paths (`vms[1].hostpci[0].mapping`); [`crate::source`] turns a
//! path into a file position, and [`render`] prints the rustc-style form for terminals.

pub mod render;

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Works, but is probably not what was meant.
    Warning,
    /// The topology is inconsistent; later stages cannot trust it.
    Error,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    /// The severity called `name` (as [`Severity::as_str`] gives it).
    pub fn from_name(name: &str) -> Option<Severity> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// `info`, `warning`, `error`: the name in every output format and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Stable machine-readable kind of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    /// The text is not TOML/JSON at all (or truncated, or binary).
    Syntax,
    /// A value has the wrong type or an unknown enum variant.
    InvalidType,
    /// A key the format does not know (typo?).
    UnknownField,
    /// `schema_version` is missing or unsupported.
    SchemaVersion,
    /// The input is larger than hostplan accepts.
    TooLarge,
    /// An id is empty.
    MissingId,
    /// Two entities share an id.
    DuplicateId,
    /// A reference names no entity of the expected kind.
    UnknownReference,
    /// A malformed PCI address.
    BadPciAddress,
    /// A value outside its allowed range (hostpci index, VLAN id…).
    OutOfRange,
    /// Mutually exclusive or required fields are wrong (`hostpci` needs exactly one target…).
    InvalidCombination,
    /// A device passed through to two VMs that can run at the same time, or twice to one VM.
    DeviceConflict,
    /// A passthrough device (or disk, bridge port) on a different host than its user.
    HostMismatch,
    /// A disk used in two vdevs (or pools).
    DiskReused,
    /// A pool or vdev without disks.
    EmptyPool,
    /// A cycle in the "requires" graph.
    RequiresCycle,
    /// A value a provisioner receives is not in the format Proxmox requires (storage and
    /// mapping ids, bridge names, CPU and machine types, VM names).
    InvalidFormat,
    /// A value the topology needs is not known (an importer could not resolve it).
    UnknownValue,
}

impl Code {
    /// The kebab-case name used in JSON output and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::InvalidType => "invalid-type",
            Self::UnknownField => "unknown-field",
            Self::SchemaVersion => "schema-version",
            Self::TooLarge => "too-large",
            Self::MissingId => "missing-id",
            Self::DuplicateId => "duplicate-id",
            Self::UnknownReference => "unknown-reference",
            Self::BadPciAddress => "bad-pci-address",
            Self::OutOfRange => "out-of-range",
            Self::InvalidCombination => "invalid-combination",
            Self::DeviceConflict => "device-conflict",
            Self::HostMismatch => "host-mismatch",
            Self::DiskReused => "disk-reused",
            Self::EmptyPool => "empty-pool",
            Self::RequiresCycle => "requires-cycle",
            Self::InvalidFormat => "invalid-format",
            Self::UnknownValue => "unknown-value",
        }
    }

    /// Whether a diagnostic of this code means the file could not be read into a model at all.
    pub fn is_unusable_input(self) -> bool {
        matches!(
            self,
            Self::Syntax | Self::InvalidType | Self::SchemaVersion | Self::TooLarge
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One segment of a [`DataPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(u32),
}

/// Where in the document a value is: `vms[1].hostpci[0].mapping`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DataPath(pub Vec<Segment>);

impl DataPath {
    /// The document root.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Key(key.to_owned()));
        Self(v)
    }

    /// This path extended by an index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Index(u32::try_from(i).unwrap_or(u32::MAX)));
        Self(v)
    }

    /// Parse the dotted form produced by `Display` (used for `serde_ignored` paths).
    pub fn parse(text: &str) -> Self {
        let mut out = Vec::new();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(open) = rest.find('[') {
                let key = &rest[..open];
                if !key.is_empty() {
                    out.push(Segment::Key(key.to_owned()));
                }
                rest = &rest[open..];
                while let Some(inner) = rest.strip_prefix('[') {
                    let Some(close) = inner.find(']') else { break };
                    if let Ok(i) = inner[..close].parse() {
                        out.push(Segment::Index(i));
                    }
                    rest = &inner[close + 1..];
                }
            } else {
                out.push(Segment::Key(rest.to_owned()));
            }
        }
        Self(out)
    }
}

impl fmt::Display for DataPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Segment::Key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

impl Serialize for DataPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read back from its dotted form (the web app's worker sends diagnostics to the page).
impl<'de> Deserialize<'de> for DataPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self::parse(&s))
    }
}

/// A position in a source file. Lines and columns are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// File name as given by the user (`-` for stdin, `<default>` for the built-in).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
    /// Byte range of the offending text.
    pub start: u32,
    /// End of the byte range (exclusive).
    pub end: u32,
}

/// One problem found in a topology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// How bad.
    pub severity: Severity,
    /// Stable kind.
    pub code: Code,
    /// One-line description naming the offending id.
    pub message: String,
    /// The offending id (entity or reference), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Where in the document (the JSON path for JSON files).
    pub path: DataPath,
    /// Where in the file; filled in by [`crate::source`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// What was expected instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// A suggestion ("did you mean …").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `path`.
    pub fn error(code: Code, path: DataPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            id: None,
            path,
            location: None,
            expected: None,
            help: None,
        }
    }

    /// A warning at `path`.
    pub fn warning(code: Code, path: DataPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, path, message)
        }
    }

    /// Name the offending id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Say what was expected.
    #[must_use]
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// Add a suggestion.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A value quoted the way Rust quotes strings (`"a\nb"`): control characters, quotes and
/// line breaks visible, so a message about a value that would break a line shows it intact.
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    #[expect(
        clippy::use_debug,
        reason = "Rust's string escaping is exactly the quoting meant"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        // Lengths further apart than the limit cannot be within it: skip the O(|a|·|b|)
        // distance, which thousands of unknown references against thousands of ids would pay.
        .filter(|c| {
            c.len().abs_diff(word.len()) <= limit * 4 && c.chars().count().abs_diff(len) <= limit
        })
        .map(|c| (edit_distance_within(word, c, limit), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The whole edit distance (the tests hold the bounded one to it).
#[cfg(test)]
fn edit_distance(a: &str, b: &str) -> usize {
    edit_distance_within(a, b, usize::MAX)
}

/// Edit distance counting a swap of two adjacent characters as one edit (optimal string
/// alignment), so `HAB` is one edit from `HBA`. `O(|a|·|b|)`, stopping as soon as it must
/// exceed `limit` (then any value above it): most candidates differ early, and a file with
/// thousands of typos compares each against every id of its kind.
fn edit_distance_within(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    for (i, row) in d.chunks_mut(width).enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
        // A cell comes from the row above, or (a swap) two rows above plus one: once two
        // consecutive rows are entirely over the limit, every later row is too.
        let over = |r: usize| d[r * width..(r + 1) * width].iter().all(|&x| x > limit);
        if over(i) && over(i - 1) {
            return limit + 1;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_path_round_trips_through_text() {
        for text in [
            "vms[1].hostpci[0].mapping",
            "hosts",
            "pools[0].vdevs[2].disks[5]",
        ] {
            assert_eq!(DataPath::parse(text).to_string(), text);
        }
    }

    #[test]
    fn suggests_close_ids_only() {
        assert_eq!(did_you_mean("srv1", ["srv01", "srv02x"]), Some("srv01"));
        assert_eq!(did_you_mean("tank", ["srv01", "hba0"]), None);
        assert_eq!(did_you_mean("HAB", ["HBA", "NIC1"]), Some("HBA"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        // The bounded form agrees wherever the distance is within its limit, and says "over"
        // (more than the limit) exactly when it is not.
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "h00042-local",
            "h00042-locl",
            "h00024-local",
            "storage50",
            "stroage50",
            "srv01",
            "srv1",
            "kitten",
            "sitting",
        ];
        for a in words {
            for b in words {
                let full = edit_distance(a, b);
                for limit in 0..6 {
                    let bounded = edit_distance_within(a, b, limit);
                    if full <= limit {
                        assert_eq!(bounded, full, "{a} {b} {limit}");
                    } else {
                        assert!(bounded > limit, "{a} {b} {limit}");
                    }
                }
            }
        }
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
