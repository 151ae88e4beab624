//! Terraform, in the two shapes people use:
//!
//! - a wrapper module like the seed's `modules/platform/truenas` (`res_dedicated_memory`,
//!   `res_cpu_cores`, `res_cpu_type`, `res_hostpci`): each VM's inputs as
//!   `<vm>.auto.tfvars.json` and as `module` blocks. Given the module's `variables*.tf`, the
//!   inputs follow its declarations instead: every declared variable hostplan can fill (see
//!   `known_inputs` for the names it knows), converted to the declared type, with every
//!   attribute an `object(...)` requires — and a variable it cannot fill is an error, not
//!   something Terraform would reject later;
//! - plain bpg provider resources: `proxmox_virtual_environment_vm` with explicit values for
//!   every setting whose default differs between Proxmox and the provider, and the PCI
//!   hardware-mapping resources with their per-node `map` entries.
//!
//! Every string goes through `hcl-rs`, which escapes quotes, control characters and template
//! markers (`${`, `%{`), so no id or name can inject HCL; tests parse the output with
//! HashiCorp's own parser (npm `@cdktf/hcl2json`) and compare it with the JSON form.

use super::machine_of;
use super::tftypes::{conform, Variable};
use super::Devices;
use crate::model::pve::{storage_name, vm_name};
use crate::model::tf::{
    module_names, BPG_FILE, BPG_MAPPING, BPG_VM, MODULE_DOWN_DELAY, MODULE_HOSTPCI, MODULE_NAME,
    MODULE_UP_DELAY,
};
use crate::model::{HostPci, Topology, Vm};
use serde_json::{json, Map, Value};
use std::fmt;

/// Why a VM cannot be expressed in Terraform.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerraformError {
    /// A hostpci entry names a hostplan device id that is not in the topology.
    #[error("VM `{vm}` hostpci{index} names device `{device}`, which is not in the topology")]
    UnknownDevice {
        /// The VM.
        vm: String,
        /// The hostpci index.
        index: u32,
        /// The device id.
        device: String,
    },
    /// A declared variable hostplan cannot fill with a value of its type.
    #[error("VM `{vm}`: variable `{variable}` ({declared_at}): {reason}")]
    Unfillable {
        /// The VM.
        vm: String,
        /// The variable.
        variable: String,
        /// `file:line` of its declaration.
        declared_at: String,
        /// Why.
        reason: String,
    },
    /// A mapping entry without the vendor:device id the provider requires.
    #[error("mapping `{mapping}` on node `{node}`: no vendor:device `id`, and no device at {path} in the topology says it")]
    MappingWithoutId {
        /// The mapping.
        mapping: String,
        /// The node of the entry.
        node: String,
        /// The entry's path.
        path: String,
    },
    /// A value the resource cannot do without is not known.
    #[error("VM `{vm}`: `{field}` is not known, and the provider needs it (fill it in)")]
    Unknown {
        /// The VM.
        vm: String,
        /// The model field.
        field: String,
    },
    /// The HCL writer failed.
    #[error("writing HCL: {0}")]
    Hcl(String),
}

/// Every problem found, so one run shows them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformErrors(pub Vec<TerraformError>);

impl fmt::Display for TerraformErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_lines(f, &self.0)
    }
}

impl std::error::Error for TerraformErrors {}

/// A hostpci entry's device, as Proxmox names it: the mapping or the raw address (a hostplan
/// device id is resolved to its address on the VM's host).
fn hostpci_target(
    devices: &Devices<'_>,
    vm: &Vm,
    h: &HostPci,
) -> Result<(Option<String>, Option<String>), TerraformError> {
    if let Some(m) = &h.mapping {
        return Ok((Some(m.clone()), None));
    }
    if let Some(a) = &h.host {
        return Ok((None, Some(a.clone())));
    }
    let device = h.device.clone().unwrap_or_default();
    devices
        .get(&device, &vm.host)
        .map(|d| (None, Some(d.address.clone())))
        .ok_or(TerraformError::UnknownDevice {
            vm: vm.id.clone(),
            index: h.index,
            device,
        })
}

