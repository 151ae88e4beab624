//! Boot timeline: a discrete-event model of Proxmox's `startall`/`stopall` (rule book
//! section B) and of storage consumers retrying (K8S-01).
//!
//! Semantics modelled:
//! - only `onboot` guests start; HA-managed guests are started by the HA stack, outside the
//!   ordering, [`Timing::ha_start_s`] after their node is up (BOOT-01);
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

use crate::model::{HostKind, StorageKind, Topology, Vm};
use serde::Serialize;
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

/// What happened to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
    /// A consumer's control plane has quorum.
    QuorumUp,
    /// A consumer tried to attach its volumes and had to wait.
    Waiting,
    /// A consumer's volumes are attached.
    VolumesReady,
}

/// One entry of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// A change of one VM's startup configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartupChange {
    /// The VM.
    pub vm: String,
    /// Its node.
    pub host: String,
    /// Current `order`.
    pub order_before: Option<u32>,
    /// Suggested `order`.
    pub order_after: Option<u32>,
    /// Current `up`.
    pub up_before: Option<u32>,
    /// Suggested `up`.
    pub up_after: Option<u32>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

struct Sim<'a> {
    t: &'a Topology,
    timing: &'a Timing,
    /// storage id → service id backing it.
    storage_service: BTreeMap<&'a str, &'a str>,
}

/// Per-run mutable results.
#[derive(Default)]
struct Run {
    events: Vec<Event>,
    guest_up: BTreeMap<String, u64>,
    failures: Vec<StartFailure>,
}

impl<'a> Sim<'a> {
    fn new(t: &'a Topology, timing: &'a Timing) -> Self {
        let storage_service = t
            .storages
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    StorageKind::Nfs | StorageKind::Iscsi | StorageKind::Cifs
                )
            })
            .filter_map(|s| s.service.as_deref().map(|svc| (s.id.as_str(), svc)))
            .collect();
        Self {
            t,
            timing,
            storage_service,
        }
    }

    fn host_boot_ms(&self, host: &str) -> u64 {
        let s = self.t.hosts.iter().find(|h| h.id == host).map_or(
            self.timing.default_host_boot_s,
            |h| {
                if h.boot_time_s == 0 {
                    self.timing.default_host_boot_s
                } else {
                    h.boot_time_s
                }
            },
        );
        ms(f64::from(s))
    }

    /// When each service is ready, given when each provider (VM or host) is up.
    fn service_ready(&self, provider_up: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        self.t
            .services
            .iter()
            .filter_map(|s| {
                let up = provider_up.get(&s.provider)?;
                // The pool's owner imports it at boot; it must be up as well.
                let pool_owner = self
                    .t
                    .pools
                    .iter()
                    .find(|p| p.id == s.pool)
                    .map(|p| p.owner.as_str());
                let pool_up = match pool_owner {
                    Some(o) => *provider_up.get(o)?,
                    None => *up,
                };
                Some((
                    s.id.clone(),
                    (*up).max(pool_up) + ms(f64::from(s.ready_after_s)),
                ))
            })
            .collect()
    }

    /// The start list of one node: (order group key, vmid, vm), HA guests excluded.
    fn start_list(&self, host: &str) -> Vec<&'a Vm> {
        let mut list: Vec<&Vm> = self
            .t
            .vms
            .iter()
            .filter(|v| v.host == host && v.onboot && !v.ha)
            .collect();
        list.sort_by_key(|v| (v.startup.order.unwrap_or(u32::MAX), v.vmid));
        list
    }

    /// Run `startall` on `host` from `host_up`, given service readiness from the previous
    /// iteration.
    fn startall(&self, host: &str, host_up: u64, services: &BTreeMap<String, u64>, run: &mut Run) {
        let list = self.start_list(host);
        let mut now = host_up;
        let mut i = 0;
        while i < list.len() {
            let order = list[i].startup.order;
            let mut running: Vec<u64> = Vec::new();
            while i < list.len() && list[i].startup.order == order {
                let vm = list[i];
                running.retain(|&end| end > now);
                if running.len() >= self.timing.max_workers.max(1) as usize {
                    now = running.iter().copied().min().unwrap_or(now);
                    running.retain(|&end| end > now);
                }
                if let Some(end) = self.start_guest(vm, now, services, run) {
                    running.push(end);
                }
                now += ms(f64::from(vm.startup.up.unwrap_or(self.timing.default_up_s)));
                i += 1;
            }
            now = now.max(running.iter().copied().max().unwrap_or(now));
        }
        for vm in self
            .t
            .vms
            .iter()
            .filter(|v| v.host == host && v.onboot && v.ha)
        {
            let at = host_up + ms(self.timing.ha_start_s);
            self.start_guest(vm, at, services, run);
        }
    }

    /// Issue a guest's start at `at`; returns when its start task ends, or `None` if it failed.
    fn start_guest(
        &self,
        vm: &Vm,
        at: u64,
        services: &BTreeMap<String, u64>,
        run: &mut Run,
    ) -> Option<u64> {
        let ordering = if vm.ha {
            "HA-managed".to_owned()
        } else {
            match vm.startup.order {
                Some(o) => format!("order {o}"),
                None => "no order".to_owned(),
            }
        };
        run.events.push(Event {
            at_ms: at,
            subject: vm.id.clone(),
            kind: EventKind::StartIssued,
            detail: ordering,
        });
        if let Some(svc) = self.storage_service.get(vm.boot_storage.as_str()) {
            let ready = services.get(*svc).copied();
            if ready.is_none_or(|r| r > at) {
                run.events.push(Event {
                    at_ms: at,
                    subject: vm.id.clone(),
                    kind: EventKind::StartFailed,
                    detail: format!(
                        "boot storage {} needs {svc}, not ready; Proxmox does not retry",
                        vm.boot_storage
                    ),
                });
                run.failures.push(StartFailure {
                    vm: vm.id.clone(),
                    storage: vm.boot_storage.clone(),
                    service: (*svc).to_owned(),
                    at_ms: at,
                    service_ready_ms: ready,
                    deadlock: false,
                });
                return None;
            }
        }
        let end = at + self.timing.start_task_ms(vm);
        let up = at + self.timing.guest_up_ms(vm);
        run.events.push(Event {
            at_ms: up,
            subject: vm.id.clone(),
            kind: EventKind::GuestUp,
            detail: format!(
                "start task {:.1} s, boot {:.0} s",
                (end - at) as f64 / MS,
                (up - end) as f64 / MS
            ),
        });
        run.guest_up.insert(vm.id.clone(), up);
        Some(end)
    }
}

