//! `hostplan spof`: single points of failure per service and blast radius per component.

use crate::cli::args::{OutputFormat, SpofArgs};
use crate::cli::io;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &SpofArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let report = hostplan::sim::spof::analyse(&topology, args.pairs)?;
    match args.output.format {
        OutputFormat::Json => super::json_out(out, &report)?,
        OutputFormat::Text => {
            writeln!(
                out,
                "Single points of failure per service ({} candidate components):",
                report.candidates
            )?;
            for s in &report.services {
                writeln!(
                    out,
                    "  {:<24} {}",
                    s.service,
                    super::list_or(&s.components, "(none)")
                )?;
            }
            writeln!(out, "\nBlast radius, largest first:")?;
            writeln!(
                out,
                "  {:<24} {:>8} {:>5} {:>6}  services taken down",
                "component", "services", "VMs", "total"
            )?;
            for b in report.ranking.iter().take(args.top) {
                writeln!(
                    out,
                    "  {:<24} {:>8} {:>5} {:>6}  {}",
                    b.id,
                    b.services.len(),
                    b.vms.len(),
                    b.total,
                    super::list_or(&b.services, "")
                )?;
            }
            if let (Some(pairs), Some(examined)) = (&report.pairs, report.pairs_examined) {
                writeln!(
                    out,
                    "\nCritical pairs (N-2): {} of {examined} examined candidate pairs",
                    pairs.len()
                )?;
                for p in pairs.iter().take(args.top) {
                    writeln!(
                        out,
                        "  {} + {}: {} ({} nodes)",
                        p.a,
                        p.b,
                        super::list_or(&p.services, "no service"),
                        p.total
                    )?;
                    writeln!(out, "    takes down {}", super::list_or(&p.components, ""))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
