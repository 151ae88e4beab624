//! The topology as TOML, editable: applying replaces the model (or shows why it cannot).

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Props of [`TextView`].
#[derive(Properties, PartialEq)]
pub struct TextViewProps {
    /// The current TOML.
    pub text: String,
    /// Model revision (the editor resets to the model's text when it changes).
    pub revision: u64,
    /// Why the last applied text was not taken.
    pub rejected: Option<crate::state::Rejected>,
    /// Apply edited text.
    pub on_apply: Callback<String>,
}

/// The text view.
#[component]
pub fn TextView(props: &TextViewProps) -> Html {
    let area = use_node_ref();
    let apply = {
        let area = area.clone();
        let cb = props.on_apply.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                cb.emit(t.value());
            }
        })
    };
    let revert = {
        let area = area.clone();
        let text = props.text.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = area.cast::<HtmlTextAreaElement>() {
                t.set_value(&text);
            }
        })
    };
    html! {
        <div class="panel" id="text-panel">
            <label for="toml">{ "Topology (TOML) — edits here and in the forms stay in sync" }</label>
            <textarea id="toml" key={props.revision.to_string()} ref={area} spellcheck="false" rows="30" value={props.text.clone()} />
            <div class="row">
                <button type="button" id="apply-text" onclick={apply}>{ "Apply" }</button>
                <button type="button" onclick={revert}>{ "Revert" }</button>
            </div>
            if let Some(r) = &props.rejected {
                <div class="field-error" role="alert">
                    { format!("Not applied ({}):", r.name) }
                    <ul>{ for r.diagnostics.iter().map(|d| html! { <li>{ format!("{}{}", d.location.as_ref().map(|l| format!("line {}:{}: ", l.line, l.column)).unwrap_or_default(), d.message) }</li> }) }</ul>
                </div>
            }
        </div>
    }
}
