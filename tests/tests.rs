//! hostplan's integration tests, one binary (see `Cargo.toml`, `autotests = false`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod graph;
mod properties;
mod validate_cases;

/// Path of a file under `tests/`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}
