//! The panels and views of the app, each a thin Yew component over the core.

pub mod boot;
pub mod diagnostics;
pub mod editor;
pub mod graph_view;
pub mod inspector;
pub mod job;
pub mod review;
pub mod simulate;
pub mod transfer;
pub mod whatif;
