//! Orthogonal edge routing around boxes: every arrow leaves its box from the top or bottom
//! side, runs along the gaps between rows and between columns, and enters its target from the
//! side facing it, so no line ever crosses a box it does not start or end at. Pure geometry,
//! tested natively (the layout's tests count crossings on the examples).
//!
//! The layout places boxes in rows with regular gaps (`layout.rs`); a route is at most five
//! axis-aligned segments: out of the source into the gap beside it, along that gap to a free
//! vertical channel, along the channel to the gap beside the target, along it, into the target.
//! Candidates are tried cheapest first; a channel or gap another arrow already runs along is
//! avoided when a free one exists, so parallel arrows stay apart.
//!
//! # Complexity
//! Obstacles sit in a uniform grid of cells, so checking a segment costs the obstacles near
//! it. Each arrow tries at most [`MAX_CHANNELS`] channels: `O(e · c · k)` for `e` arrows and
//! `k` obstacles per cell, near-linear in practice.

#![expect(
    clippy::many_single_char_names,
    reason = "geometry reads as its sketches: ends a and b, points s and t, x and y"
)]

use std::collections::{BTreeMap, HashMap};

/// An axis-aligned rectangle in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    fn right(&self) -> f64 {
        self.x + self.w
    }
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

/// Something lines must go around, and whose it is (an arrow may touch its own ends).
#[derive(Debug, Clone, PartialEq)]
pub struct Obstacle {
    /// Where it is.
    pub rect: Rect,
    /// The id of the box (or host, or vdev) it belongs to.
    pub owner: String,
}

/// Which side of a box an arrow uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The top edge.
    Top,
    /// The bottom edge.
    Bottom,
}

/// One end of an arrow: its box, the side it uses and where on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct End {
    /// The box's id (obstacles it owns are not in the way).
    pub id: String,
    /// The box.
    pub rect: Rect,
    /// The side used.
    pub side: Side,
    /// The x where the line meets that side.
    pub x: f64,
}

impl End {
    fn point(&self) -> (f64, f64) {
        match self.side {
            Side::Top => (self.x, self.rect.y),
            Side::Bottom => (self.x, self.rect.bottom()),
        }
    }
    /// A y `d` units out from the side.
    fn out(&self, d: f64) -> f64 {
        match self.side {
            Side::Top => self.rect.y - d,
            Side::Bottom => self.rect.bottom() + d,
        }
    }
}

/// A polyline from the source to the target.
pub type Route = Vec<(f64, f64)>;

/// How close a line may pass to an obstacle.
const MARGIN: f64 = 3.0;
/// Distances out of a side at which a line turns, best first (the gap between rows is the
/// layout's `GAP_Y`; its middle comes first, then lanes either side of it).
const TURNS: [f64; 7] = [20.0, 14.0, 26.0, 9.0, 32.0, 6.0, 36.0];
/// How far a lane sits from a channel's middle, for parallel arrows.
const LANES: [f64; 3] = [0.0, -4.0, 4.0];
/// Vertical channels tried per arrow before settling for the least bad route.
pub const MAX_CHANNELS: usize = 16;
/// Turn distances tried at each end of a five-leg route.
const FIVE_LEG_TURNS: usize = 4;
const CELL: f64 = 160.0;

/// Routes arrows among fixed obstacles, remembering the lines already drawn.
pub struct Router {
    obstacles: Vec<Obstacle>,
    cells: HashMap<(i64, i64), Vec<usize>>,
    /// Middles of the free columns between obstacles, sorted.
    channels: Vec<f64>,
    /// Vertical runs already used: x (in half units) → y ranges.
    used_v: BTreeMap<i64, Vec<(f64, f64)>>,
    /// Horizontal runs already used: y (in half units) → x ranges.
    used_h: BTreeMap<i64, Vec<(f64, f64)>>,
}

fn cell(v: f64) -> i64 {
    // Drawing coordinates are far below 2^53: the cast is exact after floor.
    #[expect(clippy::cast_possible_truncation, reason = "coordinates are small")]
    let c = (v / CELL).floor() as i64;
    c
}

fn key(v: f64) -> i64 {
    #[expect(clippy::cast_possible_truncation, reason = "coordinates are small")]
    let k = (v * 2.0).round() as i64;
    k
}

