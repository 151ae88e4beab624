//! A deterministic, readable layout for the topology graph: hosts are containers holding their
//! PCIe devices, disks, storages and VMs (one row each); pools, services, consumers, networks
//! and power feeds sit in bands below. Pure geometry, no browser: tested natively.
//!
//! # Complexity
//! `O(n + e log e)` for `n` components and `e` dependency edges.

use hostplan::export::diagram::{self, detail};
use hostplan::export::overview::{Overview, TileKind};
use hostplan::graph::{display_owner, DependencyGraph, EdgeKind};
use hostplan::model::Topology;
use hostplan::resolve::EntityKind;
use std::collections::{BTreeMap, BTreeSet};

/// Box width and height, gaps and paddings, in SVG user units.
pub const BOX_W: f64 = 132.0;
/// Box height.
pub const BOX_H: f64 = 42.0;
const GAP_X: f64 = 16.0;
const GAP_Y: f64 = 34.0;
const PAD: f64 = 16.0;
const TITLE: f64 = 26.0;
/// Boxes per row before wrapping.
const MAX_PER_ROW: usize = 8;

/// What a box stands for (drives its colour and icon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A PCIe device.
    Device,
    /// A disk.
    Disk,
    /// A Proxmox storage.
    Storage,
    /// A VM.
    Vm,
    /// A ZFS pool.
    Pool,
    /// A storage service.
    Service,
    /// A consumer.
    Consumer,
    /// A network.
    Network,
    /// A power feed.
    Power,
    /// A collapsed host, standing for everything in it.
    Host,
}

impl BoxKind {
    /// CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::Disk => "disk",
            Self::Storage => "storage",
            Self::Vm => "vm",
            Self::Pool => "pool",
            Self::Service => "service",
            Self::Consumer => "consumer",
            Self::Network => "network",
            Self::Power => "power",
            Self::Host => "host-box",
        }
    }
}

/// How an entity of the core's diagram is drawn here.
fn box_kind(kind: EntityKind) -> BoxKind {
    match kind {
        EntityKind::Device => BoxKind::Device,
        EntityKind::Disk => BoxKind::Disk,
        EntityKind::Storage => BoxKind::Storage,
        EntityKind::Vm => BoxKind::Vm,
        EntityKind::Pool => BoxKind::Pool,
        EntityKind::Service => BoxKind::Service,
        EntityKind::Consumer => BoxKind::Consumer,
        // Switches and cables are drawn as the network they carry, UPSes as power, until the
        // graph learns their own shapes.
        EntityKind::Network | EntityKind::Switch | EntityKind::Link => BoxKind::Network,
        EntityKind::PowerFeed | EntityKind::Ups => BoxKind::Power,
        // Hosts are frames, not boxes, unless collapsed.
        EntityKind::Host => BoxKind::Host,
    }
}

/// A positioned component.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    /// Entity id.
    pub id: String,
    /// Second line (kind, size, address…).
    pub detail: String,
    /// Kind.
    pub kind: BoxKind,
    /// Host it is drawn in, if any.
    pub host: Option<String>,
    /// Top-left corner.
    pub x: f64,
    /// Top-left corner.
    pub y: f64,
}

/// A host container.
#[derive(Debug, Clone, PartialEq)]
pub struct HostFrame {
    /// Host id.
    pub id: String,
    /// Second line of the title.
    pub detail: String,
    /// Geometry.
    pub x: f64,
    /// Geometry.
    pub y: f64,
    /// Geometry.
    pub w: f64,
    /// Geometry.
    pub h: f64,
}

/// A dependency arrow "from requires to".
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// Dependent.
    pub from: String,
    /// Requirement.
    pub to: String,
    /// A PCIe passthrough (drawn distinctly, as in the seed's diagram).
    pub passthrough: bool,
    /// SVG path data.
    pub path: String,
}

/// A bracket over the member disks of one vdev, labelled with its layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Bracket {
    /// Graph id of the vdev (`tank#data-0`).
    pub id: String,
    /// Pool id.
    pub pool: String,
    /// Label, e.g. `raidz2 · 6 disks`.
    pub label: String,
    /// Left end.
    pub x1: f64,
    /// Right end.
    pub x2: f64,
    /// Height of the line.
    pub y: f64,
}

