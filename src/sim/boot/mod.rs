//! Boot timeline: a discrete-event model of Proxmox's `startall`/`stopall` (rule book
//! section B) and of storage consumers retrying (K8S-01).
//!
//! Semantics modelled:
//! - only `onboot` guests start; HA-managed guests are started by the HA stack, outside the
//!   ordering, [`Timing::ha_start_s`] after their node is up (BOOT-01), whatever their `onboot`
//!   says (see [`runs_at_boot`]);
//! - per node, ascending `order`, then VMID; guests without an order start after all ordered
//!   ones (BOOT-02); ordering is per node, never cluster-wide (BOOT-09);
//! - `up` is a sleep after *issuing* a start, before the next one (default 3 s) — not a
//!   readiness check (BOOT-03);
//! - all start tasks of one order value finish before the next value begins; at most
//!   `max_workers` start tasks run at once (BOOT-04);
//! - a start task lasts [`Timing::qemu_start_s`], plus the time to pin the guest's RAM when it
//!   has PCI passthrough (PT-20); the guest is up `boot_time_s` later;
//! - a guest whose boot storage is served by a storage service that is not ready when its start
//!   is issued fails to start, and Proxmox does not retry: a start-order failure, or a deadlock
//!   when the service can never become ready before it;
//! - a storage service is ready `ready_after_s` after its provider is up (and its pool with it);
//! - a consumer's volumes are first tried when its control plane has quorum; while a service is
//!   missing, kubelet retries with exponential back-off (0.5 s doubling to 122 s by default);
//! - shutdown is the exact reverse (unordered guests first, then descending order and VMID),
//!   each guest taking up to `down` (default 180 s) — [`Timing::guest_stop_s`] when it obeys.
//!
//! All times are integer milliseconds, so results are identical on every platform.

pub mod gate;
mod hazards;
mod outage;
mod suggest;
mod timeline;

pub use hazards::{reboot_hazards, reboot_hazards_all};
pub use outage::{outages, Outage};
pub use suggest::{startup_text, suggest, StartupChange, Suggestion};
pub use timeline::{gate_effect, simulate, time_to_serve_ms, try_simulate};

use crate::model::{Host, Pool, Service, Storage, StorageKind, Topology, Vm};
use crate::sim::SimError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Assumed durations. Every figure is a documented default a user can change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// Start tasks running at once per node (Proxmox `max_workers`, default 4).
    pub max_workers: u32,
    /// Sleep after issuing a QEMU start when `up` is not set (Proxmox: 3 s).
    pub default_up_s: u32,
    /// Shutdown timeout when `down` is not set (Proxmox stopall: 180 s).
    pub default_down_s: u32,
    /// Duration of a start task without passthrough (QEMU process up), seconds.
    pub qemu_start_s: f64,
    /// Extra start-task time per GiB of pinned RAM for guests with passthrough (PT-20:
    /// 512 GiB ≈ 4–5 min).
    pub pin_s_per_gib: f64,
    /// Delay between a node being up and the HA stack starting its guests.
    pub ha_start_s: f64,
    /// How long a guest takes to shut down cleanly (capped by its `down` timeout).
    pub guest_stop_s: f64,
    /// Host boot time when a host gives none.
    pub default_host_boot_s: u32,
    /// Guest boot time when a VM gives none.
    pub default_guest_boot_s: u32,
}

impl Timing {
    /// How long a guest's start task takes: QEMU up, plus pinning its RAM with passthrough.
    fn start_task_ms(&self, vm: &Vm) -> u64 {
        let pin = if vm.hostpci.is_empty() {
            0.0
        } else {
            vm.memory_mib as f64 / 1024.0 * self.pin_s_per_gib
        };
        ms(self.qemu_start_s + pin)
    }

    /// From issuing a guest's start until its OS is up.
    fn guest_up_ms(&self, vm: &Vm) -> u64 {
        let boot = if vm.boot_time_s == 0 {
            self.default_guest_boot_s
        } else {
            vm.boot_time_s
        };
        self.start_task_ms(vm) + ms(f64::from(boot))
    }

    /// From issuing the provider's start until `service` answers.
    fn serve_ms(&self, provider: &Vm, service: &crate::model::Service) -> u64 {
        self.guest_up_ms(provider) + ms(f64::from(service.ready_after_s))
    }
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            max_workers: 4,
            default_up_s: 3,
            default_down_s: 180,
            qemu_start_s: 2.0,
            pin_s_per_gib: 0.5,
            ha_start_s: 10.0,
            guest_stop_s: 20.0,
            default_host_boot_s: 60,
            default_guest_boot_s: 45,
        }
    }
}