fn overlaps(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0.min(a.1) < b.0.max(b.1) - 0.5 && b.0.min(b.1) < a.0.max(a.1) - 0.5
}

impl Router {
    /// A router among `obstacles`; `gap` is the usual horizontal gap between boxes (a channel
    /// runs in its middle).
    pub fn new(obstacles: Vec<Obstacle>, gap: f64) -> Self {
        let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
        let mut channels: Vec<f64> = Vec::with_capacity(obstacles.len() * 2);
        for (i, o) in obstacles.iter().enumerate() {
            let r = o.rect;
            for cx in cell(r.x - MARGIN)..=cell(r.right() + MARGIN) {
                for cy in cell(r.y - MARGIN)..=cell(r.bottom() + MARGIN) {
                    cells.entry((cx, cy)).or_default().push(i);
                }
            }
            channels.push(r.x - gap / 2.0);
            channels.push(r.right() + gap / 2.0);
        }
        hostplan::sort::sort_by(&mut channels, f64::total_cmp);
        channels.dedup_by(|a, b| (*a - *b).abs() < 1.0);
        Self {
            obstacles,
            cells,
            channels,
            used_v: BTreeMap::new(),
            used_h: BTreeMap::new(),
        }
    }

    /// Whether the axis-aligned segment `p`–`q` passes clear of every obstacle not owned by
    /// one of `ends`.
    fn clear(&self, p: (f64, f64), q: (f64, f64), ends: [&str; 2]) -> bool {
        self.hits(p, q, ends) == 0
    }

    /// How many obstacles (not owned by `ends`) the segment `p`–`q` touches.
    fn hits(&self, p: (f64, f64), q: (f64, f64), ends: [&str; 2]) -> usize {
        let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
        let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
        let mut seen: Vec<usize> = Vec::new();
        for cx in cell(x0)..=cell(x1) {
            for cy in cell(y0)..=cell(y1) {
                let Some(list) = self.cells.get(&(cx, cy)) else {
                    continue;
                };
                for &i in list {
                    let o = &self.obstacles[i];
                    if ends.contains(&o.owner.as_str()) || seen.contains(&i) {
                        continue;
                    }
                    let r = o.rect;
                    if x1 > r.x - MARGIN
                        && x0 < r.right() + MARGIN
                        && y1 > r.y - MARGIN
                        && y0 < r.bottom() + MARGIN
                    {
                        seen.push(i);
                    }
                }
            }
        }
        seen.len()
    }

    fn path_hits(&self, r: &Route, ends: [&str; 2]) -> usize {
        r.windows(2).map(|w| self.hits(w[0], w[1], ends)).sum()
    }

    /// Whether a segment runs along one another arrow already uses.
    fn shared(&self, p: (f64, f64), q: (f64, f64)) -> bool {
        if (p.0 - q.0).abs() < 0.01 {
            self.used_v
                .get(&key(p.0))
                .is_some_and(|v| v.iter().any(|&r| overlaps(r, (p.1, q.1))))
        } else if (p.1 - q.1).abs() < 0.01 {
            self.used_h
                .get(&key(p.1))
                .is_some_and(|v| v.iter().any(|&r| overlaps(r, (p.0, q.0))))
        } else {
            false
        }
    }

    fn ok(&self, r: &Route, ends: [&str; 2], alone: bool) -> bool {
        r.windows(2).all(|w| self.leg_ok(w[0], w[1], ends, alone))
    }

    fn leg_ok(&self, p: (f64, f64), q: (f64, f64), ends: [&str; 2], alone: bool) -> bool {
        self.clear(p, q, ends) && !(alone && self.shared(p, q))
    }

    fn remember(&mut self, r: &Route) {
        for w in r.windows(2) {
            let (p, q) = (w[0], w[1]);
            if (p.0 - q.0).abs() < 0.01 {
                self.used_v.entry(key(p.0)).or_default().push((p.1, q.1));
            } else {
                self.used_h.entry(key(p.1)).or_default().push((p.0, q.0));
            }
        }
    }

    /// Whether `y` lies beyond `end`'s side (a turn must leave the box, not cut back into it).
    fn beyond(end: &End, y: f64) -> bool {
        match end.side {
            Side::Top => y < end.rect.y,
            Side::Bottom => y > end.rect.bottom(),
        }
    }

