//! The `hostplan` command line: a thin front end over the core library.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 unusable input or usage.
// The CLI is the edge where file I/O belongs.
#![allow(clippy::disallowed_methods)]

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use hostplan::diag::{render::render, Severity};
use std::io::{Read as _, Write as _};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hostplan",
    version,
    about = "Plan, validate and simulate self-hosted virtualization hosts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a topology file (TOML or JSON; `-` reads stdin).
    Validate {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Lowest severity that makes the exit code 1.
        #[arg(long, value_enum, default_value_t = FailOn::Warning)]
        fail_on: FailOn,
    },
    /// Print the JSON Schema of the topology format.
    Schema,
    /// Print a built-in example topology (`seed` or `roadmap`).
    Example {
        /// Which example.
        #[arg(value_enum, default_value_t = Example::Seed)]
        name: Example,
    },
    /// Print the dependency graph of a topology ("A requires B" edges).
    Graph {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
enum Example {
    Seed,
    Roadmap,
}

/// Exit code for input that could not be used (also clap's code for usage errors).
const UNUSABLE: u8 = 2;

fn main() -> ExitCode {
    match run() {
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
            ExitCode::from(UNUSABLE)
        }
    }
}

fn read_input(file: &str) -> anyhow::Result<(String, Vec<u8>)> {
    if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        Ok(("<stdin>".to_owned(), buf))
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
        Ok((file.to_owned(), bytes))
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Validate {
            file,
            format,
            fail_on,
        } => {
            let (name, bytes) = read_input(&file)?;
            let report = hostplan::check(&name, &bytes);
            let threshold = match fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
            };
            let failing = report.diagnostics.iter().any(|d| d.severity >= threshold);
            match format {
                OutputFormat::Json => {
                    let doc = serde_json::json!({
                        "file": name,
                        "usable": !report.is_unusable(),
                        "errors": report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count(),
                        "warnings": report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(),
                        "diagnostics": report.diagnostics,
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                }
                OutputFormat::Text => {
                    for d in &report.diagnostics {
                        writeln!(out, "{}", render(d, Some(&report.source.text)))?;
                    }
                    let errors = report
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .count();
                    let warnings = report.diagnostics.len() - errors;
                    if report.diagnostics.is_empty() {
                        writeln!(out, "{name}: valid")?;
                    } else {
                        writeln!(out, "{name}: {errors} error(s), {warnings} warning(s)")?;
                    }
                }
            }
            Ok(if report.is_unusable() {
                ExitCode::from(UNUSABLE)
            } else if failing {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Schema => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&hostplan::schema::json_schema())?
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Example { name } => {
            let text = match name {
                Example::Seed => hostplan::examples::SEED,
                Example::Roadmap => hostplan::examples::ROADMAP,
            };
            write!(out, "{text}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { file, format } => {
            let (name, bytes) = read_input(&file)?;
            let report = hostplan::check(&name, &bytes);
            let Some(topology) = &report.topology else {
                for d in &report.diagnostics {
                    eprintln!("{}", render(d, Some(&report.source.text)));
                }
                return Ok(ExitCode::from(UNUSABLE));
            };
            let graph = hostplan::graph::DependencyGraph::build(topology);
            match format {
                OutputFormat::Json => {
                    let nodes: Vec<_> = graph.nodes().map(|(_, n)| n).collect();
                    let edges: Vec<_> = graph
                        .edges()
                        .into_iter()
                        .map(|(from, to, e)| serde_json::json!({"from": from, "to": to, "kind": e.kind, "required": e.required}))
                        .collect();
                    let doc = serde_json::json!({"nodes": nodes, "edges": edges});
                    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                }
                OutputFormat::Text => {
                    for (from, to, e) in graph.edges() {
                        let opt = if e.required { "" } else { " (optional)" };
                        writeln!(out, "{from} requires {to} [{:?}]{opt}", e.kind)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
