//! Performance marks read by `scripts/bench-web` (see BENCHMARKS.md): when the first render is
//! on screen, and how long an edit takes from the field's change to the committed redraw.

use yew::prelude::*;

/// Set when a field's change starts an edit; measured up to the redraw of the new revision.
const EDIT_START: &str = "hostplan-edit-start";

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

fn perf_mark(name: &str) {
    if let Some(p) = performance() {
        let _ = p.mark(name);
    }
}

/// Measure from `start` (if that mark exists) to now, then forget `start`.
fn perf_measure(name: &str, start: &str) {
    if let Some(p) = performance() {
        if p.get_entries_by_name(start).length() > 0 {
            let _ = p.measure_with_start_mark(name, start);
            p.clear_marks_with_mark_name(start);
        }
    }
}

/// Note that an edit starts now (a form field changed).
pub fn mark_edit_start() {
    perf_mark(EDIT_START);
}

/// Mark `hostplan-interactive` after the first render, and measure `hostplan-edit` after each
/// render of a new `revision` that followed [`mark_edit_start`].
#[hook]
pub fn use_perf_marks(revision: u64) {
    use_effect_with((), |()| perf_mark("hostplan-interactive"));
    use_effect_with(revision, |_| perf_measure("hostplan-edit", EDIT_START));
}
