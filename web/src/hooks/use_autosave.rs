//! Autosave: the document goes to the browser's local storage shortly after each change, in a
//! task of its own, and at once when the page is hidden or closed.
//!
//! Writing is not free on a large site: the text of a thousand hosts is 3 MB, which the write
//! encodes and copies on the page's thread (~60 ms). Done in the edit's own task it lengthened
//! every edit by that much, and a burst of edits (typing in a field, undo pressed repeatedly)
//! wrote every intermediate version; now the last version of a burst is written once,
//! [`DELAY_MS`] after it.

use crate::state::Doc;
use std::rc::Rc;
use yew::prelude::*;

/// How long after the last change the document is written.
pub const DELAY_MS: u32 = 400;

/// Save `doc` a moment after `revision` changes, except while `hold` (what is saved is still
/// being restored); returns whether the last save worked (a full or disabled storage is shown
/// as "not saved", never as an interruption).
#[hook]
pub fn use_autosave(doc: Rc<Doc>, revision: u64, hold: bool) -> bool {
    // Set only when it changes: an equal value would render the app again for nothing.
    let saved_ok = use_state_eq(|| true);
    // The version waiting to be written, and the timer that writes it (dropping it cancels).
    let pending = use_mut_ref(|| None::<Rc<Doc>>);
    let timer = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    {
        // Leaving the page (closing, reloading, navigating) writes what is waiting at once.
        let (pending, saved_ok) = (pending.clone(), saved_ok.clone());
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|w| {
                gloo_events::EventListener::new(&w, "pagehide", move |_| {
                    if let Some(doc) = pending.borrow_mut().take() {
                        saved_ok.set(write(&doc));
                    }
                })
            });
            move || drop(listener)
        });
    }
    {
        let saved_ok = saved_ok.clone();
        use_effect_with(revision, move |_| {
            if hold {
                return;
            }
            *pending.borrow_mut() = Some(doc);
            let waiting = pending.clone();
            *timer.borrow_mut() = Some(gloo_timers::callback::Timeout::new(DELAY_MS, move || {
                if let Some(doc) = waiting.borrow_mut().take() {
                    saved_ok.set(write(&doc));
                }
            }));
        });
    }
    *saved_ok
}

/// Write `doc` to local storage; whether that worked.
fn write(doc: &Doc) -> bool {
    #[cfg(target_arch = "wasm32")]
    return crate::persist::save(&crate::persist::Saved {
        name: doc.name.clone(),
        text: doc.text.clone(),
    });
    // Natively (tests) there is no storage to save to.
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = doc;
        true
    }
}
