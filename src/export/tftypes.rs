//! Terraform variable declarations (`variables*.tf`) and their type constraints, so exported
//! module inputs satisfy them: values converted to the declared primitive types, every
//! attribute an `object(...)` requires present, attributes the type does not have dropped (and
//! reported when that would lose a setting).
//!
//! The type language handled is Terraform's: `string`, `number`, `bool`, `any`, `list(T)`,
//! `set(T)`, `map(T)`, `tuple([T, …])`, `object({ name = T, … })` and `optional(T[, default])`
//! inside objects.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum TfType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `any`, or no `type` given.
    Any,
    /// `list(T)`.
    List(Box<TfType>),
    /// `set(T)`.
    Set(Box<TfType>),
    /// `map(T)`.
    Map(Box<TfType>),
    /// `tuple([…])`.
    Tuple(Vec<TfType>),
    /// `object({…})`: attribute name → (type, optional).
    Object(BTreeMap<String, (TfType, bool)>),
}

/// One `variable` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The variable's name.
    pub name: String,
    /// Its type constraint.
    pub ty: TfType,
    /// Whether it has a `default` (so the caller may leave it out).
    pub has_default: bool,
    /// Where it was declared: `file:line`.
    pub declared_at: String,
}

/// Why declarations could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct DeclarationError {
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Read every `variable` block of the given `(name, text)` files.
///
/// # Errors
/// A file that is not HCL, or a `type` that is not a Terraform type expression.
pub fn parse_variables(files: &[(String, String)]) -> Result<Vec<Variable>, DeclarationError> {
    use hcl::edit::Span;
    let mut out = Vec::new();
    for (file, text) in files {
        let body = hcl::edit::parser::parse_body(text).map_err(|e| DeclarationError {
            file: file.clone(),
            line: e.location().line(),
            column: e.location().column(),
            message: format!("not valid HCL: {}", e.message()),
        })?;
        for block in body.blocks().filter(|b| b.ident.as_str() == "variable") {
            let Some(name) = block.labels.first() else {
                continue;
            };
            let (line, column) = block
                .span()
                .map_or((0, 0), |s| crate::import::line_col(text, s.start));
            let ty = match block.body.get_attribute("type") {
                Some(a) => {
                    let expr = hcl::Expression::from(a.value.clone());
                    parse_type(&expr).map_err(|m| {
                        let (line, column) = a
                            .span()
                            .map_or((line, column), |s| crate::import::line_col(text, s.start));
                        DeclarationError {
                            file: file.clone(),
                            line,
                            column,
                            message: format!("variable `{}`: {m}", name.as_str()),
                        }
                    })?
                }
                None => TfType::Any,
            };
            out.push(Variable {
                name: name.as_str().to_owned(),
                ty,
                has_default: block.body.has_attribute("default"),
                declared_at: format!("{file}:{line}"),
            });
        }
    }
    Ok(out)
}

/// A type expression → [`TfType`]; the `bool` is "wrapped in `optional(...)`".
fn parse_type_inner(e: &hcl::Expression) -> Result<(TfType, bool), String> {
    use hcl::Expression as E;
    match e {
        E::Variable(v) => Ok((
            match v.as_str() {
                "string" => TfType::String,
                "number" => TfType::Number,
                "bool" => TfType::Bool,
                "any" => TfType::Any,
                other => return Err(format!("unknown type `{other}`")),
            },
            false,
        )),
        E::FuncCall(f) => {
            let name = f.name.name.as_str();
            let arg = |i: usize| {
                f.args
                    .get(i)
                    .ok_or_else(|| format!("`{name}(...)` needs an argument"))
            };
            let inner = |i: usize| parse_type(arg(i)?).map(Box::new);
            Ok(match name {
                "list" => (TfType::List(inner(0)?), false),
                "set" => (TfType::Set(inner(0)?), false),
                "map" => (TfType::Map(inner(0)?), false),
                "optional" => (parse_type(arg(0)?)?, true),
                "tuple" => match arg(0)? {
                    E::Array(items) => (
                        TfType::Tuple(items.iter().map(parse_type).collect::<Result<_, _>>()?),
                        false,
                    ),
                    _ => return Err("`tuple(...)` takes a list of types".into()),
                },
                "object" => match arg(0)? {
                    E::Object(attrs) => {
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            let key = match k {
                                hcl::ObjectKey::Identifier(i) => i.to_string(),
                                hcl::ObjectKey::Expression(E::String(s)) => s.clone(),
                                _ => return Err(format!("attribute name `{k}` not understood")),
                            };
                            out.insert(key, parse_type_inner(v)?);
                        }
                        (TfType::Object(out), false)
                    }
                    _ => return Err("`object(...)` takes an object of attribute types".into()),
                },
                other => return Err(format!("unknown type constructor `{other}(...)`")),
            })
        }
        other => Err(format!("`{other}` is not a type expression")),
    }
}

fn parse_type(e: &hcl::Expression) -> Result<TfType, String> {
    parse_type_inner(e).map(|(t, _)| t)
}

/// An attribute the type has no room for, dropped from a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Dropped {
    /// Path of the attribute (`[0].rombar`).
    pub path: String,
    /// The value that was dropped.
    pub value: Value,
}

/// Convert `value` to `ty` the way Terraform would accept it, or say why it cannot be.
///
/// Conversions are Terraform's safe ones (number ↔ string, bool ↔ string); object attributes
/// missing from `value` are an error unless optional; `null` is kept for required attributes
/// (Terraform accepts it as "no value") and removed for optional ones.
///
/// # Errors
/// A message naming the path of the first value that cannot be converted.
pub fn conform(value: &Value, ty: &TfType, dropped: &mut Vec<Dropped>) -> Result<Value, String> {
    conform_at(value, ty, "", dropped)
}

