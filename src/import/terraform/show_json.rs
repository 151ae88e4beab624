//! `terraform show -json` output — a plan (`planned_values`) or a state (`values`): every value
//! already resolved by Terraform itself, `count`/`for_each` expanded, modules nested at any
//! depth (`child_modules`). This is the path for configurations the HCL reader cannot evaluate.
//!
//! Each bpg or Telmate VM and PCI mapping resource is written back as the HCL block its values
//! describe (nested blocks are lists of objects in the JSON) and read by the same block readers
//! as `.tf` files, so the two paths cannot drift apart. A value a plan only knows after apply
//! (`resource_changes[].change.after_unknown`) stays unknown. Notes point at the resource's
//! `address` in the JSON file.

use super::super::{line_col, Imported, Note};
use super::{
    bpg_mapping, bpg_vm, infer_vm_role, telmate_vm, Ctx, BPG_MAPPING, BPG_MAPPING_NEW, BPG_VM,
    TELMATE_VM,
};
use crate::import::hcl_eval::Scope;
use crate::model::{Topology, SCHEMA_VERSION};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Whether `text` is `terraform show -json` output (a plan or a state).
pub fn looks_like(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.trim_start().starts_with('{')
        && head.contains("\"format_version\"")
        && (text.contains("\"planned_values\"") || text.contains("\"values\""))
}

/// Attributes that are lists of objects in HCL too (not nested blocks).
fn is_list_attribute(kind: &str, key: &str) -> bool {
    (kind == BPG_MAPPING || kind == BPG_MAPPING_NEW) && key == "map"
}

/// Import one `terraform show -json` document.
pub fn import(name: &str, text: &str) -> Imported {
    let mut topology = Topology {
        schema_version: SCHEMA_VERSION,
        ..Topology::default()
    };
    let mut notes = Vec::new();
    let note = |notes: &mut Vec<Note>, message: String| {
        notes.push(Note {
            file: name.to_owned(),
            line: 1,
            column: 1,
            subject: String::new(),
            message,
        });
    };
    let doc: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            notes.push(Note {
                file: name.to_owned(),
                line: e.line(),
                column: e.column(),
                subject: String::new(),
                message: format!("not JSON: {e}; file not imported"),
            });
            return Imported { topology, notes };
        }
    };
    let root = match (doc.get("planned_values"), doc.get("values")) {
        (Some(p), _) => p.get("root_module"),
        (None, Some(v)) => v.get("root_module"),
        _ => None,
    };
    let Some(root) = root else {
        note(
            &mut notes,
            "no `planned_values` or `values.root_module`: not `terraform show -json` output of a plan or state".into(),
        );
        return Imported { topology, notes };
    };
    let after_unknown = after_unknown(&doc);
    let calls = module_calls(&doc);
    let mut resources = Vec::new();
    collect(root, &mut resources);
    let mut ha = Vec::new();
    for r in resources {
        let (Some(address), Some(kind), Some(values)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
            r.get("values").and_then(Value::as_object),
        ) else {
            continue;
        };
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        if kind == super::BPG_HA {
            if let Some(vmid) = values
                .get("resource_id")
                .and_then(Value::as_str)
                .and_then(|s| s.strip_prefix("vm:"))
                .and_then(|s| s.parse::<u32>().ok())
            {
                ha.push(vmid);
            }
            continue;
        }
        if ![BPG_VM, TELMATE_VM, BPG_MAPPING, BPG_MAPPING_NEW].contains(&kind) {
            continue;
        }
        if values.get("template") == Some(&Value::Bool(true)) {
            note(
                &mut notes,
                format!("{address}: a template (`template = true`): never a running guest; not imported"),
            );
            continue;
        }
        let unknown = after_unknown.get(address).copied();
        let hcl = block_text(kind, values, unknown);
        let Ok(body) = hcl::edit::parser::parse_body(&hcl) else {
            note(
                &mut notes,
                format!("{address}: values hostplan cannot read; skipped"),
            );
            continue;
        };
        let Some(block) = body.blocks().next() else {
            continue;
        };
        // The address as the JSON spells it (quotes inside it escaped).
        let quoted = serde_json::to_string(address).unwrap_or_default();
        let position = text
            .find(&format!("\"address\": {quoted}"))
            .or_else(|| text.find(&format!("\"address\":{quoted}")))
            .map_or((1, 1), |at| line_col(text, at));
        let mut ctx = Ctx::new(name, &hcl);
        ctx.synthetic = Some(position);
        ctx.quiet = true;
        let scope = Scope::default();
        if kind == BPG_MAPPING || kind == BPG_MAPPING_NEW {
            topology
                .mappings
                .push(bpg_mapping(&ctx, block, kind, address, &scope));
        } else {
            let mut vm = if kind == BPG_VM {
                bpg_vm(&ctx, block, address, &scope)
            } else {
                telmate_vm(&ctx, block, address, &scope)
            };
            // `module.truenas.module.vm.…` → the root's call `truenas`.
            vm.module = address
                .strip_prefix("module.")
                .and_then(|rest| rest.split(['.', '[']).next())
                .and_then(|call| calls.get(call))
                .map(|s| (*s).to_owned());
            let text = |k: &str| values.get(k).and_then(Value::as_str).unwrap_or_default();
            let label = r.get("name").and_then(Value::as_str).unwrap_or_default();
            infer_vm_role(
                &ctx,
                None,
                &mut vm,
                &[text("description"), text("desc"), label],
            );
            topology.vms.push(vm);
        }
        // The readers name things `<type>.<label>`; here the label is the address already.
        let doubled = format!("{kind}.{address}");
        notes.extend(ctx.notes.into_inner().into_iter().map(|mut n| {
            if let Some(rest) = n.subject.strip_prefix(&doubled) {
                n.subject = format!("{address}{rest}");
            } else if !n.subject.contains(address) {
                n.subject = format!("{address}: {}", n.subject);
            }
            n
        }));
    }
    for vm in &mut topology.vms {
        if ha.contains(&vm.vmid) {
            vm.ha = true;
        }
    }
    Imported { topology, notes }
}

