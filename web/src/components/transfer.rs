//! Export and import. Every export format with a preview (text, never markup), a copy button
//! and a download; every import format by file picker or drag and drop, showing what could not
//! be mapped — and what the merge will add or replace — before anything changes.

use crate::components::preview::AfterThis;
use hostplan::export::{self, spec::SpecError, ExportError, Exported};
use hostplan::import::{merge, Merged};
use hostplan::import::{Format, Imported};
use hostplan::model::Topology;
use hostplan::policy::RuleBook;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Render one export format (by its core name): the files and notes, or why it was refused.
pub fn render(
    t: &Topology,
    book: &RuleBook,
    today: &str,
    format: &str,
) -> Result<Exported, String> {
    let format =
        export::Format::from_name(format).ok_or_else(|| format!("unknown format {format}"))?;
    export::run(t, format, &export::Options::new(book, today)).map_err(|e| match e {
        ExportError::Spec(SpecError::Blocked { .. } | SpecError::Invalid { .. }) => {
            format!("Export refused: {e}")
        }
        e => e.to_string(),
    })
}

/// Props of [`TransferPanel`].
#[derive(Properties, PartialEq)]
pub struct TransferProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// Revision of the model (cache key).
    pub revision: u64,
    /// The rule book in use (for the spec).
    pub book: Rc<RuleBookHandle>,
    /// Merge a topology in (the import).
    pub on_merge: Callback<Topology>,
}

/// A rule book compared by identity.
pub struct RuleBookHandle(pub RuleBook, pub u64);

impl PartialEq for RuleBookHandle {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1
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
    imported: Imported,
    merged: Result<(Topology, Merged), String>,
}

/// The export/import panel.
#[component]
pub fn TransferPanel(props: &TransferProps) -> Html {
    html! {
        <div class="panel" id="transfer-panel">
            <ExportSection topology={props.topology.clone()} revision={props.revision} book={props.book.clone()} />
            <ImportSection topology={props.topology.clone()} book={props.book.clone()} on_merge={props.on_merge.clone()} />
        </div>
    }
}

/// Props of [`ExportSection`].
#[derive(Properties, PartialEq)]
struct ExportProps {
    topology: Rc<Topology>,
    revision: u64,
    book: Rc<RuleBookHandle>,
}

