//! Shutdown hazards: storage providers stopped while the guests using them still run, on the
//! same node at `stopall` (BOOT-05) or on other hosts during a reboot (BOOT-09, K8S-03).

use super::{check_host, consumer_index, stop_list, Index, ShutdownHazard};
use crate::model::Topology;
use crate::sim::SimError;
use std::collections::BTreeMap;

/// Providers stopped before consumers on the same node (BOOT-05).
pub(super) fn shutdown_hazards(t: &Topology, ix: &Index<'_>) -> Vec<ShutdownHazard> {
    let consumers = consumer_index(t);
    // Position of each guest in its node's stop list.
    let mut position: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for h in &t.hosts {
        for (i, v) in stop_list(ix, &h.id).into_iter().enumerate() {
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
                // Shutdown stops unordered guests first, then ordered ones in reverse: the
                // provider stops last when its order is below every consumer's (or they have
                // none). "Give it an order" alone points the wrong way when it has one already.
                detail: format!(
                    "{} is stopped before {} on {host}: {} disappears under them (give {} a startup order below {}, or leave them unordered: shutdown stops unordered guests first, then ordered ones in reverse)",
                    s.provider,
                    later.join(", "),
                    s.id,
                    s.provider,
                    if later.len() == 1 { "its consumer's" } else { "its consumers'" }
                ),
                consumers: later,
            });
        }
    }
    out
}

/// Consumers on other hosts that lose a service while `host` reboots (K8S-03, BOOT-09).
///
/// # Errors
/// [`SimError::UnknownId`] when `host` names nothing (an empty list would read as "safe to
/// reboot"), [`SimError::Unsuitable`] when it names something other than a host.
pub fn reboot_hazards(t: &Topology, host: &str) -> Result<Vec<ShutdownHazard>, SimError> {
    check_host(t, host)?;
    Ok(reboot_hazards_of(t, host))
}

/// [`reboot_hazards`] of a host already checked.
pub(super) fn reboot_hazards_of(t: &Topology, host: &str) -> Vec<ShutdownHazard> {
    reboot_hazards_all(t).remove(host).unwrap_or_default()
}

/// [`reboot_hazards`] of every host at once. `O(v log v + s · c)`.
pub fn reboot_hazards_all(t: &Topology) -> BTreeMap<String, Vec<ShutdownHazard>> {
    let consumers = consumer_index(t);
    let vm_host: BTreeMap<&str, &str> =
        crate::sort::btree_map(t.vms.iter().map(|v| (v.id.as_str(), v.host.as_str())));
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
                detail: format!(
                    "rebooting {host} takes {} away from {} on other hosts while they keep running: {} (K8S-03); plan a drain",
                    s.id,
                    remote.join(", "),
                    outage_effect(s.kind)
                ),
                consumers: remote,
            });
        }
    }
    out
}

/// What a client sees while a storage service of this kind is away (open-iscsi's default
/// `replacement_timeout`, nfs(5) hard mounts, SMB's reconnect).
fn outage_effect(kind: crate::model::ServiceKind) -> &'static str {
    match kind {
        crate::model::ServiceKind::Iscsi => {
            "iSCSI I/O queues for 120 s (open-iscsi's replacement_timeout), then fails"
        }
        crate::model::ServiceKind::Nfs => {
            "NFS I/O blocks until the server is back (hard mounts: processes hang in D state)"
        }
        crate::model::ServiceKind::Smb => "SMB I/O fails until the client reconnects",
    }
}
