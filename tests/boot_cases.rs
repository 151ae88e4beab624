//! Data-driven boot-timeline tests: every `tests/cases/boot/<name>.toml` is simulated (a cold
//! start, or `# scenario: reboot <host>` on its first line) and the start/stop events and the
//! all-ready time must equal `<name>.expect` exactly: one `<seconds> <subject> <event>` per
//! line, then `all-ready <seconds>|never`. With `# scenario: suggest` on the first line, the
//! startup suggestion is applied first: one `suggest <vm> <startup>` line per changed guest,
//! then the cold start of the suggested topology. With `# scenario: gated`, the cold start
//! with readiness gates (`hostplan boot --gated`). Adding a case needs no Rust.

use crate::case_files;
use hostplan::sim::boot::{
    gate_effect, simulate, startup_text, suggest, EventKind, Scenario, Timing,
};
use std::fmt::Write as _;

#[test]
fn every_boot_case_gives_exactly_its_expected_timeline() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in case_files("cases/boot", &["toml"]) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let report = hostplan::check(&name, text.as_bytes());
        assert!(!report.has_errors(), "{name}: {:#?}", report.diagnostics);
        let first = text.lines().next().unwrap_or_default();
        let scenario = first
            .strip_prefix("# scenario: reboot ")
            .map_or(Scenario::ColdStart, |h| {
                Scenario::Reboot(h.trim().to_owned())
            });
        let mut topology = report.topology.unwrap();
        let mut actual = String::new();
        if first.trim() == "# scenario: suggest" {
            let s = suggest(&topology, &Timing::default());
            for c in &s.changes {
                let _ = writeln!(
                    actual,
                    "suggest {} {}",
                    c.vm,
                    startup_text(c.order_after, c.up_after)
                );
            }
            topology = s.topology;
        }
        let tl = if first.trim() == "# scenario: gated" {
            gate_effect(&topology, &Scenario::ColdStart, &Timing::default())
                .unwrap()
                .gated
        } else {
            simulate(&topology, &scenario, &Timing::default())
        };
        for e in &tl.events {
            if matches!(
                e.kind,
                EventKind::StartIssued
                    | EventKind::StartFailed
                    | EventKind::StopIssued
                    | EventKind::HostDown
            ) {
                let _ = writeln!(
                    actual,
                    "{:.1} {} {:?}",
                    e.at_ms as f64 / 1000.0,
                    e.subject,
                    e.kind
                );
            }
        }
        let _ = writeln!(
            actual,
            "all-ready {}",
            tl.all_ready_ms
                .map_or("never".to_owned(), |t| format!("{:.1}", t as f64 / 1000.0))
        );
        let expected = std::fs::read_to_string(path.with_extension("expect")).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "--- {name}\nexpected:\n{expected}actual:\n{actual}"
            ));
        }
        ran += 1;
    }
    assert!(ran >= 5, "only {ran} boot cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
