//! The topology as an SVG graph: hosts as containers, passthrough links dashed and red as in
//! the seed's diagram, dependencies as arrows. Pan (drag), zoom (wheel or buttons), fit;
//! a selection highlights what it depends on and what depends on it; simulated states recolour
//! the boxes and add an icon, so state never relies on colour alone. Names are rendered as text
//! nodes, never markup.

use crate::components::simulate::state_icon;
use crate::layout::{Arrow, BoxKind, Bracket, HostFrame, Layout, NodeBox, BOX_H, BOX_W};
use hostplan::graph::State;
use hostplan::sim::failure::state_word;
use std::collections::{BTreeMap, BTreeSet};
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
    /// Simulated state of each affected box.
    pub states: Rc<BTreeMap<String, State>>,
    /// Simulated failures (drawn as failed, not merely down).
    pub failed: Rc<Vec<String>>,
    /// What the selection depends on, and what depends on it.
    pub related: Rc<(BTreeSet<String>, BTreeSet<String>)>,
    /// Search text: matching ids are highlighted.
    pub search: String,
    /// Cause chain of each affected box (shown on hover).
    pub chains: Rc<BTreeMap<String, String>>,
    /// Collapse or expand a host.
    pub on_toggle_collapse: Callback<String>,
    /// A large site's focused part: open at a legible zoom (on `anchor`'s frame or box) rather
    /// than fitting everything, and leave labels out when zoomed out below a legible size.
    #[prop_or_default]
    pub legible: Option<Legible>,
}

/// The smallest text a large site's drawing shows on screen, in pixels.
pub const LEGIBLE_PX: f64 = 11.0;

/// How a large site's drawing keeps its labels legible: the canvas' size in pixels and what
/// to open on.
#[derive(Clone, PartialEq)]
pub struct Legible {
    /// The drawing's width on screen.
    pub px_width: f64,
    /// The height it may take on screen.
    pub px_height: f64,
    /// The id to open on (a host frame or a box).
    pub anchor: Option<String>,
    /// The smallest font size in the drawing, in SVG units.
    pub min_font: f64,
}

impl Legible {
    /// The window to open on: the whole `full` drawing when its labels are legible that way,
    /// else a 1:1 window at (`x`, `y`).
    pub(crate) fn start(&self, full: View, x: f64, y: f64) -> View {
        let fit = (self.px_width / full.w).min(self.px_height / full.h);
        // With a margin: the frame's size on screen is measured to within a few pixels.
        if fit * self.min_font >= LEGIBLE_PX * 1.03 {
            return full;
        }
        // 1:1, or larger when the smallest text is under the legible size at 1:1.
        let scale = (LEGIBLE_PX * 1.03 / self.min_font).max(1.0);
        let w = self.px_width.max(100.0) / scale;
        let h = (self.px_height.max(100.0) / scale).min(full.h);
        View {
            x: x.clamp(0.0, (full.w - w).max(0.0)),
            y: y.clamp(0.0, (full.h - h).max(0.0)),
            w,
            h,
        }
    }

    /// Whether text drawn at `view` (`v.w` units across the drawing's width) is legible.
    pub(crate) fn shows_text(&self, v: View) -> bool {
        self.px_width / v.w * self.min_font >= LEGIBLE_PX - 1e-6
    }
}

/// The visible window onto the drawing, in drawing units.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) struct View {
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
}

impl View {
    /// The window `factor` times as large around the same centre (< 1 zooms in).
    fn scaled(self, factor: f64) -> Self {
        let (w, h) = (self.w * factor, self.h * factor);
        Self {
            x: self.x + (self.w - w) / 2.0,
            y: self.y + (self.h - h) / 2.0,
            w,
            h,
        }
    }
}

/// The pan and zoom of the drawing: the visible window and the handlers that move it.
pub(crate) struct PanZoom {
    pub(crate) view: View,
    pub(crate) svg_ref: NodeRef,
    pub(crate) zoom_in: Callback<MouseEvent>,
    pub(crate) zoom_out: Callback<MouseEvent>,
    pub(crate) fit: Callback<MouseEvent>,
    pub(crate) on_wheel: Callback<WheelEvent>,
    pub(crate) on_down: Callback<PointerEvent>,
    pub(crate) on_move: Callback<PointerEvent>,
    pub(crate) on_up: Callback<PointerEvent>,
    /// Move the window (to bring something into view).
    pub(crate) set: Callback<View>,
}

