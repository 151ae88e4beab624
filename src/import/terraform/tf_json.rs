//! Terraform's JSON configuration syntax (`.tf.json`, `.tofu.json`), written back as the HCL it
//! stands for so the same readers evaluate it: `{"resource": {"<type>": {"<name>": {…}}}}`,
//! `variable`, `locals`, `module`, `provider`, `data`, `output`, `terraform`; every string is a
//! template (`"${var.memory}"`); inside a resource, an object or a list of objects is a nested
//! block (a `dynamic` object holds labelled blocks), except the attributes that are lists of
//! objects in HCL too (a PCI mapping's `map`).

use serde_json::{Map, Value};

/// The HCL text of a Terraform JSON configuration, or why it is not one.
pub fn to_hcl(text: &str) -> Result<String, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(top) = doc else {
        return Err("not a JSON object".into());
    };
    let mut body = Vec::new();
    for (kind, v) in &top {
        let Value::Object(items) = v else {
            continue;
        };
        match kind.as_str() {
            "resource" | "data" => {
                for (ty, named) in items {
                    for (name, b) in objects(named) {
                        body.push(block(kind, &[ty, name], &b, BodyKind::Resource(ty)));
                    }
                }
            }
            "locals" => {
                body.push(block("locals", &[], items, BodyKind::Attributes));
            }
            "variable" | "module" | "output" | "provider" => {
                for (name, b) in objects(v) {
                    body.push(block(kind, &[name], &b, BodyKind::Attributes));
                }
            }
            _ => {}
        }
    }
    hcl::format::to_string(&hcl::Body::from(body)).map_err(|e| e.to_string())
}

/// `{"name": {…}}` or `{"name": [{…}, …]}` → each (name, body).
fn objects(v: &Value) -> Vec<(&str, Map<String, Value>)> {
    let mut out = Vec::new();
    if let Value::Object(named) = v {
        for (name, b) in named {
            match b {
                Value::Object(o) => out.push((name.as_str(), o.clone())),
                Value::Array(a) => out.extend(
                    a.iter()
                        .filter_map(Value::as_object)
                        .map(|o| (name.as_str(), o.clone())),
                ),
                _ => {}
            }
        }
    }
    out
}

#[derive(Clone, Copy)]
enum BodyKind<'a> {
    /// Everything is an attribute (modules, variables, locals…).
    Attributes,
    /// A resource of this type: objects and lists of objects are nested blocks.
    Resource(&'a str),
}

fn block(
    ident: &str,
    labels: &[&str],
    body: &Map<String, Value>,
    kind: BodyKind<'_>,
) -> hcl::Structure {
    let mut b = hcl::Block::builder(ident);
    for l in labels {
        b = b.add_label(*l);
    }
    b.add_structures(structures(body, kind)).build().into()
}

fn is_list_attribute(kind: BodyKind<'_>, key: &str) -> bool {
    matches!(kind, BodyKind::Resource(t) if t.ends_with("hardware_mapping_pci") && key == "map")
}

fn structures(body: &Map<String, Value>, kind: BodyKind<'_>) -> Vec<hcl::Structure> {
    let mut out = Vec::new();
    for (k, v) in body {
        let ident = hcl::Identifier::sanitized(k);
        let nested = matches!(kind, BodyKind::Resource(_)) && !is_list_attribute(kind, k);
        match v {
            Value::Object(o) if nested && k == "dynamic" => {
                for (label, b) in o {
                    for inner in objects(&Value::Object(
                        std::iter::once((label.clone(), b.clone())).collect(),
                    )) {
                        out.push(block("dynamic", &[inner.0], &inner.1, kind));
                    }
                }
            }
            Value::Object(o) if nested => out.push(block(k, &[], o, kind)),
            Value::Array(a) if nested && !a.is_empty() && a.iter().all(Value::is_object) => {
                for o in a.iter().filter_map(Value::as_object) {
                    out.push(block(k, &[], o, kind));
                }
            }
            other => out.push(hcl::Attribute::new(ident, expression(other)).into()),
        }
    }
    out
}

/// A JSON value as the HCL expression it stands for: strings are templates.
fn expression(v: &Value) -> hcl::Expression {
    match v {
        Value::String(s) => {
            // An exact `${…}` is the expression itself (its type kept), as Terraform reads it.
            if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if !inner.contains("${") && !inner.contains('}') {
                    if let Ok(body) = hcl::parse(&format!("x = {inner}")) {
                        if let Some(a) = body.attributes().next() {
                            return a.expr().clone();
                        }
                    }
                }
            }
            let escaped = s
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
                .replace('\r', "\\r")
                .replace('\t', "\\t");
            hcl::Expression::TemplateExpr(Box::new(hcl::expr::TemplateExpr::QuotedString(escaped)))
        }
        Value::Array(a) => hcl::Expression::Array(a.iter().map(expression).collect()),
        Value::Object(o) => {
            let mut obj = hcl::Object::new();
            for (k, v) in o {
                obj.insert(hcl::ObjectKey::from(k.as_str()), expression(v));
            }
            hcl::Expression::Object(obj)
        }
        other => hcl::to_expression(other).unwrap_or(hcl::Expression::Null),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resources_modules_and_templates_become_hcl() {
        let json = r#"{
          "variable": {"mem": {"default": 4096}},
          "locals": {"node": "srv01"},
          "resource": {"proxmox_virtual_environment_vm": {"app": {
            "name": "app", "node_name": "${local.node}", "vm_id": 120,
            "memory": {"dedicated": "${var.mem}"},
            "cpu": [{"cores": 2, "type": "x86-64-v2-AES \"v2\""}],
            "dynamic": {"hostpci": {"for_each": "${[\"HBA\"]}", "content": {"device": "hostpci${hostpci.key}", "mapping": "${hostpci.value}"}}}
          }}},
          "module": {"nas": {"source": "./modules/nas", "res_hostpci": [{"mapping": "HBA", "pcie": true}]}}
        }"#;
        let hcl = super::to_hcl(json).unwrap();
        let body: hcl::Body = hcl::parse(&hcl).unwrap();
        assert_eq!(body.blocks().count(), 4, "{hcl}");
        assert!(hcl.contains("node_name = local.node"), "{hcl}");
        assert!(hcl.contains("dynamic \"hostpci\""), "{hcl}");
        assert!(hcl.contains("res_hostpci = ["), "{hcl}");
        assert!(
            hcl.contains(r#"type  = "x86-64-v2-AES \"v2\"""#)
                || hcl.contains(r#"type = "x86-64-v2-AES \"v2\"""#),
            "{hcl}"
        );
    }
}
