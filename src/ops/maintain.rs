//! Maintenance of one host: what stops, what moves where, what is down for how long, and
//! the runbook that does it in an order a reviewer can sign.
//!
//! Facts (OPERATIONS.md): a running VM with a passed-through device, a raw disk or a disk on
//! node-local storage cannot migrate (HA-31…HA-35); HA maintenance mode moves only HA guests,
//! chosen by node affinity then the fewest HA services (HA-17, HA-27, HA-30), and waits
//! forever for one that cannot move (HA-22), so such a guest is stopped first; on reboot
//! `stopall` stops the remaining guests, 180 s each at most (G-6); the cluster needs quorum
//! without the host (Q-2, Q-10) or nothing starts and HA nodes self-fence (HA-12). Storage
//! consumers elsewhere see the storage VM's outage as [`super::outage`] computes it.
//!
//! The runbook's order: check quorum; drain the host's Kubernetes nodes; quiesce consumers
//! elsewhere that would not ride through the outage; move what can move (HA maintenance
//! mode, `qm migrate`) while its storage still answers; stop the host's guests, consumers
//! before the providers they need; reboot; start providers first, wait for each service,
//! then consumers; verify; leave maintenance, move guests back, uncordon.

use super::outage::{self, ConsumerOutcome, LostService, Verdict};
use super::{duration_text, shell_word, Check, Place, Step};
use crate::model::{ConsumerKind, Topology, Vm};
use crate::resolve::{EntityKind, Lookup};
use crate::sim::boot::{self, Scenario, Timing};
use crate::sim::quorum::Votequorum;
use crate::sim::{ha, SimError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Reboot or power off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// The host reboots and comes back by itself.
    Reboot,
    /// The host is powered off; someone powers it on again.
    Shutdown,
}

named!(Mode {
    Reboot => "reboot",
    Shutdown => "shutdown",
});

/// What happens to one guest of the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fate {
    /// It is shut down and started again after the host is back.
    Stops,
    /// It is live-migrated by hand (`qm migrate --online`): not HA-managed.
    Migrates,
    /// HA maintenance mode live-migrates it, and back afterwards.
    HaMigrates,
}

named!(Fate {
    Stops => "stops",
    Migrates => "migrates",
    HaMigrates => "ha-migrates",
});

/// One guest of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guest {
    /// The VM.
    pub vm: String,
    /// Its VMID.
    pub vmid: u32,
    /// HA-managed.
    pub ha: bool,
    /// What happens to it.
    pub fate: Fate,
    /// Where it goes, when it moves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why, in words.
    pub reason: String,
}

/// The cluster without the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumAfter {
    /// Votes left.
    pub votes: u32,
    /// Votes needed.
    pub quorum: u32,
    /// Whether the rest stays quorate.
    pub quorate: bool,
}

/// How long something is down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Downtime {
    /// Guest, service or consumer id.
    pub id: String,
    /// `guest`, `service` or `consumer`.
    pub kind: String,
    /// From (seconds since the runbook began).
    pub from_s: u32,
    /// Until; `None` when the host is powered off until someone powers it on.
    pub until_s: Option<u32>,
}

impl Downtime {
    /// How long, when known.
    pub fn down_s(&self) -> Option<u32> {
        self.until_s.map(|u| u.saturating_sub(self.from_s))
    }
}

/// The maintenance plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The host.
    pub host: String,
    /// Reboot or shutdown.
    pub mode: Mode,
    /// Its guests.
    pub guests: Vec<Guest>,
    /// The cluster without it; `None` outside a cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumAfter>,
    /// What is down, from when until when (by the runbook's expected durations).
    pub downtime: Vec<Downtime>,
    /// The storage services lost and for how long.
    pub lost: Vec<LostService>,
    /// Consumers elsewhere (not on the host) of those services.
    pub elsewhere: Vec<ConsumerOutcome>,
    /// The runbook.
    pub steps: Vec<Step>,
    /// What the reader should know: assumptions, warnings, what the model does not cover.
    pub notes: Vec<String>,
    /// Expected length of the whole runbook, seconds (steps of unknown length count 0).
    pub total_s: u32,
}

