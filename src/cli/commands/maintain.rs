//! `hostplan maintain`: a host's maintenance preview and its runbook.

use crate::cli::args::{MaintainArgs, RunbookFormat};
use crate::cli::io;
use hostplan::ops::maintain::{plan, Mode};
use hostplan::ops::render;
use hostplan::sim::boot::Timing;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &MaintainArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let mode = if args.shutdown {
        Mode::Shutdown
    } else {
        Mode::Reboot
    };
    let p = plan(&topology, &args.host, mode, &Timing::default())?;
    match args.format {
        RunbookFormat::Text => write!(out, "{}", render::plan_text(&p))?,
        RunbookFormat::Markdown => write!(out, "{}", render::plan_markdown(&p))?,
        RunbookFormat::Json => super::json_out(out, &p)?,
        RunbookFormat::Script => write!(
            out,
            "{}",
            render::script(
                &format!(
                    "Maintenance of {} ({}): {} steps",
                    p.host,
                    p.mode,
                    p.steps.len()
                ),
                &p.notes,
                &p.steps
            )
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
