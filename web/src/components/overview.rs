//! The overview of a large site (see `hostplan::export::overview`): one tile per host with its
//! VM count, worst simulated state and finding counts, tiles for services, consumers, networks
//! and power feeds. It opens 1:1 (labels as large as everywhere else in the page), scrolls with
//! the wheel, and draws only the tiles in view; zoomed out below a legible size the tiles lose
//! their text but keep their state. Selecting a tile draws its links to other tiles and lists
//! them in words; "Open" draws the tile's part of the graph in detail.

use crate::components::graph_view::{clip, use_pan_zoom, Legible, View};
use crate::components::simulate::state_icon;
use crate::layout::{OverviewLayout, TILE_H, TILE_W};
use hostplan::export::overview::{Overview, SeverityCounts};
use hostplan::graph::State;
use hostplan::sim::failure::state_word;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`OverviewView`].
#[derive(Properties)]
pub struct OverviewProps {
    /// The tiles and their links.
    pub overview: Rc<Overview>,
    /// Each tile's line under its id, for the current model (`Overview::details`: the
    /// overview is kept across edits that change only what these lines show).
    pub details: Rc<Vec<String>>,
    /// Where they are drawn.
    pub layout: Rc<OverviewLayout>,
    /// Worst simulated state per tile.
    pub states: Rc<Vec<State>>,
    /// Findings and diagnostics per tile, by severity (info, warning, error).
    pub counts: Rc<Vec<SeverityCounts>>,
    /// Simulated failures.
    pub failed: Rc<Vec<String>>,
    /// Selected id (a tile's, or a member's).
    pub selected: Option<String>,
    /// Select a tile (or `None` on the background).
    pub on_select: Callback<Option<String>>,
    /// Draw a tile's part in detail.
    pub on_focus: Callback<String>,
    /// Search text: tiles holding a matching id are highlighted.
    pub search: String,
    /// The canvas' size on screen.
    pub legible: Legible,
}

// The overview and its layout by pointer: each is built once per model revision (a memo),
// and comparing a thousand hosts' tiles by value on every render of the app cost ~15 ms.
impl PartialEq for OverviewProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.overview, &other.overview)
            && Rc::ptr_eq(&self.details, &other.details)
            && Rc::ptr_eq(&self.layout, &other.layout)
            && self.states == other.states
            && self.counts == other.counts
            && self.failed == other.failed
            && self.selected == other.selected
            && self.on_select == other.on_select
            && self.on_focus == other.on_focus
            && self.search == other.search
            && self.legible == other.legible
    }
}

/// `⛔ 2  ⚠ 3  ℹ 1`, leaving out zeros.
fn badges(c: SeverityCounts) -> String {
    let [info, warn, err] = c;
    let mut parts = Vec::new();
    if err > 0 {
        parts.push(format!("⛔ {err}"));
    }
    if warn > 0 {
        parts.push(format!("⚠ {warn}"));
    }
    if info > 0 {
        parts.push(format!("ℹ {info}"));
    }
    parts.join("  ")
}

