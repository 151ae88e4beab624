//! `hostplan export`: one of the core's export formats, to standard output or written whole
//! into a folder.

use crate::cli::args::ExportArgs;
use crate::cli::io;
use hostplan::export::{spec::SpecError, terraform::Declared, ExportError, Options};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &ExportArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let book = io::rule_book(&args.policy)?;
    let today = io::today_or(args.policy.today.as_deref());
    let variables = io::read_variables(&args.variables)?;
    let options = Options {
        gate: args.policy.fail_on,
        allow_findings: args.allow_findings,
        module_source: &args.module_source,
        declared: (!args.variables.is_empty()).then_some(Declared {
            variables: variables.as_slice(),
            strict: args.strict,
        }),
        ..Options::new(&book, &today)
    };
    let exported = match hostplan::export::run(&topology, args.format, &options) {
        Ok(exported) => exported,
        // Findings are a verdict on the topology (exit 1), not unusable input (exit 2).
        Err(ExportError::Spec(e @ SpecError::Blocked { .. })) => {
            eprintln!("export refused: {e}\n(pass --allow-findings to write it anyway)");
            return Ok(ExitCode::from(1));
        }
        // The same refusal as in the browser (load_valid stops a file with errors first).
        Err(ExportError::Spec(e @ SpecError::Invalid { .. })) => {
            eprintln!("export refused: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    for n in &exported.notes {
        eprintln!("note: {n}");
    }
    let files = &exported.files;
    match &args.output {
        Some(dir) => {
            for path in io::write_all_or_nothing(std::path::Path::new(dir), files)? {
                writeln!(out, "wrote {}", path.display())?;
            }
        }
        None => {
            for (name, text) in files {
                if files.len() > 1 {
                    writeln!(out, "# ==> {name} <==")?;
                }
                write!(out, "{text}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
