//! Autosave: the document goes to the browser's local storage on every change.

use crate::state::Doc;
use std::rc::Rc;
use yew::prelude::*;

/// Save `doc` whenever `revision` changes, except while `hold` (what is saved is still being
/// restored); returns whether the last save worked (a full or disabled storage is shown as
/// "not saved", never as an interruption).
#[hook]
pub fn use_autosave(doc: Rc<Doc>, revision: u64, hold: bool) -> bool {
    let saved_ok = use_state(|| true);
    {
        let saved_ok = saved_ok.clone();
        use_effect_with(revision, move |_| {
            if hold {
                return;
            }
            #[cfg(target_arch = "wasm32")]
            saved_ok.set(crate::persist::save(&crate::persist::Saved {
                name: doc.name.clone(),
                text: doc.text.clone(),
            }));
            // Natively (tests) there is no storage to save to.
            #[cfg(not(target_arch = "wasm32"))]
            let _ = (saved_ok, doc);
        });
    }
    *saved_ok
}
