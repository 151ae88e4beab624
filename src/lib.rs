//! # hostplan
//!
//! hostplan models self-hosted virtualization sites — Proxmox hosts, PCIe devices passed
//! through to VMs (HBAs, NICs, GPUs), disks, ZFS pools, VMs, networks, storage services and
//! their consumers — and answers "what breaks when a part fails" before anything is changed.
//!
//! The pipeline, one module per stage, none of which knows about terminals or browsers:
//!
//! 1. **load** — [`source::parse`] reads TOML or JSON bytes into a [`model::Topology`] and
//!    keeps a span index so every later diagnostic can point at a file, line and column;
//! 2. **validate** — [`validate::validate`] checks ids, references, PCI addresses,
//!    passthrough exclusivity and requirement cycles, reporting every problem at once;
//! 3. **graph** — [`graph::DependencyGraph`] turns the model into a "requires" graph with
//!    k-of-n gates (raidz/mirror tolerance, control-plane quorum), so a failure question is a
//!    single traversal ([`graph::DependencyGraph::evaluate`]);
//! 4. later stages (simulation, policies, export) read that graph.
//!
//! [`check`] runs stages 1–2 and returns located, sorted diagnostics: what the CLI's
//! `validate` and the web app show.
//!
//! ```
//! let report = hostplan::check("seed.toml", hostplan::examples::SEED.as_bytes());
//! assert!(report.diagnostics.is_empty());
//! let graph = hostplan::graph::DependencyGraph::build(report.topology.as_ref().unwrap());
//! assert!(graph.find("truenas").is_some());
//! ```
#![warn(clippy::disallowed_methods)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
// Text for people never shows a `Debug` form: enums print by their file-format names, values
// quoted through `diag::Quoted`.
#![cfg_attr(not(test), warn(clippy::use_debug))]

#[macro_use]
mod named {
    /// `as_str`, `ALL` and `Display` for an enum of the core, by the names the file format uses, so
    /// text for people never shows a `Debug` form (`LvmThin`) where the file says `lvm-thin`.
    /// A test checks each name against serde's.
    macro_rules! named {
        ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
            impl $ty {
                /// Every value, in declaration order.
                pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

                /// Its name in the file format and in every output.
                pub fn as_str(self) -> &'static str {
                    match self {
                        $($ty::$variant => $name),+
                    }
                }
            }

            impl std::fmt::Display for $ty {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
        };
    }
}

mod checked;
pub mod diag;
pub mod document;
pub mod examples;
pub mod export;
pub mod graph;
pub mod import;
pub mod model;
pub mod ops;
pub mod policy;
pub mod resolve;
pub mod schema;
pub mod sim;
pub mod sort;
pub mod source;
pub mod validate;

pub use checked::{check_edit, check_edit_toml, check_entry_edit, Current};
use diag::{Diagnostic, Severity};
use model::Topology;
use source::SourceFile;

/// The outcome of reading and validating one topology file.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file, for rendering snippets.
    pub source: SourceFile,
    /// The model, if the file could be read as one (it may still have validation errors).
    pub topology: Option<Topology>,
    /// Every problem, located, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Whether the input could not be read as a topology at all.
    pub fn is_unusable(&self) -> bool {
        self.topology.is_none()
    }
}

/// Read and validate a topology file.
///
/// # Example
/// ```
/// let report = hostplan::check("t.toml", b"schema_version = 1\n[[hosts]]\nid = \"a\"\n[[hosts]]\nid = \"a\"\n");
/// assert_eq!(report.diagnostics.len(), 1);
/// assert_eq!(report.diagnostics[0].location.as_ref().unwrap().line, 5);
/// ```
pub fn check(name: &str, bytes: &[u8]) -> Report {
    validated(source::parse(name, bytes))
}

/// [`check`] for a front end that reads only TOML ([`source::parse_toml`]): the same report
/// for any TOML file, an unusable-input error for JSON. The web page uses it (its worker reads
/// JSON), so the page's wasm does not carry the JSON and batched readers.
pub fn check_toml(name: &str, bytes: &[u8]) -> Report {
    validated(source::parse_toml(name, bytes))
}

/// A read file, validated: its diagnostics and validation's, located and sorted.
fn validated(parsed: source::Parsed) -> Report {
    let mut diagnostics = parsed.diagnostics;
    if let Some(t) = &parsed.topology {
        for mut d in validate::validate(t) {
            parsed.source.locate(&mut d);
            diagnostics.push(d);
        }
    }
    sort_diagnostics(&mut diagnostics);
    Report {
        source: parsed.source,
        topology: parsed.topology,
        diagnostics,
    }
}

/// Diagnostics in file order (then by code and message), as [`check`] reports them.
fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    crate::sort::sort_by(diagnostics, |a, b| {
        let pos = |d: &Diagnostic| d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
        pos(a)
            .cmp(&pos(b))
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.message.cmp(&b.message))
    });
}
