//! N-1 / N-2 benchmark: the killer-set method against one graph walk per component, on the
//! same synthetic fleets. Run with `cargo bench --bench n1` (add `-- --quick` to skip the
//! largest naive run). Prints a Markdown table for BENCHMARKS.md.
// A benchmark measures wall time; the clock ban is for the core.
#![allow(clippy::disallowed_methods)]
// A benchmark that cannot build its input should stop loudly.
#![allow(clippy::expect_used)]

use hostplan::graph::DependencyGraph;
use hostplan::sim::generate::{generate, FleetSpec};
use hostplan::sim::spof::{
    critical_pairs, killer_sets, single_failures_fast, single_failures_naive,
};
mod common;

use common::best_of;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!("| hosts | VMs | graph nodes | build graph | N-1 fast (killer sets) | N-1 naive | naive / fast | N-2 pairs examined | critical pairs | N-2 time |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for hosts in [100u32, 1_000, 10_000] {
        let spec = FleetSpec {
            hosts,
            vms_per_host: 10,
            ..FleetSpec::default()
        };
        let t = generate(&spec);
        let (build, dag) = best_of(3, || {
            DependencyGraph::build(&t)
                .dag()
                .expect("generated fleets are acyclic")
        });
        let (fast, fast_r) = best_of(5, || single_failures_fast(&dag));
        let naive_runs = hosts <= 1_000 && !(quick && hosts == 1_000);
        let (naive, ratio) = if naive_runs {
            let (naive, naive_r) = best_of(1, || single_failures_naive(&dag));
            assert_eq!(fast_r, naive_r, "fast and naive N-1 disagree");
            (
                format!("{:.3} s", naive.as_secs_f64()),
                format!("{:.0}×", naive.as_secs_f64() / fast.as_secs_f64()),
            )
        } else {
            ("(skipped)".to_owned(), "—".to_owned())
        };
        let (n2, (pairs, examined)) = best_of(1, || {
            let k = killer_sets(&dag);
            critical_pairs(&dag, &k)
        });
        println!(
            "| {hosts} | {} | {} | {:.1} ms | {:.1} ms | {naive} | {ratio} | {examined} | {} | {:.1} ms |",
            t.vms.len(),
            dag.len(),
            build.as_secs_f64() * 1e3,
            fast.as_secs_f64() * 1e3,
            pairs.len(),
            n2.as_secs_f64() * 1e3,
        );
    }
}
