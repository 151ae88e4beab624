//! The inspector's form: every field of the selected entity, generated from the core's JSON
//! Schema (its documentation is each field's hint), with the core's diagnostics shown next to
//! the field that caused them. Changes are committed on `change` (blur or Enter), so typing
//! stays smooth on big topologies.
//!
//! Reference fields (a VM's host, its boot storage, a hostpci mapping…) are pickers of what
//! exists, as the core lists them ([`hostplan::document::refs`]): host-bound things only from
//! the entry's host; lists of references (a consumer's workers, a storage's disks) are
//! checkboxes over the same choices. Under an entity's id, how many entries a rename updates. A value that is not a choice (unknown, or on another host) stays shown, marked, so it is never silently
//! replaced.

use crate::edit::{get_at, resolve};
use hostplan::diag::{DataPath, Diagnostic};
use hostplan::model::Topology;
use serde_json::Value;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// A field edit: the path and the new value (`None` removes an optional field or list item).
pub type SetField = (String, Option<Value>);

/// Props of [`EntityForm`].
#[derive(Properties, PartialEq)]
pub struct EntityFormProps {
    /// The core's JSON Schema.
    pub schema: Rc<Value>,
    /// The topology's JSON form.
    pub json: Rc<Value>,
    /// The topology (what reference pickers offer).
    pub topology: Rc<Topology>,
    /// Path of the entity (`vms[0]`, `site`).
    pub path: String,
    /// Schema definition of the entity (`Vm`).
    pub def: String,
    /// Diagnostics of the current document.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// Called with each edit.
    pub on_set: Callback<SetField>,
}

struct Ctx<'a> {
    schema: &'a Value,
    json: &'a Value,
    topology: &'a Topology,
    diagnostics: &'a [Diagnostic],
    on_set: &'a Callback<SetField>,
}

/// The form of one entity.
#[component]
pub fn EntityForm(props: &EntityFormProps) -> Html {
    let ctx = Ctx {
        schema: &props.schema,
        json: &props.json,
        topology: &props.topology,
        diagnostics: &props.diagnostics,
        on_set: &props.on_set,
    };
    let node = serde_json::json!({ "$ref": format!("#/$defs/{}", props.def) });
    let node = resolve(&props.schema, &node).clone();
    html! { <div class="entity-form">{ object_fields(&ctx, &node, &props.path) }</div> }
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

fn dom_id(path: &str) -> String {
    let mut s = String::from("f-");
    s.extend(
        path.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }),
    );
    s
}

fn object_fields(ctx: &Ctx<'_>, node: &Value, base: &str) -> Html {
    let Some(props) = node.get("properties").and_then(Value::as_object) else {
        return Html::default();
    };
    // `id` first, then the schema's (alphabetical) order.
    let mut keys: Vec<&String> = props.keys().collect();
    hostplan::sort::sort_by_key(&mut keys, |k| {
        (k.as_str() != "id", k.as_str() != "rule", *k)
    });
    html! { <>{ for keys.into_iter().map(|k| field(ctx, k, &props[k], &join(base, k))) }</> }
}

/// Messages of the diagnostics sitting at `path` exactly.
fn messages_at(ctx: &Ctx<'_>, path: &str) -> Vec<String> {
    ctx.diagnostics
        .iter()
        .filter(|d| d.path.to_string() == path)
        .map(|d| match &d.help {
            Some(h) => format!("{} — {h}", d.message),
            None => d.message.clone(),
        })
        .collect()
}