/// The seed's compact `res_hostpci` entry: `mapping` or `id`, `pcie`, and `rombar`/`xvga` only
/// when they differ from Proxmox's defaults (the seed's wrapper defaults them).
fn compact_hostpci(devices: &Devices<'_>, vm: &Vm) -> Result<Value, TerraformError> {
    let mut out = Vec::new();
    for h in &vm.hostpci {
        let mut entry = Map::new();
        match hostpci_target(devices, vm, h)? {
            (Some(m), _) => entry.insert("mapping".into(), json!(m)),
            (_, a) => entry.insert("id".into(), json!(a)),
        };
        entry.insert("pcie".into(), json!(h.pcie));
        // As the seed writes them: `rombar` only when it differs from Proxmox's default (on).
        if !h.rombar {
            entry.insert("rombar".into(), json!(false));
        }
        if h.x_vga {
            entry.insert("xvga".into(), json!(true));
        }
        out.push(Value::Object(entry));
    }
    Ok(Value::Array(out))
}

/// The seed wrapper's four inputs for one VM.
///
/// # Errors
/// [`TerraformError::UnknownDevice`] for a hostpci entry naming a device not in `t`.
pub(crate) fn vm_inputs(devices: &Devices<'_>, vm: &Vm) -> Result<Value, TerraformError> {
    // Unset and unknown values are left out: the module's default applies, nothing is invented.
    let known = |f: &str| !vm.is_unknown(f);
    let mut m = Map::new();
    if vm.memory_mib > 0 && known("memory_mib") {
        m.insert("res_dedicated_memory".into(), json!(vm.memory_mib));
    }
    if vm.cores > 0 && known("cores") {
        m.insert("res_cpu_cores".into(), json!(vm.cores));
    }
    if !vm.cpu_type.is_empty() && known("cpu_type") {
        m.insert("res_cpu_type".into(), json!(vm.cpu_type));
    }
    m.insert("res_hostpci".into(), compact_hostpci(devices, vm)?);
    Ok(Value::Object(m))
}

/// Everything hostplan can fill for a wrapper module, under the input names wrappers use
/// (several spellings for the common ones). `res_hostpci` here is the full form (`device`,
/// `mapping`, `id`, `pcie`, `rombar`, `xvga`, `mdev` with `null` for "none"), cut down to the
/// declared object type by [`conform`].
///
/// # Errors
/// As `vm_inputs`.
pub(crate) fn known_inputs(
    devices: &Devices<'_>,
    vm: &Vm,
) -> Result<Map<String, Value>, TerraformError> {
    let mut hostpci = Vec::new();
    for h in &vm.hostpci {
        let (mapping, id) = hostpci_target(devices, vm, h)?;
        hostpci.push(json!({
            "device": format!("hostpci{}", h.index),
            "mapping": mapping,
            "id": id,
            "pcie": h.pcie,
            "rombar": h.rombar,
            "xvga": h.x_vga,
            "mdev": null,
        }));
    }
    let mut m = Map::new();
    let mut put = |names: &[&str], v: Value| {
        for n in names {
            m.insert((*n).to_owned(), v.clone());
        }
    };
    let known = |f: &str| !vm.is_unknown(f);
    if vm.memory_mib > 0 && known("memory_mib") && known("balloon_mib") {
        put(module_names("memory_mib"), json!(vm.memory_mib));
        put(
            module_names("balloon_mib"),
            json!(vm.balloon_mib.unwrap_or(vm.memory_mib)),
        );
    }
    if vm.cores > 0 && known("cores") {
        put(module_names("cores"), json!(vm.cores));
    }
    if !vm.cpu_type.is_empty() && known("cpu_type") {
        put(module_names("cpu_type"), json!(vm.cpu_type));
    }
    put(MODULE_HOSTPCI, Value::Array(hostpci));
    if known("vmid") {
        put(module_names("vmid"), json!(vm.vmid));
    }
    if known("host") {
        put(module_names("host"), json!(vm.host));
    }
    put(MODULE_NAME, json!(vm_name(&vm.id)));
    if known("onboot") {
        put(module_names("onboot"), json!(vm.onboot));
    }
    if known("agent") {
        put(module_names("agent"), json!(vm.agent));
    }
    let machine = machine_of(vm);
    if !machine.is_empty() && known("machine") {
        put(module_names("machine"), json!(machine));
    }
    if known("startup") {
        if let Some(o) = vm.startup.order {
            put(module_names("startup"), json!(o));
        }
        if let Some(u) = vm.startup.up {
            put(MODULE_UP_DELAY, json!(u));
        }
        if let Some(d) = vm.startup.down {
            put(MODULE_DOWN_DELAY, json!(d));
        }
    }
    if !vm.boot_storage.is_empty() && known("boot_storage") && known("boot_disk_gb") {
        put(
            module_names("boot_storage"),
            json!(storage_name(&vm.boot_storage)),
        );
        put(module_names("boot_disk_gb"), json!(vm.boot_disk_gb));
    }
    Ok(m)
}