/// Plan the maintenance of `host`.
///
/// # Errors
/// [`SimError::UnknownId`] when `host` names nothing (with the closest host id),
/// [`SimError::Unsuitable`] when it names something other than a host.
///
/// # Example
/// ```
/// use hostplan::ops::maintain::{plan, Fate, Mode};
/// use hostplan::sim::boot::Timing;
/// let t = hostplan::examples::seed().unwrap();
/// let p = plan(&t, "srv01", Mode::Reboot, &Timing::default()).unwrap();
/// assert!(p.guests.iter().all(|g| g.fate == Fate::Stops));
/// assert_eq!(p.lost[0].service, "iscsi-k8s");
/// ```
pub fn plan(t: &Topology, host: &str, mode: Mode, timing: &Timing) -> Result<Plan, SimError> {
    let lookup = Lookup::new(t);
    let Some(h) = lookup.of(EntityKind::Host, host).map(|i| &t.hosts[i]) else {
        if lookup.get(host).is_some() {
            return Err(SimError::Unsuitable {
                id: host.to_owned(),
                why: "is not a host; only hosts go into maintenance".into(),
            });
        }
        return Err(SimError::UnknownId {
            id: host.to_owned(),
            suggestion: crate::diag::did_you_mean(host, t.hosts.iter().map(|h| h.id.as_str()))
                .map(str::to_owned),
        });
    };
    let mut b = Builder {
        t,
        lookup: &lookup,
        timing,
        host,
        mode,
        steps: Vec::new(),
        notes: Vec::new(),
        at: 0,
    };
    let member = t
        .cluster
        .as_ref()
        .is_some_and(|c| c.nodes.iter().any(|n| n.host == host));
    let quorum = b.quorum(member);
    let guests = b.fates(member);
    let stopping: Vec<&Vm> = order_for_stop(t, &lookup, host, &guests);
    // Pass 1 without consumers elsewhere, to know how long each service is gone; pass 2
    // adds the steps that quiesce them before the provider stops (which does not move the
    // windows: those steps come before the provider's stop).
    let lost_first = b
        .clone_empty()
        .run(&guests, &stopping, &[], member, h.boot_time_s)
        .1;
    let down_hosts: BTreeSet<&str> = crate::sort::btree_set([host]);
    let mut elsewhere = outage::consumers_of(t, &lost_first, &down_hosts);
    // Members on this host are drained and stopped with it.
    elsewhere.retain(|o| !stopping.iter().any(|v| v.id == o.consumer));
    let (downtime, lost) = b.run(&guests, &stopping, &elsewhere, member, h.boot_time_s);
    b.boot_notes(&guests);
    let total_s = b.at;
    Ok(Plan {
        host: host.to_owned(),
        mode,
        guests,
        quorum,
        downtime,
        lost,
        elsewhere,
        steps: b.steps,
        notes: b.notes,
        total_s,
    })
}

struct Builder<'a> {
    t: &'a Topology,
    lookup: &'a Lookup,
    timing: &'a Timing,
    host: &'a str,
    mode: Mode,
    steps: Vec<Step>,
    notes: Vec<String>,
    at: u32,
}

impl<'a> Builder<'a> {
    fn clone_empty(&self) -> Self {
        Self {
            t: self.t,
            lookup: self.lookup,
            timing: self.timing,
            host: self.host,
            mode: self.mode,
            steps: Vec::new(),
            notes: Vec::new(),
            at: 0,
        }
    }

    fn push(&mut self, mut s: Step) -> u32 {
        s.at_s = self.at;
        self.at = self.at.saturating_add(s.expected_s.unwrap_or(0));
        self.steps.push(s);
        self.at
    }

    /// Votes left without the host.
    fn quorum(&mut self, member: bool) -> Option<QuorumAfter> {
        let c = self.t.cluster.as_ref().filter(|_| member)?;
        let v = Votequorum::of(c)?;
        let lost: BTreeSet<&str> = crate::sort::btree_set([self.host]);
        // The QDevice goes too when qnetd runs on this host or on one of its guests.
        let qdevice_lost = c
            .qdevice
            .as_ref()
            .and_then(|q| q.host.as_deref())
            .is_some_and(|q| {
                q == self.host
                    || self
                        .lookup
                        .of(EntityKind::Vm, q)
                        .is_some_and(|i| self.t.vms[i].host == self.host)
            });
        let votes = v.votes_left(c, &lost, qdevice_lost);
        let quorate = v.quorate(votes);
        if !quorate {
            self.notes.push(format!(
                "without {} the cluster has {votes} of the {} votes it needs: /etc/pve turns read-only, no guest starts anywhere, and nodes running HA guests self-fence after about 60 s (Q-10, HA-12) — add a QDevice or keep the node up",
                self.host, v.quorum
            ));
        }
        Some(QuorumAfter {
            votes,
            quorum: v.quorum,
            quorate,
        })
    }

