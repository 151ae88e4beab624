//! The Terraform functions the import evaluates ([`super::hcl_eval`]), with Terraform's
//! semantics where they matter for the values hostplan imports. Not here on purpose: anything
//! that reads files or the clock (`file`, `templatefile`, `timestamp`), and `try`/`can`, which
//! need unevaluated arguments and are resolved before evaluation.

// hcl-rs calls functions as `fn(FuncArgs) -> Result<Value, String>`: the arguments come by
// value and every function returns a `Result`, whether or not it can fail.
#![allow(clippy::needless_pass_by_value, clippy::unnecessary_wraps)]

use super::hcl_eval::{to_hcl, to_json};
use hcl::eval::{FuncArgs, FuncDef, ParamType};
use serde_json::{Map, Value};

type Func = fn(FuncArgs) -> Result<hcl::Value, String>;

/// The Terraform functions hostplan evaluates, with Terraform's semantics where it matters for
/// the values it imports.
pub(super) fn functions() -> Vec<(&'static str, FuncDef)> {
    let any = || ParamType::Any;
    let variadic = |f: Func| FuncDef::builder().variadic_param(ParamType::Any).build(f);
    let fixed = |n: usize, f: Func| FuncDef::builder().params((0..n).map(|_| any())).build(f);
    vec![
        ("merge", variadic(merge)),
        ("concat", variadic(concat)),
        ("coalesce", variadic(coalesce)),
        ("flatten", fixed(1, flatten)),
        ("tolist", fixed(1, tolist)),
        ("toset", fixed(1, toset)),
        ("distinct", fixed(1, toset)),
        ("tomap", fixed(1, tomap)),
        ("tostring", fixed(1, tostring)),
        ("tonumber", fixed(1, tonumber)),
        ("length", fixed(1, length)),
        ("keys", fixed(1, keys)),
        ("values", fixed(1, values)),
        ("lower", fixed(1, lower)),
        ("upper", fixed(1, upper)),
        ("trimspace", fixed(1, trimspace)),
        ("element", fixed(2, element)),
        ("join", fixed(2, join)),
        ("split", fixed(2, split)),
        ("contains", fixed(2, contains)),
        ("zipmap", fixed(2, zipmap)),
        ("replace", fixed(3, replace)),
        (
            "lookup",
            FuncDef::builder()
                .param(any())
                .param(any())
                .variadic_param(any())
                .build(lookup),
        ),
        (
            "format",
            FuncDef::builder()
                .param(ParamType::String)
                .variadic_param(any())
                .build(format),
        ),
        ("range", variadic(range)),
        ("max", variadic(max)),
        ("min", variadic(min)),
    ]
}

fn json_args(args: &FuncArgs) -> Vec<Value> {
    args.iter().map(|v| to_json(v.clone())).collect()
}

fn ok(v: Value) -> Result<hcl::Value, String> {
    Ok(to_hcl(&v))
}

fn merge(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = Map::new();
    for a in json_args(&args) {
        match a {
            Value::Object(o) => out.extend(o),
            Value::Null => {}
            _ => return Err("merge takes objects".into()),
        }
    }
    ok(Value::Object(out))
}

fn concat(args: FuncArgs) -> Result<hcl::Value, String> {
    let mut out = Vec::new();
    for a in json_args(&args) {
        match a {
            Value::Array(a) => out.extend(a),
            _ => return Err("concat takes lists".into()),
        }
    }
    ok(Value::Array(out))
}

fn coalesce(args: FuncArgs) -> Result<hcl::Value, String> {
    json_args(&args)
        .into_iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .map_or_else(|| Err("no non-null argument".into()), ok)
}

fn flatten(args: FuncArgs) -> Result<hcl::Value, String> {
    fn walk(v: Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.into_iter().for_each(|x| walk(x, out)),
            other => out.push(other),
        }
    }
    let mut out = Vec::new();
    for a in json_args(&args) {
        match a {
            Value::Array(_) => walk(a, &mut out),
            _ => return Err("flatten takes a list".into()),
        }
    }
    ok(Value::Array(out))
}

fn tolist(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(v @ Value::Array(_)) => ok(v),
        _ => Err("tolist takes a list or set".into()),
    }
}