/// Every export format with a preview, its notes, a copy button and a download per file.
#[component]
fn ExportSection(props: &ExportProps) -> Html {
    let format = use_state(|| "spec".to_owned());
    let today = crate::analysis::today();
    let rendered = use_memo(
        (
            props.revision,
            props.book.1,
            (*format).clone(),
            props.topology.clone(),
        ),
        |(_, _, f, t)| render(t, &props.book.0, &today, f),
    );
    let on_format = super::store_select(&format);
    let all_text = match rendered.as_ref() {
        Ok(Exported { files, .. }) if files.len() == 1 => files[0].1.clone(),
        Ok(Exported { files, .. }) => files.iter().fold(String::new(), |mut out, (n, t)| {
            use std::fmt::Write as _;
            let _ = write!(out, "# ==> {n} <==\n{t}");
            out
        }),
        Err(e) => e.clone(),
    };
    let on_copy = {
        let text = all_text.clone();
        Callback::from(move |_: MouseEvent| copy(&text))
    };
    let notes = match rendered.as_ref() {
        Ok(Exported { notes, .. }) if !notes.is_empty() => html! {
            <ul class="notes" id="export-notes">{ for notes.iter().map(|n| html! { <li>{ n.clone() }</li> }) }</ul>
        },
        _ => html! {},
    };
    let downloads = match rendered.as_ref() {
        Ok(Exported { files, .. }) => html! { <>{ for files.iter().map(|(name, text)| {
            let (n, t) = (name.clone(), text.clone());
            let onclick = Callback::from(move |_: MouseEvent| download(&n, &t));
            html! { <button type="button" class="download" data-file={name.clone()} {onclick}>{ format!("⤓ {name}") }</button> }
        }) }</> },
        Err(_) => html! {},
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
            <pre class={classes!("preview", rendered.is_err().then_some("refused"))} id="export-preview" tabindex="0" aria-label="Export preview">{ all_text }</pre>
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
    topology: Rc<Topology>,
    book: Rc<RuleBookHandle>,
    on_merge: Callback<Topology>,
}

/// Every import format by file picker or drag and drop; what it will merge, before it does.
#[component]
fn ImportSection(props: &ImportProps) -> Html {
    let import_format = use_state(|| "auto".to_owned());
    let host = use_state(|| {
        props
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
        let topology = props.topology.clone();
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
                let topology = topology.clone();
                tasks.push(gloo_file::callbacks::read_as_text(
                    &gloo_file::File::from(file),
                    move |res| {
                        collected.borrow_mut().push((name, res.unwrap_or_default()));
                        if collected.borrow().len() == total {
                            let files = collected.borrow().clone();
                            pending.set(Some(prepare(&topology, &files, &fmt, &host)));
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
            let confirm = match &p.merged {
                Ok((t, _)) => {
                    let cb = on_merge.clone();
                    let t = t.clone();
                    let pending = pending.clone();
                    Some(Callback::from(move |_: MouseEvent| {
                        cb.emit(t.clone());
                        pending.set(None);
                    }))
                }
                Err(_) => None,
            };
            let cancel = {
                let pending = pending.clone();
                Callback::from(move |_: MouseEvent| pending.set(None))
            };
            let f = &p.imported.topology;
            let counts: Vec<String> = [
                ("VM", f.vms.len()),
                ("mapping", f.mappings.len()),
                ("device", f.devices.len()),
                ("disk", f.disks.len()),
                ("pool", f.pools.len()),
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(w, n)| format!("{n} {w}(s)"))
            .collect();
            html! {
                <div class="import-preview" id="import-preview">
                    <p>{ format!("From {}: {}", p.files.join(", "), if counts.is_empty() { "nothing".to_owned() } else { counts.join(", ") }) }</p>
                    if let Ok((_, m)) = &p.merged {
                        <p>{ format!("Merging adds {} and updates {}.",
                            if m.added.is_empty() { "nothing".to_owned() } else { m.added.join(", ") },
                            if m.updated.is_empty() { "nothing".to_owned() } else {
                                m.updated.iter().map(|(id, fields)| if fields.is_empty() { format!("{id} (no change)") } else { format!("{id} ({})", fields.join(", ")) }).collect::<Vec<_>>().join("; ")
                            }) }</p>
                    }
                    if let Ok((_, m)) = &p.merged {
                        if !m.networks.is_empty() {
                            <p id="import-networks">{ format!("Networks matched by VLAN tag or bridge: {}.", m.networks.iter().map(|(g, id)| format!("{g} → {id}")).collect::<Vec<_>>().join(", ")) }</p>
                        }
                    }
                    if let Err(e) = &p.merged { <p class="field-error">{ e }</p> }
                    if let Ok((t, _)) = &p.merged {
                        <AfterThis before={props.topology.clone()} after={Rc::new(t.clone())} book={Some(props.book.clone())} />
                    }
                    <h4>{ format!("Not mapped ({})", p.imported.notes.len()) }</h4>
                    <ul class="notes" id="import-notes">{ for p.imported.notes.iter().map(|n| html! { <li>{ n.to_string() }</li> }) }</ul>
                    if let Some(onclick) = confirm { <button type="button" id="import-merge" {onclick}>{ "Merge into the topology" }</button> }
                    <button type="button" onclick={cancel}>{ "Discard" }</button>
                </div>
            }
        }
    }
}

fn prepare(
    t: &Topology,
    files: &[(String, String)],
    format: &str,
    host: &str,
) -> Result<Pending, String> {
    let fmt = if format == "auto" {
        let (n, text) = files.first().ok_or("no file")?;
        Format::guess(n, text)
            .ok_or_else(|| format!("Cannot tell what {n} is: choose the format."))?
    } else {
        Format::from_name(format).ok_or("unknown format")?
    };
    let host = (!host.is_empty()).then_some(host);
    let imported = hostplan::import::run(fmt, files, host, None).map_err(|e| e.to_string())?;
    let merged = merge(t, &imported.topology);
    Ok(Pending {
        files: files.iter().map(|(n, _)| n.clone()).collect(),
        imported,
        merged,
    })
}
