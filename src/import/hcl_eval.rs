//! Terraform expressions, evaluated as Terraform would where the value is in the files: hcl-rs's
//! evaluator (`hcl::eval`: operators, conditionals, `for` expressions, templates with
//! directives, splats) with `var.*`, `local.*`, `each.*`, `count.index` and a `dynamic`
//! block's iterator in scope, and the functions real configurations use (`merge`, `lookup`,
//! `concat`, `flatten`, `tolist`, `toset`, `tomap`, `format`, `join`, `lower`, `upper`,
//! `coalesce`, `length`, `keys`, `values`, `element`, `try`, `can`…).
//!
//! What is not in the files — data sources, resource attributes, remote state, a variable
//! without a default that nobody sets — is *not* guessed: it comes back as [`Unresolved`] with
//! the expression's text, and the importer records the field it sets as unknown. A variable
//! default or local whose value is a literal object or list with one unresolvable leaf keeps the
//! rest: only that leaf is unknown (a marker that makes any attribute reading it unresolved).

use super::tf_functions::functions;
use hcl::eval::{Context, Evaluate};
use hcl::expr::{Expression, ObjectKey};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An expression the evaluator will not resolve, with its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unresolved(pub String);

/// Values in scope.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// `var.<name>`: variable values (defaults, overridden by tfvars and module arguments).
    pub vars: BTreeMap<String, Value>,
    /// `local.<name>`.
    pub locals: BTreeMap<String, Value>,
    /// A `dynamic` block's iterator: its name and `{key, value}`.
    pub iterator: Option<(String, Value)>,
    /// `each` (`{key, value}`) inside a resource or module with `for_each`.
    pub each: Option<Value>,
    /// `count` (`{index}`) inside a resource or module with `count`.
    pub count: Option<Value>,
    /// Resources of the module by type and label, with the arguments their configuration sets
    /// (`proxmox_virtual_environment_hardware_mapping_pci.hba.name`); attributes the provider
    /// computes (`id`) are not there and stay unresolved.
    pub resources: BTreeMap<String, Value>,
}

/// The key of the marker standing for an unresolvable leaf inside a variable or local value.
const UNKNOWN_LEAF: &str = "__hostplan_unknown__";

fn unresolved(e: &Expression) -> Unresolved {
    Unresolved(e.to_string().trim().to_owned())
}

/// The marker's expression text, if `v` is one.
fn unknown_leaf(v: &Value) -> Option<&str> {
    match v {
        Value::Object(o) if o.len() == 1 => o.get(UNKNOWN_LEAF).and_then(Value::as_str),
        _ => None,
    }
}

pub(super) fn to_hcl(v: &Value) -> hcl::Value {
    serde_json::from_value(v.clone()).unwrap_or(hcl::Value::Null)
}

pub(super) fn to_json(v: hcl::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Scope {
    /// The evaluation context: the scope's values and the functions.
    fn context(&self) -> Context<'static> {
        let mut ctx = Context::new();
        let object = |m: &BTreeMap<String, Value>| {
            to_hcl(&Value::Object(
                m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            ))
        };
        ctx.declare_var("var", object(&self.vars));
        ctx.declare_var("local", object(&self.locals));
        if let Some((name, value)) = &self.iterator {
            ctx.declare_var(name.as_str(), to_hcl(value));
        }
        if let Some(each) = &self.each {
            ctx.declare_var("each", to_hcl(each));
        }
        if let Some(count) = &self.count {
            ctx.declare_var("count", to_hcl(count));
        }
        for (kind, by_label) in &self.resources {
            ctx.declare_var(kind.as_str(), to_hcl(by_label));
        }
        for (name, def) in functions() {
            ctx.declare_func(name, def);
        }
        ctx
    }
}

/// Evaluate `e` in `scope`.
pub(crate) fn eval(e: &Expression, scope: &Scope) -> Result<Value, Unresolved> {
    let e = resolve_try(e, scope);
    let value = e.evaluate(&scope.context()).map_err(|_| unresolved(&e))?;
    let value = to_json(value);
    match unknown_leaf(&value) {
        // Name both: what the attribute says, and the unresolvable part it reaches.
        Some(text) => {
            let outer = unresolved(&e).0;
            Err(Unresolved(if outer == text {
                outer
            } else {
                format!("{outer} → {text}")
            }))
        }
        None => Ok(value),
    }
}

/// Evaluate a variable default or a local: as [`eval`], but a literal object or list keeps
/// what resolves and marks only the unresolvable leaves.
pub(crate) fn eval_partial(e: &Expression, scope: &Scope) -> Value {
    if let Ok(v) = eval(e, scope) {
        return v;
    }
    match e {
        Expression::Array(items) => {
            Value::Array(items.iter().map(|i| eval_partial(i, scope)).collect())
        }
        Expression::Object(obj) => {
            let mut out = Map::new();
            for (k, v) in obj {
                let key = match k {
                    ObjectKey::Identifier(i) => i.to_string(),
                    ObjectKey::Expression(ke) => match eval(ke, scope) {
                        Ok(Value::String(s)) => s,
                        _ => return marker(e),
                    },
                    _ => return marker(e),
                };
                out.insert(key, eval_partial(v, scope));
            }
            Value::Object(out)
        }
        Expression::Parenthesis(inner) => eval_partial(inner, scope),
        other => marker(other),
    }
}

fn marker(e: &Expression) -> Value {
    let mut m = Map::new();
    m.insert(
        UNKNOWN_LEAF.into(),
        Value::String(e.to_string().trim().to_owned()),
    );
    Value::Object(m)
}

