//! Export and import. Every export format with a preview (text, never markup), a copy button
//! and a download; every import format by file picker or drag and drop, showing what could not
//! be mapped — and what the merge will add or replace — before anything changes.

//!
//! The exporters and importers run in the worker ([`crate::service`]): their code (HCL, the
//! Terraform evaluator, the rule book the spec is judged by) is not in the page's wasm.

use crate::components::preview::AfterThis;
use crate::jobs::{ExportAnswer, ImportAnswer, Request};
use crate::service::{self, use_job, Pool, Shared};
use crate::state::Doc;
use hostplan::export;
use hostplan::import::Format;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`TransferPanel`].
#[derive(Properties, PartialEq)]
pub struct TransferProps {
    /// The document (what the worker reads).
    pub doc: Shared<Doc>,
    /// The rule book in use (for the spec).
    pub book: Rc<RuleBookHandle>,
    /// Take the merged document (the import): its text.
    pub on_merge: Callback<String>,
}

/// The rule book in use: the built-in one plus the user's files (the book itself lives in
/// the worker), compared by version.
#[derive(Debug, Clone, Default)]
pub struct RuleBookHandle {
    /// The user's policy files, `(path, text)`.
    pub user: Vec<(String, String)>,
    /// Bumped whenever `user` changes.
    pub version: u64,
}

