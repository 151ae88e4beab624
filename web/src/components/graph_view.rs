//! The topology as an SVG graph: hosts as containers, passthrough links dashed and red as in
//! the seed's diagram, dependencies as arrows. Pan (drag), zoom (wheel or buttons), fit;
//! a selection highlights what it depends on and what depends on it; simulated states recolour
//! the boxes and add an icon, so state never relies on colour alone. Names are rendered as text
//! nodes, never markup.

use crate::components::badges;
use crate::components::simulate::state_icon;
use crate::layout::{Arrow, ArrowKind, BoxKind, Bracket, HostFrame, Layout, NodeBox, BOX_H, BOX_W};
use hostplan::graph::State;
use hostplan::sim::failure::state_word;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use wasm_bindgen::JsCast;
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
    /// Ids the before/after comparison marks as changed (added, edited, new SPOFs).
    #[prop_or_default]
    pub changed: Rc<BTreeSet<String>>,
    /// Diagnostics and open findings per entity: a badge on its box or host.
    #[prop_or_default]
    pub marks: Rc<crate::components::badges::Marks>,
    /// A badge was clicked (the entity's id).
    #[prop_or_default]
    pub on_badge: Callback<String>,
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
    /// The whole `full` drawing in the canvas, fitted in both directions (centred along the
    /// direction with room to spare).
    pub(crate) fn whole(&self, full: View) -> View {
        let (pw, ph) = (self.px_width.max(100.0), self.px_height.max(100.0));
        let (w, h) = if full.w / full.h >= pw / ph {
            (full.w, full.w * ph / pw)
        } else {
            (full.h * pw / ph, full.h)
        };
        View {
            x: full.x - (w - full.w) / 2.0,
            y: full.y - (h - full.h) / 2.0,
            w,
            h,
        }
    }

    /// The scale at which the smallest text is just legible (with a margin: the frame's size
    /// on screen is measured to within a few pixels).
    fn legible_scale(&self) -> f64 {
        LEGIBLE_PX * 1.03 / self.min_font
    }

    /// The window to open on: the whole `full` drawing when its labels are legible that way,
    /// else the whole width when that is legible and at most 2.5 windows tall (the page
    /// scrolls down the rest), else a window at the legible scale at (`x`, `y`).
    pub(crate) fn start(&self, full: View, x: f64, y: f64) -> View {
        let whole = self.whole(full);
        if self.px_width / whole.w >= self.legible_scale() {
            return whole;
        }
        // The page scrolls a drawing a few windows tall; a taller one (a large site's
        // overview) opens as a window the wheel scrolls.
        let width_scale = self.px_width / full.w;
        if self.anchor.is_none()
            && width_scale >= self.legible_scale()
            && full.h * width_scale <= 2.5 * self.px_height.max(100.0)
        {
            return full;
        }
        // 1:1, or larger when the smallest text is under the legible size at 1:1.
        let scale = self.legible_scale().max(1.0);
        let w = self.px_width.max(100.0) / scale;
        let h = (self.px_height.max(100.0) / scale).min(full.h);
        View {
            x: x.clamp(0.0, (full.w - w).max(0.0)),
            y: y.clamp(0.0, (full.h - h).max(0.0)),
            w,
            h,
        }
    }

    /// A window at least legible, as wide as `v` when that is legible, centred on `r`.
    pub(crate) fn around(&self, v: View, r: (f64, f64, f64, f64)) -> View {
        let w = v.w.min(self.px_width.max(100.0) / self.legible_scale());
        let h = v.h * w / v.w;
        View {
            x: r.0 + r.2 / 2.0 - w / 2.0,
            y: r.1 + r.3 / 2.0 - h / 2.0,
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

/// Pan (drag), zoom (wheel or buttons) and fit over a drawing: it opens on `full` and "Fit"
/// shows `whole`. `scroll`: the wheel scrolls up and down (Ctrl+wheel zooms), for the
/// overview's long list of tiles.
#[hook]
pub(crate) fn use_pan_zoom(full: View, whole: View, scroll: bool) -> PanZoom {
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
        Callback::from(move |_: MouseEvent| view.set(whole))
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

/// A stop of the graph's keyboard order: a host's title, its collapse button, or a box.
#[derive(Clone, PartialEq)]
struct Stop {
    /// `h:<host>`, `t:<host>` or `b:<box>` (a collapsed host's box shares its host's id).
    key: String,
    x: f64,
    y: f64,
}

/// The graph's tab stops in reading order (rows top to bottom, left to right).
fn stops(l: &Layout) -> Vec<Stop> {
    let mut out: Vec<Stop> = Vec::with_capacity(l.boxes.len() + 2 * l.hosts.len());
    for h in &l.hosts {
        out.push(Stop {
            key: format!("h:{}", h.id),
            x: h.x,
            y: h.y,
        });
        out.push(Stop {
            key: format!("t:{}", h.id),
            x: h.x + h.w - 26.0,
            y: h.y,
        });
    }
    out.extend(l.boxes.iter().map(|b| Stop {
        key: format!("b:{}", b.id),
        x: b.x,
        y: b.y,
    }));
    hostplan::sort::sort_by(&mut out, |a, b| {
        a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x))
    });
    out
}

/// Where an arrow key moves from `from`: left and right along the reading order, up and down
/// to the nearest stop in the nearest row above or below.
fn next_stop<'a>(stops: &'a [Stop], from: &str, key: &str) -> Option<&'a Stop> {
    let i = stops.iter().position(|s| s.key == from)?;
    let here = &stops[i];
    match key {
        "ArrowRight" => stops.get(i + 1),
        "ArrowLeft" => i.checked_sub(1).and_then(|j| stops.get(j)),
        "Home" => stops.first(),
        "End" => stops.last(),
        "ArrowDown" | "ArrowUp" => {
            let down = key == "ArrowDown";
            let row = stops
                .iter()
                .filter(|s| {
                    if down {
                        s.y > here.y + 1.0
                    } else {
                        s.y < here.y - 1.0
                    }
                })
                .map(|s| s.y)
                .reduce(|a, b| if down { a.min(b) } else { a.max(b) })?;
            stops
                .iter()
                .filter(|s| (s.y - row).abs() < 1.0)
                .min_by(|a, b| (a.x - here.x).abs().total_cmp(&(b.x - here.x).abs()))
        }
        _ => None,
    }
}