/// Pan (drag), zoom (wheel or buttons) and fit (to `full`, the window "Fit" returns to) over
/// a drawing. `scroll`: the wheel scrolls up and down (Ctrl+wheel zooms), for the overview's
/// long list of tiles.
#[hook]
pub(crate) fn use_pan_zoom(full: View, scroll: bool) -> PanZoom {
    let view = use_state(|| full);
    // A new layout (edit, collapse, focus) refits when the drawing or its window changed.
    {
        let view = view.clone();
        let key = [full.x, full.y, full.w, full.h].map(|v| v as i64);
        use_effect_with(key, move |_| {
            view.set(full);
        });
    }
    // Where a drag started: pointer position, window, and the drawing's width on screen.
    let drag = use_mut_ref(|| None::<(f64, f64, View, f64)>);
    let svg_ref = use_node_ref();
    let zoom = |factor: f64| {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(view.scaled(factor)))
    };
    let fit = {
        let view = view.clone();
        Callback::from(move |_: MouseEvent| view.set(full))
    };
    let on_wheel = {
        let view = view.clone();
        Callback::from(move |e: WheelEvent| {
            e.prevent_default();
            if scroll && !e.ctrl_key() && !e.meta_key() {
                let dy = e.delta_y().clamp(-view.h / 2.0, view.h / 2.0);
                view.set(View {
                    y: (view.y + dy).max(-view.h / 2.0),
                    ..*view
                });
                return;
            }
            let f = if e.delta_y() > 0.0 { 1.15 } else { 1.0 / 1.15 };
            view.set(view.scaled(f));
        })
    };
    let on_down = {
        let (drag, view, svg_ref) = (drag.clone(), view.clone(), svg_ref.clone());
        Callback::from(move |e: PointerEvent| {
            let width = svg_ref
                .cast::<web_sys::Element>()
                .map_or(1.0, |el| el.get_bounding_client_rect().width().max(1.0));
            *drag.borrow_mut() = Some((
                f64::from(e.client_x()),
                f64::from(e.client_y()),
                *view,
                width,
            ));
        })
    };
    let on_move = {
        let (drag, view) = (drag.clone(), view.clone());
        Callback::from(move |e: PointerEvent| {
            let Some((x0, y0, start, width)) = *drag.borrow() else {
                return;
            };
            let scale = start.w / width;
            let (dx, dy) = (f64::from(e.client_x()) - x0, f64::from(e.client_y()) - y0);
            if dx.abs() + dy.abs() > 3.0 {
                view.set(View {
                    x: start.x - dx * scale,
                    y: start.y - dy * scale,
                    ..start
                });
            }
        })
    };
    let on_up = Callback::from(move |_: PointerEvent| *drag.borrow_mut() = None);
    let set = {
        let view = view.clone();
        Callback::from(move |v: View| view.set(v))
    };
    PanZoom {
        set,
        view: *view,
        svg_ref,
        zoom_in: zoom(1.0 / 1.25),
        zoom_out: zoom(1.25),
        fit,
        on_wheel,
        on_down,
        on_move,
        on_up,
    }
}

