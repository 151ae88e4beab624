//! Every input the fuzz targets start from (`fuzz/seeds/<target>/`) and every crash they ever
//! found (`fuzz/regressions/<target>/`, each named after what it broke) run through the same
//! harness as `cargo fuzz` (`fuzz/harness.rs`), here on stable in the ordinary test run, so a
//! fixed crash stays fixed.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn inputs(target: &str) -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        out.extend(
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.file_name().is_some_and(|n| n != ".gitkeep")),
        );
    }
    out.sort();
    out
}

fn run_all(target: &str, run: fn(&[u8]), at_least: usize) {
    let files = inputs(target);
    assert!(files.len() >= at_least, "{target}: {} inputs", files.len());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
    }
}

#[test]
fn fuzz_load_inputs() {
    run_all("load", harness::load, 20);
}

#[test]
fn fuzz_import_inputs() {
    run_all("import", harness::import, 10);
}

#[test]
fn fuzz_export_inputs() {
    run_all("export", harness::export, 20);
}

#[test]
fn fuzz_verify_inputs() {
    run_all("verify", harness::verify, 1);
}
