//! A storage provider gone for a while: what each consumer's protocol stack does, when, why,
//! and how to recover.
//!
//! The stacks modelled (OPERATIONS.md §4, §5, §10.2):
//! - **iSCSI**: the initiator notices within the NOP-Out interval + timeout (5 + 5 s, I-2);
//!   I/O blocks, without errors, for `replacement_timeout` (120 s, I-1); then every queued
//!   and new command fails (I-5), ≈125–130 s after the outage began (I-6). ext4 aborts its
//!   journal to read-only, XFS shuts down (I-7, I-8), and both stay so after the target is
//!   back: the volume must be unmounted — for Kubernetes, every pod using it off the node
//!   (I-11). With dm-multipath, `no_path_retry` decides: `queue` waits forever, `fail` (the
//!   default) fails at once, `n` after `n × polling_interval` (I-15).
//! - **NFS**: `hard` (the default) retries forever — processes block, then continue (F-1);
//!   `soft` fails with EIO after `retrans` retransmissions of a linearly growing `timeo`
//!   (60 + 120 + 180 s = 360 s with the TCP defaults, F-2…F-4). After an NFSv4 server
//!   restart new opens and locks wait for its grace period (90 s, F-7).
//! - **VM disks on Proxmox network storage**: Proxmox mounts NFS `hard` unless the storage's
//!   options say otherwise (F-6); its iSCSI storage uses the host's open-iscsi defaults.
//!
//! A value the file does not state is taken from these documented defaults, and the outcome
//! lists it under `assumed`: unknown is never silently a default.

use super::{duration_text, shell_word, Check, Place, Step};
use crate::model::{
    Consumer, ConsumerKind, Filesystem, NfsMode, NoPathRetry, NoPathWord, ServiceKind, Topology, Vm,
};
use crate::resolve::{EntityKind, Lookup};
use crate::sim::boot::{time_to_serve_ms, Timing};
use crate::sim::SimError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// open-iscsi `node.session.timeo.replacement_timeout` default, seconds (I-1).
pub const ISCSI_REPLACEMENT_TIMEOUT_S: u32 = 120;
/// Seconds before the initiator notices a silent target: a NOP-Out is sent within the 5 s
/// interval and times out after 5 s more (I-2); the earliest is one interval (I-6: errors at
/// ≈125–130 s with the default timeout).
pub const ISCSI_DETECT_S: u32 = 5;
/// NOP-Out interval + timeout (I-2): an outage shorter than this is only latency.
pub const ISCSI_NOOP_WINDOW_S: u32 = 10;
/// iscsid retries a login every 2–3 s (I-3): I/O flows again at most this long after the
/// target is back.
pub const ISCSI_RELOGIN_S: u32 = 3;
/// multipath `polling_interval` default, seconds (I-15).
pub const MULTIPATH_POLLING_S: u32 = 5;
/// NFS `timeo` default over TCP, deciseconds (F-2).
pub const NFS_TIMEO_DS: u32 = 600;
/// NFS `retrans` default over TCP (F-3).
pub const NFS_RETRANS: u32 = 2;
/// Linux knfsd NFSv4 grace period default, seconds (F-7).
pub const NFS_GRACE_S: u32 = 90;
/// NFS caps one retransmission timeout at 600 s (F-2).
const NFS_TIMEO_MAX_S: u32 = 600;

/// What a consumer does during and after the outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Shorter than the client notices: latency, nothing logged, nothing fails.
    RidesThrough,
    /// I/O blocks for the outage, then continues by itself.
    StallsThenResumes,
    /// I/O errors reached the filesystem or the application: something must be restarted.
    NeedsRestart,
    /// The protocol's client behaviour is not modelled (SMB).
    NotModelled,
}

named!(Verdict {
    RidesThrough => "rides-through",
    StallsThenResumes => "stalls-then-resumes",
    NeedsRestart => "needs-restart",
    NotModelled => "not-modelled",
});

/// How a client stack reacts to a silent server, from the consumer's settings or the
/// documented defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// The protocol.
    pub protocol: ServiceKind,
    /// An outage shorter than this is only latency, seconds.
    pub notices_after_s: u32,
    /// Seconds after the outage began at which I/O errors reach the filesystem or the
    /// application; `None` = never (NFS `hard`, multipath `queue`).
    pub errors_after_s: Option<u32>,
    /// The stack, in words with the facts' ids: what waits, for how long, and what fails.
    pub explain: Vec<String>,
    /// What the errors do, in words.
    pub on_error: String,
    /// Values taken from documented defaults because the file does not state them.
    pub assumed: Vec<String>,
}