/// SVG drawing of the graph.
#[component]
pub fn GraphView(props: &GraphViewProps) -> Html {
    let l = &props.layout;
    let full = View {
        x: 0.0,
        y: 0.0,
        w: l.width.max(1.0),
        h: l.height.max(1.0),
    };
    let start = props.legible.as_ref().map_or(full, |leg| {
        let at = leg.anchor.as_deref().and_then(|a| {
            l.hosts
                .iter()
                .find(|h| h.id == a)
                .map(|h| (h.x, h.y))
                // A box: with some of its neighbours to its left.
                .or_else(|| {
                    l.boxes
                        .iter()
                        .find(|b| b.id == a)
                        .map(|b| (b.x - 2.0 * BOX_W, b.y - 60.0))
                })
        });
        let (x, y) = at.unwrap_or((0.0, 0.0));
        leg.start(full, x - 16.0, y - 16.0)
    });
    let pz = use_pan_zoom(start, false);
    let v = pz.view;
    let far = props.legible.as_ref().is_some_and(|leg| !leg.shows_text(v));
    let on_bg = props.on_select.reform(|_: MouseEvent| None);
    let search = props.search.trim().to_lowercase();
    let matches = |id: &str| !search.is_empty() && id.to_lowercase().contains(&search);
    html! {
        <div class="graph-wrap">
            <div class="graph-tools" role="toolbar" aria-label="Graph view">
                <button type="button" onclick={pz.zoom_in} aria-label="Zoom in" title="Zoom in">{ "+" }</button>
                <button type="button" onclick={pz.zoom_out} aria-label="Zoom out" title="Zoom out">{ "−" }</button>
                <button type="button" id="fit" onclick={pz.fit} title="Fit the whole graph">{ "Fit" }</button>
            </div>
            <svg id="graph" class={classes!("graph", far.then_some("far"))} ref={pz.svg_ref} viewBox={format!("{:.1} {:.1} {:.1} {:.1}", v.x, v.y, v.w, v.h)}
                 role="group" aria-label="Topology graph: components are buttons (Enter selects)" onclick={on_bg} onwheel={pz.on_wheel}
                 onpointerdown={pz.on_down} onpointermove={pz.on_move} onpointerup={pz.on_up.clone()} onpointerleave={pz.on_up}>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
                    </marker>
                    <marker id="arrow-pt" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrowhead-pt" />
                    </marker>
                    <pattern id="down-hatch" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">
                        <rect width="8" height="8" class="down-bg" />
                        <line x1="0" y1="0" x2="0" y2="8" class="down-line" />
                    </pattern>
                </defs>
                { for l.hosts.iter().map(|h| host_frame(props, h, matches(&h.id))) }
                <g class="edges">{ for l.arrows.iter().map(|a| arrow(props, a)) }</g>
                { for l.brackets.iter().map(bracket) }
                { for l.boxes.iter().map(|b| node_box(props, b, matches(&b.id))) }
            </svg>
        </div>
    }
}

/// Enter or Space on an SVG element acting as a button.
fn on_activate_key(cb: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            cb.emit(());
        }
    })
}

/// A host's frame: its title selects it, its ± button collapses it to one box.
fn host_frame(props: &GraphViewProps, h: &HostFrame, matched: bool) -> Html {
    // Clicks stop here: a click on the background clears the selection.
    let click = |cb: Callback<()>| {
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            cb.emit(());
        })
    };
    let do_select = {
        let id = h.id.clone();
        props.on_select.reform(move |()| Some(id.clone()))
    };
    let do_toggle = {
        let id = h.id.clone();
        props.on_toggle_collapse.reform(move |()| id.clone())
    };
    let (select, select_key) = (click(do_select.clone()), on_activate_key(do_select));
    let (toggle, toggle_key) = (click(do_toggle.clone()), on_activate_key(do_toggle));
    let state = props.states.get(&h.id).copied();
    let failed = props.failed.contains(&h.id);
    let selected = props.selected.as_deref() == Some(h.id.as_str());
    let class = classes!(
        "host",
        state.map(state_word),
        failed.then_some("failed"),
        selected.then_some("selected"),
        matched.then_some("match"),
    );
    html! {
        <g class={class} data-id={h.id.clone()}>
            <rect x={h.x.to_string()} y={h.y.to_string()} width={h.w.to_string()} height={h.h.to_string()} rx="10" />
            <g class="host-handle" onclick={select} onkeydown={select_key} tabindex="0" role="button" aria-label={format!("host {}", h.id)}>
                <rect class="host-title-hit" x={h.x.to_string()} y={h.y.to_string()} width={h.w.min(260.0).to_string()} height="40" />
                <text class="host-title" x={(h.x + 12.0).to_string()} y={(h.y + 20.0).to_string()}>
                    { if failed { "✖ " } else { "" } }{ &h.id }
                </text>
                <text class="host-detail" x={(h.x + 12.0).to_string()} y={(h.y + 36.0).to_string()}>{ &h.detail }</text>
            </g>
            <g class="collapse-toggle" onclick={toggle} onkeydown={toggle_key} role="button" tabindex="0" aria-label={format!("collapse or expand {}", h.id)}>
                <rect x={(h.x + h.w - 26.0).to_string()} y={(h.y + 6.0).to_string()} width="20" height="20" rx="4" />
                <text x={(h.x + h.w - 20.0).to_string()} y={(h.y + 21.0).to_string()}>{ "±" }</text>
            </g>
        </g>
    }
}