/// The overview.
#[component]
pub fn OverviewView(props: &OverviewProps) -> Html {
    let (ov, l) = (&props.overview, &props.layout);
    let leg = &props.legible;
    let full = View {
        x: 0.0,
        y: 0.0,
        w: l.width.max(1.0),
        h: l.height.max(1.0),
    };
    let start = leg.start(full, 0.0, 0.0);
    // "Fit" returns to the legible width: the whole overview of a large site is illegible.
    let pz = use_pan_zoom(start, start, true);
    let v = pz.view;
    let text = leg.shows_text(v);
    let selected_tile = props.selected.as_deref().and_then(|s| ov.tile_of(s));
    // A tile selected elsewhere (search, the inspector, a diagnostic) scrolls into view.
    {
        let (set, layout) = (pz.set.clone(), l.clone());
        use_effect_with(selected_tile, move |&sel| {
            let Some(t) = sel.and_then(|i| layout.tiles.iter().find(|t| t.index == i)) else {
                return;
            };
            if t.y < v.y || t.y + TILE_H > v.y + v.h || t.x < v.x || t.x + TILE_W > v.x + v.w {
                set.emit(View {
                    x: (t.x + TILE_W / 2.0 - v.w / 2.0).clamp(0.0, (layout.width - v.w).max(0.0)),
                    y: (t.y - 40.0).max(0.0),
                    ..v
                });
            }
        });
    }
    let q = props.search.trim().to_lowercase();
    let matches = |i: usize| {
        !q.is_empty()
            && ov.tiles[i]
                .members
                .iter()
                .any(|m| m.to_lowercase().contains(&q))
    };
    // Only what is in view (and a margin) is drawn: a thousand hosts cost what forty do.
    let margin = TILE_H;
    let visible = |x: f64, y: f64| {
        x + TILE_W >= v.x - margin
            && x <= v.x + v.w + margin
            && y + TILE_H >= v.y - margin
            && y <= v.y + v.h + margin
    };
    let at: Vec<(f64, f64)> = {
        let mut at = vec![(0.0, 0.0); ov.tiles.len()];
        for t in &l.tiles {
            at[t.index] = (t.x, t.y);
        }
        at
    };
    let centre = |i: usize| (at[i].0 + TILE_W / 2.0, at[i].1 + TILE_H / 2.0);
    let links = selected_tile.map(|s| {
        ov.links_of(s)
            .map(|k| {
                let other = if k.from == s { k.to } else { k.from };
                let ((x1, y1), (x2, y2)) = (centre(s), centre(other));
                html! {
                    <path class="edge related tile-link" d={format!("M{x1:.1},{y1:.1} L{x2:.1},{y2:.1}")}
                        data-from={ov.tiles[k.from].id.clone()} data-to={ov.tiles[k.to].id.clone()}>
                        <title>{ &k.label }</title>
                    </path>
                }
            })
            .collect::<Html>()
    });
    let on_bg = props.on_select.reform(|_: MouseEvent| None);
    let tiles = l.tiles.iter().filter(|t| visible(t.x, t.y)).map(|t| {
        tile(
            props,
            t.index,
            t.x,
            t.y,
            text,
            selected_tile == Some(t.index),
            matches(t.index),
        )
    });
    let bands = l
        .bands
        .iter()
        .filter(|b| text && b.y + 10.0 >= v.y && b.y - 30.0 <= v.y + v.h)
        .map(|b| {
            html! { <text class="band-title" x="16" y={b.y.to_string()}>{ &b.label }</text> }
        });
    let list = selected_tile.map(|s| {
        let items: Vec<Html> = ov
            .links_of(s)
            .map(|k| {
                let other = ov.tiles[if k.from == s { k.to } else { k.from }].id.clone();
                let select = props.on_select.reform(move |_: MouseEvent| Some(other.clone()));
                html! { <li><button type="button" class="link" onclick={select}>{ &k.label }</button></li> }
            })
            .collect();
        let name = ov.tiles[s].id.clone();
        let open = {
            let name = name.clone();
            props.on_focus.reform(move |_: MouseEvent| name.clone())
        };
        html! {
            <div class="tile-links" id="tile-links">
                <strong>{ format!("{name}: {} link(s) to other tiles", items.len()) }</strong>
                <button type="button" id="open-tile" onclick={open}>{ format!("Open {name} ▸") }</button>
                <ul>{ for items }</ul>
            </div>
        }
    });
    html! {
        <>
        <div class="graph-wrap">
            <div class="graph-tools" role="toolbar" aria-label="Overview">
                <button type="button" onclick={pz.zoom_in} aria-label="Zoom in" title="Zoom in">{ "+" }</button>
                <button type="button" onclick={pz.zoom_out} aria-label="Zoom out" title="Zoom out (labels hide below a legible size)">{ "−" }</button>
                <button type="button" id="fit" onclick={pz.fit} title="Back to the legible width">{ "Fit" }</button>
            </div>
            <svg id="graph" class={classes!("graph", "overview", (!text).then_some("far"))} ref={pz.svg_ref}
                 viewBox={format!("{:.1} {:.1} {:.1} {:.1}", v.x, v.y, v.w, v.h)}
                 role="group" aria-label="Site overview: hosts, services and consumers as tiles (Enter selects, Open draws one in detail)"
                 onclick={on_bg} onwheel={pz.on_wheel} onpointerdown={pz.on_down} onpointermove={pz.on_move}
                 onpointerup={pz.on_up.clone()} onpointerleave={pz.on_up}>
                <defs>
                    <pattern id="down-hatch" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">
                        <rect width="8" height="8" class="down-bg" />
                        <line x1="0" y1="0" x2="0" y2="8" class="down-line" />
                    </pattern>
                </defs>
                { for bands }
                <g class="edges">{ links.unwrap_or_default() }</g>
                { for tiles }
            </svg>
        </div>
        { list.unwrap_or_default() }
        </>
    }
}

