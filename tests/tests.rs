//! hostplan's integration tests, one binary (see `Cargo.toml`, `autotests = false`).
// Tests read fixtures from disk: the I/O ban is for the core, not for its tests.
#![allow(clippy::disallowed_methods)]
// Helpers outside `#[test]` functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod boot_cases;
mod cli;
mod graph;
mod properties;
mod sim;
mod validate_cases;

/// Path of a file under `tests/`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}