/// How long after its provider's start is issued a service answers: start task, guest boot,
/// then `ready_after_s`. `None` when the provider is not a VM.
pub fn time_to_serve_ms(
    t: &Topology,
    service: &crate::model::Service,
    timing: &Timing,
) -> Option<u64> {
    let vm = t.vms.iter().find(|v| v.id == service.provider)?;
    Some(timing.serve_ms(vm, service))
}

/// Simulate a scenario.
///
/// # Complexity
/// `O(i · (v log v + s))` for `v` VMs, `s` services and `i ≤ s + 1` fixpoint iterations
/// (service readiness feeding back into guests that boot from those services).
///
/// # Example
/// ```
/// use hostplan::sim::boot::{simulate, Scenario, Timing};
/// let t = hostplan::examples::seed().unwrap();
/// let tl = simulate(&t, &Scenario::ColdStart, &Timing::default());
/// assert!(tl.all_ready_ms.is_some());
/// assert!(tl.waits.iter().any(|w| w.waited_for == "iscsi-k8s"));
/// ```
pub fn simulate(t: &Topology, scenario: &Scenario, timing: &Timing) -> Timeline {
    let sim = Sim::new(t, timing);
    let mut prelude: Vec<Event> = Vec::new();
    let mut hazards = shutdown_hazards(t);
    // When each host can start guests, and what keeps running meanwhile (reboot).
    let mut host_up: BTreeMap<String, u64> = BTreeMap::new();
    let mut steady: BTreeMap<String, u64> = BTreeMap::new(); // guests already running at t=0
    let mut stopped_at: BTreeMap<String, u64> = BTreeMap::new();
    let name = match scenario {
        Scenario::ColdStart => {
            for h in &t.hosts {
                host_up.insert(h.id.clone(), sim.host_boot_ms(&h.id));
            }
            "cold-start".to_owned()
        }
        Scenario::Reboot(host) => {
            let mut now = 0;
            for vm in stop_list(t, host) {
                let down = ms(f64::from(vm.startup.down.unwrap_or(timing.default_down_s)));
                prelude.push(Event {
                    at_ms: now,
                    subject: vm.id.clone(),
                    kind: EventKind::StopIssued,
                    detail: format!("timeout {} s", down / 1000),
                });
                now += ms(timing.guest_stop_s).min(down);
                prelude.push(Event {
                    at_ms: now,
                    subject: vm.id.clone(),
                    kind: EventKind::Stopped,
                    detail: String::new(),
                });
                stopped_at.insert(vm.id.clone(), now);
            }
            prelude.push(Event {
                at_ms: now,
                subject: host.clone(),
                kind: EventKind::HostDown,
                detail: "reboot".into(),
            });
            host_up.insert(host.clone(), now + sim.host_boot_ms(host));
            for vm in t.vms.iter().filter(|v| &v.host != host && v.onboot) {
                steady.insert(vm.id.clone(), 0);
            }
            for h in t.hosts.iter().filter(|h| &h.id != host) {
                steady.insert(h.id.clone(), 0);
            }
            hazards.extend(reboot_hazards(t, host));
            format!("reboot {host}")
        }
    };
    // Fixpoint: service readiness feeds guests booting from services, which may provide
    // services in turn. Readiness only ever moves earlier, so this terminates.
    let mut services: BTreeMap<String, u64> = BTreeMap::new();
    let mut run = Run::default();
    for _ in 0..=t.services.len() + 1 {
        run = Run::default();
        for (h, up) in &host_up {
            if t.hosts
                .iter()
                .any(|x| &x.id == h && x.kind == HostKind::Proxmox)
            {
                sim.startall(h, *up, &services, &mut run);
            }
        }
        let mut provider_up = steady.clone();
        provider_up.extend(host_up.iter().map(|(h, u)| (h.clone(), *u)));
        provider_up.extend(run.guest_up.iter().map(|(v, u)| (v.clone(), *u)));
        let next = sim.service_ready(&provider_up);
        if next == services {
            break;
        }
        services = next;
    }
    let mut events = prelude;
    events.append(&mut run.events);
    for (h, up) in &host_up {
        events.push(Event {
            at_ms: *up,
            subject: h.clone(),
            kind: EventKind::HostUp,
            detail: String::new(),
        });
    }
    for s in &t.services {
        if let Some(down) = stopped_at.get(&s.provider) {
            events.push(Event {
                at_ms: *down,
                subject: s.id.clone(),
                kind: EventKind::ServiceDown,
                detail: format!("{} stopped", s.provider),
            });
        }
        if let Some(r) = services.get(&s.id) {
            if stopped_at.contains_key(&s.provider)
                || host_up.contains_key(&s.provider)
                || run.guest_up.contains_key(&s.provider)
            {
                events.push(Event {
                    at_ms: *r,
                    subject: s.id.clone(),
                    kind: EventKind::ServiceReady,
                    detail: format!("{} s after {} is up", s.ready_after_s, s.provider),
                });
            }
        }
    }
    // Deadlocks: the failed guest's service never became ready, or only thanks to itself.
    for f in &mut run.failures {
        f.deadlock = f.service_ready_ms.is_none() || service_needs_vm(t, &f.service, &f.vm);
    }
    let mut all_up = steady.clone();
    all_up.extend(run.guest_up.iter().map(|(k, v)| (k.clone(), *v)));
    let mut waits = Vec::new();
    let mut never_ready: BTreeSet<String> = BTreeSet::new();
    let mut ready_times: Vec<u64> = run.guest_up.values().copied().collect();
    ready_times.extend(host_up.values().copied());
    for vm in t
        .vms
        .iter()
        .filter(|v| v.onboot && host_up.contains_key(&v.host))
    {
        if !all_up.contains_key(&vm.id) {
            never_ready.insert(vm.id.clone());
        }
    }
    for s in &t.services {
        match services.get(&s.id) {
            Some(r) => ready_times.push(*r),
            None => {
                never_ready.insert(s.id.clone());
            }
        }
    }
    for c in &t.consumers {
        let mut ups: Vec<u64> = c
            .control_plane
            .iter()
            .filter_map(|v| all_up.get(v).copied())
            .collect();
        ups.sort_unstable();
        let (members, need) = if c.control_plane.is_empty() {
            (c.workers.len(), u32::from(!c.workers.is_empty()))
        } else {
            (c.control_plane.len(), c.quorum_needed())
        };
        if c.control_plane.is_empty() {
            ups = c
                .workers
                .iter()
                .filter_map(|v| all_up.get(v).copied())
                .collect();
            ups.sort_unstable();
        }
        let Some(&quorum) = ups.get(need.saturating_sub(1) as usize) else {
            never_ready.insert(c.id.clone());
            continue;
        };
        let affected = c
            .control_plane
            .iter()
            .chain(&c.workers)
            .any(|v| !steady.contains_key(v))
            || c.services.iter().any(|s| {
                t.services
                    .iter()
                    .any(|x| &x.id == s && stopped_at.contains_key(&x.provider))
            });
        if affected {
            events.push(Event {
                at_ms: quorum,
                subject: c.id.clone(),
                kind: EventKind::QuorumUp,
                detail: format!("{need} of {members}"),
            });
        }
        ready_times.push(quorum);
        if c.services.is_empty() {
            continue;
        }
        // Volumes are tried once the cluster is up again (or, for a cluster that kept running,
        // as soon as its storage went away) and retried with back-off.
        let lost_at = c
            .services
            .iter()
            .filter_map(|s| t.services.iter().find(|x| &x.id == s))
            .filter_map(|x| stopped_at.get(&x.provider).copied())
            .min();
        let first_try = if affected
            && c.control_plane
                .iter()
                .chain(&c.workers)
                .all(|v| steady.contains_key(v))
        {
            lost_at.unwrap_or(quorum)
        } else {
            quorum
        };
        let needed: Option<u64> = c
            .services
            .iter()
            .map(|s| services.get(s).copied())
            .try_fold(0u64, |acc, r| r.map(|r| acc.max(r)));
        let Some(needed) = needed else {
            never_ready.insert(format!("{} volumes", c.id));
            continue;
        };
        let mut attempt = first_try;
        let mut delay = ms(c.backoff.initial_s);
        while attempt < needed {
            attempt += delay.max(1);
            delay = ms(delay as f64 / MS * c.backoff.factor).min(ms(c.backoff.max_s));
        }
        if attempt > first_try {
            let missing: Vec<&str> = c
                .services
                .iter()
                .filter(|s| services.get(*s).is_some_and(|r| *r > first_try))
                .map(String::as_str)
                .collect();
            for m in &missing {
                waits.push(Wait {
                    who: format!("{} volumes", c.id),
                    waited_for: (*m).to_owned(),
                    from_ms: first_try,
                    until_ms: attempt,
                });
            }
            events.push(Event {
                at_ms: first_try,
                subject: c.id.clone(),
                kind: EventKind::Waiting,
                detail: format!("volumes wait for {} (kubelet back-off)", missing.join(", ")),
            });
        }
        if affected || attempt > first_try {
            events.push(Event {
                at_ms: attempt,
                subject: c.id.clone(),
                kind: EventKind::VolumesReady,
                detail: String::new(),
            });
        }
        ready_times.push(attempt);
    }
    for f in &run.failures {
        waits.retain(|w| w.who != f.vm);
    }
    events.sort_by(|a, b| (a.at_ms, &a.subject, a.kind).cmp(&(b.at_ms, &b.subject, b.kind)));
    let all_ready_ms = if never_ready.is_empty() {
        ready_times.into_iter().max().or(Some(0))
    } else {
        None
    };
    Timeline {
        scenario: name,
        events,
        waits,
        failures: run.failures,
        hazards,
        all_ready_ms,
        never_ready: never_ready.into_iter().collect(),
    }
}

