//! A deliberately small HCL expression evaluator for importing Terraform: literals, lists,
//! objects, `var.x`, `local.x`, the iterator of a `dynamic` block (`hostpci.key`,
//! `hostpci.value.mapping`), indexing into those, and string templates whose interpolations are
//! themselves resolvable. Anything else (function calls, conditionals, `for` expressions,
//! resource references) is *not* guessed at: it comes back as [`Unresolved`] with the
//! expression's text so the importer can report it.

use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
use hcl::template::{Element, Template};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An expression the evaluator will not resolve, with its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved(pub String);

/// Values in scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// `var.<name>`: variable defaults.
    pub vars: BTreeMap<String, Value>,
    /// `local.<name>`.
    pub locals: BTreeMap<String, Value>,
    /// A `dynamic` block's iterator: its name and `{key, value}`.
    pub iterator: Option<(String, Value)>,
}

fn unresolved(e: &Expression) -> Unresolved {
    Unresolved(e.to_string())
}

/// Evaluate `e` in `scope`.
#[allow(clippy::many_single_char_names)] // e, t, o, a, n: the usual names for HCL/JSON parts
pub(crate) fn eval(e: &Expression, scope: &Scope) -> Result<Value, Unresolved> {
    Ok(match e {
        Expression::Null => Value::Null,
        Expression::Bool(b) => Value::Bool(*b),
        Expression::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Expression::String(s) => Value::String(s.clone()),
        Expression::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| eval(i, scope))
                .collect::<Result<_, _>>()?,
        ),
        Expression::Object(obj) => {
            let mut out = Map::new();
            for (k, v) in obj {
                let key = match k {
                    ObjectKey::Identifier(i) => i.to_string(),
                    ObjectKey::Expression(ke) => match eval(ke, scope)? {
                        Value::String(s) => s,
                        _ => return Err(unresolved(ke)),
                    },
                    _ => return Err(unresolved(e)),
                };
                out.insert(key, eval(v, scope)?);
            }
            Value::Object(out)
        }
        Expression::Parenthesis(inner) => eval(inner, scope)?,
        Expression::TemplateExpr(t) => template(t, scope).ok_or_else(|| unresolved(e))?,
        Expression::Variable(v) => match &scope.iterator {
            Some((name, value)) if name == v.as_str() => value.clone(),
            _ => return Err(unresolved(e)),
        },
        Expression::Traversal(t) => {
            let mut ops = t.operators.iter();
            let mut current = match &t.expr {
                Expression::Variable(v) if v.as_str() == "var" || v.as_str() == "local" => {
                    let Some(TraversalOperator::GetAttr(name)) = ops.next() else {
                        return Err(unresolved(e));
                    };
                    let table = if v.as_str() == "var" {
                        &scope.vars
                    } else {
                        &scope.locals
                    };
                    table
                        .get(name.as_str())
                        .cloned()
                        .ok_or_else(|| unresolved(e))?
                }
                other => eval(other, scope).map_err(|_| unresolved(e))?,
            };
            for op in ops {
                current = match (op, current) {
                    (TraversalOperator::GetAttr(name), Value::Object(mut o)) => {
                        o.remove(name.as_str()).ok_or_else(|| unresolved(e))?
                    }
                    (TraversalOperator::LegacyIndex(i), Value::Array(mut a)) => {
                        let i = usize::try_from(*i).map_err(|_| unresolved(e))?;
                        if i < a.len() {
                            a.swap_remove(i)
                        } else {
                            return Err(unresolved(e));
                        }
                    }
                    (TraversalOperator::Index(ix), current) => match (eval(ix, scope)?, current) {
                        (Value::Number(n), Value::Array(mut a)) => {
                            let i = n
                                .as_u64()
                                .and_then(|i| usize::try_from(i).ok())
                                .filter(|&i| i < a.len())
                                .ok_or_else(|| unresolved(e))?;
                            a.swap_remove(i)
                        }
                        (Value::String(k), Value::Object(mut o)) => {
                            o.remove(&k).ok_or_else(|| unresolved(e))?
                        }
                        _ => return Err(unresolved(e)),
                    },
                    _ => return Err(unresolved(e)),
                };
            }
            current
        }
        _ => return Err(unresolved(e)),
    })
}

/// A string template whose interpolations are all scalars in scope; `None` otherwise.
fn template(t: &TemplateExpr, scope: &Scope) -> Option<Value> {
    let parsed = Template::from_expr(t).ok()?;
    let mut out = String::new();
    for el in parsed.elements() {
        match el {
            Element::Literal(s) => out.push_str(s),
            Element::Interpolation(i) => match eval(&i.expr, scope).ok()? {
                Value::String(s) => out.push_str(&s),
                Value::Number(n) => out.push_str(&n.to_string()),
                Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                _ => return None,
            },
            Element::Directive(_) => return None,
        }
    }
    Some(Value::String(out))
}

#[cfg(test)]
mod tests {
    use super::{eval, Scope};
    use serde_json::json;

    fn ev(src: &str, scope: &Scope) -> Result<serde_json::Value, String> {
        let e: hcl::Expression = hcl::from_str(&format!("x = {src}"))
            .map(|b: hcl::Body| b.attributes().next().unwrap().expr().clone())
            .unwrap();
        eval(&e, scope).map_err(|u| u.0)
    }

    #[test]
    fn literals_variables_locals_and_iterators_resolve() {
        let mut s = Scope::default();
        s.vars.insert("mem".into(), json!(4096));
        s.locals.insert(
            "devs".into(),
            json!([{"mapping": "HBA"}, {"mapping": "NIC1"}]),
        );
        s.iterator = Some(("hostpci".into(), json!({"key": 1, "value": {"pcie": true}})));
        assert_eq!(
            ev("[1, \"a\", true, null]", &s).unwrap(),
            json!([1, "a", true, null])
        );
        assert_eq!(ev("var.mem", &s).unwrap(), json!(4096));
        assert_eq!(ev("local.devs[1].mapping", &s).unwrap(), json!("NIC1"));
        assert_eq!(ev("hostpci.value.pcie", &s).unwrap(), json!(true));
        assert_eq!(
            ev("\"hostpci${hostpci.key}\"", &s).unwrap(),
            json!("hostpci1")
        );
        assert_eq!(ev("{ a = var.mem }", &s).unwrap(), json!({"a": 4096}));
    }

    #[test]
    fn everything_else_is_reported_with_its_text() {
        let s = Scope::default();
        assert!(ev("var.missing", &s).unwrap_err().contains("var.missing"));
        assert!(ev("max(1, 2)", &s).is_err());
        assert!(ev("true ? 1 : 2", &s).is_err());
        assert!(ev("proxmox_virtual_environment_vm.a.id", &s).is_err());
        assert!(ev("\"%{if true}x%{endif}\"", &s).is_err());
    }
}
