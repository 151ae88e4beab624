//! Terraform HCL → VMs and PCI mappings.
//!
//! Understands the three dialects seen in real configurations (see
//! `../shared/domain/EDGE_CASES.md`):
//! - wrapper-module blocks like the seed's (`res_dedicated_memory`, `res_cpu_cores`,
//!   `res_cpu_type`, `res_hostpci`), plus the other inputs [`crate::export::terraform`] can
//!   write (`vm_id`, `node_name`, `on_boot`, `machine`…);
//! - the bpg provider: `proxmox_virtual_environment_vm` with static and `dynamic "hostpci"`
//!   blocks, and the PCI mapping resources (`proxmox_virtual_environment_hardware_mapping_pci`
//!   and its new name `proxmox_hardware_mapping_pci`);
//! - the Telmate provider's `proxmox_vm_qemu`: the 2.x `hostpci` blocks, `pci { … }` and
//!   `pcis { pciN { mapping { … } | raw { … } } }`.
//!
//! Variables (their defaults) and locals with literal values are resolved; every other
//! expression, attribute or block is listed in the notes with its file, line and column.
//!
//! Layout: this file is the generic reader (`Ctx`, `Reader`: attributes evaluated with their
//! spans, what is not understood noted) and the VM parts the dialects share (hostpci entries,
//! virtio NICs, startup, meta-arguments); one file per dialect: `wrapper.rs`, `bpg.rs`,
//! `telmate.rs`; `modules.rs` finds the files and follows module calls; `show_json.rs` and
//! `tf_json.rs` read `terraform show -json` and `.tf.json` into the same readers. The resource
//! types and wrapper input names are [`crate::model::tf`]'s, shared with the exporter.

mod bpg;
mod modules;
mod show_json;
mod telmate;
mod tf_json;
mod wrapper;

use bpg::{bpg_mapping, bpg_vm};
use telmate::telmate_vm;
use wrapper::module_vm;

use super::hcl_eval::{eval, Scope};
use super::{line_col, Note};
use crate::model::{HostPci, Unknown, Vm, VmNic};
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;

pub use crate::model::tf::{BPG_HA, BPG_MAPPING, BPG_MAPPING_NEW, BPG_VM, TELMATE_VM};

/// Where notes go while reading one file.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    notes: RefCell<Vec<Note>>,
    /// For a body hostplan wrote itself from another format (Terraform JSON, `terraform show
    /// -json`): the position in the real file every note points at.
    synthetic: Option<(usize, usize)>,
    /// No "not modelled" notes for attributes (`terraform show -json` lists every attribute a
    /// provider has).
    quiet: bool,
}

impl<'a> Ctx<'a> {
    fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            text,
            notes: RefCell::default(),
            synthetic: None,
            quiet: false,
        }
    }

    /// `line:column` of a span in the file.
    fn position(&self, span: Option<&std::ops::Range<usize>>) -> (usize, usize) {
        self.synthetic
            .unwrap_or_else(|| span.map_or((0, 0), |s| line_col(self.text, s.start)))
    }

    // Callers hand over hcl-edit's spans (`Option<Range>`) as they get them.
    #[allow(clippy::needless_pass_by_value)]
    fn note(&self, span: Option<std::ops::Range<usize>>, subject: &str, message: String) {
        let (line, column) = self.position(span.as_ref());
        self.notes.borrow_mut().push(Note {
            file: self.file.to_owned(),
            line,
            column,
            subject: subject.to_owned(),
            message,
        });
    }
}

/// An attribute that is present but could not be read: its span and expression text.
type Unresolvable = (Option<std::ops::Range<usize>>, String);

/// Reads one block body: hands out attributes and nested blocks, and at the end lists the ones
/// nobody asked for as "not modelled".
struct Reader<'a> {
    ctx: &'a Ctx<'a>,
    body: &'a Body,
    scope: Scope,
    subject: String,
    used: RefCell<BTreeSet<String>>,
    /// Attributes present but not resolvable (or of the wrong type): key → (span, text).
    unresolved: RefCell<std::collections::BTreeMap<String, Unresolvable>>,
}

impl<'a> Reader<'a> {
    fn new(ctx: &'a Ctx<'a>, body: &'a Body, scope: Scope, subject: String) -> Self {
        Self {
            ctx,
            body,
            scope,
            subject,
            used: RefCell::default(),
            unresolved: RefCell::default(),
        }
    }