/// Focus the graph element whose `data-key` is `key`.
fn focus_key(key: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(all) = doc.query_selector_all("#graph [data-key]") else {
        return;
    };
    for i in 0..all.length() {
        let Some(el) = all
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::SvgElement>().ok())
        else {
            continue;
        };
        if el.get_attribute("data-key").as_deref() == Some(key) {
            let _ = el.focus();
            return;
        }
    }
}

/// The rectangle of a box or host frame, to zoom to.
fn rect_of(l: &Layout, id: &str) -> Option<(f64, f64, f64, f64)> {
    l.boxes
        .iter()
        .find(|b| b.id == id)
        .map(|b| (b.x, b.y, BOX_W, BOX_H))
        .or_else(|| {
            l.hosts
                .iter()
                .find(|h| h.id == id)
                .map(|h| (h.x, h.y, h.w.min(400.0), h.h.min(300.0)))
        })
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
    let leg = props.legible.clone().unwrap_or(Legible {
        px_width: 900.0,
        px_height: 600.0,
        anchor: None,
        min_font: LEGIBLE_PX,
    });
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
    let start = leg.start(full, x - 16.0, y - 16.0);
    let pz = use_pan_zoom(start, leg.whole(full), false);
    let v = pz.view;
    // Below the legible size text is left out rather than drawn too small to read.
    let far = !leg.shows_text(v);
    // A selection out of view (search, the inspector, a diagnostic) is brought into view.
    {
        let (set, layout) = (pz.set.clone(), props.layout.clone());
        use_effect_with(props.selected.clone(), move |sel| {
            if let Some(r) = sel.as_deref().and_then(|s| rect_of(&layout, s)) {
                let inside =
                    r.0 >= v.x && r.1 >= v.y && r.0 + r.2 <= v.x + v.w && r.1 + r.3 <= v.y + v.h;
                if !inside {
                    set.emit(View {
                        x: r.0 + r.2 / 2.0 - v.w / 2.0,
                        y: r.1 + r.3 / 2.0 - v.h / 2.0,
                        ..v
                    });
                }
            }
        });
    }
    let zoom_selection = {
        let (set, layout, sel, leg) = (
            pz.set.clone(),
            props.layout.clone(),
            props.selected.clone(),
            leg.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            if let Some(r) = sel.as_deref().and_then(|s| rect_of(&layout, s)) {
                set.emit(leg.around(v, r));
            }
        })
    };
    let export = |png: bool| {
        let (w, h) = (full.w, full.h);
        Callback::from(move |_: MouseEvent| {
            let window = (0.0, 0.0, w, h);
            let done = if png {
                crate::picture::download_png("graph", window, 2.0, "hostplan-graph")
            } else {
                crate::picture::download_svg("graph", window, "hostplan-graph")
            };
            if let Err(e) = done {
                web_sys::console::error_1(&e.to_string().into());
            }
        })
    };
    // The roving tab stop: the last focused stop, else the selection, else the first.
    let active = use_state(|| None::<String>);
    let stops = use_memo(props.layout.clone(), |l| stops(l));
    let tab_stop: Option<String> = {
        let has = |k: &str| stops.iter().any(|s| s.key == k);
        let sel = props.selected.as_ref().map(|s| {
            if l.boxes.iter().any(|b| &b.id == s) {
                format!("b:{s}")
            } else {
                format!("h:{s}")
            }
        });
        (*active)
            .clone()
            .filter(|k| has(k))
            .or(sel.filter(|k| has(k)))
            .or_else(|| stops.first().map(|s| s.key.clone()))
    };
    let on_key = {
        let (stops, active) = (stops.clone(), active.clone());
        Callback::from(move |e: KeyboardEvent| {
            let Some(from) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("[data-key]").ok().flatten())
                .and_then(|el| el.get_attribute("data-key"))
            else {
                return;
            };
            if let Some(next) = next_stop(&stops, &from, &e.key()) {
                e.prevent_default();
                active.set(Some(next.key.clone()));
                focus_key(&next.key);
            }
        })
    };
    let on_focus = {
        let active = active.clone();
        Callback::from(move |e: FocusEvent| {
            let key = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("data-key"));
            if key.is_some() && *active != key {
                active.set(key);
            }
        })
    };
    let ctx = Ctx {
        tab_stop: tab_stop.as_deref(),
    };
    let on_bg = props.on_select.reform(|_: MouseEvent| None);
    let search = props.search.trim().to_lowercase();
    let matches = |id: &str| !search.is_empty() && id.to_lowercase().contains(&search);
    let (plain, over): (Vec<&Arrow>, Vec<&Arrow>) = l.arrows.iter().partition(|a| !a.passthrough());
    html! {
        <div class="graph-wrap">
            <div class="graph-tools" role="toolbar" aria-label="Graph view">
                <button type="button" onclick={pz.zoom_in} aria-label="Zoom in" title="Zoom in">{ "+" }</button>
                <button type="button" onclick={pz.zoom_out} aria-label="Zoom out" title="Zoom out (labels hide below a legible size)">{ "−" }</button>
                <button type="button" id="fit" onclick={pz.fit} title="Fit the whole graph in the window">{ "Fit" }</button>
                <button type="button" id="zoom-selection" onclick={zoom_selection} disabled={props.selected.is_none()} title="Zoom to the selection at a legible size">{ "Zoom to selection" }</button>
                <button type="button" id="export-graph-svg" onclick={export(false)} title="Download the whole graph as SVG">{ "SVG" }</button>
                <button type="button" id="export-graph-png" onclick={export(true)} title="Download the whole graph as PNG">{ "PNG" }</button>
            </div>
            <svg id="graph" class={classes!("graph", far.then_some("far"))} ref={pz.svg_ref} viewBox={format!("{:.1} {:.1} {:.1} {:.1}", v.x, v.y, v.w, v.h)}
                 role="group" aria-label="Topology graph: arrow keys move between components, Enter selects" aria-describedby="graph-legend"
                 onclick={on_bg} onwheel={pz.on_wheel} onkeydown={on_key} onfocusin={on_focus}
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
                // Frames first, then the arrows over them, then the boxes (grouped by host for
                // screen readers), passthrough links on top of everything.
                <g class="frames" aria-hidden="true">{ for l.hosts.iter().map(|h| frame_rect(props, h, matches(&h.id))) }</g>
                <g class="edges" aria-hidden="true">{ for plain.iter().map(|a| arrow(props, a)) }</g>
                { for l.brackets.iter().map(bracket) }
                { for l.hosts.iter().map(|h| host_frame(props, &ctx, h, html! {
                    { for l.boxes.iter().filter(|b| b.host.as_deref() == Some(h.id.as_str())).map(|b| node_box(props, &ctx, b, matches(&b.id))) }
                })) }
                { for l.boxes.iter().filter(|b| b.host.is_none()).map(|b| node_box(props, &ctx, b, matches(&b.id))) }
                // Finding badges in a layer of their own: inside a box their sign would be part
                // of the box's visible text but not of its accessible name.
                <g class="badges" aria-hidden="true">
                    { for l.boxes.iter().filter_map(|b| props.marks.get(&b.id).map(|m| badges::badge(&b.id, m, b.x + BOX_W - badges::BADGE_W + 6.0, b.y - 8.0, &props.on_badge))) }
                    { for l.hosts.iter().filter_map(|h| props.marks.get(&h.id).map(|m| badges::badge(&h.id, m, h.x + h.w - 34.0 - badges::BADGE_W, h.y + 8.0, &props.on_badge))) }
                </g>
                <g class="edges edges-over" aria-hidden="true">{ for over.iter().map(|a| arrow(props, a)) }</g>
            </svg>
        </div>
    }
}

