//! `hostplan hookscripts`: the readiness-gate hookscripts of every guest that needs a storage
//! service, with an install script per node; written all or none.

use crate::cli::args::{HookscriptsArgs, OutputFormat};
use crate::cli::io;
use hostplan::ops::hookscript::{files, plan, Options};
use hostplan::sim::boot::Timing;
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &HookscriptsArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let loaded = io::load_valid(&args.input.file)?;
    let options = Options {
        timeout_s: args.timeout,
        addresses: args.addresses.iter().cloned().collect(),
        storage: Some(args.storage.clone()),
    };
    let p = plan(&loaded.topology, &Timing::default(), &options);
    if !p.missing.is_empty() {
        // Unknown is not a default: point at each value to fill in, and write nothing.
        for m in &p.missing {
            let at = loaded
                .source
                .span(&m.path)
                .map(|s| loaded.source.location(s))
                .map_or_else(
                    || loaded.source.name.clone(),
                    |l| format!("{}:{}:{}", l.file, l.line, l.column),
                );
            eprintln!(
                "{at}: error: {} gets no hookscript: {} [{}] (at {})",
                m.vm, m.what, m.id, m.path
            );
        }
        eprintln!(
            "no hookscript written: {} value(s) missing (set `address` on the service, or pass \
             --address SERVICE=ADDRESS)",
            p.missing.len()
        );
        return Ok(ExitCode::from(1));
    }
    if matches!(args.output_format.format, OutputFormat::Json) {
        super::json_out(out, &p)?;
        return Ok(ExitCode::SUCCESS);
    }
    for n in &p.notes {
        eprintln!("note: {n}");
    }
    let Some(dir) = &args.output else {
        if p.scripts.is_empty() {
            writeln!(out, "No guest needs a storage service: no hookscript.")?;
        }
        for s in &p.scripts {
            let waits: Vec<String> = s
                .gates
                .iter()
                .map(|g| format!("{} at {}:{} ({})", g.service, g.address, g.port, g.why))
                .collect();
            writeln!(
                out,
                "{} ({} on {}): waits for {}; gives up after {} s",
                s.vm,
                s.vmid,
                s.host,
                waits.join(", "),
                s.deadline.seconds
            )?;
            writeln!(out, "    deadline: {}", s.deadline.why)?;
            writeln!(out, "    qm set {} --hookscript {}", s.vmid, s.volume)?;
        }
        if !p.scripts.is_empty() {
            writeln!(out, "\nWrite the scripts with -o DIR.")?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    let written = io::write_all_or_nothing(std::path::Path::new(dir), &files(&p, &args.storage))?;
    for path in &written {
        make_executable(path)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Proxmox refuses a hookscript that is not executable (G-9).
#[cfg(unix)]
fn make_executable(path: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_: &std::path::Path) -> anyhow::Result<()> {
    Ok(())
}