/// `(type, nullable, enum options)` of a schema node.
fn shape(ctx: &Ctx<'_>, node: &Value) -> (String, bool, Vec<String>, Value) {
    let mut node = resolve(ctx.schema, node).clone();
    let mut nullable = false;
    // `Option<Enum>` comes as `anyOf: [{$ref}, {type: null}]`.
    if let Some(alts) = node.get("anyOf").and_then(Value::as_array).cloned() {
        nullable = alts
            .iter()
            .any(|a| a.get("type") == Some(&Value::from("null")));
        if let Some(real) = alts
            .iter()
            .find(|a| a.get("type") != Some(&Value::from("null")))
        {
            let desc = node.get("description").cloned();
            node = resolve(ctx.schema, real).clone();
            if let (Some(d), Value::Object(o)) = (desc, &mut node) {
                o.entry("description").or_insert(d);
            }
        }
    }
    let ty = match node.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => {
            nullable |= a.iter().any(|t| t == "null");
            a.iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string")
                .to_owned()
        }
        _ => String::new(),
    };
    let mut options: Vec<String> = node
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("const").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(e) = node.get("enum").and_then(Value::as_array) {
        options.extend(e.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    (ty, nullable, options, node)
}

/// Largest list a picker offers; past it the field stays a text box (the validation still
/// names an unknown value, with a suggestion).
const PICKER_MAX: usize = 2000;

/// The values the reference field at `path` may take, when it is one and they are few enough.
fn picker_choices(ctx: &Ctx<'_>, path: &str) -> Option<Vec<String>> {
    hostplan::document::refs::candidates(ctx.topology, &DataPath::parse(path))
        .filter(|c| c.len() <= PICKER_MAX)
}

/// The VM whose entry holds `path` (`vms[2].hostpci` → the third VM).
fn vm_of<'t>(ctx: &Ctx<'t>, path: &str) -> Option<&'t hostplan::model::Vm> {
    let rest = path.strip_prefix("vms[")?;
    let i: usize = rest[..rest.find(']')?].parse().ok()?;
    ctx.topology.vms.get(i)
}

fn field(ctx: &Ctx<'_>, name: &str, prop: &Value, path: &str) -> Html {
    let (ty, nullable, options, node) = shape(ctx, prop);
    let value = get_at(ctx.json, &hostplan::diag::DataPath::parse(path)).cloned();
    let help = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let errors = messages_at(ctx, path);
    let id = dom_id(path);
    let errors_html = html! {
        <>{ for errors.iter().map(|m| html! { <span class="field-error" role="alert">{ "✖ " }{ m }</span> }) }</>
    };
    let invalid = if errors.is_empty() { "false" } else { "true" };
    let set = ctx.on_set.clone();
    let p = path.to_owned();

    if ty == "string" && options.is_empty() {
        if let Some(choices) = picker_choices(ctx, path) {
            let current = value
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let onchange = Callback::from(move |e: Event| {
                let s: HtmlSelectElement = e.target_unchecked_into();
                let v = s.value();
                set.emit((p.clone(), (!v.is_empty()).then_some(Value::String(v))));
            });
            let unknown = !current.is_empty() && !choices.contains(&current);
            return html! {
                <div class="field">
                    <label for={id.clone()} title={help.clone()}>{ name }</label>
                    <select id={id} class="picker" {onchange} aria-invalid={invalid} title={help}>
                        if nullable || current.is_empty() { <option value="" selected={current.is_empty()}>{ "—" }</option> }
                        if unknown { <option value={current.clone()} selected=true>{ format!("{current} (not a choice here)") }</option> }
                        { for choices.iter().map(|o| html! { <option value={o.clone()} selected={*o == current}>{ o }</option> }) }
                    </select>
                    { errors_html }
                </div>
            };
        }
    }

    if !options.is_empty() {
        let current = value
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let onchange = Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            let v = s.value();
            set.emit((p.clone(), (!v.is_empty()).then_some(Value::String(v))));
        });
        return html! {
            <div class="field">
                <label for={id.clone()} title={help.clone()}>{ name }</label>
                <select id={id} {onchange} aria-invalid={invalid} title={help}>
                    if nullable || current.is_empty() { <option value="" selected={current.is_empty()}>{ "—" }</option> }
                    { for options.iter().map(|o| html! { <option value={o.clone()} selected={*o == current}>{ o }</option> }) }
                </select>
                { errors_html }
            </div>
        };
    }
    match ty.as_str() {
        "boolean" => {
            let checked = value.as_ref().and_then(Value::as_bool).unwrap_or(false);
            let onchange = Callback::from(move |e: Event| {
                let i: HtmlInputElement = e.target_unchecked_into();
                set.emit((p.clone(), Some(Value::Bool(i.checked()))));
            });
            html! {
                <div class="field check">
                    <input id={id.clone()} type="checkbox" {checked} {onchange} aria-invalid={invalid} title={help.clone()} />
                    <label for={id} title={help}>{ name }</label>
                    { errors_html }
                </div>
            }
        }
        "integer" | "number" | "string" => {
            let numeric = ty != "string";
            let text = match &value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(v) => v.to_string(),
            };
            let integer = ty == "integer";
            let onchange = Callback::from(move |e: Event| {
                let i: HtmlInputElement = e.target_unchecked_into();
                let raw = i.value();
                let v = if raw.trim().is_empty() {
                    if nullable {
                        None
                    } else if numeric {
                        Some(Value::from(0))
                    } else {
                        Some(Value::String(String::new()))
                    }
                } else if numeric {
                    let parsed = if integer {
                        raw.trim().parse::<i64>().ok().map(Value::from)
                    } else {
                        raw.trim().parse::<f64>().ok().map(Value::from)
                    };
                    // Unparseable text goes through as text: the model rejects it with a message.
                    Some(parsed.unwrap_or(Value::String(raw)))
                } else {
                    Some(Value::String(raw))
                };
                set.emit((p.clone(), v));
            });
            let kind = if numeric { "number" } else { "text" };
            let placeholder = if nullable { "(not set)" } else { "" };
            let preview = (name == "id").then(|| rename_preview(ctx, path)).flatten();
            html! {
                <div class="field">
                    <label for={id.clone()} title={help.clone()}>{ name }</label>
                    <input id={id} type={kind} value={text} {onchange} {placeholder} aria-invalid={invalid} title={help} step={if integer { "1" } else { "any" }} />
                    { for preview }
                    { errors_html }
                </div>
            }
        }
        "object" => html! {
            <fieldset class="field-group">
                <legend title={help}>{ name }</legend>
                { object_fields(ctx, &node, path) }
                { errors_html }
            </fieldset>
        },
        "array" => array_field(ctx, name, &node, path, value.as_ref(), &help, errors_html),
        _ => html! {
            <div class="field"><span>{ name }</span><code>{ value.map(|v| v.to_string()).unwrap_or_default() }</code></div>
        },
    }
}