/// Whether service `svc` (transitively) needs VM `vm` to be up: through its provider, the
/// provider's boot storage, and so on.
fn service_needs_vm(t: &Topology, svc: &str, vm: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![svc.to_owned()];
    while let Some(s) = stack.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        let Some(service) = t.services.iter().find(|x| x.id == s) else {
            continue;
        };
        if service.provider == vm {
            return true;
        }
        if let Some(p) = t.vms.iter().find(|v| v.id == service.provider) {
            if let Some(st) = t.storages.iter().find(|x| x.id == p.boot_storage) {
                stack.extend(st.service.clone());
            }
        }
    }
    false
}

/// `stopall` order on a node: unordered guests first (descending VMID), then descending order
/// and VMID (BOOT-05). HA guests are stopped by the HA stack and left out.
fn stop_list<'t>(t: &'t Topology, host: &str) -> Vec<&'t Vm> {
    let mut list: Vec<&Vm> = t
        .vms
        .iter()
        .filter(|v| v.host == host && v.onboot && !v.ha)
        .collect();
    list.sort_by_key(|v| std::cmp::Reverse((v.startup.order.map_or(u64::MAX, u64::from), v.vmid)));
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
    let storage_service: BTreeMap<&str, &str> = t
        .storages
        .iter()
        .filter_map(|s| s.service.as_deref().map(|svc| (s.id.as_str(), svc)))
        .collect();
    for vm in &t.vms {
        if let Some(svc) = storage_service.get(vm.boot_storage.as_str()) {
            out.entry(svc).or_default().insert(vm.id.as_str());
        }
    }
    out
}