    /// What happens to each guest of the host.
    fn fates(&mut self, member: bool) -> Vec<Guest> {
        let (t, host) = (self.t, self.host);
        let cluster = t.cluster.as_ref().filter(|_| member);
        // Free memory (MiB) on every other member node, as HA's scheduler would see it.
        let mut free: BTreeMap<&str, i64> = BTreeMap::new();
        if let Some(c) = cluster {
            for n in c.nodes.iter().filter(|n| n.host != host) {
                if let Some(i) = self.lookup.of(EntityKind::Host, &n.host) {
                    free.insert(&n.host, i64::from(t.hosts[i].ram_gib) * 1024);
                }
            }
        }
        for vm in &t.vms {
            if let Some(f) = free.get_mut(vm.host.as_str()) {
                *f -= mib(ha::pinned_mib(vm));
            }
        }
        let states: BTreeMap<String, crate::graph::State> =
            crate::sort::btree_map([(host.to_owned(), crate::graph::State::Down)]);
        let ha_targets: BTreeMap<String, Option<String>> = crate::sort::btree_map(
            ha::recovery(t, &states, &[])
                .into_iter()
                .map(|o| (o.vm, o.to)),
        );
        let mut guests: Vec<&Vm> = t.vms.iter().filter(|v| v.host == host).collect();
        crate::sort::sort_by_key(&mut guests, |v| v.vmid);
        let mut out = Vec::new();
        for vm in guests {
            let stuck = ha::stuck(t, self.lookup, vm);
            let need = mib(ha::pinned_mib(vm));
            let mut g = Guest {
                vm: vm.id.clone(),
                vmid: vm.vmid,
                ha: vm.ha,
                fate: Fate::Stops,
                to: None,
                reason: String::new(),
            };
            if cluster.is_none() {
                g.reason = if t.cluster.is_some() {
                    format!("{host} is not a cluster member: nowhere to migrate")
                } else {
                    "no cluster: nowhere to migrate".into()
                };
                if let Some(why) = &stuck {
                    g.reason = format!("{why}; {}", g.reason);
                }
            } else if let Some(why) = stuck {
                g.reason = if vm.ha {
                    format!("cannot migrate ({why}): HA maintenance mode would wait for it forever (HA-22), so it is set to stopped first")
                } else {
                    format!("cannot migrate ({why}, HA-31)")
                };
            } else if vm.ha {
                match ha_targets.get(&vm.id).cloned().flatten() {
                    Some(to) => {
                        if let Some(f) = free.get_mut(to.as_str()) {
                            *f -= need;
                        }
                        g.reason = format!("HA maintenance mode live-migrates it to {to} (node affinity, then fewest HA services, HA-17, HA-27) and back afterwards");
                        g.fate = Fate::HaMigrates;
                        g.to = Some(to);
                    }
                    None => g.reason = "no other node can take it (its node-affinity rule or its storage): it stops".into(),
                }
            } else {
                let reach = |node: &str| match self
                    .lookup
                    .of(EntityKind::Storage, &vm.boot_storage)
                    .and_then(|i| t.storages[i].service.as_deref())
                {
                    Some(svc) => t
                        .storages
                        .iter()
                        .any(|s| s.host == node && s.service.as_deref() == Some(svc)),
                    None => true,
                };
                let best = free
                    .iter()
                    .filter(|(n, f)| reach(n) && **f >= need)
                    .max_by_key(|(n, f)| (**f, std::cmp::Reverse(**n)))
                    .map(|(n, _)| (*n).to_owned());
                match best {
                    Some(to) => {
                        let room = free.get(to.as_str()).copied().unwrap_or(0);
                        if let Some(f) = free.get_mut(to.as_str()) {
                            *f -= need;
                        }
                        g.reason = format!("not HA-managed, so maintenance mode leaves it (HA-30); it fits on {to} ({need} MiB of {room} MiB free): migrate it by hand");
                        g.fate = Fate::Migrates;
                        g.to = Some(to);
                    }
                    None => {
                        g.reason = format!("no other node has {need} MiB free for it (or reaches its disk's storage)");
                    }
                }
            }
            out.push(g);
        }
        for (node, f) in &free {
            if *f < 0 {
                self.notes.push(format!(
                    "{node} is short of {} MiB after taking the guests that move there: HA's basic scheduler does not look at memory (HA-17)",
                    -f
                ));
            }
        }
        out
    }