impl PartialEq for RuleBookHandle {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn download(name: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/octet-stream");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
            a.set_href(&url);
            a.set_download(name);
            a.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn download(_: &str, _: &str) {}

#[cfg(target_arch = "wasm32")]
pub(crate) fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn copy(_: &str) {}

/// An import waiting for confirmation.
#[derive(Clone, PartialEq)]
struct Pending {
    files: Vec<String>,
    answer: ImportAnswer,
    /// The merged document, read as the page reads TOML (for the preview).
    after: Option<Shared<Doc>>,
}

/// The export/import panel.
#[component]
pub fn TransferPanel(props: &TransferProps) -> Html {
    html! {
        <div class="panel" id="transfer-panel">
            <ExportSection doc={props.doc.clone()} book={props.book.clone()} />
            <ImportSection doc={props.doc.clone()} book={props.book.clone()} on_merge={props.on_merge.clone()} />
        </div>
    }
}

/// Props of [`ExportSection`].
#[derive(Properties, PartialEq)]
struct ExportProps {
    doc: Shared<Doc>,
    book: Rc<RuleBookHandle>,
}

/// Every export format with a preview, its notes, a copy button and a download per file.
#[component]
fn ExportSection(props: &ExportProps) -> Html {
    let format = use_state(|| "spec".to_owned());
    let key = (props.doc.clone(), props.book.version, (*format).clone());
    let answer = use_job(Pool::Service, key.clone(), {
        let user = props.book.user.clone();
        move |(doc, _, format): &(Shared<Doc>, u64, String)| {
            Some(Request::Export {
                text: doc.text.clone(),
                format: format.clone(),
                user,
                today: crate::analysis::today(),
            })
        }
    });
    // `None` while the worker renders this revision and format.
    let rendered: Option<ExportAnswer> = match answer.as_ref() {
        Some((k, a)) if *k == key => {
            Some(service::decode::<ExportAnswer>(a.clone()).and_then(|r| r))
        }
        _ => None,
    };
    let rendered = rendered.as_ref();
    let on_format = super::store_select(&format);
    let all_text = match rendered {
        None => "Rendering…".to_owned(),
        Some(Ok((files, _))) if files.len() == 1 => files[0].1.clone(),
        Some(Ok((files, _))) => files.iter().fold(String::new(), |mut out, (n, t)| {
            use std::fmt::Write as _;
            let _ = write!(out, "# ==> {n} <==\n{t}");
            out
        }),
        Some(Err(e)) => e.clone(),
    };
    let on_copy = {
        let text = all_text.clone();
        Callback::from(move |_: MouseEvent| copy(&text))
    };
    let notes = match rendered {
        Some(Ok((_, notes))) if !notes.is_empty() => html! {
            <ul class="notes" id="export-notes">{ for notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
        },
        _ => html! {},
    };
    let downloads = match rendered {
        Some(Ok((files, _))) => html! { <>{ for files.iter().map(|(name, text)| {
            let (n, t) = (name.clone(), text.clone());
            let onclick = Callback::from(move |_: MouseEvent| download(&n, &t));
            html! { <button type="button" class="download" data-file={name.clone()} {onclick}>{ format!("⤓ {name}") }</button> }
        }) }</> },
        _ => html! {},
    };

    html! {
        <>
            <h3>{ "Export" }</h3>
            <div class="row">
                <label for="export-format">{ "Format" }</label>
                <select id="export-format" onchange={on_format}>
                    { for export::Format::ALL.iter().map(|f| html! { <option value={f.name()} selected={f.name() == *format}>{ f.label() }</option> }) }
                </select>
            </div>
            <pre class={classes!("preview", matches!(rendered, Some(Err(_))).then_some("refused"))} id="export-preview" tabindex="0" aria-label="Export preview" aria-busy={rendered.is_none().to_string()} data-format={rendered.is_some().then(|| (*format).clone())}>{ all_text }</pre>
            { notes }
            <div class="row">
                <button type="button" id="export-copy" onclick={on_copy}>{ "Copy" }</button>
                { downloads }
            </div>
        </>
    }
}

/// Props of [`ImportSection`].
#[derive(Properties, PartialEq)]
struct ImportProps {
    doc: Shared<Doc>,
    book: Rc<RuleBookHandle>,
    on_merge: Callback<String>,
}

/// Every import format by file picker or drag and drop; what it will merge, before it does.
#[component]
fn ImportSection(props: &ImportProps) -> Html {
    let import_format = use_state(|| "auto".to_owned());
    let host = use_state(|| {
        props
            .doc
            .topology
            .hosts
            .first()
            .map(|h| h.id.clone())
            .unwrap_or_default()
    });
    let pending = use_state(|| None::<Result<Pending, String>>);
    let reader = use_mut_ref(Vec::<gloo_file::callbacks::FileReader>::new);
    let dragging = use_state(|| false);
    // Import: read every file, then run the importer and prepare the merge.
    let start_import = {
        let pending = pending.clone();
        let import_format = import_format.clone();
        let host = host.clone();
        let doc = props.doc.clone();
        Rc::new(move |files: Vec<web_sys::File>| {
            let total = files.len();
            let collected = Rc::new(std::cell::RefCell::new(Vec::<(String, String)>::new()));
            let mut tasks = reader.borrow_mut();
            tasks.clear();
            for file in files {
                let name = file.name();
                let collected = collected.clone();
                let pending = pending.clone();
                let fmt = (*import_format).clone();
                let host = (*host).clone();
                let doc = doc.clone();
                tasks.push(gloo_file::callbacks::read_as_text(
                    &gloo_file::File::from(file),
                    move |res| {
                        collected.borrow_mut().push((name, res.unwrap_or_default()));
                        if collected.borrow().len() == total {
                            let files = collected.borrow().clone();
                            let names = files.iter().map(|(n, _)| n.clone()).collect();
                            let request = Request::Import {
                                text: doc.text.clone(),
                                files,
                                format: fmt.clone(),
                                host: host.clone(),
                            };
                            let pending = pending.clone();
                            let name = crate::state::toml_name(&doc.name);
                            service::call(Pool::Service, &request, move |a| {
                                pending.set(Some(service::decode::<ImportAnswer>(a).map(
                                    |answer| Pending {
                                        after: answer.merged.as_ref().ok().and_then(|m| {
                                            crate::state::read(&name, m.text.as_bytes())
                                                .ok()
                                                .map(Shared::new)
                                        }),
                                        files: names,
                                        answer,
                                    },
                                )));
                            });
                        }
                    },
                ));
            }
        })
    };
    let on_import_file = {
        let start = start_import.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(list) = input.files() else { return };
            let files: Vec<web_sys::File> =
                (0..list.length()).filter_map(|i| list.get(i)).collect();
            start(files);
            input.set_value("");
        })
    };
    let on_drop = {
        let start = start_import.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            let Some(list) = e.data_transfer().and_then(|d| d.files()) else {
                return;
            };
            let files: Vec<web_sys::File> =
                (0..list.length()).filter_map(|i| list.get(i)).collect();
            start(files);
        })
    };
    let on_dragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let on_dragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_import_format = super::store_select(&import_format);
    let on_host = super::store_trimmed(&host);
    let pending_html = import_preview(&pending, props);
    html! {
        <>
            <h3>{ "Import" }</h3>
            <div class="row">
                <label for="import-format">{ "From" }</label>
                <select id="import-format" onchange={on_import_format}>
                    <option value="auto" selected={*import_format == "auto"}>{ "guess from the file" }</option>
                    { for Format::ALL.iter().map(|f| html! { <option value={f.name()} selected={f.name() == *import_format}>{ f.name() }</option> }) }
                </select>
                <label for="import-host">{ "host" }</label>
                <input id="import-host" type="text" size="8" value={(*host).clone()} onchange={on_host} />
            </div>
            <div class={classes!("dropzone", dragging.then_some("over"))} ondrop={on_drop} ondragover={on_dragover} ondragleave={on_dragleave}>
                <label class="button secondary" for="import-file">{ "Choose files…" }</label>
                <input id="import-file" class="file-input" type="file" multiple=true onchange={on_import_file} />
                <span>{ " or drop Terraform, Proxmox conf, pvesh JSON, lspci, IOMMU-group or zpool-status files here" }</span>
            </div>
            { pending_html }
        </>
    }
}

