//! Exporters: pure renderers from a topology (and its evaluation) to text, one file per format.
//!
//! - [`spec`]: the validated spec — canonical JSON with facts, policy results and digests, and
//!   its verification;
//! - [`proxmox`]: `/etc/pve/qemu-server/<vmid>.conf` lines per VM;
//! - [`terraform`]: wrapper-module inputs (tfvars JSON, `module` blocks, typed by the module's
//!   `variables*.tf` via [`tftypes`]) and plain bpg provider resources;
//! - [`mermaid`] and [`dot`]: diagrams in the style of the seed's own.

pub mod diagram;
pub mod overview;

use crate::diag::Severity;
use crate::model::Topology;
use crate::policy::RuleBook;

/// What an export writes: the CLI's `--format` values and the web app's export menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Canonical JSON with facts, policy results and digests (`hostplan.spec.json`).
    Spec,
    /// Wrapper-module inputs, one `<vm>.auto.tfvars.json` per VM.
    Tfvars,
    /// `main.tf` with one wrapper `module` block per VM.
    Hcl,
    /// `resources.tf`: plain bpg `proxmox_virtual_environment_vm` and PCI mapping resources.
    HclResources,
    /// One `<vmid>.conf` per VM.
    Proxmox,
    /// Mermaid `graph TD` (`topology.mmd`).
    Mermaid,
    /// Graphviz (`topology.dot`).
    Dot,
}

impl Format {
    /// Every format, in the order the CLI and the web app list them.
    pub const ALL: [Format; 7] = [
        Format::Spec,
        Format::Tfvars,
        Format::Hcl,
        Format::HclResources,
        Format::Proxmox,
        Format::Mermaid,
        Format::Dot,
    ];

    /// The CLI's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Spec => "spec",
            Format::Tfvars => "tfvars",
            Format::Hcl => "hcl",
            Format::HclResources => "hcl-resources",
            Format::Proxmox => "proxmox",
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
        }
    }

    /// The format called `name` (as [`Format::name`] gives it).
    pub fn from_name(name: &str) -> Option<Format> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What it is, for a menu or `--help`.
    pub fn label(self) -> &'static str {
        match self {
            Format::Spec => "Validated spec (JSON)",
            Format::Tfvars => "Terraform: wrapper inputs (tfvars JSON)",
            Format::Hcl => "Terraform: wrapper module blocks (HCL)",
            Format::HclResources => "Terraform: bpg provider resources (HCL)",
            Format::Proxmox => "Proxmox VM configs",
            Format::Mermaid => "Mermaid diagram",
            Format::Dot => "Graphviz DOT",
        }
    }

    /// Whether a provisioner applies it, so what the model does not know is left to the
    /// provisioner's defaults (and said so in the notes). The spec carries the unknowns
    /// itself; diagrams do not provision.
    pub fn provisions(self) -> bool {
        matches!(
            self,
            Format::Tfvars | Format::Hcl | Format::HclResources | Format::Proxmox
        )
    }
}

/// `source` of the wrapper module in HCL output unless told otherwise: the seed's.
pub const DEFAULT_MODULE_SOURCE: &str = "../../modules/platform/truenas";

/// How to export: what the spec is judged by, and what the Terraform formats follow.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The rules the spec is evaluated against (and whose digest it carries).
    pub book: &'a RuleBook,
    /// The date waivers are judged on (`YYYY-MM-DD`).
    pub today: &'a str,
    /// The lowest severity of an unwaived finding that blocks the spec.
    pub gate: Severity,
    /// Write the spec even with blocking findings.
    pub allow_findings: bool,
    /// `source` of the wrapper module in HCL output.
    pub module_source: &'a str,
    /// The wrapper module's declarations, when known.
    pub declared: Option<terraform::Declared<'a>>,
}

impl<'a> Options<'a> {
    /// The defaults: gate at errors, the seed's module source, no declarations.
    pub fn new(book: &'a RuleBook, today: &'a str) -> Self {
        Self {
            book,
            today,
            gate: Severity::Error,
            allow_findings: false,
            module_source: DEFAULT_MODULE_SOURCE,
            declared: None,
        }
    }
}

/// The files of an export and what it could not pass along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// `(file name, text)`, in a stable order.
    pub files: Vec<(String, String)>,
    /// What was left out or left to defaults, one sentence each.
    pub notes: Vec<String>,
}

/// Why an export wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The spec was refused (blocking findings) or the policy engine failed.
    #[error(transparent)]
    Spec(#[from] spec::SpecError),
    /// VMs that no Proxmox conf can carry.
    #[error(transparent)]
    Proxmox(#[from] proxmox::ConfErrors),
    /// VMs that Terraform cannot express.
    #[error(transparent)]
    Terraform(#[from] terraform::TerraformErrors),
}

/// Export `t` as `format`: every file, or none.
///
/// # Errors
/// [`ExportError`] with every reason at once.
pub fn run(t: &Topology, format: Format, options: &Options<'_>) -> Result<Exported, ExportError> {
    let mut notes = if format.provisions() {
        unknown_notes(t)
    } else {
        Vec::new()
    };
    let one = |name: &str, text: String| vec![(name.to_owned(), text)];
    let files = match format {
        Format::Spec => {
            let doc = spec::export(
                t,
                options.book,
                options.today,
                options.gate,
                options.allow_findings,
            )?;
            one("hostplan.spec.json", spec::to_text(&doc))
        }
        Format::Tfvars => {
            let (files, more) = terraform::tfvars(t, options.declared)?;
            notes.extend(more);
            files
        }
        Format::Hcl => {
            let (text, more) = terraform::hcl_modules(t, options.module_source, options.declared)?;
            notes.extend(more);
            one("main.tf", text)
        }
        Format::HclResources => one("resources.tf", terraform::hcl_resources(t)?),
        Format::Proxmox => proxmox::export(t)?,
        Format::Mermaid => {
            let parts = mermaid::export_parts(t);
            if parts.len() == 1 {
                one("topology.mmd", parts.into_iter().collect())
            } else {
                notes.push(format!(
                    "the diagram is split into {} Mermaid files: Mermaid draws at most {} arrows \
                     and {} characters by default (`--format dot` draws it whole)",
                    parts.len(),
                    mermaid::MAX_EDGES,
                    mermaid::MAX_TEXT
                ));
                let width = parts.len().to_string().len();
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| (format!("topology-{:0width$}.mmd", i + 1), text))
                    .collect()
            }
        }
        Format::Dot => one("topology.dot", dot::export(t)),
    };
    Ok(Exported { files, notes })
}

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
/// Devices by id, built once per export: looking each hostpci entry's device up by scanning
/// every device made the Terraform and Proxmox exports quadratic in the fleet.
pub(crate) struct Devices<'a> {
    by_id: std::collections::BTreeMap<&'a str, Vec<&'a crate::model::Device>>,
}

impl<'a> Devices<'a> {
    pub(crate) fn new(t: &'a Topology) -> Self {
        let mut by_id: std::collections::BTreeMap<&str, Vec<_>> = std::collections::BTreeMap::new();
        for d in &t.devices {
            by_id.entry(d.id.as_str()).or_default().push(d);
        }
        Self { by_id }
    }

    /// The device `id`, the one on `host` first (ids are unique once a topology validates).
    pub(crate) fn get(&self, id: &str, host: &str) -> Option<&'a crate::model::Device> {
        let all = self.by_id.get(id)?;
        all.iter()
            .find(|d| d.host == host)
            .or_else(|| all.first())
            .copied()
    }
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
pub fn unknown_notes(t: &Topology) -> Vec<String> {
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
