//! `hostplan graph`: the dependency graph as "A requires B" edges.

use crate::cli::args::{GraphArgs, OutputFormat};
use crate::cli::{io, UNUSABLE};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &GraphArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let (name, bytes) = io::read_input(&args.input.file)?;
    let report = hostplan::check(&name, &bytes);
    let Some(topology) = &report.topology else {
        io::print_diagnostics(&report.diagnostics, &report.source);
        return Ok(ExitCode::from(UNUSABLE));
    };
    // A graph of an inconsistent topology would be wrong silently: say why instead.
    if report.has_errors() {
        io::print_diagnostics(&report.diagnostics, &report.source);
        eprintln!("{name}: not drawn: fix the errors first");
        return Ok(ExitCode::from(1));
    }
    let graph = hostplan::graph::DependencyGraph::build(topology);
    match args.output.format {
        OutputFormat::Json => {
            let nodes: Vec<_> = graph.nodes().map(|(_, n)| n).collect();
            let edges: Vec<_> = graph
                .edges()
                .into_iter()
                .map(|(from, to, e)| {
                    serde_json::json!({"from": from, "to": to, "kind": e.kind, "required": e.required})
                })
                .collect();
            super::json_out(out, &serde_json::json!({"nodes": nodes, "edges": edges}))?;
        }
        OutputFormat::Text => {
            for (from, to, e) in graph.edges() {
                let opt = if e.required { "" } else { " (optional)" };
                writeln!(out, "{from} requires {to} [{}]{opt}", e.kind)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
