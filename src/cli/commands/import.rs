//! `hostplan import`: a fragment from what the user already has, alone or merged into their
//! topology; what could not be mapped goes to standard error.

use crate::cli::args::ImportArgs;
use crate::cli::{io, UNUSABLE};
use anyhow::Context as _;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &ImportArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let named = if matches!(args.from, hostplan::import::Format::Terraform) {
        io::terraform_files(&args.paths)?
    } else {
        args.paths
            .iter()
            .map(|p| io::read_text(p))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let imported = hostplan::import::run(
        args.from,
        &named,
        args.host.as_deref(),
        args.owner.as_deref(),
    )?;
    let mut fragment = imported.topology;
    if let Some(base) = &args.into {
        let (name, bytes) = io::read_input(base)?;
        let parsed = hostplan::source::parse(&name, &bytes);
        let Some(site) = parsed.topology else {
            io::print_diagnostics(&parsed.diagnostics, &parsed.source);
            return Ok(ExitCode::from(UNUSABLE));
        };
        let (merged, what) = hostplan::import::merge(&site, &fragment)
            .map_err(|e| anyhow::anyhow!("merging into {name}: {e}"))?;
        if !what.added.is_empty() {
            eprintln!("merged into {name}: added {}", what.added.join(", "));
        }
        for (id, fields) in what.updated.iter().filter(|(_, f)| !f.is_empty()) {
            eprintln!("merged into {name}: updated {id} ({})", fields.join(", "));
        }
        for (guessed, id) in &what.networks {
            eprintln!("merged into {name}: network `{guessed}` is {id} (same VLAN tag or bridge)");
        }
        fragment = merged;
    }
    let text = hostplan::import::fragment_text(&fragment)?;
    match &args.output {
        Some(path) => std::fs::write(path, &text).with_context(|| format!("writing {path}"))?,
        None => write!(out, "{text}")?,
    }
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    Ok(ExitCode::SUCCESS)
}
