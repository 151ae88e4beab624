//! Power loss: the staged shutdown after mains loss, checked against every UPS's runtime,
//! and the restart order when power returns.
//!
//! The order never stops a provider before its consumers: on every host, guests nobody needs
//! stop first (consumers), then — once their consumers on other hosts are stopped too (the
//! storage services have no client left) — the guests that serve them (the storage VM), layer
//! by layer, then the host itself. A NUT primary also waits for its secondaries to be off
//! before it powers off, because its own power-off ends with the command that cuts the UPS's
//! output (U-8).
//!
//! Timing, each figure a named assumption when the model is silent:
//! - NUT (U-4, U-6, U-7): the shutdown starts at low battery (`runtime − runtime_low_s`);
//!   upsmon sees it within `POLLFREQALERT` (5 s); a secondary sees the primary's FSD within
//!   another poll and waits `FINALDELAY` (5 s); the primary waits up to `HOSTSYNC` (15 s) for
//!   its secondaries to log out, then `FINALDELAY`;
//! - a guest's stop: expected [`Timing::guest_stop_s`] capped by its `down` timeout; at worst
//!   the whole timeout (`down`, else Proxmox's 180 s, G-6) plus the hard stop after it (≤ 10 s,
//!   G-7); an HA guest is stopped through the HA stack: 60 s timeout and a CRM round (HA-23,
//!   HA-8);
//! - the guests of one stage on one host stop in parallel; a host's OS shutdown after its
//!   guests takes [`HOST_OFF_S`] (the model states no host shutdown time);
//! - the load stays at its full draw until the battery is empty (hosts that are off earlier
//!   would lengthen the runtime; not counted), as [`crate::sim::power`] computes it.
//!
//! No I/O, no clock.

use crate::graph::State;
use crate::model::{HostKind, Topology, Vm};
use crate::resolve::{EntityKind, Lookup};
use crate::sim::boot::{self, EventKind, Scenario, Timing};
use crate::sim::power::UpsRuntime;
use crate::sim::{failure, SimError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// upsmon's poll interval while on battery (`POLLFREQALERT`, default 5 s, U-4).
pub const POLLFREQALERT_S: u32 = 5;
/// upsmon's wait between the shutdown notice and `SHUTDOWNCMD` (`FINALDELAY`, default 5 s).
pub const FINALDELAY_S: u32 = 5;
/// The primary's wait for its secondaries to log out (`HOSTSYNC`): a secondary logs out as it
/// calls its `SHUTDOWNCMD`, one poll to see the FSD plus its `FINALDELAY` after the primary set
/// it, so NUT's default 15 s covers it; the scripts wait for each other themselves.
pub const HOSTSYNC_S: u32 = 15;
/// A host's OS shutdown once its guests are stopped (not in the model: assumed).
pub const HOST_OFF_S: u32 = 30;
/// The hard stop after a guest's shutdown timeout (`qm shutdown --forceStop`, G-7).
pub const FORCE_STOP_S: u32 = 10;
/// The HA stack's stop timeout of an HA guest (HA-23) plus a CRM round (HA-8).
pub const HA_STOP_S: u32 = 60 + 10;
/// Slack on every wait for another host, over the longest stop it waits for.
pub const WAIT_SLACK_S: u32 = 30;

/// How a host takes part in NUT for the UPS it dies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The UPS's data cable is on it: it sets FSD and commands the UPS off at the end.
    Primary,
    /// It follows the primary's FSD.
    Secondary,
}

named!(Role { Primary => "primary", Secondary => "secondary" });

/// Whether a host's staged shutdown finishes before its power is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Off before the battery is empty even when every guest takes its whole timeout.
    Finishes,
    /// Off in time when the guests stop as expected, not when they take their timeouts.
    FinishesIfPrompt,
    /// Not off in time even when the guests stop as expected.
    DoesNotFinish,
    /// It never shuts down cleanly: on no UPS (cut at once), or it runs no upsmon.
    NoCleanShutdown,
    /// The model cannot tell: a runtime or the low-battery level is not stated.
    Unknown,
}

named!(Verdict {
    Finishes => "finishes",
    FinishesIfPrompt => "finishes-if-prompt",
    DoesNotFinish => "does-not-finish",
    NoCleanShutdown => "no-clean-shutdown",
    Unknown => "unknown",
});

/// What a stage does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageKind {
    /// upsmon notices low battery (or the FSD) and calls the shutdown script.
    Nut,
    /// Stop guests nothing else needs (storage consumers among them).
    Consumers,
    /// Wait until the consumers of this host's storage on other hosts are stopped: the
    /// storage services have no client left.
    StorageServices,
    /// Stop the guests that serve storage (the storage VM), after everything that needs them.
    Providers,
    /// The primary waits for its secondaries to be off (its power-off cuts the UPS).
    Secondaries,
    /// The host's own shutdown.
    Host,
}

named!(StageKind {
    Nut => "nut",
    Consumers => "consumers",
    StorageServices => "storage-services",
    Providers => "providers",
    Secondaries => "secondaries",
    Host => "host",
});

/// One guest stopped by a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestStop {
    /// The VM.
    pub vm: String,
    /// Its VMID.
    pub vmid: u32,
    /// HA-managed: stopped through the HA stack.
    pub ha: bool,
    /// The shutdown timeout the script gives it, seconds.
    pub timeout_s: u32,
    /// Expected stop time, seconds.
    pub expected_s: u32,
    /// Longest stop time (timeout and hard stop), seconds.
    pub worst_s: u32,
}

