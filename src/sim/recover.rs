//! Disaster recovery and migration what-ifs (rule book section E): move a passed-through
//! device — typically the HBA with its disks — to another host or a new bare-metal chassis,
//! check the pool can be imported there, list what is down during the move and what
//! configuration must change, and produce the resulting topology. (Comparing two topologies
//! lives in [`super::compare`]; its items are re-exported here for the paths callers use.)

use super::{dag_of, resolve_ids, SimError};
use crate::graph::{Dag, NodeKind, State};
use crate::model::{Device, Host, HostKind, MappingEntry, Topology, VdevRole};
use crate::resolve::{vm_passthrough, EntityKind, Lookup};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use super::compare::{compare, Comparison, ServiceComparison};

/// What to move where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRequest {
    /// The device to move (an HBA, NIC, GPU…).
    pub device: String,
    /// Target host id; created as a new host when it does not exist.
    pub to: String,
    /// Kind of the target when it is created.
    pub new_host_kind: HostKind,
    /// PCI address on the target, when known (else the old one is kept and flagged).
    pub address: Option<String>,
}

/// Whether one vdev survives the move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VdevCheck {
    /// Position in the pool.
    pub index: u32,
    /// Role.
    pub role: VdevRole,
    /// Member disks reachable on the target.
    pub present: u32,
    /// Member disks in all.
    pub width: u32,
    /// Members needed.
    pub needed: u32,
    /// Disks left behind.
    pub missing: Vec<String>,
}

/// Whether a pool can be imported on the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolImport {
    /// The pool.
    pub pool: String,
    /// Every data/special/dedup vdev has enough members on the target (DR-02).
    pub importable: bool,
    /// Per-vdev detail.
    pub vdevs: Vec<VdevCheck>,
    /// Who imports it after the move.
    pub new_owner: String,
}

/// The outcome of a move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryPlan {
    /// The device moved.
    pub device: String,
    /// From host.
    pub from: String,
    /// To host.
    pub to: String,
    /// The target did not exist and was created.
    pub created_host: bool,
    /// Disks that move with the device (attached to it).
    pub moved_disks: Vec<String>,
    /// VMs that move with it (they pass the device through and the target is a Proxmox node).
    pub moved_vms: Vec<String>,
    /// Pools affected and whether they import on the target.
    pub pools: Vec<PoolImport>,
    /// Services, volumes and VMs down while the device is out.
    pub down_during_move: Vec<String>,
    /// Configuration that must change (mappings, raw addresses, providers, storage).
    pub changes: Vec<String>,
    /// Things to do or check (export first, feature flags, config backup).
    pub caveats: Vec<String>,
    /// Services and volumes that are down in the resulting topology (should be none).
    pub down_after: Vec<String>,
    /// The resulting topology.
    #[serde(skip)]
    pub topology: Topology,
}

/// Plan moving a device to another (or a new) host.
///
/// The plan is built in eight phases, each a private function documented with what it
/// decides: the target host, the device and its disks, the VMs passing it through, the old
/// node's stale mapping entries, pools and services, tidying the result, what is down
/// during the move, and what is down after it.
///
/// # Errors
/// [`SimError::UnknownId`] when the device does not exist, [`SimError::Unsuitable`] when the
/// target is the device's own host, [`SimError::Cycle`] on a cyclic topology.
///
/// # Example
/// ```
/// use hostplan::sim::recover::{plan_move, MoveRequest};
/// let t = hostplan::examples::seed().unwrap();
/// let req = MoveRequest { device: "hba0".into(), to: "nas02".into(), new_host_kind: hostplan::model::HostKind::BareMetal, address: None };
/// let plan = plan_move(&t, &req).unwrap();
/// assert!(plan.pools.iter().all(|p| p.importable));
/// ```
pub fn plan_move(t: &Topology, req: &MoveRequest) -> Result<RecoveryPlan, SimError> {
    let lookup = Lookup::new(t);
    let dag = dag_of(t)?;
    let dev_index = lookup.of(EntityKind::Device, &req.device).ok_or_else(|| {
        resolve_ids(&dag, std::slice::from_ref(&req.device))
            .err()
            .unwrap_or(SimError::Unsuitable {
                id: req.device.clone(),
                why: "is not a PCIe device".into(),
            })
    })?;
    let device = &t.devices[dev_index];
    if device.host == req.to {
        return Err(SimError::Unsuitable {
            id: req.to.clone(),
            why: format!("already holds `{}`", req.device),
        });
    }
    let mut m = Move {
        t,
        lookup,
        req,
        device,
        out: t.clone(),
        changes: Vec::new(),
        caveats: Vec::new(),
    };
    let (created_host, target_kind) = m.target_host();
    let (address, moved_disks) = m.move_device_and_disks();
    let users = m.move_passthrough_users(target_kind, &address);
    m.drop_stale_mapping_entries();
    let pools = m.follow_pools_and_services(&moved_disks, &users.removed);
    m.tidy_up(&users.removed);
    let down_during_move = down_during_move(&dag, req, &users)?;
    let down_after = down_after(&m.out);
    Ok(RecoveryPlan {
        device: req.device.clone(),
        from: device.host.clone(),
        to: req.to.clone(),
        created_host,
        moved_disks,
        moved_vms: users.moved,
        pools,
        down_during_move,
        changes: m.changes,
        caveats: m.caveats,
        down_after,
        topology: m.out,
    })
}

