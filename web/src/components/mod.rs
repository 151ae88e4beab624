//! View components. Each takes plain data as props and emits callbacks; none touches state.
pub mod diagnostics;
pub mod graph_view;
pub mod inspector;
