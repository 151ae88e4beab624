//! `hostplan validate`: every diagnostic, located, and a one-line verdict.

use crate::cli::args::{OutputFormat, ValidateArgs};
use crate::cli::{gate_code, io, UNUSABLE};
use hostplan::diag::{render::render, Severity};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &ValidateArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (name, bytes) = io::read_input(&args.input.file)?;
    let report = hostplan::check(&name, &bytes);
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    match args.output.format {
        OutputFormat::Json => super::json_out(
            out,
            &serde_json::json!({
                "file": name,
                "usable": !report.is_unusable(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": report.diagnostics,
            }),
        )?,
        OutputFormat::Text => {
            for d in &report.diagnostics {
                writeln!(out, "{}", render(d, Some(&report.source.text)))?;
            }
            if report.diagnostics.is_empty() {
                writeln!(out, "{name}: valid")?;
            } else {
                // Info diagnostics are counted with the warnings, as they always were.
                let others = report.diagnostics.len() - errors;
                writeln!(out, "{name}: {errors} error(s), {others} warning(s)")?;
            }
        }
    }
    if report.is_unusable() {
        return Ok(ExitCode::from(UNUSABLE));
    }
    Ok(gate_code(
        report
            .diagnostics
            .iter()
            .any(|d| d.severity >= args.fail_on),
    ))
}
