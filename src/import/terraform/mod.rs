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

mod modules;
mod show_json;
mod tf_json;

use super::hcl_eval::{eval, Scope};
use super::{line_col, Note};
use crate::model::{HostPci, Mapping, MappingEntry, Unknown, Vm, VmNic};
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

use crate::model::tf::{MODULE_INPUTS, MODULE_NAME};

/// The wrapper module's known inputs (what [`crate::export::terraform`] writes).
fn module_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Option<Vm> {
    let subject = format!("module.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    let looks_like_vm = block.body.attributes().any(|a| {
        let k = a.key.as_str();
        k.starts_with("res_")
            || MODULE_INPUTS
                .iter()
                .filter(|(f, _)| matches!(*f, "vmid" | "host"))
                .any(|(_, names)| names.contains(&k))
            || k == "vm_name"
    });
    if !looks_like_vm {
        ctx.note(
            block.span(),
            &subject,
            "module has no `res_*` inputs: not a VM wrapper; skipped".into(),
        );
        return None;
    }
    r.skip("source");
    r.skip("version");
    // The first of several spellings wrappers use that the block sets.
    let key_of = |names: &[&'static str]| -> Option<&'static str> {
        names
            .iter()
            .copied()
            .find(|k| block.body.get_attribute(k).is_some())
    };
    let mut vm = Vm {
        id: key_of(MODULE_NAME)
            .and_then(|k| r.str(k))
            .unwrap_or_else(|| label.to_owned()),
        ..Vm::default()
    };
    for (field, names) in MODULE_INPUTS {
        let Some(key) = key_of(names) else {
            continue;
        };
        match *field {
            "memory_mib" => vm.memory_mib = r.u64(key).unwrap_or_default(),
            "balloon_mib" => {
                if let Some(v) = r.u64(key) {
                    vm.balloon_mib = Some(v);
                }
            }
            "cores" => vm.cores = r.u64(key).map_or(0, u32_of),
            "cpu_type" => vm.cpu_type = r.str(key).unwrap_or_default(),
            "vmid" => vm.vmid = r.u64(key).map_or(0, u32_of),
            "host" => vm.host = r.str(key).unwrap_or_default(),
            "onboot" => vm.onboot = r.bool(key).unwrap_or_default(),
            "agent" => vm.agent = r.bool(key).unwrap_or_default(),
            "machine" => vm.machine = r.str(key).unwrap_or_default(),
            "startup" => vm.startup.order = r.u64(key).map(u32_of),
            "boot_storage" => vm.boot_storage = r.str(key).unwrap_or_default(),
            "boot_disk_gb" => vm.boot_disk_gb = r.u64(key).map_or(0, u32_of),
            _ => {}
        }
        r.mark(&mut vm, key, field);
    }
    // A floating size equal to the dedicated one is Proxmox's default balloon device.
    if vm.balloon_mib == Some(vm.memory_mib) {
        vm.balloon_mib = None;
    }
    // What the block does not pass takes the module's own default, which this block does not
    // show: unknown, never the provider's or hostplan's default. (Host and vmid are reported
    // as missing placement instead.)
    let (line, column) = block.span().map_or((0, 0), |s| line_col(ctx.text, s.start));
    for (field, names) in MODULE_INPUTS {
        if key_of(names).is_none() && !matches!(*field, "host" | "vmid") {
            vm.unknown.push(Unknown {
                field: (*field).to_owned(),
                from: Some(format!("{}:{line}:{column}", ctx.file)),
                expression: Some(format!(
                    "not passed to module `{label}`: the module's default applies"
                )),
            });
        }
    }
    if let Some(Value::Array(items)) = r.get("res_hostpci") {
        let span = block.body.get_attribute("res_hostpci").and_then(Span::span);
        for (i, item) in items.iter().enumerate() {
            match hostpci_from_object(item, u32_of(i as u64)) {
                Ok(h) => vm.hostpci.push(h),
                Err(why) => ctx.note(
                    span.clone(),
                    &format!("{subject}.res_hostpci[{i}]"),
                    format!("{why}; entry not imported"),
                ),
            }
        }
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    Some(vm)
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

/// bpg `proxmox_virtual_environment_vm`, with the provider's defaults where they differ from
/// hostplan's (`on_boot` true, `cpu.type` `qemu64`, `cpu.cores` 1, `memory.dedicated` 512,
/// `memory.floating` 0 = no balloon device, `disk.size` 8).
fn bpg_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Vm {
    let subject = format!("{BPG_VM}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut vm = Vm {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        vmid: r.u64("vm_id").map_or(0, u32_of),
        host: r.str("node_name").unwrap_or_default(),
        onboot: r.bool("on_boot").unwrap_or(true),
        machine: r.str("machine").unwrap_or_default(),
        cores: 1,
        cpu_type: "qemu64".into(),
        memory_mib: 512,
        ..Vm::default()
    };
    for (key, field) in [
        ("vm_id", "vmid"),
        ("node_name", "host"),
        ("on_boot", "onboot"),
        ("machine", "machine"),
    ] {
        r.mark(&mut vm, key, field);
    }
    vm.migrate = r.bool("migrate").unwrap_or(false);
    for b in r.blocks("cpu") {
        let c = r.child(b, None);
        vm.cores = c.u64("cores").map_or(1, u32_of);
        vm.cpu_type = c.str("type").unwrap_or_else(|| "qemu64".into());
        c.mark(&mut vm, "cores", "cores");
        c.mark(&mut vm, "type", "cpu_type");
        c.finish();
    }
    let mut floating = 0;
    for b in r.blocks("memory") {
        let m = r.child(b, None);
        vm.memory_mib = m.u64("dedicated").unwrap_or(512);
        floating = m.u64("floating").unwrap_or(0);
        m.mark(&mut vm, "dedicated", "memory_mib");
        m.mark(&mut vm, "floating", "balloon_mib");
        m.finish();
    }
    // floating = dedicated: a balloon device that never shrinks = Proxmox's default (no
    // `balloon:` line); 0 removes the device.
    vm.balloon_mib = (floating != vm.memory_mib).then_some(floating);
    for b in r.blocks("agent") {
        let a = r.child(b, None);
        vm.agent = a.bool("enabled").unwrap_or(false);
        a.mark(&mut vm, "enabled", "agent");
        a.finish();
    }
    for (b, sc) in r.repeated("startup") {
        let s = r.child(b, sc);
        vm.startup = startup_block(&s, ["order", "up_delay", "down_delay"]);
        for k in ["order", "up_delay", "down_delay"] {
            s.mark(&mut vm, k, "startup");
        }
    }
    for (position, (b, scope)) in r.repeated("hostpci").into_iter().enumerate() {
        let h = r.child(b, scope);
        let index = h
            .str("device")
            .and_then(|d| {
                let i = hostpci_index(&d);
                if i.is_none() {
                    ctx.note(
                        b.span(),
                        &h.subject,
                        format!("`device = \"{d}\"` is not `hostpciN`; using its position"),
                    );
                }
                i
            })
            .unwrap_or_else(|| u32_of(position as u64));
        take_pci(ctx, b, &h, index, &BPG_PCI, &mut vm);
    }
    let mut boot_seen = false;
    for (b, sc) in r.repeated("disk") {
        let d = r.child(b, sc);
        let interface = d.str("interface").unwrap_or_default();
        // `path_in_datastore = "/dev/disk/by-id/…"`: a host disk handed over as a block device.
        if let Some(path) = d
            .str("path_in_datastore")
            .filter(|p| p.starts_with("/dev/"))
        {
            vm.raw_disks.push(crate::model::RawDisk {
                slot: interface,
                path,
                disk: None,
            });
            for k in ["datastore_id", "file_format", "size"] {
                d.skip(k);
            }
            d.finish();
            continue;
        }
        let storage = d.str("datastore_id").unwrap_or_else(|| "local-lvm".into());
        let size = d.u64("size").unwrap_or(8);
        if boot_seen {
            ctx.note(
                b.span(),
                &d.subject,
                format!("data disk `{interface}` ({size} GB on {storage}) is not modelled; not imported"),
            );
            d.skip("file_format");
        } else {
            boot_seen = true;
            vm.boot_storage = storage;
            vm.boot_disk_gb = u32_of(size);
            if !interface.is_empty() && interface != "scsi0" {
                vm.boot_interface = Some(interface.clone());
            }
            d.mark(&mut vm, "datastore_id", "boot_storage");
            d.mark(&mut vm, "size", "boot_disk_gb");
        }
        d.finish();
    }
    for (b, sc) in r.repeated("network_device") {
        virtio_nic(ctx, b, &r.child(b, sc), &BPG_NIC, &mut vm);
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    vm
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

fn bpg_mapping(ctx: &Ctx<'_>, block: &Block, kind: &str, label: &str, scope: &Scope) -> Mapping {
    let subject = format!("{kind}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut m = Mapping {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        description: r.str("comment").unwrap_or_default(),
        map: Vec::new(),
    };
    let span = block.body.get_attribute("map").and_then(Span::span);
    match r.get("map") {
        Some(Value::Array(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                let Value::Object(o) = e else {
                    ctx.note(
                        span.clone(),
                        &format!("{subject}.map[{i}]"),
                        "not an object; not imported".into(),
                    );
                    continue;
                };
                let mut entry = MappingEntry::default();
                for (k, v) in o {
                    match (k.as_str(), v) {
                        (_, Value::Null) => {}
                        ("node", v) => entry.node = as_string(v).unwrap_or_default(),
                        ("path", v) => entry.path = as_string(v).unwrap_or_default(),
                        ("id", v) => entry.id = as_string(v),
                        ("subsystem_id", v) => entry.subsystem_id = as_string(v),
                        ("iommu_group", v) => {
                            entry.iommu_group = as_i64(v).and_then(|g| i32::try_from(g).ok());
                        }
                        (other, _) => ctx.note(
                            span.clone(),
                            &format!("{subject}.map[{i}].{other}"),
                            "attribute not modelled by hostplan; not imported".into(),
                        ),
                    }
                }
                m.map.push(entry);
            }
        }
        Some(_) => ctx.note(span, &subject, "`map` is not a list; not imported".into()),
        None => {}
    }
    r.finish();
    m
}

/// Telmate `proxmox_vm_qemu` (2.x and 3.x attribute names).
fn telmate_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Vm {
    let subject = format!("{TELMATE_VM}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut vm = Vm {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        vmid: r.u64("vmid").map_or(0, u32_of),
        host: r.str("target_node").unwrap_or_default(),
        memory_mib: r.u64("memory").unwrap_or(512),
        cores: r.u64("cores").map_or(1, u32_of),
        machine: r.str("machine").unwrap_or_default(),
        onboot: r
            .bool("onboot")
            .or_else(|| r.bool("start_at_node_boot"))
            .unwrap_or(false),
        agent: r.bool("agent").unwrap_or(false),
        cpu_type: r.str("cpu_type").unwrap_or_else(|| "host".into()),
        ..Vm::default()
    };
    // 2.x: `cpu = "host"`; 3.x: a `cpu { cores type }` block.
    if let Some(t) = r.str("cpu") {
        vm.cpu_type = t;
    }
    for b in r.blocks("cpu") {
        let c = r.child(b, None);
        if let Some(v) = c.u64("cores") {
            vm.cores = u32_of(v);
        }
        if let Some(t) = c.str("type") {
            vm.cpu_type = t;
        }
        c.mark(&mut vm, "cores", "cores");
        c.mark(&mut vm, "type", "cpu_type");
        c.skip("sockets");
        c.finish();
    }
    if let Some(b) = r.u64("balloon") {
        vm.balloon_mib = (b != vm.memory_mib).then_some(b);
    }
    if let Some(s) = r.str("startup") {
        vm.startup = super::proxmox_conf::parse_startup(&s);
    }
    for b in r.blocks("startup_shutdown") {
        let s = r.child(b, None);
        vm.startup = startup_block(&s, ["order", "startup_delay", "shutdown_timeout"]);
        for k in ["order", "startup_delay", "shutdown_timeout"] {
            s.mark(&mut vm, k, "startup");
        }
    }
    telmate_disks(ctx, &r, &mut vm);
    telmate_networks(ctx, &r, &mut vm);
    // `hastate`: the VM is an HA resource (any state but `ignored`, which HA leaves alone).
    if let Some(state) = r.str("hastate") {
        vm.ha = !state.is_empty() && state != "ignored";
        r.mark(&mut vm, "hastate", "ha");
    }
    r.skip("hagroup");
    for (key, field) in [
        ("vmid", "vmid"),
        ("target_node", "host"),
        ("memory", "memory_mib"),
        ("cores", "cores"),
        ("machine", "machine"),
        ("onboot", "onboot"),
        ("start_at_node_boot", "onboot"),
        ("agent", "agent"),
        ("cpu_type", "cpu_type"),
        ("cpu", "cpu_type"),
        ("balloon", "balloon_mib"),
        ("startup", "startup"),
    ] {
        r.mark(&mut vm, key, field);
    }
    // 2.x: `hostpci { host = "0000:01:00" pcie = 1 rombar = 0 }`, numbered in order.
    for (position, (b, sc)) in r.repeated("hostpci").into_iter().enumerate() {
        let h = r.child(b, sc);
        take_pci(ctx, b, &h, u32_of(position as u64), &TELMATE2_PCI, &mut vm);
    }
    // 3.x: `pci { id = 0 raw_id = "…" | mapping_id = "…" … }`.
    for (position, (b, sc)) in r.repeated("pci").into_iter().enumerate() {
        let h = r.child(b, sc);
        let index = h.u64("id").map_or(u32_of(position as u64), u32_of);
        take_pci(ctx, b, &h, index, &TELMATE3_PCI, &mut vm);
    }
    // 3.x: `pcis { pci0 { mapping { mapping_id … } } pci1 { raw { raw_id … } } }`.
    for pcis in r.blocks("pcis") {
        let p = r.child(pcis, None);
        for slot in pcis.body.blocks() {
            let name = slot.ident.as_str();
            // A slot not named `pciN` stays unread, so `finish` reports it.
            let Some(index) = name.strip_prefix("pci").and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            p.skip(name);
            let s = p.child(slot, None);
            for kind in ["mapping", "raw"] {
                for inner in s.blocks(kind) {
                    let h = s.child(inner, None);
                    take_pci(ctx, inner, &h, index, &TELMATE3_PCI, &mut vm);
                }
            }
            s.finish();
        }
        p.finish();
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    vm
}

/// Telmate 3.x `disks { scsi { scsi0 { disk { storage size } } scsi1 { passthrough { file } } } }`:
/// the first `disk` (in `boot = "order=…"` order when given, else slot order) is the boot disk,
/// `passthrough` slots are raw disks; data disks, CD-ROMs and cloud-init drives are noted.
fn telmate_disks(ctx: &Ctx<'_>, r: &Reader<'_>, vm: &mut Vm) {
    let boot_order: Vec<String> = r
        .str("boot")
        .and_then(|b| b.strip_prefix("order=").map(str::to_owned))
        .map(|o| o.split(';').map(str::to_owned).collect())
        .unwrap_or_default();
    let mut disks: Vec<(String, String, u32)> = Vec::new();
    for block in r.blocks("disks") {
        let dr = r.child(block, None);
        for bus in ["ide", "sata", "scsi", "virtio"] {
            for bus_block in dr.blocks(bus) {
                let br = dr.child(bus_block, None);
                for slot_block in bus_block.body.blocks() {
                    let slot = slot_block.ident.as_str();
                    br.skip(slot);
                    let sr = br.child(slot_block, None);
                    for disk in sr.blocks("disk") {
                        let d = sr.child(disk, None);
                        let storage = d.str("storage").unwrap_or_default();
                        let size = d.str("size").and_then(|s| super::proxmox_conf::size_gb(&s));
                        d.mark(vm, "storage", "boot_storage");
                        disks.push((slot.to_owned(), storage, size.unwrap_or(0)));
                        for k in [
                            "format",
                            "cache",
                            "discard",
                            "emulatessd",
                            "iothread",
                            "replicate",
                            "backup",
                        ] {
                            d.skip(k);
                        }
                        d.finish();
                    }
                    for pass in sr.blocks("passthrough") {
                        let p = sr.child(pass, None);
                        if let Some(file) = p.str("file") {
                            vm.raw_disks.push(crate::model::RawDisk {
                                slot: slot.to_owned(),
                                path: file,
                                disk: None,
                            });
                        }
                        for k in [
                            "backup",
                            "cache",
                            "discard",
                            "emulatessd",
                            "iothread",
                            "replicate",
                            "serial",
                        ] {
                            p.skip(k);
                        }
                        p.finish();
                    }
                    sr.finish();
                }
                br.finish();
            }
        }
        dr.finish();
    }
    let boot = boot_order
        .iter()
        .find_map(|o| disks.iter().position(|(s, _, _)| s == o))
        .or(if disks.is_empty() { None } else { Some(0) });
    for (i, (slot, storage, size)) in disks.into_iter().enumerate() {
        if Some(i) == boot {
            vm.boot_storage = storage;
            vm.boot_disk_gb = size;
        } else {
            ctx.note(
                None,
                &format!("{}.disks.{slot}", r.subject),
                format!("data disk ({size} GB on {storage}) is not modelled; not imported"),
            );
        }
    }
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

const BPG_NIC: NicKeys = NicKeys {
    vlan: "vlan_id",
    down: "disconnected",
    ignored: &[
        "model",
        "mac_address",
        "firewall",
        "queues",
        "rate_limit",
        "enabled",
    ],
};

const TELMATE_NIC: NicKeys = NicKeys {
    vlan: "tag",
    down: "link_down",
    ignored: &["model", "macaddr", "firewall", "queues", "rate", "id"],
};

/// Telmate `network { bridge tag mtu model }` blocks: virtio NICs on a bridge.
fn telmate_networks(ctx: &Ctx<'_>, r: &Reader<'_>, vm: &mut Vm) {
    for (b, sc) in r.repeated("network") {
        virtio_nic(ctx, b, &r.child(b, sc), &TELMATE_NIC, vm);
    }
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

/// bpg `hostpci { mapping | id … xvga }`.
const BPG_PCI: PciKeys = PciKeys {
    mapping: "mapping",
    address: "id",
    x_vga: &["xvga"],
};
/// Telmate 2.x `hostpci { mapping | host … x-vga }`.
const TELMATE2_PCI: PciKeys = PciKeys {
    mapping: "mapping",
    address: "host",
    x_vga: &["x-vga", "xvga"],
};
/// Telmate 3.x `pci { … }` and `pcis { pciN { mapping | raw { … } } }`.
const TELMATE3_PCI: PciKeys = PciKeys {
    mapping: "mapping_id",
    address: "raw_id",
    x_vga: &["primary_gpu"],
};

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
