//! Terraform's structure, as Terraform evaluates it: each directory is a module with its own
//! variables and locals (two root modules with a `local.node` each keep theirs); a `module`
//! block whose `source` is a local path among the given files is followed — the caller's
//! arguments (evaluated in the caller's scope) and the module's variable defaults bind its
//! variables, and its resources are imported as the caller's (under the names the arguments
//! give them) — while a directory used as a module is never imported on its own; `count` and
//! `for_each` on resources and modules expand; a root module's `terraform.tfvars`,
//! `*.auto.tfvars` and `*.tfvars.json` (and any other `.tfvars` given, as `-var-file`) set its
//! variables. `OpenTofu`'s `.tofu` files count as `.tf`.
//!
//! The core reads no files: the front end gives every file, including the module directories
//! a configuration calls ([`local_module_sources`] tells it which).

use super::super::hcl_eval::{eval, eval_partial, Scope};
use super::super::{Imported, Note};
use super::{
    bpg_mapping, bpg_vm, infer_vm_role, module_vm, telmate_vm, Ctx, BPG_MAPPING, BPG_MAPPING_NEW,
    BPG_VM, TELMATE_VM,
};
use crate::model::{Topology, SCHEMA_VERSION};
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How deep module calls may nest (Terraform has no limit; a cycle of local sources would
/// otherwise never end).
const MAX_DEPTH: usize = 16;

/// One parsed configuration file.
struct File<'a> {
    name: &'a str,
    /// The text the body's spans index: the file's, or the HCL a JSON file was turned into.
    text: std::borrow::Cow<'a, str>,
    body: Body,
    /// Written from Terraform JSON: notes point at the file's start.
    from_json: bool,
}

/// A directory: a Terraform module.
#[derive(Default)]
struct Module<'a> {
    files: Vec<File<'a>>,
    /// Variable values from tfvars files, in Terraform's order of precedence (later wins).
    tfvars: Vec<(String, BTreeMap<String, Value>)>,
}

/// The directory part of a file name (`hosts/srv01/main.tf` → `hosts/srv01`; `main.tf` → the
/// empty string).
fn dir_of(name: &str) -> String {
    let name = name.replace('\\', "/");
    let raw = name.rfind('/').map_or("", |i| &name[..i]);
    // Normalised like module sources are (`./a/../b` → `b`), so both name one directory alike.
    join(raw, ".")
}

