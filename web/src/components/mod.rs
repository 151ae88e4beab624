//! The panels and views of the app, each a thin Yew component over the core.

pub mod badges;
pub mod boot;
pub mod canvas;
pub mod delta;
pub mod diagnostics;
pub mod editor;
pub mod failure_domains;
pub mod graph_view;
pub mod header;
pub mod hookscripts;
pub mod inspector;
pub mod job;
pub mod operations;
pub mod outages;
pub mod outcome;
pub mod overview;
pub mod power;
pub mod preview;
pub mod review;
pub mod simulate;
pub mod tab_bar;
pub mod text_view;
pub mod transfer;
pub mod whatif;

use yew::{Callback, Event, TargetCast, UseStateHandle};

/// A `change` handler storing a `<select>`'s value in `state`.
pub fn store_select(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        state.set(s.value());
    })
}

/// A `change` handler storing a text `<input>`'s value, trimmed, in `state`.
pub fn store_trimmed(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        let i: web_sys::HtmlInputElement = e.target_unchecked_into();
        state.set(i.value().trim().to_owned());
    })
}
