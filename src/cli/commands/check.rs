//! `hostplan check`: validate, derive facts, evaluate the rule book, report in the format a
//! person or a CI system reads.

use crate::cli::args::{CheckArgs, CheckFormat};
use crate::cli::{gate_code, io};
use hostplan::policy::{report, Limits};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let io::Loaded { topology, source } = io::load_valid(&args.input.file)?;
    let book = io::rule_book(&args.policy.policies)?;
    let facts = hostplan::policy::facts::facts(&topology);
    let today = io::today_or(args.policy.today.as_deref());
    let ev = book.evaluate(&facts, &topology.waivers, &today, Limits::default())?;
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
    let failing = ev.blocking(gate).next().is_some();
    Ok(gate_code(failing))
}