    /// The model field `field` as unknown, if attribute `key` is present but could not be
    /// resolved: with the attribute's `file:line:column` and its expression.
    fn unknown(&self, key: &str, field: &str) -> Option<Unknown> {
        let unresolved = self.unresolved.borrow();
        let (span, text) = unresolved.get(key)?;
        let (line, column) = self.ctx.position(span.as_ref());
        Some(Unknown {
            field: field.to_owned(),
            from: Some(format!("{}:{line}:{column}", self.ctx.file)),
            expression: Some(text.clone()),
        })
    }

    /// Record `field` of `vm` as unknown when attribute `key` could not be resolved.
    fn mark(&self, vm: &mut Vm, key: &str, field: &str) {
        if let Some(u) = self.unknown(key, field) {
            if !vm.is_unknown(field) {
                vm.unknown.push(u);
            }
        }
    }

    /// The value of attribute `key`; an unresolvable value is noted and reads as absent.
    fn get(&self, key: &str) -> Option<Value> {
        let attr = self.body.get_attribute(key)?;
        self.used.borrow_mut().insert(key.to_owned());
        let expr = hcl::Expression::from(attr.value.clone());
        match eval(&expr, &self.scope) {
            Ok(v) => Some(v),
            Err(u) => {
                self.ctx.note(
                    attr.span(),
                    &format!("{}.{key}", self.subject),
                    format!("`{}` is not known from the files (a data source, a provider-computed attribute, a variable nobody sets, or a function hostplan does not evaluate); left unknown — `terraform show -json` of a plan or state has it resolved", u.0.trim()),
                );
                self.unresolved
                    .borrow_mut()
                    .insert(key.to_owned(), (attr.span(), u.0.trim().to_owned()));
                None
            }
        }
    }

    fn str(&self, key: &str) -> Option<String> {
        self.get(key)
            .and_then(|v| self.typed(key, as_string(&v), "a string"))
    }

    fn u64(&self, key: &str) -> Option<u64> {
        self.get(key)
            .and_then(|v| self.typed(key, as_u64(&v), "a whole number"))
    }

    fn i64(&self, key: &str) -> Option<i64> {
        self.get(key)
            .and_then(|v| self.typed(key, as_i64(&v), "a whole number"))
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.get(key)
            .and_then(|v| self.typed(key, as_bool(&v), "a boolean"))
    }

    fn typed<T>(&self, key: &str, v: Option<T>, what: &str) -> Option<T> {
        if v.is_none() {
            let attr = self.body.get_attribute(key);
            let span = attr.and_then(Span::span);
            self.ctx.note(
                span.clone(),
                &format!("{}.{key}", self.subject),
                format!("expected {what}; left unknown"),
            );
            let text = attr
                .map(|a| hcl::Expression::from(a.value.clone()).to_string())
                .unwrap_or_default();
            self.unresolved
                .borrow_mut()
                .insert(key.to_owned(), (span, text.trim().to_owned()));
        }
        v
    }

