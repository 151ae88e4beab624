//! `hostplan simulate` (what is up, degraded or down when components fail, with cause
//! chains) and `hostplan availability` (expected yearly downtime per service).

use crate::cli::args::{AvailabilityArgs, OutputFormat, SimulateArgs};
use crate::cli::io;
use hostplan::sim::availability::{analyse, Choice, Method, Options};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &SimulateArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    if let Some(target) = outage_target(&topology, args) {
        return outage(&topology, &target, args, out);
    }
    let report =
        hostplan::sim::failure::simulate_with_reboots(&topology, &args.fail, &args.reboot)?;
    match args.output.format {
        OutputFormat::Json => super::json_out(out, &report)?,
        OutputFormat::Text => {
            writeln!(out, "failed: {}", report.failed.join(", "))?;
            for tr in &report.transient {
                let back = tr
                    .back_after_ms
                    .map_or("never (see `hostplan boot --host`)".to_owned(), |ms| {
                        format!("after {}", super::secs(ms))
                    });
                writeln!(out, "{} is rebooting: everything is back {back}", tr.host)?;
                outage_text(&tr.outages, out)?;
            }
            writeln!(
                out,
                "{} up, {} degraded, {} down\n",
                report.up, report.degraded, report.down
            )?;
            for a in report
                .affected
                .iter()
                .filter(|a| !report.failed.contains(&a.id))
            {
                let icon = if a.state == hostplan::graph::State::Down {
                    "✖"
                } else {
                    "▲"
                };
                writeln!(
                    out,
                    "{icon} {:<8} {}",
                    hostplan::sim::failure::state_word(a.state),
                    a.chain_text()
                )?;
            }
            power_text(&report.power, out)?;
            ha_text(&report.ha, out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Each service and guest a reboot takes out: when it goes out, when it is back, for how long.
fn outage_text(outages: &[hostplan::sim::boot::Outage], out: &mut dyn Write) -> anyhow::Result<()> {
    let width = outages.iter().map(|o| o.id.len()).max().unwrap_or(0);
    for o in outages {
        let what = if o.kind == hostplan::graph::NodeKind::Vm {
            "VM"
        } else {
            "service"
        };
        writeln!(out, "  {what:<7} {:<width$}  {}", o.id, o.text())?;
    }
    writeln!(out)?;
    Ok(())
}

/// The storage outage asked for: `--outage ID`, or `--reboot` of a single VM that serves
/// storage (a host's reboot stays the failure simulation it always was).
fn outage_target(t: &hostplan::model::Topology, args: &SimulateArgs) -> Option<String> {
    if let Some(o) = &args.outage {
        return Some(o.clone());
    }
    match args.reboot.as_slice() {
        [vm] if args.fail.is_empty()
            && t.vms.iter().any(|v| &v.id == vm)
            && t.services.iter().any(|s| &s.provider == vm) =>
        {
            Some(vm.clone())
        }
        _ => None,
    }
}

/// `simulate --outage`: per consumer, what its protocol stack does, and the recovery.
fn outage(
    t: &hostplan::model::Topology,
    target: &str,
    args: &SimulateArgs,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let duration = args
        .duration
        .as_deref()
        .map(hostplan::ops::parse_duration)
        .transpose()?;
    let report = hostplan::ops::outage::simulate(
        t,
        target,
        duration,
        &hostplan::sim::boot::Timing::default(),
    )?;
    match args.output.format {
        OutputFormat::Json => super::json_out(out, &report)?,
        OutputFormat::Text => write!(out, "{}", hostplan::ops::render::outage_text(&report))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// UPS units on battery: load, runtime, and what each empty battery takes down.
fn power_text(
    power: &[hostplan::sim::power::UpsRuntime],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if power.is_empty() {
        return Ok(());
    }
    writeln!(out, "\non battery:")?;
    for r in power {
        let runtime = match (r.overloaded, r.runtime_s) {
            (true, _) => "overloaded: it cannot carry this load".to_owned(),
            (false, Some(s)) => format!("empty after {}", super::secs(u64::from(s) * 1000)),
            (false, None) => "runtime unknown (no `runtime` curve)".to_owned(),
        };
        let low = r.low_battery_at_s.map_or(String::new(), |s| {
            format!(
                ", low battery (NUT shuts down) after {}",
                super::secs(u64::from(s) * 1000)
            )
        });
        writeln!(out, "  {} carries {} W: {runtime}{low}", r.ups, r.load_w)?;
        if !r.unknown_draw.is_empty() {
            writeln!(
                out,
                "    draw not stated (not counted, so the runtime is an upper bound): {}",
                r.unknown_draw.join(", ")
            )?;
        }
        if !r.then_down.is_empty() {
            writeln!(out, "    then down: {}", r.then_down.join(", "))?;
        }
    }
    Ok(())
}

/// What HA does with the HA guests of failed nodes.
fn ha_text(ha: &[hostplan::sim::ha::HaOutcome], out: &mut dyn Write) -> anyhow::Result<()> {
    if ha.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nHA recovery:")?;
    for o in ha {
        let when = o.up_after_s.map_or(String::new(), |s| {
            format!(", up after about {}", super::secs(u64::from(s) * 1000))
        });
        let memory = if o.short_of_memory {
            " (not enough free memory there: the start may fail)"
        } else {
            ""
        };
        writeln!(
            out,
            "  {} from {}: {}{when}{memory}",
            o.vm, o.from, o.reason
        )?;
    }
    Ok(())
}

pub fn availability(args: &AvailabilityArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (samples, seed) = (args.samples, args.seed);
    let topology = io::load_valid(&args.input.file)?.topology;
    let choice = if args.monte_carlo {
        Choice::MonteCarlo
    } else {
        Choice::Auto
    };
    let rows = analyse(
        &topology,
        &Options {
            choice,
            samples,
            seed,
        },
    )?;
    match args.output.format {
        OutputFormat::Json => super::json_out(out, &rows)?,
        OutputFormat::Text => {
            writeln!(
                out,
                "{:<24} {:>12} {:>16}  method",
                "service", "availability", "downtime/year"
            )?;
            for r in &rows {
                let method = match (r.method, r.ci95) {
                    (Method::Exact, _) => {
                        format!("exact ({} components, {} pivots)", r.components, r.pivots)
                    }
                    (Method::MonteCarlo, Some((lo, hi))) => {
                        let drawn = r.samples.unwrap_or(samples);
                        // Fewer than asked when the graph is too large to sample in full
                        // within the budget: an estimate, with its interval, said so.
                        let bounded = if drawn < samples {
                            format!(" (of {samples} asked: the work budget)")
                        } else {
                            String::new()
                        };
                        format!(
                            "Monte Carlo, {drawn} samples{bounded}, seed {seed}, 95% CI {:.5}%–{:.5}%",
                            lo * 100.0,
                            hi * 100.0
                        )
                    }
                    (Method::MonteCarlo, None) => "Monte Carlo".to_owned(),
                };
                writeln!(
                    out,
                    "{:<24} {:>11.5}% {:>11.1} min  {method}",
                    r.service,
                    r.availability * 100.0,
                    r.downtime_min_per_year
                )?;
            }
            writeln!(out, "\nDefaults per kind (MTBF/MTTR) apply where a component gives none; see `hostplan::sim::availability::default_rates`.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
