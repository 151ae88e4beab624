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
mod recover;
mod simulate;
mod spof;
mod validate;
mod verify;

use super::args::Command;
use std::io::Write;
use std::process::ExitCode;

/// Run `command`, writing its report to `out`.
pub fn run(command: Command, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match command {
        Command::Validate(a) => validate::run(&a, out),
        Command::Facts(a) => info::facts(&a, out),
        Command::Check(a) => check::run(&a, out),
        Command::Export(a) => export::run(&a, out),
        Command::Import(a) => import::run(&a, out),
        Command::Verify(a) => verify::run(&a, out),
        Command::Policy { command } => info::policy(command, out),
        Command::Schema { facts } => info::schema(facts, out),
        Command::Completions { shell } => Ok(info::completions(shell, out)),
        Command::Man => info::man(out),
        Command::Example { name } => info::example(name, out),
        Command::Simulate(a) => simulate::run(&a, out),
        Command::Spof(a) => spof::run(&a, out),
        Command::Boot(a) => boot::run(&a, out),
        Command::Maintain(a) => maintain::run(&a, out),
        Command::Hookscripts(a) => hookscripts::run(&a, out),
        Command::Recover(a) => recover::run(&a, out),
        Command::Compare(a) => compare::run(&a, out),
        Command::Availability(a) => simulate::availability(&a, out),
        Command::Generate(a) => info::generate(&a, out),
        Command::Graph(a) => graph::run(&a, out),
    }
}

/// `a, b, c`, or `empty` for an empty list.
fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else if items.len() > LIST_MAX {
        // A service at the end of a long chain has thousands of single points of failure: a
        // line a person reads names the first ones; `--format json` lists them all.
        format!(
            "{}, … and {} more",
            items[..LIST_MAX].join(", "),
            items.len() - LIST_MAX
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
