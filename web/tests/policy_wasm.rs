//! The policy benchmark in WebAssembly, run under Node by wasm-bindgen-test-runner:
//! `scripts/bench-wasm`. Prints the same table as `cargo bench --bench policy`.
//! (A wasm-only test target: natively it is empty.)
#![cfg(target_arch = "wasm32")]
#![allow(clippy::disallowed_methods, clippy::expect_used)]

use hostplan::policy::{facts::facts, Limits, RuleBook};
use hostplan::sim::generate::{generate, FleetSpec};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Best of `runs`, in ms (Date.now() has 1 ms resolution: small figures are averaged).
fn best_of<T>(runs: u32, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let start = now_ms();
        let mut r = None;
        let reps = 10;
        for _ in 0..reps {
            r = Some(f());
        }
        best = best.min((now_ms() - start) / f64::from(reps));
        out = r;
    }
    (best, out.expect("at least one run"))
}

#[wasm_bindgen_test]
fn policy_benchmark_in_wasm() {
    let book = RuleBook::builtin();
    console_log!("| topology (wasm, Node) | facts | evaluate (engine start included) | evaluate after engine start | findings |");
    console_log!("|---|---:|---:|---:|---:|");
    let cases = [
        ("seed", hostplan::examples::seed().expect("seed parses"), 5),
        (
            "1,000 hosts / 10,000 VMs",
            generate(&FleetSpec {
                hosts: 1_000,
                vms_per_host: 10,
                ..FleetSpec::default()
            }),
            1,
        ),
    ];
    for (name, t, runs) in cases {
        let (tf, doc) = best_of(runs, || facts(&t));
        let (te, ev) = best_of(runs, || {
            book.evaluate(&doc, &t.waivers, "2026-11-26", Limits::default())
                .expect("evaluates")
        });
        let mut prepared = book.prepare(Limits::default()).expect("parses");
        let (tr, _) = best_of(runs, || {
            prepared
                .evaluate(&doc, &t.waivers, "2026-11-26")
                .expect("evaluates")
        });
        console_log!(
            "| {name} | {tf:.1} ms | {te:.1} ms | {tr:.1} ms | {} |",
            ev.findings.len()
        );
    }
}