/// A VM's module inputs with what the export could not pass along.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleInputs {
    /// The VM id.
    pub vm: String,
    /// Input name → value, in name order.
    pub inputs: Map<String, Value>,
    /// Settings that could not be passed (the module's types have no room for them) and
    /// declared variables left at their defaults.
    pub notes: Vec<String>,
}

/// Drops that lose nothing: a hostpci attribute at its Proxmox default, or the slot name a
/// wrapper derives from the list position.
fn harmless_drop(path: &str, v: &Value) -> bool {
    let attr = path.rsplit('.').next().unwrap_or(path);
    matches!(
        (attr, v),
        ("pcie" | "xvga", Value::Bool(false)) | ("rombar", Value::Bool(true)) | ("device", _)
    )
}

/// A wrapper module's declarations (`variables*.tf`) and how strict the export is about them.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    /// The declared variables.
    pub variables: &'a [Variable],
    /// A required variable hostplan cannot fill is an error (`--strict`); otherwise it is
    /// reported and left out, since Terraform merges several tfvars files and another may set it.
    pub strict: bool,
}

/// Each VM's inputs: the seed's four when `declared` is `None`, else exactly the declared
/// variables hostplan can fill, conformed to their types.
///
/// # Errors
/// Every unknown device, every value that does not fit its declared type, and (strict) every
/// required variable that cannot be filled, for all VMs at once.
pub fn module_inputs(
    t: &Topology,
    declared: Option<Declared<'_>>,
) -> Result<Vec<ModuleInputs>, TerraformErrors> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let strict = declared.is_some_and(|d| d.strict);
    let devices = Devices::new(t);
    for vm in &t.vms {
        let Some(vars) = declared.map(|d| d.variables) else {
            match vm_inputs(&devices, vm) {
                Ok(Value::Object(inputs)) => out.push(ModuleInputs {
                    vm: vm.id.clone(),
                    inputs,
                    notes: Vec::new(),
                }),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
            continue;
        };
        let known = match known_inputs(&devices, vm) {
            Ok(k) => k,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut inputs = Map::new();
        let mut notes = Vec::new();
        for var in vars {
            let unfillable = |reason: String| TerraformError::Unfillable {
                vm: vm.id.clone(),
                variable: var.name.clone(),
                declared_at: var.declared_at.clone(),
                reason,
            };
            match known.get(&var.name) {
                Some(v) => {
                    let mut dropped = Vec::new();
                    match conform(v, &var.ty, &mut dropped) {
                        Ok(c) => {
                            inputs.insert(var.name.clone(), c);
                        }
                        Err(why) => errors.push(unfillable(why)),
                    }
                    for d in dropped.iter().filter(|d| !harmless_drop(&d.path, &d.value)) {
                        notes.push(format!(
                            "VM `{}`: `{}{} = {}` cannot be passed: the type of `{}` has no such attribute",
                            vm.id, var.name, d.path, d.value, var.name
                        ));
                    }
                }
                None if var.has_default => notes.push(format!(
                    "VM `{}`: `{}` left at the module's default (hostplan has no value for it)",
                    vm.id, var.name
                )),
                None if strict => errors.push(unfillable(
                    "required (no default) and hostplan has no value for it".into(),
                )),
                None => notes.push(format!(
                    "VM `{}`: `{}` ({}) is required and hostplan has no value for it: set it in another tfvars file (--strict makes this an error)",
                    vm.id, var.name, var.declared_at
                )),
            }
        }
        // The model's passthrough matters most: say when the module cannot take it at all.
        if !vm.hostpci.is_empty()
            && !vars
                .iter()
                .any(|v| v.name == "res_hostpci" || v.name == "hostpci")
        {
            notes.push(format!(
                "VM `{}`: the module declares no `res_hostpci`/`hostpci` variable; its {} passthrough entries are not passed",
                vm.id,
                vm.hostpci.len()
            ));
        }
        out.push(ModuleInputs {
            vm: vm.id.clone(),
            inputs,
            notes,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(TerraformErrors(errors))
    }
}

/// Terraform labels for `ids`, in order: [`module_name`] of each, made unique by a `_2`, `_3`…
/// suffix where two ids sanitise to the same label (`a.b` and `a_b`).
pub fn unique_labels<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    ids.into_iter()
        .map(|id| {
            let base = module_name(id);
            let mut label = base.clone();
            let mut n = 2;
            while !seen.insert(label.clone()) {
                label = format!("{base}_{n}");
                n += 1;
            }
            label
        })
        .collect()
}

/// A Terraform identifier for a VM id: letters, digits, `_` and `-`, starting with a letter.
pub fn module_name(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "vm_");
    }
    s
}