/// Providers stopped before consumers on the same node (BOOT-05).
fn shutdown_hazards(t: &Topology) -> Vec<ShutdownHazard> {
    let consumers = consumer_index(t);
    // Position of each guest in its node's stop list.
    let mut position: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for h in &t.hosts {
        for (i, v) in stop_list(t, &h.id).into_iter().enumerate() {
            position.insert(v.id.as_str(), (h.id.as_str(), i));
        }
    }
    let mut out = Vec::new();
    for s in &t.services {
        let Some(&(host, p)) = position.get(s.provider.as_str()) else {
            continue;
        };
        let later: Vec<String> = consumers
            .get(s.id.as_str())
            .into_iter()
            .flatten()
            .filter(|c| position.get(*c).is_some_and(|&(h, i)| h == host && i > p))
            .map(|c| (*c).to_owned())
            .collect();
        if !later.is_empty() {
            out.push(ShutdownHazard {
                provider: s.provider.clone(),
                service: s.id.clone(),
                detail: format!("{} is stopped before {} on {host}: {} disappears under them (give {} a startup order, or its consumers none)", s.provider, later.join(", "), s.id, s.provider),
                consumers: later,
            });
        }
    }
    out
}

/// Consumers on other hosts that lose a service while `host` reboots (K8S-03, BOOT-09).
pub fn reboot_hazards(t: &Topology, host: &str) -> Vec<ShutdownHazard> {
    reboot_hazards_all(t).remove(host).unwrap_or_default()
}

