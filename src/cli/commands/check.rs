//! `hostplan check`: validate, derive facts, evaluate the rule book, report in the format a
//! person or a CI system reads.

use crate::cli::args::{CheckArgs, CheckFormat};
use crate::cli::{gate_code, io};
use hostplan::policy::{report, Limits};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let mut timings = Timings::new(args.timings);
    // A file that does not validate is never judged, but a CI reading annotations or SARIF
    // must still see why: its diagnostics are written in those formats, then it stops (exit 2).
    let io::Loaded { topology, source } = io::load_or_report(&args.input.file, |r| {
        match args.format {
            CheckFormat::Github => write!(out, "{}", report::github_diagnostics(&r.diagnostics))?,
            CheckFormat::Sarif => super::json_out(
                out,
                &report::sarif_diagnostics(&r.diagnostics, env!("CARGO_PKG_VERSION")),
            )?,
            CheckFormat::Text | CheckFormat::Json | CheckFormat::Junit => {}
        }
        Ok(())
    })?;
    timings.lap("read, parse and validate");
    let book = io::rule_book(&args.policy)?;
    let facts = hostplan::policy::facts::Facts::of(&topology);
    timings.lap("derive facts");
    let today = io::today_or(args.policy.today.as_deref());
    let ev = book.evaluate_facts(&facts, &topology.waivers, &today, Limits::default())?;
    drop(facts);
    timings.lap("rule book (load, compile, evaluate)");
    let gate = args.policy.fail_on;
    match args.format {
        CheckFormat::Text => write!(out, "{}", report::text(&ev, &source, &topology))?,
        CheckFormat::Json => super::json_out(out, &report::json(&ev, &source, &topology))?,
        CheckFormat::Sarif => super::json_out(
            out,
            &report::sarif(&ev, &source, &topology, env!("CARGO_PKG_VERSION")),
        )?,
        CheckFormat::Junit => write!(out, "{}", report::junit(&ev, gate))?,
        CheckFormat::Github => write!(out, "{}", report::github(&ev, &source, &topology))?,
    }
    timings.lap("report");
    timings.print();
    let failing = ev.blocking(gate).next().is_some();
    Ok(gate_code(failing))
}

/// Wall time per phase, for `--timings` (what `scripts/bench-scale` reports as the rule
/// book's share).
struct Timings {
    on: bool,
    start: std::time::Instant,
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    fn new(on: bool) -> Self {
        let now = std::time::Instant::now();
        Self {
            on,
            start: now,
            last: now,
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, phase: &'static str) {
        if self.on {
            let now = std::time::Instant::now();
            self.laps.push((phase, now - self.last));
            self.last = now;
        }
    }

    fn print(&self) {
        if !self.on {
            return;
        }
        let total = self.last - self.start;
        for (phase, d) in &self.laps {
            let share = d.as_secs_f64() / total.as_secs_f64().max(1e-9) * 100.0;
            eprintln!("{:>9.3} s {share:>3.0} %  {phase}", d.as_secs_f64());
        }
        eprintln!("{:>9.3} s        total", total.as_secs_f64());
    }
}
