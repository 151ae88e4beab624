//! The inspector: the selected component's form (every field, validated inline), what it
//! requires and what requires it, and adding or deleting entities of any kind.

use crate::components::editor::{EntityForm, SetField};
use crate::edit::{entities, form_json, locate, schema_def, TABLES};
use crate::hooks::AddRequest;
use hostplan::diag::Diagnostic;
use hostplan::graph::DependencyGraph;
use hostplan::model::section::Section;
use hostplan::model::Topology;
use serde_json::Value;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// A graph wrapper compared by identity, so props stay cheap.
pub struct GraphHandle(pub DependencyGraph);

impl PartialEq for GraphHandle {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Props of [`Inspector`].
#[derive(Properties)]
pub struct InspectorProps {
    /// The dependency graph of the current topology.
    pub graph: Rc<GraphHandle>,
    /// The current model (what reference pickers offer).
    pub topology: Rc<Topology>,
    /// The core's JSON Schema.
    pub schema: Rc<Value>,
    /// Diagnostics of the current document.
    pub diagnostics: Rc<Vec<Diagnostic>>,
    /// Selected id (or `section[i]` for entities without an id, such as waivers).
    pub selected: Option<String>,
    /// Select something.
    pub on_select: Callback<Option<String>>,
    /// A field edit.
    pub on_set: Callback<SetField>,
    /// Add an entity to a section (on a host: "Add … here").
    pub on_add: Callback<AddRequest>,
    /// Clone a host.
    pub on_clone_host: Callback<String>,
    /// Delete `(section, index)`.
    pub on_delete: Callback<(String, usize)>,
    /// The message of an edit the model rejected.
    pub edit_error: Option<String>,
}

// The callbacks are left out: each dispatches to the same reducer or reads the model, which
// is compared. Comparing them (a new closure on every render of the app) would re-render the
// forms on every render, e.g. when findings arrive from the worker, and a re-render resets the
// value the user is typing to the model's. The model is compared by pointer: every change makes
// a new snapshot, and comparing 16,000 entries by value on each render is what the edit path
// cannot afford.
impl PartialEq for InspectorProps {
    fn eq(&self, other: &Self) -> bool {
        self.graph == other.graph
            && Rc::ptr_eq(&self.topology, &other.topology)
            && self.schema == other.schema
            && self.diagnostics == other.diagnostics
            && self.selected == other.selected
            && self.edit_error == other.edit_error
    }
}

/// Where the selection is in the model: `(section, index)`, from an id or a `section[i]` key.
pub fn target(t: &Topology, selected: &str) -> Option<(&'static str, usize)> {
    if let Some((table, _)) = TABLES.iter().find(|(k, _)| *k == selected) {
        return Some((table, 0));
    }
    locate(t, selected).or_else(|| {
        let (section, rest) = selected.split_once('[')?;
        let i = rest.trim_end_matches(']').parse().ok()?;
        Section::from_key(section).map(|s| (s.key(), i))
    })
}

/// Props of [`EntityPicker`].
#[derive(Properties)]
pub struct EntityPickerProps {
    /// Every entity as `(section, index, label)`.
    pub entities: Rc<Vec<(&'static str, usize, String)>>,
    /// Selected id (or `section[i]`).
    pub selected: Option<String>,
    /// Select something.
    pub on_select: Callback<Option<String>>,
}

impl PartialEq for EntityPickerProps {
    /// The list and the selection: the callback always selects, and the parent makes a new one
    /// on every render, which would redraw thousands of options for nothing.
    fn eq(&self, other: &Self) -> bool {
        self.entities == other.entities && self.selected == other.selected
    }
}

/// The "Edit" picker: every entity of the model.
#[component]
pub fn EntityPicker(props: &EntityPickerProps) -> Html {
    let on_pick = {
        let cb = props.on_select.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            let v = s.value();
            cb.emit((!v.is_empty()).then_some(v));
        })
    };
    html! {
        <div class="row">
            <label for="entity-pick">{ "Edit" }</label>
            <select id="entity-pick" onchange={on_pick}>
                <option value="" selected={props.selected.is_none()}>{ "choose a component…" }</option>
                { for TABLES.iter().map(|(table, _)| html! {
                    <option value={*table} selected={props.selected.as_deref() == Some(*table)}>{ *table }</option>
                }) }
                { for props.entities.iter().map(|(section, i, label)| {
                    let key = if section == &"waivers" { format!("{section}[{i}]") } else { label.clone() };
                    html! { <option value={key.clone()} selected={props.selected.as_deref() == Some(key.as_str())}>{ format!("{section}: {label}") }</option> }
                }) }
            </select>
        </div>
    }
}

