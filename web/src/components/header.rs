//! The page header: the open file, whether it is saved, undo/redo, opening a file or an
//! example, and the share link (with its banner under the header).

use crate::jobs::{Checked, Request};
use crate::service::{self, Pool};
use crate::state::{Action, Doc, Rejected};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`Header`].
#[derive(Properties)]
pub struct HeaderProps {
    /// The document shown.
    pub doc: Rc<Doc>,
    /// The last autosave worked.
    pub saved: bool,
    /// There is something to undo.
    pub can_undo: bool,
    /// There is something to redo.
    pub can_redo: bool,
    /// Dispatch an action (open, undo, redo).
    pub on_action: Callback<Action>,
    /// The user's policy file (name, text; empty text: none), which travels in the share link.
    #[prop_or_default]
    pub policy: Rc<(String, String)>,
}

// Documents are immutable snapshots, so the same pointer is the same document; comparing
// them field by field would walk the whole model on every render of the app.
impl PartialEq for HeaderProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.doc, &other.doc)
            && self.saved == other.saved
            && self.can_undo == other.can_undo
            && self.can_redo == other.can_redo
            && self.on_action == other.on_action
            && self.policy == other.policy
    }
}

/// The header.
#[component]
pub fn Header(props: &HeaderProps) -> Html {
    let share = use_state(|| None::<String>);
    // The read in flight (dropping it would cancel it).
    let reader = use_mut_ref(|| None::<gloo_file::callbacks::FileReader>);
    // The file the worker is reading, if any.
    let opening = use_state(|| None::<String>);
    let action = |a: Action| props.on_action.reform(move |_: MouseEvent| a.clone());
    let on_file = {
        let on_action = props.on_action.clone();
        let opening = opening.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let name = file.name();
            let (on_action, opening) = (on_action.clone(), opening.clone());
            let task =
                gloo_file::callbacks::read_as_bytes(&gloo_file::File::from(file), move |res| {
                    let bytes = res.unwrap_or_default();
                    open_in_worker(name, bytes, &on_action, &opening);
                });
            *reader.borrow_mut() = Some(task);
            input.set_value("");
        })
    };
    let on_example = {
        let on_action = props.on_action.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some((name, text)) = hostplan::examples::ALL
                .iter()
                .find(|(n, _)| *n == select.value())
            {
                on_action.emit(Action::Open {
                    name: (*name).to_owned(),
                    bytes: text.as_bytes().to_vec(),
                });
            }
            // Back to "Examples…", so the same example can be chosen again.
            select.set_value("");
        })
    };
    let on_share = {
        let (share, doc, policy) = (share.clone(), props.doc.clone(), props.policy.clone());
        Callback::from(move |_: MouseEvent| {
            let link = share_link(&doc.text, &policy);
            crate::components::transfer::copy(&link);
            share.set(Some(link));
        })
    };
    let site = if props.doc.topology.site.name.is_empty() {
        &props.doc.name
    } else {
        &props.doc.topology.site.name
    };
    html! {
        <>
            <header>
                <h1>{ "hostplan" }</h1>
                <span class="file" id="current-file">{ format!("{site} — {}", props.doc.name) }</span>
                <span class={classes!("saved", (!props.saved).then_some("unsaved"))} id="saved" aria-live="polite">
                    { if props.saved { "✓ saved in this browser" } else { "▲ not saved (storage unavailable)" } }
                </span>
                <div class="controls">
                    <button type="button" id="undo" onclick={action(Action::Undo)} disabled={!props.can_undo} title="Undo (Ctrl+Z)">{ "↶ Undo" }</button>
                    <button type="button" id="redo" onclick={action(Action::Redo)} disabled={!props.can_redo} title="Redo (Ctrl+Shift+Z)">{ "↷ Redo" }</button>
                    <label class="button" for="open-file">{ "Open topology…" }</label>
                    <input id="open-file" class="file-input" type="file" accept=".toml,.json,application/json" onchange={on_file} />
                    <label for="example" class="visually-hidden">{ "Load an example" }</label>
                    <select id="example" onchange={on_example}>
                        <option value="" selected=true>{ "Examples…" }</option>
                        { for hostplan::examples::ALL.iter().map(|(n, _)| html! { <option value={*n}>{ *n }</option> }) }
                    </select>
                    <button type="button" id="share" onclick={on_share}>{ "Share link" }</button>
                </div>
                if let Some(name) = &*opening {
                    <span class="opening" id="opening" role="status">{ format!("Reading {name}…") }</span>
                }
            </header>
            if let Some(link) = &*share {
                <div class="banner info" id="share-banner">
                    <label for="share-link">{ if props.policy.1.trim().is_empty() {
                        "Link to this plan (copied): ".to_owned()
                    } else {
                        format!("Link to this plan and your policy {} (copied): ", props.policy.0)
                    } }</label>
                    <input id="share-link" type="text" readonly=true value={link.clone()} />
                    <button type="button" onclick={{ let share = share.clone(); Callback::from(move |_: MouseEvent| share.set(None)) }}>{ "Close" }</button>
                </div>
            }
        </>
    }
}