/// Whether something starts `vm` when its node comes up: `startall` starts the `onboot`
/// guests, skipping HA-managed ones (OPERATIONS.md G-3), and the HA stack starts every
/// HA-managed guest whose requested state is `started` — the default in `resources.cfg`
/// (HA-3) — without reading `onboot`: pve-ha-manager's `Manager::manage` turns a resource's
/// configured `state` into the service state and the LRM starts it (P4 `src/PVE/HA/Manager.pm`).
/// The model has no requested HA state, so an HA guest counts as `started`.
pub fn runs_at_boot(vm: &Vm) -> bool {
    vm.onboot || vm.ha
}

/// Seconds from issuing `vm`'s start until its OS is up (start task, pinning its RAM with
/// passthrough, boot), rounded up.
pub fn guest_up_s(vm: &Vm, timing: &Timing) -> u32 {
    u32::try_from(timing.guest_up_ms(vm).div_ceil(1000)).unwrap_or(u32::MAX)
}

/// Seconds `vm`'s start task takes (QEMU up, pinning its RAM with passthrough), rounded up:
/// `qm start` returns then, and the guest boots on.
pub fn start_task_s(vm: &Vm, timing: &Timing) -> u32 {
    u32::try_from(timing.start_task_ms(vm).div_ceil(1000)).unwrap_or(u32::MAX)
}

/// What happened to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A guest's shutdown began.
    StopIssued,
    /// A guest is stopped.
    Stopped,
    /// A host went down.
    HostDown,
    /// A host is up and can start guests.
    HostUp,
    /// A guest's start was issued.
    StartIssued,
    /// A guest's start failed.
    StartFailed,
    /// A guest's OS is up.
    GuestUp,
    /// A storage service answers.
    ServiceReady,
    /// A storage service stopped answering.
    ServiceDown,
    /// A consumer's control plane, or the Proxmox cluster, has quorum.
    QuorumUp,
    /// A consumer tried to attach its volumes and had to wait.
    Waiting,
    /// A consumer's volumes are attached.
    VolumesReady,
}

named!(EventKind {
    StopIssued => "stop-issued",
    Stopped => "stopped",
    HostDown => "host-down",
    HostUp => "host-up",
    StartIssued => "start-issued",
    StartFailed => "start-failed",
    GuestUp => "guest-up",
    ServiceReady => "service-ready",
    ServiceDown => "service-down",
    QuorumUp => "quorum-up",
    Waiting => "waiting",
    VolumesReady => "volumes-ready",
});

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the scenario began.
    pub at_ms: u64,
    /// Host, VM, service or consumer id.
    pub subject: String,
    /// What happened.
    pub kind: EventKind,
    /// Why / details, in words.
    pub detail: String,
}

/// Someone waited for something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    /// Who waited (`talos volumes`).
    pub who: String,
    /// For what (`iscsi-k8s`).
    pub waited_for: String,
    /// From.
    pub from_ms: u64,
    /// Until.
    pub until_ms: u64,
}

/// A guest that could not start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartFailure {
    /// The guest.
    pub vm: String,
    /// The missing storage.
    pub storage: String,
    /// The service behind it.
    pub service: String,
    /// When the start was issued.
    pub at_ms: u64,
    /// When the service became ready, if ever.
    pub service_ready_ms: Option<u64>,
    /// The service can never be ready before this guest (it needs the guest, directly or not).
    pub deadlock: bool,
}

/// A storage provider stopped while its consumers still run (BOOT-05), or consumers on other
/// hosts losing a service during a reboot (BOOT-09, K8S-03).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShutdownHazard {
    /// The provider VM.
    pub provider: String,
    /// The service it provides.
    pub service: String,
    /// Consumers still running (or on other hosts).
    pub consumers: Vec<String>,
    /// In words.
    pub detail: String,
}

/// Scenario to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// Every host powers on at t = 0 (power returns after a site-wide cut).
    ColdStart,
    /// One host shuts its guests down, reboots and starts them again; the rest keeps running.
    Reboot(String),
}

/// The result of a boot simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// `cold-start` or `reboot <host>`.
    pub scenario: String,
    /// Every event, by time.
    pub events: Vec<Event>,
    /// Every wait.
    pub waits: Vec<Wait>,
    /// Guests that failed to start (including deadlocks).
    pub failures: Vec<StartFailure>,
    /// Shutdown-order hazards.
    pub hazards: Vec<ShutdownHazard>,
    /// When every onboot guest, service and consumer is ready; `None` if something never is.
    pub all_ready_ms: Option<u64>,
    /// What never became ready.
    pub never_ready: Vec<String>,
}

const MS: f64 = 1000.0;

// The value is clamped to ≥ 0 first, so no sign is lost.
#[allow(clippy::cast_sign_loss)]
fn ms(s: f64) -> u64 {
    (s * MS).round().max(0.0) as u64
}