/// `dir` joined with a relative `source`, with `.` and `..` resolved (`a/b` + `../c` → `a/c`).
fn join(dir: &str, source: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in dir.split('/').chain(source.split('/')) {
        match p {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if dir.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// A `module` block's `source`, if it is a local path (`./…` or `../…`).
fn local_source(block: &Block) -> Option<String> {
    source_of(block).filter(|s| s.starts_with("./") || s.starts_with("../"))
}

/// A `module` block's `source`, as written (a literal string).
fn source_of(block: &Block) -> Option<String> {
    let a = block.body.get_attribute("source")?;
    match hcl::Expression::from(a.value.clone()) {
        hcl::Expression::String(s) => Some(s),
        _ => None,
    }
}

/// The directories the local `module` sources in `files` point at (resolved against each
/// file's directory), for a front end to read and pass in too.
pub fn local_module_sources(files: &[(String, String)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, text) in files {
        let Ok(body) = hcl::edit::parser::parse_body(text) else {
            continue;
        };
        for b in body.blocks().filter(|b| b.ident.as_str() == "module") {
            if let Some(src) = local_source(b) {
                out.insert(join(&dir_of(name), &src));
            }
        }
    }
    out
}

fn has_ext(name: &str, ext: &str) -> bool {
    name.to_ascii_lowercase().ends_with(ext)
}

/// Whether a file found in a repository is Terraform's: configuration (`.tf`, `.tofu`, and
/// their JSON syntax) or variable values (`.tfvars`, `.tfvars.json`). (`terraform show -json`
/// output is given by name: any JSON file is not a plan.)
pub fn is_terraform_file(name: &str) -> bool {
    [
        ".tf",
        ".tofu",
        ".tf.json",
        ".tofu.json",
        ".tfvars",
        ".tfvars.json",
    ]
    .iter()
    .any(|e| has_ext(name, e))
}

fn is_tfvars(name: &str) -> bool {
    has_ext(name, ".tfvars") || has_ext(name, ".tfvars.json")
}

/// Terraform's precedence among variable files: `terraform.tfvars`, `terraform.tfvars.json`,
/// `*.auto.tfvars[.json]` in lexical order, then files named explicitly (`-var-file`).
fn tfvars_rank(name: &str) -> (u8, String) {
    let base = name.rsplit('/').next().unwrap_or(name);
    let rank = match base {
        "terraform.tfvars" => 0,
        "terraform.tfvars.json" => 1,
        b if b.ends_with(".auto.tfvars") || b.ends_with(".auto.tfvars.json") => 2,
        _ => 3,
    };
    (rank, base.to_owned())
}

/// The values of a tfvars file (HCL attributes, or a JSON object).
fn read_tfvars(name: &str, text: &str, notes: &mut Vec<Note>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    if has_ext(name, ".json") {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => out.extend(o),
            _ => notes.push(Note {
                file: name.to_owned(),
                line: 1,
                column: 1,
                subject: String::new(),
                message: "not a JSON object of variable values; file not used".into(),
            }),
        }
        return out;
    }
    match hcl::edit::parser::parse_body(text) {
        Ok(body) => {
            for a in body.attributes() {
                let expr = hcl::Expression::from(a.value.clone());
                out.insert(
                    a.key.as_str().to_owned(),
                    eval_partial(&expr, &Scope::default()),
                );
            }
        }
        Err(e) => notes.push(Note {
            file: name.to_owned(),
            line: e.location().line(),
            column: e.location().column(),
            subject: String::new(),
            message: format!("not valid HCL: {}; file not used", e.message()),
        }),
    }
    out
}

/// Import Terraform files, given as `(name, text)` with their paths: `.tf`/`.tofu` files
/// grouped into modules by directory, tfvars files applied to the root module beside them.
pub fn import(files: &[(String, String)]) -> Imported {
    let mut notes = Vec::new();
    let mut modules: BTreeMap<String, Module<'_>> = BTreeMap::new();
    let mut json_topologies = Vec::new();
    let mut tfvars: Vec<&(String, String)> = files.iter().filter(|(n, _)| is_tfvars(n)).collect();
    tfvars.sort_by_key(|(n, _)| tfvars_rank(n));
    for (name, text) in tfvars {
        let values = read_tfvars(name, text, &mut notes);
        modules
            .entry(dir_of(name))
            .or_default()
            .tfvars
            .push((name.clone(), values));
    }
    for (name, text) in files.iter().filter(|(n, _)| !is_tfvars(n)) {
        if has_ext(name, ".json") && super::show_json::looks_like(text) {
            let imported = super::show_json::import(name, text);
            json_topologies.push(imported.topology);
            notes.extend(imported.notes);
            continue;
        }
        let (source, from_json) = if has_ext(name, ".json") {
            match super::tf_json::to_hcl(text) {
                Ok(hcl) => (std::borrow::Cow::Owned(hcl), true),
                Err(why) => {
                    notes.push(Note {
                        file: name.clone(),
                        line: 1,
                        column: 1,
                        subject: String::new(),
                        message: format!(
                            "not Terraform JSON configuration ({why}); file not imported"
                        ),
                    });
                    continue;
                }
            }
        } else {
            (std::borrow::Cow::Borrowed(text.as_str()), false)
        };
        match hcl::edit::parser::parse_body(&source) {
            Ok(body) => {
                modules.entry(dir_of(name)).or_default().files.push(File {
                    name,
                    text: source,
                    body,
                    from_json,
                });
            }
            Err(e) => notes.push(Note {
                file: name.clone(),
                line: e.location().line(),
                column: e.location().column(),
                subject: String::new(),
                message: format!("not valid HCL: {}; file not imported", e.message()),
            }),
        }
    }
    // A directory some other given directory calls as a module is not a root.
    let mut called = BTreeSet::new();
    for (dir, m) in &modules {
        for f in &m.files {
            for b in f.body.blocks().filter(|b| b.ident.as_str() == "module") {
                if let Some(src) = local_source(b) {
                    let target = join(dir, &src);
                    if target != *dir && modules.contains_key(&target) {
                        called.insert(target);
                    }
                }
            }
        }
    }
    let mut out = Importer {
        modules: &modules,
        topology: Topology {
            schema_version: SCHEMA_VERSION,
            ..Topology::default()
        },
        notes,
        ha: Vec::new(),
    };
    for (dir, m) in &modules {
        if called.contains(dir) {
            continue;
        }
        let mut inputs = BTreeMap::new();
        for (_, values) in &m.tfvars {
            inputs.extend(values.clone());
        }
        out.instantiate(dir, &inputs, None, 0);
    }
    let mut topology = out.topology;
    for vm in &mut topology.vms {
        if out.ha.contains(&vm.vmid) {
            vm.ha = true;
        }
    }
    for t in json_topologies {
        topology.vms.extend(t.vms);
        topology.mappings.extend(t.mappings);
    }
    Imported {
        topology,
        notes: out.notes,
    }
}

/// Walks module instances, collecting what they define.
struct Importer<'m, 'a> {
    modules: &'m BTreeMap<String, Module<'a>>,
    topology: Topology,
    notes: Vec<Note>,
    /// VMIDs an HA resource names.
    ha: Vec<u32>,
}

/// The module call a module instance comes from: its label (for VM ids that do not resolve).
struct Call<'c> {
    label: &'c str,
}

impl Importer<'_, '_> {
    /// The scope of module `dir` given variable values `inputs` (tfvars for a root, the
    /// caller's arguments for a called module): the variables' defaults overridden by the
    /// inputs, and the locals resolved in any order.
    fn scope(&self, dir: &str, inputs: &BTreeMap<String, Value>) -> Scope {
        let mut scope = Scope::default();
        let Some(m) = self.modules.get(dir) else {
            return scope;
        };
        let mut pending: Vec<(String, hcl::Expression)> = Vec::new();
        for f in &m.files {
            for block in f.body.blocks() {
                match block.ident.as_str() {
                    "variable" => {
                        let Some(name) = block.labels.first() else {
                            continue;
                        };
                        if let Some(a) = block.body.get_attribute("default") {
                            let v = eval_partial(
                                &hcl::Expression::from(a.value.clone()),
                                &Scope::default(),
                            );
                            scope.vars.insert(name.as_str().to_owned(), v);
                        }
                    }
                    "locals" => {
                        for a in block.body.attributes() {
                            pending.push((
                                a.key.as_str().to_owned(),
                                hcl::Expression::from(a.value.clone()),
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
        scope.vars.extend(inputs.clone());
        // Locals may refer to each other (and to resources' configured arguments) in any
        // order: resolve until nothing changes; what never resolves keeps its resolvable parts.
        let resolve = |pending: &mut Vec<(String, hcl::Expression)>, scope: &mut Scope| loop {
            let before = pending.len();
            pending.retain(|(name, expr)| match eval(expr, scope) {
                Ok(v) => {
                    scope.locals.insert(name.clone(), v);
                    false
                }
                Err(_) => true,
            });
            if pending.len() == before {
                break;
            }
        };
        resolve(&mut pending, &mut scope);
        scope.resources = resource_arguments(m, &scope);
        resolve(&mut pending, &mut scope);
        for (name, expr) in pending {
            let v = eval_partial(&expr, &scope);
            scope.locals.insert(name, v);
        }
        scope
    }

    /// Import the resources of one instance of module `dir`.
    fn instantiate(
        &mut self,
        dir: &str,
        inputs: &BTreeMap<String, Value>,
        call: Option<&Call<'_>>,
        depth: usize,
    ) {
        let modules = self.modules;
        let Some(m) = modules.get(dir) else {
            return;
        };
        let scope = self.scope(dir, inputs);
        for f in &m.files {
            let mut ctx = Ctx::new(f.name, &f.text);
            if f.from_json {
                ctx.synthetic = Some((1, 1));
            }
            for s in &f.body {
                let Some(block) = s.as_block() else {
                    let subject = s
                        .as_attribute()
                        .map_or_else(String::new, |a| a.key.as_str().to_owned());
                    ctx.note(
                        s.span(),
                        &subject,
                        "top-level attribute outside any block; not imported".into(),
                    );
                    continue;
                };
                self.block(&ctx, dir, block, &scope, call, depth);
            }
            self.notes.extend(ctx.notes.into_inner());
        }
    }

    /// One top-level block, once per `count`/`for_each` instance.
    fn block(
        &mut self,
        ctx: &Ctx<'_>,
        dir: &str,
        block: &Block,
        scope: &Scope,
        call: Option<&Call<'_>>,
        depth: usize,
    ) {
        let labels: Vec<&str> = block
            .labels
            .iter()
            .map(hcl::edit::structure::BlockLabel::as_str)
            .collect();
        let kind = match (block.ident.as_str(), labels.as_slice()) {
            ("variable" | "locals" | "terraform" | "output" | "data", _) => return,
            ("provider", _) => {
                ctx.note(
                    block.span(),
                    &format!("provider.{}", labels.first().copied().unwrap_or_default()),
                    "provider configuration (endpoint, credentials) is not modelled; not imported"
                        .into(),
                );
                return;
            }
            ("module", [_]) => "module",
            ("resource", [k, _]) if *k == BPG_VM || *k == TELMATE_VM => "vm",
            ("resource", [k, _]) if *k == BPG_MAPPING || *k == BPG_MAPPING_NEW => "mapping",
            ("resource", [k, _]) if *k == super::BPG_HA => "ha",
            (ident, labels) => {
                ctx.note(
                    block.span(),
                    &std::iter::once(ident)
                        .chain(labels.iter().copied())
                        .collect::<Vec<_>>()
                        .join("."),
                    "not a VM, wrapper module or PCI mapping; skipped".into(),
                );
                return;
            }
        };
        let label = labels.last().copied().unwrap_or_default();
        // The id a VM gets when its name does not resolve: the resource (or module call) label,
        // inside a module prefixed by the call's label, with the instance key.
        let base = match call {
            Some(c) if kind != "module" => format!("{}.{label}", c.label),
            _ => label.to_owned(),
        };
        for (instance_scope, key) in instances(block, scope) {
            let fallback = match &key {
                Some(k) => format!("{base}[{k}]"),
                None => base.clone(),
            };
            match kind {
                "module" => self.module(ctx, dir, block, &fallback, &instance_scope, depth),
                "mapping" => {
                    let m = bpg_mapping(ctx, block, labels[0], &fallback, &instance_scope);
                    self.topology.mappings.push(m);
                }
                "ha" => self.ha_resource(ctx, block, &instance_scope),
                _ => {
                    if is_template(block, &instance_scope) {
                        ctx.note(
                            block.span(),
                            &fallback,
                            "a template (`template = true`): never a running guest; not imported"
                                .into(),
                        );
                        continue;
                    }
                    let vm = if labels[0] == BPG_VM {
                        bpg_vm(ctx, block, &fallback, &instance_scope)
                    } else {
                        telmate_vm(ctx, block, &fallback, &instance_scope)
                    };
                    self.push_vm(ctx, block, vm, call);
                }
            }
        }
    }

    /// A bpg HA resource: the VM it names (`resource_id = "vm:<vmid>"`) is HA-managed, once
    /// every VM is read ([`import`] applies them at the end).
    fn ha_resource(&mut self, ctx: &Ctx<'_>, block: &Block, scope: &Scope) {
        let id = block
            .body
            .get_attribute("resource_id")
            .map(|a| eval(&hcl::Expression::from(a.value.clone()), scope));
        match id {
            Some(Ok(Value::String(s))) if s.starts_with("vm:") => match s[3..].parse::<u32>() {
                Ok(vmid) => self.ha.push(vmid),
                Err(_) => ctx.note(
                    block.span(),
                    "resource_id",
                    format!("`{s}` is not `vm:<vmid>`; not imported"),
                ),
            },
            Some(Ok(other)) => ctx.note(
                block.span(),
                "resource_id",
                format!("HA resource `{other}` is not a VM; not imported"),
            ),
            _ => ctx.note(
                block.span(),
                "resource_id",
                "HA resource whose VM is not known from the files; not imported".into(),
            ),
        }
    }

    /// Add a VM, with its role inferred (and noted) from its name or the module call's label
    /// where nothing states it.
    fn push_vm(
        &mut self,
        ctx: &Ctx<'_>,
        block: &Block,
        mut vm: crate::model::Vm,
        call: Option<&Call<'_>>,
    ) {
        let label = block.labels.last().map_or("", |l| l.as_str());
        infer_vm_role(
            ctx,
            block.span(),
            &mut vm,
            &[call.map_or("", |c| c.label), label],
        );
        self.topology.vms.push(vm);
    }

    /// A `module` call: followed when its source is a given local directory, otherwise read as
    /// a wrapper whose inputs name the VM's settings.
    fn module(
        &mut self,
        ctx: &Ctx<'_>,
        dir: &str,
        block: &Block,
        label: &str,
        scope: &Scope,
        depth: usize,
    ) {
        let target = local_source(block)
            .map(|s| join(dir, &s))
            .filter(|t| self.modules.contains_key(t));
        let source = source_of(block);
        let Some(target) = target else {
            if let Some(mut vm) = module_vm(ctx, block, label, scope) {
                vm.module.clone_from(&source);
                self.push_vm(ctx, block, vm, None);
            }
            return;
        };
        if depth >= MAX_DEPTH {
            ctx.note(
                block.span(),
                &format!("module.{label}"),
                format!("modules nest deeper than {MAX_DEPTH} (a cycle of sources?); not followed"),
            );
            return;
        }
        // The caller's arguments, evaluated in the caller's scope; one that does not resolve
        // keeps the module's variable unknown (not its default: Terraform would use the
        // argument).
        let mut inputs = BTreeMap::new();
        for a in block.body.attributes() {
            let key = a.key.as_str();
            if matches!(
                key,
                "source" | "version" | "count" | "for_each" | "depends_on" | "providers"
            ) {
                continue;
            }
            let expr = hcl::Expression::from(a.value.clone());
            inputs.insert(key.to_owned(), eval_partial(&expr, scope));
        }
        let before = self.topology.vms.len();
        self.instantiate(&target, &inputs, Some(&Call { label }), depth + 1);
        // The VMs of the call are provisioned through the outermost module that calls them
        // (its source as the caller writes it): set last, by the outermost call.
        for vm in &mut self.topology.vms[before..] {
            vm.module.clone_from(&source);
        }
        // The called module's VMs were imported in its files; say where they came from.
        ctx.note(
            block.span(),
            &format!("module.{label}"),
            format!("followed into `{target}`"),
        );
    }
}

/// Whether a VM resource is a template (bpg and Telmate both say `template = true`).
fn is_template(block: &Block, scope: &Scope) -> bool {
    block.body.get_attribute("template").is_some_and(|a| {
        eval(&hcl::Expression::from(a.value.clone()), scope) == Ok(Value::Bool(true))
    })
}

/// The arguments each resource's configuration sets, where they evaluate (single-instance
/// resources only: with `count`/`for_each` a reference needs an index hostplan does not track).
fn resource_arguments(m: &Module<'_>, scope: &Scope) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    for f in &m.files {
        for b in f.body.blocks().filter(|b| b.ident.as_str() == "resource") {
            let [kind, label] = b.labels.as_slice() else {
                continue;
            };
            if b.body.get_attribute("count").is_some() || b.body.get_attribute("for_each").is_some()
            {
                continue;
            }
            let mut attrs = serde_json::Map::new();
            for a in b.body.attributes() {
                if let Ok(v) = eval(&hcl::Expression::from(a.value.clone()), scope) {
                    attrs.insert(a.key.as_str().to_owned(), v);
                }
            }
            out.entry(kind.as_str().to_owned())
                .or_default()
                .insert(label.as_str().to_owned(), Value::Object(attrs));
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, Value::Object(v)))
        .collect()
}

/// The instances of a block: one without `count`/`for_each`; one per element when they
/// evaluate (with `count.index`, or `each.key`/`each.value` in scope and the key for the id);
/// one, reported by the block's reader, when they do not.
fn instances(block: &Block, scope: &Scope) -> Vec<(Scope, Option<String>)> {
    let eval_attr = |key: &str| {
        block.body.get_attribute(key).map(|a| {
            (
                a.span(),
                eval(&hcl::Expression::from(a.value.clone()), scope),
            )
        })
    };
    if let Some((_, value)) = eval_attr("for_each") {
        let pairs: Option<Vec<(String, Value)>> = match value {
            Ok(Value::Object(o)) => Some(o.into_iter().collect()),
            // A set of strings: each.key = each.value = the element.
            Ok(Value::Array(a)) => a
                .into_iter()
                .map(|v| v.as_str().map(|s| (s.to_owned(), v.clone())))
                .collect(),
            _ => None,
        };
        if let Some(pairs) = pairs {
            return pairs
                .into_iter()
                .map(|(k, v)| {
                    let mut s = scope.clone();
                    s.each = Some(serde_json::json!({ "key": k, "value": v }));
                    (s, Some(format!("\"{k}\"")))
                })
                .collect();
        }
    } else if let Some((_, value)) = eval_attr("count") {
        // At most 1,024 instances: a bound on what a hostile file can make the import build.
        if let Some(n) = value.ok().and_then(|n| n.as_u64()).filter(|n| *n <= 1024) {
            return (0..n)
                .map(|i| {
                    let mut s = scope.clone();
                    s.count = Some(serde_json::json!({ "index": i }));
                    (s, Some(i.to_string()))
                })
                .collect();
        }
    }
    vec![(scope.clone(), None)]
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_sources_resolve_against_the_callers_directory() {
        assert_eq!(super::join("envs/prod", "../../modules/vm"), "modules/vm");
        assert_eq!(super::join("", "./modules/vm"), "modules/vm");
        assert_eq!(super::join("a", "../../x"), "../x");
        assert_eq!(super::dir_of("hosts/srv01/main.tf"), "hosts/srv01");
        assert_eq!(super::dir_of("main.tf"), "");
        assert_eq!(
            super::dir_of("./repo/hosts/../hosts/srv01/main.tf"),
            "repo/hosts/srv01"
        );
        assert_eq!(
            super::join("/srv/tf/envs", "../modules/vm"),
            "/srv/tf/modules/vm"
        );
    }
}
