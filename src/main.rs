//! The `hostplan` command line: a thin front end over the core library. The commands live in
//! [`cli::commands`], one module each; this file parses the arguments and maps errors to exit
//! codes.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 unusable input or usage.
// The CLI is the edge where file I/O and the clock belong.
#![allow(clippy::disallowed_methods)]

mod cli;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli::commands::run(args.command, &mut out) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`hostplan … | head`) is not an error worth reporting.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(cli::UNUSABLE)
        }
    }
}
