//! `hostplan spof`: single points of failure per service and blast radius per component.

use crate::cli::args::{OutputFormat, SpofArgs};
use crate::cli::io;
use hostplan::sim::spof;
use std::io::Write;
use std::process::ExitCode;

/// Killer-set entries past which the report's lists are capped: a fleet of 10,000 hosts holds
/// about 3 million, a chain of 1,000 storage VMs booting from each other's storage 5 million.
const CAPPED_PAST: usize = 8_000_000;

pub fn run(args: &SpofArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    // Past the killer sets' budget (a long chain of storage VMs) the lists are capped and
    // their rest counted: the text names the first 24 of a list either way.
    let report = spof::analyse_capped(&topology, args.pairs, CAPPED_PAST, spof::LIST_CAP)?;
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
                    super::list_or_more(&s.components, s.components_omitted, "(none)")
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
                    b.service_count(),
                    b.vm_count(),
                    b.total,
                    super::list_or_more(&b.services, b.services_omitted, "")
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
