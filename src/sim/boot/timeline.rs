//! The boot timeline itself: `startall` per node, the fixpoint over storage services that
//! guests boot from, and when every guest, service and consumer is ready.

use super::hazards::{reboot_hazards_of, shutdown_hazards};
use super::{
    check_host, ms, network_boot_services, runs_at_boot, stop_list, Event, EventKind, Index,
    Scenario, ShutdownHazard, StartFailure, Timeline, Timing, Wait, MS,
};
use crate::model::{Consumer, HostKind, Topology, Vm};
use crate::sim::SimError;
use std::collections::{BTreeMap, BTreeSet};

struct Sim<'a> {
    t: &'a Topology,
    timing: &'a Timing,
    ix: Index<'a>,
    /// Ids of the Proxmox hosts (the only ones running `startall`).
    proxmox: BTreeSet<&'a str>,
    /// storage id → service id backing it.
    storage_service: BTreeMap<&'a str, &'a str>,
    /// Guests behind a readiness gate: the services they wait for and the gate's deadline
    /// (empty when simulating fixed delays only).
    gates: BTreeMap<String, (Vec<String>, u64)>,
}

/// Per-run mutable results.
#[derive(Default)]
struct Run {
    events: Vec<Event>,
    guest_up: BTreeMap<String, u64>,
    failures: Vec<StartFailure>,
    /// Guests waiting in their readiness gate.
    waits: Vec<Wait>,
}

impl<'a> Sim<'a> {
    fn new(t: &'a Topology, timing: &'a Timing) -> Self {
        Self {
            t,
            timing,
            ix: Index::new(t),
            proxmox: crate::sort::btree_set(
                t.hosts
                    .iter()
                    .filter(|h| h.kind == HostKind::Proxmox)
                    .map(|h| h.id.as_str()),
            ),
            storage_service: network_boot_services(t),
            gates: BTreeMap::new(),
        }
    }

    /// The same simulation with every guest of [`super::gate::needs`] behind a readiness gate
    /// with its derived deadline.
    fn gated(mut self) -> Self {
        for (vm, needs) in super::gate::needs(self.t) {
            let d = super::gate::timeout(self.t, &needs, self.timing, None);
            let services = needs.into_iter().map(|n| n.service).collect();
            self.gates.insert(vm, (services, ms(f64::from(d.seconds))));
        }
        self
    }

    /// When `vm`'s readiness gate lets its start go on, if it has one: `Ok(at)` without a
    /// gate, `Ok(later)` at the first poll after every needed service is ready, `Err(service)`
    /// when one is not ready by the deadline (the start aborts then).
    fn pass_gate(
        &self,
        vm: &Vm,
        at: u64,
        services: &BTreeMap<String, u64>,
        run: &mut Run,
    ) -> Result<u64, (String, u64)> {
        let Some((needed, deadline)) = self.gates.get(&vm.id) else {
            return Ok(at);
        };
        let poll = ms(f64::from(super::gate::POLL_S)).max(1);
        let mut pass = at;
        for svc in needed {
            let ready = services.get(svc).copied();
            match ready {
                Some(r) if r <= at + deadline => {
                    let polls = r.saturating_sub(at).div_ceil(poll);
                    pass = pass.max(at + polls * poll);
                }
                _ => return Err((svc.clone(), at + deadline)),
            }
        }
        if pass > at {
            let waited: Vec<&str> = needed
                .iter()
                .filter(|s| services.get(*s).is_some_and(|r| *r > at))
                .map(String::as_str)
                .collect();
            for w in &waited {
                run.waits.push(Wait {
                    who: vm.id.clone(),
                    waited_for: (*w).to_owned(),
                    from_ms: at,
                    until_ms: pass,
                });
            }
            run.events.push(Event {
                at_ms: at,
                subject: vm.id.clone(),
                kind: EventKind::Waiting,
                detail: format!("hookscript pre-start waits for {}", waited.join(", ")),
            });
        }
        Ok(pass)
    }

