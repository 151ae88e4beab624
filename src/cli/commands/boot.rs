//! `hostplan boot`: the boot timeline of a cold start or a host reboot, and a suggested
//! startup configuration; with `--gated`, the same scenario with readiness gates compared with
//! the fixed delays.

use crate::cli::args::{BootArgs, OutputFormat};
use crate::cli::io;
use hostplan::model::Topology;
use hostplan::sim::boot::{
    gate_effect, startup_text, suggest, try_simulate, Scenario, Timeline, Timing,
};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &BootArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let timing = Timing::default();
    let scenario = args
        .host
        .clone()
        .map_or(Scenario::ColdStart, Scenario::Reboot);
    if args.gated {
        return gated(&topology, &scenario, &timing, args, out);
    }
    // An unknown host is an error naming it (with a did-you-mean), not an invented timeline.
    let timeline = try_simulate(&topology, &scenario, &timing)?;
    let suggestion = suggest(&topology, &timing);
    match args.output.format {
        OutputFormat::Json => super::json_out(
            out,
            &serde_json::json!({ "timeline": timeline, "suggestion": suggestion, "timing": timing }),
        )?,
        OutputFormat::Text => {
            writeln!(out, "Timeline ({}):", timeline.scenario)?;
            events(&timeline, out)?;
            writeln!(out)?;
            summary(&timeline, out)?;
            writeln!(
                out,
                "\nSuggested startup configuration (cold start {} → {}):",
                suggestion.before_ms.map_or("never".into(), super::secs),
                suggestion.after_ms.map_or("never".into(), super::secs)
            )?;
            if suggestion.changes.is_empty() {
                writeln!(out, "  (no change)")?;
            }
            for c in &suggestion.changes {
                writeln!(
                    out,
                    "  {:<16} {:<10} startup: {}  →  {}",
                    c.vm,
                    c.host,
                    startup_text(c.order_before, c.up_before),
                    startup_text(c.order_after, c.up_after)
                )?;
            }
            for c in &suggestion.cross_node {
                writeln!(out, "  cannot be ordered (different nodes): {c}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--gated`: the gated timeline, then each subject's ready time with fixed delays and gated.
fn gated(
    topology: &Topology,
    scenario: &Scenario,
    timing: &Timing,
    args: &BootArgs,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let effect = gate_effect(topology, scenario, timing)?;
    if matches!(args.output.format, OutputFormat::Json) {
        super::json_out(
            out,
            &serde_json::json!({ "effect": effect, "timing": timing }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "Timeline ({}, readiness-gated: hookscripts wait for their services):",
        effect.gated.scenario
    )?;
    events(&effect.gated, out)?;
    writeln!(out)?;
    summary(&effect.gated, out)?;
    let when = |t: Option<u64>| t.map_or_else(|| "never".to_owned(), super::secs);
    writeln!(out, "\n  {:<24} {:>9}  {:>9}", "ready at", "fixed", "gated")?;
    for r in &effect.ready {
        writeln!(
            out,
            "  {:<24} {:>9}  {:>9}",
            r.subject,
            when(r.fixed_ms),
            when(r.gated_ms)
        )?;
    }
    writeln!(
        out,
        "  {:<24} {:>9}  {:>9}",
        "all ready",
        when(effect.fixed.all_ready_ms),
        when(effect.gated.all_ready_ms)
    )?;
    let waited = |tl: &Timeline| {
        tl.waits
            .iter()
            .map(|w| w.until_ms - w.from_ms)
            .max()
            .unwrap_or(0)
    };
    writeln!(
        out,
        "  {:<24} {:>9}  {:>9}",
        "longest wait",
        super::secs(waited(&effect.fixed)),
        super::secs(waited(&effect.gated))
    )?;
    writeln!(
        out,
        "  {:<24} {:>9}  {:>9}",
        "failed starts",
        effect.fixed.failures.len(),
        effect.gated.failures.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The events of a timeline, one a line.
fn events(timeline: &Timeline, out: &mut dyn Write) -> std::io::Result<()> {
    for e in &timeline.events {
        writeln!(
            out,
            "  {:>9}  {:<16} {:<14} {}",
            super::secs(e.at_ms),
            e.subject,
            e.kind.as_str(),
            e.detail
        )?;
    }
    Ok(())
}

/// Waits, failures, hazards and when everything is ready.
fn summary(timeline: &Timeline, out: &mut dyn Write) -> std::io::Result<()> {
    for w in &timeline.waits {
        writeln!(
            out,
            "wait: {} waited {} for {}",
            w.who,
            super::secs(w.until_ms - w.from_ms),
            w.waited_for
        )?;
    }
    for f in &timeline.failures {
        let kind = if f.deadlock {
            "DEADLOCK"
        } else {
            "start failed"
        };
        if f.storage.is_empty() {
            writeln!(
                out,
                "{kind}: {}'s readiness gate gave up waiting for {} at {}",
                f.vm,
                f.service,
                super::secs(f.at_ms)
            )?;
            continue;
        }
        writeln!(
            out,
            "{kind}: {} boots from {} ({}), not ready at {}",
            f.vm,
            f.storage,
            f.service,
            super::secs(f.at_ms)
        )?;
    }
    for h in &timeline.hazards {
        writeln!(out, "hazard: {}", h.detail)?;
    }
    match timeline.all_ready_ms {
        Some(t) => writeln!(out, "all ready at {}", super::secs(t)),
        None => writeln!(out, "never all ready: {}", timeline.never_ready.join(", ")),
    }
}