/// One stage of a host's shutdown. Times are seconds since mains loss (since the host's
/// trigger when the trigger is not known: see [`HostShutdown::trigger_s`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// What it does.
    pub kind: StageKind,
    /// In words.
    pub title: String,
    /// Guests it stops.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guests: Vec<GuestStop>,
    /// VMs (`vm@host`) or hosts it waits for on other hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits_for: Vec<String>,
    /// How long the script waits for them at most, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_timeout_s: Option<u32>,
    /// Start, when everything stops as expected.
    pub start_s: u32,
    /// End, when everything stops as expected.
    pub end_s: u32,
    /// Start, when every guest takes its whole timeout.
    pub worst_start_s: u32,
    /// End, when every guest takes its whole timeout.
    pub worst_end_s: u32,
}

/// One host after mains loss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostShutdown {
    /// The host.
    pub host: String,
    /// The UPS whose empty battery takes it down; `None` when it is on none (down at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ups: Option<String>,
    /// Its NUT role for that UPS; `None` when it runs no upsmon for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// When its power is gone, seconds since mains loss; `None` when the UPS's runtime is
    /// not stated.
    pub dies_at_s: Option<u32>,
    /// When NUT starts its shutdown (the UPS's low battery), seconds since mains loss; `None`
    /// when not known (no runtime or no `runtime_low_s`), and then the stage times count
    /// from it.
    pub trigger_s: Option<u32>,
    /// The staged shutdown (empty without a clean shutdown).
    pub stages: Vec<Stage>,
    /// Off, when everything stops as expected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_s: Option<u32>,
    /// Off, when every guest takes its whole timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_off_s: Option<u32>,
    /// Seconds of battery left when it is off at worst (negative: short by that much).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_s: Option<i64>,
    /// The verdict.
    pub verdict: Verdict,
    /// What still runs when its power is gone, when everything stops as expected (guests,
    /// then the host itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<String>,
    /// What still runs when its power is gone, when every guest takes its whole timeout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub worst_lost: Vec<String>,
}

/// One UPS on battery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsCheck {
    /// Its load, runtime and what it takes down (the failure model's). Nested, not flattened:
    /// a flattened field makes the page's decoder much larger.
    pub runtime: UpsRuntime,
    /// `runtime_low_s` as stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_low_s: Option<u32>,
    /// The NUT primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// The NUT secondaries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondaries: Vec<String>,
    /// Seconds from low battery until every host it takes down is off, at worst; the least
    /// `runtime_low_s` that lets the shutdown finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed_s: Option<u32>,
    /// The worst verdict over the hosts it takes down.
    pub verdict: Verdict,
}

/// A step of the restart after power returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartEvent {
    /// Seconds since power returned.
    pub at_s: u32,
    /// Host, guest, service or consumer.
    pub subject: String,
    /// What happens.
    pub kind: EventKind,
    /// Details.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The restart after power returns: the cold start by the boot model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restart {
    /// Hosts up, guests up, services ready, volumes attached, waits — in time order.
    pub events: Vec<RestartEvent>,
    /// When everything is ready; `None` when something never is.
    pub all_ready_s: Option<u32>,
    /// What never becomes ready.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub never_ready: Vec<String>,
    /// The suggested startup lines (`qm set VMID --startup …`, run on the VM's node).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup_lines: Vec<String>,
    /// When everything is ready with the suggestion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_all_ready_s: Option<u32>,
    /// Commands that start the HA guests the shutdown set to `stopped` (HA does not start
    /// them by itself afterwards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ha_start: Vec<String>,
    /// When to run them, seconds since power returned: once the nodes are up and the storage
    /// the HA guests boot from and use answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha_start_at_s: Option<u32>,
}

/// The power-loss plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerLoss {
    /// The power feeds lost.
    pub feeds: Vec<String>,
    /// The UPS units on battery, in the order their batteries run out.
    pub ups: Vec<UpsCheck>,
    /// Every host that loses power, by id.
    pub hosts: Vec<HostShutdown>,
    /// The worst verdict over the hosts (`finishes` when none loses power).
    pub verdict: Verdict,
    /// The restart after power returns.
    pub restart: Restart,
    /// The figures assumed where the model is silent.
    pub assumptions: Vec<String>,
    /// Warnings and what the model does not cover.
    pub notes: Vec<String>,
}

impl PowerLoss {
    /// The hosts that shut down cleanly: those the NUT files are for.
    pub fn managed(&self) -> impl Iterator<Item = &HostShutdown> {
        self.hosts.iter().filter(|h| h.role.is_some())
    }
}

