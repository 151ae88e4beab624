//! Terraform for a wrapper module like the seed's `modules/platform/truenas`
//! (`res_dedicated_memory`, `res_cpu_cores`, `res_cpu_type`, `res_hostpci`): the inputs of each
//! VM as `<vm>.auto.tfvars.json`, and as `module` blocks in HCL.
//!
//! Every string goes through `hcl-rs`, which escapes quotes, control characters and template
//! markers (`${`, `%{`), so no id or name can inject HCL; tests parse the output with
//! HashiCorp's own parser (npm `@cdktf/hcl2json`) and compare it with the JSON form.

use crate::model::{Topology, Vm};
use serde_json::{json, Value};

/// Why a VM cannot be expressed for the wrapper module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerraformError {
    /// A hostpci entry names a hostplan device id, which means nothing to Proxmox.
    #[error("VM `{vm}` hostpci{index} names device `{device}`: give it a mapping or a raw address to export it")]
    UnmappedDevice {
        /// The VM.
        vm: String,
        /// The hostpci index.
        index: u32,
        /// The device id.
        device: String,
    },
    /// The HCL writer failed.
    #[error("writing HCL: {0}")]
    Hcl(String),
}

/// The wrapper module's inputs for one VM.
///
/// # Errors
/// [`TerraformError::UnmappedDevice`] for a hostpci entry given as a hostplan device id.
pub fn vm_inputs(vm: &Vm) -> Result<Value, TerraformError> {
    let mut hostpci = Vec::new();
    for h in &vm.hostpci {
        let mut entry = serde_json::Map::new();
        if let Some(m) = &h.mapping {
            entry.insert("mapping".into(), json!(m));
        } else if let Some(a) = &h.host {
            entry.insert("id".into(), json!(a));
        } else if let Some(d) = &h.device {
            return Err(TerraformError::UnmappedDevice {
                vm: vm.id.clone(),
                index: h.index,
                device: d.clone(),
            });
        }
        entry.insert("pcie".into(), json!(h.pcie));
        entry.insert("rombar".into(), json!(h.rombar));
        if h.x_vga {
            entry.insert("xvga".into(), json!(true));
        }
        hostpci.push(Value::Object(entry));
    }
    Ok(json!({
        "res_dedicated_memory": vm.memory_mib,
        "res_cpu_cores": vm.cores,
        "res_cpu_type": vm.cpu_type,
        "res_hostpci": hostpci,
    }))
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

/// `<vm>.auto.tfvars.json` for every VM.
///
/// # Errors
/// As [`vm_inputs`].
pub fn tfvars(t: &Topology) -> Result<Vec<(String, String)>, TerraformError> {
    t.vms
        .iter()
        .map(|vm| {
            let mut text = serde_json::to_string_pretty(&vm_inputs(vm)?).unwrap_or_default();
            text.push('\n');
            Ok((format!("{}.auto.tfvars.json", module_name(&vm.id)), text))
        })
        .collect()
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

/// `main.tf`: one `module` block per VM with `source` and its inputs, formatted like
/// `terraform fmt`.
///
/// # Errors
/// As [`vm_inputs`]; [`TerraformError::Hcl`] if the writer fails.
pub fn hcl_modules(t: &Topology, source: &str) -> Result<String, TerraformError> {
    let mut body = hcl::Body::builder();
    for vm in &t.vms {
        let inputs = vm_inputs(vm)?;
        let mut block = hcl::Block::builder("module")
            .add_label(module_name(&vm.id))
            .add_attribute(("source", source.to_owned()));
        if let Value::Object(map) = inputs {
            for (k, v) in &map {
                block = block.add_attribute(hcl::Attribute::new(
                    hcl::Identifier::sanitized(k),
                    to_hcl(v),
                ));
            }
        }
        body = body.add_block(block.build());
    }
    let text =
        hcl::format::to_string(&body.build()).map_err(|e| TerraformError::Hcl(e.to_string()))?;
    Ok(align_equals(&text))
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
        let text = super::hcl_modules(&t, "../../modules/platform/truenas").unwrap();
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
    fn template_markers_and_quotes_are_escaped() {
        let mut t = crate::examples::seed().unwrap();
        t.vms[0].cpu_type = "x\"${file(\"/etc/passwd\")}%{if 1}".into();
        let text = super::hcl_modules(&t, "./m").unwrap();
        assert!(
            text.contains(r#"res_cpu_type         = "x\"$${file(\"/etc/passwd\")}%%{if 1}""#),
            "{text}"
        );
    }
}
