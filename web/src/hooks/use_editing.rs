//! Editing the model from the forms: set a field, add entries (a new entity, "add … here" on a
//! host, a cloned host), delete an entry, waive a finding, or replace the model (boot order,
//! what-if, import). Field edits and additions edit the TOML document in place (see
//! [`crate::state`]); an edit the model refuses is kept in the state as a message for the
//! inspector.

use crate::components::editor::SetField;
use crate::state::{Action, State};
use hostplan::document::ops;
use hostplan::model::section::Section;
use hostplan::model::{Topology, Waiver};
use std::rc::Rc;
use yew::prelude::*;

/// What "add" adds: an entry of a section, optionally on a host ("Add VM here").
#[derive(Debug, Clone, PartialEq)]
pub struct AddRequest {
    /// The section (`vms`).
    pub section: String,
    /// The host to put it on.
    pub host: Option<String>,
}

/// The editing callbacks.
pub struct Editing {
    /// The model's JSON Schema (the forms are generated from it).
    pub schema: Rc<serde_json::Value>,
    /// Replace the document with a whole-model change the worker wrote (its new text).
    pub edit: Callback<String>,
    /// Set one field (`(path, value)`).
    pub on_set: Callback<SetField>,
    /// Add an entry to a section (and select it).
    pub on_add: Callback<AddRequest>,
    /// Clone a host (and select the copy).
    pub on_clone_host: Callback<String>,
    /// Delete an entry (`(section, index)`).
    pub on_delete: Callback<(String, usize)>,
    /// Add a waiver.
    pub on_waive: Callback<Waiver>,
}

/// Callbacks editing `topology` (the current model) through `dispatch`.
#[hook]
pub fn use_editing(dispatch: UseReducerDispatcher<State>, topology: Rc<Topology>) -> Editing {
    // The published copy: generating it would put the schema generator in the page's wasm.
    let schema = use_memo((), |()| hostplan::schema::published());
    let edit = {
        let dispatch = dispatch.clone();
        Callback::from(move |text: String| dispatch.dispatch(Action::Edit(text)))
    };
    let on_set = {
        let dispatch = dispatch.clone();
        Callback::from(move |(path, value): SetField| {
            super::mark_edit_start();
            dispatch.dispatch(Action::Set { path, value });
        })
    };
    let on_add = {
        let (topology, dispatch) = (topology.clone(), dispatch.clone());
        Callback::from(move |req: AddRequest| {
            let Some(section) = Section::from_key(&req.section) else {
                return;
            };
            super::mark_edit_start();
            let (item, id) = ops::new_item(&topology, section, req.host.as_deref());
            // Waivers have no id: select the new one by its place.
            let select = if section == Section::Waivers {
                format!("waivers[{}]", topology.waivers.len())
            } else {
                id
            };
            dispatch.dispatch(Action::Append {
                items: vec![(section, item)],
                select: Some(select),
            });
        })
    };
    let on_clone_host = {
        let (topology, dispatch) = (topology.clone(), dispatch.clone());
        Callback::from(move |host: String| {
            if let Some(c) = ops::clone_host(&topology, &host) {
                super::mark_edit_start();
                dispatch.dispatch(Action::Append {
                    items: c.items,
                    select: Some(c.id),
                });
            }
        })
    };
    let on_delete = {
        let dispatch = dispatch.clone();
        Callback::from(move |(section, index): (String, usize)| {
            super::mark_edit_start();
            dispatch.dispatch(Action::Set {
                path: format!("{section}[{index}]"),
                value: None,
            });
        })
    };
    let on_waive = Callback::from(move |w: Waiver| {
        let item = serde_json::to_value(&w).unwrap_or_default();
        dispatch.dispatch(Action::Append {
            items: vec![(Section::Waivers, item)],
            select: None,
        });
    });
    Editing {
        schema,
        edit,
        on_set,
        on_add,
        on_clone_host,
        on_delete,
        on_waive,
    }
}