fn array_field(
    ctx: &Ctx<'_>,
    name: &str,
    node: &Value,
    path: &str,
    value: Option<&Value>,
    help: &str,
    errors_html: Html,
) -> Html {
    let items_schema = node.get("items").cloned().unwrap_or(Value::Null);
    let (item_ty, _, _, item_node) = shape(ctx, &items_schema);
    let items: Vec<Value> = value.and_then(Value::as_array).cloned().unwrap_or_default();
    let set = ctx.on_set.clone();
    let p = path.to_owned();
    if item_ty == "string" {
        if let Some(choices) = picker_choices(ctx, path) {
            let current: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            return multi_picker(ctx, name, path, &current, &choices, help, errors_html);
        }
    }
    if item_ty != "object" {
        // A list of scalars edits as one comma-separated field.
        let text = items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", ");
        let numeric = item_ty == "integer" || item_ty == "number";
        let onchange = Callback::from(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let list: Vec<Value> = i
                .value()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| match (numeric, s.parse::<i64>()) {
                    (true, Ok(n)) => Value::from(n),
                    _ => Value::String(s.to_owned()),
                })
                .collect();
            set.emit((p.clone(), Some(Value::Array(list))));
        });
        let id = dom_id(path);
        return html! {
            <div class="field">
                <label for={id.clone()} title={help.to_owned()}>{ name }</label>
                <input id={id} type="text" value={text} {onchange} placeholder="comma-separated" title={help.to_owned()} />
                { errors_html }
            </div>
        };
    }
    let add = {
        let set = set.clone();
        let p = p.clone();
        let n = items.len();
        // Only what identifies the new entry: the schema's defaults apply without being written.
        let mut item = serde_json::Map::new();
        if name == "hostpci" {
            if let Some(vm) = vm_of(ctx, path) {
                item.insert(
                    "index".into(),
                    hostplan::document::ops::next_hostpci_index(vm).into(),
                );
            }
        }
        let item = Value::Object(item);
        Callback::from(move |_: MouseEvent| set.emit((format!("{p}[{n}]"), Some(item.clone()))))
    };
    html! {
        <fieldset class="field-group list">
            <legend title={help.to_owned()}>{ format!("{name} ({})", items.len()) }</legend>
            { for items.iter().enumerate().map(|(i, _)| {
                let item_path = format!("{path}[{i}]");
                let remove = {
                    let set = set.clone();
                    let ip = item_path.clone();
                    Callback::from(move |_: MouseEvent| set.emit((ip.clone(), None)))
                };
                html! {
                    <fieldset class="field-group item">
                        <legend>{ format!("{name}[{i}]") }
                            <button type="button" class="small" onclick={remove} aria-label={format!("Remove {name}[{i}]")}>{ "✕" }</button>
                        </legend>
                        { object_fields(ctx, &item_node, &item_path) }
                        { for messages_at(ctx, &item_path).iter().map(|m| html! { <span class="field-error" role="alert">{ "✖ " }{ m }</span> }) }
                    </fieldset>
                }
            }) }
            <button type="button" class="small" onclick={add}>{ format!("+ add to {name}") }</button>
            { errors_html }
        </fieldset>
    }
}

