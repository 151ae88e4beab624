//! Editing the model from the forms: set a field, add or delete an entry, waive a finding,
//! or replace the model (boot order, what-if, import). Each edit goes through the reducer;
//! an edit the model refuses is kept as a message for the inspector.

use crate::components::editor::SetField;
use crate::state::{Action, State};
use hostplan::model::{Topology, Waiver};
use std::rc::Rc;
use yew::prelude::*;

/// The editing callbacks and the last refused edit.
pub struct Editing {
    /// The model's JSON Schema (the forms are generated from it).
    pub schema: Rc<serde_json::Value>,
    /// Replace the model.
    pub edit: Callback<Topology>,
    /// Set one field (`(path, value)`).
    pub on_set: Callback<SetField>,
    /// Add an entry to a section (and select it).
    pub on_add: Callback<String>,
    /// Delete an entry (`(section, index)`).
    pub on_delete: Callback<(String, usize)>,
    /// Add a waiver.
    pub on_waive: Callback<Waiver>,
    /// Why the last form edit was refused.
    pub error: Option<String>,
}

/// Callbacks editing `topology` (the current model) through `dispatch`.
#[hook]
pub fn use_editing(dispatch: UseReducerDispatcher<State>, topology: Rc<Topology>) -> Editing {
    let schema = use_memo((), |()| hostplan::schema::json_schema());
    let error = use_state(|| None::<String>);
    let edit = {
        let (dispatch, error) = (dispatch.clone(), error.clone());
        Callback::from(move |t: Topology| {
            error.set(None);
            dispatch.dispatch(Action::Edit(Box::new(t)));
        })
    };
    let on_set = {
        let (topology, edit, error) = (topology.clone(), edit.clone(), error.clone());
        Callback::from(move |(path, value): SetField| {
            super::mark_edit_start();
            match crate::edit::apply(&topology, &path, value) {
                Ok(t) => edit.emit(t),
                Err(e) => error.set(Some(format!("{path}: {e}"))),
            }
        })
    };
    let on_add = {
        let (topology, edit, error) = (topology.clone(), edit.clone(), error.clone());
        let (schema, dispatch) = (schema.clone(), dispatch.clone());
        Callback::from(move |section: String| {
            match crate::edit::add(&topology, &schema, &section) {
                Ok((t, id)) => {
                    edit.emit(t);
                    // Waivers have no id: select the new one by its place.
                    let key = if section == "waivers" {
                        format!("waivers[{}]", topology.waivers.len())
                    } else {
                        id
                    };
                    dispatch.dispatch(Action::Select(Some(key)));
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let on_delete = {
        let (topology, edit, error) = (topology.clone(), edit.clone(), error.clone());
        Callback::from(move |(section, index): (String, usize)| {
            match crate::edit::delete(&topology, &section, index) {
                Ok(t) => {
                    dispatch.dispatch(Action::Select(None));
                    edit.emit(t);
                }
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let on_waive = {
        let edit = edit.clone();
        Callback::from(move |w: Waiver| {
            let mut t = (*topology).clone();
            t.waivers.push(w);
            edit.emit(t);
        })
    };
    Editing {
        schema,
        edit,
        on_set,
        on_add,
        on_delete,
        on_waive,
        error: (*error).clone(),
    }
}
