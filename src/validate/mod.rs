//! Structural validation: ids, references, addresses, exclusivity and cycles.
//!
//! Every check runs and every problem is reported (not only the first). Diagnostics carry
//! data paths; [`crate::source::SourceFile::locate`] turns them into file positions. The
//! policy rule book (vendor guidance, sizing) is a separate, later stage.
//!
//! # Complexity
//! `O(n log n)` in the number of entities and references, plus `O(d²)` per host for the
//! device-conflict check over its `d` passed-through devices.

use crate::diag::{did_you_mean, Code, DataPath, Diagnostic, Quoted};
use crate::model::pci::PciAddress;
use crate::model::pve::{self, Format};
use crate::model::{DeviceKind, Topology, VdevLayout, VdevRole, Vm, ONBOARD};
use crate::resolve::{hostpci_devices, EntityKind, HostPciError, Lookup};
use std::collections::{BTreeMap, BTreeSet};

mod infra;
pub mod scope;

/// Validate a topology; returns every problem found, errors and warnings, in document order.
///
/// # Example
/// ```
/// let t = hostplan::examples::seed().unwrap();
/// assert!(hostplan::validate::validate(&t).is_empty());
/// ```
pub fn validate(t: &Topology) -> Vec<Diagnostic> {
    let lookup = Lookup::new(t);
    let mut v = Validator {
        t,
        lookup: &lookup,
        out: Vec::new(),
        suggestions_left: SUGGESTION_BUDGET,
        candidates: BTreeMap::new(),
    };
    v.ids();
    v.hosts();
    v.power();
    v.network_hardware();
    v.cluster();
    v.devices();
    v.mappings();
    v.disks();
    v.storages();
    v.pools();
    v.networks();
    v.vms();
    v.services();
    v.consumers();
    v.waivers();
    v.proxmox_formats();
    v.unknowns();
    // A cycle through a dangling or ambiguous reference would be an artefact of that error.
    if !v.out.iter().any(|d| {
        matches!(
            d.code,
            Code::UnknownReference | Code::DuplicateId | Code::MissingId
        )
    }) {
        v.cycles();
    }
    v.out
}

/// How many unknown references get a "did you mean" (each compares against every id of the
/// kind): enough for any file a person typed; a generated file with thousands of broken
/// references still validates in linear time (`BENCHMARKS.md`).
const SUGGESTION_BUDGET: usize = 500;

struct Validator<'a> {
    t: &'a Topology,
    lookup: &'a Lookup,
    out: Vec<Diagnostic>,
    suggestions_left: usize,
    /// The ids of each kind, gathered on the first "did you mean" for it (not per suggestion:
    /// a walk over every id of the topology each time).
    candidates: BTreeMap<EntityKind, Vec<&'a str>>,
}

fn at(section: &str, i: usize) -> DataPath {
    DataPath::root().key(section).index(i)
}

