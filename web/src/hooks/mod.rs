//! Custom hooks, as in Yew's own examples: each one a piece of the app's derived data or one
//! side effect, so the `App` component only wires them to the views.

mod use_analysis;
mod use_autosave;
mod use_delta;
mod use_editing;
mod use_perf_marks;
mod use_policy_evaluation;
mod use_shortcuts;

pub use use_analysis::use_analysis;
pub use use_autosave::use_autosave;
pub use use_delta::{use_delta, DeltaHandle, Side};
pub use use_editing::{use_editing, AddRequest};
pub use use_perf_marks::{mark_edit_start, use_perf_marks};
pub use use_policy_evaluation::use_policy_evaluation;
pub use use_shortcuts::use_shortcuts;