/// The whole picture.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    /// Host containers.
    pub hosts: Vec<HostFrame>,
    /// Components.
    pub boxes: Vec<NodeBox>,
    /// Dependency arrows.
    pub arrows: Vec<Arrow>,
    /// Vdev brackets (arrows from a pool end at its vdevs' brackets).
    pub brackets: Vec<Bracket>,
    /// Canvas width.
    pub width: f64,
    /// Canvas height.
    pub height: f64,
}

/// An overview tile's size and the gap between tiles, in SVG user units (one unit is one
/// screen pixel at the overview's opening zoom).
pub const TILE_W: f64 = 200.0;
/// Tile height.
pub const TILE_H: f64 = 70.0;
const TILE_GAP: f64 = 12.0;
const BAND_TITLE: f64 = 30.0;

/// A positioned overview tile (`index` into [`Overview::tiles`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TileBox {
    /// Index of the tile.
    pub index: usize,
    /// Top-left corner.
    pub x: f64,
    /// Top-left corner.
    pub y: f64,
}

/// A band's heading (`Hosts (100)`) and where it sits.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The heading.
    pub label: String,
    /// Baseline of the heading.
    pub y: f64,
}

/// The overview's picture: bands of tiles in a grid `columns` wide.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OverviewLayout {
    /// Tiles, in the overview's order.
    pub tiles: Vec<TileBox>,
    /// Band headings.
    pub bands: Vec<Band>,
    /// Canvas width.
    pub width: f64,
    /// Canvas height.
    pub height: f64,
}

/// How many tiles fit across `px` screen pixels at the overview's opening zoom (1:1).
pub fn overview_columns(px: f64) -> usize {
    let n = ((px - 2.0 * PAD + TILE_GAP) / (TILE_W + TILE_GAP))
        .floor()
        .max(2.0);
    // Whole and at least 2: the cast is exact.
    #[expect(clippy::cast_sign_loss, reason = "n >= 2")]
    let n = n as usize;
    n
}