    /// The route from `a` to `b`: clear of every other obstacle when one exists among the
    /// candidates, else the candidate touching the fewest.
    pub fn route(&mut self, a: &End, b: &End) -> Route {
        let ends = [a.id.as_str(), b.id.as_str()];
        let (s, t) = (a.point(), b.point());
        let mut best: Option<(usize, Route)> = None;
        let found = self.candidates(a, b, ends, &mut best);
        let r = found.unwrap_or_else(|| best.map_or_else(|| vec![s, t], |(_, r)| r));
        self.remember(&r);
        r
    }

    fn candidates(
        &self,
        a: &End,
        b: &End,
        ends: [&str; 2],
        best: &mut Option<(usize, Route)>,
    ) -> Option<Route> {
        let (s, t) = (a.point(), b.point());
        let consider = |r: Route, best: &mut Option<(usize, Route)>| {
            let h = self.path_hits(&r, ends);
            if best.as_ref().is_none_or(|(b, _)| h < *b) {
                *best = Some((h, r));
            }
        };
        for alone in [true, false] {
            // Straight down (or up) when the ends line up.
            if (s.0 - t.0).abs() < 0.5 && a.side != b.side {
                let r = vec![s, t];
                if self.ok(&r, ends, alone) {
                    return Some(r);
                }
            }
            // One turn level shared by both ends (a "Z").
            for d in TURNS {
                for y in [a.out(d), b.out(d)] {
                    if !Self::beyond(a, y) || !Self::beyond(b, y) {
                        continue;
                    }
                    let r = vec![s, (s.0, y), (t.0, y), t];
                    if self.ok(&r, ends, alone) {
                        return Some(r);
                    }
                    if !alone {
                        consider(r, best);
                    }
                }
            }
            // Out, along, through a channel, along, in.
            let mid = f64::midpoint(s.0, t.0);
            let (lo, hi) = (s.0.min(t.0), s.0.max(t.0));
            let cost = |x: f64| (lo - x).max(0.0) + (x - hi).max(0.0);
            let start = self.channels.partition_point(|&x| x < mid);
            let (mut left, mut right) = (start, start);
            let mut tried = 0;
            while tried < MAX_CHANNELS && (left > 0 || right < self.channels.len()) {
                // The cheaper of the next channel each way.
                let take_left = match (left.checked_sub(1), right < self.channels.len()) {
                    (Some(l), true) => cost(self.channels[l]) <= cost(self.channels[right]),
                    (Some(_), false) => true,
                    (None, _) => false,
                };
                let cx = if take_left {
                    left -= 1;
                    self.channels[left]
                } else {
                    right += 1;
                    self.channels[right - 1]
                };
                tried += 1;
                for lane in LANES {
                    let x = cx + lane;
                    // Each leg checked once, before the legs that depend on it: a blocked
                    // first turn skips every way of finishing from it.
                    for da in &TURNS[..FIVE_LEG_TURNS] {
                        let ya = a.out(*da);
                        let (p1, p2) = ((s.0, ya), (x, ya));
                        let first = [(s, p1), (p1, p2)];
                        if !first.iter().all(|&(p, q)| self.leg_ok(p, q, ends, alone)) {
                            continue;
                        }
                        for db in &TURNS[..FIVE_LEG_TURNS] {
                            let yb = b.out(*db);
                            let (p3, p4) = ((x, yb), (t.0, yb));
                            let rest = [(p2, p3), (p3, p4), (p4, t)];
                            if rest.iter().all(|&(p, q)| self.leg_ok(p, q, ends, alone)) {
                                return Some(vec![s, p1, p2, p3, p4, t]);
                            }
                        }
                    }
                    if !alone && lane == 0.0 {
                        let (ya, yb) = (a.out(TURNS[0]), b.out(TURNS[0]));
                        consider(vec![s, (s.0, ya), (x, ya), (x, yb), (t.0, yb), t], best);
                    }
                }
            }
        }
        None
    }
}

