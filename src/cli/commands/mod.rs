//! One module per subcommand, each `run(args, out) -> Result<ExitCode>` with its text
//! renderer beside it. Errors reach `main`, which prints them and exits 2.

mod boot;
mod check;
mod compare;
mod export;
mod graph;
mod hookscripts;
mod import;
mod info;
mod maintain;
mod power;
mod recover;
mod simulate;
mod spof;
mod validate;
mod verify;

use super::args::{CheckFormat, Command, OutputFormat};
use std::io::Write;
use std::process::ExitCode;

/// Run `command`, writing its report to `out`.
pub fn run(command: Command, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match command {
        Command::Validate(mut a) => {
            let more = std::mem::take(&mut a.more);
            let one_document = !matches!(a.output.format, OutputFormat::Text);
            each_file(
                a,
                more,
                one_document,
                |a| &mut a.input.file,
                validate::run,
                out,
            )
        }
        Command::Facts(a) => info::facts(&a, out),
        Command::Check(mut a) => {
            let more = std::mem::take(&mut a.more);
            let one_document = !matches!(a.format, CheckFormat::Text | CheckFormat::Github);
            each_file(
                a,
                more,
                one_document,
                |a| &mut a.input.file,
                check::run,
                out,
            )
        }
        Command::Export(a) => export::run(&a, out),
        Command::Import(a) => import::run(&a, out),
        Command::Verify(mut a) => {
            let more = std::mem::take(&mut a.more);
            each_file(a, more, false, |a| &mut a.spec, verify::run, out)
        }
        Command::Policy { command } => info::policy(command, out),
        Command::Schema { facts } => info::schema(facts, out),
        Command::Completions { shell } => Ok(info::completions(shell, out)),
        Command::Man => info::man(out),
        Command::Example { name } => info::example(name, out),
        Command::Simulate(a) => simulate::run(&a, out),
        Command::Spof(a) => spof::run(&a, out),
        Command::Boot(a) => boot::run(&a, out),
        Command::Maintain(a) => maintain::run(&a, out),
        Command::PowerLoss(a) => power::run(&a, out),
        Command::Hookscripts(a) => hookscripts::run(&a, out),
        Command::Recover(a) => recover::run(&a, out),
        Command::Compare(a) => compare::run(&a, out),
        Command::Availability(a) => simulate::availability(&a, out),
        Command::Generate(a) => info::generate(&a, out),
        Command::Graph(a) => graph::run(&a, out),
    }
}

/// Run a one-file command on its file and then on each of `more` (pre-commit passes every
/// staged file at once): each reports in turn, an unusable file is reported and the others
/// still run, and the exit code is the worst (0 clean, 1 a gate failed, 2 unusable). A format
/// that is one document per run (`one_document`: JSON, SARIF, JUnit) takes one file.
fn each_file<A>(
    mut args: A,
    more: Vec<String>,
    one_document: bool,
    file: fn(&mut A) -> &mut String,
    run: fn(&A, &mut dyn Write) -> anyhow::Result<ExitCode>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    if more.is_empty() {
        return run(&args, out);
    }
    if one_document {
        anyhow::bail!(
            "{} files given: this output format is one document per file, so give one file per run (several files take the text format)",
            more.len() + 1
        );
    }
    let mut worst = 0u8;
    let first = file(&mut args).clone();
    for f in std::iter::once(first).chain(more) {
        *file(&mut args) = f;
        let code = match run(&args, out) {
            Ok(code) if code == ExitCode::SUCCESS => 0,
            Ok(_) => 1,
            Err(err) => {
                eprintln!("error: {err:#}");
                super::UNUSABLE
            }
        };
        worst = worst.max(code);
    }
    Ok(ExitCode::from(worst))
}

/// `a, b, c`, or `empty` for an empty list.
fn list_or(items: &[String], empty: &str) -> String {
    list_or_more(items, 0, empty)
}

/// [`list_or`] for a list that left `omitted` more items out (a capped report).
fn list_or_more(items: &[String], omitted: u32, empty: &str) -> String {
    let more = (items.len().saturating_sub(LIST_MAX)) + omitted as usize;
    if items.is_empty() && omitted == 0 {
        empty.to_owned()
    } else if more > 0 {
        // A service at the end of a long chain has thousands of single points of failure: a
        // line a person reads names the first ones; `--format json` lists them all (up to
        // its cap on a chain too long to hold them, with the rest counted).
        format!(
            "{}, … and {more} more",
            items[..items.len().min(LIST_MAX)].join(", ")
        )
    } else {
        items.join(", ")
    }
}

/// Items of a list printed on one line of text output before "… and N more".
const LIST_MAX: usize = 24;

/// Milliseconds as seconds with one decimal (`12.5 s`).
fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// Pretty JSON and a newline.
fn json_out(out: &mut dyn Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}