/// What an import will do (or why it cannot), with the merge and discard buttons.
fn import_preview(
    pending: &UseStateHandle<Option<Result<Pending, String>>>,
    props: &ImportProps,
) -> Html {
    let on_merge = &props.on_merge;
    match pending.as_ref() {
        None => html! {},
        Some(Err(e)) => html! { <p class="field-error" role="alert" id="import-error">{ e }</p> },
        Some(Ok(p)) => {
            let confirm = match &p.answer.merged {
                Ok(m) => {
                    let cb = on_merge.clone();
                    let text = m.text.clone();
                    let pending = pending.clone();
                    Some(Callback::from(move |_: MouseEvent| {
                        cb.emit(text.clone());
                        pending.set(None);
                    }))
                }
                Err(_) => None,
            };
            let cancel = {
                let pending = pending.clone();
                Callback::from(move |_: MouseEvent| pending.set(None))
            };
            let counts = &p.answer.counts;
            html! {
                <div class="import-preview" id="import-preview">
                    <p>{ format!("From {}: {}", p.files.join(", "), if counts.is_empty() { "nothing".to_owned() } else { counts.join(", ") }) }</p>
                    if let Ok(m) = &p.answer.merged {
                        <p>{ format!("Merging adds {} and updates {}.",
                            if m.added.is_empty() { "nothing".to_owned() } else { m.added.join(", ") },
                            if m.updated.is_empty() { "nothing".to_owned() } else {
                                m.updated.iter().map(|(id, fields)| if fields.is_empty() { format!("{id} (no change)") } else { format!("{id} ({})", fields.join(", ")) }).collect::<Vec<_>>().join("; ")
                            }) }</p>
                    }
                    if let Ok(m) = &p.answer.merged {
                        if !m.networks.is_empty() {
                            <p id="import-networks">{ format!("Networks matched by VLAN tag or bridge: {}.", m.networks.iter().map(|(g, id)| format!("{g} → {id}")).collect::<Vec<_>>().join(", ")) }</p>
                        }
                    }
                    if let Err(e) = &p.answer.merged { <p class="field-error">{ e }</p> }
                    if let Some(after) = p.after.clone() {
                        <AfterThis before={props.doc.clone()} {after} book={Some(props.book.clone())} />
                    }
                    <h4>{ format!("Not mapped ({})", p.answer.notes.len()) }</h4>
                    <ul class="notes" id="import-notes">{ for p.answer.notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
                    if let Some(onclick) = confirm { <button type="button" id="import-merge" {onclick}>{ "Merge into the topology" }</button> }
                    <button type="button" onclick={cancel}>{ "Discard" }</button>
                </div>
            }
        }
    }
}
