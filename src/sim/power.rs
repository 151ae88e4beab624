//! Mains loss over time: which UPS units are on battery, the load each carries, how long
//! each lasts at that load, and what goes down when each battery is empty.
//!
//! The load of a host or switch is its `power_w`, split evenly over its PSUs that still have
//! power (dual supplies share the load). A load whose draw is not stated is listed in
//! `unknown_draw` and not counted: the runtime is then an upper bound.

use crate::graph::{Dag, NodeKind, State};
use crate::model::{Psu, RuntimePoint, Topology};
use crate::resolve::{EntityKind, Lookup};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A UPS running on its battery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsRuntime {
    /// The UPS.
    pub ups: String,
    /// The load it carries, W (stated draws only).
    pub load_w: u32,
    /// Hosts and switches it powers whose draw is not stated (not counted in `load_w`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_draw: Vec<String>,
    /// Seconds until the battery is empty at `load_w` (rounded down); `None` when the UPS
    /// states no runtime.
    pub runtime_s: Option<u32>,
    /// Seconds until NUT sees low battery (`runtime − runtime_low_s`) and starts the
    /// shutdown; `None` when either is unknown.
    pub low_battery_at_s: Option<u32>,
    /// The load is above the UPS's capacity: it cannot carry it at all.
    pub overloaded: bool,
    /// Hosts, VMs and services that go down when this battery is empty (and the ones before
    /// it are), in id order.
    pub then_down: Vec<String>,
}

/// The UPS units on battery under `states` (a failure evaluation of `dag`, failing `failed`),
/// in the order their batteries run out (unknown runtimes last).
pub fn on_battery(t: &Topology, dag: &Dag, failed: &[bool], states: &[State]) -> Vec<UpsRuntime> {
    let lookup = Lookup::new(t);
    let state_of = |id: &str| dag.find(id).map_or(State::Up, |i| states[i as usize]);
    let on_battery: Vec<usize> = t
        .ups
        .iter()
        .enumerate()
        .filter(|(_, u)| state_of(&u.id) != State::Down)
        .filter(|(_, u)| {
            u.feed
                .as_deref()
                .is_some_and(|f| state_of(f) == State::Down)
        })
        .map(|(i, _)| i)
        .collect();
    if on_battery.is_empty() {
        return Vec::new();
    }
    let mut load: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let powered = |p: &Psu| state_of(&p.power) != State::Down;
    let mut draw = |id: &str, power_w: Option<u32>, sources: Vec<&str>| {
        // The load splits over every supply that has power; the UPS ones count here.
        let share = sources.len().max(1) as u32;
        let live: Vec<&str> = sources
            .into_iter()
            .filter(|s| lookup.of(EntityKind::Ups, s).is_some())
            .collect();
        if live.is_empty() || state_of(id) == State::Down {
            return;
        }
        for s in &live {
            match power_w {
                Some(w) => *load.entry((*s).to_owned()).or_default() += w / share,
                None => unknown
                    .entry((*s).to_owned())
                    .or_default()
                    .push(id.to_owned()),
            }
        }
    };
    for h in &t.hosts {
        let sources: Vec<&str> = if h.psus.is_empty() {
            h.power_feed.iter().map(String::as_str).collect()
        } else {
            let up: Vec<&Psu> = h.psus.iter().filter(|p| powered(p)).collect();
            up.into_iter().map(|p| p.power.as_str()).collect()
        };
        draw(&h.id, h.power_w, sources);
    }
    for s in &t.switches {
        let up: Vec<&str> = s
            .psus
            .iter()
            .filter(|p| powered(p))
            .map(|p| p.power.as_str())
            .collect();
        draw(&s.id, s.power_w, up);
    }
    let mut out: Vec<UpsRuntime> = on_battery
        .into_iter()
        .map(|i| {
            let u = &t.ups[i];
            let load_w = load.get(u.id.as_str()).copied().unwrap_or(0);
            let runtime_s = runtime_s(&u.runtime, load_w);
            UpsRuntime {
                ups: u.id.clone(),
                load_w,
                unknown_draw: unknown.remove(u.id.as_str()).unwrap_or_default(),
                runtime_s,
                low_battery_at_s: runtime_s
                    .zip(u.runtime_low_s)
                    .map(|(r, low)| r.saturating_sub(low)),
                overloaded: u.capacity_w.is_some_and(|c| load_w > c),
                then_down: Vec::new(),
            }
        })
        .collect();
    crate::sort::sort_by(&mut out, |a, b| {
        let key = |r: &UpsRuntime| if r.overloaded { Some(0) } else { r.runtime_s };
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.ups.cmp(&b.ups)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.ups.cmp(&b.ups),
        }
    });
    // Empty the batteries one after the other and say what each takes down.
    let mut mask = failed.to_vec();
    let mut before = states.to_vec();
    for r in &mut out {
        if let Some(i) = dag.find(&r.ups) {
            mask[i as usize] = true;
        }
        let after = dag.evaluate(&mask);
        r.then_down = (0..dag.len() as u32)
            .filter(|&i| after[i as usize] == State::Down && before[i as usize] != State::Down)
            .filter(|&i| {
                matches!(
                    dag.node(i).kind,
                    NodeKind::Host | NodeKind::Vm | NodeKind::Switch
                ) || dag.node(i).kind.is_service()
            })
            .map(|i| dag.node(i).id.clone())
            .collect();
        crate::sort::sort(&mut r.then_down);
        before = after;
    }
    out
}

/// [`runtime_at`] in whole seconds (rounded down).
pub fn runtime_s(curve: &[RuntimePoint], load_w: u32) -> Option<u32> {
    // Non-negative and finite (validation keeps curves positive); clamped, so the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    runtime_at(curve, load_w).map(|m| (m * 60.0).floor().clamp(0.0, f64::from(u32::MAX)) as u32)
}

/// Runtime in minutes at `load_w` from a runtime curve: interpolated between points, scaled
/// as constant energy (`minutes × load_point / load`) outside them; `None` without a curve.
/// No load: the runtime at the lowest point (the battery still self-discharges and the
/// inverter draws).
pub fn runtime_at(curve: &[RuntimePoint], load_w: u32) -> Option<f64> {
    let first = curve.first()?;
    let last = curve.last()?;
    let load = f64::from(load_w);
    if load_w <= first.load_w {
        if load_w == 0 {
            return Some(first.minutes);
        }
        return Some(first.minutes * f64::from(first.load_w) / load);
    }
    if load_w >= last.load_w {
        return Some(last.minutes * f64::from(last.load_w) / load);
    }
    curve.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        (a.load_w..=b.load_w).contains(&load_w).then(|| {
            let f = (load - f64::from(a.load_w)) / f64::from(b.load_w - a.load_w);
            a.minutes + f * (b.minutes - a.minutes)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(load_w: u32, minutes: f64) -> RuntimePoint {
        RuntimePoint { load_w, minutes }
    }

    #[test]
    fn runtime_curve() {
        let c = [p(250, 28.0), p(500, 12.0), p(1000, 4.5)];
        assert_eq!(runtime_at(&c, 500), Some(12.0));
        assert_eq!(runtime_at(&c, 375), Some(20.0));
        assert_eq!(runtime_at(&c, 125), Some(56.0));
        assert_eq!(runtime_at(&c, 2000), Some(2.25));
        assert_eq!(runtime_at(&[], 100), None);
        // One point: constant energy on both sides.
        assert_eq!(runtime_at(&[p(400, 10.0)], 200), Some(20.0));
    }
}
