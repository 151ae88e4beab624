//! The graph canvas: search and collapse tools, the graph, and its legend. Search text,
//! collapsed hosts and the focused tile are this view's own state; the layout is recomputed
//! when the model, the collapsed set or the focus changes.
//!
//! A small topology is drawn whole. A large one (`hostplan::export::overview::wants_overview`)
//! opens as the overview; opening a tile, or selecting something inside one (search, the
//! inspector, a diagnostic), draws that tile's part of the graph in detail, with a way back.

use crate::components::badges::{FindingsPopover, Marks};
use crate::components::graph_view::{GraphView, Legible};
use crate::components::inspector::GraphHandle;
use crate::components::overview::OverviewView;
use crate::layout::{
    layout_with, overview_columns, overview_layout, BoxKind, Layout, OverviewLayout,
};
use hostplan::diag::Severity;
use hostplan::export::overview::{focus, overview, wants_overview, Overview};
use hostplan::graph::State;
use hostplan::model::Topology;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Canvas`].
#[derive(Properties)]
pub struct CanvasProps {
    /// The model.
    pub topology: Rc<Topology>,
    /// Its revision (the layout's memo key).
    pub revision: u64,
    /// Its structure's revision (`State::structure`): the overview is kept while it stays.
    pub structure: u64,
    /// Its dependency graph.
    pub graph: Rc<GraphHandle>,
    /// Ids with a diagnostic.
    pub flagged: Rc<Vec<String>>,
    /// Selected id.
    pub selected: Option<String>,
    /// Select an id (or `None`).
    pub on_select: Callback<Option<String>>,
    /// Simulated state of each affected box.
    pub states: Rc<BTreeMap<String, State>>,
    /// Simulated failures.
    pub failed: Rc<Vec<String>>,
    /// What the selection depends on, and what depends on it.
    pub related: Rc<(BTreeSet<String>, BTreeSet<String>)>,
    /// Cause chain of each affected box.
    pub chains: Rc<BTreeMap<String, String>>,
    /// Open findings and diagnostics: the id each points at and how bad it is (the overview
    /// counts them per tile).
    #[prop_or_default]
    pub findings: Rc<Vec<(String, Severity)>>,
    /// Ids the before/after comparison marks as changed.
    #[prop_or_default]
    pub changed: Rc<BTreeSet<String>>,
    /// Diagnostics and open findings per drawn entity (the boxes' badges).
    #[prop_or_default]
    pub marks: Rc<Marks>,
}

// The model by pointer: every change makes a new snapshot, and `Rc`'s own comparison of a
// model that is not `Eq` walks all of it (~20 ms at a thousand hosts) on every render of the
// app. Everything else as a derived comparison would.
impl PartialEq for CanvasProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.topology, &other.topology)
            && self.revision == other.revision
            && self.structure == other.structure
            && self.graph == other.graph
            && self.flagged == other.flagged
            && self.selected == other.selected
            && self.on_select == other.on_select
            && self.states == other.states
            && self.failed == other.failed
            && self.related == other.related
            && self.chains == other.chains
            && self.findings == other.findings
            && self.changed == other.changed
            && self.marks == other.marks
    }
}

/// The smallest text of the detailed graph (a box's detail line, `web/style.css`), in SVG units.
const GRAPH_MIN_FONT: f64 = 11.0;
/// The smallest text of the overview (a tile's detail and badges).
const OVERVIEW_MIN_FONT: f64 = 12.0;

/// The canvas' size in pixels: measured once mounted and on every window resize.
#[hook]
fn use_canvas_size(node: NodeRef) -> (f64, f64) {
    let size = use_state(|| (900.0, 600.0));
    {
        let size = size.clone();
        use_effect_with((), move |()| {
            let measure = move || {
                let el = node.cast::<web_sys::Element>();
                let w = el.as_ref().map_or(900.0, |el| f64::from(el.client_width()));
                // Down to the window's bottom, less the tools above and the legend below.
                let top = el
                    .as_ref()
                    .map_or(0.0, |el| el.get_bounding_client_rect().top());
                let h = web_sys::window()
                    .and_then(|w| w.inner_height().ok())
                    .and_then(|h| h.as_f64())
                    .map_or(600.0, |h| (h - top.max(0.0) - 150.0).max(240.0));
                // The drawing's frame: inside the canvas' padding (1rem) and the frame's border.
                let next = ((w - 34.0).max(240.0), h);
                if *size != next {
                    size.set(next);
                }
            };
            measure();
            let listener = web_sys::window()
                .map(|w| gloo_events::EventListener::new(&w, "resize", move |_| measure()));
            move || drop(listener)
        });
    }
    *size
}

/// The canvas.
#[component]
pub fn Canvas(props: &CanvasProps) -> Html {
    let search = use_state(String::new);
    // The entity whose badge was clicked: its findings are listed over the graph.
    let open_marks = use_state(|| None::<String>);
    let collapsed = use_state(BTreeSet::<String>::new);
    // The focused tile, and what to open the view on (the tile, or what was selected in it).
    let focused = use_state(|| None::<(String, String)>);
    let canvas_ref = use_node_ref();
    let (px_width, px_height) = use_canvas_size(canvas_ref.clone());
    let big = *use_memo(props.revision, {
        let t = props.topology.clone();
        move |_| wants_overview(&t)
    });
    // Built again only when the structure may have changed: an edit of a value neither
    // validation nor the graph reads keeps the tiles, their members and links, and only the
    // tiles' lines are made again (`details`). A file just opened had it built beforehand, in
    // a task of its own (`crate::prepared`).
    let ov: Rc<Overview> = (*use_memo((props.structure, big), {
        let (t, g) = (props.topology.clone(), props.graph.clone());
        move |&(_, big)| {
            if big {
                crate::prepared::overview(&t).unwrap_or_else(|| Rc::new(overview(&t, &g.0)))
            } else {
                Rc::default()
            }
        }
    }))
    .clone();
    let details: Rc<Vec<String>> = use_memo((props.revision, ov.clone()), {
        let t = props.topology.clone();
        move |(_, ov)| ov.details(&t)
    });
    // A focus on a tile that is gone (an edit, another file) falls back to the overview.
    let (focus_id, anchor) = match (*focused).clone() {
        Some((f, a)) if big && ov.tile(&f).is_some() => (Some(f), Some(a)),
        _ => (None, None),
    };
    let layout: Rc<Layout> = use_memo(
        (props.revision, (*collapsed).clone(), focus_id.clone(), big),
        {
            let (t, g, ov) = (props.topology.clone(), props.graph.clone(), ov.clone());
            move |(_, c, f, big)| match (big, f) {
                (false, _) => layout_with(&t, &g.0, c),
                (true, Some(f)) => focus(&t, &g.0, &ov, f)
                    .map(|part| layout_with(&part, &g.0, c))
                    .unwrap_or_default(),
                // The overview draws no boxes.
                (true, None) => Layout::default(),
            }
        },
    );
    let columns = overview_columns(px_width);
    let ov_layout: Rc<OverviewLayout> = use_memo((ov.clone(), columns), |(ov, columns)| {
        overview_layout(ov, *columns)
    });
    let tile_states = use_memo((ov.clone(), props.states.clone()), |(ov, states)| {
        ov.worst_states(states)
    });
    let tile_counts = use_memo((ov.clone(), props.findings.clone()), |(ov, f)| {
        ov.severity_counts(f.iter().map(|(id, s)| (id.as_str(), *s)))
    });
    // Selecting something the current view does not show (search, the inspector, a
    // diagnostic) opens the tile it is in.
    {
        let (focused, ov, layout) = (focused.clone(), ov.clone(), layout.clone());
        use_effect_with(props.selected.clone(), move |sel| {
            let Some(sel) = sel.as_deref().filter(|_| big) else {
                return;
            };
            let Some(i) = ov.tile_of(sel) else {
                return;
            };
            let tile = &ov.tiles[i].id;
            let shown = match &*focused {
                None => tile == sel,
                Some(_) => {
                    layout.boxes.iter().any(|b| b.id == sel)
                        || layout.hosts.iter().any(|h| h.id == sel)
                }
            };
            if !shown {
                focused.set(Some((tile.clone(), sel.to_owned())));
            }
        });
    }
    let on_focus = {
        let focused = focused.clone();
        Callback::from(move |id: String| focused.set(Some((id.clone(), id))))
    };
    let on_overview = {
        let focused = focused.clone();
        Callback::from(move |_: MouseEvent| focused.set(None))
    };
    let on_search = {
        let search = search.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            search.set(i.value());
        })
    };
    // Enter selects the first entity whose id contains the search text.
    let on_search_enter = {
        let (search, topology) = (search.clone(), props.topology.clone());
        let on_select = props.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            let q = search.trim().to_lowercase();
            if e.key() != "Enter" || q.is_empty() {
                return;
            }
            // An exact id first (`h00001-vm01`, not `h00001-vm010`), else the first containing it.
            let entities = crate::edit::entities(&topology);
            let exact = entities.iter().find(|(_, _, id)| id.to_lowercase() == q);
            let found = exact.or_else(|| {
                entities
                    .iter()
                    .find(|(_, _, id)| id.to_lowercase().contains(&q))
            });
            if let Some((_, _, id)) = found.cloned() {
                on_select.emit(Some(id));
            }
        })
    };
    let on_toggle_collapse = {
        let collapsed = collapsed.clone();
        Callback::from(move |id: String| {
            let mut c = (*collapsed).clone();
            if !c.remove(&id) {
                c.insert(id);
            }
            collapsed.set(c);
        })
    };
    // Hosts collapse and expand together, leaving switches and UPSes as they are.
    let hosts_collapsed = props
        .topology
        .hosts
        .iter()
        .any(|h| collapsed.contains(&h.id));
    let on_collapse_all = {
        let (collapsed, topology) = (collapsed.clone(), props.topology.clone());
        Callback::from(move |_: MouseEvent| {
            let mut c = (*collapsed).clone();
            for h in &topology.hosts {
                if hosts_collapsed {
                    c.remove(&h.id);
                } else {
                    c.insert(h.id.clone());
                }
            }
            collapsed.set(c);
        })
    };
    // Switches and UPS units collapse together: each to one box hiding its links or the power
    // supplies on it (a double click on one toggles it alone).
    let infra_collapsed = props
        .topology
        .switches
        .iter()
        .map(|x| &x.id)
        .chain(props.topology.ups.iter().map(|u| &u.id))
        .any(|id| collapsed.contains(id));
    let has_infra = !props.topology.switches.is_empty() || !props.topology.ups.is_empty();
    let on_collapse_infra = {
        let (collapsed, topology) = (collapsed.clone(), props.topology.clone());
        Callback::from(move |_: MouseEvent| {
            let mut c = (*collapsed).clone();
            let ids = topology
                .switches
                .iter()
                .map(|x| x.id.clone())
                .chain(topology.ups.iter().map(|u| u.id.clone()));
            if infra_collapsed {
                for id in ids {
                    c.remove(&id);
                }
            } else {
                c.extend(ids);
            }
            collapsed.set(c);
        })
    };
    // What a collapsed box hides shows on it: its worst state (as degraded) and its findings.
    let (states, marks) = if layout.members.is_empty() {
        (props.states.clone(), props.marks.clone())
    } else {
        (
            Rc::new(layout.rolled_states(&props.states)),
            Rc::new(layout.rolled_marks(&props.marks)),
        )
    };
    // A badge's click selects its entity and lists what is wrong with it.
    let on_badge = {
        let (open_marks, on_select) = (open_marks.clone(), props.on_select.clone());
        Callback::from(move |id: String| {
            on_select.emit(Some(id.clone()));
            open_marks.set(Some(id));
        })
    };
    let legible = |min_font: f64| Legible {
        px_width,
        px_height,
        anchor: anchor.clone(),
        min_font,
    };
    let kinds: Vec<BoxKind> = BoxKind::ALL
        .into_iter()
        .filter(|k| layout.boxes.iter().any(|b| b.kind == *k))
        .collect();
    let view = if big && focus_id.is_none() {
        html! {
            <OverviewView overview={ov.clone()} {details} layout={ov_layout} states={tile_states} counts={tile_counts} failed={props.failed.clone()}
                selected={props.selected.clone()} on_select={props.on_select.clone()} on_focus={on_focus} search={(*search).clone()}
                legible={legible(OVERVIEW_MIN_FONT)} />
        }
    } else {
        html! {
            <GraphView {layout} flagged={props.flagged.clone()} selected={props.selected.clone()} on_select={props.on_select.clone()}
                {states} failed={props.failed.clone()} related={props.related.clone()} search={(*search).clone()}
                chains={props.chains.clone()} {on_toggle_collapse} changed={props.changed.clone()} legible={legible(GRAPH_MIN_FONT)}
                marks={marks.clone()} on_badge={on_badge} />
        }
    };
    // A list whose entity is gone or clean (an edit fixed it) closes itself.
    let popover = (*open_marks)
        .clone()
        .filter(|id| marks.contains_key(id))
        .map(|id| {
            let open_marks = open_marks.clone();
            html! { <FindingsPopover {id} marks={marks.clone()} on_close={Callback::from(move |()| open_marks.set(None))} /> }
        });
    let mode = match (&focus_id, big) {
        (_, false) => Html::default(),
        (None, true) => html! {
            <span class="view-mode" id="view-mode">{ format!("Overview of {} hosts: open a tile, or search, to see its part in detail", props.topology.hosts.len()) }</span>
        },
        (Some(f), true) => html! {
            <>
                <button type="button" id="back-to-overview" onclick={on_overview}>{ "← Overview" }</button>
                <span class="view-mode" id="view-mode">{ format!("{f} and what it touches directly") }</span>
            </>
        },
    };
    let announce = simulation_summary(&props.states, &props.failed);
    html! {
        <section class="canvas" aria-label="Topology graph" ref={canvas_ref}>
            <a class="skip-link" href="#side-panel">{ "Skip past the graph" }</a>
            <p class="visually-hidden" role="status" aria-live="polite" id="graph-status">{ announce }</p>
            <div class="canvas-tools">
                <label for="search" class="visually-hidden">{ "Search by id" }</label>
                <input id="search" type="search" placeholder="Search id… (Enter selects)" value={(*search).clone()} oninput={on_search} onkeydown={on_search_enter} />
                if !big || focus_id.is_some() {
                    <button type="button" id="collapse-all" onclick={on_collapse_all}>{ if hosts_collapsed { "Expand hosts" } else { "Collapse hosts" } }</button>
                    if has_infra {
                        <button type="button" id="collapse-infra" onclick={on_collapse_infra} aria-pressed={infra_collapsed.to_string()}
                            title="Each switch to one box hiding its links, each UPS to one box hiding the power supplies on it (double-click one to toggle it alone)">
                            { if infra_collapsed { "Expand switches and UPSes" } else { "Collapse switches and UPSes" } }
                        </button>
                    }
                }
                { mode }
            </div>
            { for popover }
            { view }
            { legend(&kinds) }
        </section>
    }
}

/// What a simulation did, in words, for the live region (screen readers hear it when it
/// changes); empty when nothing is simulated.
fn simulation_summary(states: &BTreeMap<String, State>, failed: &[String]) -> String {
    if states.is_empty() && failed.is_empty() {
        return String::new();
    }
    let count = |s: State| states.values().filter(|x| **x == s).count();
    format!(
        "Simulation: {} failed, {} down, {} degraded.",
        failed.len(),
        count(State::Down),
        count(State::Degraded)
    )
}

/// The legend: the kinds of box on screen, the kinds of arrow, the selection's colours and the
/// simulated states (each with its icon or pattern as well as its colour).
fn legend(kinds: &[BoxKind]) -> Html {
    let swatch = |class: Classes| {
        html! {
            // At the graph's own scale, so strokes and dashes look as they do there.
            <svg width="34" height="20" aria-hidden="true">
                <g class={class}><rect x="3" y="3" width="28" height="14" rx="4" /></g>
            </svg>
        }
    };
    let line = |class: &'static str| {
        html! { <svg width="36" height="10" aria-hidden="true"><path d="M0,5 L36,5" class={classes!("edge", class)} /></svg> }
    };
    html! {
        <div class="legend" id="graph-legend" aria-label="Legend">
            if !kinds.is_empty() {
                <div class="legend-row"><strong>{ "Boxes" }</strong>
                    { for kinds.iter().map(|k| html! { <span class="lg-kind">{ swatch(classes!("node", k.class())) }{ k.word() }</span> }) }
                </div>
            }
            <div class="legend-row"><strong>{ "Arrows" }</strong>
                <span>{ line("") }{ " requires" }</span>
                <span>{ line("passthrough") }{ " PCIe passthrough" }</span>
                <span>{ line("bridge-port") }{ " bridge port (NIC)" }</span>
                <span>{ line("trunk") }{ " network a bridge carries (VLAN tag on it)" }</span>
                <span>{ line("cable") }{ " link cabled to a switch" }</span>
                <span>{ line("power") }{ " powered by (UPS or feed)" }</span>
            </div>
            <div class="legend-row"><strong>{ "Selection" }</strong>
                <span>{ swatch(classes!("node", "selected")) }{ "selected" }</span>
                <span>{ swatch(classes!("node", "needed")) }{ "it needs this" }</span>
                <span>{ swatch(classes!("node", "dependent")) }{ "this needs it (dashed)" }</span>
                <span>{ swatch(classes!("node", "match")) }{ "search match" }</span>
                <span>{ "⚠ has a problem (red border)" }</span>
            </div>
            <div class="legend-row"><strong>{ "Marks" }</strong>
                <span>{ badge_swatch("error", "!2") }{ "findings: worst severity (! error, ⚠ warning, i info) and count — click to list them" }</span>
                <span>{ swatch(classes!("node", "changed")) }<span class="changed-mark">{ "Δ" }</span>{ " changed since the baseline (Before / after)" }</span>
            </div>
            <div class="legend-row"><strong>{ "Simulation" }</strong>
                <span class="lg-up">{ "✓ up" }</span>
                <span class="lg-degraded">{ swatch(classes!("node", "degraded")) }{ "◐ degraded" }</span>
                <span class="lg-down">{ swatch(classes!("node", "down")) }{ "✖ down (hatched)" }</span>
                <span class="lg-down">{ swatch(classes!("node", "failed")) }{ "✖ failed (dashed)" }</span>
            </div>
        </div>
    }
}

/// A finding badge as the graph draws it, for the legend.
fn badge_swatch(class: &'static str, text: &'static str) -> Html {
    html! {
        <svg width="34" height="20" aria-hidden="true">
            <g class={classes!("fbadge", class)}><rect x="2" y="2" width="30" height="16" rx="8" /><text x="17" y="14">{ text }</text></g>
        </svg>
    }
}