/// [`reboot_hazards`] of every host at once. `O(v log v + s · c)`.
pub fn reboot_hazards_all(t: &Topology) -> BTreeMap<String, Vec<ShutdownHazard>> {
    let consumers = consumer_index(t);
    let vm_host: BTreeMap<&str, &str> = t
        .vms
        .iter()
        .map(|v| (v.id.as_str(), v.host.as_str()))
        .collect();
    let mut out: BTreeMap<String, Vec<ShutdownHazard>> = BTreeMap::new();
    for s in &t.services {
        let host = vm_host
            .get(s.provider.as_str())
            .copied()
            .unwrap_or(s.provider.as_str());
        let remote: Vec<String> = consumers
            .get(s.id.as_str())
            .into_iter()
            .flatten()
            .filter(|c| vm_host.get(*c).is_some_and(|h| *h != host))
            .map(|c| (*c).to_owned())
            .collect();
        if !remote.is_empty() {
            out.entry(host.to_owned()).or_default().push(ShutdownHazard {
                provider: s.provider.clone(),
                service: s.id.clone(),
                detail: format!("rebooting {host} takes {} away from {} on other hosts while they keep running: iSCSI I/O queues for 120 s then fails (K8S-03); plan a drain", s.id, remote.join(", ")),
                consumers: remote,
            });
        }
    }
    out
}

/// A suggested startup configuration and what it achieves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// Changes against the current configuration.
    pub changes: Vec<StartupChange>,
    /// Dependencies across nodes, which startup order cannot enforce (BOOT-09).
    pub cross_node: Vec<String>,
    /// All-ready time now.
    pub before_ms: Option<u64>,
    /// All-ready time with the suggestion.
    pub after_ms: Option<u64>,
    /// The topology with the suggestion applied.
    #[serde(skip)]
    pub topology: Topology,
}

