//! Answers you can act on: a failure's results grouped the way people read them (services,
//! then VMs, then hardware), and per affected service a "how to survive this" line drawn from
//! the graph and the model — which host the control plane sits on, how many devices a provider
//! passes through, which host serves the storage — never a generic "add redundancy" when the
//! model says more.

use super::failure::{Affected, FailureReport};
use crate::graph::{NodeKind, State};
use crate::model::{DeviceKind, HostKind, Topology};
use crate::resolve::{vm_passthrough, EntityKind, Lookup};
use serde::Serialize;
use std::collections::BTreeSet;

/// A failure's affected components, grouped for reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grouped<'r> {
    /// Storage services, control planes and volumes (what people notice).
    pub services: Vec<&'r Affected>,
    /// VMs.
    pub vms: Vec<&'r Affected>,
    /// Everything else: hosts, devices, disks, pools, networks, feeds.
    pub hardware: Vec<&'r Affected>,
}

/// Group a failure report's affected components: services → VMs → hardware, each in the
/// report's (causes-first) order.
pub fn grouped(r: &FailureReport) -> Grouped<'_> {
    let mut g = Grouped {
        services: Vec::new(),
        vms: Vec::new(),
        hardware: Vec::new(),
    };
    for a in &r.affected {
        match a.kind {
            k if k.is_service() => g.services.push(a),
            NodeKind::Vm => g.vms.push(a),
            _ => g.hardware.push(a),
        }
    }
    g
}

/// How a service could survive what took it down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survival {
    /// The service, control plane (consumer id) or volumes (`consumer#volumes`).
    pub service: String,
    /// Its state in the scenario.
    pub state: State,
    /// The failed component at the end of its cause chain.
    pub root: String,
    /// What to change, in words.
    pub hint: String,
    /// The components the hint is about (to select them).
    pub about: Vec<String>,
}

/// A "how to survive this" line for every affected service of `r` (a simulation of `t`).
pub fn survival(t: &Topology, r: &FailureReport) -> Vec<Survival> {
    let lookup = Lookup::new(t);
    r.affected
        .iter()
        .filter(|a| a.kind.is_service())
        .filter_map(|a| {
            let root = a.chain.last()?.id.clone();
            let (hint, about) = hint(t, &lookup, a, &root);
            Some(Survival {
                service: a.id.clone(),
                state: a.state,
                root,
                hint,
                about,
            })
        })
        .collect()
}

/// Other hosts named in a hint at most (a fleet's hint names a few, not ten thousand).
const OTHERS_MAX: usize = 3;

/// Other Proxmox hosts than `except`, as a phrase ("srv02, srv03" or "a second host").
fn other_hosts(t: &Topology, except: &BTreeSet<&str>) -> String {
    let mut others = t
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Proxmox && !except.contains(h.id.as_str()))
        .map(|h| h.id.as_str());
    let named: Vec<&str> = others.by_ref().take(OTHERS_MAX).collect();
    match (named.is_empty(), others.next().is_some()) {
        (true, _) => "a second host".to_owned(),
        (false, false) => named.join(", "),
        (false, true) => format!("{} or another host", named.join(", ")),
    }
}