    /// Build the runbook; returns what is down when, and the services lost.
    #[expect(
        clippy::too_many_lines,
        reason = "the runbook is one sequence; split, its order would be spread over functions"
    )]
    fn run(
        &mut self,
        guests: &[Guest],
        stopping: &[&'a Vm],
        elsewhere: &[ConsumerOutcome],
        member: bool,
        boot_time_s: u32,
    ) -> (Vec<Downtime>, Vec<LostService>) {
        let (t, host) = (self.t, self.host);
        let on = || Place::Host(host.to_owned());
        let mut down_from: BTreeMap<String, (String, u32)> = BTreeMap::new();
        let mut down_until: BTreeMap<String, u32> = BTreeMap::new();
        if member {
            self.push(Step {
                title: "Check the cluster is quorate".into(),
                why: "a node leaving an inquorate (or barely quorate) cluster stops every start and can fence HA nodes (Q-10, HA-12)".into(),
                place: on(),
                command: Some("pvecm status".into()),
                destructive: false,
                expected_s: Some(5),
                at_s: 0,
                check: Some(Check {
                    what: "pvecm status says Quorate: Yes".into(),
                    place: on(),
                    command: "pvecm status | grep -q 'Quorate:.*Yes'".into(),
                    wait_s: 30,
                }),
            });
        }
        // Kubernetes nodes that stop with the host: workers first, then control planes.
        let stops: BTreeSet<&str> = crate::sort::btree_set(stopping.iter().map(|v| v.id.as_str()));
        let mut drained: Vec<String> = Vec::new();
        for c in t
            .consumers
            .iter()
            .filter(|c| c.kind == ConsumerKind::Kubernetes)
        {
            for node in c.workers.iter().chain(&c.control_plane) {
                if stops.contains(node.as_str()) && !drained.contains(node) {
                    let at = self.at;
                    down_from
                        .entry(c.id.clone())
                        .or_insert(("consumer".into(), at));
                    self.push(outage::drain(
                        node,
                        &format!("its pods leave (and release their volumes) before {node} stops with {host}"),
                    ));
                    drained.push(node.clone());
                }
            }
        }
        for c in &t.consumers {
            let members: Vec<&String> = c.workers.iter().chain(&c.control_plane).collect();
            if !members.is_empty() && members.iter().all(|m| stops.contains(m.as_str())) {
                self.notes.push(format!(
                    "every member of {} runs on {host}: it is down for the whole maintenance (spread its nodes over hosts to keep it up)",
                    c.id
                ));
            }
        }
        // Consumers elsewhere that would not ride through: quiesce them first.
        let mut restart_elsewhere: Vec<Step> = Vec::new();
        let mut quiesced = BTreeSet::new();
        for o in elsewhere
            .iter()
            .filter(|o| o.verdict == Verdict::NeedsRestart)
        {
            if !quiesced.insert(o.consumer.clone()) {
                continue;
            }
            let why = format!(
                "{} would not ride through the outage of {} ({}): stop it cleanly before",
                o.what, o.service, o.effect
            );
            down_from
                .entry(o.consumer.clone())
                .or_insert(("consumer".into(), self.at));
            if let Some(c) = t.consumers.iter().find(|c| c.id == o.consumer) {
                if c.kind == ConsumerKind::Kubernetes {
                    for node in c.workers.iter().chain(&c.control_plane) {
                        if !drained.contains(node) {
                            let [d, u] = outage::drain_and_uncordon(node, &why);
                            self.push(d);
                            restart_elsewhere.push(u);
                            drained.push(node.clone());
                        }
                    }
                    continue;
                }
            }
            let ids: Vec<&str> = match t.consumers.iter().find(|c| c.id == o.consumer) {
                Some(c) => c
                    .workers
                    .iter()
                    .chain(&c.control_plane)
                    .map(String::as_str)
                    .collect(),
                None => vec![o.consumer.as_str()],
            };
            for id in ids {
                if let Some(vm) = self.lookup.of(EntityKind::Vm, id).map(|i| &t.vms[i]) {
                    self.push(shutdown_step(vm, &why, self.timing));
                    restart_elsewhere.push(start_step(
                        vm,
                        "it was stopped before the outage",
                        self.timing,
                    ));
                }
            }
        }
        for o in elsewhere
            .iter()
            .filter(|o| o.verdict == Verdict::StallsThenResumes)
        {
            self.notes.push(format!(
                "{} stalls while {} is gone and resumes by itself ({})",
                o.what,
                o.service,
                o.chain.last().cloned().unwrap_or_default()
            ));
        }
        // Move what can move while its storage still answers.
        let mut back: Vec<Step> = Vec::new();
        for g in guests.iter().filter(|g| g.fate == Fate::Migrates) {
            let to = g.to.clone().unwrap_or_default();
            self.push(Step {
                title: format!("Migrate {} ({}) to {to}", g.vm, g.vmid),
                why: g.reason.clone(),
                place: on(),
                command: Some(format!(
                    "qm migrate {} {} --online",
                    g.vmid,
                    shell_word(&to)
                )),
                destructive: true,
                expected_s: None,
                at_s: 0,
                check: Some(Check {
                    what: format!("{} runs on {to}", g.vm),
                    place: Place::Host(to.clone()),
                    command: format!("qm status {} | grep -q 'status: running'", g.vmid),
                    wait_s: 600,
                }),
            });
            back.push(Step {
                title: format!("Migrate {} ({}) back to {host}", g.vm, g.vmid),
                why: "it ran there before the maintenance".into(),
                place: Place::Host(to),
                command: Some(format!(
                    "qm migrate {} {} --online",
                    g.vmid,
                    shell_word(host)
                )),
                destructive: true,
                expected_s: None,
                at_s: 0,
                check: Some(Check {
                    what: format!("{} runs on {host}", g.vm),
                    place: on(),
                    command: format!("qm status {} | grep -q 'status: running'", g.vmid),
                    wait_s: 600,
                }),
            });
        }
        let ha_stuck: Vec<&Guest> = guests
            .iter()
            .filter(|g| g.ha && g.fate == Fate::Stops && member)
            .collect();
        for g in &ha_stuck {
            let at = self.at;
            down_from.insert(g.vm.clone(), ("guest".into(), at));
            self.push(Step {
                title: format!("Stop HA guest {} ({}) through HA", g.vm, g.vmid),
                why: g.reason.clone(),
                place: on(),
                command: Some(format!("ha-manager set vm:{} --state stopped", g.vmid)),
                destructive: true,
                // HA stops with a 60 s graceful timeout (HA-23), plus a CRM round (HA-8).
                expected_s: Some(70),
                at_s: 0,
                check: Some(Check {
                    what: format!("{} is stopped", g.vm),
                    place: on(),
                    command: format!("qm status {} | grep -q 'status: stopped'", g.vmid),
                    wait_s: 180,
                }),
            });
        }
        let has_ha = member && guests.iter().any(|g| g.ha);
        if member {
            let h = shell_word(host);
            self.push(Step {
                title: format!("Put {host} into HA maintenance"),
                why: if has_ha {
                    "HA moves its HA guests away (HA-27) while their storage still answers; the mode survives the reboot (HA-28)".into()
                } else {
                    "no HA guest runs here, but the node is marked so HA places nothing on it meanwhile (HA-27, HA-28)".into()
                },
                place: on(),
                command: Some(format!("ha-manager crm-command node-maintenance enable {h}")),
                destructive: true,
                expected_s: None,
                at_s: 0,
                check: Some(Check {
                    what: format!("{host}'s LRM is in maintenance mode and no HA guest is started there"),
                    place: on(),
                    command: format!("ha-manager status | grep -q 'lrm {h} (maintenance mode' && ! ha-manager status | grep -q '({h}, started)'"),
                    wait_s: 900,
                }),
            });
        }
        // Stop the host's guests: consumers before providers.
        for vm in stopping.iter().filter(|v| !(v.ha && member)) {
            let at = self.at;
            down_from.insert(vm.id.clone(), ("guest".into(), at));
            let why = match provided_by(t, &vm.id).as_slice() {
                [] => format!("it cannot stay up while {host} is down"),
                svcs => format!(
                    "it serves {}: stopped cleanly, after everything on {host} that needs it",
                    svcs.join(", ")
                ),
            };
            self.push(shutdown_step(vm, &why, self.timing));
        }
        for s in t.services.iter().filter(|s| s.provider == host) {
            down_from.insert(s.id.clone(), ("service".into(), self.at));
        }
        let mut lost_from: BTreeMap<String, u32> = BTreeMap::new();
        for s in &t.services {
            if let Some((_, from)) = down_from.get(&s.provider) {
                lost_from.insert(s.id.clone(), *from);
                down_from.insert(s.id.clone(), ("service".into(), *from));
            } else if s.provider == host {
                lost_from.insert(s.id.clone(), self.at);
            }
        }
        let h = shell_word(host);
        let boot = if boot_time_s == 0 {
            self.timing.default_host_boot_s
        } else {
            boot_time_s
        };
        match self.mode {
            Mode::Reboot => {
                self.push(Step {
                    title: format!("Reboot {host}"),
                    why: "the maintenance itself (kernel, firmware); every guest that must stop is stopped".into(),
                    place: on(),
                    command: Some("systemctl reboot".into()),
                    destructive: true,
                    expected_s: Some(boot),
                    at_s: 0,
                    check: Some(Check {
                        what: format!("{host} answers again"),
                        place: on(),
                        command: "pveversion".into(),
                        wait_s: boot.saturating_mul(3).max(300),
                    }),
                });
            }
            Mode::Shutdown => {
                self.push(Step {
                    title: format!("Power {host} off"),
                    why: "the maintenance itself (hardware); every guest that must stop is stopped"
                        .into(),
                    place: on(),
                    command: Some("systemctl poweroff".into()),
                    destructive: true,
                    expected_s: Some(30),
                    at_s: 0,
                    check: None,
                });
                self.push(Step {
                    title: format!("Do the work, then power {host} on"),
                    why: "the host is off until someone powers it on: the downtime below runs until then".into(),
                    place: Place::Hand,
                    command: None,
                    destructive: false,
                    expected_s: None,
                    at_s: 0,
                    check: Some(Check {
                        what: format!("{h} answers again"),
                        place: on(),
                        command: "pveversion".into(),
                        wait_s: 3600,
                    }),
                });
                self.at = self.at.saturating_add(boot);
                self.notes.push(format!(
                    "powered off: everything below is down until {host} is powered on again; the times after that count from then ({boot} s boot)"
                ));
            }
        }
        // Start providers first (each up and serving before the next), then everything else
        // at once, as startall would, and wait for each to be up.
        let (providers, rest): (Vec<&&Vm>, Vec<&&Vm>) = stopping
            .iter()
            .rev()
            .partition(|v| !provided_by(t, &v.id).is_empty());
        for vm in providers {
            self.start_guest(vm, member, &mut down_until);
            self.wait_for_services(&vm.id, &mut down_until);
        }
        self.wait_for_services(host, &mut down_until);
        let mut started: Vec<(&Vm, u32)> = Vec::new();
        for vm in rest {
            started.push((vm, self.at));
            self.start_guest(vm, member, &mut BTreeMap::new());
        }
        for (vm, at) in started {
            let up = at.saturating_add(boot::guest_up_s(vm, self.timing));
            let end = self.push(Step {
                title: format!("Wait until {} is up", vm.id),
                why: "started above; its OS boots meanwhile".into(),
                place: Place::Host(vm.host.clone()),
                command: None,
                destructive: false,
                expected_s: Some(up.saturating_sub(self.at)),
                at_s: 0,
                check: Some(outage::vm_running(vm)),
            });
            down_until.insert(vm.id.clone(), end);
        }
        // Verify the consumers on the host.
        for c in &t.consumers {
            let members: Vec<&String> = c
                .workers
                .iter()
                .chain(&c.control_plane)
                .filter(|m| stops.contains(m.as_str()))
                .collect();
            if members.is_empty() {
                continue;
            }
            down_from
                .entry(c.id.clone())
                .or_insert(("consumer".into(), self.at));
            if c.kind == ConsumerKind::Kubernetes {
                let nodes: Vec<String> = members
                    .iter()
                    .map(|m| format!("node/{}", shell_word(m)))
                    .collect();
                self.push(Step {
                    title: format!("Verify {}: its nodes are Ready", c.id),
                    why: "the kubelets are back and registered".into(),
                    place: Place::Admin,
                    command: None,
                    destructive: false,
                    expected_s: Some(30),
                    at_s: 0,
                    check: Some(Check {
                        what: "every node Ready".into(),
                        place: Place::Admin,
                        command: format!(
                            "kubectl wait --for=condition=Ready {} --timeout=10s",
                            nodes.join(" ")
                        ),
                        wait_s: 600,
                    }),
                });
            }
            let end = self.push(outage::pods_healthy(&c.id));
            down_until.insert(c.id.clone(), end);
        }
        for s in restart_elsewhere {
            self.push(s);
        }
        for id in &quiesced {
            if let Some(c) = t.consumers.iter().find(|c| &c.id == id) {
                if c.kind == ConsumerKind::Kubernetes {
                    let end = self.push(outage::pods_healthy(&c.id));
                    down_until.insert(c.id.clone(), end);
                    continue;
                }
            }
            down_until.insert(id.clone(), self.at);
        }
        for o in elsewhere
            .iter()
            .filter(|o| o.verdict == Verdict::StallsThenResumes)
        {
            if let Some(c) = t.consumers.iter().find(|c| c.id == o.consumer) {
                if c.kind == ConsumerKind::Kubernetes {
                    self.push(outage::pods_healthy(&c.id));
                }
            }
        }
        if member {
            let hw = shell_word(host);
            self.push(Step {
                title: format!("Take {host} out of HA maintenance"),
                why: if has_ha {
                    "HA moves its guests back (HA-27)".into()
                } else {
                    "HA may place guests on it again".into()
                },
                place: on(),
                command: Some(format!(
                    "ha-manager crm-command node-maintenance disable {hw}"
                )),
                destructive: false,
                expected_s: None,
                at_s: 0,
                check: Some(Check {
                    what: format!("{host}'s LRM left maintenance mode"),
                    place: on(),
                    command: format!("! ha-manager status | grep -q 'lrm {hw} (maintenance mode'"),
                    wait_s: 300,
                }),
            });
        }
        for s in back {
            self.push(s);
        }
        for node in drained.iter().filter(|n| stops.contains(n.as_str())) {
            self.push(Step {
                title: format!("Uncordon {node}"),
                why: "it takes pods again".into(),
                place: Place::Admin,
                command: Some(format!("kubectl uncordon {}", shell_word(node))),
                destructive: false,
                expected_s: Some(5),
                at_s: 0,
                check: Some(outage::uncordoned(node)),
            });
        }
        let until = |id: &str| match self.mode {
            Mode::Reboot => down_until.get(id).copied(),
            Mode::Shutdown => None,
        };
        let downtime = down_from
            .iter()
            .map(|(id, (kind, from))| Downtime {
                id: id.clone(),
                kind: kind.clone(),
                from_s: *from,
                until_s: until(id),
            })
            .collect();
        let lost = t
            .services
            .iter()
            .filter_map(|s| {
                let from = *lost_from.get(&s.id)?;
                let until = down_until.get(&s.id).copied()?;
                let outage_s = until.saturating_sub(from);
                Some(LostService {
                    service: s.id.clone(),
                    kind: s.kind,
                    provider: s.provider.clone(),
                    outage_s,
                    derivation: format!(
                        "{} maintenance runbook: from {}'s stop to {} answering again",
                        host, s.provider, s.id
                    ),
                })
            })
            .collect();
        (downtime, lost)
    }

    /// Start a guest of the host (through HA for an HA guest of a cluster node); a provider's
    /// step waits until it is up, the others only for the start task.
    fn start_guest(&mut self, vm: &Vm, member: bool, down_until: &mut BTreeMap<String, u32>) {
        let ha = vm.ha && member;
        let why = if vm.onboot && !ha {
            "startall starts it at boot (onboot): this starts it only if it is not running yet"
        } else if ha {
            "HA starts it again once it is requested started"
        } else {
            "not onboot: nothing starts it by itself"
        };
        let provider = !provided_by(self.t, &vm.id).is_empty();
        let mut step = start_step(vm, why, self.timing);
        if ha {
            step.command = Some(format!("ha-manager set vm:{} --state started", vm.vmid));
        }
        if !provider {
            step.expected_s = Some(boot::start_task_s(vm, self.timing));
            step.check = Some(Check {
                what: format!("{} is running", vm.id),
                place: Place::Host(vm.host.clone()),
                command: format!("qm status {} | grep -q 'status: running'", vm.vmid),
                wait_s: 120,
            });
        }
        let end = self.push(step);
        down_until.insert(vm.id.clone(), end);
    }

    /// Wait for each service of `provider`, soonest ready first: they all count from the
    /// provider being up, so each wait is only what is left after the previous one.
    fn wait_for_services(&mut self, provider: &str, down_until: &mut BTreeMap<String, u32>) {
        let mut svcs: Vec<&crate::model::Service> = self
            .t
            .services
            .iter()
            .filter(|s| s.provider == provider)
            .collect();
        crate::sort::sort_by_key(&mut svcs, |s| (s.ready_after_s, s.id.as_str()));
        let mut waited = 0;
        for s in svcs {
            let left = s.ready_after_s.saturating_sub(waited);
            waited = waited.max(s.ready_after_s);
            let end = self.push(outage::wait_for_service(&s.id, s.kind, Some(left)));
            down_until.insert(s.id.clone(), end);
        }
    }

    /// What `startall` (and HA) will do at boot by itself, from the boot model — with the
    /// guests that moved away for the maintenance on their new nodes, so neither stopped nor
    /// started with this host.
    fn boot_notes(&mut self, guests: &[Guest]) {
        if self.mode != Mode::Reboot {
            return;
        }
        let mut t = self.t.clone();
        for g in guests.iter().filter(|g| g.fate != Fate::Stops) {
            if let (Some(to), Some(vm)) = (&g.to, t.vms.iter_mut().find(|v| v.id == g.vm)) {
                vm.host.clone_from(to);
            }
        }
        let tl = boot::simulate(&t, &Scenario::Reboot(self.host.to_owned()), self.timing);
        for w in &tl.waits {
            self.notes.push(format!(
                "after the reboot, {} wait {} for {} by the boot model: nothing holds them back until it answers, they retry with back-off (kubelet) — see `hostplan boot --host {}` and the readiness gates of `hostplan hookscripts`",
                w.who,
                duration_text(u32::try_from((w.until_ms - w.from_ms) / 1000).unwrap_or(u32::MAX)),
                w.waited_for,
                self.host
            ));
        }
        for f in &tl.failures {
            self.notes.push(format!(
                "startall at boot fails to start {}: {} is not ready when it starts (no retry, G-3, G-17); the runbook starts it after {}",
                f.vm, f.service, f.service
            ));
        }
    }
}

