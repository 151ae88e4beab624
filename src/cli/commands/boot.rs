//! `hostplan boot`: the boot timeline of a cold start or a host reboot, and a suggested
//! startup configuration.

use crate::cli::args::{BootArgs, OutputFormat};
use crate::cli::io;
use hostplan::sim::boot::{startup_text, suggest, try_simulate, Scenario, Timing};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &BootArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let timing = Timing::default();
    let scenario = args
        .host
        .clone()
        .map_or(Scenario::ColdStart, Scenario::Reboot);
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
            writeln!(out)?;
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
                Some(t) => writeln!(out, "all ready at {}", super::secs(t))?,
                None => {
                    writeln!(out, "never all ready: {}", timeline.never_ready.join(", "))?;
                }
            }
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