    fn host_boot_ms(&self, host: &str) -> u64 {
        let s = self
            .ix
            .hosts
            .get(host)
            .map_or(self.timing.default_host_boot_s, |h| {
                if h.boot_time_s == 0 {
                    self.timing.default_host_boot_s
                } else {
                    h.boot_time_s
                }
            });
        ms(f64::from(s))
    }

    /// When each service is ready, given when each provider (VM or host) is up.
    fn service_ready(&self, provider_up: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
        crate::sort::btree_map(self.t.services.iter().filter_map(|s| {
            let up = provider_up.get(&s.provider)?;
            // The pool's owner imports it at boot; it must be up as well.
            let pool_owner = self.ix.pools.get(s.pool.as_str()).map(|p| p.owner.as_str());
            let pool_up = match pool_owner {
                Some(o) => *provider_up.get(o)?,
                None => *up,
            };
            Some((
                s.id.clone(),
                (*up).max(pool_up) + ms(f64::from(s.ready_after_s)),
            ))
        }))
    }

    /// The start list of one node: (order group key, vmid, vm), HA guests excluded.
    fn start_list(&self, host: &str) -> Vec<&'a Vm> {
        let mut list: Vec<&Vm> = self
            .ix
            .guests_on(host)
            .iter()
            .copied()
            .filter(|v| v.onboot && !v.ha)
            .collect();
        crate::sort::sort_by_key(&mut list, |v| (v.startup.order.unwrap_or(u32::MAX), v.vmid));
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
        for vm in self.ix.guests_on(host).iter().filter(|v| v.ha) {
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
        let at = match self.pass_gate(vm, at, services, run) {
            Ok(pass) => pass,
            Err((svc, deadline)) => {
                run.events.push(Event {
                    at_ms: deadline,
                    subject: vm.id.clone(),
                    kind: EventKind::StartFailed,
                    detail: format!(
                        "hookscript pre-start: {svc} did not answer within {} s; the start is \
                         aborted (G-12)",
                        (deadline - at) / 1000
                    ),
                });
                run.failures.push(StartFailure {
                    vm: vm.id.clone(),
                    storage: String::new(),
                    service: svc.clone(),
                    at_ms: deadline,
                    service_ready_ms: services.get(&svc).copied(),
                    deadlock: false,
                });
                // The gate held a start worker until its deadline.
                return Some(deadline);
            }
        };
        if let Some(svc) = self.storage_service.get(vm.boot_storage.as_str()) {
            let ready = services.get(*svc).copied();
            if ready.is_none_or(|r| r > at) {
                run.events.push(Event {
                    at_ms: at,
                    subject: vm.id.clone(),
                    kind: EventKind::StartFailed,
                    detail: if vm.ha {
                        // HA-4: `max_restart` and `max_relocate` (default 1 each) retry within
                        // LRM rounds of 10 s, far shorter than a storage VM's boot.
                        format!(
                            "boot storage {} needs {svc}, not ready; HA retries once and \
                             relocates once within seconds (max_restart, max_relocate), then \
                             leaves it in `error`",
                            vm.boot_storage
                        )
                    } else {
                        format!(
                            "boot storage {} needs {svc}, not ready; Proxmox does not retry",
                            vm.boot_storage
                        )
                    },
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
/// A reboot of an id that is not a host of `t` gives a timeline in which it never comes back
/// (`never_ready` names it, `all_ready_ms` is `None`); [`try_simulate`] says why instead.
///
/// # Complexity
/// `O(i · (v log v + s log s) + c)` for `v` VMs, `s` services, `c` consumer members and
/// `i ≤ s + 2` fixpoint iterations (service readiness feeding back into guests that boot from
/// those services; two when nothing boots from a service).
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
    if let Scenario::Reboot(host) = scenario {
        if check_host(t, host).is_err() {
            return Timeline {
                scenario: format!("reboot {host}"),
                events: Vec::new(),
                waits: Vec::new(),
                failures: Vec::new(),
                hazards: Vec::new(),
                all_ready_ms: None,
                never_ready: vec![host.clone()],
            };
        }
    }
    run(t, scenario, timing)
}

/// [`simulate`], refusing a reboot of something that is not a host.
///
/// # Errors
/// [`SimError::UnknownId`] (with the closest host id) when [`Scenario::Reboot`] names nothing
/// in `t`, [`SimError::Unsuitable`] when it names something other than a host.
///
/// # Example
/// ```
/// use hostplan::sim::boot::{try_simulate, Scenario, Timing};
/// use hostplan::sim::SimError;
/// let t = hostplan::examples::seed().unwrap();
/// let err = try_simulate(&t, &Scenario::Reboot("srv1".into()), &Timing::default()).unwrap_err();
/// assert!(matches!(err, SimError::UnknownId { ref id, .. } if id == "srv1"));
/// assert_eq!(err.to_string(), "unknown component `srv1` (did you mean `srv01`?)");
/// ```
pub fn try_simulate(
    t: &Topology,
    scenario: &Scenario,
    timing: &Timing,
) -> Result<Timeline, SimError> {
    if let Scenario::Reboot(host) = scenario {
        check_host(t, host)?;
    }
    Ok(run(t, scenario, timing))
}

/// [`try_simulate`] with every guest of [`super::gate::needs`] behind a readiness gate (its
/// hookscript's `pre-start` waits until the services it needs answer), compared with the
/// timeline as configured.
///
/// # Errors
/// As [`try_simulate`].
///
/// # Example
/// ```
/// use hostplan::sim::boot::{gate_effect, Scenario, Timing};
/// let t = hostplan::examples::seed().unwrap();
/// let e = gate_effect(&t, &Scenario::ColdStart, &Timing::default()).unwrap();
/// // Fixed delays: the Talos VMs boot while TrueNAS does, then kubelet backs off until the
/// // volumes attach; gated: they start once iSCSI answers and attach at once.
/// assert_eq!(e.fixed.all_ready_ms, Some(282_500));
/// assert_eq!(e.gated.all_ready_ms, Some(321_000));
/// assert!(e.gated.waits.iter().all(|w| w.who != "talos volumes"));
/// ```
pub fn gate_effect(
    t: &Topology,
    scenario: &Scenario,
    timing: &Timing,
) -> Result<super::gate::GateEffect, SimError> {
    if let Scenario::Reboot(host) = scenario {
        check_host(t, host)?;
    }
    let fixed = run(t, scenario, timing);
    let gated = run_with(&Sim::new(t, timing).gated(), scenario);
    Ok(super::gate::GateEffect::of(fixed, gated))
}

/// Simulate a scenario whose host, if any, exists.
fn run(t: &Topology, scenario: &Scenario, timing: &Timing) -> Timeline {
    run_with(&Sim::new(t, timing), scenario)
}

/// Simulate with a prepared model (fixed delays, or gated).
fn run_with(sim: &Sim<'_>, scenario: &Scenario) -> Timeline {
    let start = sim.start(scenario);
    let (services, run) = sim.fixpoint(&start);
    sim.outcome(start, &services, run)
}

/// Where a scenario begins: when each host can start guests, and what keeps running meanwhile.
struct Start {
    /// `cold-start` or `reboot <host>`.
    name: String,
    /// What happens before any host comes up: a rebooting host's shutdown.
    prelude: Vec<Event>,
    /// When each host (re)starting can start guests.
    host_up: BTreeMap<String, u64>,
    /// Guests and hosts already running at t = 0 (everything outside a reboot).
    steady: BTreeMap<String, u64>,
    /// When each guest of a rebooting host stopped.
    stopped_at: BTreeMap<String, u64>,
    /// Shutdown hazards, then the reboot's hazards for consumers elsewhere.
    hazards: Vec<ShutdownHazard>,
    /// The Proxmox cluster's quorum, when the scenario restarts any of its nodes.
    quorum: Option<ClusterQuorum>,
}

/// When a Proxmox cluster (re)gains quorum: `startall` and the HA manager start nothing on a
/// member node before (OPERATIONS.md Q-10, G-3).
struct ClusterQuorum {
    /// The member nodes.
    members: BTreeSet<String>,
    /// When the cluster is quorate; `None` when it never is in this scenario.
    at_ms: Option<u64>,
    /// Why then, in words.
    detail: String,
}

impl ClusterQuorum {
    /// When guests on `host` may start, from when the host is up: after quorum on a member;
    /// `None` when never.
    fn gate(&self, host: &str, up: u64) -> Option<u64> {
        if self.members.contains(host) {
            self.at_ms.map(|q| q.max(up))
        } else {
            Some(up)
        }
    }
}

/// What the readiness pass accumulates.
#[derive(Default)]
struct Outcome {
    events: Vec<Event>,
    waits: Vec<Wait>,
    never_ready: BTreeSet<String>,
    ready_times: Vec<u64>,
}

/// What consumers' readiness reads from the run.
struct Consumers<'r> {
    /// When each guest (or steady host) is up.
    all_up: &'r BTreeMap<String, u64>,
    /// What was already running at t = 0.
    steady: &'r BTreeMap<String, u64>,
    /// When each guest of a rebooting host stopped.
    stopped_at: &'r BTreeMap<String, u64>,
    /// When each service is ready.
    services: &'r BTreeMap<String, u64>,
    /// Services that went away with the reboot.
    lost: &'r BTreeSet<&'r str>,
}

impl Sim<'_> {
    /// The scenario's starting point: every host powering on at once, or one host stopping its
    /// guests (`stopall` order) and rebooting while the rest keeps running.
    fn start(&self, scenario: &Scenario) -> Start {
        let (t, timing) = (self.t, self.timing);
        let mut start = Start {
            name: String::new(),
            prelude: Vec::new(),
            host_up: BTreeMap::new(),
            steady: BTreeMap::new(),
            stopped_at: BTreeMap::new(),
            hazards: shutdown_hazards(t, &self.ix),
            quorum: None,
        };
        start.name = match scenario {
            Scenario::ColdStart => {
                for h in &t.hosts {
                    start.host_up.insert(h.id.clone(), self.host_boot_ms(&h.id));
                }
                "cold-start".to_owned()
            }
            Scenario::Reboot(host) => {
                let mut now = 0;
                for vm in stop_list(&self.ix, host) {
                    let down = ms(f64::from(vm.startup.down.unwrap_or(timing.default_down_s)));
                    start.prelude.push(Event {
                        at_ms: now,
                        subject: vm.id.clone(),
                        kind: EventKind::StopIssued,
                        detail: format!("timeout {} s", down / 1000),
                    });
                    now += ms(timing.guest_stop_s).min(down);
                    start.prelude.push(Event {
                        at_ms: now,
                        subject: vm.id.clone(),
                        kind: EventKind::Stopped,
                        detail: String::new(),
                    });
                    start.stopped_at.insert(vm.id.clone(), now);
                }
                start.prelude.push(Event {
                    at_ms: now,
                    subject: host.clone(),
                    kind: EventKind::HostDown,
                    detail: "reboot".into(),
                });
                start
                    .host_up
                    .insert(host.clone(), now + self.host_boot_ms(host));
                for vm in t.vms.iter().filter(|v| &v.host != host && runs_at_boot(v)) {
                    start.steady.insert(vm.id.clone(), 0);
                }
                for h in t.hosts.iter().filter(|h| &h.id != host) {
                    start.steady.insert(h.id.clone(), 0);
                }
                start.hazards.extend(reboot_hazards_of(t, host));
                format!("reboot {host}")
            }
        };
        start.quorum = self.cluster_quorum(&start);
        start
    }

    /// When the cluster is quorate again, if the scenario restarts any member: the time the
    /// votes of the members up (a steady one from the start, a restarting one once it can
    /// start guests: corosync is up by then) and of the QDevice reach votequorum's quorum;
    /// with `wait_for_all` (stated, or implied by `two_node`), not before every member is up
    /// (Q-3, Q-4). A QDevice on a host of the file votes once that host is; on a VM of the
    /// file it is not counted (it could only start after quorum); outside the file it is up.
    fn cluster_quorum(&self, start: &Start) -> Option<ClusterQuorum> {
        let c = self.t.cluster.as_ref()?;
        let q = crate::sim::quorum::Votequorum::of(c)?;
        if !c.nodes.iter().any(|n| start.host_up.contains_key(&n.host)) {
            return None;
        }
        let up_at = |host: &str| -> Option<u64> {
            match start.host_up.get(host) {
                Some(&at) => Some(at),
                None => self.ix.hosts.contains_key(host).then_some(0),
            }
        };
        let mut votes: Vec<(u64, u32)> = c
            .nodes
            .iter()
            .filter_map(|n| Some((up_at(&n.host)?, n.votes())))
            .collect();
        if let Some(qd) = &c.qdevice {
            let at = match qd.host.as_deref() {
                None => Some(0),
                Some(h) => up_at(h),
            };
            if let Some(at) = at {
                votes.push((at, q.qdevice_votes));
            }
        }
        votes.sort_unstable();
        let mut have = 0;
        let mut at = None;
        for (t, v) in &votes {
            have += v;
            if q.quorate(have) {
                at = Some(*t);
                break;
            }
        }
        let mut detail = format!("votequorum: {} of {} vote(s) needed", q.quorum, q.expected);
        if q.wait_for_all {
            let every = c
                .nodes
                .iter()
                .map(|n| up_at(&n.host))
                .collect::<Option<Vec<_>>>();
            let all_seen = every.map(|v| v.into_iter().max().unwrap_or(0));
            at = at.zip(all_seen).map(|(a, b)| a.max(b));
            detail.push_str(", wait_for_all: every node seen once");
        }
        Some(ClusterQuorum {
            members: crate::sort::btree_set(c.nodes.iter().map(|n| n.host.clone())),
            at_ms: at,
            detail,
        })
    }

    /// Start every (re)starting Proxmox node's guests until service readiness stops changing:
    /// it feeds guests booting from services, which may provide services in turn. Readiness
    /// only ever moves earlier, so this terminates. Returns when each service is ready, and
    /// the last run.
    fn fixpoint(&self, start: &Start) -> (BTreeMap<String, u64>, Run) {
        let mut services: BTreeMap<String, u64> = BTreeMap::new();
        let mut run = Run::default();
        // Gates add a round: a gated provider of a service others wait for.
        for _ in 0..=self.t.services.len() + 2 {
            run = Run::default();
            for (h, up) in &start.host_up {
                // `startall` waits for the cluster's quorum; without it, it never starts.
                let from = match &start.quorum {
                    Some(q) => q.gate(h, *up),
                    None => Some(*up),
                };
                if let (true, Some(from)) = (self.proxmox.contains(h.as_str()), from) {
                    self.startall(h, from, &services, &mut run);
                }
            }
            let mut provider_up = start.steady.clone();
            provider_up.extend(start.host_up.iter().map(|(h, u)| (h.clone(), *u)));
            provider_up.extend(run.guest_up.iter().map(|(v, u)| (v.clone(), *u)));
            let mut next = self.service_ready(&provider_up);
            // A service whose provider (and pool owner) kept running through a reboot never
            // stopped answering: it is ready from the start, not `ready_after_s` after it.
            for svc in &self.t.services {
                let owner = self
                    .ix
                    .pools
                    .get(svc.pool.as_str())
                    .map(|p| p.owner.as_str());
                let running = |id: &str| {
                    start.steady.contains_key(id)
                        && !start.host_up.contains_key(id)
                        && !run.guest_up.contains_key(id)
                };
                if running(&svc.provider) && owner.is_none_or(running) {
                    next.insert(svc.id.clone(), 0);
                }
            }
            if next == services {
                break;
            }
            services = next;
        }
        (services, run)
    }

    /// The timeline: events by time, waits, failures (deadlocks marked), and when everything
    /// is ready or what never is.
    fn outcome(&self, start: Start, services: &BTreeMap<String, u64>, mut run: Run) -> Timeline {
        let t = self.t;
        let mut out = Outcome {
            events: start.prelude,
            ..Outcome::default()
        };
        out.events.append(&mut run.events);
        for (h, up) in &start.host_up {
            out.events.push(Event {
                at_ms: *up,
                subject: h.clone(),
                kind: EventKind::HostUp,
                detail: String::new(),
            });
        }
        if let Some(q) = &start.quorum {
            let name = t
                .cluster
                .as_ref()
                .map(|c| c.name.as_str())
                .filter(|n| !n.is_empty())
                .unwrap_or("cluster");
            if let Some(at) = q.at_ms {
                out.events.push(Event {
                    at_ms: at,
                    subject: name.to_owned(),
                    kind: EventKind::QuorumUp,
                    detail: q.detail.clone(),
                });
            } else {
                out.events.push(Event {
                    at_ms: 0,
                    subject: name.to_owned(),
                    kind: EventKind::Waiting,
                    detail: format!(
                        "never quorate ({}): guests on its nodes never start",
                        q.detail
                    ),
                });
                out.never_ready.insert(format!("{name} quorum"));
            }
        }
        for s in &t.services {
            if let Some(down) = start.stopped_at.get(&s.provider) {
                out.events.push(Event {
                    at_ms: *down,
                    subject: s.id.clone(),
                    kind: EventKind::ServiceDown,
                    detail: format!("{} stopped", s.provider),
                });
            }
            if let Some(r) = services.get(&s.id) {
                if start.stopped_at.contains_key(&s.provider)
                    || start.host_up.contains_key(&s.provider)
                    || run.guest_up.contains_key(&s.provider)
                {
                    out.events.push(Event {
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
            f.deadlock =
                f.service_ready_ms.is_none() || service_needs_vm(&self.ix, &f.service, &f.vm);
        }
        let mut all_up = start.steady.clone();
        all_up.extend(run.guest_up.iter().map(|(k, v)| (k.clone(), *v)));
        out.ready_times = run.guest_up.values().copied().collect();
        out.ready_times.extend(start.host_up.values().copied());
        for vm in t
            .vms
            .iter()
            .filter(|v| runs_at_boot(v) && start.host_up.contains_key(&v.host))
        {
            if !all_up.contains_key(&vm.id) {
                out.never_ready.insert(vm.id.clone());
            }
        }
        for s in &t.services {
            match services.get(&s.id) {
                Some(r) => out.ready_times.push(*r),
                None => {
                    out.never_ready.insert(s.id.clone());
                }
            }
        }
        // Services whose provider (any of that id) stopped for the reboot.
        let lost: BTreeSet<&str> = crate::sort::btree_set(
            t.services
                .iter()
                .filter(|x| start.stopped_at.contains_key(&x.provider))
                .map(|x| x.id.as_str()),
        );
        let ctx = Consumers {
            all_up: &all_up,
            steady: &start.steady,
            stopped_at: &start.stopped_at,
            services,
            lost: &lost,
        };
        for c in &t.consumers {
            self.consumer_ready(c, &ctx, &mut out);
        }
        out.waits.append(&mut run.waits);
        let failed: BTreeSet<&str> =
            crate::sort::btree_set(run.failures.iter().map(|f| f.vm.as_str()));
        out.waits.retain(|w| !failed.contains(w.who.as_str()));
        let mut events = out.events;
        crate::sort::sort_by(&mut events, |a, b| {
            (a.at_ms, &a.subject, a.kind).cmp(&(b.at_ms, &b.subject, b.kind))
        });
        let all_ready_ms = if out.never_ready.is_empty() {
            out.ready_times.into_iter().max().or(Some(0))
        } else {
            None
        };
        Timeline {
            scenario: start.name,
            events,
            waits: out.waits,
            failures: run.failures,
            hazards: start.hazards,
            all_ready_ms,
            never_ready: out.never_ready.into_iter().collect(),
        }
    }

    /// When consumer `c` has quorum and, if it uses storage services, when its volumes attach:
    /// kubelet first tries once the cluster is up again (or, for a cluster that kept running,
    /// as soon as its storage went away) and retries with exponential back-off.
    fn consumer_ready(&self, c: &Consumer, ctx: &Consumers<'_>, out: &mut Outcome) {
        let members = || c.control_plane.iter().chain(&c.workers);
        // Quorum from the control plane; a consumer without one is up with its first worker.
        let (voters, need) = if c.control_plane.is_empty() {
            (&c.workers, u32::from(!c.workers.is_empty()))
        } else {
            (&c.control_plane, c.quorum_needed())
        };
        let mut ups: Vec<u64> = voters
            .iter()
            .filter_map(|v| ctx.all_up.get(v).copied())
            .collect();
        ups.sort_unstable();
        let Some(&quorum) = ups.get(need.saturating_sub(1) as usize) else {
            out.never_ready.insert(c.id.clone());
            return;
        };
        let affected = members().any(|v| !ctx.steady.contains_key(v))
            || c.services.iter().any(|s| ctx.lost.contains(s.as_str()));
        if affected {
            out.events.push(Event {
                at_ms: quorum,
                subject: c.id.clone(),
                kind: EventKind::QuorumUp,
                detail: format!("{need} of {}", voters.len()),
            });
        }
        out.ready_times.push(quorum);
        if c.services.is_empty() {
            return;
        }
        let lost_at = c
            .services
            .iter()
            .filter_map(|s| self.ix.services.get(s.as_str()))
            .filter_map(|x| ctx.stopped_at.get(&x.provider).copied())
            .min();
        let first_try = if affected && members().all(|v| ctx.steady.contains_key(v)) {
            lost_at.unwrap_or(quorum)
        } else {
            quorum
        };
        let needed: Option<u64> = c
            .services
            .iter()
            .map(|s| ctx.services.get(s).copied())
            .try_fold(0u64, |acc, r| r.map(|r| acc.max(r)));
        let Some(needed) = needed else {
            out.never_ready.insert(format!("{} volumes", c.id));
            return;
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
                .filter(|s| ctx.services.get(*s).is_some_and(|r| *r > first_try))
                .map(String::as_str)
                .collect();
            for m in &missing {
                out.waits.push(Wait {
                    who: format!("{} volumes", c.id),
                    waited_for: (*m).to_owned(),
                    from_ms: first_try,
                    until_ms: attempt,
                });
            }
            out.events.push(Event {
                at_ms: first_try,
                subject: c.id.clone(),
                kind: EventKind::Waiting,
                detail: format!("volumes wait for {} (kubelet back-off)", missing.join(", ")),
            });
        }
        if affected || attempt > first_try {
            out.events.push(Event {
                at_ms: attempt,
                subject: c.id.clone(),
                kind: EventKind::VolumesReady,
                detail: String::new(),
            });
        }
        out.ready_times.push(attempt);
    }
}

/// Whether service `svc` (transitively) needs VM `vm` to be up: through its provider, the
/// provider's boot storage, and so on.
fn service_needs_vm(ix: &Index<'_>, svc: &str, vm: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![svc.to_owned()];
    while let Some(s) = stack.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        let Some(service) = ix.services.get(s.as_str()) else {
            continue;
        };
        if service.provider == vm {
            return true;
        }
        if let Some(p) = ix.vms.get(service.provider.as_str()) {
            if let Some(st) = ix.storages.get(p.boot_storage.as_str()) {
                stack.extend(st.service.clone());
            }
        }
    }
    false
}