/// Entities past which the rename preview does not count references (it validates the model
/// once per drawing of the form); the rename itself still updates them all.
const RENAME_PREVIEW_MAX: usize = 3000;

/// Under an entity's id: how many entries a rename would update with it (the core's
/// [`hostplan::document::rename::references`], the same list the rename uses).
fn rename_preview(ctx: &Ctx<'_>, path: &str) -> Option<Html> {
    let t = ctx.topology;
    let entities: usize = hostplan::model::section::Section::ALL
        .iter()
        .map(|s| s.len(t))
        .sum();
    let text = if entities > RENAME_PREVIEW_MAX {
        "Renaming also updates every entry that names it.".to_owned()
    } else {
        let refs = hostplan::document::rename::references(t, &DataPath::parse(path));
        match refs.len() {
            0 => return None,
            1 => format!("Renaming also updates 1 reference ({}).", refs[0]),
            n => format!(
                "Renaming also updates {n} references ({}{}).",
                refs.iter()
                    .take(3)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if n > 3 { ", …" } else { "" }
            ),
        }
    };
    Some(html! { <p class="hint rename-preview" id="rename-preview">{ text }</p> })
}

/// A list of references as checkboxes over what it may name (host-bound things from the
/// entry's host only). Names that are not a choice (unknown, or on another host) stay listed,
/// ticked and marked, so they are never dropped silently; ticking appends in the order of the
/// choices, unticking removes, the order of what stays is kept.
fn multi_picker(
    ctx: &Ctx<'_>,
    name: &str,
    path: &str,
    current: &[String],
    choices: &[String],
    help: &str,
    errors_html: Html,
) -> Html {
    let id = dom_id(path);
    let extra: Vec<&String> = current.iter().filter(|c| !choices.contains(c)).collect();
    let option = |value: &String, known: bool| {
        let checked = current.contains(value);
        let (set, p, list, v) = (
            ctx.on_set.clone(),
            path.to_owned(),
            current.to_vec(),
            value.clone(),
        );
        let onchange = Callback::from(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let mut next: Vec<String> = list.iter().filter(|x| **x != v).cloned().collect();
            if i.checked() {
                next.push(v.clone());
            }
            set.emit((
                p.clone(),
                Some(Value::Array(next.into_iter().map(Value::String).collect())),
            ));
        });
        let label = if known {
            value.clone()
        } else {
            format!("{value} (not a choice here)")
        };
        html! {
            <label class={classes!("multi-option", (!known).then_some("unknown"))} data-value={value.clone()}>
                <input type="checkbox" {checked} {onchange} />{ label }
            </label>
        }
    };
    html! {
        <fieldset class="field multi-picker" id={id} title={help.to_owned()}>
            <legend>{ format!("{name} ({} of {})", current.len(), choices.len()) }</legend>
            if choices.is_empty() && extra.is_empty() { <span class="hint">{ "nothing to choose here" }</span> }
            <div class="multi-options">
                { for extra.iter().map(|v| option(v, false)) }
                { for choices.iter().map(|v| option(v, true)) }
            </div>
            { errors_html }
        </fieldset>
    }
}