fn hint(t: &Topology, lookup: &Lookup, a: &Affected, root: &str) -> (String, Vec<String>) {
    let vm_host = |id: &str| {
        lookup
            .of(EntityKind::Vm, id)
            .and_then(|i| t.vms.get(i))
            .map(|v| v.host.as_str())
    };
    let consumer_of = |id: &str| {
        lookup
            .of(EntityKind::Consumer, id)
            .and_then(|i| t.consumers.get(i))
    };
    match a.kind {
        NodeKind::ControlPlane => {
            if let Some(c) = consumer_of(&a.id) {
                let hosts: BTreeSet<&str> =
                    crate::sort::btree_set(c.control_plane.iter().filter_map(|m| vm_host(m)));
                if hosts.len() == 1 {
                    let host = hosts.iter().next().copied().unwrap_or_default();
                    return (
                        format!(
                            "{} control plane only on {host}: add members on {}",
                            c.id,
                            other_hosts(t, &hosts)
                        ),
                        c.control_plane.clone(),
                    );
                }
                return (
                    format!(
                        "{} control plane needs {} of its {} members: spread them so no one \
                         failure takes that many ({} are on {})",
                        c.id,
                        c.quorum_needed(),
                        c.control_plane.len(),
                        c.control_plane.join(", "),
                        hosts.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                    c.control_plane.clone(),
                );
            }
        }
        NodeKind::Volumes => {
            let consumer = a.id.split('#').next().unwrap_or_default();
            if let Some(c) = consumer_of(consumer) {
                let through_service = |svc: &String| a.chain.iter().any(|x| x.id == *svc);
                if let [only] = c
                    .services
                    .as_slice()
                    .iter()
                    .filter(|s| through_service(s))
                    .collect::<Vec<_>>()
                    .as_slice()
                {
                    // The volumes' one service is down for the reason the service is: say
                    // what would keep that service up, and that a second one would cover it.
                    let only = only.as_str();
                    let (why, about) = service_hint(t, lookup, only, root);
                    return (
                        if c.services.len() == 1 {
                            format!("{consumer} volumes need {only} alone — {why}; or give {consumer} a second storage service on another host")
                        } else {
                            format!("{consumer} volumes need {only} — {why}")
                        },
                        about,
                    );
                }
            }
        }
        NodeKind::Service => return service_hint(t, lookup, &a.id, root),
        _ => {}
    }
    (
        format!(
            "{root} is a single point of failure for {}: give it a redundant peer",
            a.id
        ),
        vec![root.to_owned()],
    )
}

/// Why `service` went down with `root`, and what would keep it up.
fn service_hint(t: &Topology, lookup: &Lookup, service: &str, root: &str) -> (String, Vec<String>) {
    let Some(s) = lookup
        .of(EntityKind::Service, service)
        .and_then(|i| t.services.get(i))
    else {
        return (
            format!("{root} is a single point of failure for {service}"),
            vec![root.to_owned()],
        );
    };
    let provider_vm = lookup
        .of(EntityKind::Vm, &s.provider)
        .and_then(|i| t.vms.get(i));
    let root_kind = lookup.get(root).map(|(k, _)| k);
    match (root_kind, provider_vm) {
        (Some(EntityKind::Device), Some(vm)) => {
            let passed = vm_passthrough(t, lookup, vm);
            if passed.iter().any(|d| d.id == root) {
                let nics: Vec<&str> = passed
                    .iter()
                    .filter(|d| d.kind == DeviceKind::Nic)
                    .map(|d| d.id.as_str())
                    .collect();
                let is_nic = nics.contains(&root);
                if is_nic && nics.len() >= 2 {
                    return (
                        format!(
                            "{} passes through {} NICs ({}): a VM needs every device passed to \
                             it, so they are {} single points of failure — bond them on a host \
                             bridge or pass one",
                            vm.id,
                            nics.len(),
                            nics.join(", "),
                            nics.len()
                        ),
                        nics.iter().map(|&n| n.to_owned()).collect(),
                    );
                }
                if is_nic {
                    return (
                        format!(
                            "{root} is {}'s only way onto {}: add a bridge port on another NIC",
                            vm.id, s.network
                        ),
                        vec![root.to_owned()],
                    );
                }
                return (
                    format!(
                        "{root} is passed through to {} and {service} cannot run without it: keep \
                         a replica of pool {} on another host",
                        vm.id, s.pool
                    ),
                    vec![root.to_owned(), s.pool.clone()],
                );
            }
        }
        (Some(EntityKind::Host), Some(vm)) if vm.host == root => {
            return (
                format!(
                    "{service} is served only from {root} (by {}): replicate pool {} to {} or \
                     move the storage to a host of its own",
                    vm.id,
                    s.pool,
                    other_hosts(t, &BTreeSet::from([root]))
                ),
                vec![root.to_owned(), vm.id.clone()],
            );
        }
        (Some(EntityKind::PowerFeed), _) => {
            return (
                format!("everything {service} needs hangs on {root}: add a UPS or a second feed"),
                vec![root.to_owned()],
            );
        }
        _ => {}
    }
    (
        format!("{root} is a single point of failure for {service}: give it a redundant peer"),
        vec![root.to_owned()],
    )
}
