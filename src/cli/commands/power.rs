//! `hostplan power-loss`: the staged shutdown after mains loss against the UPS runtimes, the
//! restart order, and the NUT files.

use crate::cli::args::{PowerFormat, PowerLossArgs};
use crate::cli::io;
use hostplan::ops::{nut, power, power_text};
use hostplan::sim::boot::Timing;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &PowerLossArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.output.is_some() && args.format != PowerFormat::Nut {
        anyhow::bail!("--output writes the NUT files: use it with --format nut");
    }
    let topology = io::load_valid(&args.input.file)?.topology;
    let p = power::plan(&topology, &args.feeds, &Timing::default())?;
    match args.format {
        PowerFormat::Text => write!(out, "{}", power_text::text(&p))?,
        PowerFormat::Markdown => write!(out, "{}", power_text::markdown(&p))?,
        PowerFormat::Json => super::json_out(out, &p)?,
        PowerFormat::Nut => {
            let files = nut::files(&topology, &p);
            for n in &files.notes {
                eprintln!("note: {n}");
            }
            match &args.output {
                Some(dir) => {
                    for path in io::write_all_or_nothing(std::path::Path::new(dir), &files.files)? {
                        writeln!(out, "wrote {}", path.display())?;
                    }
                }
                None => {
                    for (name, text) in &files.files {
                        writeln!(out, "# ==> {name} <==")?;
                        write!(out, "{text}")?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