/// A move in progress: the input, the resulting topology as the phases edit it, and what
/// they found must change or be checked, in the order they found it.
struct Move<'a> {
    t: &'a Topology,
    lookup: Lookup,
    req: &'a MoveRequest,
    /// The device being moved, as it is before the move.
    device: &'a Device,
    /// The resulting topology.
    out: Topology,
    changes: Vec<String>,
    caveats: Vec<String>,
}

/// The VMs that passed the moved device through, and what became of them.
struct Users {
    /// Each VM with the other devices it passes, which stay behind.
    all: Vec<(String, Vec<String>)>,
    /// VMs that move with the device (the target is a Proxmox node).
    moved: Vec<String>,
    /// VMs replaced by the target itself (it is bare metal: the appliance runs there).
    removed: BTreeSet<String>,
}

impl Move<'_> {
    /// Phase 1, the target: use the host if it exists, else create it of the requested kind
    /// with nothing known about it (no CPU, RAM or NICs are invented) and say what to fill
    /// in. Decides the target's kind, which decides in phase 3 whether VMs move or are
    /// replaced. Returns whether the host was created, and its kind.
    fn target_host(&mut self) -> (bool, HostKind) {
        let req = self.req;
        let created_host = self.lookup.of(EntityKind::Host, &req.to).is_none();
        if created_host {
            self.out.hosts.push(Host {
                id: req.to.clone(),
                kind: req.new_host_kind,
                // Nothing is known of the new machine's CPU until someone fills it in.
                cpu: None,
                ..Host::default()
            });
            self.changes.push(format!(
                "new {} host `{}` (fill in CPU, RAM, boot disk, power feed and NICs)",
                kind_word(req.new_host_kind),
                req.to
            ));
        }
        let target_kind = self
            .out
            .hosts
            .iter()
            .find(|h| h.id == req.to)
            .map_or(req.new_host_kind, |h| h.kind);
        (created_host, target_kind)
    }

    /// Phase 2, the hardware: the device and every disk behind it go to the target. Decides
    /// the device's address there — the one given, else the old one, flagged, since it
    /// usually changes with the slot (DR-04) — and forgets its IOMMU group, which a new slot
    /// changes. Returns that address and the disks that moved.
    fn move_device_and_disks(&mut self) -> (String, Vec<String>) {
        let (req, device) = (self.req, self.device);
        let address = req
            .address
            .clone()
            .unwrap_or_else(|| device.address.clone());
        if req.address.is_none() {
            self.changes.push(format!("`{}` keeps PCI address {} in the plan: check the real one on `{}` (lspci -nn) — it usually changes with the slot (DR-04)", req.device, device.address, req.to));
        }
        for d in self.out.devices.iter_mut().filter(|d| d.id == req.device) {
            d.host.clone_from(&req.to);
            d.address.clone_from(&address);
            // A new slot means a new IOMMU group; the old number proves nothing there.
            d.iommu_group = None;
        }
        let mut moved_disks = Vec::new();
        for d in self
            .out
            .disks
            .iter_mut()
            .filter(|d| d.controller == req.device)
        {
            d.host.clone_from(&req.to);
            moved_disks.push(d.id.clone());
        }
        (address, moved_disks)
    }

    /// Phase 3, the VMs passing the device through: onto a bare-metal target the appliance
    /// runs on the chassis itself, so the VM is replaced by the host (DR-05); onto a Proxmox
    /// node the VM follows its device (see [`Move::move_vm`]).
    fn move_passthrough_users(&mut self, target_kind: HostKind, address: &str) -> Users {
        let (t, req) = (self.t, self.req);
        let all: Vec<(String, Vec<String>)> = t
            .vms
            .iter()
            .filter_map(|vm| {
                let passed = vm_passthrough(t, &self.lookup, vm);
                passed.iter().any(|d| d.id == req.device).then(|| {
                    let others = passed
                        .iter()
                        .filter(|d| d.id != req.device)
                        .map(|d| d.id.clone())
                        .collect();
                    (vm.id.clone(), others)
                })
            })
            .collect();
        let mut moved = Vec::new();
        let mut removed = BTreeSet::new();
        for (vm_id, stay) in &all {
            let Some(i) = self.out.vms.iter().position(|v| &v.id == vm_id) else {
                continue;
            };
            if target_kind == HostKind::BareMetal {
                // The appliance now runs on the chassis itself: the VM's role moves to the host.
                self.changes.push(format!("VM `{vm_id}` is replaced by `{}` running bare metal: install it there and restore its configuration backup (DR-05)", req.to));
                removed.insert(vm_id.clone());
                continue;
            }
            self.move_vm(i, stay, address);
            moved.push(vm_id.clone());
        }
        Users {
            all,
            moved,
            removed,
        }
    }

    /// One VM of phase 3 onto a Proxmox target: it keeps only the hostpci entries that
    /// designate the moved device (the other devices it passes stay behind, as do NICs on
    /// them), its mappings gain an entry for the target node (PT-13/PT-14), raw addresses are
    /// flagged for re-checking (DR-04), and a boot disk left on the old host is restored onto
    /// the target's local storage, or flagged when there is none.
    fn move_vm(&mut self, i: usize, stay: &[String], address: &str) {
        let (t, req, device) = (self.t, self.req, self.device);
        let Some(vm) = self.out.vms.get_mut(i) else {
            return;
        };
        let vm_id = vm.id.clone();
        let old_host = vm.host.clone();
        vm.host.clone_from(&req.to);
        self.changes.push(format!(
            "VM `{vm_id}` moves from `{old_host}` to `{}`",
            req.to
        ));
        // Other passthrough devices stay behind: drop them and say so.
        let before = vm.hostpci.clone();
        // Keep only the entries that designate the moved device.
        vm.hostpci.retain(|h| {
            h.device.as_deref() == Some(req.device.as_str())
                || h.mapping.as_ref().is_some_and(|m| {
                    t.mappings.iter().any(|x| {
                        &x.id == m
                            && x.map
                                .iter()
                                .any(|e| e.node == old_host && e.path == device.address)
                    })
                })
                || h.host.as_ref().is_some_and(|a| {
                    a.split(';').any(|p| {
                        crate::model::pci::PciAddress::parse(p).ok()
                            == crate::model::pci::PciAddress::parse(&device.address).ok()
                    })
                })
        });
        if !stay.is_empty() {
            self.changes.push(format!("VM `{vm_id}` also passes {} through, which stay on `{old_host}`: map equivalents on `{}` (hostpci entries dropped from the plan)", stay.join(", "), req.to));
            vm.nics
                .retain(|n| n.device.as_ref().is_none_or(|d| !stay.contains(d)));
        }
        for h in before.iter().filter(|h| vm.hostpci.contains(h)) {
            if let Some(m) = &h.mapping {
                if let Some(mapping) = self.out.mappings.iter_mut().find(|x| &x.id == m) {
                    if !mapping.map.iter().any(|e| e.node == req.to) {
                        mapping.map.push(MappingEntry {
                            node: req.to.clone(),
                            path: address.to_owned(),
                            id: device.vendor_device.clone(),
                            subsystem_id: device.subsystem.clone(),
                            iommu_group: None,
                        });
                        self.changes.push(format!("mapping `{m}`: add an entry for node `{}` (path {address}, id {}, iommu group to be read on the node) — PT-13/PT-14", req.to, device.vendor_device.clone().unwrap_or_else(|| "?".into())));
                    }
                }
            }
            if h.host.is_some() {
                self.changes.push(format!("VM `{vm_id}` hostpci{}: raw address {} must be re-checked on `{}`; a raw BDF grabs whatever sits there (DR-04)", h.index, h.host.clone().unwrap_or_default(), req.to));
            }
        }
        // Its boot disk lived on the old host.
        let storage_host = t
            .storages
            .iter()
            .find(|s| s.id == vm.boot_storage)
            .map(|s| s.host.clone());
        if storage_host.as_deref() == Some(old_host.as_str()) {
            let local = self
                .out
                .storages
                .iter()
                .find(|s| s.host == req.to && s.service.is_none())
                .map(|s| s.id.clone());
            if let Some(s) = local {
                self.changes.push(format!("VM `{vm_id}` boot disk: restore it from backup onto `{s}` on `{}` (it was on `{}`)", req.to, vm.boot_storage));
                vm.boot_storage = s;
            } else {
                self.changes.push(format!("VM `{vm_id}` boot disk was on `{}` of `{old_host}`: `{}` needs a local storage for it (restore from backup)", vm.boot_storage, req.to));
                vm.boot_storage.clear();
            }
        }
    }

    /// Phase 4, the old node's mappings: entries for the old node whose path overlaps the
    /// device's old address point at nothing now, and a mapping that still listed them would
    /// pass through whatever is put in that slot next.
    fn drop_stale_mapping_entries(&mut self) {
        let device = self.device;
        let from = &device.host;
        let Ok(old_addr) = crate::model::pci::PciAddress::parse(&device.address) else {
            return;
        };
        for m in &mut self.out.mappings {
            let before = m.map.len();
            m.map.retain(|e| {
                !(&e.node == from
                    && crate::model::pci::PciAddress::parse(&e.path)
                        .is_ok_and(|p| p.overlaps(&old_addr)))
            });
            if m.map.len() != before {
                self.changes.push(format!(
                    "mapping `{}`: remove the entry for node `{from}` ({} is no longer there)",
                    m.id, device.address
                ));
            }
        }
    }

    /// Phase 5, pools and services follow the device: every pool with a moved disk is
    /// imported by the target when its VM was replaced, and is checked vdev by vdev — data,
    /// special and dedup vdevs need enough members on the target (DR-02), log/cache/spare
    /// may stay behind; active features need a ZFS on the target that supports them (DR-03).
    /// Services of replaced VMs are provided by the target. Returns the pool checks.
    fn follow_pools_and_services(
        &mut self,
        moved_disks: &[String],
        removed_vms: &BTreeSet<String>,
    ) -> Vec<PoolImport> {
        let (t, req) = (self.t, self.req);
        let mut pools = Vec::new();
        for p in &mut self.out.pools {
            if !p
                .vdevs
                .iter()
                .flat_map(|v| &v.disks)
                .any(|d| moved_disks.contains(d))
            {
                continue;
            }
            if removed_vms.contains(&p.owner) {
                self.changes.push(format!(
                    "pool `{}` is imported by `{}` instead of `{}`",
                    p.id, req.to, p.owner
                ));
                p.owner.clone_from(&req.to);
            }
            let on_target = |d: &String| {
                t.disks
                    .iter()
                    .any(|x| &x.id == d && (x.host == req.to || x.controller == req.device))
            };
            let mut vdevs = Vec::new();
            for (i, v) in p.vdevs.iter().enumerate() {
                if v.role == VdevRole::Spare {
                    continue;
                }
                let width = v.disks.len() as u32;
                let needed = width - v.layout.tolerance(width);
                let missing: Vec<String> =
                    v.disks.iter().filter(|d| !on_target(d)).cloned().collect();
                let present = width - missing.len() as u32;
                if !v.role.is_required() && !missing.is_empty() {
                    self.caveats.push(format!("pool `{}`: {} vdev {i} stays behind ({}): import without it (`zpool import -m` for a missing log)", p.id, v.role, missing.join(", ")));
                }
                vdevs.push(VdevCheck {
                    index: i as u32,
                    role: v.role,
                    present,
                    width,
                    needed,
                    missing,
                });
            }
            let importable = vdevs
                .iter()
                .filter(|v| v.role.is_required())
                .all(|v| v.present >= v.needed);
            if !importable {
                let left: Vec<String> = vdevs
                    .iter()
                    .filter(|v| v.role.is_required() && v.present < v.needed)
                    .flat_map(|v| v.missing.clone())
                    .collect();
                self.caveats.push(format!("pool `{}` cannot be imported on `{}`: move {} too — \"additional devices are known to be part of this pool\" (DR-02)", p.id, req.to, left.join(", ")));
            }
            if !p.active_features.is_empty() {
                self.caveats.push(format!("pool `{}` has active features {}: the ZFS on `{}` must support them for a read-write import; never `zpool upgrade` if you may need to go back (DR-03)", p.id, p.active_features.join(", "), req.to));
            }
            pools.push(PoolImport {
                pool: p.id.clone(),
                importable,
                vdevs,
                new_owner: p.owner.clone(),
            });
        }
        for s in self
            .out
            .services
            .iter_mut()
            .filter(|s| removed_vms.contains(&s.provider))
        {
            self.changes.push(format!(
                "service `{}` is provided by `{}` instead of `{}`",
                s.id, req.to, s.provider
            ));
            s.provider.clone_from(&req.to);
        }
        if !pools.is_empty() {
            self.caveats.push(format!("export the pool(s) on `{}` first (TrueNAS Export/Disconnect, `zpool export`); an un-exported pool needs `zpool import -f` and must never be imported on two systems at once (DR-01)", self.device.host));
            self.caveats.push("keep the TrueNAS configuration backup off the pool: a fresh install + config + imported pool restores the shares (DR-05)".to_owned());
        }
        pools
    }

    /// Phase 6, tidying the result: replaced VMs and their waivers go; mappings nobody uses
    /// and with no entry left go; and every service provider must still have an interface on
    /// its service's network — a replaced VM's NICs did not come with it to the host.
    fn tidy_up(&mut self, removed_vms: &BTreeSet<String>) {
        let out = &mut self.out;
        out.vms.retain(|v| !removed_vms.contains(&v.id));
        // Mappings nobody uses and that have no entry left go away.
        let used: BTreeSet<String> = crate::sort::btree_set(
            out.vms
                .iter()
                .flat_map(|v| v.hostpci.iter().filter_map(|h| h.mapping.clone())),
        );
        out.mappings
            .retain(|m| !m.map.is_empty() || used.contains(&m.id));
        let after_lookup = Lookup::new(out);
        for s in &out.services {
            if crate::graph::network_carriers(out, &after_lookup, &s.provider, &s.network)
                .is_empty()
            {
                self.changes.push(format!(
                    "`{}` has no interface on `{}`: give it a NIC there, or `{}` is unreachable",
                    s.provider, s.network, s.id
                ));
            }
        }
        out.waivers.retain(|w| !removed_vms.contains(&w.resource));
    }
}