/// Output files as `(name, text)`.
pub type Files = Vec<(String, String)>;

/// `<vm>.auto.tfvars.json` for every VM, and the notes of [`module_inputs`].
///
/// # Errors
/// As [`module_inputs`].
pub fn tfvars(
    t: &Topology,
    declared: Option<Declared<'_>>,
) -> Result<(Files, Vec<String>), TerraformErrors> {
    let all = module_inputs(t, declared)?;
    let labels = unique_labels(all.iter().map(|m| m.vm.as_str()));
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for (m, label) in all.into_iter().zip(labels) {
        let mut text = serde_json::to_string_pretty(&Value::Object(m.inputs)).unwrap_or_default();
        text.push('\n');
        files.push((format!("{label}.auto.tfvars.json"), text));
        notes.extend(m.notes);
    }
    Ok((files, notes))
}

fn to_hcl(v: &Value) -> hcl::Expression {
    match v {
        Value::Null => hcl::Expression::Null,
        Value::Bool(b) => hcl::Expression::Bool(*b),
        Value::Number(n) => n.as_i64().map_or_else(
            || {
                hcl::Expression::Number(
                    hcl::Number::from_f64(n.as_f64().unwrap_or(0.0))
                        .unwrap_or_else(|| hcl::Number::from(0)),
                )
            },
            |i| hcl::Expression::Number(hcl::Number::from(i)),
        ),
        Value::String(s) => hcl::Expression::String(s.clone()),
        Value::Array(a) => hcl::Expression::Array(a.iter().map(to_hcl).collect()),
        Value::Object(o) => {
            let mut obj = hcl::Object::new();
            for (k, v) in o {
                obj.insert(
                    hcl::ObjectKey::Identifier(hcl::Identifier::sanitized(k)),
                    to_hcl(v),
                );
            }
            hcl::Expression::Object(obj)
        }
    }
}

/// `main.tf`: one `module` block per VM with `source` (the VM's own `module`, else `source`)
/// and its inputs, formatted like
/// `terraform fmt`, and the notes of [`module_inputs`].
///
/// # Errors
/// As [`module_inputs`]; [`TerraformError::Hcl`] if the writer fails.
pub fn hcl_modules(
    t: &Topology,
    source: &str,
    declared: Option<Declared<'_>>,
) -> Result<(String, Vec<String>), TerraformErrors> {
    let all = module_inputs(t, declared)?;
    let labels = unique_labels(all.iter().map(|m| m.vm.as_str()));
    let mut body = hcl::Body::builder();
    let mut notes = Vec::new();
    // Looked up per module: a scan of every VM per module made the export quadratic.
    let modules: std::collections::BTreeMap<&str, Option<&String>> = t
        .vms
        .iter()
        .rev()
        .map(|v| (v.id.as_str(), v.module.as_ref()))
        .collect();
    for (m, label) in all.into_iter().zip(labels) {
        // A VM provisioned through its own module keeps it (the Talos VMs are not the
        // TrueNAS wrapper's).
        let own = modules.get(m.vm.as_str()).copied().flatten().cloned();
        let mut block = hcl::Block::builder("module")
            .add_label(label)
            .add_attribute(("source", own.unwrap_or_else(|| source.to_owned())));
        for (k, v) in &m.inputs {
            block = block.add_attribute(hcl::Attribute::new(
                hcl::Identifier::sanitized(k),
                to_hcl(v),
            ));
        }
        body = body.add_block(block.build());
        notes.extend(m.notes);
    }
    Ok((write_body(&body.build())?, notes))
}