/// `try(a, b, …)` and `can(x)` need their arguments unevaluated, which hcl-rs's functions
/// (plain function pointers on evaluated arguments) cannot have: they are resolved here, before
/// evaluation — `try` becomes its first argument that evaluates, `can` a boolean.
fn resolve_try(e: &Expression, scope: &Scope) -> Expression {
    match e {
        Expression::FuncCall(call) => {
            let name = call.name.to_string();
            let args: Vec<Expression> = call.args.iter().map(|a| resolve_try(a, scope)).collect();
            match name.as_str() {
                "try" => args
                    .iter()
                    .find(|a| eval(a, scope).is_ok())
                    .cloned()
                    .unwrap_or_else(|| e.clone()),
                "can" => Expression::Bool(args.first().is_some_and(|a| eval(a, scope).is_ok())),
                _ => {
                    let mut c = (**call).clone();
                    c.args = args;
                    Expression::FuncCall(Box::new(c))
                }
            }
        }
        Expression::Array(items) => {
            Expression::Array(items.iter().map(|i| resolve_try(i, scope)).collect())
        }
        Expression::Object(obj) => Expression::Object(
            obj.iter()
                .map(|(k, v)| (k.clone(), resolve_try(v, scope)))
                .collect(),
        ),
        Expression::Parenthesis(inner) => {
            Expression::Parenthesis(Box::new(resolve_try(inner, scope)))
        }
        Expression::Conditional(c) => {
            let mut c = (**c).clone();
            c.cond_expr = resolve_try(&c.cond_expr, scope);
            c.true_expr = resolve_try(&c.true_expr, scope);
            c.false_expr = resolve_try(&c.false_expr, scope);
            Expression::Conditional(Box::new(c))
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{eval, eval_partial, Scope};
    use serde_json::json;

    fn expr(src: &str) -> hcl::Expression {
        hcl::from_str(&format!("x = {src}"))
            .map(|b: hcl::Body| b.attributes().next().unwrap().expr().clone())
            .unwrap()
    }

    fn ev(src: &str, scope: &Scope) -> Result<serde_json::Value, String> {
        eval(&expr(src), scope).map_err(|u| u.0)
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

    /// (expression, value) as Terraform evaluates them.
    const TERRAFORM: &[(&str, &str)] = &[
        ("1024 * 4", "4096"),
        ("var.mem > 2048 ? \"big\" : \"small\"", "\"big\""),
        ("merge({a = 1}, {b = 2}, {a = 3})", "{\"a\":3,\"b\":2}"),
        ("lookup({a = 1}, \"b\", 7)", "7"),
        ("concat([1], [2, 3])", "[1,2,3]"),
        ("flatten([[1, [2]], [3]])", "[1,2,3]"),
        ("toset([\"b\", \"a\", \"b\"])", "[\"b\",\"a\"]"),
        ("format(\"vm-%02d-%s\", 7, \"x\")", "\"vm-07-x\""),
        ("join(\",\", [\"a\", \"b\"])", "\"a,b\""),
        ("lower(\"HBA\")", "\"hba\""),
        ("upper(\"hba\")", "\"HBA\""),
        ("try(var.missing, \"fallback\")", "\"fallback\""),
        ("can(var.missing)", "false"),
        ("coalesce(null, \"\", \"x\")", "\"x\""),
        ("length(keys({b = 1, a = 2}))", "2"),
        ("keys({b = 1, a = 2})", "[\"a\",\"b\"]"),
        ("values({b = 1, a = 2})", "[2,1]"),
        ("element([\"a\", \"b\"], 3)", "\"b\""),
        (
            "[for k, v in {a = 1, b = 2} : \"${k}=${v}\"]",
            "[\"a=1\",\"b=2\"]",
        ),
        (
            "{for n in [\"x\", \"y\"] : n => upper(n)}",
            "{\"x\":\"X\",\"y\":\"Y\"}",
        ),
        ("tomap({a = \"b\"})", "{\"a\":\"b\"}"),
        ("\"%{if var.mem > 1}yes%{endif}\"", "\"yes\""),
    ];

    #[test]
    fn terraform_functions_and_expressions_evaluate() {
        let mut s = Scope::default();
        s.vars.insert("mem".into(), json!(4096));
        for (src, want) in TERRAFORM {
            let want: serde_json::Value = serde_json::from_str(want).unwrap();
            assert_eq!(ev(src, &s).as_ref(), Ok(&want), "{src}");
        }
    }

    #[test]
    fn what_is_not_in_the_files_is_reported_with_its_text() {
        let s = Scope::default();
        assert!(ev("var.missing", &s).unwrap_err().contains("var.missing"));
        assert!(ev("proxmox_virtual_environment_vm.a.id", &s).is_err());
        assert!(ev(
            "data.proxmox_virtual_environment_datastores.d.datastore_ids[0]",
            &s
        )
        .is_err());
        assert!(ev("file(\"x\")", &s).is_err(), "no file I/O");
        assert!(ev("range(100000)", &s).is_err(), "bounded");
    }

    #[test]
    fn one_unresolvable_leaf_leaves_only_that_leaf_unknown() {
        let s = Scope::default();
        let mut scope = Scope::default();
        scope.locals.insert(
            "vm".into(),
            eval_partial(&expr("{ memory = 4096, datastore = data.x.y.id }"), &s),
        );
        assert_eq!(ev("local.vm.memory", &scope), Ok(json!(4096)));
        assert_eq!(
            ev("local.vm.datastore", &scope),
            Err("local.vm.datastore → data.x.y.id".to_owned())
        );
    }
}