/// Lay the overview out: one band per tile kind (hosts first: they are what a site is made
/// of), each a grid `columns` tiles wide.
///
/// # Complexity
/// `O(t)` for `t` tiles.
pub fn overview_layout(ov: &Overview, columns: usize) -> OverviewLayout {
    let columns = columns.max(1);
    let mut l = OverviewLayout::default();
    let mut y = PAD;
    let mut widest = 0usize;
    for kind in TileKind::ALL {
        let of_kind: Vec<usize> = (0..ov.tiles.len())
            .filter(|&i| ov.tiles[i].kind == kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        l.bands.push(Band {
            label: format!("{} ({})", kind.heading(), of_kind.len()),
            y: y + 18.0,
        });
        y += BAND_TITLE;
        widest = widest.max(of_kind.len().min(columns));
        for (k, index) in of_kind.iter().copied().enumerate() {
            let (row, col) = (k / columns, k % columns);
            l.tiles.push(TileBox {
                index,
                x: PAD + col as f64 * (TILE_W + TILE_GAP),
                y: y + row as f64 * (TILE_H + TILE_GAP),
            });
        }
        let rows = of_kind.len().div_ceil(columns) as f64;
        y += rows * (TILE_H + TILE_GAP) + TILE_GAP;
    }
    let n = widest.max(1) as f64;
    l.width = 2.0 * PAD + n * TILE_W + (n - 1.0) * TILE_GAP;
    l.height = y + PAD;
    l
}

fn row_width(n: usize) -> f64 {
    let n = n.clamp(1, MAX_PER_ROW) as f64;
    n * BOX_W + (n - 1.0) * GAP_X
}

fn rows_height(n: usize) -> f64 {
    let rows = n.div_ceil(MAX_PER_ROW).max(1) as f64;
    rows * BOX_H + (rows - 1.0) * GAP_Y
}

/// Place `items` in rows starting at (x, y); returns the height used.
fn place(
    items: Vec<(String, String, BoxKind)>,
    host: Option<&str>,
    x: f64,
    y: f64,
    out: &mut Vec<NodeBox>,
) -> f64 {
    if items.is_empty() {
        return 0.0;
    }
    let n = items.len();
    for (i, (id, detail, kind)) in items.into_iter().enumerate() {
        let (row, col) = (i / MAX_PER_ROW, i % MAX_PER_ROW);
        out.push(NodeBox {
            id,
            detail,
            kind,
            host: host.map(str::to_owned),
            x: x + col as f64 * (BOX_W + GAP_X),
            y: y + row as f64 * (BOX_H + GAP_Y),
        });
    }
    rows_height(n)
}

type Item = (String, String, BoxKind);

/// Place bands (rows of free-standing boxes) from `y` down; returns the new `y` and the widest
/// band's width.
fn place_bands(bands: Vec<Vec<Item>>, mut y: f64, out: &mut Vec<NodeBox>) -> (f64, f64) {
    let mut width: f64 = 0.0;
    for band in bands {
        width = width.max(row_width(band.len()));
        let used = place(band, None, PAD, y, out);
        if used > 0.0 {
            y += used + GAP_Y;
        }
    }
    (y, width)
}

/// Lay out a topology so that arrows ("requires") point downwards: consumers, services and
/// pools on top; then the hosts, each holding VMs, storages, disks and PCIe devices in that
/// order (disks grouped under their controller); networks and power feeds at the bottom.
#[cfg(test)]
pub fn layout(t: &Topology) -> Layout {
    layout_with(t, &DependencyGraph::build(t), &BTreeSet::new())
}

/// [`layout`] with the hosts in `collapsed` drawn as one box each: arrows to anything inside
/// end at that box, so a 500-component site stays readable.
pub fn layout_with(t: &Topology, graph: &DependencyGraph, collapsed: &BTreeSet<String>) -> Layout {
    // What goes where is the core's diagram (the same grouping Mermaid and DOT draw); this
    // module only adds geometry.
    let drawing = diagram::groups(t);
    let item = |i: usize| -> Item {
        let n = &drawing.nodes[i];
        (n.id.clone(), n.detail.clone(), box_kind(n.kind))
    };
    let of_kind = |nodes: &[usize], kind: EntityKind| -> Vec<Item> {
        nodes
            .iter()
            .copied()
            .filter(|&i| drawing.nodes[i].kind == kind)
            .map(item)
            .collect()
    };
    let mut alias: BTreeMap<String, String> = BTreeMap::new();
    let mut l = Layout::default();
    let all: Vec<usize> = (0..drawing.nodes.len()).collect();
    let top: Vec<Vec<Item>> = vec![
        of_kind(&drawing.loose, EntityKind::Consumer),
        of_kind(&drawing.loose, EntityKind::Service),
        of_kind(&all, EntityKind::Pool),
    ];
    let (hosts_top, top_w) = place_bands(top, PAD, &mut l.boxes);
    let controller: BTreeMap<&str, &str> = t
        .disks
        .iter()
        .map(|x| (x.id.as_str(), x.controller.as_str()))
        .collect();
    let mut x = PAD;
    let mut max_bottom: f64 = hosts_top;
    let host_groups = drawing
        .groups
        .iter()
        .filter(|g| g.entity == EntityKind::Host);
    for (g, h) in host_groups.zip(&t.hosts) {
        let devices = of_kind(&g.nodes, EntityKind::Device);
        // Disks sorted by the position of their controller, so each sits above its HBA.
        let mut disks = of_kind(&g.nodes, EntityKind::Disk);
        disks.sort_by_key(|(id, _, _)| {
            controller
                .get(id.as_str())
                .and_then(|c| devices.iter().position(|(dev, _, _)| dev == c))
                .map_or(0, |p| p + 1)
        });
        let mut rows: [Vec<Item>; 4] = [
            g.children.iter().map(|vm| item(vm.nodes[0])).collect(),
            of_kind(&g.nodes, EntityKind::Storage),
            disks,
            devices,
        ];
        if collapsed.contains(&h.id) {
            let inside: Vec<String> = rows.iter().flatten().map(|(id, _, _)| id.clone()).collect();
            for id in &inside {
                alias.insert(id.clone(), h.id.clone());
            }
            rows = [
                vec![(
                    h.id.clone(),
                    format!("▸ {} component(s)", inside.len()),
                    BoxKind::Host,
                )],
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ];
        }
        let inner_w = rows
            .iter()
            .map(|r| row_width(r.len()))
            .fold(BOX_W, f64::max);
        let frame_top = hosts_top;
        let mut y = frame_top + TITLE + PAD;
        for row in rows {
            let used = place(row, Some(&h.id), x + PAD, y, &mut l.boxes);
            if used > 0.0 {
                y += used + GAP_Y;
            }
        }
        let bottom = (y - GAP_Y + PAD).max(frame_top + TITLE + PAD + BOX_H + PAD);
        let kind = detail::host_kind(h.kind);
        l.hosts.push(HostFrame {
            id: h.id.clone(),
            detail: format!(
                "{kind} · {} GiB{}",
                h.ram_gib,
                if h.ecc == Some(true) { " ECC" } else { "" }
            ),
            x,
            y: frame_top - PAD / 2.0,
            w: inner_w + 2.0 * PAD,
            h: bottom - frame_top + PAD / 2.0,
        });
        max_bottom = max_bottom.max(bottom);
        x += inner_w + 2.0 * PAD + GAP_X * 2.0;
    }
    // Components whose host does not exist (a typo the diagnostics point at) must still show.
    let mut orphans: Vec<Item> = Vec::new();
    for kind in [EntityKind::Device, EntityKind::Disk, EntityKind::Storage] {
        orphans.extend(of_kind(&drawing.loose, kind));
    }
    orphans.extend(
        drawing
            .groups
            .iter()
            .filter(|g| g.entity == EntityKind::Vm)
            .map(|vm| item(vm.nodes[0])),
    );
    let bottom: Vec<Vec<Item>> = vec![
        orphans,
        of_kind(&drawing.loose, EntityKind::Network),
        of_kind(&drawing.loose, EntityKind::PowerFeed),
    ];
    let start = if t.hosts.is_empty() {
        hosts_top
    } else {
        max_bottom + GAP_Y * 1.5
    };
    let (y, bottom_w) = place_bands(bottom, start, &mut l.boxes);
    l.width = (x - GAP_X * 2.0 + PAD).max(top_w.max(bottom_w) + 2.0 * PAD);
    l.height = y - GAP_Y + PAD;
    l.brackets = brackets(t, &l.boxes);
    l.arrows = arrows(graph, &l.boxes, &l.brackets, &alias);
    l
}

/// One bracket per vdev whose member disks sit side by side in one row.
fn brackets(t: &Topology, boxes: &[NodeBox]) -> Vec<Bracket> {
    let pos: BTreeMap<&str, &NodeBox> = boxes.iter().map(|b| (b.id.as_str(), b)).collect();
    let mut out = Vec::new();
    for p in &t.pools {
        for (i, v) in p.vdevs.iter().enumerate() {
            let members: Option<Vec<&&NodeBox>> =
                v.disks.iter().map(|d| pos.get(d.as_str())).collect();
            let Some(members) = members.filter(|m| !m.is_empty()) else {
                continue;
            };
            let y = members[0].y;
            if members
                .iter()
                .any(|b| (b.y - y).abs() > 0.5 || b.host != members[0].host)
            {
                continue;
            }
            let x1 = members.iter().map(|b| b.x).fold(f64::INFINITY, f64::min);
            let x2 = members
                .iter()
                .map(|b| b.x + BOX_W)
                .fold(f64::NEG_INFINITY, f64::max);
            // Only when no foreign box sits between the members.
            let foreign = boxes.iter().any(|b| {
                (b.y - y).abs() < 0.5
                    && b.x > x1 - 0.5
                    && b.x + BOX_W < x2 + 0.5
                    && !v.disks.contains(&b.id)
            });
            if foreign {
                continue;
            }
            out.push(Bracket {
                id: hostplan::graph::vdev_node_id(&p.id, v.role, i),
                pool: p.id.clone(),
                label: format!("{} · {} · {} disk(s)", p.id, v.layout, v.disks.len()),
                x1,
                x2,
                y: y - 9.0,
            });
        }
    }
    out
}

fn arrows(
    graph: &DependencyGraph,
    boxes: &[NodeBox],
    brackets: &[Bracket],
    alias: &BTreeMap<String, String>,
) -> Vec<Arrow> {
    let pos: BTreeMap<&str, &NodeBox> = boxes.iter().map(|b| (b.id.as_str(), b)).collect();
    let bracketed: BTreeMap<&str, &Bracket> = brackets.iter().map(|b| (b.id.as_str(), b)).collect();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    for (from, to, edge) in graph.edges() {
        // Pool → vdev ends at the vdev's bracket; the bracket itself shows membership.
        if bracketed.contains_key(from) {
            continue;
        }
        if let (Some(br), Some(a)) = (bracketed.get(to), pos.get(from)) {
            // Aim at an invisible box whose top edge is the bracket line.
            let target = NodeBox {
                id: br.id.clone(),
                detail: String::new(),
                kind: BoxKind::Disk,
                host: None,
                x: f64::midpoint(br.x1, br.x2) - BOX_W / 2.0,
                y: br.y - 3.0,
            };
            let path = curve(a, &target);
            out.push(Arrow {
                from: from.to_owned(),
                to: br.id.clone(),
                passthrough: false,
                path,
            });
            continue;
        }
        let (from, to) = (display_owner(from), display_owner(to));
        let via = |id: &'_ str| alias.get(id).map_or(id.to_owned(), Clone::clone);
        let (from_owned, to_owned) = (via(from), via(to));
        let (from, to) = (from_owned.as_str(), to_owned.as_str());
        // Containment already shows "runs on this host".
        let (Some(a), Some(b)) = (pos.get(from), pos.get(to)) else {
            continue;
        };
        if from == to || !seen.insert((from.to_owned(), to.to_owned())) {
            continue;
        }
        let passthrough = edge.kind == EdgeKind::Passthrough;
        out.push(Arrow {
            from: from.to_owned(),
            to: to.to_owned(),
            passthrough,
            path: curve(a, b),
        });
    }
    out
}

fn curve(a: &NodeBox, b: &NodeBox) -> String {
    let (ax, bx) = (a.x + BOX_W / 2.0, b.x + BOX_W / 2.0);
    let (ay, by) = if b.y > a.y + BOX_H / 2.0 {
        (a.y + BOX_H, b.y)
    } else if b.y + BOX_H / 2.0 < a.y {
        (a.y, b.y + BOX_H)
    } else {
        (a.y + BOX_H, b.y + BOX_H)
    };
    let bend = ((by - ay).abs() / 2.0).max(30.0);
    let (c1, c2) = if by >= ay {
        (ay + bend, by - bend)
    } else {
        (ay - bend, by + bend)
    };
    let (c1, c2) = if (by - ay).abs() < 1.0 {
        (ay + bend, by + bend)
    } else {
        (c1, c2)
    };
    format!("M{ax:.1},{ay:.1} C{ax:.1},{c1:.1} {bx:.1},{c2:.1} {bx:.1},{by:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_layout() -> Layout {
        layout(&hostplan::examples::seed().unwrap())
    }

    #[test]
    fn every_entity_of_the_seed_gets_exactly_one_box() {
        let t = hostplan::examples::seed().unwrap();
        let l = seed_layout();
        let n = hostplan::export::overview::drawn_components(&t);
        assert_eq!(l.boxes.len(), n);
        let ids: BTreeSet<_> = l.boxes.iter().map(|b| &b.id).collect();
        assert_eq!(ids.len(), n);
        assert_eq!(l.hosts.len(), 1);
    }

    #[test]
    fn boxes_sit_inside_their_host_and_never_overlap() {
        let l = seed_layout();
        for b in &l.boxes {
            if let Some(h) = &b.host {
                let f = l.hosts.iter().find(|f| &f.id == h).unwrap();
                assert!(
                    b.x >= f.x
                        && b.x + BOX_W <= f.x + f.w
                        && b.y >= f.y
                        && b.y + BOX_H <= f.y + f.h,
                    "{} outside {h}",
                    b.id
                );
            }
            assert!(
                b.x + BOX_W <= l.width && b.y + BOX_H <= l.height,
                "{} off canvas",
                b.id
            );
        }
        for (i, a) in l.boxes.iter().enumerate() {
            for b in &l.boxes[i + 1..] {
                let apart = a.x + BOX_W <= b.x
                    || b.x + BOX_W <= a.x
                    || a.y + BOX_H <= b.y
                    || b.y + BOX_H <= a.y;
                assert!(apart, "{} overlaps {}", a.id, b.id);
            }
        }
    }

    #[test]
    fn passthrough_links_are_marked() {
        let l = seed_layout();
        let pt: BTreeSet<_> = l
            .arrows
            .iter()
            .filter(|a| a.passthrough)
            .map(|a| (a.from.as_str(), a.to.as_str()))
            .collect();
        assert_eq!(
            pt,
            BTreeSet::from([
                ("truenas", "hba0"),
                ("truenas", "nic1"),
                ("truenas", "nic2")
            ])
        );
        // The pool points at its vdev's bracket, which spans the six member disks.
        assert!(l
            .arrows
            .iter()
            .any(|a| a.from == "tank" && a.to == "tank#data-0"));
        assert!(!l
            .arrows
            .iter()
            .any(|a| a.from == "tank" && a.to == "tank-d1"));
        let br = &l.brackets[0];
        assert_eq!(br.label, "tank · raidz2 · 6 disk(s)");
        let d1 = l.boxes.iter().find(|b| b.id == "tank-d1").unwrap();
        let d6 = l.boxes.iter().find(|b| b.id == "tank-d6").unwrap();
        assert!(br.x1 <= d1.x && br.x2 >= d6.x + BOX_W);
    }

    #[test]
    fn components_on_unknown_hosts_are_still_drawn() {
        let mut t = hostplan::examples::seed().unwrap();
        t.devices[1].host = "srv1".into();
        t.vms[0].host = "nowhere".into();
        let l = layout(&t);
        for id in ["hba0", "truenas"] {
            let b = l.boxes.iter().find(|b| b.id == id).unwrap();
            assert_eq!(b.host, None, "{id}");
        }
    }

    #[test]
    fn a_collapsed_host_is_one_box_and_arrows_end_at_it() {
        let t = hostplan::examples::seed().unwrap();
        let l = layout_with(
            &t,
            &DependencyGraph::build(&t),
            &BTreeSet::from(["srv01".to_owned()]),
        );
        assert!(l.boxes.iter().all(|b| b.id != "hba0" && b.id != "truenas"));
        let host = l.boxes.iter().find(|b| b.id == "srv01").unwrap();
        assert_eq!(host.kind, BoxKind::Host);
        assert!(l
            .arrows
            .iter()
            .any(|a| a.from == "iscsi-k8s" && a.to == "srv01"));
        assert!(l.arrows.iter().all(|a| a.from != a.to));
    }

    #[test]
    fn overview_tiles_fill_the_columns_and_never_overlap() {
        let t = hostplan::sim::generate::generate(&hostplan::sim::generate::FleetSpec {
            hosts: 30,
            ..Default::default()
        });
        let g = DependencyGraph::build(&t);
        let ov = hostplan::export::overview::overview(&t, &g);
        let columns = overview_columns(1000.0);
        assert_eq!(columns, 4);
        let l = overview_layout(&ov, columns);
        assert_eq!(l.tiles.len(), ov.tiles.len());
        assert_eq!(l.bands[0].label, "Hosts (30)");
        assert!(l.width <= 1000.0);
        for (i, a) in l.tiles.iter().enumerate() {
            assert!(a.x + TILE_W <= l.width && a.y + TILE_H <= l.height);
            for b in &l.tiles[i + 1..] {
                let apart = a.x + TILE_W <= b.x
                    || b.x + TILE_W <= a.x
                    || a.y + TILE_H <= b.y
                    || b.y + TILE_H <= a.y;
                assert!(apart, "{} overlaps {}", a.index, b.index);
            }
        }
    }

    #[test]
    fn layout_is_deterministic() {
        assert_eq!(seed_layout(), seed_layout());
    }
}
