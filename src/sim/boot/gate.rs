//! Readiness gates: a guest whose start waits until the storage services it needs answer,
//! instead of relying on a fixed `up` delay (OPERATIONS.md §10.4).
//!
//! Proxmox runs a guest's hookscript as `<script> <vmid> pre-start` before it activates the
//! guest's volumes, and a non-zero exit aborts the start (G-11…G-13: pve-guest-common
//! `GuestHelpers.pm` `exec_hookscript`, qemu-server `vm_start_nolock`, the pve-docs example
//! `guest-example-hookscript.pl`). Proxmox gives the phase no timeout, and under `startall` a
//! blocking `pre-start` holds its order group (G-15), so the gate carries its own deadline.
//!
//! Modelled here: the gate runs inside the start task (it holds a `max_workers` slot), polls
//! every [`POLL_S`] seconds, passes at the first poll after every needed service is ready, and
//! aborts the start at its deadline. [`needs`] says which guests get a gate and why;
//! [`timeout`] derives each gate's deadline from the model. `ops::hookscript` writes the
//! scripts from the same two functions, so the simulation and the scripts agree.

use super::{guest_up_s, Timeline, Timing};
use crate::model::{StorageKind, Topology};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Seconds between two connection attempts of a gate.
pub const POLL_S: u32 = 2;
/// The shortest deadline a gate gets, seconds: a model whose service answers within seconds
/// still leaves room for a slow start.
pub const MIN_TIMEOUT_S: u32 = 60;
/// A gate's deadline is this many times the longest time-to-serve of what it waits for.
pub const TIMEOUT_FACTOR: u32 = 2;

/// One service a guest's start waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    /// The storage service.
    pub service: String,
    /// Why the guest needs it, in words (`consumer talos's volumes`, `boot storage nas-nfs`).
    pub why: String,
}

/// Every guest that gets a readiness gate, with what it waits for: the members of a consumer
/// that uses storage services (its volumes attach from them), and every guest that boots from
/// a network storage backed by a service (its start fails without it, G-17). A guest is
/// never gated on a service it provides itself: that gate could never pass.
///
/// # Example
/// ```
/// let t = hostplan::examples::seed().unwrap();
/// let needs = hostplan::sim::boot::gate::needs(&t);
/// assert_eq!(needs.keys().collect::<Vec<_>>(), ["talos-cp1", "talos-w1", "talos-w2"]);
/// assert_eq!(needs["talos-w1"][0].service, "iscsi-k8s");
/// ```
pub fn needs(t: &Topology) -> BTreeMap<String, Vec<Need>> {
    let provider: BTreeMap<&str, &str> = crate::sort::btree_map(
        t.services
            .iter()
            .map(|s| (s.id.as_str(), s.provider.as_str())),
    );
    let vms: BTreeSet<&str> = crate::sort::btree_set(t.vms.iter().map(|v| v.id.as_str()));
    let mut out: BTreeMap<String, Vec<Need>> = BTreeMap::new();
    let mut add = |vm: &str, service: &str, why: String| {
        if !vms.contains(vm) || provider.get(service) == Some(&vm) {
            return;
        }
        let list = out.entry(vm.to_owned()).or_default();
        if !list.iter().any(|n| n.service == service) {
            list.push(Need {
                service: service.to_owned(),
                why,
            });
        }
    };
    for vm in &t.vms {
        let Some(st) = t.storages.iter().find(|s| s.id == vm.boot_storage) else {
            continue;
        };
        let network = matches!(
            st.kind,
            StorageKind::Nfs | StorageKind::Iscsi | StorageKind::Cifs
        );
        if let (true, Some(svc)) = (network, st.service.as_deref()) {
            add(&vm.id, svc, format!("its boot disk is on {}", st.id));
        }
    }
    for c in &t.consumers {
        for member in c.control_plane.iter().chain(&c.workers) {
            for s in &c.services {
                add(member, s, format!("consumer {}'s volumes", c.id));
            }
        }
    }
    out
}

/// A gate's deadline and where the figure comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// Seconds from the start of `pre-start`.
    pub seconds: u32,
    /// How it was derived, in words (written into the script).
    pub why: String,
}