/// The host's guests that stop, in stop order: a guest before the guests it needs
/// (consumers before the storage VM), then descending VMID as `stopall`.
fn order_for_stop<'t>(
    t: &'t Topology,
    lookup: &Lookup,
    host: &str,
    guests: &[Guest],
) -> Vec<&'t Vm> {
    let stops: Vec<&Vm> = guests
        .iter()
        .filter(|g| g.fate == Fate::Stops)
        .filter_map(|g| lookup.of(EntityKind::Vm, &g.vm).map(|i| &t.vms[i]))
        .filter(|v| v.host == host)
        .collect();
    let ids: BTreeSet<&str> = crate::sort::btree_set(stops.iter().map(|v| v.id.as_str()));
    // `needs[a]` = guests of this host that a needs (through a service it uses).
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for v in &stops {
        let mut svcs: Vec<&str> = t
            .consumers
            .iter()
            .filter(|c| c.workers.contains(&v.id) || c.control_plane.contains(&v.id))
            .flat_map(|c| c.services.iter().map(String::as_str))
            .collect();
        if let Some(svc) = lookup
            .of(EntityKind::Storage, &v.boot_storage)
            .and_then(|i| t.storages[i].service.as_deref())
        {
            svcs.push(svc);
        }
        for s in svcs {
            if let Some(p) = t
                .services
                .iter()
                .find(|x| x.id == s)
                .map(|x| x.provider.as_str())
            {
                if ids.contains(p) && p != v.id {
                    needs.entry(v.id.as_str()).or_default().insert(p);
                }
            }
        }
    }
    // Depth: how many layers of providers sit under a guest's dependents. A guest nobody
    // needs stops first (depth 0); a provider after everything that needs it.
    let mut depth: BTreeMap<&str, usize> = crate::sort::btree_map(ids.iter().map(|i| (*i, 0)));
    for _ in 0..ids.len() {
        let mut changed = false;
        for (a, ps) in &needs {
            let da = depth.get(a).copied().unwrap_or(0);
            for p in ps {
                if depth.get(p).copied().unwrap_or(0) < da + 1 {
                    depth.insert(p, da + 1);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut out = stops;
    crate::sort::sort_by_key(&mut out, |v| {
        (
            depth.get(v.id.as_str()).copied().unwrap_or(0),
            std::cmp::Reverse(v.vmid),
        )
    });
    out
}

/// Service ids a VM provides.
fn provided_by(t: &Topology, vm: &str) -> Vec<String> {
    t.services
        .iter()
        .filter(|s| s.provider == vm)
        .map(|s| s.id.clone())
        .collect()
}

/// `qm shutdown` with the VM's `down` timeout (or Proxmox's 180 s).
fn shutdown_step(vm: &Vm, why: &str, timing: &Timing) -> Step {
    let timeout = vm.startup.down.unwrap_or(timing.default_down_s);
    Step {
        title: format!("Shut down {} ({})", vm.id, vm.vmid),
        why: why.to_owned(),
        place: Place::Host(vm.host.clone()),
        command: Some(format!("qm shutdown {} --timeout {timeout}", vm.vmid)),
        destructive: true,
        expected_s: Some(outage::stop_s(vm, timing)),
        at_s: 0,
        check: Some(Check {
            what: format!("{} is stopped", vm.id),
            place: Place::Host(vm.host.clone()),
            command: format!("qm status {} | grep -q 'status: stopped'", vm.vmid),
            wait_s: timeout.saturating_add(30),
        }),
    }
}

/// Start a VM unless it runs; expected: its start task and boot by the boot model.
fn start_step(vm: &Vm, why: &str, timing: &Timing) -> Step {
    let up = crate::sim::boot::guest_up_s(vm, timing);
    Step {
        title: format!("Start {} ({})", vm.id, vm.vmid),
        why: why.to_owned(),
        place: Place::Host(vm.host.clone()),
        command: Some(format!(
            "qm status {id} | grep -q 'status: running' || qm start {id}",
            id = vm.vmid
        )),
        destructive: false,
        expected_s: Some(up),
        at_s: 0,
        check: Some(outage::vm_running(vm)),
    }
}

/// MiB as a signed amount.
fn mib(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_reboot_stops_everything_consumers_first() {
        let t = crate::examples::seed().unwrap();
        let p = plan(&t, "srv01", Mode::Reboot, &Timing::default()).unwrap();
        assert!(p.quorum.is_none());
        let titles: Vec<&str> = p.steps.iter().map(|s| s.title.as_str()).collect();
        let pos = |needle: &str| {
            titles
                .iter()
                .position(|t| t.contains(needle))
                .unwrap_or_else(|| panic!("no step {needle}: {titles:?}"))
        };
        assert!(pos("Drain Kubernetes node talos-w2") < pos("Shut down talos-w2"));
        assert!(pos("Shut down talos-cp1") < pos("Shut down truenas"));
        assert!(pos("Shut down truenas") < pos("Reboot srv01"));
        assert!(pos("Start truenas") < pos("Wait until iscsi-k8s"));
        assert!(pos("Wait until iscsi-k8s") < pos("Start talos-cp1"));
        assert!(pos("Verify talos") < pos("Uncordon talos-w1"));
        let iscsi = p.lost.iter().find(|l| l.service == "iscsi-k8s").unwrap();
        assert!(iscsi.outage_s > 200, "{iscsi:?}");
        assert!(p
            .steps
            .iter()
            .filter(|s| s.destructive)
            .all(|s| s.command.is_some()));
    }

    #[test]
    fn cluster_node_uses_ha_maintenance_and_keeps_quorum() {
        let t = crate::examples::cluster().unwrap();
        let p = plan(&t, "pve2", Mode::Reboot, &Timing::default()).unwrap();
        let q = p.quorum.clone().unwrap();
        assert!(q.quorate);
        let cp2 = p.guests.iter().find(|g| g.vm == "talos-cp2").unwrap();
        assert_eq!(cp2.fate, Fate::HaMigrates);
        assert!(p
            .steps
            .iter()
            .any(|s| s.command.as_deref()
                == Some("ha-manager crm-command node-maintenance enable pve2")));
        let p = plan(&t, "pve1", Mode::Reboot, &Timing::default()).unwrap();
        let tn = p.guests.iter().find(|g| g.vm == "truenas").unwrap();
        assert_eq!(tn.fate, Fate::Stops);
        assert!(tn.reason.contains("mapping"), "{}", tn.reason);
    }

    #[test]
    fn not_a_host() {
        let t = crate::examples::seed().unwrap();
        assert!(matches!(
            plan(&t, "truenas", Mode::Reboot, &Timing::default()),
            Err(SimError::Unsuitable { .. })
        ));
        assert!(matches!(
            plan(&t, "srv1", Mode::Reboot, &Timing::default()),
            Err(SimError::UnknownId { suggestion: Some(ref s), .. }) if s == "srv01"
        ));
    }
}
