//! How long a reboot takes each service out: when each storage service, control plane, set of
//! volumes and guest of the rebooted host goes out and when it is back, read off the reboot's
//! boot timeline (the same events `hostplan boot --host` prints), so the outage a person is
//! told and the timeline they can inspect never disagree.

use super::{EventKind, Timeline};
use crate::graph::NodeKind;
use crate::model::{Consumer, Topology};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One component's outage during a reboot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    /// Storage service, consumer (its control plane), `consumer#volumes`, or VM id — the ids of
    /// the dependency graph.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// When it went out, ms from the start of the reboot.
    pub down_ms: u64,
    /// When it is back; `None` when the timeline never brings it back.
    pub up_ms: Option<u64>,
    /// `up_ms - down_ms`; `None` when it never comes back.
    pub outage_ms: Option<u64>,
}

impl Outage {
    fn new(id: String, kind: NodeKind, down_ms: u64, up_ms: Option<u64>) -> Self {
        Self {
            id,
            kind,
            down_ms,
            up_ms,
            outage_ms: up_ms.map(|u| u.saturating_sub(down_ms)),
        }
    }

    /// The outage in minutes (one decimal is what people read), `None` when it never ends.
    pub fn minutes(&self) -> Option<f64> {
        self.outage_ms.map(|ms| ms as f64 / 60_000.0)
    }

    /// `down 80.0 s → back 338.0 s: 4.3 min out`, or `down 80.0 s → not back`.
    pub fn text(&self) -> String {
        let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
        match (self.up_ms, self.minutes()) {
            (Some(up), Some(min)) => format!(
                "down {} → back {}: {min:.1} min out",
                secs(self.down_ms),
                secs(up)
            ),
            _ => format!("down {} → not back", secs(self.down_ms)),
        }
    }
}

/// The first time each subject had each kind of event.
struct Firsts(BTreeMap<(EventKind, String), u64>);

impl Firsts {
    fn of(tl: &Timeline) -> Self {
        let mut out = BTreeMap::new();
        for e in &tl.events {
            out.entry((e.kind, e.subject.clone())).or_insert(e.at_ms);
        }
        Self(out)
    }

    fn get(&self, kind: EventKind, subject: &str) -> Option<u64> {
        self.0.get(&(kind, subject.to_owned())).copied()
    }
}

/// The outages of rebooting `host`, from `tl`, its reboot timeline: services (storage
/// services, control planes, volumes) first, then the host's guests, each by when it went out.
/// A component that stays up (a control plane keeping quorum on other hosts) is left out.
///
/// Only guests that start on boot count as running before the reboot: whether another guest
/// was running the model does not say.
///
/// # Example
/// ```
/// use hostplan::sim::boot::{outages, simulate, Scenario, Timing};
/// let t = hostplan::examples::seed().unwrap();
/// let tl = simulate(&t, &Scenario::Reboot("srv01".into()), &Timing::default());
/// let out = outages(&t, "srv01", &tl);
/// let iscsi = out.iter().find(|o| o.id == "iscsi-k8s").unwrap();
/// assert_eq!((iscsi.down_ms, iscsi.up_ms), (80_000, Some(338_000)));
/// ```
pub fn outages(t: &Topology, host: &str, tl: &Timeline) -> Vec<Outage> {
    let ev = Firsts::of(tl);
    let host_down = ev.get(EventKind::HostDown, host);
    let mut out = Vec::new();
    let mut vm_down: BTreeMap<&str, u64> = BTreeMap::new();
    for vm in t
        .vms
        .iter()
        .filter(|v| v.host == host && super::runs_at_boot(v))
    {
        // Guests `stopall` stops go out when their shutdown begins; HA guests with the host.
        let Some(down) = ev.get(EventKind::StopIssued, &vm.id).or(host_down) else {
            continue;
        };
        vm_down.insert(vm.id.as_str(), down);
        out.push(Outage::new(
            vm.id.clone(),
            NodeKind::Vm,
            down,
            ev.get(EventKind::GuestUp, &vm.id),
        ));
    }
    let mut service_down: BTreeMap<&str, u64> = BTreeMap::new();
    for s in &t.services {
        let down = ev.get(EventKind::ServiceDown, &s.id).or_else(|| {
            // A service the host itself provides goes with the host.
            (s.provider == host).then_some(host_down).flatten()
        });
        let Some(down) = down else { continue };
        service_down.insert(s.id.as_str(), down);
        out.push(Outage::new(
            s.id.clone(),
            NodeKind::Service,
            down,
            ev.get(EventKind::ServiceReady, &s.id),
        ));
    }
    // Looked up per voter of every consumer: a scan of the VMs per voter made a reboot at
    // 10,000 hosts spend 4 s in `memcmp` (3,300 clusters × 3 voters × 100,000 VMs).
    let at_boot: BTreeSet<&str> = crate::sort::btree_set(
        t.vms
            .iter()
            .filter(|v| super::runs_at_boot(v))
            .map(|v| v.id.as_str()),
    );
    let seen = Seen {
        ev: &ev,
        at_boot: &at_boot,
        vm_down: &vm_down,
        service_down: &service_down,
    };
    for c in &t.consumers {
        consumer_outages(c, tl, &seen, &mut out);
    }
    crate::sort::sort_by(&mut out, |a, b| {
        (a.kind == NodeKind::Vm, a.down_ms, &a.id).cmp(&(b.kind == NodeKind::Vm, b.down_ms, &b.id))
    });
    out
}