/// Terraform's sets have no order; hostplan keeps the first occurrence of each element, in
/// order, so the result is deterministic.
fn toset(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(Value::Array(a)) => {
            let mut out: Vec<Value> = Vec::new();
            for v in a {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            ok(Value::Array(out))
        }
        _ => Err("toset takes a list".into()),
    }
}

fn tomap(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(v @ Value::Object(_)) => ok(v),
        _ => Err("tomap takes an object".into()),
    }
}

fn tostring(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(Value::String(s)) => ok(Value::String(s)),
        Some(Value::Number(n)) => ok(Value::String(n.to_string())),
        Some(Value::Bool(b)) => ok(Value::String(b.to_string())),
        _ => Err("tostring takes a primitive".into()),
    }
}

fn tonumber(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(v @ Value::Number(_)) => ok(v),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.trim().parse::<f64>().map(Value::from))
            .map_err(|_| format!("`{s}` is not a number"))
            .and_then(ok),
        _ => Err("tonumber takes a number or string".into()),
    }
}

fn length(args: FuncArgs) -> Result<hcl::Value, String> {
    match json_args(&args).pop() {
        Some(Value::Array(a)) => ok(Value::from(a.len())),
        Some(Value::Object(o)) => ok(Value::from(o.len())),
        Some(Value::String(s)) => ok(Value::from(s.chars().count())),
        _ => Err("length takes a collection or string".into()),
    }
}

/// Terraform returns map keys in lexical order (and `values` in the same order).
fn sorted(args: &FuncArgs) -> Result<Vec<(String, Value)>, String> {
    match json_args(args).pop() {
        Some(Value::Object(o)) => {
            let mut v: Vec<(String, Value)> = o.into_iter().collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(v)
        }
        _ => Err("takes a map".into()),
    }
}

fn keys(args: FuncArgs) -> Result<hcl::Value, String> {
    ok(Value::Array(
        sorted(&args)?
            .into_iter()
            .map(|(k, _)| Value::String(k))
            .collect(),
    ))
}

fn values(args: FuncArgs) -> Result<hcl::Value, String> {
    ok(Value::Array(
        sorted(&args)?.into_iter().map(|(_, v)| v).collect(),
    ))
}

fn string_arg(args: &FuncArgs, i: usize) -> Result<String, String> {
    args.get(i)
        .and_then(hcl::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("argument {} is not a string", i + 1))
}

