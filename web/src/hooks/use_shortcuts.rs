//! Keyboard shortcuts for the whole page: Ctrl+Z undoes, Ctrl+Shift+Z or Ctrl+Y redoes (⌘ on a
//! Mac), anywhere but in a text field, which keeps its own undo.

use crate::state::{Action, State};
use yew::prelude::*;

/// The action a key press stands for, if any.
fn shortcut(key: &str, ctrl_or_meta: bool, shift: bool, in_field: bool) -> Option<Action> {
    if !ctrl_or_meta || in_field {
        return None;
    }
    match (key.to_lowercase().as_str(), shift) {
        ("z", false) => Some(Action::Undo),
        ("z", true) | ("y", _) => Some(Action::Redo),
        _ => None,
    }
}

/// Listen for the shortcuts on the window for as long as the calling component lives.
#[hook]
pub fn use_shortcuts(dispatch: UseReducerDispatcher<State>) {
    use_effect_with((), move |()| {
        let listener = web_sys::window().map(|w| {
            // Not passive: the browser's own Ctrl+Z (or ⌘Y's history) must not run too, and a
            // passive listener's `preventDefault` is refused with a console error.
            let options = gloo_events::EventListenerOptions::enable_prevent_default();
            gloo_events::EventListener::new_with_options(&w, "keydown", options, move |e| {
                use wasm_bindgen::JsCast;
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let in_field = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| {
                        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    });
                if let Some(action) = shortcut(
                    &e.key(),
                    e.ctrl_key() || e.meta_key(),
                    e.shift_key(),
                    in_field,
                ) {
                    e.prevent_default();
                    dispatch.dispatch(action);
                }
            })
        });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_z_undoes_and_ctrl_shift_z_or_ctrl_y_redo_outside_text_fields() {
        assert_eq!(shortcut("z", true, false, false), Some(Action::Undo));
        assert_eq!(shortcut("Z", true, true, false), Some(Action::Redo));
        assert_eq!(shortcut("y", true, false, false), Some(Action::Redo));
        assert_eq!(
            shortcut("z", false, false, false),
            None,
            "a plain z is typing"
        );
        assert_eq!(
            shortcut("z", true, false, true),
            None,
            "fields keep their own undo"
        );
        assert_eq!(shortcut("x", true, false, false), None);
    }
}