/// What a plan only learns at apply time (`after_unknown`), per resource address.
fn after_unknown(doc: &Value) -> BTreeMap<&str, &Map<String, Value>> {
    let mut out = BTreeMap::new();
    for rc in doc
        .get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(addr), Some(Value::Object(u))) = (
            rc.get("address").and_then(Value::as_str),
            rc.pointer("/change/after_unknown"),
        ) {
            out.insert(addr, u);
        }
    }
    out
}

/// The root module's calls and their sources (`configuration`), for the VMs they provision.
fn module_calls(doc: &Value) -> BTreeMap<&str, &str> {
    doc.pointer("/configuration/root_module/module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, call)| Some((name.as_str(), call.get("source")?.as_str()?)))
        .collect()
}

/// Every resource of a module and its child modules, in document order.
fn collect<'v>(module: &'v Value, out: &mut Vec<&'v Value>) {
    out.extend(
        module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(child, out);
    }
}

/// The HCL block a resource's values describe: nested blocks (lists of objects) as blocks,
/// the rest as attributes; nulls left out; a value known only after apply written as an
/// expression the readers cannot resolve, so the field it sets is unknown.
fn block_text(
    kind: &str,
    values: &Map<String, Value>,
    unknown: Option<&Map<String, Value>>,
) -> String {
    let block = hcl::Block::builder("resource")
        .add_label(kind)
        .add_label("from_json")
        .add_structures(structures(kind, values, unknown, true))
        .build();
    hcl::format::to_string(&hcl::Body::builder().add_block(block).build()).unwrap_or_default()
}

fn structures(
    kind: &str,
    values: &Map<String, Value>,
    unknown: Option<&Map<String, Value>>,
    top: bool,
) -> Vec<hcl::Structure> {
    let mut out = Vec::new();
    for (k, v) in values {
        let ident = hcl::Identifier::sanitized(k);
        let after_apply = unknown.and_then(|u| u.get(k)) == Some(&Value::Bool(true));
        match v {
            Value::Null if after_apply => {
                let expr: hcl::Expression =
                    hcl::Traversal::builder(hcl::Variable::unchecked("known_after_apply"))
                        .attr(k.as_str())
                        .build()
                        .into();
                out.push(hcl::Attribute::new(ident, expr).into());
            }
            Value::Null => {}
            Value::Array(items) if items.is_empty() => {}
            Value::Array(items)
                if items.iter().all(Value::is_object) && !(top && is_list_attribute(kind, k)) =>
            {
                for item in items {
                    let inner = match item {
                        Value::Object(o) => structures(kind, o, None, false),
                        _ => Vec::new(),
                    };
                    out.push(
                        hcl::Block::builder(ident.clone())
                            .add_structures(inner)
                            .build()
                            .into(),
                    );
                }
            }
            other => {
                let expr = hcl::to_expression(other).unwrap_or(hcl::Expression::Null);
                out.push(hcl::Attribute::new(ident, expr).into());
            }
        }
    }
    out
}