/// The iSCSI client stack of `c` (or of a Proxmox host's open-iscsi when `c` is `None`).
pub fn iscsi_client(c: Option<&Consumer>) -> Client {
    let mut assumed = Vec::new();
    let mut explain = Vec::new();
    let replacement = if let Some(r) = c.and_then(|c| c.iscsi_replacement_timeout_s) {
        explain.push(format!("replacement_timeout {r} s (stated)"));
        r
    } else {
        assumed.push(format!(
            "replacement_timeout {ISCSI_REPLACEMENT_TIMEOUT_S} s (open-iscsi default, I-1)"
        ));
        explain.push(format!(
            "replacement_timeout {ISCSI_REPLACEMENT_TIMEOUT_S} s (open-iscsi default, assumed)"
        ));
        ISCSI_REPLACEMENT_TIMEOUT_S
    };
    let mut errors = Some(ISCSI_DETECT_S + replacement);
    if let Some(m) = c.and_then(|c| c.multipath.as_ref()) {
        let polling = m.polling_interval_s.unwrap_or_else(|| {
            assumed.push(format!(
                "multipath polling_interval {MULTIPATH_POLLING_S} s (default, I-15)"
            ));
            MULTIPATH_POLLING_S
        });
        let retry = m.no_path_retry.unwrap_or_else(|| {
            assumed.push("multipath no_path_retry fail (default, I-15)".into());
            NoPathRetry::Word(NoPathWord::Fail)
        });
        match retry {
            NoPathRetry::Word(NoPathWord::Queue) => {
                explain.push("then multipath queues I/O while no path is left (no_path_retry queue, I-15): it waits, without errors, until the target is back".into());
                errors = None;
            }
            NoPathRetry::Word(NoPathWord::Fail) => {
                explain.push(
                    "then multipath fails I/O at once when no path is left (no_path_retry fail, I-15)"
                        .into(),
                );
            }
            NoPathRetry::Retries(n) => {
                let q = n.saturating_mul(polling);
                explain.push(format!(
                    "then multipath queues {n} × {polling} s = {q} s more (no_path_retry {n}, I-15)"
                ));
                errors = errors.map(|e| e.saturating_add(q));
            }
        }
    }
    let fs = c.and_then(|c| c.filesystem);
    let on_error = match fs {
        Some(Filesystem::Xfs) => {
            "XFS shuts the filesystem down (I-8): every further I/O fails until it is unmounted and mounted again".to_owned()
        }
        Some(Filesystem::Ext4) => {
            "ext4 aborts its journal and remounts read-only (I-7, whatever errors= says): it stays read-only after the target is back until unmounted".to_owned()
        }
        None => {
            if c.is_some() {
                assumed.push("filesystem ext4 (not stated; XFS would shut down instead, with the same remedy)".into());
            }
            "the filesystem (ext4 assumed) aborts its journal and remounts read-only (I-7): it stays read-only after the target is back until unmounted".to_owned()
        }
    };
    Client {
        protocol: ServiceKind::Iscsi,
        notices_after_s: ISCSI_NOOP_WINDOW_S,
        errors_after_s: errors,
        explain,
        on_error,
        assumed,
    }
}

/// The NFS client stack of `c` (a Proxmox NFS storage when `c` is `None`: `hard` unless its
/// options say otherwise, F-6).
pub fn nfs_client(c: Option<&Consumer>) -> Client {
    let mut assumed = Vec::new();
    let mount = c.and_then(|c| c.nfs.as_ref());
    let mode = mount.and_then(|m| m.mode).unwrap_or_else(|| {
        assumed.push("NFS mount hard (the nfs(5) default, F-1)".into());
        NfsMode::Hard
    });
    let timeo_ds = mount.and_then(|m| m.timeo_ds).unwrap_or_else(|| {
        assumed.push(format!("NFS timeo {NFS_TIMEO_DS} (60 s, TCP default, F-2)"));
        NFS_TIMEO_DS
    });
    let timeo = (timeo_ds / 10).clamp(1, NFS_TIMEO_MAX_S);
    let (errors, explain) = match mode {
        NfsMode::Hard => (
            None,
            vec![format!(
                "hard mount: requests are retried forever (F-1); after {timeo} s × retries the client logs \"server not responding\" and keeps waiting"
            )],
        ),
        NfsMode::Soft => {
            let retrans = mount.and_then(|m| m.retrans).unwrap_or_else(|| {
                assumed.push(format!("NFS retrans {NFS_RETRANS} (TCP default, F-3)"));
                NFS_RETRANS
            });
            // Linear back-off: timeo, 2·timeo, … for the first try and each retransmission.
            let total: u32 = (1..=retrans.saturating_add(1))
                .map(|k| timeo.saturating_mul(k).min(NFS_TIMEO_MAX_S))
                .fold(0u32, u32::saturating_add);
            (
                Some(total),
                vec![format!(
                    "soft mount: EIO after {} tries of a linearly growing timeo ({timeo} s first) = {total} s (F-2…F-4)",
                    retrans.saturating_add(1)
                )],
            )
        }
    };
    Client {
        protocol: ServiceKind::Nfs,
        notices_after_s: timeo,
        errors_after_s: errors,
        explain,
        on_error: "applications get EIO (soft mounts can corrupt data silently, F-1)".into(),
        assumed,
    }
}