fn write_body(body: &hcl::Body) -> Result<String, TerraformErrors> {
    let text = hcl::format::to_string(body)
        .map_err(|e| TerraformErrors(vec![TerraformError::Hcl(e.to_string())]))?;
    Ok(align_equals(&text))
}

/// Plain bpg provider resources: one `proxmox_virtual_environment_vm` per VM and one
/// `proxmox_virtual_environment_hardware_mapping_pci` per mapping.
///
/// Settings whose defaults differ between Proxmox and the provider are always written:
/// `on_boot` (provider: true, Proxmox: false), `cpu.type` (provider: `qemu64`),
/// `memory.floating` (provider: 0 = no balloon device; Proxmox: a balloon device at the full
/// size), each hostpci's `pcie`, `rombar` and `xvga`; `machine = "q35"` where a passthrough
/// entry is PCIe; `startup` with order and delays when any is set.
///
/// A guest with a readiness-gate hookscript (`hostplan hookscripts`: it needs a storage
/// service whose address the model states) gets `hook_script_file_id` pointing at a
/// `proxmox_virtual_environment_file` resource that uploads the script from
/// `hookscripts/<file>` into the `local` storage's snippets, executable (`file_mode`: bpg's
/// `hook_script_file_id` needs an executable file).
///
/// # Errors
/// Every unknown device and mapping entry without a vendor:device id, at once.
pub fn hcl_resources(t: &Topology) -> Result<String, TerraformErrors> {
    let mut body = hcl::Body::builder();
    let mut errors = Vec::new();
    let vm_labels = unique_labels(t.vms.iter().map(|v| v.id.as_str()));
    let devices = Devices::new(t);
    let gates = crate::ops::hookscript::plan(
        t,
        &crate::sim::boot::Timing::default(),
        &crate::ops::hookscript::Options::default(),
    );
    for (vm, label) in t.vms.iter().zip(vm_labels) {
        let gate = gates.scripts.iter().find(|s| s.vm == vm.id);
        let file_label = format!("{label}_gate");
        let hook = gate.map(|_| {
            hcl::Traversal::builder(hcl::Variable::unchecked(BPG_FILE))
                .attr(file_label.clone())
                .attr("id")
                .build()
        });
        match vm_resource(t, &devices, vm, label, hook) {
            Ok(b) => {
                body = body.add_block(b);
                let Some(g) = gate else {
                    continue;
                };
                let file = hcl::Block::builder("resource")
                    .add_label(BPG_FILE)
                    .add_label(file_label)
                    .add_attribute(("content_type", "snippets"))
                    .add_attribute(("datastore_id", crate::ops::hookscript::DEFAULT_STORAGE))
                    .add_attribute(("node_name", g.host.clone()))
                    .add_attribute(("file_mode", "0755"))
                    .add_block(attrs_block(
                        "source_file",
                        &[("path", json!(format!("hookscripts/{}", g.file)))],
                    ))
                    .build();
                body = body.add_block(file);
            }
            Err(e) => errors.push(e),
        }
    }
    let mapping_labels = unique_labels(t.mappings.iter().map(|m| m.id.as_str()));
    for (m, label) in t.mappings.iter().zip(mapping_labels) {
        let mut entries = Vec::new();
        for e in &m.map {
            let device = t.devices.iter().find(|d| {
                d.host == e.node
                    && crate::model::pci::PciAddress::parse(&d.address).ok()
                        == crate::model::pci::PciAddress::parse(&e.path).ok()
            });
            let Some(id) =
                e.id.clone()
                    .or_else(|| device.and_then(|d| d.vendor_device.clone()))
            else {
                errors.push(TerraformError::MappingWithoutId {
                    mapping: m.id.clone(),
                    node: e.node.clone(),
                    path: e.path.clone(),
                });
                continue;
            };
            let mut entry = Map::new();
            entry.insert("id".into(), json!(id));
            if let Some(g) = e.iommu_group.or_else(|| device.and_then(|d| d.iommu_group)) {
                entry.insert("iommu_group".into(), json!(g));
            }
            entry.insert("node".into(), json!(e.node));
            entry.insert("path".into(), json!(e.path));
            if let Some(s) = e
                .subsystem_id
                .clone()
                .or_else(|| device.and_then(|d| d.subsystem.clone()))
            {
                entry.insert("subsystem_id".into(), json!(s));
            }
            entries.push(Value::Object(entry));
        }
        let mut block = hcl::Block::builder("resource")
            .add_label(BPG_MAPPING)
            .add_label(label)
            .add_attribute(("name", m.id.clone()));
        if !m.description.is_empty() {
            block = block.add_attribute(("comment", m.description.clone()));
        }
        block = block.add_attribute(hcl::Attribute::new(
            hcl::Identifier::sanitized("map"),
            to_hcl(&Value::Array(entries)),
        ));
        body = body.add_block(block.build());
    }
    if !errors.is_empty() {
        return Err(TerraformErrors(errors));
    }
    write_body(&body.build())
}

