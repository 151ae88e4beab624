//! `hostplan compare`: two topologies side by side, service by service, then what changed from
//! A to B (the core's [`hostplan::sim::delta`]), findings included.

use crate::cli::args::{CompareArgs, OutputFormat};
use crate::cli::io;
use hostplan::policy::Limits;
use hostplan::sim::compare::Comparison;
use hostplan::sim::delta::{Change, Delta};
use std::io::Write;
use std::process::ExitCode;

/// The JSON output: the per-service comparison's keys as before, plus the delta.
#[derive(serde::Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    comparison: &'a Comparison,
    delta: &'a Delta,
}

pub fn run(args: &CompareArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ta = io::load_valid(&args.a)?.topology;
    let tb = io::load_valid(&args.b)?.topology;
    let cmp = hostplan::sim::recover::compare(&ta, &tb)?;
    let mut delta = hostplan::sim::delta::delta(&ta, &tb, !args.no_pairs)?;
    let book = io::rule_book_of(&args.policies, &[])?;
    let today = io::today_or(args.today.as_deref());
    let findings = |t: &hostplan::model::Topology| {
        book.evaluate(
            &hostplan::policy::facts::facts(t),
            &t.waivers,
            &today,
            Limits::default(),
        )
    };
    delta.set_findings(&findings(&ta)?.findings, &findings(&tb)?.findings);
    match args.output.format {
        OutputFormat::Json => super::json_out(
            out,
            &Output {
                comparison: &cmp,
                delta: &delta,
            },
        )?,
        OutputFormat::Text => {
            let n = |v: &Option<Vec<String>>| {
                v.as_ref().map_or("—".to_owned(), |x| x.len().to_string())
            };
            let l = |v: &Option<Vec<String>>| {
                v.as_ref()
                    .map_or("—".to_owned(), |x| super::list_or(x, "none"))
            };
            let d = |v: Option<f64>| v.map_or("—".to_owned(), |m| format!("{m:.0} min"));
            writeln!(
                out,
                "{:<24} {:>6} {:>6}   {:<22} {:<22} {:>10} {:>10}",
                "service",
                "SPOF A",
                "SPOF B",
                "reboot downs it (A)",
                "reboot downs it (B)",
                "down/yr A",
                "down/yr B"
            )?;
            for s in &cmp.services {
                writeln!(
                    out,
                    "{:<24} {:>6} {:>6}   {:<22} {:<22} {:>10} {:>10}",
                    s.service,
                    n(&s.spof_a),
                    n(&s.spof_b),
                    l(&s.reboot_a),
                    l(&s.reboot_b),
                    d(s.downtime_a),
                    d(s.downtime_b)
                )?;
            }
            writeln!(
                out,
                "\ncold start all ready: A {}, B {}",
                cmp.all_ready_a.map_or("never".into(), super::secs),
                cmp.all_ready_b.map_or("never".into(), super::secs)
            )?;
            write_delta(&delta, out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What changed from A to B, one line per item, each section only when it has something.
fn write_delta(d: &Delta, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "\nfrom A to B:")?;
    if d.is_empty() {
        writeln!(out, "  nothing changed")?;
        return Ok(());
    }
    let added = d.spofs.iter().filter(|s| s.change == Change::Added).count();
    let removed = d.spofs.len() - added;
    writeln!(out, "  single points of failure: +{added} −{removed}")?;
    for s in &d.spofs {
        writeln!(
            out,
            "    {} {} (takes down {})",
            s.change.sign(),
            s.component,
            super::list_or(&s.services, "nothing")
        )?;
    }
    for a in &d.availability {
        if let Some(delta) = a.delta_min().filter(|m| m.abs() >= 0.5) {
            writeln!(
                out,
                "  {}: {:.0} → {:.0} min/yr ({}{delta:.0}, {})",
                a.service,
                a.before_min.unwrap_or_default(),
                a.after_min.unwrap_or_default(),
                if delta > 0.0 { "+" } else { "" },
                if delta > 0.0 { "worse" } else { "better" }
            )?;
        }
    }
    if d.cold_start_before_ms != d.cold_start_after_ms {
        writeln!(
            out,
            "  cold start: {} → {}",
            d.cold_start_before_ms.map_or("never".into(), super::secs),
            d.cold_start_after_ms.map_or("never".into(), super::secs)
        )?;
    }
    for p in d.pairs.iter().flatten() {
        writeln!(
            out,
            "  N-2 {} {} + {} (takes down {})",
            p.change.sign(),
            p.a,
            p.b,
            super::list_or(&p.services, "nothing")
        )?;
    }
    for f in d.findings.iter().flatten() {
        writeln!(
            out,
            "  finding {} {} {} {}: {}",
            f.change.sign(),
            f.level,
            f.rule,
            f.resource,
            f.message
        )?;
    }
    for c in &d.components {
        writeln!(out, "  {} {} {}", c.change.sign(), c.section, c.id)?;
    }
    Ok(())
}