/// Suggest `order` and `up` values: providers of storage start before the guests that need
/// them on the same node (order = 1 + depth in the provider → consumer relation), each
/// provider's `up` lasting until its service answers when a guest boots from it (Proxmox does
/// not retry), or just long enough for retrying consumers to come up as the service does.
/// Guests outside storage dependencies keep their configuration.
pub fn suggest(t: &Topology, timing: &Timing) -> Suggestion {
    let sim = Sim::new(t, timing);
    // Same-node precedence: provider → consumer, hard (boot disk) or soft (retrying volumes).
    let mut preds: BTreeMap<&str, BTreeSet<(&str, bool)>> = BTreeMap::new();
    let mut cross = Vec::new();
    let consumers = consumer_index(t);
    for s in &t.services {
        let Some(p) = t.vms.iter().find(|v| v.id == s.provider) else {
            continue;
        };
        for &c in consumers.get(s.id.as_str()).into_iter().flatten() {
            let Some(cv) = t.vms.iter().find(|v| v.id == c) else {
                continue;
            };
            let hard = sim.storage_service.get(cv.boot_storage.as_str()) == Some(&s.id.as_str());
            if cv.host == p.host {
                if cv.id != p.id {
                    preds
                        .entry(cv.id.as_str())
                        .or_default()
                        .insert((p.id.as_str(), hard));
                }
            } else {
                cross.push(format!(
                    "{} on {} needs {} from {} on {}",
                    cv.id, cv.host, s.id, p.id, p.host
                ));
            }
        }
    }
    let involved: BTreeSet<&str> = preds
        .iter()
        .flat_map(|(c, ps)| std::iter::once(*c).chain(ps.iter().map(|p| p.0)))
        .collect();
    // Longest-path levels over the precedence relation (acyclic unless validation failed).
    let mut level: BTreeMap<&str, u32> = BTreeMap::new();
    for _ in 0..=t.vms.len() {
        let mut changed = false;
        for v in &involved {
            let l = preds.get(v).map_or(0, |ps| {
                ps.iter()
                    .map(|(p, _)| level.get(p).copied().unwrap_or(0) + 1)
                    .max()
                    .unwrap_or(0)
            });
            if level.get(v) != Some(&l) {
                level.insert(v, l);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = t.clone();
    let mut changes = Vec::new();
    for vm in &mut out.vms {
        // Guests outside storage dependencies keep whatever order their owner chose.
        if !vm.onboot || vm.ha || !involved.contains(vm.id.as_str()) {
            continue;
        }
        let before = (vm.startup.order, vm.startup.up);
        let order = level.get(vm.id.as_str()).copied().unwrap_or(0) + 1;
        // How long this guest's next-in-line must wait: until its service answers (hard
        // dependants), or until it answers minus the dependant's own start and boot (soft).
        let orig = t.vms.iter().find(|v| v.id == vm.id).unwrap_or(vm);
        let mut up: Option<u32> = None;
        for (c, ps) in &preds {
            for (p, hard) in ps {
                if *p != vm.id {
                    continue;
                }
                let Some(s) = t.services.iter().find(|s| s.provider == vm.id) else {
                    continue;
                };
                let serve = timing.serve_ms(orig, s);
                let need = if *hard {
                    serve
                } else {
                    let cv = t.vms.iter().find(|v| v.id == *c);
                    serve.saturating_sub(cv.map_or(0, |cv| timing.guest_up_ms(cv)))
                };
                let secs = u32::try_from(need.div_ceil(1000)).unwrap_or(u32::MAX);
                up = Some(up.map_or(secs, |u| u.max(secs)));
            }
        }
        vm.startup.order = Some(order);
        if up.is_some() {
            vm.startup.up = up;
        }
        if before != (vm.startup.order, vm.startup.up) {
            changes.push(StartupChange {
                vm: vm.id.clone(),
                host: vm.host.clone(),
                order_before: before.0,
                order_after: vm.startup.order,
                up_before: before.1,
                up_after: vm.startup.up,
            });
        }
    }
    let before_ms = simulate(t, &Scenario::ColdStart, timing).all_ready_ms;
    let after_ms = simulate(&out, &Scenario::ColdStart, timing).all_ready_ms;
    cross.sort();
    cross.dedup();
    Suggestion {
        changes,
        cross_node: cross,
        before_ms,
        after_ms,
        topology: out,
    }
}

/// `order=1,up=60` or `(none)`.
pub fn startup_text(order: Option<u32>, up: Option<u32>) -> String {
    let mut parts = Vec::new();
    if let Some(o) = order {
        parts.push(format!("order={o}"));
    }
    if let Some(u) = up {
        parts.push(format!("up={u}"));
    }
    if parts.is_empty() {
        "(none)".to_owned()
    } else {
        parts.join(",")
    }
}