/// One tile: id, what it holds, state and finding badges, and an "Open" button.
fn tile(
    props: &OverviewProps,
    i: usize,
    x: f64,
    y: f64,
    text: bool,
    selected: bool,
    matched: bool,
) -> Html {
    let t = &props.overview.tiles[i];
    let detail = props.details.get(i).unwrap_or(&t.detail);
    let state = props.states.get(i).copied().unwrap_or(State::Up);
    let failed = props.failed.contains(&t.id);
    let counts = props.counts.get(i).copied().unwrap_or_default();
    let class = classes!(
        "tile",
        t.kind.as_str(),
        (state != State::Up).then(|| state_word(state)),
        failed.then_some("failed"),
        selected.then_some("selected"),
        matched.then_some("match"),
        (counts[2] > 0).then_some("flagged"),
    );
    let select = {
        let id = t.id.clone();
        let cb = props.on_select.clone();
        let focus = props.on_focus.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            // A double click opens the tile, as on a collapsed host.
            if e.detail() >= 2 {
                focus.emit(id.clone());
            } else {
                cb.emit(Some(id.clone()));
            }
        })
    };
    let key = {
        let id = t.id.clone();
        let cb = props.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                cb.emit(Some(id.clone()));
            }
        })
    };
    let open = {
        let id = t.id.clone();
        let focus = props.on_focus.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            focus.emit(id.clone());
        })
    };
    let state_text = if failed {
        "✖ failed".to_owned()
    } else if state == State::Up {
        String::new()
    } else {
        format!("{} {}", state_icon(state), state_word(state))
    };
    let badge = badges(counts);
    let label = format!(
        "{} {}: {}{}{}",
        t.kind.as_str(),
        t.id,
        detail,
        if state_text.is_empty() {
            String::new()
        } else {
            format!(", {state_text}")
        },
        if badge.is_empty() {
            String::new()
        } else {
            format!(", findings {badge}")
        }
    );
    html! {
        <g class={class} data-id={t.id.clone()} data-kind={t.kind.as_str()} data-state={if failed { "failed" } else { state_word(state) }}
           transform={format!("translate({x:.1},{y:.1})")} tabindex="0" role="button" aria-label={label.clone()}
           onclick={select} onkeydown={key}>
            <rect class="tile-bg" width={TILE_W.to_string()} height={TILE_H.to_string()} rx="8" />
            if text {
                <text class="tile-label" x="10" y="21">{ clip(&t.id, 20) }</text>
                <text class="tile-detail" x="10" y="40">{ clip(detail, 28) }</text>
                <text class="tile-state" x="10" y="60">{ &state_text }</text>
                <text class="tile-badges" x={(TILE_W - 10.0).to_string()} y="60" text-anchor="end">{ badge }</text>
                <g class="tile-open" onclick={open} role="button" aria-label={format!("open {}", t.id)}>
                    <rect x={(TILE_W - 58.0).to_string()} y="6" width="50" height="22" rx="4" />
                    <text x={(TILE_W - 33.0).to_string()} y="22" text-anchor="middle">{ "Open" }</text>
                </g>
            }
            <title>{ label }</title>
        </g>
    }
}
