//! Readiness-gate hookscripts in the Maintenance tab: which guests wait for which service, with
//! what deadline, and a download per file. The scripts are written in the Web Worker
//! ([`crate::jobs::Request::Hookscripts`]); an address the model does not state can be typed
//! here for the download (the model is not changed), and until every needed address is known
//! nothing can be downloaded — the same refusal as `hostplan hookscripts`.

use crate::components::transfer::download;
use crate::jobs::{HookscriptAnswer, Request};
use crate::service::Shared;
use crate::service::{self, use_job, Pool};
use crate::state::Doc;
use std::collections::BTreeMap;
use yew::prelude::*;

/// Props of [`HookscriptsPanel`].
#[derive(Properties, PartialEq)]
pub struct HookscriptsProps {
    /// The document (a new one asks the worker again).
    pub doc: Shared<Doc>,
}

/// The hookscripts section.
#[component]
pub fn HookscriptsPanel(props: &HookscriptsProps) -> Html {
    let typed = use_state(BTreeMap::<String, String>::new);
    let addresses: Vec<(String, String)> =
        typed.iter().map(|(s, a)| (s.clone(), a.clone())).collect();
    let key = (props.doc.clone(), addresses);
    let answer = use_job(Pool::Service, key.clone(), {
        move |(doc, addresses): &(Shared<Doc>, Vec<(String, String)>)| {
            Some(Request::Hookscripts {
                text: doc.text.clone(),
                addresses: addresses.clone(),
            })
        }
    });
    let rendered: Option<Result<HookscriptAnswer, String>> = match answer.as_ref() {
        Some((k, a)) if *k == key => Some(service::decode::<HookscriptAnswer>(a.clone())),
        _ => None,
    };
    // Services without an address in the model: the page may supply one for the download.
    let unknown: Vec<&str> = props
        .doc
        .topology
        .services
        .iter()
        .filter(|s| s.address.is_none())
        .map(|s| s.id.as_str())
        .collect();
    let inputs = html! { <>{ for unknown.iter().map(|svc| {
        let onchange = {
            let typed = typed.clone();
            let svc = (*svc).to_owned();
            Callback::from(move |e: Event| {
                let i: web_sys::HtmlInputElement = e.target_unchecked_into();
                let mut next = (*typed).clone();
                let v = i.value().trim().to_owned();
                if v.is_empty() {
                    next.remove(&svc);
                } else {
                    next.insert(svc.clone(), v);
                }
                typed.set(next);
            })
        };
        html! {
            <label class="gate-address">{ format!("Address of {svc} ") }
                <input type="text" data-service={(*svc).to_owned()} placeholder="not in the model"
                    value={typed.get(*svc).cloned().unwrap_or_default()} {onchange} />
            </label>
        }
    }) }</> };
    let body = match rendered {
        None => html! { <p class="hint">{ "Writing the hookscripts…" }</p> },
        Some(Err(e)) => html! { <p class="field-error" role="alert">{ e }</p> },
        Some(Ok(a)) => {
            let downloads = html! { <>{ for a.files.iter().map(|(name, text)| {
                let (n, t) = (name.clone(), text.clone());
                let onclick = Callback::from(move |_: MouseEvent| download(&n, &t));
                html! { <button type="button" class="download" data-file={name.clone()} {onclick}>{ format!("⤓ {name}") }</button> }
            }) }</> };
            html! {
                <>
                    if a.scripts.is_empty() && a.missing.is_empty() {
                        <p class="hint">{ "No guest needs a storage service: no hookscript." }</p>
                    }
                    <ul id="hookscript-list">{ for a.scripts.iter().map(|s| html! {
                        <li data-vm={s.vm.clone()}>
                            <strong>{ format!("{} ({} on {})", s.vm, s.vmid, s.host) }</strong>
                            { format!(": waits for {}; gives up after {} s", s.waits.join(", "), s.deadline.0) }
                            <div class="hint">{ &s.deadline.1 }</div>
                            <div><code>{ &s.qm_set }</code></div>
                        </li>
                    }) }</ul>
                    if !a.missing.is_empty() {
                        <ul id="hookscript-missing">{ for a.missing.iter().map(|(id, why)| html! {
                            <li class="field-error" data-id={id.clone()}>{ why }</li>
                        }) }</ul>
                        <p class="hint">{ "Nothing to download until every address is known: set `address` on the service, or type it above." }</p>
                    }
                    if !a.notes.is_empty() {
                        <ul class="notes">{ for a.notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                    }
                    <div class="buttons" id="hookscript-downloads">{ downloads }</div>
                </>
            }
        }
    };
    html! {
        <section class="operations" aria-labelledby="hookscripts-title" id="hookscripts">
            <h2 id="hookscripts-title">{ "Readiness-gated boot" }</h2>
            <p class="hint">{ "A Proxmox hookscript per guest that needs a storage service: its pre-start waits until the service answers on TCP, and aborts the start at its deadline. Attach with qm set (the install script per node), or bpg's hook_script_file_id (the hcl-resources export)." }</p>
            <div class="row">{ inputs }</div>
            { body }
        </section>
    }
}
