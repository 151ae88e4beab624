//! Data-driven failure scenarios over power, bonds and quorum: every
//! `tests/cases/simulate/<name>.toml` starts with a line `# simulate: <arguments>`; `hostplan
//! simulate <file> <arguments>` must print exactly `<name>.expect` (cause chains, UPS runtimes,
//! HA recovery). `HOSTPLAN_BLESS=1` rewrites the expectations — read what changed.

use std::process::Command;

#[test]
fn every_scenario_prints_exactly_its_expected_report() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in crate::case_files("cases/simulate", &["toml"]) {
        let text = std::fs::read_to_string(&path).unwrap();
        let args: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# simulate:"))
            .unwrap_or_else(|| panic!("{}: first line must be `# simulate: …`", path.display()))
            .split_whitespace()
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
            .arg("simulate")
            .arg(&path)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let actual = String::from_utf8(out.stdout).unwrap();
        let expect_path = path.with_extension("expect");
        if std::env::var_os("HOSTPLAN_BLESS").is_some() {
            std::fs::write(&expect_path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&expect_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "--- {}\nexpected:\n{expected}actual:\n{actual}",
                path.display()
            ));
        }
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} scenarios");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