fn conform_at(
    value: &Value,
    ty: &TfType,
    path: &str,
    dropped: &mut Vec<Dropped>,
) -> Result<Value, String> {
    let here = || {
        if path.is_empty() {
            "the value".to_owned()
        } else {
            format!("`{path}`")
        }
    };
    if value.is_null() {
        return Ok(Value::Null);
    }
    Ok(match (ty, value) {
        (TfType::Any, v) => v.clone(),
        (TfType::String, Value::String(_))
        | (TfType::Number, Value::Number(_))
        | (TfType::Bool, Value::Bool(_)) => value.clone(),
        (TfType::String, Value::Number(n)) => Value::String(n.to_string()),
        (TfType::String, Value::Bool(b)) => Value::String(b.to_string()),
        (TfType::Number, Value::String(s)) => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .map_err(|_| format!("{} is `{s}`, not a number", here()))?,
        (TfType::Bool, Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
        (TfType::List(inner) | TfType::Set(inner), Value::Array(items)) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| conform_at(v, inner, &format!("{path}[{i}]"), dropped))
                .collect::<Result<_, _>>()?,
        ),
        (TfType::Tuple(types), Value::Array(items)) if types.len() == items.len() => Value::Array(
            items
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (v, t))| conform_at(v, t, &format!("{path}[{i}]"), dropped))
                .collect::<Result<_, _>>()?,
        ),
        (TfType::Map(inner), Value::Object(o)) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        conform_at(v, inner, &format!("{path}.{k}"), dropped)?,
                    ))
                })
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        (TfType::Object(attrs), Value::Object(o)) => {
            let mut out = Map::new();
            for (name, (t, optional)) in attrs {
                let sub = format!("{path}.{name}");
                match o.get(name) {
                    Some(Value::Null) | None if *optional => {}
                    Some(v) => {
                        out.insert(name.clone(), conform_at(v, t, &sub, dropped)?);
                    }
                    None => {
                        return Err(format!(
                            "the type requires attribute `{}` and hostplan has no value for it",
                            sub.trim_start_matches('.')
                        ))
                    }
                }
            }
            for (k, v) in o {
                if !attrs.contains_key(k) && !v.is_null() {
                    dropped.push(Dropped {
                        path: format!("{path}.{k}").trim_start_matches('.').to_owned(),
                        value: v.clone(),
                    });
                }
            }
            Value::Object(out)
        }
        (t, v) => {
            return Err(format!(
                "{} is `{v}`, which is not a {}",
                here(),
                describe(t)
            ))
        }
    })
}

fn describe(t: &TfType) -> &'static str {
    match t {
        TfType::String => "string",
        TfType::Number => "number",
        TfType::Bool => "bool",
        TfType::Any => "value",
        TfType::List(_) => "list",
        TfType::Set(_) => "set",
        TfType::Map(_) => "map",
        TfType::Tuple(_) => "tuple of that length",
        TfType::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VARS: &str = r#"
variable "res_dedicated_memory" { type = number }
variable "res_cpu_type" {
  type    = string
  default = "x86-64-v2-AES"
}
variable "res_hostpci" {
  type = list(object({
    device  = string
    mapping = optional(string)
    id      = optional(string)
    pcie    = optional(bool, false)
    rombar  = bool
  }))
  default = []
}
variable "tags" { }
"#;

    #[test]
    fn declarations_are_read_with_their_types() {
        let vars = parse_variables(&[("variables.tf".into(), VARS.into())]).unwrap();
        assert_eq!(vars.len(), 4);
        assert_eq!(vars[0].ty, TfType::Number);
        assert!(!vars[0].has_default && vars[1].has_default);
        assert_eq!(vars[3].ty, TfType::Any);
        let TfType::List(inner) = &vars[2].ty else {
            panic!()
        };
        let TfType::Object(attrs) = inner.as_ref() else {
            panic!()
        };
        assert_eq!(attrs["mapping"], (TfType::String, true));
        assert_eq!(attrs["rombar"], (TfType::Bool, false));
        assert_eq!(vars[2].declared_at, "variables.tf:7");
    }

    #[test]
    fn values_are_conformed() {
        let vars = parse_variables(&[("v.tf".into(), VARS.into())]).unwrap();
        let mut dropped = Vec::new();
        let v = json!([{ "device": "hostpci0", "mapping": "HBA", "id": null, "pcie": true, "rombar": false, "xvga": true }]);
        let out = conform(&v, &vars[2].ty, &mut dropped).unwrap();
        assert_eq!(
            out,
            json!([{ "device": "hostpci0", "mapping": "HBA", "pcie": true, "rombar": false }])
        );
        assert_eq!(
            dropped,
            vec![Dropped {
                path: "[0].xvga".into(),
                value: json!(true)
            }]
        );
        let err = conform(&json!([{ "mapping": "HBA" }]), &vars[2].ty, &mut dropped).unwrap_err();
        assert!(err.contains("`[0].device`"), "{err}");
        assert_eq!(
            conform(&json!(6), &TfType::String, &mut dropped).unwrap(),
            json!("6")
        );
        assert!(conform(&json!("six"), &TfType::Number, &mut dropped).is_err());
    }

    #[test]
    fn bad_type_expressions_are_located() {
        let err = parse_variables(&[(
            "v.tf".into(),
            "variable \"x\" {\n  type = lizt(string)\n}\n".into(),
        )])
        .unwrap_err();
        assert_eq!((err.line, err.column), (2, 3));
        assert!(err.message.contains("lizt"), "{err}");
    }
}
