//! `hostplan verify`: a spec is untouched since export, was made with these policies, and
//! still passes the gate.

use crate::cli::args::VerifyArgs;
use crate::cli::io;
use hostplan::export::spec::{verify, SpecError};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &VerifyArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (name, text) = io::read_text(&args.spec)?;
    let book = io::rule_book(&args.policy)?;
    let today = io::today_or(args.policy.today.as_deref());
    match verify(&text, &book, args.policy.fail_on, &today) {
        Ok(verified) => {
            writeln!(out, "{name}: verified ({})", verified.digest)?;
            Ok(ExitCode::SUCCESS)
        }
        // A spec that does not verify is a verdict (exit 1); one that cannot be read is not.
        Err(e @ (SpecError::Mismatch(_) | SpecError::Blocked { .. })) => {
            eprintln!("{name}: {e}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(anyhow::Error::new(e).context(name)),
    }
}