impl<'a> Validator<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// Check that `id` names an entity of `kind`; report it at `path` otherwise.
    fn reference(&mut self, path: DataPath, owner: &str, id: &str, kind: EntityKind) -> bool {
        if self.lookup.of(kind, id).is_some() {
            return true;
        }
        let what = match self.lookup.get(id) {
            Some((other, _)) => format!(
                "`{owner}` refers to `{id}`, which is a {} not a {}",
                other.noun(),
                kind.noun()
            ),
            None if id.is_empty() => format!("`{owner}` has an empty {} reference", kind.noun()),
            None => format!("`{owner}` refers to unknown {} `{id}`", kind.noun()),
        };
        let mut d = Diagnostic::error(Code::UnknownReference, path, what)
            .with_id(id)
            .expected(format!(
                "the id of a {} (`[[{}]]`)",
                kind.noun(),
                kind.section()
            ));
        if self.suggestions_left > 0 {
            self.suggestions_left -= 1;
            let lookup = self.lookup;
            let ids = self
                .candidates
                .entry(kind)
                .or_insert_with(|| lookup.ids_of(kind).collect());
            if let Some(s) = did_you_mean(id, ids.iter().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            }
        }
        self.push(d);
        false
    }

    fn ids(&mut self) {
        let t = self.t;
        let mut seen: BTreeMap<&str, DataPath> = BTreeMap::new();
        for kind in crate::resolve::EntityKind::ALL {
            let section = kind.section();
            for (i, id) in kind.list().ids(t).enumerate() {
                let path = at(section, i).key("id");
                if id.is_empty() || id.contains('#') || id.chars().any(char::is_control) {
                    self.push(
                        Diagnostic::error(
                            Code::MissingId,
                            path,
                            format!("{section}[{i}] has an empty or invalid id `{id}`"),
                        )
                        .with_id(id)
                        .expected("a non-empty id without `#` or control characters"),
                    );
                    continue;
                }
                if let Some(first) = seen.get(id) {
                    let msg = format!("duplicate id `{id}` (first defined at `{first}`)");
                    self.push(
                        Diagnostic::error(Code::DuplicateId, path, msg)
                            .with_id(id)
                            .expected("ids unique across the whole topology"),
                    );
                } else {
                    seen.insert(id, path);
                }
            }
        }
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for (i, m) in t.mappings.iter().enumerate() {
            if m.id.is_empty() || !names.insert(&m.id) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        at("mappings", i).key("id"),
                        format!("mapping name `{}` is empty or used twice", m.id),
                    )
                    .with_id(&m.id)
                    .expected("a unique mapping name"),
                );
            }
        }
        let mut vmids: BTreeMap<u32, &str> = BTreeMap::new();
        for (i, vm) in t.vms.iter().enumerate() {
            let path = at("vms", i).key("vmid");
            if !(100..=999_999_999).contains(&vm.vmid) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        path,
                        format!("VM `{}` has VMID {}", vm.id, vm.vmid),
                    )
                    .with_id(&vm.id)
                    .expected("a VMID between 100 and 999999999"),
                );
            } else if let Some(other) = vmids.insert(vm.vmid, &vm.id) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        path,
                        format!("VM `{}` reuses VMID {} of VM `{other}`", vm.id, vm.vmid),
                    )
                    .with_id(&vm.id)
                    .expected("a VMID unique in the cluster"),
                );
            }
        }
    }

    fn hosts(&mut self) {
        for (i, h) in self.t.hosts.iter().enumerate() {
            let p = at("hosts", i);
            if let Some(feed) = &h.power_feed {
                self.power_source(p.key("power_feed"), &h.id, feed);
            }
            for (j, disk) in h.boot_disks.iter().enumerate() {
                let path = p.key("boot_disks").index(j);
                if self.reference(path.clone(), &h.id, disk, EntityKind::Disk) {
                    self.same_host(path, &h.id, disk, EntityKind::Disk);
                }
            }
            let mut bridge_names = BTreeSet::new();
            for (j, b) in h.bridges.iter().enumerate() {
                let bp = p.key("bridges").index(j);
                if !bridge_names.insert(b.name.as_str()) {
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateId,
                            bp.key("name"),
                            format!("host `{}` has two bridges named `{}`", h.id, b.name),
                        )
                        .with_id(&b.name)
                        .expected("bridge names unique per host"),
                    );
                }
                for (k, port) in b.ports.iter().enumerate() {
                    let path = bp.key("ports").index(k);
                    if self.is_bond_or_link_port(&h.id, port) {
                        continue;
                    }
                    self.bridge_port(path, &h.id, &b.name, port);
                }
                for (k, net) in b.networks.iter().enumerate() {
                    self.reference(bp.key("networks").index(k), &h.id, net, EntityKind::Network);
                }
            }
            if let Some(m) = &h.management {
                let is_bridge = h.bridges.iter().any(|b| &b.name == m);
                let is_nic = self
                    .lookup
                    .of(EntityKind::Device, m)
                    .is_some_and(|d| self.t.devices[d].host == h.id);
                if !is_bridge && !is_nic {
                    let mut d = Diagnostic::error(
                        Code::UnknownReference,
                        p.key("management"),
                        format!("host `{}` manages through `{m}`, which is neither one of its bridges nor one of its NICs", h.id),
                    )
                    .with_id(m)
                    .expected("a bridge name of this host or a NIC device id on it");
                    if let Some(s) = did_you_mean(m, h.bridges.iter().map(|b| b.name.as_str())) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.push(d);
                }
            }
        }
    }

    /// Report when entity `id` (of `kind`, which has a `host`) is not on `host`.
    fn same_host(&mut self, path: DataPath, host: &str, id: &str, kind: EntityKind) {
        let other = match kind {
            EntityKind::Device => self.lookup.of(kind, id).map(|i| &self.t.devices[i].host),
            EntityKind::Disk => self.lookup.of(kind, id).map(|i| &self.t.disks[i].host),
            EntityKind::Storage => self.lookup.of(kind, id).map(|i| &self.t.storages[i].host),
            _ => None,
        };
        if let Some(other) = other {
            if other != host {
                self.push(
                    Diagnostic::error(
                        Code::HostMismatch,
                        path,
                        format!(
                            "{} `{id}` is on host `{other}`, not on `{host}`",
                            kind.noun()
                        ),
                    )
                    .with_id(id)
                    .expected(format!("a {} installed in `{host}`", kind.noun())),
                );
            }
        }
    }

    fn devices(&mut self) {
        for (i, d) in self.t.devices.iter().enumerate() {
            let p = at("devices", i);
            self.reference(p.key("host"), &d.id, &d.host, EntityKind::Host);
            self.address(p.key("address"), &d.id, &d.address, false);
            if let Some(nic) = &d.nic {
                for (j, net) in nic.networks.iter().enumerate() {
                    self.reference(
                        p.key("nic").key("networks").index(j),
                        &d.id,
                        net,
                        EntityKind::Network,
                    );
                }
            }
            if d.firmware_mode.is_some()
                && !matches!(d.kind, DeviceKind::Hba | DeviceKind::SataController)
            {
                self.push(
                    Diagnostic::warning(Code::InvalidCombination, p.key("firmware_mode"), format!("device `{}` is a {}, firmware_mode only applies to storage controllers", d.id, d.kind))
                        .with_id(&d.id),
                );
            }
        }
        // Two devices at overlapping addresses on one host.
        let mut by_host: BTreeMap<&str, Vec<(usize, PciAddress)>> = BTreeMap::new();
        for (i, d) in self.t.devices.iter().enumerate() {
            if let Ok(a) = PciAddress::parse(&d.address) {
                by_host.entry(&d.host).or_default().push((i, a));
            }
        }
        for list in by_host.values() {
            for (k, (i, a)) in list.iter().enumerate() {
                if let Some((j, _)) = list[..k].iter().find(|(_, b)| a.overlaps(b)) {
                    let (me, first) = (&self.t.devices[*i], &self.t.devices[*j]);
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateId,
                            at("devices", *i).key("address"),
                            format!(
                                "device `{}` at {} overlaps device `{}` at {} on host `{}`",
                                me.id, me.address, first.id, first.address, me.host
                            ),
                        )
                        .with_id(&me.id)
                        .expected("one device per PCI function on a host"),
                    );
                }
            }
        }
    }

    fn address(
        &mut self,
        path: DataPath,
        owner: &str,
        text: &str,
        need_domain: bool,
    ) -> Option<PciAddress> {
        match PciAddress::parse(text) {
            Ok(a) if need_domain && text.trim().matches(':').count() != 2 => {
                self.push(
                    Diagnostic::error(
                        Code::BadPciAddress,
                        path,
                        format!("`{owner}`: mapping path `{text}` has no PCI domain"),
                    )
                    .with_id(owner)
                    .expected("a path with domain, e.g. `0000:01:00.0`")
                    .help(format!("write `{a}`")),
                );
                None
            }
            Ok(a) => Some(a),
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        Code::BadPciAddress,
                        path,
                        format!("`{owner}` has malformed PCI address `{text}`: {e}"),
                    )
                    .with_id(owner)
                    .expected("`[dddd:]bb:dd[.f]`, e.g. `0000:01:00.0` or `0000:01:00`"),
                );
                None
            }
        }
    }

    fn mappings(&mut self) {
        for (i, m) in self.t.mappings.iter().enumerate() {
            let p = at("mappings", i);
            for (j, e) in m.map.iter().enumerate() {
                let ep = p.key("map").index(j);
                let node_ok = self.reference(ep.key("node"), &m.id, &e.node, EntityKind::Host);
                let addr = self.address(ep.key("path"), &m.id, &e.path, true);
                if let (true, Some(addr)) = (node_ok, addr) {
                    if crate::resolve::devices_at(self.t, &e.node, &addr).is_empty() {
                        self.push(
                            Diagnostic::error(Code::UnknownReference, ep.key("path"), format!("mapping `{}` points at {} on `{}`, but no device of that host is at that address", m.id, e.path, e.node))
                                .with_id(&m.id)
                                .expected(format!("the address of a device declared with host = \"{}\"", e.node)),
                        );
                    }
                }
            }
            if m.map.is_empty() {
                self.push(
                    Diagnostic::warning(
                        Code::EmptyPool,
                        p.key("id"),
                        format!("mapping `{}` has no node entries", m.id),
                    )
                    .with_id(&m.id)
                    .expected("at least one `[[mappings.map]]` entry"),
                );
            }
        }
    }

    fn disks(&mut self) {
        for (i, d) in self.t.disks.iter().enumerate() {
            let p = at("disks", i);
            self.reference(p.key("host"), &d.id, &d.host, EntityKind::Host);
            if let Some(b) = d
                .sector_bytes
                .filter(|b| !b.is_power_of_two() || !(512..=65_536).contains(b))
            {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        p.key("sector_bytes"),
                        format!("disk `{}` has {b}-byte sectors", d.id),
                    )
                    .with_id(&d.id)
                    .expected("a power of two from 512 to 65536 (usually 512 or 4096)"),
                );
            }
            if d.controller != ONBOARD {
                let path = p.key("controller");
                if self.reference(path.clone(), &d.id, &d.controller, EntityKind::Device) {
                    self.same_host(path.clone(), &d.host, &d.controller, EntityKind::Device);
                    if let Some(c) = self.lookup.of(EntityKind::Device, &d.controller) {
                        let dev = &self.t.devices[c];
                        if !matches!(
                            dev.kind,
                            DeviceKind::Hba | DeviceKind::SataController | DeviceKind::Nvme
                        ) {
                            self.push(
                                Diagnostic::error(Code::InvalidCombination, path, format!("disk `{}` hangs off `{}`, which is a {}, not a storage controller", d.id, dev.id, dev.kind))
                                    .with_id(&d.controller)
                                    .expected("`onboard` or an hba / sata-controller / nvme device"),
                            );
                        }
                    }
                }
            }
        }
    }

    fn storages(&mut self) {
        for (i, s) in self.t.storages.iter().enumerate() {
            let p = at("storages", i);
            self.reference(p.key("host"), &s.id, &s.host, EntityKind::Host);
            for (j, disk) in s.disks.iter().enumerate() {
                let path = p.key("disks").index(j);
                if self.reference(path.clone(), &s.id, disk, EntityKind::Disk) {
                    self.same_host(path, &s.host, disk, EntityKind::Disk);
                }
            }
            if let Some(svc) = &s.service {
                self.reference(p.key("service"), &s.id, svc, EntityKind::Service);
            }
            let remote = matches!(
                s.kind,
                crate::model::StorageKind::Nfs
                    | crate::model::StorageKind::Iscsi
                    | crate::model::StorageKind::Cifs
            );
            if remote && s.service.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        p.key("kind"),
                        format!(
                            "storage `{}` is remote ({}) but names no `service`",
                            s.id, s.kind
                        ),
                    )
                    .with_id(&s.id)
                    .expected("`service = \"<id of the storage service>\"`"),
                );
            }
            if !remote && s.service.is_some() {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        p.key("service"),
                        format!(
                            "storage `{}` is local ({}) but names a `service`",
                            s.id, s.kind
                        ),
                    )
                    .with_id(&s.id)
                    .expected("kind = \"nfs\", \"iscsi\" or \"cifs\" for a service-backed storage"),
                );
            }
        }
    }

    fn pools(&mut self) {
        let mut used: BTreeMap<&str, DataPath> = BTreeMap::new();
        for (i, pool) in self.t.pools.iter().enumerate() {
            let p = at("pools", i);
            if let Some(a) = pool.ashift.filter(|a| !(9..=16).contains(a)) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        p.key("ashift"),
                        format!("pool `{}` has ashift {a}", pool.id),
                    )
                    .with_id(&pool.id)
                    .expected("an ashift between 9 (512 B) and 16 (64 KiB), as OpenZFS allows"),
                );
            }
            match self.lookup.get(&pool.owner) {
                Some((EntityKind::Vm | EntityKind::Host, _)) => {}
                _ => {
                    self.reference(p.key("owner"), &pool.id, &pool.owner, EntityKind::Vm);
                }
            }
            if !pool
                .vdevs
                .iter()
                .any(|v| v.role == VdevRole::Data && !v.disks.is_empty())
            {
                self.push(
                    Diagnostic::error(
                        Code::EmptyPool,
                        p.key("id"),
                        format!("pool `{}` has no data disks", pool.id),
                    )
                    .with_id(&pool.id)
                    .expected("at least one `[[pools.vdevs]]` with role = \"data\" and disks"),
                );
            }
            for (j, vdev) in pool.vdevs.iter().enumerate() {
                let vp = p.key("vdevs").index(j);
                let width = vdev.disks.len();
                let min = match vdev.layout {
                    VdevLayout::Stripe => 1,
                    VdevLayout::Mirror | VdevLayout::Raidz1 | VdevLayout::Draid1 => 2,
                    VdevLayout::Raidz2 | VdevLayout::Draid2 => 3,
                    VdevLayout::Raidz3 | VdevLayout::Draid3 => 4,
                };
                if width == 0 {
                    self.push(
                        Diagnostic::error(
                            Code::EmptyPool,
                            vp.clone(),
                            format!("pool `{}` vdev {j} has no disks", pool.id),
                        )
                        .with_id(&pool.id)
                        .expected("a non-empty `disks` list"),
                    );
                } else if width < min {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            vp.key("disks"),
                            format!(
                                "pool `{}` vdev {j} is a {} of {width} disk(s)",
                                pool.id, vdev.layout
                            ),
                        )
                        .with_id(&pool.id)
                        .expected(format!("at least {min} disks for {}", vdev.layout)),
                    );
                }
                for (k, disk) in vdev.disks.iter().enumerate() {
                    let path = vp.key("disks").index(k);
                    if !self.reference(path.clone(), &pool.id, disk, EntityKind::Disk) {
                        continue;
                    }
                    if let Some(first) = used.get(disk.as_str()) {
                        let msg = format!("disk `{disk}` is used twice (also at `{first}`)");
                        self.push(
                            Diagnostic::error(Code::DiskReused, path, msg)
                                .with_id(disk)
                                .expected("each disk in exactly one vdev of one pool"),
                        );
                    } else {
                        used.insert(disk, path);
                    }
                }
            }
        }
    }

    fn networks(&mut self) {
        for (i, n) in self.t.networks.iter().enumerate() {
            let p = at("networks", i);
            if let Some(vlan) = n.vlan {
                if !(1..=4094).contains(&vlan) {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            p.key("vlan"),
                            format!("network `{}` has VLAN id {vlan}", n.id),
                        )
                        .with_id(&n.id)
                        .expected("a VLAN id between 1 and 4094"),
                    );
                }
            }
            if let Some(mtu) = n.mtu {
                if !(576..=65535).contains(&mtu) {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            p.key("mtu"),
                            format!("network `{}` has MTU {mtu}", n.id),
                        )
                        .with_id(&n.id)
                        .expected("an MTU between 576 and 65535"),
                    );
                }
            }
        }
    }

    fn vms(&mut self) {
        // (host, device id) → (VM id, path) for devices of VMs that start on boot.
        let mut owners: BTreeMap<(&str, &str), (&str, DataPath)> = BTreeMap::new();
        for (i, vm) in self.t.vms.iter().enumerate() {
            let p = at("vms", i);
            let host_ok = self.vm_host(&p, vm);
            let mine = self.vm_hostpci(&p, vm, host_ok, &mut owners);
            self.vm_disks(&p, vm, host_ok);
            self.vm_nics(&p, vm, host_ok, &mine);
        }
    }

    /// The VM's host exists and runs Proxmox; its boot storage exists on that host. Returns
    /// whether the host exists (the checks that compare with it need it).
    fn vm_host(&mut self, p: &DataPath, vm: &'a Vm) -> bool {
        let t = self.t;
        let host_ok = self.reference(p.key("host"), &vm.id, &vm.host, EntityKind::Host);
        if host_ok {
            if let Some(h) = self.lookup.of(EntityKind::Host, &vm.host) {
                if t.hosts[h].kind == crate::model::HostKind::BareMetal {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCombination,
                            p.key("host"),
                            format!(
                                "VM `{}` runs on `{}`, a bare-metal appliance",
                                vm.id, vm.host
                            ),
                        )
                        .with_id(&vm.id)
                        .expected("a host with kind = \"proxmox\""),
                    );
                }
            }
        }
        if !vm.boot_storage.is_empty() {
            let path = p.key("boot_storage");
            if self.reference(path.clone(), &vm.id, &vm.boot_storage, EntityKind::Storage)
                && host_ok
            {
                self.same_host(path, &vm.host, &vm.boot_storage, EntityKind::Storage);
            }
        }
        host_ok
    }

    /// Every hostpci entry: index in range and unique, target resolvable on the VM's host,
    /// no device passed twice to the VM or to two VMs that start on boot on one node. Returns
    /// the VM's passed-through devices (for its NICs) with the path of their entry.
    fn vm_hostpci(
        &mut self,
        p: &DataPath,
        vm: &'a Vm,
        host_ok: bool,
        owners: &mut BTreeMap<(&'a str, &'a str), (&'a str, DataPath)>,
    ) -> BTreeMap<&'a str, DataPath> {
        let t = self.t;
        let mut indices = BTreeSet::new();
        let mut mine: BTreeMap<&str, DataPath> = BTreeMap::new();
        for (j, entry) in vm.hostpci.iter().enumerate() {
            let ep = p.key("hostpci").index(j);
            if entry.index > 15 {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        ep.key("index"),
                        format!("VM `{}` has hostpci{}", vm.id, entry.index),
                    )
                    .with_id(&vm.id)
                    .expected("an index between 0 and 15 (hostpci0–hostpci15)"),
                );
            } else if !indices.insert(entry.index) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        ep.key("index"),
                        format!("VM `{}` defines hostpci{} twice", vm.id, entry.index),
                    )
                    .with_id(&vm.id)
                    .expected("each hostpci index once per VM"),
                );
            }
            if !host_ok {
                continue;
            }
            match hostpci_devices(t, self.lookup, vm, entry) {
                Ok(devices) => {
                    for d in devices {
                        if let Some(first) = mine.get(d.id.as_str()) {
                            let msg = format!(
                                "VM `{}` passes device `{}` twice (also at `{first}`)",
                                vm.id, d.id
                            );
                            self.push(
                                Diagnostic::error(Code::DeviceConflict, ep.clone(), msg)
                                    .with_id(&d.id)
                                    .expected("each device assigned once per VM"),
                            );
                            continue;
                        }
                        mine.insert(&d.id, ep.clone());
                        if !vm.onboot {
                            continue;
                        }
                        match owners.get(&(vm.host.as_str(), d.id.as_str())) {
                            Some((other, first)) => {
                                let msg = format!("device `{}` is passed through to VM `{}` and to VM `{other}` (at `{first}`), which both start on boot on `{}`", d.id, vm.id, vm.host);
                                self.push(
                                    Diagnostic::error(Code::DeviceConflict, ep.clone(), msg)
                                        .with_id(&d.id)
                                        .expected(
                                            "a device owned by at most one running VM per node",
                                        ),
                                );
                            }
                            None => {
                                owners.insert((&vm.host, &d.id), (&vm.id, ep.clone()));
                            }
                        }
                    }
                }
                Err(e) => self.hostpci_error(&ep, &vm.id, &vm.host, e),
            }
        }
        mine
    }

    /// Boot slot and volume names a conf line can carry; raw disks likewise, on the VM's host.
    fn vm_disks(&mut self, p: &DataPath, vm: &'a Vm, host_ok: bool) {
        if let Some(slot) = &vm.boot_interface {
            if !crate::model::is_disk_slot(slot) {
                self.push(
                    Diagnostic::error(
                        Code::InvalidFormat,
                        p.key("boot_interface"),
                        format!("VM `{}` has boot disk slot {}", vm.id, Quoted(slot)),
                    )
                    .with_id(&vm.id)
                    .expected("a disk slot: ide0–3, sata0–5, scsi0–30 or virtio0–15"),
                );
            }
        }
        if let Some(volume) = &vm.boot_volume {
            if !crate::model::is_volume_name(volume) {
                self.push(
                    Diagnostic::error(
                        Code::InvalidFormat,
                        p.key("boot_volume"),
                        format!("VM `{}` has boot volume {}", vm.id, Quoted(volume)),
                    )
                    .with_id(&vm.id)
                    .expected("a volume name of letters, digits and . _ - /, e.g. vm-100-disk-0"),
                );
            }
        }
        for (j, raw) in vm.raw_disks.iter().enumerate() {
            let rp = p.key("raw_disks").index(j);
            if !crate::model::is_disk_slot(&raw.slot) {
                self.push(
                    Diagnostic::error(
                        Code::InvalidFormat,
                        rp.key("slot"),
                        format!("VM `{}` has raw disk slot {}", vm.id, Quoted(&raw.slot)),
                    )
                    .with_id(&vm.id)
                    .expected("a disk slot: ide0–3, sata0–5, scsi0–30 or virtio0–15"),
                );
            }
            if !crate::model::is_device_path(&raw.path) {
                self.push(
                Diagnostic::error(Code::InvalidFormat, rp.key("path"), format!("VM `{}` has raw disk path {}", vm.id, Quoted(&raw.path)))
                    .with_id(&vm.id)
                    .expected("an absolute /dev/ path of letters, digits and / . _ - : + @, e.g. /dev/disk/by-id/ata-…"),
            );
            }
            if let Some(disk) = &raw.disk {
                let path = rp.key("disk");
                if self.reference(path.clone(), &vm.id, disk, EntityKind::Disk) && host_ok {
                    self.same_host(path, &vm.host, disk, EntityKind::Disk);
                }
            }
        }
    }

    /// Each NIC is either virtio on one of the host's bridges or a NIC the VM passes through.
    fn vm_nics(
        &mut self,
        p: &DataPath,
        vm: &'a Vm,
        host_ok: bool,
        mine: &BTreeMap<&'a str, DataPath>,
    ) {
        let t = self.t;
        for (j, nic) in vm.nics.iter().enumerate() {
            let np = p.key("nics").index(j);
            self.reference(np.key("network"), &vm.id, &nic.network, EntityKind::Network);
            match (&nic.bridge, &nic.device) {
                (Some(b), None) => {
                    let known = self
                        .lookup
                        .of(EntityKind::Host, &vm.host)
                        .is_some_and(|h| t.hosts[h].bridges.iter().any(|x| &x.name == b));
                    if host_ok && !known {
                        self.push(
                        Diagnostic::error(Code::UnknownReference, np.key("bridge"), format!("VM `{}` attaches to bridge `{b}`, which host `{}` does not have", vm.id, vm.host))
                            .with_id(b)
                            .expected("a bridge name from the host's `bridges`"),
                    );
                    }
                }
                (None, Some(dev)) => {
                    if !mine.contains_key(dev.as_str()) {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidCombination,
                                np.key("device"),
                                format!(
                                    "VM `{}` uses NIC `{dev}` but does not pass it through",
                                    vm.id
                                ),
                            )
                            .with_id(dev)
                            .expected("a NIC listed (or mapped) in this VM's `hostpci`"),
                        );
                    }
                }
                _ => self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        np,
                        format!(
                            "VM `{}` NIC {j} must set exactly one of `bridge` or `device`",
                            vm.id
                        ),
                    )
                    .with_id(&vm.id)
                    .expected("`bridge = \"vmbr0\"` (virtio) or `device = \"<passed NIC>\"`"),
                ),
            }
        }
    }

    fn hostpci_error(&mut self, ep: &DataPath, vm: &str, host: &str, e: HostPciError) {
        let d = match e {
            HostPciError::Target => Diagnostic::error(Code::InvalidCombination, ep.clone(), format!("VM `{vm}`: a hostpci entry needs exactly one of `device`, `mapping` or `host`"))
                .with_id(vm)
                .expected("one of device = \"hba0\", mapping = \"HBA\", host = \"0000:01:00.0\""),
            HostPciError::UnknownDevice(id) => {
                self.reference(ep.key("device"), vm, &id, EntityKind::Device);
                return;
            }
            HostPciError::OtherHost { device, host: other } => Diagnostic::error(Code::HostMismatch, ep.key("device"), format!("VM `{vm}` on `{host}` passes through `{device}`, which is installed in `{other}`"))
                .with_id(device)
                .expected(format!("a device installed in `{host}`")),
            HostPciError::UnknownMapping(name) => {
                let mut d = Diagnostic::error(Code::UnknownReference, ep.key("mapping"), format!("VM `{vm}` uses unknown mapping `{name}`"))
                    .with_id(&name)
                    .expected("a mapping name from `[[mappings]]`");
                if let Some(s) = did_you_mean(&name, self.lookup.mapping_names()) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                d
            }
            HostPciError::NoMappingEntry(name) => Diagnostic::error(Code::UnknownReference, ep.key("mapping"), format!("mapping `{name}` has no entry for node `{host}`, where VM `{vm}` runs"))
                .with_id(&name)
                .expected(format!("a `[[mappings.map]]` entry with node = \"{host}\"")),
            HostPciError::MappingExhausted { mapping, uses } => Diagnostic::error(Code::DeviceConflict, ep.key("mapping"), format!("VM `{vm}` uses mapping `{mapping}` {uses} times, but it has fewer entries for node `{host}`: Proxmox gives each use the next free entry"))
                .with_id(&mapping)
                .expected(format!("as many `[[mappings.map]]` entries with node = \"{host}\" as hostpci entries using it")),
            HostPciError::BadAddress(addr, why) => Diagnostic::error(Code::BadPciAddress, ep.key("host"), format!("VM `{vm}` has malformed PCI address `{addr}`: {why}"))
                .with_id(addr)
                .expected("`[dddd:]bb:dd[.f]`, e.g. `0000:01:00.0` or `01:00`"),
            HostPciError::NothingAt(addr) => Diagnostic::error(Code::UnknownReference, ep.clone(), format!("VM `{vm}` passes through {addr} (directly or through its mapping), but host `{host}` has no device there"))
                .with_id(addr)
                .expected(format!("the address of a device with host = \"{host}\"")),
        };
        self.push(d);
    }

    fn services(&mut self) {
        for (i, s) in self.t.services.iter().enumerate() {
            let p = at("services", i);
            match self.lookup.get(&s.provider) {
                Some((EntityKind::Vm | EntityKind::Host, _)) => {}
                _ => {
                    self.reference(p.key("provider"), &s.id, &s.provider, EntityKind::Vm);
                }
            }
            if self.reference(p.key("pool"), &s.id, &s.pool, EntityKind::Pool) {
                if let Some(pi) = self.lookup.of(EntityKind::Pool, &s.pool) {
                    let owner = &self.t.pools[pi].owner;
                    if owner != &s.provider {
                        self.push(
                            Diagnostic::error(Code::HostMismatch, p.key("pool"), format!("service `{}` is served by `{}` but pool `{}` is imported by `{owner}`", s.id, s.provider, s.pool))
                                .with_id(&s.pool)
                                .expected(format!("a pool owned by `{}`", s.provider)),
                        );
                    }
                }
            }
            if let Some(b) = s
                .volblocksize_kib
                .filter(|b| !b.is_power_of_two() || *b > 16_384)
            {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        p.key("volblocksize_kib"),
                        format!("service `{}` has a volblocksize of {b} KiB", s.id),
                    )
                    .with_id(&s.id)
                    .expected("a power of two from 1 to 16384 KiB, as OpenZFS allows"),
                );
            }
            for (j, n) in s.portals.iter().enumerate() {
                self.reference(p.key("portals").index(j), &s.id, n, EntityKind::Network);
            }
            let provider_ok = matches!(
                self.lookup.get(&s.provider),
                Some((EntityKind::Vm | EntityKind::Host, _))
            );
            if self.reference(p.key("network"), &s.id, &s.network, EntityKind::Network)
                && provider_ok
                && crate::graph::network_carriers(self.t, self.lookup, &s.provider, &s.network)
                    .is_empty()
            {
                self.push(
                    Diagnostic::warning(
                        Code::InvalidCombination,
                        p.key("network"),
                        format!(
                            "service `{}` is served on `{}`, but `{}` has no interface there",
                            s.id, s.network, s.provider
                        ),
                    )
                    .with_id(&s.provider)
                    .expected(format!(
                        "a NIC of `{}` (passed through, or a bridge port) on network `{}`",
                        s.provider, s.network
                    )),
                );
            }
        }
    }

    fn consumers(&mut self) {
        for (i, c) in self.t.consumers.iter().enumerate() {
            let p = at("consumers", i);
            for (j, vm) in c.control_plane.iter().enumerate() {
                self.reference(p.key("control_plane").index(j), &c.id, vm, EntityKind::Vm);
            }
            for (j, vm) in c.workers.iter().enumerate() {
                self.reference(p.key("workers").index(j), &c.id, vm, EntityKind::Vm);
            }
            for (j, s) in c.services.iter().enumerate() {
                self.reference(p.key("services").index(j), &c.id, s, EntityKind::Service);
            }
            if let Some(q) = c.quorum {
                let n = c.control_plane.len();
                if q == 0 || q as usize > n {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            p.key("quorum"),
                            format!("consumer `{}` needs {q} of {n} control-plane members", c.id),
                        )
                        .with_id(&c.id)
                        .expected(format!("a quorum between 1 and {n}")),
                    );
                }
            }
            if c.control_plane.is_empty() && c.workers.is_empty() {
                self.push(
                    Diagnostic::error(
                        Code::EmptyPool,
                        p.key("id"),
                        format!("consumer `{}` has no control-plane or worker VMs", c.id),
                    )
                    .with_id(&c.id)
                    .expected("`control_plane` and/or `workers` VM ids"),
                );
            }
        }
    }

    fn waivers(&mut self) {
        for (i, w) in self.t.waivers.iter().enumerate() {
            let p = at("waivers", i);
            if w.rule.is_empty() {
                self.push(
                    Diagnostic::error(Code::MissingId, p.key("rule"), "waiver has no rule id")
                        .expected("a rule id such as `PT-10`"),
                );
            }
            if self.lookup.get(&w.resource).is_none() && self.lookup.mapping(&w.resource).is_none()
            {
                let mut d = Diagnostic::error(
                    Code::UnknownReference,
                    p.key("resource"),
                    format!(
                        "waiver for `{}` names unknown resource `{}`",
                        w.rule, w.resource
                    ),
                )
                .with_id(&w.resource)
                .expected("the id of an entity in this topology");
                let all = [
                    EntityKind::Host,
                    EntityKind::Vm,
                    EntityKind::Pool,
                    EntityKind::Device,
                    EntityKind::Service,
                    EntityKind::Disk,
                    EntityKind::Network,
                    EntityKind::Storage,
                    EntityKind::Consumer,
                    EntityKind::PowerFeed,
                ];
                if let Some(s) =
                    did_you_mean(&w.resource, all.iter().flat_map(|k| self.lookup.ids_of(*k)))
                {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                self.push(d);
            }
            if let Some(date) = &w.expires {
                if !is_iso_date(date) {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidType,
                            p.key("expires"),
                            format!(
                                "waiver for `{}` on `{}` has expiry `{date}`",
                                w.rule, w.resource
                            ),
                        )
                        .with_id(date)
                        .expected("a date `YYYY-MM-DD`"),
                    );
                }
            }
        }
    }

    /// Each value an importer could not resolve is reported where it is listed, with where the
    /// import found it; a listed field that cannot be unknown is an error. A host that passes
    /// devices through without known IOMMU facts (and no IOMMU groups proving them) is reported
    /// too.
    fn unknowns(&mut self) {
        let t = self.t;
        let lists = t
            .vms
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    "vms",
                    i,
                    v.id.as_str(),
                    "VM",
                    &v.unknown,
                    crate::model::VM_UNKNOWABLE,
                )
            })
            .chain(t.disks.iter().enumerate().map(|(i, d)| {
                (
                    "disks",
                    i,
                    d.id.as_str(),
                    "disk",
                    &d.unknown,
                    crate::model::DISK_UNKNOWABLE,
                )
            }));
        for (section, i, id, noun, unknown, allowed) in lists {
            for (j, u) in unknown.iter().enumerate() {
                let path = at(section, i).key("unknown").index(j).key("field");
                if !allowed.contains(&u.field.as_str()) {
                    let mut d = Diagnostic::error(
                        Code::UnknownValue,
                        path,
                        format!("{noun} `{id}` lists `{}` as unknown, which is not one of its fields that can be", u.field),
                    )
                    .with_id(id)
                    .expected(format!("one of {}", allowed.join(", ")));
                    if let Some(s) = did_you_mean(&u.field, allowed.iter().copied()) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.push(d);
                    continue;
                }
                let source = match (&u.from, &u.expression) {
                    (Some(at), Some(e)) => format!(" ({at}: `{e}`)"),
                    (Some(at), None) => format!(" ({at})"),
                    (None, Some(e)) => format!(" (`{e}`)"),
                    (None, None) => String::new(),
                };
                self.push(
                    Diagnostic::warning(
                        Code::UnknownValue,
                        path,
                        format!("{noun} `{id}`: `{}` is not known{source}", u.field),
                    )
                    .with_id(id)
                    .help("fill it in: until then rules that need it are not evaluated and exports leave it out"),
                );
            }
        }
        // Once over the VMs and devices, not once per host.
        let passing: BTreeSet<&str> = crate::sort::btree_set(
            t.vms
                .iter()
                .filter(|v| !v.hostpci.is_empty())
                .map(|v| v.host.as_str()),
        );
        let grouped: BTreeSet<&str> = crate::sort::btree_set(
            t.devices
                .iter()
                .filter(|d| d.iommu_group.is_some_and(|g| g >= 0))
                .map(|d| d.host.as_str()),
        );
        for (i, h) in t.hosts.iter().enumerate() {
            let passes = passing.contains(h.id.as_str());
            let evidence = grouped.contains(h.id.as_str());
            let known = h.cpu.as_ref().and_then(|c| c.iommu).is_some();
            if passes && !known && !evidence {
                self.push(
                    Diagnostic::warning(
                        Code::UnknownValue,
                        at("hosts", i).key("id"),
                        format!("host `{}` passes devices through, but whether its IOMMU is on is not known", h.id),
                    )
                    .with_id(&h.id)
                    .expected("`cpu = { iommu = true, … }`, or devices with their `iommu_group` (an IOMMU listing import)"),
                );
            }
        }
    }

    /// Every value that reaches a provisioner has the format Proxmox enforces for it, so no
    /// export can carry a line break, an extra option or a name Proxmox refuses.
    fn proxmox_formats(&mut self) {
        let t = self.t;
        for (i, h) in t.hosts.iter().enumerate() {
            // Empty ids are reported as `missing-id`.
            if h.kind == crate::model::HostKind::Proxmox && !h.id.is_empty() {
                let path = at("hosts", i).key("id");
                self.format(path, &h.id, "node name", Format::NodeName, &h.id);
            }
            for (j, b) in h.bridges.iter().enumerate() {
                let path = at("hosts", i).key("bridges").index(j).key("name");
                self.format(path, &h.id, "bridge name", Format::BridgeId, &b.name);
            }
        }
        for (i, m) in t
            .mappings
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.id.is_empty())
        {
            let path = at("mappings", i).key("id");
            self.format(path, &m.id, "mapping id", Format::ConfigId, &m.id);
        }
        for (i, s) in t
            .storages
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.id.is_empty())
        {
            let path = at("storages", i).key("id");
            let name = pve::storage_name(&s.id);
            self.format(path, &s.id, "storage name", Format::StorageId, name);
        }
        for (i, vm) in t.vms.iter().enumerate() {
            let p = at("vms", i);
            self.vm_name(p.key("id"), &vm.id);
            if !vm.cpu_type.is_empty() {
                self.format(
                    p.key("cpu_type"),
                    &vm.id,
                    "CPU type",
                    Format::CpuType,
                    &vm.cpu_type,
                );
            }
            if !vm.machine.is_empty() {
                self.format(
                    p.key("machine"),
                    &vm.id,
                    "machine type",
                    Format::Machine,
                    &vm.machine,
                );
            }
            for (j, nic) in vm.nics.iter().enumerate() {
                if let Some(b) = &nic.bridge {
                    let path = p.key("nics").index(j).key("bridge");
                    self.format(path, &vm.id, "bridge name", Format::BridgeId, b);
                }
            }
            for (j, f) in vm.hotplug.iter().flatten().enumerate() {
                if !pve::HOTPLUG_FEATURES.contains(&f.as_str()) {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidFormat,
                            p.key("hotplug").index(j),
                            format!(
                                "`{}` has hotplug feature {}, which Proxmox does not accept",
                                vm.id,
                                Quoted(f)
                            ),
                        )
                        .with_id(&vm.id)
                        .expected(format!("one of {}", pve::HOTPLUG_FEATURES.join(", ")))
                        .help("qemu-server's hotplug option (pve_verify_hotplug_features)"),
                    );
                }
            }
        }
    }

    /// Report `value` (the `what` of entity `owner`) at `path` unless it has `format`.
    fn format(&mut self, path: DataPath, owner: &str, what: &str, format: Format, value: &str) {
        if format.accepts(value) {
            return;
        }
        self.push(
            Diagnostic::error(
                Code::InvalidFormat,
                path,
                format!(
                    "`{owner}` has {what} {}, which Proxmox does not accept",
                    Quoted(value)
                ),
            )
            .with_id(owner)
            .expected(format.expected())
            .help(format.hint(value).map_or_else(
                || format!("Proxmox's format: {}", format.source()),
                str::to_owned,
            )),
        );
    }

    /// A VM's id becomes its Proxmox `name` (a DNS name): a warning when the export has to
    /// change characters, an error when nothing of it is a DNS name.
    fn vm_name(&mut self, path: DataPath, id: &str) {
        if Format::DnsName.accepts(id) || id.is_empty() {
            return;
        }
        let name = pve::vm_name(id);
        let d = if Format::DnsName.accepts(&name) {
            Diagnostic::warning(
                Code::InvalidFormat,
                path,
                format!("VM id `{id}` is not a DNS name; Proxmox exports name the VM `{name}`"),
            )
            .help("rename the VM to a DNS name to keep the two the same")
        } else {
            Diagnostic::error(
                Code::InvalidFormat,
                path,
                format!("VM id `{id}` leaves no DNS name for the Proxmox `name`"),
            )
            .help(format!("Proxmox's format: {}", Format::DnsName.source()))
        };
        self.push(d.with_id(id).expected(Format::DnsName.expected()));
    }

    fn cycles(&mut self) {
        let graph = crate::graph::DependencyGraph::build(self.t);
        for cycle in graph.cycles() {
            let first = cycle.first().cloned().unwrap_or_default();
            let path = self
                .lookup
                .get(&first)
                .map_or_else(DataPath::root, |(k, i)| at(k.section(), i).key("id"));
            let mut shown = cycle.clone();
            shown.push(first.clone());
            self.push(
                Diagnostic::error(Code::RequiresCycle, path, format!("requirement cycle: {}", shown.join(" → ")))
                    .with_id(first)
                    .expected("an acyclic chain of requirements (e.g. keep the storage VM's own boot disk on local storage)"),
            );
        }
    }
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(_), Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d))
}