/// Plan the loss of `feeds` (every power feed when empty).
///
/// # Errors
/// [`SimError::UnknownId`] when a feed names nothing (with the closest feed id),
/// [`SimError::Unsuitable`] when it names something other than a power feed, and what the
/// failure model returns ([`SimError::Cycle`]).
///
/// # Example
/// ```
/// use hostplan::ops::power::{plan, Verdict};
/// use hostplan::sim::boot::Timing;
/// let t = hostplan::examples::cluster().unwrap();
/// let p = plan(&t, &[], &Timing::default()).unwrap();
/// let pve1 = p.hosts.iter().find(|h| h.host == "pve1").unwrap();
/// assert_eq!(pve1.ups.as_deref(), Some("ups1"));
/// assert_ne!(pve1.verdict, Verdict::NoCleanShutdown);
/// ```
pub fn plan(t: &Topology, feeds: &[String], timing: &Timing) -> Result<PowerLoss, SimError> {
    let lookup = Lookup::new(t);
    for f in feeds {
        if lookup.of(EntityKind::PowerFeed, f).is_none() {
            if lookup.get(f).is_some() {
                return Err(SimError::Unsuitable {
                    id: f.clone(),
                    why: "is not a power feed; only feeds lose mains power".into(),
                });
            }
            return Err(SimError::UnknownId {
                id: f.clone(),
                suggestion: crate::diag::did_you_mean(
                    f,
                    t.power_feeds.iter().map(|p| p.id.as_str()),
                )
                .map(str::to_owned),
            });
        }
    }
    let feeds: Vec<String> = if feeds.is_empty() {
        t.power_feeds.iter().map(|p| p.id.clone()).collect()
    } else {
        let set: BTreeSet<&String> = crate::sort::btree_set(feeds.iter());
        set.into_iter().cloned().collect()
    };
    let mut notes = Vec::new();
    if feeds.is_empty() {
        notes.push("the file states no power feed: nothing loses mains power".into());
    }
    let report = if feeds.is_empty() {
        failure::FailureReport::nothing_failed()
    } else {
        failure::simulate(t, &feeds)?
    };
    let g = Graph::new(t, &lookup, timing);
    let mut hosts = Vec::new();
    let mut death: BTreeMap<&str, Death> = BTreeMap::new();
    for h in &t.hosts {
        if report.state_of(&h.id) == State::Down {
            death.insert(&h.id, Death::AtOnce);
        }
    }
    for r in &report.power {
        let at = if r.overloaded { Some(0) } else { r.runtime_s };
        for id in &r.then_down {
            if g.host_ids.contains(id.as_str()) {
                death.insert(id.as_str(), Death::Ups(r, at));
            }
        }
    }
    let ups_of = |id: &str| lookup.of(EntityKind::Ups, id).map(|i| &t.ups[i]);
    // Each host's role, trigger and death.
    let mut who: BTreeMap<&str, Who> = BTreeMap::new();
    for (host, d) in &death {
        let w = match d {
            Death::AtOnce => Who {
                ups: None,
                role: None,
                dies: Some(0),
                trigger: None,
            },
            Death::Ups(r, at) => {
                let u = ups_of(&r.ups);
                let role = u.and_then(|u| {
                    if u.nut_primary.as_deref() == Some(*host) {
                        Some(Role::Primary)
                    } else if u.nut_secondaries.iter().any(|s| s == host) {
                        Some(Role::Secondary)
                    } else {
                        None
                    }
                });
                Who {
                    ups: Some(r.ups.clone()),
                    role,
                    dies: *at,
                    trigger: if r.overloaded {
                        Some(0)
                    } else {
                        r.low_battery_at_s
                    },
                }
            }
        };
        who.insert(host, w);
    }
    let expected = g.schedule(&who, false);
    let worst = g.schedule(&who, true);
    for (host, w) in &who {
        hosts.push(g.host_plan(host, w, &expected, &worst));
    }
    let verdict = hosts
        .iter()
        .map(|h| h.verdict)
        .max()
        .unwrap_or(Verdict::Finishes);
    let ups: Vec<UpsCheck> = report
        .power
        .iter()
        .map(|r| {
            let u = ups_of(&r.ups);
            let mine: Vec<&HostShutdown> = hosts
                .iter()
                .filter(|h| h.ups.as_deref() == Some(r.ups.as_str()))
                .collect();
            let needed_s = mine
                .iter()
                .filter(|h| h.role.is_some())
                .filter_map(|h| {
                    let trig = h.trigger_s.unwrap_or(0);
                    h.worst_off_s.map(|o| o.saturating_sub(trig))
                })
                .max();
            UpsCheck {
                runtime: r.clone(),
                runtime_low_s: u.and_then(|u| u.runtime_low_s),
                primary: u.and_then(|u| u.nut_primary.clone()),
                secondaries: u.map(|u| u.nut_secondaries.clone()).unwrap_or_default(),
                needed_s,
                verdict: mine
                    .iter()
                    .map(|h| h.verdict)
                    .max()
                    .unwrap_or(Verdict::Finishes),
            }
        })
        .collect();
    ups_notes(&ups, &mut notes);
    g.order_notes(&who, &mut notes);
    if t.cluster.as_ref().is_some_and(|c| {
        c.ha.shutdown_policy.unwrap_or_default() != crate::model::ShutdownPolicy::Freeze
    }) && t.vms.iter().any(|v| v.ha)
    {
        notes.push("HA guests are stopped through the HA stack (requested state `stopped`) so that it does not try to recover them onto nodes that are shutting down too (HA-21): start them again after power returns (below)".into());
    }
    let restart = restart(t, timing);
    Ok(PowerLoss {
        feeds,
        ups,
        hosts,
        verdict,
        restart,
        assumptions: assumptions(timing),
        notes,
    })
}

/// What the UPS units' figures leave unknown or make impossible.
fn ups_notes(ups: &[UpsCheck], notes: &mut Vec<String>) {
    for u in ups {
        if u.runtime.overloaded {
            notes.push(format!(
                "{} carries {} W on battery, more than its capacity: it cannot hold the load at all, so its hosts lose power at once",
                u.runtime.ups, u.runtime.load_w
            ));
        }
        if !u.runtime.unknown_draw.is_empty() {
            notes.push(format!(
                "{} powers {} whose draw is not stated: its load is counted without them, so its runtime is an upper bound",
                u.runtime.ups,
                u.runtime.unknown_draw.join(", ")
            ));
        }
        if u.runtime.runtime_s.is_none() {
            notes.push(format!(
                "{} states no runtime: when its battery is empty is unknown",
                u.runtime.ups
            ));
        } else if u.runtime_low_s.is_none() && !u.runtime.overloaded {
            notes.push(format!(
                "{} states no runtime_low_s: when NUT starts the shutdown (the UPS's low battery) is unknown{}",
                u.runtime.ups,
                u.needed_s.map_or(String::new(), |n| format!(
                    "; it needs at least {n} s of battery left then: set override.battery.runtime.low = {n} in ups.conf (U-3)"
                ))
            ));
        }
    }
}