    /// Nested blocks named `ident`.
    fn blocks(&self, ident: &str) -> Vec<&'a Block> {
        self.used.borrow_mut().insert(ident.to_owned());
        self.body
            .blocks()
            .filter(|b| b.ident.as_str() == ident)
            .collect()
    }

    /// Mark `key` as seen on purpose (meta-arguments already handled elsewhere).
    fn skip(&self, key: &str) {
        self.used.borrow_mut().insert(key.to_owned());
    }

    /// A reader for a nested block.
    fn child(&self, block: &'a Block, scope: Option<Scope>) -> Reader<'a> {
        Reader::new(
            self.ctx,
            &block.body,
            scope.unwrap_or_else(|| self.scope.clone()),
            format!("{}.{}", self.subject, block.ident.as_str()),
        )
    }

    /// Note every attribute and block not read.
    fn finish(&self) {
        // From `terraform show -json`: providers list every attribute they have, so only
        // blocks with content are worth a note there.
        let attributes_too = !self.ctx.quiet;
        let used = self.used.borrow();
        for s in self.body {
            if let Some(a) = s.as_attribute() {
                if attributes_too && !used.contains(a.key.as_str()) {
                    self.ctx.note(
                        a.span(),
                        &format!("{}.{}", self.subject, a.key.as_str()),
                        "attribute not modelled by hostplan; not imported".into(),
                    );
                }
            } else if let Some(b) = s.as_block() {
                let name = b.ident.as_str();
                let key = if name == "dynamic" {
                    b.labels.first().map_or("dynamic", |l| l.as_str())
                } else {
                    name
                };
                if !used.contains(key) {
                    self.ctx.note(
                        b.span(),
                        &format!("{}.{key}", self.subject),
                        "block not modelled by hostplan; not imported".into(),
                    );
                }
            }
        }
    }

    /// Static blocks `ident` and the expansions of `dynamic "ident"` blocks (whose `for_each`
    /// must resolve to a literal list or map), each with the scope to read it in.
    fn repeated(&self, ident: &str) -> Vec<(&'a Block, Option<Scope>)> {
        let mut out: Vec<(&'a Block, Option<Scope>)> =
            self.blocks(ident).into_iter().map(|b| (b, None)).collect();
        for d in self.body.get_blocks("dynamic") {
            if d.labels
                .first()
                .map(hcl::edit::structure::BlockLabel::as_str)
                != Some(ident)
            {
                continue;
            }
            let r = Reader::new(
                self.ctx,
                &d.body,
                self.scope.clone(),
                format!("{}.dynamic.{ident}", self.subject),
            );
            // `iterator = h` names the iterator with a bare identifier, not a value.
            r.skip("iterator");
            let iterator = d
                .body
                .get_attribute("iterator")
                .and_then(|a| match hcl::Expression::from(a.value.clone()) {
                    hcl::Expression::Variable(v) => Some(v.to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| ident.to_owned());
            let Some(items) = r.get("for_each") else {
                if r.body.get_attribute("for_each").is_none() {
                    self.ctx
                        .note(d.span(), &r.subject, "no `for_each`; not imported".into());
                }
                continue;
            };
            let pairs: Vec<(Value, Value)> = match items {
                Value::Array(a) => a
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::from(i), v))
                    .collect(),
                Value::Object(o) => o.into_iter().map(|(k, v)| (Value::from(k), v)).collect(),
                _ => {
                    self.ctx.note(
                        d.span(),
                        &r.subject,
                        "`for_each` is neither a list nor a map; not imported".into(),
                    );
                    continue;
                }
            };
            let contents: Vec<&Block> = d.body.get_blocks("content").collect();
            r.skip("content");
            r.finish();
            let Some(content) = contents.first() else {
                self.ctx.note(
                    d.span(),
                    &r.subject,
                    "no `content` block; not imported".into(),
                );
                continue;
            };
            for (key, value) in pairs {
                let mut scope = self.scope.clone();
                scope.iterator = Some((
                    iterator.clone(),
                    serde_json::json!({ "key": key, "value": value }),
                ));
                out.push((content, Some(scope)));
            }
        }
        out
    }
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    as_i64(v).and_then(|i| u64::try_from(i).ok())
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn u32_of(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// `hostpci3` → 3.
fn hostpci_index(device: &str) -> Option<u32> {
    device.strip_prefix("hostpci")?.parse().ok()
}

pub use modules::{import, is_terraform_file, local_module_sources};

/// Shared by the bpg and module readers: one `res_hostpci`-style object.
fn hostpci_from_object(v: &Value, index: u32) -> Result<HostPci, String> {
    let Value::Object(o) = v else {
        return Err("a hostpci entry is not an object".into());
    };
    let mut h = HostPci {
        index,
        ..HostPci::default()
    };
    for (k, v) in o {
        match (k.as_str(), v) {
            (_, Value::Null) => {}
            ("mapping", v) => h.mapping = as_string(v),
            ("id", v) => h.host = as_string(v),
            ("device", v) => {
                h.index = as_string(v)
                    .as_deref()
                    .and_then(hostpci_index)
                    .ok_or_else(|| format!("`device = {v}` is not `hostpciN`"))?;
            }
            ("pcie", v) => h.pcie = as_bool(v).ok_or("`pcie` is not a boolean")?,
            ("rombar", v) => h.rombar = as_bool(v).ok_or("`rombar` is not a boolean")?,
            ("xvga", v) => h.x_vga = as_bool(v).ok_or("`xvga` is not a boolean")?,
            (other, _) => return Err(format!("attribute `{other}` is not modelled")),
        }
    }
    if h.mapping.is_none() && h.host.is_none() {
        return Err("neither `mapping` nor `id`".into());
    }
    Ok(h)
}

fn missing_placement(ctx: &Ctx<'_>, block: &Block, subject: &str, vm: &Vm) {
    if vm.host.is_empty() {
        ctx.note(block.span(), subject, super::NO_HOST.into());
    }
    if vm.vmid == 0 {
        ctx.note(
            block.span(),
            subject,
            "the input does not say the VM's vmid: fill it in before validating".into(),
        );
    }
}

/// A startup block whose attributes for order, up and down delay are `names`; negative values
/// (the providers' "unset", `-1`) read as unset.
fn startup_block(s: &Reader<'_>, names: [&str; 3]) -> crate::model::Startup {
    let positive = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    let out = crate::model::Startup {
        order: positive(s.i64(names[0])),
        up: positive(s.i64(names[1])),
        down: positive(s.i64(names[2])),
    };
    s.finish();
    out
}

/// `count` / `for_each` on a resource: expanded by [`modules`] (the scope then has `each` or
/// `count`); one that could not be expanded is reported.
fn meta_arguments(ctx: &Ctx<'_>, r: &Reader<'_>, block: &Block, subject: &str) {
    let expanded = r.scope.each.is_some() || r.scope.count.is_some();
    for meta in ["count", "for_each"] {
        if let Some(a) = block.body.get_attribute(meta) {
            r.skip(meta);
            if !expanded {
                ctx.note(
                    a.span(),
                    &format!("{subject}.{meta}"),
                    format!("`{meta}` could not be evaluated: imported as one VM"),
                );
            }
        }
    }
    r.skip("depends_on");
    r.skip("lifecycle");
    r.skip("provider");
}

/// Where nothing states a VM's role, infer it from its name and `hints` (a description, a
/// resource or module label) and say so in a note at `span`.
fn infer_vm_role(ctx: &Ctx<'_>, span: Option<std::ops::Range<usize>>, vm: &mut Vm, hints: &[&str]) {
    if !vm.role.is_empty() {
        return;
    }
    let all: Vec<&str> = std::iter::once(vm.id.as_str())
        .chain(hints.iter().copied())
        .collect();
    if let Some((role, hint)) = super::infer_role(&all) {
        let note = super::role_note(role, hint);
        role.clone_into(&mut vm.role);
        ctx.note(span, &vm.id, note);
    }
}

/// The attribute names of one provider dialect's virtio NIC block.
struct NicKeys {
    /// The VLAN tag.
    vlan: &'static str,
    /// "The link is down" (the NIC is disconnected).
    down: &'static str,
    /// Attributes read on purpose and not modelled.
    ignored: &'static [&'static str],
}

/// One virtio NIC block (bpg `network_device`, Telmate `network`): on its bridge, with the
/// network id guessed from the bridge or VLAN (Terraform does not name networks) and noted; a
/// disconnected NIC has no path and is not imported.
fn virtio_nic(ctx: &Ctx<'_>, b: &Block, n: &Reader<'_>, keys: &NicKeys, vm: &mut Vm) {
    let bridge = n.str("bridge").unwrap_or_else(|| "vmbr0".into());
    let vlan = n.u64(keys.vlan).filter(|t| *t > 0);
    let network = vlan.map_or_else(|| bridge.clone(), |v| format!("vlan{v}"));
    if n.bool(keys.down) == Some(true) {
        ctx.note(
            b.span(),
            &n.subject,
            format!(
                "`{} = true`: the NIC is disconnected (no path through it); not imported",
                keys.down
            ),
        );
    } else {
        ctx.note(
            b.span(),
            &n.subject,
            format!("network id `{network}` guessed from the bridge/VLAN; rename it to your network's id"),
        );
        vm.nics.push(VmNic {
            network,
            bridge: Some(bridge),
            mtu: n.u64("mtu").map(u32_of),
            device: None,
        });
    }
    for k in keys.ignored {
        n.skip(k);
    }
    n.finish();
}

/// The attribute names of one provider dialect's passthrough block.
struct PciKeys {
    /// The mapping name.
    mapping: &'static str,
    /// The raw PCI address.
    address: &'static str,
    /// The primary-GPU flag, first spelling found wins.
    x_vga: &'static [&'static str],
}

/// Read one passthrough block of a dialect (`pcie` default off, `rombar` on, as in Proxmox),
/// note what it did not use, and add it to `vm` — or say why not when it names no device.
fn take_pci(ctx: &Ctx<'_>, b: &Block, h: &Reader<'_>, index: u32, keys: &PciKeys, vm: &mut Vm) {
    let entry = HostPci {
        index,
        mapping: h.str(keys.mapping),
        host: h.str(keys.address),
        pcie: h.bool("pcie").unwrap_or(false),
        rombar: h.bool("rombar").unwrap_or(true),
        x_vga: keys.x_vga.iter().find_map(|k| h.bool(k)).unwrap_or(false),
        device: None,
    };
    h.finish();
    if entry.mapping.is_none() && entry.host.is_none() {
        ctx.note(
            b.span(),
            &h.subject,
            format!(
                "neither `{}` nor `{}` resolved; entry not imported",
                keys.mapping, keys.address
            ),
        );
    } else {
        vm.hostpci.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::import;

    fn one(text: &str) -> crate::import::Imported {
        import(&[("main.tf".into(), text.into())])
    }

    #[test]
    fn seed_module_block_imports() {
        let i = one(r#"
module "truenas_vm" {
  source = "../../modules/platform/truenas"
  res_dedicated_memory = 32768  # 32GB
  res_cpu_cores        = 6
  res_cpu_type         = "host"
  res_hostpci = [
    { mapping = "HBA", pcie = true, rombar = false },
    { mapping = "NIC1", pcie = true },
  ]
}
"#);
        let vm = &i.topology.vms[0];
        assert_eq!(vm.id, "truenas_vm");
        assert_eq!(
            (vm.memory_mib, vm.cores, vm.cpu_type.as_str()),
            (32768, 6, "host")
        );
        assert_eq!(vm.hostpci.len(), 2);
        assert!(!vm.hostpci[0].rombar && vm.hostpci[1].rombar);
        assert_eq!(vm.hostpci[1].index, 1);
        // Where the VM runs and its vmid are not in the block; its role is inferred.
        assert_eq!(i.notes.len(), 3, "{:?}", i.notes);
        assert!(i.notes[0].message.contains("host"));
        assert!(i.notes[2].message.contains("role `truenas` inferred"));
        assert_eq!(vm.role, "truenas");
    }

    #[test]
    fn dynamic_hostpci_with_locals_and_unresolved_references() {
        let i = one(r#"
variable "node" { default = "pve1" }
locals {
  devs = [{ id = "0000:01:00", pcie = true }, { id = local.gpu, pcie = false }]
  gpu  = "0000:02:00.0"
}
resource "proxmox_virtual_environment_vm" "nas" {
  name      = "nas"
  node_name = var.node
  vm_id     = 100
  tags      = ["a"]
  memory { dedicated = 8192 }
  dynamic "hostpci" {
    for_each = local.devs
    content {
      device = "hostpci${hostpci.key}"
      id     = hostpci.value.id
      pcie   = hostpci.value.pcie
    }
  }
  description = "not modelled"
  machine     = lookup(local.machines, "nas")
}
"#);
        let vm = &i.topology.vms[0];
        assert_eq!(vm.host, "pve1");
        assert_eq!(vm.balloon_mib, Some(0), "bpg floating defaults to 0");
        assert_eq!(vm.hostpci.len(), 2);
        assert_eq!(vm.hostpci[1].host.as_deref(), Some("0000:02:00.0"));
        assert_eq!(vm.hostpci[1].index, 1);
        let text: Vec<String> = i.notes.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|n| n.starts_with(
                "main.tf:11:3: proxmox_virtual_environment_vm.nas.tags: attribute not modelled"
            )),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|n| n.contains(
                "main.tf:22:3: proxmox_virtual_environment_vm.nas.machine: `lookup(local.machines"
            )),
            "{text:#?}"
        );
    }

    #[test]
    fn telmate_forms() {
        let i = one(r#"
resource "proxmox_vm_qemu" "nas" {
  name        = "nas"
  target_node = "pve"
  vmid        = 200
  memory      = 16384
  balloon     = 0
  startup     = "order=1,up=90"
  pcis {
    pci0 {
      mapping {
        mapping_id = "LSI-HBA"
        pcie       = true
      }
    }
  }
  pci {
    id          = 1
    raw_id      = "0000:00:02"
    primary_gpu = true
  }
  pcis {
    gpu {
      raw {
        raw_id = "0000:03:00"
      }
    }
  }
  scsi1 = "x"
}
"#);
        let vm = &i.topology.vms[0];
        assert_eq!(vm.startup.order, Some(1));
        assert_eq!(vm.startup.up, Some(90));
        assert_eq!(vm.balloon_mib, Some(0));
        assert_eq!(vm.hostpci.len(), 2);
        assert_eq!(
            vm.hostpci
                .iter()
                .find(|h| h.index == 0)
                .unwrap()
                .mapping
                .as_deref(),
            Some("LSI-HBA")
        );
        assert!(vm.hostpci.iter().find(|h| h.index == 1).unwrap().x_vga);
        assert_eq!(i.notes.len(), 2, "{:?}", i.notes);
        assert!(
            i.notes
                .iter()
                .any(|n| n.subject == "proxmox_vm_qemu.nas.pcis.gpu"),
            "a slot not named pciN is reported, not dropped: {:?}",
            i.notes
        );
    }

    #[test]
    fn broken_hcl_is_located() {
        let i = one("resource \"a\" \"b\" {\n  x = \n}\n");
        assert!(i.topology.vms.is_empty());
        assert_eq!(i.notes.len(), 1);
        assert_eq!(
            (i.notes[0].line, i.notes[0].column),
            (2, 7),
            "{:?}",
            i.notes
        );
    }
}
