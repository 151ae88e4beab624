//! hostplan's integration tests, one binary (see `Cargo.toml`, `autotests = false`).
// Tests read fixtures from disk: the I/O ban is for the core, not for its tests.
#![allow(clippy::disallowed_methods)]
// Helpers outside `#[test]` functions unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod boot_cases;
mod check_edit;
mod cli;
mod conftest_conventions;
mod containment;
mod export;
mod export_cases;
mod fuzz_regressions;
mod graph;
mod hookscripts;
mod import;
mod import_cases;
mod injection;
mod no_invention;
mod operations_cases;
mod policy;
mod power_cases;
mod properties;
mod roundtrip;
mod sim;
mod simulate_cases;
mod unknowns;
mod validate_cases;

/// Path of a file under `tests/`.
pub fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

/// The case files with extension `ext` (or any of `exts`) in `tests/<dir>`, sorted.
pub fn case_files(dir: &str, exts: &[&str]) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(fixture(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
        })
        .collect();
    out.sort();
    out
}