/// The inspector panel.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let add_section = use_state(|| "vms".to_owned());
    let on_section = super::store_select(&add_section);
    let on_add = {
        let cb = props.on_add.clone();
        let section = add_section.clone();
        Callback::from(move |_: MouseEvent| {
            cb.emit(AddRequest {
                section: (*section).clone(),
                host: None,
            });
        })
    };
    // Listed again only when the model changed, and redrawn only when the list or the selection
    // did: a large site has thousands of options, which an edit of a value leaves as they were.
    let all = use_memo(props.topology.clone(), |t| entities(t));
    let picker = html! {
        <EntityPicker entities={all} selected={props.selected.clone()} on_select={props.on_select.clone()} />
    };
    let adder = html! {
        <div class="row">
            <label for="add-section">{ "New" }</label>
            <select id="add-section" onchange={on_section}>
                { for Section::ALL.map(Section::key).into_iter().map(|s| html! { <option value={s} selected={s == *add_section}>{ s }</option> }) }
            </select>
            <button type="button" id="add-entity" onclick={on_add}>{ "+ Add" }</button>
        </div>
    };
    let Some(id) = &props.selected else {
        return html! {
            <div class="inspector" id="inspector">
                { picker }{ adder }
                <p class="hint">{ "Select a component in the graph (or pick one above) to edit it and see what it requires and what depends on it." }</p>
            </div>
        };
    };
    let location = target(&props.topology, id);
    let form = match location {
        Some((section, index)) => {
            let def = schema_def(section).unwrap_or_default().to_owned();
            let table = TABLES.iter().any(|(t, _)| *t == section);
            let path = if table {
                section.to_owned()
            } else {
                format!("{section}[{index}]")
            };
            // The JSON form of the selected entry only: serialising a large site's whole model
            // on every edit cost more than the edit.
            let json = Rc::new(form_json(&props.topology, section, index));
            // The site stays; the cluster's table is removed whole, an entry from its list.
            let delete = if section == "cluster" {
                props.topology.cluster.is_some().then(|| {
                    let cb = props.on_set.clone();
                    Callback::from(move |_: MouseEvent| cb.emit(("cluster".to_owned(), None)))
                })
            } else {
                (!table).then(|| {
                    let cb = props.on_delete.clone();
                    Callback::from(move |_: MouseEvent| cb.emit((section.to_owned(), index)))
                })
            };
            html! {
                <>
                    <EntityForm schema={props.schema.clone()} {json} topology={props.topology.clone()} {path} {def}
                        diagnostics={props.diagnostics.clone()} on_set={props.on_set.clone()} />
                    if let Some(onclick) = delete {
                        <button type="button" class="danger" id="delete-entity" {onclick}>{ format!("Delete {id}") }</button>
                    }
                </>
            }
        }
        None => {
            html! { <p class="hint">{ format!("`{id}` is part of another component (a vdev or a consumer's volumes).") }</p> }
        }
    };
    let g = &props.graph.0;
    let deps = g.find(id).map(|n| {
        let kind = g.node_of(n).map(|x| x.kind.to_string()).unwrap_or_default();
        let item = |m| {
            g.node_of(m).map(|x| {
                let cb = props.on_select.clone();
                let target = hostplan::graph::display_owner(&x.id).to_owned();
                let onclick = Callback::from(move |_: MouseEvent| cb.emit(Some(target.clone())));
                html! { <li><button type="button" class="link" {onclick}>{ &x.id }</button></li> }
            })
        };
        let reqs = g.requirements(n).into_iter().filter_map(|(m, e)| {
            item(m).map(|li| html! { <>{ li }<span class="edge-kind">{ format!("({}{})", e.kind, if e.required { "" } else { ", optional" }) }</span></> })
        });
        let needed_by = g.dependents(n).into_iter().filter_map(item);
        html! {
            <>
                <p class="kind">{ kind }</p>
                <h4>{ "Requires" }</h4>
                <ul>{ for reqs }</ul>
                <h4>{ "Required by" }</h4>
                <ul>{ for needed_by }</ul>
            </>
        }
    });
    // On a host: add what lives on a host right here, or a second host like it.
    let here = (location.map(|(s, _)| s) == Some("hosts")).then(|| {
        let add = |section: &'static str, label: &'static str| {
            let cb = props.on_add.clone();
            let host = id.clone();
            let onclick = Callback::from(move |_: MouseEvent| {
                cb.emit(AddRequest {
                    section: section.to_owned(),
                    host: Some(host.clone()),
                });
            });
            html! { <button type="button" class="small" id={format!("add-here-{section}")} {onclick}>{ label }</button> }
        };
        let clone = {
            let cb = props.on_clone_host.clone();
            let host = id.clone();
            Callback::from(move |_: MouseEvent| cb.emit(host.clone()))
        };
        html! {
            <div class="row here" role="group" aria-label={format!("Add to {id}")}>
                { add("vms", "+ VM here") }{ add("devices", "+ device here") }{ add("disks", "+ disk here") }{ add("storages", "+ storage here") }
                <button type="button" class="small" id="clone-host" onclick={clone} title="A second host with the same hardware, bridges, NICs and local storage, under fresh ids">{ "Clone host" }</button>
            </div>
        }
    });
    html! {
        <div class="inspector" id="inspector">
            { picker }{ adder }
            <h3 id="inspector-title">{ id }</h3>
            { for here }
            if let Some(e) = &props.edit_error { <p class="field-error" role="alert" id="edit-error">{ format!("Not applied: {e}") }</p> }
            { for deps }
            <details open=true class="form-details">
                <summary>{ "Fields" }</summary>
                { form }
            </details>
        </div>
    }
}
