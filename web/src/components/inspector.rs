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
use web_sys::{HtmlInputElement, HtmlSelectElement};
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

/// The most entities the "Edit" picker lists at once. A large site has tens of thousands:
/// one `<option>` each cost the page ~200 ms of DOM work (Yew and the browser's style and
/// layout) whenever the list changed, and no one scrolls such a list; past this many, a filter
/// box narrows it instead.
pub const PICKER_LIMIT: usize = 500;

/// What the picker lists for `filter`: `(value, label)` of the entities matching it
/// (case-insensitive, on `section: label`), in the model's order, at most `limit`, the
/// selection always among them; and how many more match than are listed.
pub fn picker_options(
    entities: &[(&'static str, usize, String)],
    filter: &str,
    selected: Option<&str>,
    limit: usize,
) -> (Vec<(String, String)>, usize) {
    let needle = filter.trim().to_lowercase();
    let option = |(section, i, label): &(&'static str, usize, String)| {
        // Waivers have no id: selected by their place.
        let value = if *section == "waivers" {
            format!("{section}[{i}]")
        } else {
            label.clone()
        };
        (value, format!("{section}: {label}"))
    };
    let mut shown = Vec::new();
    let mut more = 0usize;
    let mut has_selected = false;
    for e in entities {
        let (value, text) = option(e);
        if !needle.is_empty() && !text.to_lowercase().contains(&needle) {
            continue;
        }
        if shown.len() < limit {
            has_selected |= selected == Some(value.as_str());
            shown.push((value, text));
        } else {
            more += 1;
        }
    }
    // The selection stays listed (first), so the picker names what is being edited.
    if let Some(sel) = selected.filter(|_| !has_selected) {
        if let Some(e) = entities.iter().map(option).find(|(v, _)| v == sel) {
            // Matching but past the limit, it was counted among the others.
            if needle.is_empty() || e.1.to_lowercase().contains(&needle) {
                more = more.saturating_sub(1);
            }
            shown.insert(0, e);
        }
    }
    (shown, more)
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
    /// on every render, which would redraw the options for nothing.
    fn eq(&self, other: &Self) -> bool {
        self.entities == other.entities && self.selected == other.selected
    }
}

/// The "Edit" picker: the model's entities, at most [`PICKER_LIMIT`] at once; a filter box
/// narrows a longer list.
#[component]
pub fn EntityPicker(props: &EntityPickerProps) -> Html {
    let filter = use_state(String::new);
    let on_pick = {
        let cb = props.on_select.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            let v = s.value();
            cb.emit((!v.is_empty()).then_some(v));
        })
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            filter.set(i.value());
        })
    };
    let listed = use_memo(
        (
            props.entities.clone(),
            (*filter).clone(),
            props.selected.clone(),
        ),
        |(all, f, sel)| picker_options(all, f, sel.as_deref(), PICKER_LIMIT),
    );
    let (options, more) = &*listed;
    let long = props.entities.len() > PICKER_LIMIT;
    html! {
        <div class="row">
            <label for="entity-pick">{ "Edit" }</label>
            if long {
                <input type="search" id="entity-filter" class="entity-filter" placeholder={format!("filter {} components…", props.entities.len())}
                    aria-label="Filter the components the picker lists" value={(*filter).clone()} oninput={on_filter} />
            }
            <select id="entity-pick" onchange={on_pick}>
                <option value="" selected={props.selected.is_none()}>{ "choose a component…" }</option>
                { for TABLES.iter().map(|(table, _)| html! {
                    <option value={*table} selected={props.selected.as_deref() == Some(*table)}>{ *table }</option>
                }) }
                { for options.iter().map(|(value, text)| html! {
                    <option value={value.clone()} selected={props.selected.as_deref() == Some(value.as_str())}>{ text }</option>
                }) }
                if *more > 0 {
                    <option value="" disabled=true id="entity-pick-more">{ format!("… {more} more: type in the filter to narrow") }</option>
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Vec<(&'static str, usize, String)> {
        let mut out: Vec<_> = (0..30).map(|i| ("hosts", i, format!("h{i:03}"))).collect();
        out.extend((0..300).map(|i| ("vms", i, format!("h{:03}-vm{:02}", i / 10, i % 10))));
        out.push(("waivers", 0, "PT-10 → h001-vm01".to_owned()));
        out
    }

    #[test]
    fn a_short_list_is_listed_whole_in_the_models_order() {
        let all = fleet();
        let (shown, more) = picker_options(&all, "", None, 1000);
        assert_eq!(shown.len(), all.len());
        assert_eq!(more, 0);
        assert_eq!(shown[0], ("h000".to_owned(), "hosts: h000".to_owned()));
        // A waiver is picked by its place, shown by what it waives.
        assert_eq!(
            shown.last().unwrap(),
            &(
                "waivers[0]".to_owned(),
                "waivers: PT-10 → h001-vm01".to_owned()
            )
        );
    }

    #[test]
    fn a_long_list_is_cut_and_the_filter_narrows_it() {
        let all = fleet();
        let (shown, more) = picker_options(&all, "", None, 100);
        assert_eq!((shown.len(), more), (100, all.len() - 100));
        // Case-insensitive, on the section as well as the id.
        let (shown, more) = picker_options(&all, " H012-VM ", None, 100);
        let values: Vec<_> = shown.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(values.len(), 10);
        assert_eq!(values[0], "h012-vm00");
        assert_eq!(more, 0);
        let (shown, _) = picker_options(&all, "hosts:", None, 100);
        assert_eq!(shown.len(), 30);
        let (shown, more) = picker_options(&all, "nothing like it", None, 100);
        assert_eq!((shown.len(), more), (0, 0));
    }

    #[test]
    fn the_selection_is_always_listed() {
        let all = fleet();
        // Past the limit: listed first, and no longer counted among the others.
        let (shown, more) = picker_options(&all, "", Some("h029-vm09"), 100);
        assert_eq!(shown[0].0, "h029-vm09");
        assert_eq!(shown.len(), 101);
        assert_eq!(shown.len() + more, all.len());
        // Not matching the filter: listed all the same, the count of others unchanged.
        let (shown, more) = picker_options(&all, "h012-", Some("h000"), 100);
        assert_eq!(shown[0].0, "h000");
        assert_eq!((shown.len(), more), (11, 0));
        // Already listed: once.
        let (shown, _) = picker_options(&all, "", Some("h001"), 100);
        assert_eq!(shown.iter().filter(|(v, _)| v == "h001").count(), 1);
        // Something that is not an entity (the site, a vdev): nothing added.
        let (shown, _) = picker_options(&all, "", Some("site"), 100);
        assert_eq!(shown.len(), 100);
    }
}