/// Read and validate a file in the worker and open it; the page stays usable meanwhile (a
/// thousand-host file takes the better part of a second to parse and validate). Bytes that
/// are not UTF-8 are opened on the page: the core's error says where, at once.
fn open_in_worker(
    name: String,
    bytes: Vec<u8>,
    on_action: &Callback<Action>,
    opening: &UseStateHandle<Option<String>>,
) {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return on_action.emit(Action::Open {
                name,
                bytes: e.into_bytes(),
            })
        }
    };
    opening.set(Some(name.clone()));
    let (on_action, opening) = (on_action.clone(), opening.clone());
    let read = move || {
        read_in_worker(name, text, move |read| {
            opening.set(None);
            on_action.emit(Action::Read(Box::new(read)));
        });
    };
    // The request (the whole text, JSON-encoded for the worker: ~120 ms at a thousand hosts)
    // in a task after the one that read the file, which held the thread for as long again.
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(async move {
        crate::chunked::next_task().await;
        read();
    });
    #[cfg(not(target_arch = "wasm32"))]
    read();
}

/// Read and validate `text` in the worker ([`Request::Check`]); `then` gets the document, or
/// why there is none. Whatever the page reads as JSON goes this way (the page's own reader,
/// [`crate::state::read`], reads only TOML), and so does any large file.
pub fn read_in_worker(
    name: String,
    text: String,
    then: impl FnOnce(Result<Doc, Rejected>) + 'static,
) {
    // The page keeps its copy: the worker does not send the text back.
    let request = Request::Check {
        name: name.clone(),
        text: text.clone(),
    };
    service::call(Pool::Service, &request, move |answer| {
        // A large model is decoded a slice at a time (`chunked`): the page stays responsive.
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_futures::spawn_local(async move {
            let decoded = match answer {
                Ok(json) => crate::chunked::decode(json).await,
                Err(e) => Err(e),
            };
            crate::chunked::next_task().await;
            let doc = opened(name, text, decoded);
            // Its graph and overview each in a task of their own, then the new model's first
            // render in another.
            if let Ok(doc) = &doc {
                crate::prepared::prepare(&doc.topology, crate::chunked::next_task).await;
                crate::chunked::next_task().await;
            }
            then(doc);
        });
        #[cfg(not(target_arch = "wasm32"))]
        then(opened(
            name,
            text,
            answer.and_then(crate::chunked::decode_now),
        ));
    });
}

/// The worker's answer to a [`Request::Check`] as the document to show, or why the current
/// one stays (the worker failing included).
fn opened(name: String, text: String, answer: Result<Checked, String>) -> Result<Doc, Rejected> {
    match answer {
        Ok(Checked {
            topology: Some(topology),
            diagnostics,
            toml,
        }) => Ok(Doc {
            name,
            text,
            topology: Rc::new(topology),
            diagnostics,
            toml: toml.map(Rc::from),
        }),
        Ok(Checked {
            topology: None,
            diagnostics,
            ..
        }) => Err(Rejected {
            name,
            diagnostics,
            from_text: false,
        }),
        Err(e) => Err(Rejected {
            name: format!("{name} (reading it failed: {e})"),
            diagnostics: Vec::new(),
            from_text: false,
        }),
    }
}

/// A link to this page carrying `text` in its fragment, and the user's policy file when there
/// is one (`(name, text)`).
fn share_link(text: &str, policy: &(String, String)) -> String {
    #[cfg(target_arch = "wasm32")]
    let base = crate::persist::base_url();
    // Natively (tests) there is no page: the link is the fragment alone.
    #[cfg(not(target_arch = "wasm32"))]
    let base = String::new();
    let policy = if policy.1.trim().is_empty() {
        String::new()
    } else {
        format!(
            "&{}",
            crate::persist::policy_part(&crate::persist::Saved {
                name: policy.0.clone(),
                text: policy.1.clone(),
            })
        )
    };
    format!(
        "{base}#{}{}{policy}",
        crate::persist::FRAGMENT_KEY,
        crate::persist::encode(text)
    )
}