/// After how many seconds of outage I/O errors reach `c`'s filesystem or applications on a
/// `kind` service, from stated values only (what a rule may judge): `Ok(None)` = never (NFS
/// `hard`, multipath `queue`, SMB not modelled), `Err` = the fields it would need that the
/// file leaves unknown.
///
/// # Errors
/// The unknown fields, by their names in the file.
pub fn stated_errors_after(
    c: &Consumer,
    kind: ServiceKind,
) -> Result<Option<u32>, Vec<&'static str>> {
    match kind {
        ServiceKind::Iscsi => {
            let queue = c.multipath.as_ref().and_then(|m| m.no_path_retry);
            if queue == Some(NoPathRetry::Word(NoPathWord::Queue)) {
                return Ok(None);
            }
            let mut unknown = Vec::new();
            if c.iscsi_replacement_timeout_s.is_none() {
                unknown.push("iscsi_replacement_timeout_s");
            }
            if let Some(m) = &c.multipath {
                if m.no_path_retry.is_none() {
                    unknown.push("multipath.no_path_retry");
                }
                if matches!(m.no_path_retry, Some(NoPathRetry::Retries(_)))
                    && m.polling_interval_s.is_none()
                {
                    unknown.push("multipath.polling_interval_s");
                }
            }
            if unknown.is_empty() {
                Ok(iscsi_client(Some(c)).errors_after_s)
            } else {
                Err(unknown)
            }
        }
        ServiceKind::Nfs => {
            let n = c.nfs.as_ref();
            match n.and_then(|n| n.mode) {
                None => Err(vec!["nfs.mode"]),
                Some(NfsMode::Hard) => Ok(None),
                Some(NfsMode::Soft) => {
                    let mut unknown = Vec::new();
                    if n.and_then(|n| n.timeo_ds).is_none() {
                        unknown.push("nfs.timeo_ds");
                    }
                    if n.and_then(|n| n.retrans).is_none() {
                        unknown.push("nfs.retrans");
                    }
                    if unknown.is_empty() {
                        Ok(nfs_client(Some(c)).errors_after_s)
                    } else {
                        Err(unknown)
                    }
                }
            }
        }
        ServiceKind::Smb => Ok(None),
    }
}

/// A service lost for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostService {
    /// The service.
    pub service: String,
    /// Its protocol.
    pub kind: ServiceKind,
    /// The VM or host serving it.
    pub provider: String,
    /// How long it does not answer, seconds.
    pub outage_s: u32,
    /// Where that figure comes from.
    pub derivation: String,
}

/// What one consumer does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerOutcome {
    /// The consumer id, or the VM whose disk is on the service.
    pub consumer: String,
    /// What is affected, in words (`talos volumes`, `vm talos-cp1's disk on vmstore-pve2`).
    pub what: String,
    /// The service lost.
    pub service: String,
    /// Its protocol.
    pub protocol: ServiceKind,
    /// The verdict.
    pub verdict: Verdict,
    /// Seconds after the outage began when I/O errors reach the filesystem or application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors_at_s: Option<u32>,
    /// Seconds after the outage began when I/O flows again by itself; `None` when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumes_at_s: Option<u32>,
    /// Seconds after the outage began when new opens and locks work again (NFSv4 grace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled_at_s: Option<u32>,
    /// What the errors did, when they came.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub effect: String,
    /// What must be restarted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restart: Vec<String>,
    /// The cause chain, first cause first.
    pub chain: Vec<String>,
    /// Values assumed from documented defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