/// A dependency arrow, highlighted when it lies on the selection's dependency chains.
fn arrow(props: &GraphViewProps, a: &Arrow) -> Html {
    let (needs, needed_by) = &*props.related;
    let selected = |id: &str| props.selected.as_deref() == Some(id);
    let related = selected(&a.from)
        || selected(&a.to)
        || (needed_by.contains(&a.from) && (needed_by.contains(&a.to) || selected(&a.to)))
        || (needs.contains(&a.to) && (needs.contains(&a.from) || selected(&a.from)));
    let down = props.states.get(&a.to).is_some_and(|s| *s == State::Down);
    let class = classes!(
        "edge",
        a.passthrough().then_some("passthrough"),
        related.then_some("related"),
        down.then_some("broken")
    );
    let marker = if a.passthrough() {
        "url(#arrow-pt)"
    } else {
        "url(#arrow)"
    };
    html! {
        <path class={class} d={a.path.clone()} marker-end={marker} data-from={a.from.clone()} data-to={a.to.clone()}>
            <title>{ format!("{} requires {}{}", a.from, a.to, if a.passthrough() { " (PCIe passthrough)" } else { "" }) }</title>
        </path>
    }
}

/// The bracket grouping a vdev's disks.
fn bracket(br: &Bracket) -> Html {
    let path = format!(
        "M{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1} L{:.1},{:.1}",
        br.x1,
        br.y + 6.0,
        br.x1,
        br.y,
        br.x2,
        br.y,
        br.x2,
        br.y + 6.0
    );
    html! {
        <g class="vdev" data-id={br.id.clone()} data-pool={br.pool.clone()}>
            <path d={path} />
            <text x={(br.x1 + 4.0).to_string()} y={(br.y - 4.0).to_string()}>{ &br.label }</text>
        </g>
    }
}

/// A component's box: its state as a class, an icon and words (never colour alone).
fn node_box(props: &GraphViewProps, b: &NodeBox, matched: bool) -> Html {
    let (needs, needed_by) = &*props.related;
    let flagged = props.flagged.contains(&b.id);
    let selected = props.selected.as_deref() == Some(b.id.as_str());
    let state = props.states.get(&b.id).copied();
    let failed = props.failed.contains(&b.id);
    let rel = if needs.contains(&b.id) {
        Some("needed")
    } else if needed_by.contains(&b.id) {
        Some("dependent")
    } else {
        None
    };
    let class = classes!(
        "node",
        b.kind.class(),
        flagged.then_some("flagged"),
        selected.then_some("selected"),
        state.map(state_word),
        failed.then_some("failed"),
        rel,
        matched.then_some("match"),
    );
    let onclick = {
        let cb = props.on_select.clone();
        let toggle = props.on_toggle_collapse.clone();
        let id = b.id.clone();
        let host_box = b.kind == BoxKind::Host;
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            // A double click on a collapsed host expands it.
            if host_box && e.detail() >= 2 {
                toggle.emit(id.clone());
            } else {
                cb.emit(Some(id.clone()));
            }
        })
    };
    let onkeydown = {
        let id = b.id.clone();
        on_activate_key(props.on_select.reform(move |()| Some(id.clone())))
    };
    let icon = if failed {
        Some("✖")
    } else {
        state.map(state_icon)
    };
    let state_text = if failed {
        " — failed".to_owned()
    } else {
        state
            .map(|s| format!(" — {}", state_word(s)))
            .unwrap_or_default()
    };
    html! {
        <g class={class} data-id={b.id.clone()} data-state={state.map_or("up", state_word)} transform={format!("translate({:.1},{:.1})", b.x, b.y)}
           tabindex="0" role="button" aria-label={format!("{} {}{state_text}", b.kind.class(), b.id)} {onclick} {onkeydown}>
            <rect width={BOX_W.to_string()} height={BOX_H.to_string()} rx="6" />
            <text class="label" x="8" y="17">{ clip(&b.id, 17) }</text>
            <text class="detail" x="8" y="33">{ clip(&b.detail, 22) }</text>
            if flagged { <text class="flag" x={(BOX_W - 16.0).to_string()} y="17">{ "⚠" }</text> }
            if let Some(i) = icon { <text class="state-icon" x={(BOX_W - 16.0).to_string()} y="35">{ i }</text> }
            <title>{ format!("{}\n{}{state_text}{}", b.id, b.detail, props.chains.get(&b.id).map(|c| format!("\n{c}")).unwrap_or_default()) }</title>
        </g>
    }
}

/// Shorten long names for the box; the full name is in the tooltip and the inspector.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}