/// How long after its provider starts `service` answers, and the parts, from the model: a VM
/// provider's start task and boot, a host provider's boot, then `ready_after_s`.
fn serve_s(t: &Topology, service: &str, timing: &Timing) -> Option<(u32, String)> {
    let s = t.services.iter().find(|s| s.id == service)?;
    if let Some(vm) = t.vms.iter().find(|v| v.id == s.provider) {
        let up = guest_up_s(vm, timing);
        return Some((
            up.saturating_add(s.ready_after_s),
            format!(
                "{} answers {} s after {}'s start is issued ({up} s until it is up, ready_after_s {})",
                s.id,
                up.saturating_add(s.ready_after_s),
                vm.id,
                s.ready_after_s
            ),
        ));
    }
    let h = t.hosts.iter().find(|h| h.id == s.provider)?;
    let boot = if h.boot_time_s == 0 {
        timing.default_host_boot_s
    } else {
        h.boot_time_s
    };
    Some((
        boot.saturating_add(s.ready_after_s),
        format!(
            "{} answers {} s after {} powers on ({boot} s to boot, ready_after_s {})",
            s.id,
            boot.saturating_add(s.ready_after_s),
            h.id,
            s.ready_after_s
        ),
    ))
}

/// The deadline of a gate waiting for `needs`: [`TIMEOUT_FACTOR`] times the longest
/// time-to-serve among them, at least [`MIN_TIMEOUT_S`] — twice what the model expects, so a
/// slower boot than modelled still passes and a service that never comes aborts the start in
/// bounded time. `given` (a user's `--timeout`) wins.
///
/// # Example
/// ```
/// use hostplan::sim::boot::{gate, Timing};
/// let t = hostplan::examples::seed().unwrap();
/// let needs = gate::needs(&t);
/// let d = gate::timeout(&t, &needs["talos-w1"], &Timing::default(), None);
/// assert_eq!(d.seconds, 336); // 2 × (18 s start task + 120 s boot + 30 s ready_after_s)
/// assert_eq!(gate::timeout(&t, &needs["talos-w1"], &Timing::default(), Some(3)).seconds, 3);
/// ```
pub fn timeout(t: &Topology, needs: &[Need], timing: &Timing, given: Option<u32>) -> Deadline {
    if let Some(s) = given {
        return Deadline {
            seconds: s,
            why: format!("{s} s, as given"),
        };
    }
    let longest = needs
        .iter()
        .filter_map(|n| serve_s(t, &n.service, timing))
        .max_by_key(|(s, _)| *s);
    match longest {
        Some((s, why)) => {
            let seconds = s.saturating_mul(TIMEOUT_FACTOR).max(MIN_TIMEOUT_S);
            Deadline {
                seconds,
                why: format!(
                    "{seconds} s = {TIMEOUT_FACTOR} × the model's time to serve (at least \
                     {MIN_TIMEOUT_S} s): {why}"
                ),
            }
        }
        None => Deadline {
            seconds: MIN_TIMEOUT_S.saturating_mul(10),
            why: format!(
                "{} s: hostplan's default (no provider of these services in the model)",
                MIN_TIMEOUT_S.saturating_mul(10)
            ),
        },
    }
}

/// When something was ready with fixed delays and with readiness gates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadyAt {
    /// A guest, a service or a consumer's volumes.
    pub subject: String,
    /// With fixed delays (`startup` order and `up`); `None` = never.
    pub fixed_ms: Option<u64>,
    /// With readiness gates; `None` = never.
    pub gated_ms: Option<u64>,
}

/// A scenario simulated twice: as configured (fixed delays) and with every guest of
/// [`needs`] behind a readiness gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateEffect {
    /// As configured.
    pub fixed: Timeline,
    /// With the gates.
    pub gated: Timeline,
    /// Each guest, service and consumer volume that became ready in either, by subject.
    pub ready: Vec<ReadyAt>,
}

impl GateEffect {
    /// Compare two timelines of the same scenario.
    pub fn of(fixed: Timeline, gated: Timeline) -> Self {
        fn firsts(tl: &Timeline) -> BTreeMap<String, u64> {
            let mut out = BTreeMap::new();
            for e in &tl.events {
                let name = match e.kind {
                    super::EventKind::GuestUp | super::EventKind::ServiceReady => e.subject.clone(),
                    super::EventKind::VolumesReady => format!("{} volumes", e.subject),
                    _ => continue,
                };
                out.entry(name).or_insert(e.at_ms);
            }
            out
        }
        let (f, g) = (firsts(&fixed), firsts(&gated));
        let subjects: BTreeSet<&String> = crate::sort::btree_set(f.keys().chain(g.keys()));
        let ready = subjects
            .into_iter()
            .map(|s| ReadyAt {
                subject: s.clone(),
                fixed_ms: f.get(s).copied(),
                gated_ms: g.get(s).copied(),
            })
            .collect();
        Self {
            fixed,
            gated,
            ready,
        }
    }
}