/// A storage outage and its consequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outage {
    /// What went away (a VM, a host or a service).
    pub target: String,
    /// `reboot` when the length is the provider's reboot by the boot model, else `given`.
    pub source: String,
    /// The services lost, each with its own length.
    pub services: Vec<LostService>,
    /// Per consumer and service.
    pub consumers: Vec<ConsumerOutcome>,
    /// How to recover: what to restart, in which order, and the checks.
    pub recovery: Vec<Step>,
}

/// Simulate `target` (a VM or host serving storage, or a service) being gone for
/// `duration_s` — or, when `None`, for the provider VM's reboot: its clean stop, start task,
/// boot and the service's `ready_after_s`, by the boot model.
///
/// # Errors
/// [`SimError::UnknownId`] for an id that names nothing, [`SimError::Unsuitable`] when it
/// serves no storage, or is a host without a duration (a host's reboot is
/// `hostplan maintain`'s question).
pub fn simulate(
    t: &Topology,
    target: &str,
    duration_s: Option<u32>,
    timing: &Timing,
) -> Result<Outage, SimError> {
    let lookup = Lookup::new(t);
    let Some((kind, _)) = lookup.get(target) else {
        return Err(SimError::UnknownId {
            id: target.to_owned(),
            suggestion: crate::diag::did_you_mean(
                target,
                t.vms
                    .iter()
                    .map(|v| v.id.as_str())
                    .chain(t.services.iter().map(|s| s.id.as_str()))
                    .chain(t.hosts.iter().map(|h| h.id.as_str())),
            )
            .map(str::to_owned),
        });
    };
    let on_host = |provider: &str| {
        provider == target
            || (kind == EntityKind::Host
                && lookup
                    .of(EntityKind::Vm, provider)
                    .is_some_and(|i| t.vms[i].host == target))
    };
    let services: Vec<&crate::model::Service> = t
        .services
        .iter()
        .filter(|s| s.id == target || on_host(&s.provider))
        .collect();
    if services.is_empty() {
        return Err(SimError::Unsuitable {
            id: target.to_owned(),
            why: "serves no storage service: nothing to lose".into(),
        });
    }
    if kind == EntityKind::Host && duration_s.is_none() {
        return Err(SimError::Unsuitable {
            id: target.to_owned(),
            why: "is a host: give the outage's length (`--for 5m`), or see `hostplan maintain --host` for its reboot".into(),
        });
    }
    let mut lost = Vec::new();
    for s in services {
        let (outage_s, derivation) = match duration_s {
            Some(d) => (d, format!("{} given", duration_text(d))),
            None => reboot_outage(t, s, timing).ok_or_else(|| SimError::Unsuitable {
                id: target.to_owned(),
                why: format!(
                    "cannot reboot: `{}`'s provider `{}` is not a VM (give `--for`)",
                    s.id, s.provider
                ),
            })?,
        };
        lost.push(LostService {
            service: s.id.clone(),
            kind: s.kind,
            provider: s.provider.clone(),
            outage_s,
            derivation,
        });
    }
    let down_hosts: BTreeSet<&str> = if kind == EntityKind::Host {
        [target].into_iter().collect()
    } else {
        BTreeSet::new()
    };
    let consumers = consumers_of(t, &lost, &down_hosts);
    let recovery = recovery(t, &lost, &consumers);
    Ok(Outage {
        target: target.to_owned(),
        source: if duration_s.is_some() {
            "given"
        } else {
            "reboot"
        }
        .into(),
        services: lost,
        consumers,
        recovery,
    })
}

/// How long `s` is gone when its provider VM reboots cleanly: the guest's stop (capped by
/// its `down`), its start task and boot, then `ready_after_s` — with the derivation in words.
/// `None` when the provider is not a VM.
pub fn reboot_outage(
    t: &Topology,
    s: &crate::model::Service,
    timing: &Timing,
) -> Option<(u32, String)> {
    let vm = t.vms.iter().find(|v| v.id == s.provider)?;
    let stop = stop_s(vm, timing);
    let serve_ms = time_to_serve_ms(t, s, timing)?;
    let serve = u32::try_from(serve_ms.div_ceil(1000)).unwrap_or(u32::MAX);
    let start = serve.saturating_sub(s.ready_after_s);
    let total = stop.saturating_add(serve);
    Some((
        total,
        format!(
            "{} reboots: clean stop {stop} s + start and boot {start} s + {} ready after {} s = {}",
            vm.id,
            s.id,
            s.ready_after_s,
            duration_text(total)
        ),
    ))
}