/// Phase 7, the outage: with the device out and every VM using it stopped, which VMs, pools,
/// services and volumes are down, on the topology as it was — what the move window costs.
fn down_during_move(dag: &Dag, req: &MoveRequest, users: &Users) -> Result<Vec<String>, SimError> {
    let mut failed_ids = vec![req.device.clone()];
    failed_ids.extend(users.all.iter().map(|(id, _)| id.clone()));
    let failed = resolve_ids(dag, &failed_ids)?;
    let during = super::failure::report(dag, &failed);
    Ok(down_of(&during, |k| {
        matches!(k, NodeKind::Vm | NodeKind::Pool) || k.is_service()
    }))
}

/// Phase 8, the result at rest: services and volumes down in the resulting topology with
/// nothing failed — should be none; a cycle the move introduced is reported in its place.
fn down_after(out: &Topology) -> Vec<String> {
    match dag_of(out) {
        Ok(after) => down_of(&super::failure::report(&after, &[]), NodeKind::is_service),
        Err(e) => vec![e.to_string()],
    }
}

/// Ids that are down in `report` and of a kind `keep` accepts.
fn down_of(report: &super::failure::FailureReport, keep: impl Fn(NodeKind) -> bool) -> Vec<String> {
    report
        .affected
        .iter()
        .filter(|a| a.state == State::Down && keep(a.kind))
        .map(|a| a.id.clone())
        .collect()
}

fn kind_word(k: HostKind) -> &'static str {
    match k {
        HostKind::Proxmox => "Proxmox",
        HostKind::BareMetal => "bare-metal",
    }
}
