//! The browser's edit path, natively: what one form edit (a VM's memory) costs at each step on
//! generated fleets, the way `web/src/state.rs` and `web/src/hooks/use_analysis.rs` run it.
//! Run with `cargo bench --bench edit`. Prints a Markdown table for BENCHMARKS.md (issue #12).
// A benchmark measures wall time; the clock ban is for the core.
#![allow(clippy::disallowed_methods)]
// A benchmark that cannot build its input should stop loudly.
#![allow(clippy::expect_used)]

use hostplan::diag::DataPath;
use hostplan::graph::DependencyGraph;
use hostplan::sim::generate::{generate, FleetSpec};
use std::time::Duration;
mod common;

use common::best_of;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    println!("| hosts | components | text | `document::set` | full `check` (parse / validate) | `check_edit` (entry-wise) | model clone | model → JSON | one entry → JSON | graph build | overview |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for hosts in [25u32, 100, 1_000] {
        let spec = FleetSpec {
            hosts,
            vms_per_host: if hosts == 25 { 14 } else { 10 },
            ..FleetSpec::default()
        };
        let text = toml::to_string(&generate(&spec)).expect("a generated fleet serialises");
        let vm = (hosts as usize / 2) * 10 + 3;
        let path = DataPath::parse(&format!("vms[{vm}].memory_mib"));
        let value = serde_json::json!(3001);
        let (set, edited) = best_of(5, || {
            hostplan::document::set(&text, &path, Some(&value)).expect("the edit applies")
        });
        let (parse, parsed) = best_of(3, || hostplan::source::parse("f.toml", edited.as_bytes()));
        let t = parsed.topology.expect("a generated fleet reads");
        let (validate, _) = best_of(3, || hostplan::validate::validate(&t));
        let (check, report) = best_of(3, || hostplan::check("f.toml", edited.as_bytes()));
        let base = hostplan::check("f.toml", text.as_bytes());
        let current = hostplan::Current {
            name: "f.toml",
            text: &text,
            topology: base.topology.as_ref().expect("a generated fleet reads"),
            diagnostics: &base.diagnostics,
        };
        let (incremental, after) = best_of(5, || {
            hostplan::check_entry_edit(current, &path, Some(&value)).expect("read entry-wise")
        });
        assert_eq!(after.diagnostics, report.diagnostics);
        assert_eq!(after.source.text, edited);
        assert_eq!(after.topology, report.topology);
        let (clone, _) = best_of(3, || t.clone());
        let (json, _) = best_of(3, || serde_json::to_value(&t).expect("a model serialises"));
        let (entry, _) = best_of(5, || serde_json::to_value(&t.vms[vm]).expect("serialises"));
        let (graph, g) = best_of(3, || DependencyGraph::build(&t));
        let (overview, _) = best_of(3, || hostplan::export::overview::overview(&t, &g));
        println!(
            "| {hosts} | {} | {} KiB | {} | {} ({} / {}) | {} | {} | {} | {} | {} | {} |",
            hostplan::export::overview::drawn_components(&t),
            text.len() / 1024,
            ms(set),
            ms(check),
            ms(parse),
            ms(validate),
            ms(incremental),
            ms(clone),
            ms(json),
            ms(entry),
            ms(graph),
            ms(overview),
        );
    }
}