/// How long a clean `qm shutdown` of `vm` takes by the boot model: the assumed stop time,
/// capped by its `down` timeout (or Proxmox's 180 s).
pub fn stop_s(vm: &Vm, timing: &Timing) -> u32 {
    let cap = vm.startup.down.unwrap_or(timing.default_down_s);
    // The assumed stop time is a whole number of seconds in every shipped Timing.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let stop = timing.guest_stop_s.round().max(0.0) as u32;
    stop.min(cap)
}

/// The consumers of the `lost` services and what each does; members on `down_hosts` are
/// down anyway and left out.
pub fn consumers_of(
    t: &Topology,
    lost: &[LostService],
    down_hosts: &BTreeSet<&str>,
) -> Vec<ConsumerOutcome> {
    let lookup = Lookup::new(t);
    let running = |vm: &str| {
        lookup
            .of(EntityKind::Vm, vm)
            .is_some_and(|i| !down_hosts.contains(t.vms[i].host.as_str()))
    };
    let mut out = Vec::new();
    for l in lost {
        for c in t
            .consumers
            .iter()
            .filter(|c| c.services.contains(&l.service))
        {
            let members: Vec<&String> = c
                .workers
                .iter()
                .chain(&c.control_plane)
                .filter(|v| running(v))
                .collect();
            if members.is_empty() && !(c.workers.is_empty() && c.control_plane.is_empty()) {
                continue;
            }
            let client = match l.kind {
                ServiceKind::Iscsi => Some(iscsi_client(Some(c))),
                ServiceKind::Nfs => Some(nfs_client(Some(c))),
                ServiceKind::Smb => None,
            };
            let restart = restart_of(c, l.kind, &members);
            out.push(outcome(
                t,
                &c.id,
                format!("{} volumes", c.id),
                l,
                client,
                restart,
            ));
        }
        // VMs whose boot disk is on a Proxmox storage backed by the service.
        for vm in t.vms.iter().filter(|v| running(&v.id)) {
            let Some(st) = lookup
                .of(EntityKind::Storage, &vm.boot_storage)
                .map(|i| &t.storages[i])
            else {
                continue;
            };
            if st.service.as_deref() != Some(l.service.as_str()) || vm.id == l.provider {
                continue;
            }
            let client = match l.kind {
                ServiceKind::Iscsi => Some(iscsi_client(None)),
                ServiceKind::Nfs => Some(nfs_client(None)),
                ServiceKind::Smb => None,
            };
            out.push(outcome(
                t,
                &vm.id,
                format!("{}'s disk on {}", vm.id, st.id),
                l,
                client,
                vec![format!("VM {} (qm reboot {})", vm.id, vm.vmid)],
            ));
        }
    }
    out
}

/// What must be restarted when `c`'s volumes saw I/O errors.
fn restart_of(c: &Consumer, kind: ServiceKind, members: &[&String]) -> Vec<String> {
    let nodes = members
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match (c.kind, kind) {
        (ConsumerKind::Kubernetes, ServiceKind::Iscsi) => vec![format!(
            "the pods using its volumes, moved off their nodes so each volume is unstaged and mounted afresh — drain {nodes} one by one, or reboot them (I-11: a pod recreated on the same node reuses the read-only mount)"
        )],
        (ConsumerKind::Kubernetes, _) => {
            vec![format!("the pods that got I/O errors (on {nodes})")]
        }
        _ => members.iter().map(|m| format!("VM {m}")).collect(),
    }
}

