//! Boot-simulation benchmark: the cold-start timeline, one host's reboot, every host's reboot
//! hazards and the startup-order suggestion (which simulates twice) on synthetic fleets of
//! growing size, to check the work grows near-linearly with the fleet. Run with
//! `cargo bench --bench boot` (`-- --max 1000` stops at that many hosts). Prints a Markdown
//! table for BENCHMARKS.md.
// A benchmark measures wall time; the clock ban is for the core.
#![allow(clippy::disallowed_methods)]
// A benchmark that cannot build its input should stop loudly.
#![allow(clippy::expect_used)]

use hostplan::sim::boot::{reboot_hazards_all, simulate, suggest, Scenario, Timing};
use hostplan::sim::generate::{generate, FleetSpec};
mod common;

use common::best_of;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max: u32 = args
        .iter()
        .position(|a| a == "--max")
        .and_then(|i| args.get(i + 1))
        .and_then(|m| m.parse().ok())
        .unwrap_or(10_000);
    let timing = Timing::default();
    println!("| hosts | VMs | services | cold start | reboot of one host | reboot hazards (all hosts) | suggest |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for hosts in [100u32, 1_000, 10_000].into_iter().filter(|h| *h <= max) {
        let spec = FleetSpec {
            hosts,
            vms_per_host: 10,
            ..FleetSpec::default()
        };
        let t = generate(&spec);
        let runs = if hosts >= 10_000 { 1 } else { 3 };
        let (cold, tl) = best_of(runs, || simulate(&t, &Scenario::ColdStart, &timing));
        assert!(tl.all_ready_ms.is_some(), "a generated fleet comes up");
        // The first storage host: its reboot has consumers elsewhere.
        let host = t.hosts[0].id.clone();
        let (reboot, _) = best_of(runs, || {
            simulate(&t, &Scenario::Reboot(host.clone()), &timing)
        });
        let (hazards, _) = best_of(runs, || reboot_hazards_all(&t));
        let (sugg, _) = best_of(runs, || suggest(&t, &timing));
        println!(
            "| {hosts} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            t.vms.len(),
            t.services.len(),
            cold.as_secs_f64() * 1e3,
            reboot.as_secs_f64() * 1e3,
            hazards.as_secs_f64() * 1e3,
            sugg.as_secs_f64() * 1e3,
        );
    }
}
