//! `hostplan compare`: two topologies side by side, service by service.

use crate::cli::args::{CompareArgs, OutputFormat};
use crate::cli::io;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &CompareArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ta = io::load_valid(&args.a)?.topology;
    let tb = io::load_valid(&args.b)?.topology;
    let cmp = hostplan::sim::recover::compare(&ta, &tb)?;
    match args.output.format {
        OutputFormat::Json => super::json_out(out, &cmp)?,
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
        }
    }
    Ok(ExitCode::SUCCESS)
}