/// The verdict of one consumer stack against one lost service.
fn outcome(
    topo: &Topology,
    consumer: &str,
    what: String,
    lost: &LostService,
    client: Option<Client>,
    restart: Vec<String>,
) -> ConsumerOutcome {
    let gone = lost.outage_s;
    let mut chain = vec![format!(
        "{} does not answer for {} ({})",
        lost.service,
        duration_text(gone),
        lost.derivation
    )];
    let Some(client) = client else {
        chain.push(format!(
            "{} client behaviour is not modelled (no documented defaults in the domain reference)",
            lost.kind
        ));
        return ConsumerOutcome {
            consumer: consumer.to_owned(),
            what,
            service: lost.service.clone(),
            protocol: lost.kind,
            verdict: Verdict::NotModelled,
            errors_at_s: None,
            resumes_at_s: None,
            settled_at_s: None,
            effect: String::new(),
            restart: Vec::new(),
            chain,
            assumed: Vec::new(),
        };
    };
    let mut assumed = client.assumed.clone();
    let after_return = match lost.kind {
        ServiceKind::Iscsi => ISCSI_RELOGIN_S,
        _ => 0,
    };
    let grace = (lost.kind == ServiceKind::Nfs).then(|| {
        let v4 = topo
            .consumers
            .iter()
            .find(|c| c.id == consumer)
            .and_then(|c| c.nfs.as_ref())
            .and_then(|n| n.version)
            .is_none_or(|v| v >= 4);
        let stated = topo
            .services
            .iter()
            .find(|s| s.id == lost.service)
            .and_then(|s| s.grace_s);
        let g = stated.unwrap_or(NFS_GRACE_S);
        if v4 && stated.is_none() {
            assumed.push(format!(
                "NFSv4 grace {NFS_GRACE_S} s (Linux knfsd default, F-7)"
            ));
        }
        (v4, g)
    });
    let mut o = ConsumerOutcome {
        consumer: consumer.to_owned(),
        what: what.clone(),
        service: lost.service.clone(),
        protocol: lost.kind,
        verdict: Verdict::StallsThenResumes,
        errors_at_s: None,
        resumes_at_s: None,
        settled_at_s: None,
        effect: String::new(),
        restart: Vec::new(),
        chain,
        assumed,
    };
    if gone < client.notices_after_s {
        o.verdict = Verdict::RidesThrough;
        o.resumes_at_s = Some(gone);
        o.chain.push(format!(
            "shorter than the {} s the {} client takes to notice: only latency",
            client.notices_after_s, lost.kind
        ));
        return o;
    }
    o.chain.push(format!(
        "{what}: I/O blocks — {}",
        client.explain.join("; ")
    ));
    match client.errors_after_s {
        Some(e) if gone >= e => {
            o.verdict = Verdict::NeedsRestart;
            o.errors_at_s = Some(e);
            o.effect.clone_from(&client.on_error);
            o.chain.push(format!(
                "at {}: I/O errors reach {what} — {}",
                duration_text(e),
                client.on_error
            ));
            o.chain.push(format!(
                "{} is back at {}, but that does not undo the errors",
                lost.service,
                duration_text(gone)
            ));
            o.restart = restart;
        }
        errors => {
            let back = gone.saturating_add(after_return);
            o.resumes_at_s = Some(back);
            o.chain.push(format!(
                "{} is back at {}{}: I/O continues by itself at {}{}",
                lost.service,
                duration_text(gone),
                if after_return > 0 {
                    " (session login retried every 2–3 s, I-3)".to_owned()
                } else {
                    String::new()
                },
                duration_text(back),
                errors.map_or(String::new(), |e| format!(
                    ", before the errors due at {}",
                    duration_text(e)
                ))
            ));
        }
    }
    if let (Some((true, g)), Some(back)) = (grace, o.resumes_at_s) {
        let settled = back.saturating_add(g);
        o.settled_at_s = Some(settled);
        o.chain.push(format!(
            "NFSv4 grace: new opens and locks wait up to {g} s more, until {} (F-7)",
            duration_text(settled)
        ));
    }
    o
}

/// The recovery runbook: wait for each lost service, then restart what needs it — workers
/// before control planes, one node at a time — and check.
fn recovery(t: &Topology, lost: &[LostService], outcomes: &[ConsumerOutcome]) -> Vec<Step> {
    let lookup = Lookup::new(t);
    let mut steps = Vec::new();
    let mut at = 0u32;
    let mut push = |steps: &mut Vec<Step>, mut s: Step| {
        s.at_s = at;
        at = at.saturating_add(s.expected_s.unwrap_or(0));
        steps.push(s);
    };
    for l in lost {
        push(
            &mut steps,
            wait_for_service(&l.service, l.kind, Some(l.outage_s)),
        );
    }
    let mut done = BTreeSet::new();
    for o in outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::NeedsRestart)
    {
        if !done.insert(o.consumer.clone()) {
            continue;
        }
        if let Some(c) = t.consumers.iter().find(|c| c.id == o.consumer) {
            if c.kind == ConsumerKind::Kubernetes {
                for node in c.workers.iter().chain(&c.control_plane) {
                    for s in drain_and_uncordon(
                        node,
                        "so its volumes are unstaged and mounted again read-write (I-11)",
                    ) {
                        push(&mut steps, s);
                    }
                }
                push(&mut steps, pods_healthy(&c.id));
                continue;
            }
            for m in c.workers.iter().chain(&c.control_plane) {
                if let Some(i) = lookup.of(EntityKind::Vm, m) {
                    push(
                        &mut steps,
                        reboot_vm(&t.vms[i], "its filesystem saw I/O errors"),
                    );
                }
            }
        } else if let Some(i) = lookup.of(EntityKind::Vm, &o.consumer) {
            push(
                &mut steps,
                reboot_vm(
                    &t.vms[i],
                    "its disk saw I/O errors: the guest's filesystem may be read-only",
                ),
            );
        }
    }
    steps
}