/// Storage id → the service backing it, for the network storages a guest can boot from
/// (NFS, iSCSI, CIFS): a guest booting from one fails when the service is not ready yet.
fn network_boot_services(t: &Topology) -> BTreeMap<&str, &str> {
    crate::sort::btree_map(
        t.storages
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    StorageKind::Nfs | StorageKind::Iscsi | StorageKind::Cifs
                )
            })
            .filter_map(|s| s.service.as_deref().map(|svc| (s.id.as_str(), svc))),
    )
}

/// `host` is a host of `t`: a reboot of anything else has no meaning, and simulating one
/// anyway gave a plausible timeline for a machine that does not exist.
fn check_host(t: &Topology, host: &str) -> Result<(), SimError> {
    if t.hosts.iter().any(|h| h.id == host) {
        return Ok(());
    }
    if crate::resolve::Lookup::new(t).get(host).is_some() {
        return Err(SimError::Unsuitable {
            id: host.to_owned(),
            why: "is not a host; only hosts reboot".into(),
        });
    }
    Err(SimError::UnknownId {
        id: host.to_owned(),
        suggestion: crate::diag::did_you_mean(host, t.hosts.iter().map(|h| h.id.as_str()))
            .map(str::to_owned),
    })
}

/// Id → entity for the kinds the boot analyses look up, and each node's guests, built once per
/// analysis in `O(n log n)`. A linear `find` inside the per-host and per-service loops made a
/// 1,000-host fleet cost 50–70 times a 100-host one. The first of duplicate ids wins, as
/// `find` did (validation rejects duplicates, but the analyses must not panic without it).
struct Index<'a> {
    hosts: BTreeMap<&'a str, &'a Host>,
    vms: BTreeMap<&'a str, &'a Vm>,
    services: BTreeMap<&'a str, &'a Service>,
    storages: BTreeMap<&'a str, &'a Storage>,
    pools: BTreeMap<&'a str, &'a Pool>,
    /// Each node's guests, in file order (the order a scan of `vms` would see them).
    guests: BTreeMap<&'a str, Vec<&'a Vm>>,
}

impl<'a> Index<'a> {
    fn new(t: &'a Topology) -> Self {
        let mut guests: BTreeMap<&str, Vec<&Vm>> = BTreeMap::new();
        for v in &t.vms {
            guests.entry(v.host.as_str()).or_default().push(v);
        }
        Self {
            hosts: first_by_id(&t.hosts, |x| &x.id),
            vms: first_by_id(&t.vms, |x| &x.id),
            services: first_by_id(&t.services, |x| &x.id),
            storages: first_by_id(&t.storages, |x| &x.id),
            pools: first_by_id(&t.pools, |x| &x.id),
            guests,
        }
    }

    /// The guests of node `host`, in file order.
    fn guests_on(&self, host: &str) -> &[&'a Vm] {
        self.guests.get(host).map_or(&[], Vec::as_slice)
    }
}

/// `items` by id, the first of duplicates winning.
fn first_by_id<'a, T>(
    items: &'a [T],
    id: impl Fn(&'a T) -> &'a String,
) -> BTreeMap<&'a str, &'a T> {
    let mut out = BTreeMap::new();
    for x in items {
        out.entry(id(x).as_str()).or_insert(x);
    }
    out
}

/// `stopall` order on a node: unordered guests first (descending VMID), then descending order
/// and VMID (BOOT-05). HA guests are stopped by the HA stack and left out.
fn stop_list<'a>(ix: &Index<'a>, host: &str) -> Vec<&'a Vm> {
    let mut list: Vec<&Vm> = ix
        .guests_on(host)
        .iter()
        .copied()
        .filter(|v| v.onboot && !v.ha)
        .collect();
    crate::sort::sort_by_key(&mut list, |v| {
        std::cmp::Reverse((v.startup.order.map_or(u64::MAX, u64::from), v.vmid))
    });
    list
}

/// For every service, the VMs whose volumes or boot disks use it. `O(v log s + c)`.
fn consumer_index(t: &Topology) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &t.consumers {
        for s in &c.services {
            out.entry(s.as_str())
                .or_default()
                .extend(c.control_plane.iter().chain(&c.workers).map(String::as_str));
        }
    }
    let storage_service: BTreeMap<&str, &str> = crate::sort::btree_map(
        t.storages
            .iter()
            .filter_map(|s| s.service.as_deref().map(|svc| (s.id.as_str(), svc))),
    );
    for vm in &t.vms {
        if let Some(svc) = storage_service.get(vm.boot_storage.as_str()) {
            out.entry(svc).or_default().insert(vm.id.as_str());
        }
    }
    out
}
