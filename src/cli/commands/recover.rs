//! `hostplan recover`: the disaster-recovery what-if of moving a device to another host.

use crate::cli::args::{NewHostKind, OutputFormat, RecoverArgs};
use crate::cli::io;
use anyhow::Context as _;
use hostplan::sim::recover::{plan_move, MoveRequest};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &RecoverArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let topology = io::load_valid(&args.input.file)?.topology;
    let new_host_kind = match args.as_kind {
        NewHostKind::BareMetal => hostplan::model::HostKind::BareMetal,
        NewHostKind::Proxmox => hostplan::model::HostKind::Proxmox,
    };
    let plan = plan_move(
        &topology,
        &MoveRequest {
            device: args.device.clone(),
            to: args.to.clone(),
            new_host_kind,
            address: args.address.clone(),
        },
    )?;
    if let Some(path) = &args.output {
        std::fs::write(path, toml::to_string(&plan.topology)?)
            .with_context(|| format!("writing {path}"))?;
    }
    match args.format {
        OutputFormat::Json => super::json_out(
            out,
            &serde_json::json!({ "plan": plan, "topology": plan.topology }),
        )?,
        OutputFormat::Text => {
            writeln!(
                out,
                "Move `{}` from `{}` to `{}`{}",
                plan.device,
                plan.from,
                plan.to,
                if plan.created_host { " (new host)" } else { "" }
            )?;
            writeln!(
                out,
                "  disks moving with it: {}",
                super::list_or(&plan.moved_disks, "(none)")
            )?;
            for p in &plan.pools {
                writeln!(
                    out,
                    "  pool {}: {} on `{}`",
                    p.pool,
                    if p.importable {
                        "imports"
                    } else {
                        "CANNOT be imported"
                    },
                    p.new_owner
                )?;
                for v in &p.vdevs {
                    writeln!(
                        out,
                        "    vdev {} ({}): {}/{} disks present, {} needed{}",
                        v.index,
                        v.role,
                        v.present,
                        v.width,
                        v.needed,
                        if v.missing.is_empty() {
                            String::new()
                        } else {
                            format!(" — missing {}", v.missing.join(", "))
                        }
                    )?;
                }
            }
            writeln!(
                out,
                "\nDown during the move: {}",
                super::list_or(&plan.down_during_move, "(nothing)")
            )?;
            writeln!(out, "\nChanges:")?;
            for c in &plan.changes {
                writeln!(out, "  - {c}")?;
            }
            writeln!(out, "\nBefore you move:")?;
            for c in &plan.caveats {
                writeln!(out, "  - {c}")?;
            }
            writeln!(
                out,
                "\nAfterwards: {}",
                if plan.down_after.is_empty() {
                    "every service is up".to_owned()
                } else {
                    format!("still down: {}", plan.down_after.join(", "))
                }
            )?;
            if let Some(path) = &args.output {
                writeln!(out, "resulting topology written to {path}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