fn attrs_block(name: &str, attrs: &[(&str, Value)]) -> hcl::Block {
    let mut b = hcl::Block::builder(name.to_owned());
    for (k, v) in attrs {
        b = b.add_attribute(hcl::Attribute::new(
            hcl::Identifier::sanitized(*k),
            to_hcl(v),
        ));
    }
    b.build()
}

fn vm_resource(
    t: &Topology,
    devices: &Devices<'_>,
    vm: &Vm,
    label: String,
    hook: Option<hcl::Traversal>,
) -> Result<hcl::Block, TerraformError> {
    let known = |f: &str| !vm.is_unknown(f);
    if !known("host") {
        return Err(TerraformError::Unknown {
            vm: vm.id.clone(),
            field: "host".into(),
        });
    }
    let mut b = hcl::Block::builder("resource")
        .add_label(BPG_VM)
        .add_label(label)
        .add_attribute(("name", vm_name(&vm.id)))
        .add_attribute(("node_name", vm.host.clone()));
    // Unknown: left out (the provider picks the next free id; its `on_boot` default applies).
    if known("vmid") {
        b = b.add_attribute(("vm_id", i64::from(vm.vmid)));
    }
    if known("onboot") {
        b = b.add_attribute(("on_boot", vm.onboot));
    }
    let machine = machine_of(vm);
    if !machine.is_empty() && known("machine") {
        b = b.add_attribute(("machine", machine));
    }
    if let Some(h) = hook {
        b = b.add_attribute(hcl::Attribute::new(
            hcl::Identifier::sanitized("hook_script_file_id"),
            h,
        ));
    }
    // Unset values are left out (the provider's default applies); `type` is written whenever
    // it is known because the provider's default (`qemu64`) is not Proxmox's.
    let mut cpu = Vec::new();
    if vm.cores > 0 && known("cores") {
        cpu.push(("cores", json!(vm.cores)));
    }
    if !vm.cpu_type.is_empty() && known("cpu_type") {
        cpu.push(("type", json!(vm.cpu_type)));
    }
    let mut memory = Vec::new();
    if vm.memory_mib > 0 && known("memory_mib") {
        memory.push(("dedicated", json!(vm.memory_mib)));
        if known("balloon_mib") {
            memory.push(("floating", json!(vm.balloon_mib.unwrap_or(vm.memory_mib))));
        }
    }
    if known("agent") {
        b = b.add_block(attrs_block("agent", &[("enabled", json!(vm.agent))]));
    }
    if !cpu.is_empty() {
        b = b.add_block(attrs_block("cpu", &cpu));
    }
    if !memory.is_empty() {
        b = b.add_block(attrs_block("memory", &memory));
    }
    for h in &vm.hostpci {
        let (mapping, id) = hostpci_target(devices, vm, h)?;
        let mut attrs = vec![("device", json!(format!("hostpci{}", h.index)))];
        match (mapping, id) {
            (Some(m), _) => attrs.push(("mapping", json!(m))),
            (_, a) => attrs.push(("id", json!(a))),
        }
        attrs.extend([
            ("pcie", json!(h.pcie)),
            ("rombar", json!(h.rombar)),
            ("xvga", json!(h.x_vga)),
        ]);
        b = b.add_block(attrs_block("hostpci", &attrs));
    }
    let s = &vm.startup;
    if known("startup") && (s.order.is_some() || s.up.is_some() || s.down.is_some()) {
        // The provider's "unset" is -1.
        let v = |x: Option<u32>| json!(x.map_or(-1, i64::from));
        b = b.add_block(attrs_block(
            "startup",
            &[
                ("order", v(s.order)),
                ("up_delay", v(s.up)),
                ("down_delay", v(s.down)),
            ],
        ));
    }
    if !vm.boot_storage.is_empty() {
        if !known("boot_storage") {
            return Err(TerraformError::Unknown {
                vm: vm.id.clone(),
                field: "boot_storage".into(),
            });
        }
        let mut disk = vec![
            ("datastore_id", json!(storage_name(&vm.boot_storage))),
            (
                "interface",
                json!(vm.boot_interface.as_deref().unwrap_or("scsi0")),
            ),
        ];
        if known("boot_disk_gb") {
            disk.push(("size", json!(vm.boot_disk_gb)));
        }
        b = b.add_block(attrs_block("disk", &disk));
    }
    for n in vm.nics.iter().filter(|n| n.device.is_none()) {
        // No bridge in the model (validation refuses that): the provider's default applies.
        let mut attrs: Vec<(&str, Value)> = n.bridge.iter().map(|b| ("bridge", json!(b))).collect();
        if let Some(vlan) = t
            .networks
            .iter()
            .find(|x| x.id == n.network)
            .and_then(|x| x.vlan)
        {
            attrs.push(("vlan_id", json!(vlan)));
        }
        if let Some(mtu) = n.mtu {
            attrs.push(("mtu", json!(mtu)));
        }
        b = b.add_block(attrs_block("network_device", &attrs));
    }
    Ok(b.build())
}