/// What every stop needs to know while drawing.
struct Ctx<'a> {
    /// The key of the one stop in the tab order.
    tab_stop: Option<&'a str>,
}

impl Ctx<'_> {
    fn tabindex(&self, key: &str) -> &'static str {
        if self.tab_stop == Some(key) {
            "0"
        } else {
            "-1"
        }
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

/// A host's frame (drawn under the arrows), its state as a class.
fn frame_rect(props: &GraphViewProps, h: &HostFrame, matched: bool) -> Html {
    let state = props.states.get(&h.id).copied();
    let failed = props.failed.contains(&h.id);
    let selected = props.selected.as_deref() == Some(h.id.as_str());
    let class = classes!(
        "host-frame",
        state.map(state_word),
        failed.then_some("failed"),
        selected.then_some("selected"),
        matched.then_some("match"),
    );
    html! {
        <g class={class}>
            <rect x={h.x.to_string()} y={h.y.to_string()} width={h.w.to_string()} height={h.h.to_string()} rx="10" />
        </g>
    }
}

/// A host's title (selects it), its ± button (collapses it to one box) and its `boxes`, as
/// one group named after the host (screen readers hear the VMs under their host).
fn host_frame(props: &GraphViewProps, ctx: &Ctx<'_>, h: &HostFrame, boxes: Html) -> Html {
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
    let failed = props.failed.contains(&h.id);
    let selected = props.selected.as_deref() == Some(h.id.as_str());
    let state = props.states.get(&h.id).copied();
    let state_text = if failed {
        " — failed".to_owned()
    } else {
        state
            .map(|s| format!(" — {}", state_word(s)))
            .unwrap_or_default()
    };
    let (hk, tk) = (format!("h:{}", h.id), format!("t:{}", h.id));
    html! {
        <g class="host" data-id={h.id.clone()} role="group" aria-label={format!("host {}", h.id)}>
            <g class="host-handle" onclick={select} onkeydown={select_key} tabindex={ctx.tabindex(&hk)} data-key={hk.clone()} role="button"
               aria-pressed={selected.to_string()} aria-label={format!("{} {}, host{state_text}", h.id, h.detail)}>
                <rect class="host-title-hit" x={h.x.to_string()} y={h.y.to_string()} width={h.w.min(260.0).to_string()} height="40" />
                <text class="host-title" x={(h.x + 12.0).to_string()} y={(h.y + 20.0).to_string()}>
                    if failed { <tspan aria-hidden="true">{ "✖ " }</tspan> }{ &h.id }
                </text>
                <text class="host-detail" x={(h.x + 12.0).to_string()} y={(h.y + 36.0).to_string()}>{ format!(" {}", h.detail) }</text>
            </g>
            <g class="collapse-toggle" onclick={toggle} onkeydown={toggle_key} role="button" tabindex={ctx.tabindex(&tk)} data-key={tk.clone()}
               aria-label={format!("collapse or expand {}", h.id)}>
                <rect x={(h.x + h.w - 26.0).to_string()} y={(h.y + 6.0).to_string()} width="20" height="20" rx="4" />
                <text x={(h.x + h.w - 20.0).to_string()} y={(h.y + 21.0).to_string()} aria-hidden="true">{ "±" }</text>
            </g>
            { boxes }
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
    let kind = match a.kind {
        ArrowKind::Requires => None,
        ArrowKind::Passthrough => Some("passthrough"),
        ArrowKind::BridgePort => Some("bridge-port"),
        ArrowKind::Trunk => Some("trunk"),
        ArrowKind::Cable => Some("cable"),
        ArrowKind::Power => Some("power"),
    };
    let class = classes!(
        "edge",
        kind,
        related.then_some("related"),
        down.then_some("broken")
    );
    let marker = if a.passthrough() {
        "url(#arrow-pt)"
    } else {
        "url(#arrow)"
    };
    let what = match a.kind {
        ArrowKind::Requires => "requires",
        ArrowKind::Passthrough => "requires (PCIe passthrough)",
        ArrowKind::BridgePort => "forwards through its port",
        ArrowKind::Trunk => "carries",
        ArrowKind::Cable => "is cabled to",
        ArrowKind::Power => "is powered by",
    };
    // A trunk's VLAN tag sits by its last turn, where the arrow meets the network's row.
    let label = a
        .label
        .as_ref()
        .zip(a.points.len().checked_sub(2).map(|i| a.points[i]));
    html! {
        <>
            <path class={class} d={a.path.clone()} marker-end={marker} data-from={a.from.clone()} data-to={a.to.clone()}>
                <title>{ format!("{} {what} {}{}", a.from, a.to, a.label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default()) }</title>
            </path>
            if let Some((text, (x, y))) = label {
                <text class="edge-label" x={(x + 4.0).to_string()} y={(y - 4.0).to_string()}>{ text }</text>
            }
        </>
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
fn node_box(props: &GraphViewProps, ctx: &Ctx<'_>, b: &NodeBox, matched: bool) -> Html {
    let (needs, needed_by) = &*props.related;
    let flagged = props.flagged.contains(&b.id);
    let selected = props.selected.as_deref() == Some(b.id.as_str());
    let state = props.states.get(&b.id).copied();
    let failed = props.failed.contains(&b.id);
    let changed = props.changed.contains(&b.id);
    let marks = props.marks.get(&b.id);
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
        changed.then_some("changed"),
    );
    let onclick = {
        let cb = props.on_select.clone();
        let toggle = props.on_toggle_collapse.clone();
        let id = b.id.clone();
        let collapsible = matches!(b.kind, BoxKind::Host | BoxKind::Switch | BoxKind::Ups);
        // A bridge, bond or PSU is not an entity of the file: selecting it selects its host.
        let id = if b.kind.selects_host() {
            b.host.clone().unwrap_or(id)
        } else {
            id
        };
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            // A double click on a collapsed host expands it; on a switch or a UPS it collapses
            // or expands it.
            if collapsible && e.detail() >= 2 {
                toggle.emit(id.clone());
            } else {
                cb.emit(Some(id.clone()));
            }
        })
    };
    let onkeydown = {
        let id = match (b.kind, &b.host) {
            (k, Some(h)) if k.selects_host() => h.clone(),
            _ => b.id.clone(),
        };
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
    let key = format!("b:{}", b.id);
    html! {
        <g class={class} data-id={b.id.clone()} data-state={state.map_or("up", state_word)} transform={format!("translate({:.1},{:.1})", b.x, b.y)}
           tabindex={ctx.tabindex(&key)} data-key={key.clone()} role="button" aria-pressed={selected.to_string()}
           aria-label={format!("{} {}, {}{state_text}{}{}", clip(&b.id, 17), clip(&b.detail, 22), b.kind.word(), if flagged { " — has a problem" } else { "" }, if changed { " — changed" } else { "" }) + &badges::spoken(marks)} {onclick} {onkeydown}>
            <rect width={BOX_W.to_string()} height={BOX_H.to_string()} rx="6" />
            <text class="label" x="8" y="17">{ clip(&b.id, 17) }</text>
            // The leading space is collapsed when drawn; it keeps the id and the detail
            // apart in the text a screen reader (and axe) reads off the box.
            <text class="detail" x="8" y="33">{ format!(" {}", clip(&b.detail, 22)) }</text>
            if flagged && marks.is_none() { <text class="flag" x={(BOX_W - 16.0).to_string()} y="17" aria-hidden="true">{ "⚠" }</text> }
            if changed { <text class="changed-mark" x={(BOX_W - 30.0).to_string()} y="17" aria-hidden="true">{ "Δ" }</text> }
            if let Some(i) = icon { <text class="state-icon" x={(BOX_W - 16.0).to_string()} y="35" aria-hidden="true">{ i }</text> }
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
