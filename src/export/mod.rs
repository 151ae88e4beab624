//! Exporters: pure renderers from a topology (and its evaluation) to text, one file per format.
//!
//! - [`spec`]: the validated spec — canonical JSON with facts, policy results and digests, and
//!   its verification;
//! - [`proxmox`]: `/etc/pve/qemu-server/<vmid>.conf` lines per VM;
//! - [`terraform`]: wrapper-module inputs (tfvars JSON, `module` blocks, typed by the module's
//!   `variables*.tf` via [`tftypes`]) and plain bpg provider resources;
//! - [`mermaid`] and [`dot`]: diagrams in the style of the seed's own.

mod diagram;

/// The machine type an export writes for `vm`: the model's, or `q35` where a `pcie=1`
/// passthrough entry needs it (qemu-server refuses `pcie=1` on i440fx) and the model names
/// none; empty when neither.
pub(crate) fn machine_of(vm: &crate::model::Vm) -> String {
    if vm.machine.is_empty() && vm.hostpci.iter().any(|h| h.pcie) {
        "q35".into()
    } else {
        vm.machine.clone()
    }
}

/// Write `items` one per line (the `Display` of an exporter's list of errors).
pub(crate) fn write_lines<T: std::fmt::Display>(
    f: &mut std::fmt::Formatter<'_>,
    items: &[T],
) -> std::fmt::Result {
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            writeln!(f)?;
        }
        write!(f, "{e}")?;
    }
    Ok(())
}
pub mod dot;
pub mod mermaid;
pub mod proxmox;
pub mod spec;
pub mod terraform;
pub mod tftypes;

/// What the provisioner formats (Proxmox confs, module inputs, provider resources) leave out
/// because the model does not know it: one note per VM and field. The default of whatever
/// applies the export — Proxmox, the provider or the wrapper module — takes its place; a field
/// an export cannot do without is an error of that export instead.
pub fn unknown_notes(t: &crate::model::Topology) -> Vec<String> {
    t.vms
        .iter()
        .flat_map(|vm| {
            vm.unknown.iter().map(move |u| {
                let at = u
                    .from
                    .as_deref()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default();
                format!(
                    "VM `{}`: `{}` is not known{at}: left out, the provisioner's default applies",
                    vm.id, u.field
                )
            })
        })
        .collect()
}