/// The TCP port a protocol's clients connect to.
pub fn port_of(kind: ServiceKind) -> u16 {
    match kind {
        ServiceKind::Iscsi => 3260,
        ServiceKind::Nfs => 2049,
        ServiceKind::Smb => 445,
    }
}

/// The script variable holding a service's address (the model does not state addresses).
pub fn address_var(service: &str) -> String {
    shell_var("ADDR_", service)
}

/// `prefix` and `name` as a shell variable name: letters and digits upper-cased, anything
/// else `_` (`talos-cp1` → `PVE_TALOS_CP1`).
pub(crate) fn shell_var(prefix: &str, name: &str) -> String {
    let mut v = prefix.to_owned();
    v.extend(name.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    v
}

/// Wait until `service` answers on its port.
pub fn wait_for_service(service: &str, kind: ServiceKind, expected_s: Option<u32>) -> Step {
    Step {
        title: format!("Wait until {service} answers"),
        why: format!(
            "its consumers can only be checked once it serves again ({kind} on TCP {})",
            port_of(kind)
        ),
        place: Place::Admin,
        command: None,
        destructive: false,
        expected_s,
        at_s: 0,
        check: Some(Check {
            what: format!("{service} accepts connections on TCP {}", port_of(kind)),
            place: Place::Admin,
            command: format!("probe \"${}\" {}", address_var(service), port_of(kind)),
            wait_s: expected_s.unwrap_or(600).saturating_mul(2).max(60),
        }),
    }
}

/// Drain a Kubernetes node, then let it take pods again.
pub fn drain_and_uncordon(node: &str, why: &str) -> [Step; 2] {
    let n = shell_word(node);
    [
        drain(node, why),
        Step {
            title: format!("Uncordon {node}"),
            why: "it takes pods again".into(),
            place: Place::Admin,
            command: Some(format!("kubectl uncordon {n}")),
            destructive: false,
            expected_s: Some(5),
            at_s: 0,
            check: Some(uncordoned(node)),
        },
    ]
}

/// `kubectl drain` a node.
pub fn drain(node: &str, why: &str) -> Step {
    let n = shell_word(node);
    Step {
        title: format!("Drain Kubernetes node {node}"),
        why: why.to_owned(),
        place: Place::Admin,
        command: Some(format!(
            "kubectl drain {n} --ignore-daemonsets --delete-emptydir-data --timeout=300s"
        )),
        destructive: true,
        // How long evicting the pods takes depends on them (not modelled); kubectl gives
        // up after the 300 s timeout.
        expected_s: None,
        at_s: 0,
        check: Some(Check {
            what: format!("{node} is cordoned"),
            place: Place::Admin,
            command: format!(
                "test \"$(kubectl get node {n} -o jsonpath='{{.spec.unschedulable}}')\" = true"
            ),
            wait_s: 30,
        }),
    }
}

/// The check that a node takes pods again.
pub fn uncordoned(node: &str) -> Check {
    let n = shell_word(node);
    Check {
        what: format!("{node} is schedulable"),
        place: Place::Admin,
        command: format!(
            "test -z \"$(kubectl get node {n} -o jsonpath='{{.spec.unschedulable}}')\""
        ),
        wait_s: 30,
    }
}

/// Every pod of a Kubernetes consumer running again.
pub fn pods_healthy(consumer: &str) -> Step {
    Step {
        title: format!("Verify {consumer}: every pod runs, none waits for a volume"),
        why: "a pod stuck in ContainerCreating or CrashLoopBackOff shows a volume that did not come back".into(),
        place: Place::Admin,
        command: None,
        destructive: false,
        expected_s: Some(60),
        at_s: 0,
        check: Some(Check {
            what: "no pod is pending or failing".into(),
            place: Place::Admin,
            command: "test -z \"$(kubectl get pods -A --no-headers --field-selector=status.phase!=Running,status.phase!=Succeeded)\"".into(),
            wait_s: 300,
        }),
    }
}

/// Reboot one VM (its filesystem saw errors).
fn reboot_vm(vm: &Vm, why: &str) -> Step {
    Step {
        title: format!("Reboot VM {} ({})", vm.id, vm.vmid),
        why: why.to_owned(),
        place: Place::Host(vm.host.clone()),
        command: Some(format!("qm reboot {}", vm.vmid)),
        destructive: true,
        expected_s: Some(vm.boot_time_s.saturating_add(20)),
        at_s: 0,
        check: Some(vm_running(vm)),
    }
}

/// The check that a VM runs (and its agent answers, when it has one).
pub fn vm_running(vm: &Vm) -> Check {
    Check {
        what: if vm.agent {
            format!("{} runs and its guest agent answers", vm.id)
        } else {
            format!("{} runs", vm.id)
        },
        place: Place::Host(vm.host.clone()),
        command: if vm.agent {
            format!("qm guest cmd {} ping", vm.vmid)
        } else {
            format!("qm status {} | grep -q 'status: running'", vm.vmid)
        },
        wait_s: vm.boot_time_s.saturating_mul(2).max(120),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Multipath, NfsMount};

    fn seed() -> Topology {
        crate::examples::seed().unwrap()
    }

    #[test]
    fn truenas_reboot_outlasts_the_default_iscsi_timeout() {
        let o = simulate(&seed(), "truenas", None, &Timing::default()).unwrap();
        assert_eq!(o.source, "reboot");
        let svc = &o.services[0];
        // stop 20 + start task 2 + pin 32 GiB × 0.5 s + boot 120 + ready 30.
        assert_eq!(svc.outage_s, 188);
        let talos = &o.consumers[0];
        assert_eq!(talos.verdict, Verdict::NeedsRestart);
        assert_eq!(talos.errors_at_s, Some(125));
        assert!(talos
            .assumed
            .iter()
            .any(|a| a.contains("replacement_timeout 120 s")));
        assert!(o
            .recovery
            .iter()
            .any(|s| s.title.contains("Drain Kubernetes node talos-w1")));
    }

    #[test]
    fn short_outage_stalls_and_a_blip_rides_through() {
        let t = seed();
        let o = simulate(&t, "truenas", Some(60), &Timing::default()).unwrap();
        assert_eq!(o.consumers[0].verdict, Verdict::StallsThenResumes);
        assert_eq!(o.consumers[0].resumes_at_s, Some(63));
        assert!(o.recovery.len() == 1, "only the wait");
        let o = simulate(&t, "iscsi-k8s", Some(4), &Timing::default()).unwrap();
        assert_eq!(o.consumers[0].verdict, Verdict::RidesThrough);
    }

    #[test]
    fn overrides_change_the_verdict() {
        let mut t = seed();
        t.consumers[0].multipath = Some(Multipath {
            no_path_retry: Some(NoPathRetry::Word(NoPathWord::Queue)),
            polling_interval_s: None,
        });
        let o = simulate(&t, "truenas", Some(600), &Timing::default()).unwrap();
        assert_eq!(o.consumers[0].verdict, Verdict::StallsThenResumes);
        t.consumers[0].multipath = None;
        t.consumers[0].iscsi_replacement_timeout_s = Some(600);
        t.consumers[0].filesystem = Some(Filesystem::Xfs);
        let o = simulate(&t, "truenas", Some(700), &Timing::default()).unwrap();
        assert_eq!(o.consumers[0].errors_at_s, Some(605));
        assert!(o.consumers[0].effect.starts_with("XFS"));
        assert!(o.consumers[0].assumed.is_empty());
    }

    #[test]
    fn nfs_soft_fails_after_the_linear_backoff_and_hard_waits() {
        let mut c = Consumer::default();
        assert_eq!(nfs_client(Some(&c)).errors_after_s, None);
        c.nfs = Some(NfsMount {
            mode: Some(NfsMode::Soft),
            ..NfsMount::default()
        });
        // F-4: 60 + 120 + 180.
        assert_eq!(nfs_client(Some(&c)).errors_after_s, Some(360));
    }

    #[test]
    fn refuses_what_serves_nothing() {
        let t = seed();
        assert!(matches!(
            simulate(&t, "talos-w1", None, &Timing::default()),
            Err(SimError::Unsuitable { .. })
        ));
        assert!(matches!(
            simulate(&t, "truenass", None, &Timing::default()),
            Err(SimError::UnknownId { .. })
        ));
        assert!(matches!(
            simulate(&t, "srv01", None, &Timing::default()),
            Err(SimError::Unsuitable { .. })
        ));
        assert!(simulate(&t, "srv01", Some(300), &Timing::default()).is_ok());
    }
}
