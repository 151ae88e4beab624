//! The boot timeline itself: `startall` per node, the fixpoint over storage services that
//! guests boot from, and when every guest, service and consumer is ready.

use super::hazards::{reboot_hazards, shutdown_hazards};
use super::{
    ms, network_boot_services, stop_list, Event, EventKind, Scenario, StartFailure, Timeline,
    Timing, Wait, MS,
};
use crate::model::{HostKind, Topology, Vm};
use std::collections::{BTreeMap, BTreeSet};

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
        Self {
            t,
            timing,
            storage_service: network_boot_services(t),
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