/// SVG path data for a route, corners rounded so crossing lines read as crossings.
pub fn path(r: &Route) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let Some(&(x0, y0)) = r.first() else {
        return out;
    };
    let _ = write!(out, "M{x0:.1},{y0:.1}");
    for i in 1..r.len() {
        let (x, y) = r[i];
        if i + 1 < r.len() {
            // Round the corner at (x, y) by up to 5 units, less on short legs.
            let (px, py) = r[i - 1];
            let (nx, ny) = r[i + 1];
            let len_in = (x - px).abs() + (y - py).abs();
            let len_out = (nx - x).abs() + (ny - y).abs();
            let k = 5.0_f64.min(len_in / 2.0).min(len_out / 2.0);
            if k > 0.5 {
                let (ux, uy) = (sign(x - px), sign(y - py));
                let (vx, vy) = (sign(nx - x), sign(ny - y));
                let _ = write!(
                    out,
                    " L{:.1},{:.1} Q{x:.1},{y:.1} {:.1},{:.1}",
                    x - ux * k,
                    y - uy * k,
                    x + vx * k,
                    y + vy * k
                );
                continue;
            }
        }
        let _ = write!(out, " L{x:.1},{y:.1}");
    }
    out
}

/// -1, 0 or 1 (`f64::signum` says 1 for 0).
fn sign(v: f64) -> f64 {
    if v.abs() < 1e-9 {
        0.0
    } else {
        v.signum()
    }
}

/// Whether the axis-aligned segment `p`–`q` passes through the inside of `r` (touching its
/// border does not count). The layout's tests count crossings with it.
#[cfg(test)]
pub fn crosses(p: (f64, f64), q: (f64, f64), r: &Rect) -> bool {
    let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
    let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
    x1 > r.x + 0.01 && x0 < r.right() - 0.01 && y1 > r.y + 0.01 && y0 < r.bottom() - 0.01
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "exact geometry: ports and turns are exact values"
)]
mod tests {
    use super::*;

    fn rect(x: f64, y: f64) -> Rect {
        Rect {
            x,
            y,
            w: 100.0,
            h: 40.0,
        }
    }

    fn end(id: &str, r: Rect, side: Side) -> End {
        End {
            id: id.into(),
            rect: r,
            side,
            x: r.x + r.w / 2.0,
        }
    }

    #[test]
    fn a_box_in_the_way_is_gone_around() {
        let (a, mid, b) = (rect(0.0, 0.0), rect(0.0, 80.0), rect(0.0, 160.0));
        let obstacles = [("a", a), ("mid", mid), ("b", b)]
            .map(|(id, rect)| Obstacle {
                rect,
                owner: id.into(),
            })
            .to_vec();
        let mut router = Router::new(obstacles, 20.0);
        let r = router.route(&end("a", a, Side::Bottom), &end("b", b, Side::Top));
        assert!(r.len() > 2, "{r:?}");
        assert!(r.windows(2).all(|w| !crosses(w[0], w[1], &mid)), "{r:?}");
        assert_eq!(r.first(), Some(&(50.0, 40.0)));
        assert_eq!(r.last(), Some(&(50.0, 160.0)));
        // Every segment is horizontal or vertical.
        assert!(r.windows(2).all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1));
    }

    #[test]
    fn a_second_arrow_takes_another_lane() {
        let (a, mid, b) = (rect(0.0, 0.0), rect(0.0, 80.0), rect(0.0, 160.0));
        let obstacles = [("a", a), ("mid", mid), ("b", b)]
            .map(|(id, rect)| Obstacle {
                rect,
                owner: id.into(),
            })
            .to_vec();
        let mut router = Router::new(obstacles, 20.0);
        let mut ea = end("a", a, Side::Bottom);
        let mut eb = end("b", b, Side::Top);
        let r1 = router.route(&ea, &eb);
        ea.x = 30.0;
        eb.x = 30.0;
        let r2 = router.route(&ea, &eb);
        let vertical = |r: &Route| r[2].0;
        assert_ne!(vertical(&r1), vertical(&r2));
    }

    #[test]
    fn paths_round_their_corners() {
        let p = path(&vec![(0.0, 0.0), (0.0, 20.0), (40.0, 20.0), (40.0, 60.0)]);
        assert!(
            p.starts_with("M0.0,0.0 L0.0,15.0 Q0.0,20.0 5.0,20.0"),
            "{p}"
        );
        assert!(p.ends_with("L40.0,60.0"), "{p}");
    }
}
