//! Policy benchmark: the whole rule book on the seed and on a synthetic fleet of 1,000 hosts /
//! 10,000 VMs. Run with `cargo bench --bench policy`. Prints a Markdown table for BENCHMARKS.md.
// A benchmark measures wall time; the clock ban is for the core.
#![allow(clippy::disallowed_methods)]
// A benchmark that cannot build its input should stop loudly.
#![allow(clippy::expect_used)]

use hostplan::policy::{facts::facts, Limits, RuleBook};
use hostplan::sim::generate::{generate, FleetSpec};
mod common;

use common::best_of;

fn main() {
    let book = RuleBook::builtin();
    println!("| topology | facts | evaluate (engine start included) | evaluate after engine start | findings |");
    println!("|---|---:|---:|---:|---:|");
    let cases = [
        ("seed", hostplan::examples::seed().expect("seed parses")),
        (
            "1,000 hosts / 10,000 VMs",
            generate(&FleetSpec {
                hosts: 1_000,
                vms_per_host: 10,
                ..FleetSpec::default()
            }),
        ),
    ];
    for (name, t) in cases {
        let (tf, doc) = best_of(3, || facts(&t));
        let (te, ev) = best_of(5, || {
            book.evaluate(&doc, &t.waivers, "2026-11-26", Limits::default())
                .expect("rule book evaluates")
        });
        let mut prepared = book.prepare(Limits::default()).expect("rule book parses");
        let (tr, _) = best_of(5, || {
            prepared
                .evaluate(&doc, &t.waivers, "2026-11-26")
                .expect("rule book evaluates")
        });
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
            tf.as_secs_f64() * 1e3,
            te.as_secs_f64() * 1e3,
            tr.as_secs_f64() * 1e3,
            ev.findings.len()
        );
    }
}