/// What [`consumer_outages`] reads of the reboot, gathered once for every consumer.
struct Seen<'a> {
    ev: &'a Firsts,
    /// The VMs that start on boot (running before the reboot).
    at_boot: &'a BTreeSet<&'a str>,
    vm_down: &'a BTreeMap<&'a str, u64>,
    service_down: &'a BTreeMap<&'a str, u64>,
}

/// A consumer's control plane goes out when it loses quorum (the voter whose stop leaves fewer
/// running than it needs), its volumes when the control plane or a service they use does.
fn consumer_outages(c: &Consumer, tl: &Timeline, seen: &Seen, out: &mut Vec<Outage>) {
    let Seen {
        ev,
        at_boot,
        vm_down,
        service_down,
    } = seen;
    // The voters and the votes needed, as the timeline counts them.
    let (voters, need) = if c.control_plane.is_empty() {
        (&c.workers, u32::from(!c.workers.is_empty()))
    } else {
        (&c.control_plane, c.quorum_needed())
    };
    let running = voters
        .iter()
        .filter(|v| at_boot.contains(v.as_str()))
        .count();
    let mut downs: Vec<u64> = voters
        .iter()
        .filter_map(|v| vm_down.get(v.as_str()).copied())
        .collect();
    downs.sort_unstable();
    let lost_at = (running + 1)
        .checked_sub(need as usize)
        .filter(|_| need > 0 && running >= need as usize)
        .and_then(|k| downs.get(k.saturating_sub(1)).copied());
    let never = |name: &str| tl.never_ready.iter().any(|n| n == name);
    let cp_up = ev.get(EventKind::QuorumUp, &c.id).filter(|_| !never(&c.id));
    if let Some(down) = lost_at {
        out.push(Outage::new(
            c.id.clone(),
            NodeKind::ControlPlane,
            down,
            cp_up,
        ));
    }
    if c.services.is_empty() {
        return;
    }
    let lost_service = c
        .services
        .iter()
        .filter_map(|s| service_down.get(s.as_str()).copied())
        .min();
    let Some(down) = lost_at.into_iter().chain(lost_service).min() else {
        return;
    };
    let up = if never(&format!("{} volumes", c.id)) || never(&c.id) {
        None
    } else {
        ev.get(EventKind::VolumesReady, &c.id)
    };
    out.push(Outage::new(
        format!("{}#volumes", c.id),
        NodeKind::Volumes,
        down,
        up,
    ));
}