fn lower(args: FuncArgs) -> Result<hcl::Value, String> {
    ok(Value::String(string_arg(&args, 0)?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<hcl::Value, String> {
    ok(Value::String(string_arg(&args, 0)?.to_uppercase()))
}

fn trimspace(args: FuncArgs) -> Result<hcl::Value, String> {
    ok(Value::String(string_arg(&args, 0)?.trim().to_owned()))
}

/// `element` wraps around, as Terraform's does.
fn element(args: FuncArgs) -> Result<hcl::Value, String> {
    let a = json_args(&args);
    match (&a[0], a[1].as_u64()) {
        (Value::Array(list), Some(i)) if !list.is_empty() => {
            ok(list[usize::try_from(i).unwrap_or(0) % list.len()].clone())
        }
        _ => Err("element takes a non-empty list and an index".into()),
    }
}

fn join(args: FuncArgs) -> Result<hcl::Value, String> {
    let sep = string_arg(&args, 0)?;
    let a = json_args(&args);
    let Value::Array(list) = &a[1] else {
        return Err("join takes a list".into());
    };
    let parts: Option<Vec<String>> = list
        .iter()
        .map(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect();
    parts
        .map(|p| Value::String(p.join(&sep)))
        .map_or_else(|| Err("join takes primitives".into()), ok)
}

fn split(args: FuncArgs) -> Result<hcl::Value, String> {
    let (sep, s) = (string_arg(&args, 0)?, string_arg(&args, 1)?);
    ok(Value::Array(
        s.split(sep.as_str())
            .map(|p| Value::String(p.to_owned()))
            .collect(),
    ))
}

fn contains(args: FuncArgs) -> Result<hcl::Value, String> {
    let a = json_args(&args);
    match &a[0] {
        Value::Array(list) => ok(Value::Bool(list.contains(&a[1]))),
        _ => Err("contains takes a list".into()),
    }
}

fn zipmap(args: FuncArgs) -> Result<hcl::Value, String> {
    let a = json_args(&args);
    match (&a[0], &a[1]) {
        (Value::Array(k), Value::Array(v)) if k.len() == v.len() => {
            let mut out = Map::new();
            for (k, v) in k.iter().zip(v) {
                out.insert(
                    k.as_str().ok_or("zipmap keys are strings")?.to_owned(),
                    v.clone(),
                );
            }
            ok(Value::Object(out))
        }
        _ => Err("zipmap takes two lists of the same length".into()),
    }
}

fn replace(args: FuncArgs) -> Result<hcl::Value, String> {
    let (s, from, to) = (
        string_arg(&args, 0)?,
        string_arg(&args, 1)?,
        string_arg(&args, 2)?,
    );
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return Err("regular-expression replace is not evaluated".into());
    }
    ok(Value::String(s.replace(&from, &to)))
}

fn lookup(args: FuncArgs) -> Result<hcl::Value, String> {
    let a = json_args(&args);
    let key = a[1].as_str().ok_or("lookup key is a string")?;
    match &a[0] {
        Value::Object(o) => match (o.get(key), a.get(2)) {
            (Some(v), _) | (None, Some(v)) => ok(v.clone()),
            (None, None) => Err(format!("no key `{key}`")),
        },
        _ => Err("lookup takes a map".into()),
    }
}

/// `format` with the verbs real configurations use: `%s`, `%d`, `%v`, `%q`, `%%`, and
/// zero-padded widths (`%02d`).
fn format(args: FuncArgs) -> Result<hcl::Value, String> {
    let spec = string_arg(&args, 0)?;
    let values: Vec<Value> = json_args(&args).into_iter().skip(1).collect();
    let mut next = values.into_iter();
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut width = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            width.push(d);
            chars.next();
        }
        let verb = chars.next().ok_or("format ends in %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = next.next().ok_or("format has more verbs than values")?;
        let text = match (verb, &v) {
            ('d', Value::Number(n)) => n
                .as_i64()
                .map(|i| i.to_string())
                .ok_or("%d of a fraction")?,
            ('s' | 'v', Value::String(s)) => s.clone(),
            ('s' | 'v', Value::Number(n)) => n.to_string(),
            ('s' | 'v', Value::Bool(b)) => b.to_string(),
            // Go's %q is close to Rust's string quoting.
            ('q', Value::String(s)) => crate::diag::Quoted(s).to_string(),
            _ => return Err(format!("%{verb} of {v}")),
        };
        let pad = width.parse::<usize>().unwrap_or(0);
        let fill = if width.starts_with('0') { '0' } else { ' ' };
        for _ in text.chars().count()..pad {
            out.push(fill);
        }
        out.push_str(&text);
    }
    ok(Value::String(out))
}

fn numbers(args: &FuncArgs) -> Result<Vec<f64>, String> {
    json_args(args)
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| "takes numbers".to_owned()))
        .collect()
}

fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

fn max(args: FuncArgs) -> Result<hcl::Value, String> {
    let n = numbers(&args)?;
    n.into_iter()
        .reduce(f64::max)
        .map_or_else(|| Err("max of nothing".into()), |x| ok(number(x)))
}

fn min(args: FuncArgs) -> Result<hcl::Value, String> {
    let n = numbers(&args)?;
    n.into_iter()
        .reduce(f64::min)
        .map_or_else(|| Err("min of nothing".into()), |x| ok(number(x)))
}

/// `range(end)`, `range(start, end[, step])`, at most 1,024 elements (enough for any
/// configuration; a bound so a hostile file cannot make the importer allocate without limit).
fn range(args: FuncArgs) -> Result<hcl::Value, String> {
    let n = numbers(&args)?;
    let (start, end, step) = match n.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if e >= s { 1.0 } else { -1.0 }),
        [s, e, st] if *st != 0.0 => (*s, *e, *st),
        _ => return Err("range takes 1 to 3 numbers, step not 0".into()),
    };
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= 1024 {
            return Err("range longer than 1024".into());
        }
        out.push(number(x));
        x += step;
    }
    ok(Value::Array(out))
}