/// The figures the plan assumes, in words.
fn assumptions(timing: &Timing) -> Vec<String> {
    vec![
        format!("NUT starts the shutdown at the UPS's low battery (runtime − runtime_low_s); upsmon notices it within POLLFREQALERT {POLLFREQALERT_S} s, a secondary sees the primary's FSD within another poll and waits FINALDELAY {FINALDELAY_S} s, the primary waits up to HOSTSYNC {HOSTSYNC_S} s for its secondaries, then FINALDELAY (U-4, U-6, U-7)"),
        format!("a guest stops in {} s as expected (capped by its down timeout); at worst it takes its whole timeout (down, else {} s, G-6) plus {FORCE_STOP_S} s for the hard stop (G-7)", timing.guest_stop_s, timing.default_down_s),
        format!("an HA guest is stopped through the HA stack: {HA_STOP_S} s at most (60 s timeout and a CRM round, HA-23, HA-8)"),
        format!("a host's OS shutdown after its guests: {HOST_OFF_S} s (the model states no host shutdown time)"),
        "the guests of one stage stop in parallel; every VM of the file is taken to be running".into(),
        "the UPS load stays at its full draw until the battery is empty (hosts off earlier would lengthen the runtime)".into(),
        "when the primary's own shutdown ends, the UPS cuts its output after ups.delay.shutdown (device-specific, not in the model: not counted) and restarts the load when power returns (BIOS \"power on after AC loss\" needed, U-8)".into(),
    ]
}

/// How a host loses power.
enum Death<'r> {
    /// At once: on no UPS.
    AtOnce,
    /// When this UPS is empty (at that time, if known).
    Ups(&'r UpsRuntime, Option<u32>),
}

/// A host's place in the shutdown.
struct Who {
    ups: Option<String>,
    role: Option<Role>,
    dies: Option<u32>,
    trigger: Option<u32>,
}

/// What the shutdown reads from the model: who needs whom, and in which layer each guest stops.
struct Graph<'a> {
    t: &'a Topology,
    timing: &'a Timing,
    host_ids: BTreeSet<&'a str>,
    /// The Proxmox hosts.
    proxmox: BTreeSet<&'a str>,
    /// Host id → its guests, in file order.
    guests: BTreeMap<&'a str, Vec<&'a Vm>>,
    /// VM id → the VM.
    vms: BTreeMap<&'a str, &'a Vm>,
    /// VM id → the VMs that need it (its consumers), through a service they use.
    needed_by: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Host id → the VMs that need a service the host itself provides.
    host_consumers: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// VM id → its stop layer: 0 when nothing needs it, else one more than the deepest
    /// layer of what needs it.
    depth: BTreeMap<&'a str, usize>,
}

/// When each guest is stopped and each host off, in one scenario (expected or worst).
#[derive(Default, Clone, PartialEq, Eq)]
struct Schedule {
    stopped: BTreeMap<String, u32>,
    off: BTreeMap<String, u32>,
    stages: BTreeMap<String, Vec<Stage>>,
}

