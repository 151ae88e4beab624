//! The topology as an SVG graph: hosts as containers, passthrough links dashed and red as in
//! the seed's diagram, dependencies as arrows. Names are rendered as text nodes, never markup.

use crate::layout::{Layout, BOX_H, BOX_W};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`GraphView`].
#[derive(Properties, PartialEq)]
pub struct GraphViewProps {
    /// The laid-out topology.
    pub layout: Rc<Layout>,
    /// Ids with an error or warning diagnostic.
    pub flagged: Rc<Vec<String>>,
    /// Selected id.
    pub selected: Option<String>,
    /// Called with the clicked id (or `None` for the background).
    pub on_select: Callback<Option<String>>,
}

/// SVG drawing of the graph.
#[component]
pub fn GraphView(props: &GraphViewProps) -> Html {
    let l = &props.layout;
    let view_box = format!("0 0 {:.0} {:.0}", l.width, l.height);
    let on_bg = {
        let cb = props.on_select.clone();
        Callback::from(move |_: MouseEvent| cb.emit(None))
    };
    let hosts = l.hosts.iter().map(|h| {
        html! {
            <g class="host" data-id={h.id.clone()}>
                <rect x={h.x.to_string()} y={h.y.to_string()} width={h.w.to_string()} height={h.h.to_string()} rx="10" />
                <text class="host-title" x={(h.x + 12.0).to_string()} y={(h.y + 20.0).to_string()}>{ &h.id }</text>
                <text class="host-detail" x={(h.x + 12.0).to_string()} y={(h.y + 36.0).to_string()}>{ &h.detail }</text>
            </g>
        }
    });
    let arrows = l.arrows.iter().map(|a| {
        let related = props.selected.as_deref().is_some_and(|s| s == a.from || s == a.to);
        let class = classes!("edge", a.passthrough.then_some("passthrough"), related.then_some("related"));
        let marker = if a.passthrough { "url(#arrow-pt)" } else { "url(#arrow)" };
        html! {
            <path class={class} d={a.path.clone()} marker-end={marker} data-from={a.from.clone()} data-to={a.to.clone()}>
                <title>{ format!("{} requires {}{}", a.from, a.to, if a.passthrough { " (PCIe passthrough)" } else { "" }) }</title>
            </path>
        }
    });
    let brackets = l.brackets.iter().map(|br| {
        let path = format!("M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1}", br.x1, br.y + 6.0, br.x1, br.y, br.x2, br.y, br.x2, br.y + 6.0);
        html! {
            <g class="vdev" data-id={br.id.clone()} data-pool={br.pool.clone()}>
                <path d={path} />
                <text x={(br.x1 + 4.0).to_string()} y={(br.y - 4.0).to_string()}>{ &br.label }</text>
            </g>
        }
    });
    let boxes = l.boxes.iter().map(|b| {
        let flagged = props.flagged.contains(&b.id);
        let selected = props.selected.as_deref() == Some(b.id.as_str());
        let class = classes!("node", b.kind.class(), flagged.then_some("flagged"), selected.then_some("selected"));
        let onclick = {
            let cb = props.on_select.clone();
            let id = b.id.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                cb.emit(Some(id.clone()));
            })
        };
        let onkeydown = {
            let cb = props.on_select.clone();
            let id = b.id.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    cb.emit(Some(id.clone()));
                }
            })
        };
        html! {
            <g class={class} data-id={b.id.clone()} transform={format!("translate({:.1},{:.1})", b.x, b.y)}
               tabindex="0" role="button" aria-label={format!("{} {}", b.kind.class(), b.id)} {onclick} {onkeydown}>
                <rect width={BOX_W.to_string()} height={BOX_H.to_string()} rx="6" />
                <text class="label" x="8" y="17">{ clip(&b.id, 17) }</text>
                <text class="detail" x="8" y="33">{ clip(&b.detail, 22) }</text>
                if flagged { <text class="flag" x={(BOX_W - 16.0).to_string()} y="17">{ "⚠" }</text> }
                <title>{ format!("{}\n{}", b.id, b.detail) }</title>
            </g>
        }
    });
    html! {
        <svg id="graph" class="graph" viewBox={view_box} width={format!("{:.0}", l.width)} height={format!("{:.0}", l.height)}
             role="img" aria-label="Topology graph" onclick={on_bg}>
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                </marker>
                <marker id="arrow-pt" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M0,0 L10,5 L0,10 z" class="arrowhead-pt" />
                </marker>
            </defs>
            { for hosts }
            <g class="edges">{ for arrows }</g>
            { for brackets }
            { for boxes }
        </svg>
    }
}

/// Shorten long names for the box; the full name is in the tooltip and the inspector.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}