/// Align the `=` of consecutive attributes at the same indentation, as `terraform fmt` does:
/// a blank line or a non-attribute line at that depth ends the group; the lines of a multi-line
/// value (deeper, or its closing bracket) do not.
fn align_equals(text: &str) -> String {
    fn indent(line: &str) -> usize {
        line.len() - line.trim_start().len()
    }
    fn key_width(line: &str) -> Option<usize> {
        let rest = line.trim_start();
        let key = &rest[..rest.find(" = ")?];
        let ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        ok.then_some(key.len())
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut group_of: Vec<Option<usize>> = vec![None; lines.len()];
    let mut widths: Vec<usize> = Vec::new();
    let mut open: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for (k, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            open.clear();
            continue;
        }
        let ind = indent(line);
        open.retain(|&d, _| d <= ind);
        match key_width(line) {
            Some(w) => {
                let g = *open.entry(ind).or_insert_with(|| {
                    widths.push(0);
                    widths.len() - 1
                });
                widths[g] = widths[g].max(w);
                group_of[k] = Some(g);
            }
            None if line.trim_start().starts_with([']', '}', ')']) => {}
            None => {
                open.remove(&ind);
            }
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    for (k, line) in lines.iter().enumerate() {
        match (group_of[k], key_width(line)) {
            (Some(g), Some(w)) => {
                let split = indent(line) + w;
                out.push_str(&line[..split]);
                out.push_str(&" ".repeat(widths[g] - w));
                out.push_str(&line[split..]);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_module_block_matches_the_seed() {
        let t = crate::examples::seed().unwrap();
        let (text, notes) = super::hcl_modules(&t, "../../modules/platform/truenas", None).unwrap();
        assert!(notes.is_empty());
        assert!(text.contains("module \"truenas\" {"), "{text}");
        assert!(
            text.contains("  source               = \"../../modules/platform/truenas\"\n"),
            "{text}"
        );
        assert!(text.contains("  res_dedicated_memory = 32768\n"), "{text}");
        assert!(
            text.contains("  res_cpu_type         = \"host\"\n"),
            "{text}"
        );
        assert!(
            text.contains("      mapping = \"HBA\"\n      pcie    = true\n"),
            "{text}"
        );
        assert!(text.contains("mapping = \"HBA\""), "{text}");
    }

    #[test]
    fn labels_stay_unique_after_sanitising() {
        assert_eq!(
            super::unique_labels(["a.b", "a_b", "a b", "1x"]),
            ["a_b", "a_b_2", "a_b_3", "vm_1x"]
        );
    }

    #[test]
    fn typed_inputs_follow_the_declarations() {
        let t = crate::examples::seed().unwrap();
        let vars = crate::export::tftypes::parse_variables(&[(
            "variables.tf".into(),
            r#"
variable "vm_id" { type = string }
variable "res_dedicated_memory" { type = number }
variable "res_hostpci" {
  type = list(object({ device = string, mapping = optional(string), id = optional(string), pcie = bool, rombar = optional(bool, true) }))
}
variable "res_disk_iops" { default = 0 }
"#
            .into(),
        )])
        .unwrap();
        let all = super::module_inputs(
            &t,
            Some(super::Declared {
                variables: &vars,
                strict: true,
            }),
        )
        .unwrap();
        let truenas = &all[0];
        assert_eq!(truenas.inputs["vm_id"], serde_json::json!("100"));
        assert_eq!(
            truenas.inputs["res_hostpci"][0],
            serde_json::json!({"device": "hostpci0", "mapping": "HBA", "pcie": true, "rombar": false})
        );
        assert!(!truenas.inputs.contains_key("res_disk_iops"));
        assert!(
            truenas
                .notes
                .iter()
                .any(|n| n.contains("`res_disk_iops` left at the module's default")),
            "{:?}",
            truenas.notes
        );

        let strict = crate::export::tftypes::parse_variables(&[(
            "variables.tf".into(),
            "variable \"res_hostpci\" {\n  type = list(object({ device = string, driver = string }))\n}\nvariable \"password\" { type = string }\n".into(),
        )])
        .unwrap();
        let errors = super::module_inputs(
            &t,
            Some(super::Declared {
                variables: &strict,
                strict: true,
            }),
        )
        .unwrap_err()
        .to_string();
        assert!(errors.contains("VM `truenas`: variable `res_hostpci` (variables.tf:1): the type requires attribute `[0].driver`"), "{errors}");
        assert!(
            errors.contains("variable `password` (variables.tf:4): required (no default)"),
            "{errors}"
        );
    }

    #[test]
    fn template_markers_and_quotes_are_escaped() {
        let mut t = crate::examples::seed().unwrap();
        t.vms[0].cpu_type = "x\"${file(\"/etc/passwd\")}%{if 1}".into();
        let (text, _) = super::hcl_modules(&t, "./m", None).unwrap();
        assert!(
            text.contains(r#"res_cpu_type         = "x\"$${file(\"/etc/passwd\")}%%{if 1}""#),
            "{text}"
        );
    }

    /// A value that looks like an escape sequence already (`%%{`, `$${`) is escaped again and
    /// reads back unchanged.
    #[test]
    fn escaped_looking_markers_round_trip() {
        for raw in [
            "a%%{b", "a$${b", "%%%{", "$$${x}", "%%", "$$", "%{", "${", "a%%%%{b",
        ] {
            let mut t = crate::examples::seed().unwrap();
            t.mappings[0].id = raw.into();
            let text = super::hcl_resources(&t).unwrap();
            let body: hcl::Body = hcl::parse(&text).unwrap();
            let names: Vec<String> = body
                .blocks()
                .filter_map(|b| b.body.attributes().find(|a| a.key.as_str() == "name"))
                // The parser undoes the escapes; a template here would be an injection.
                .map(|a| match &a.expr {
                    hcl::Expression::String(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            assert!(
                names.iter().any(|n| n == raw),
                "{raw:?} not in {names:?}\n{text}"
            );
        }
    }

    /// A VM that states neither cores nor a CPU type gets no `cores = 0` and no `type = ""`
    /// (they were written as if stated); its memory still is.
    #[test]
    fn unset_cores_and_cpu_type_are_left_out_of_resources() {
        let mut t = crate::examples::seed().unwrap();
        for vm in &mut t.vms {
            vm.cores = 0;
            vm.cpu_type = String::new();
        }
        let text = super::hcl_resources(&t).unwrap();
        assert!(text.contains("proxmox_virtual_environment_vm"), "{text}");
        assert!(!text.contains("cores"), "{text}");
        assert!(!text.contains("type ="), "{text}");
        assert!(!text.contains("cpu {"), "{text}");
        let with = super::hcl_resources(&crate::examples::seed().unwrap()).unwrap();
        assert!(with.contains("cores"), "{with}");
    }
}