impl<'a> Graph<'a> {
    fn new(t: &'a Topology, lookup: &Lookup, timing: &'a Timing) -> Self {
        let vms: BTreeMap<&str, &Vm> =
            crate::sort::btree_map(t.vms.iter().map(|v| (v.id.as_str(), v)));
        let provider_of: BTreeMap<&str, &str> = crate::sort::btree_map(
            t.services
                .iter()
                .map(|s| (s.id.as_str(), s.provider.as_str())),
        );
        let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut host_consumers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut add = |vm: &'a str, svc: &str| {
            if let Some(p) = provider_of.get(svc) {
                if vms.contains_key(p) {
                    if *p != vm {
                        needs.entry(vm).or_default().insert(p);
                    }
                } else {
                    host_consumers.entry(p).or_default().insert(vm);
                }
            }
        };
        for c in &t.consumers {
            for m in c.control_plane.iter().chain(&c.workers) {
                if vms.contains_key(m.as_str()) {
                    for s in &c.services {
                        add(m.as_str(), s);
                    }
                }
            }
        }
        for v in &t.vms {
            if let Some(svc) = lookup
                .of(EntityKind::Storage, &v.boot_storage)
                .and_then(|i| t.storages[i].service.as_deref())
            {
                add(v.id.as_str(), svc);
            }
        }
        let mut needed_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (c, ps) in &needs {
            for p in ps {
                needed_by.entry(p).or_default().insert(c);
            }
        }
        // Layers: a provider stops after everything that needs it. Bounded by the VM count,
        // so a dependency cycle (which validation reports) cannot loop.
        let mut depth: BTreeMap<&str, usize> = crate::sort::btree_map(vms.keys().map(|v| (*v, 0)));
        for _ in 0..vms.len() {
            let mut changed = false;
            for (c, ps) in &needs {
                let dc = depth.get(c).copied().unwrap_or(0);
                for p in ps {
                    if depth.get(p).copied().unwrap_or(0) < dc + 1 {
                        depth.insert(p, dc + 1);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut guests: BTreeMap<&str, Vec<&Vm>> = BTreeMap::new();
        for v in &t.vms {
            guests.entry(v.host.as_str()).or_default().push(v);
        }
        Self {
            t,
            timing,
            host_ids: t.hosts.iter().map(|h| h.id.as_str()).collect(),
            proxmox: t
                .hosts
                .iter()
                .filter(|h| h.kind == HostKind::Proxmox)
                .map(|h| h.id.as_str())
                .collect(),
            guests,
            vms,
            needed_by,
            host_consumers,
            depth,
        }
    }

    /// The guests of `host`, in file order.
    fn on(&self, host: &str) -> &[&'a Vm] {
        self.guests.get(host).map_or(&[], Vec::as_slice)
    }

    fn guest_stop(&self, vm: &Vm) -> GuestStop {
        let timeout_s = vm.startup.down.unwrap_or(self.timing.default_down_s);
        let (expected_s, worst_s) = if vm.ha {
            (
                super::outage::stop_s(vm, self.timing).min(60) + 10,
                HA_STOP_S,
            )
        } else {
            (
                super::outage::stop_s(vm, self.timing),
                timeout_s.saturating_add(FORCE_STOP_S),
            )
        };
        GuestStop {
            vm: vm.id.clone(),
            vmid: vm.vmid,
            ha: vm.ha,
            timeout_s: if vm.ha { 60 } else { timeout_s },
            expected_s,
            worst_s,
        }
    }

    /// The host's guests by stop layer.
    fn layers(&self, host: &str) -> BTreeMap<usize, Vec<&'a Vm>> {
        let mut out: BTreeMap<usize, Vec<&Vm>> = BTreeMap::new();
        for v in self.on(host) {
            out.entry(self.depth.get(v.id.as_str()).copied().unwrap_or(0))
                .or_default()
                .push(v);
        }
        for vs in out.values_mut() {
            crate::sort::sort_by_key(vs, |v| std::cmp::Reverse(v.vmid));
        }
        out
    }

    /// How long the script waits for `vms` on other hosts: the longest of their worst stops
    /// and NUT's delays, and some slack.
    fn wait_timeout(&self, vms: &[&str]) -> u32 {
        vms.iter()
            .filter_map(|v| self.vms.get(v))
            .map(|v| self.guest_stop(v).worst_s)
            .max()
            .unwrap_or(0)
            + HOSTSYNC_S
            + FINALDELAY_S
            + POLLFREQALERT_S
            + WAIT_SLACK_S
    }

    /// A host's own worst-case duration from its script's start to off, ignoring waits for
    /// other hosts: what a primary waits for a secondary at most.
    fn local_worst(&self, host: &str) -> u32 {
        self.layers(host)
            .values()
            .map(|vs| {
                vs.iter()
                    .map(|v| self.guest_stop(v).worst_s)
                    .max()
                    .unwrap_or(0)
            })
            .sum::<u32>()
            + HOST_OFF_S
    }

    /// Every host's stages in one scenario. Waits for other hosts read the previous round's
    /// times (unknown at first: the wait's timeout), so the rounds move times only earlier
    /// and settle; a host waiting for one that waits for it ends at the timeouts.
    fn schedule(&self, who: &BTreeMap<&str, Who>, worst: bool) -> Schedule {
        let mut cur = Schedule::default();
        for _ in 0..who.len() * (self.vms.len() + 2) + 2 {
            let next = self.round(who, worst, &cur);
            if next == cur {
                break;
            }
            cur = next;
        }
        cur
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one host's stages in order: split, the order would be spread over functions"
    )]
    fn round(&self, who: &BTreeMap<&str, Who>, worst: bool, prev: &Schedule) -> Schedule {
        let mut out = Schedule::default();
        // Guests of hosts without a clean shutdown stop when their power goes.
        for (host, w) in who {
            if w.role.is_none() {
                if let Some(d) = w.dies {
                    for v in self.on(host) {
                        out.stopped.insert(v.id.clone(), d);
                    }
                    out.off.insert((*host).to_owned(), d);
                }
            }
        }
        let host_of = |vm: &str| self.vms.get(vm).map(|v| v.host.as_str());
        for (host, w) in who {
            let Some(role) = w.role else { continue };
            let trigger = w.trigger.unwrap_or(0);
            let mut stages = Vec::new();
            let nut = match role {
                Role::Secondary => POLLFREQALERT_S * 2 + FINALDELAY_S,
                Role::Primary => POLLFREQALERT_S + HOSTSYNC_S + FINALDELAY_S,
            };
            let mut now = trigger + nut;
            stages.push(stage(
                StageKind::Nut,
                match role {
                    Role::Secondary => "upsmon (secondary) sees low battery and the primary's FSD, then calls the shutdown script".to_owned(),
                    Role::Primary => "upsmon (primary) sees low battery, sets FSD, waits for its secondaries to log out, then calls the shutdown script".to_owned(),
                },
                trigger,
                now,
            ));
            let remote_wait = |now: u32, vms: &[&str]| -> (u32, u32) {
                let timeout = self.wait_timeout(vms);
                let ready = vms
                    .iter()
                    .map(|v| prev.stopped.get(*v).copied().unwrap_or(u32::MAX))
                    .max()
                    .unwrap_or(now);
                (ready.max(now).min(now + timeout), timeout)
            };
            for (d, vs) in self.layers(host) {
                let remote: BTreeSet<&str> = crate::sort::btree_set(
                    vs.iter()
                        .flat_map(|v| self.needed_by.get(v.id.as_str()).into_iter().flatten())
                        .copied()
                        .filter(|c| host_of(c) != Some(*host)),
                );
                if !remote.is_empty() {
                    let list: Vec<&str> = remote.iter().copied().collect();
                    let (until, timeout) = remote_wait(now, &list);
                    let mut s = stage(
                        StageKind::StorageServices,
                        format!(
                            "wait until the consumers on other hosts are stopped: no client of {} is left",
                            self.services_of(&vs)
                        ),
                        now,
                        until,
                    );
                    s.waits_for = list
                        .iter()
                        .map(|c| format!("{c}@{}", host_of(c).unwrap_or("?")))
                        .collect();
                    s.wait_timeout_s = Some(timeout);
                    stages.push(s);
                    now = until;
                }
                let guests: Vec<GuestStop> = vs.iter().map(|v| self.guest_stop(v)).collect();
                let dur = guests
                    .iter()
                    .map(|g| if worst { g.worst_s } else { g.expected_s })
                    .max()
                    .unwrap_or(0);
                for g in &guests {
                    let own = if worst { g.worst_s } else { g.expected_s };
                    out.stopped.insert(g.vm.clone(), now + own);
                }
                let provides = vs
                    .iter()
                    .any(|v| self.needed_by.contains_key(v.id.as_str()));
                let kind = if d == 0 && !provides {
                    StageKind::Consumers
                } else {
                    StageKind::Providers
                };
                let names: Vec<&str> = guests.iter().map(|g| g.vm.as_str()).collect();
                let title = match kind {
                    StageKind::Consumers => format!(
                        "stop {} (nothing needs {})",
                        names.join(", "),
                        if names.len() == 1 { "it" } else { "them" }
                    ),
                    _ => format!(
                        "stop {} (serving {}), after everything that needs it",
                        names.join(", "),
                        self.services_of(&vs)
                    ),
                };
                let mut s = stage(kind, title, now, now + dur);
                s.guests = guests;
                stages.push(s);
                now += dur;
            }
            // Storage the host serves itself (a bare-metal NFS server): its clients first.
            if let Some(cs) = self.host_consumers.get(host) {
                let list: Vec<&str> = cs
                    .iter()
                    .copied()
                    .filter(|c| host_of(c) != Some(*host))
                    .collect();
                if !list.is_empty() {
                    let (until, timeout) = remote_wait(now, &list);
                    let mut s = stage(
                        StageKind::StorageServices,
                        format!(
                            "wait until the clients of {host}'s own storage services are stopped"
                        ),
                        now,
                        until,
                    );
                    s.waits_for = list
                        .iter()
                        .map(|c| format!("{c}@{}", host_of(c).unwrap_or("?")))
                        .collect();
                    s.wait_timeout_s = Some(timeout);
                    stages.push(s);
                    now = until;
                }
            }
            if role == Role::Primary {
                let secondaries: Vec<&str> = who
                    .iter()
                    .filter(|(h, x)| {
                        **h != *host && x.ups == w.ups && x.role == Some(Role::Secondary)
                    })
                    .map(|(h, _)| *h)
                    .collect();
                if !secondaries.is_empty() {
                    let timeout = secondaries
                        .iter()
                        .map(|s| self.local_worst(s))
                        .max()
                        .unwrap_or(0)
                        + WAIT_SLACK_S;
                    let ready = secondaries
                        .iter()
                        .map(|s| prev.off.get(*s).copied().unwrap_or(u32::MAX))
                        .max()
                        .unwrap_or(now);
                    let until = ready.max(now).min(now + timeout);
                    let mut s = stage(
                        StageKind::Secondaries,
                        format!(
                            "wait until the secondaries are off: {host}'s power-off cuts the UPS",
                        ),
                        now,
                        until,
                    );
                    s.waits_for = secondaries.iter().map(|s| (*s).to_owned()).collect();
                    s.wait_timeout_s = Some(timeout);
                    stages.push(s);
                    now = until;
                }
            }
            stages.push(stage(
                StageKind::Host,
                format!("power {host} off"),
                now,
                now + HOST_OFF_S,
            ));
            now += HOST_OFF_S;
            out.off.insert((*host).to_owned(), now);
            out.stages.insert((*host).to_owned(), stages);
        }
        out
    }

    /// The service ids the VMs provide, for a stage's title.
    fn services_of(&self, vms: &[&Vm]) -> String {
        let ids: Vec<&str> = self
            .t
            .services
            .iter()
            .filter(|s| vms.iter().any(|v| v.id == s.provider))
            .map(|s| s.id.as_str())
            .collect();
        if ids.is_empty() {
            "what they need".to_owned()
        } else {
            ids.join(", ")
        }
    }

    fn host_plan(
        &self,
        host: &str,
        w: &Who,
        expected: &Schedule,
        worst: &Schedule,
    ) -> HostShutdown {
        let mut h = HostShutdown {
            host: host.to_owned(),
            ups: w.ups.clone(),
            role: w.role,
            dies_at_s: w.dies,
            trigger_s: w.trigger,
            stages: Vec::new(),
            off_s: None,
            worst_off_s: None,
            margin_s: None,
            verdict: Verdict::NoCleanShutdown,
            lost: Vec::new(),
            worst_lost: Vec::new(),
        };
        let guests: Vec<&Vm> = {
            let mut g: Vec<&Vm> = self.on(host).to_vec();
            crate::sort::sort_by_key(&mut g, |v| v.vmid);
            g
        };
        let all = || {
            guests
                .iter()
                .map(|v| v.id.clone())
                .chain(std::iter::once(host.to_owned()))
                .collect::<Vec<_>>()
        };
        if w.role.is_none() {
            h.lost = all();
            h.worst_lost.clone_from(&h.lost);
            if w.dies.is_none() {
                h.verdict = Verdict::Unknown;
            }
            return h;
        }
        let mut stages = worst.stages.get(host).cloned().unwrap_or_default();
        let exp = expected.stages.get(host).cloned().unwrap_or_default();
        for (s, e) in stages.iter_mut().zip(&exp) {
            s.worst_start_s = s.start_s;
            s.worst_end_s = s.end_s;
            s.start_s = e.start_s;
            s.end_s = e.end_s;
        }
        h.stages = stages;
        h.off_s = expected.off.get(host).copied();
        h.worst_off_s = worst.off.get(host).copied();
        let (Some(dies), Some(_)) = (w.dies, w.trigger) else {
            h.verdict = Verdict::Unknown;
            return h;
        };
        let lost = |s: &Schedule, off: Option<u32>| -> Vec<String> {
            let mut out: Vec<String> = guests
                .iter()
                .filter(|v| s.stopped.get(&v.id).is_none_or(|t| *t > dies))
                .map(|v| v.id.clone())
                .collect();
            if off.is_none_or(|o| o > dies) {
                out.push(host.to_owned());
            }
            out
        };
        h.lost = lost(expected, h.off_s);
        h.worst_lost = lost(worst, h.worst_off_s);
        h.margin_s = h.worst_off_s.map(|o| i64::from(dies) - i64::from(o));
        h.verdict = if h.worst_lost.is_empty() {
            Verdict::Finishes
        } else if h.lost.is_empty() {
            Verdict::FinishesIfPrompt
        } else {
            Verdict::DoesNotFinish
        };
        h
    }

    /// Orders the NUT roles and the model make impossible, and hosts that do not shut down.
    fn order_notes(&self, who: &BTreeMap<&str, Who>, notes: &mut Vec<String>) {
        for (host, w) in who {
            match (&w.ups, w.role) {
                (None, _) => {
                    if self.proxmox.contains(host) || !self.on(host).is_empty()
                    {
                        notes.push(format!(
                            "{host} is on no UPS: it loses power at once, with everything running on it (no clean shutdown)"
                        ));
                    } else {
                        notes.push(format!("{host} is on no UPS: it loses power at once"));
                    }
                }
                (Some(u), None) => notes.push(format!(
                    "{host} is on {u} but runs no upsmon for it: it is not told to shut down and loses power when the battery is empty (make it a NUT secondary of {u})"
                )),
                (Some(_), Some(_)) => {}
            }
        }
        // A provider on a secondary whose consumers are on the primary: the primary starts
        // its script only after HOSTSYNC, so the secondary waits up to its timeout.
        for (p, cs) in &self.needed_by {
            let Some(ph) = self.vms.get(p).map(|v| v.host.as_str()) else {
                continue;
            };
            for c in cs {
                let Some(ch) = self.vms.get(c).map(|v| v.host.as_str()) else {
                    continue;
                };
                if ch == ph {
                    continue;
                }
                match (who.get(ch), who.get(ph)) {
                    (Some(cw), Some(pw)) if cw.role.is_none() && pw.role.is_some() => {
                        notes.push(format!(
                            "{c} on {ch} is not shut down cleanly, so {p} on {ph} waits for it until its timeout and then stops under it"
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
}

fn stage(kind: StageKind, title: String, start: u32, end: u32) -> Stage {
    Stage {
        kind,
        title,
        guests: Vec::new(),
        waits_for: Vec::new(),
        wait_timeout_s: None,
        start_s: start,
        end_s: end,
        worst_start_s: start,
        worst_end_s: end,
    }
}

/// Seconds from milliseconds, rounded up.
fn secs(ms: u64) -> u32 {
    u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX)
}

/// The cold start after power returns, the suggested startup lines, and the HA guests to
/// start again.
fn restart(t: &Topology, timing: &Timing) -> Restart {
    // The shutdown left the HA guests' requested state `stopped`: nothing starts them until
    // someone runs the commands. Run them once the storage they need answers — started
    // earlier, a guest booting from it fails and Proxmox does not retry (G-17) — and the HA
    // stack starts them as the boot model's HA guests do, that much after their node is up.
    let mut before = t.clone();
    for v in before.vms.iter_mut().filter(|v| v.ha) {
        v.onboot = false;
    }
    let first = boot::simulate(&before, &Scenario::ColdStart, timing);
    let ready: BTreeMap<&str, u64> = crate::sort::btree_map(
        first
            .events
            .iter()
            .filter(|e| e.kind == EventKind::ServiceReady)
            .map(|e| (e.subject.as_str(), e.at_ms)),
    );
    let gate = first
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::HostUp | EventKind::QuorumUp))
        .map(|e| e.at_ms)
        .max();
    let lookup = Lookup::new(t);
    let needed = t
        .vms
        .iter()
        .filter(|v| v.ha)
        .flat_map(|v| {
            let boot = lookup
                .of(EntityKind::Storage, &v.boot_storage)
                .and_then(|i| t.storages[i].service.clone());
            let uses = t
                .consumers
                .iter()
                .filter(|c| c.control_plane.contains(&v.id) || c.workers.contains(&v.id))
                .flat_map(|c| c.services.clone());
            boot.into_iter().chain(uses).collect::<Vec<_>>()
        })
        .filter_map(|s| ready.get(s.as_str()).copied())
        .max();
    let mut timing2 = timing.clone();
    let mut ha_start_at_s = None;
    if let Some(gate) = gate.filter(|_| t.vms.iter().any(|v| v.ha)) {
        let at = needed.unwrap_or(gate).max(gate);
        ha_start_at_s = Some(secs(at));
        // Whole seconds after the last node (and quorum) is up, never before HA would.
        #[allow(clippy::cast_precision_loss)]
        let delay = (at - gate).div_ceil(1000) as f64;
        timing2.ha_start_s = timing.ha_start_s.max(delay);
    }
    let mut after = t.clone();
    for v in after.vms.iter_mut().filter(|v| v.ha) {
        v.onboot = true;
    }
    let t = &after;
    let timing = &timing2;
    let tl = boot::simulate(t, &Scenario::ColdStart, timing);
    let events = tl
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::HostUp
                    | EventKind::StartIssued
                    | EventKind::StartFailed
                    | EventKind::GuestUp
                    | EventKind::ServiceReady
                    | EventKind::QuorumUp
                    | EventKind::Waiting
                    | EventKind::VolumesReady
            )
        })
        .map(|e| RestartEvent {
            at_s: secs(e.at_ms),
            subject: e.subject.clone(),
            kind: e.kind,
            detail: e.detail.clone(),
        })
        .collect();
    let s = boot::suggest(t, timing);
    let vmid: BTreeMap<&str, &Vm> =
        crate::sort::btree_map(t.vms.iter().map(|v| (v.id.as_str(), v)));
    let startup_lines = s
        .changes
        .iter()
        .filter_map(|c| {
            let vm = vmid.get(c.vm.as_str())?;
            let mut parts = Vec::new();
            if let Some(o) = c.order_after {
                parts.push(format!("order={o}"));
            }
            if let Some(u) = c.up_after {
                parts.push(format!("up={u}"));
            }
            if let Some(d) = vm.startup.down {
                parts.push(format!("down={d}"));
            }
            (!parts.is_empty()).then(|| {
                format!(
                    "qm set {} --startup {}   # {} on {}",
                    vm.vmid,
                    parts.join(","),
                    vm.id,
                    vm.host
                )
            })
        })
        .collect();
    let ha_start = t
        .vms
        .iter()
        .filter(|v| v.ha)
        .map(|v| format!("ha-manager set vm:{} --state started   # {}", v.vmid, v.id))
        .collect();
    Restart {
        events,
        all_ready_s: tl.all_ready_ms.map(secs),
        never_ready: tl.never_ready,
        startup_lines,
        suggested_all_ready_s: if s.changes.is_empty() {
            None
        } else {
            s.after_ms.map(secs)
        },
        ha_start,
        ha_start_at_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_has_no_ups_and_says_what_is_cut() {
        let t = crate::examples::seed().unwrap();
        let p = plan(&t, &[], &Timing::default()).unwrap();
        let srv = p.hosts.iter().find(|h| h.host == "srv01").unwrap();
        assert_eq!(srv.verdict, Verdict::NoCleanShutdown);
        assert_eq!(srv.dies_at_s, Some(0));
        assert!(srv.lost.contains(&"truenas".to_owned()), "{srv:?}");
        assert!(p.ups.is_empty());
        assert!(p.managed().next().is_none());
    }

    #[test]
    fn cluster_stops_consumers_before_truenas() {
        let t = crate::examples::cluster().unwrap();
        let p = plan(&t, &[], &Timing::default()).unwrap();
        let pve1 = p.hosts.iter().find(|h| h.host == "pve1").unwrap();
        assert_eq!(pve1.role, Some(Role::Primary));
        let kinds: Vec<StageKind> = pve1.stages.iter().map(|s| s.kind).collect();
        let pos = |k| kinds.iter().position(|x| *x == k).unwrap();
        assert!(pos(StageKind::Consumers) < pos(StageKind::StorageServices));
        assert!(pos(StageKind::StorageServices) < pos(StageKind::Providers));
        assert!(pos(StageKind::Providers) < pos(StageKind::Host));
        // truenas stops only after talos-cp2 on pve2 is stopped.
        let pve2 = p.hosts.iter().find(|h| h.host == "pve2").unwrap();
        let cp2 = pve2
            .stages
            .iter()
            .find(|s| s.guests.iter().any(|g| g.vm == "talos-cp2"))
            .unwrap();
        let tn = pve1
            .stages
            .iter()
            .find(|s| s.guests.iter().any(|g| g.vm == "truenas"))
            .unwrap();
        assert!(tn.start_s >= cp2.end_s, "{tn:?} {cp2:?}");
        assert!(tn.worst_start_s >= cp2.worst_end_s);
        assert!(pve1.trigger_s.is_some() && pve1.dies_at_s.is_some());
    }

    #[test]
    fn a_short_runtime_names_what_is_lost() {
        let mut t = crate::examples::cluster().unwrap();
        t.ups[0].runtime_low_s = Some(60);
        let p = plan(&t, &[], &Timing::default()).unwrap();
        let pve1 = p.hosts.iter().find(|h| h.host == "pve1").unwrap();
        assert_eq!(pve1.verdict, Verdict::DoesNotFinish, "{pve1:?}");
        assert!(pve1.lost.contains(&"truenas".to_owned()));
        assert!(pve1.margin_s.unwrap() < 0);
    }

    #[test]
    fn bad_feed_ids() {
        let t = crate::examples::cluster().unwrap();
        assert!(matches!(
            plan(&t, &["pve1".into()], &Timing::default()),
            Err(SimError::Unsuitable { .. })
        ));
        assert!(matches!(
            plan(&t, &["main".into()], &Timing::default()),
            Err(SimError::UnknownId { suggestion: Some(ref s), .. }) if s == "mains"
        ));
    }
}
