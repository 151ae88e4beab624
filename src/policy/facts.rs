//! The policy input document: the normalized topology plus facts derived by the core, keyed
//! by id so rules (and their tests, through `object.union`) read them directly.
//!
//! `hostplan facts FILE` prints this document; `opa eval -i facts.json` and
//! `conftest test facts.json -p policies/ --all-namespaces` evaluate the same rule book on it.
//! Its shape is described by `docs/facts.schema.json` (see [`facts_schema`]).

use crate::graph::DependencyGraph;
use crate::model::pci::PciAddress;
use crate::model::{DeviceKind, HostKind, Topology, VdevRole, ONBOARD};
use crate::resolve::{hostpci_devices, vm_passthrough, EntityKind, Lookup};
use crate::sim::boot::{self, Scenario, Timing};
use serde_json::{json, Map, Value};

/// JSON Schema of the facts document (`docs/facts.schema.json`; `hostplan schema --facts`).
pub fn facts_schema() -> serde_json::Value {
    serde_json::from_str(include_str!("../../docs/facts.schema.json")).unwrap_or_default()
}

/// Version of the facts document.
pub const FACTS_SCHEMA: &str = "hostplan-facts/1";

/// Host RAM hostplan reserves for Proxmox itself when checking pinned memory (PT-11), MiB.
pub const HOST_RESERVE_MIB: u64 = 2048 + 1024;

fn class_of(d: &crate::model::Device) -> String {
    d.class.clone().unwrap_or_else(|| {
        match d.kind {
            DeviceKind::Hba => "0x0107",
            DeviceKind::SataController => "0x0106",
            DeviceKind::Nvme => "0x0108",
            DeviceKind::Nic => "0x0200",
            DeviceKind::Gpu => "0x0300",
            DeviceKind::Other => "",
        }
        .to_owned()
    })
}

fn kernel_at_least(version: &str, major: u32, minor: u32) -> Option<bool> {
    let mut parts = version.split(['.', '-']).map(str::parse::<u32>);
    let ma = parts.next()?.ok()?;
    let mi = parts.next().and_then(Result::ok).unwrap_or(0);
    Some((ma, mi) >= (major, minor))
}

/// The facts of a VM that follow from its model `field`, which is unknown.
fn vm_facts_of(field: &str) -> &'static [&'static str] {
    match field {
        "memory_mib" => &["memory_mib", "ballooning"],
        "balloon_mib" => &["balloon_mib", "ballooning"],
        "cores" => &["cores"],
        "cpu_type" => &["cpu_type"],
        "machine" => &["machine", "q35"],
        "onboot" => &["onboot"],
        "agent" => &["agent"],
        "boot_storage" => &["boot_storage"],
        "boot_disk_gb" => &["boot_disk_gb"],
        "startup" => &["order", "up", "down"],
        "ha" => &["ha"],
        "vmid" => &["vmid"],
        "host" => &["host"],
        _ => &[],
    }
}

/// Remove the `unknown` facts from `fact` (so no rule reads a stand-in value: under any Rego
/// engine a missing fact makes the rule's body undefined) and list them under `unknown`, where
/// the engine finds them for "not evaluated" ([`super::Prepared::evaluate`]).
fn mark_unknown(fact: &mut Value, unknown: &[&str]) {
    if let Value::Object(map) = fact {
        let mut names: Vec<&str> = unknown.to_vec();
        names.sort_unstable();
        names.dedup();
        for n in &names {
            map.remove(*n);
        }
        if !names.is_empty() {
            map.insert("unknown".into(), json!(names));
        }
    }
}

/// Build the facts document of a topology (which should validate without errors).
///
/// # Complexity
/// `O(n log n + d²)` for `d` devices per host, plus one cold-start boot simulation and the
/// N-1 analysis.
pub fn facts(t: &Topology) -> Value {
    let lookup = Lookup::new(t);
    let timing = Timing::default();
    let mut hosts = Map::new();
    let mut devices = Map::new();
    let mut vms = Map::new();
    // Device → VMs passing it through.
    let mut passed_to: std::collections::BTreeMap<&str, Vec<&str>> =
        std::collections::BTreeMap::new();
    for vm in &t.vms {
        for d in vm_passthrough(t, &lookup, vm) {
            passed_to
                .entry(d.id.as_str())
                .or_default()
                .push(vm.id.as_str());
        }
    }
    for d in &t.devices {
        let addr = PciAddress::parse(&d.address).ok();
        let group_members: Vec<&str> = match d.iommu_group {
            Some(g) if g >= 0 => t
                .devices
                .iter()
                .filter(|o| o.host == d.host && o.id != d.id && o.iommu_group == Some(g))
                .map(|o| o.id.as_str())
                .collect(),
            _ => Vec::new(),
        };
        let functions: Vec<String> = match addr {
            Some(a) => t
                .devices
                .iter()
                .filter(|o| {
                    o.host == d.host && PciAddress::parse(&o.address).is_ok_and(|b| a.overlaps(&b))
                })
                .map(|o| o.id.clone())
                .collect(),
            None => Vec::new(),
        };
        let class = class_of(d);
        devices.insert(
            d.id.clone(),
            json!({
                "host": d.host,
                "kind": d.kind,
                "address": d.address,
                "all_functions": addr.is_some_and(|a| a.function.is_none()),
                "functions": functions,
                "vendor_device": d.vendor_device,
                "subsystem": d.subsystem,
                "iommu_group": d.iommu_group,
                "group_members": group_members,
                "class": class,
                "storage_class": class.starts_with("0x01"),
                "display_class": class.starts_with("0x03"),
                "bridge_class": class.starts_with("0x06"),
                "firmware_mode": d.firmware_mode,
                "networks": d.nic.as_ref().map(|n| n.networks.clone()).unwrap_or_default(),
                "mtu": d.nic.as_ref().and_then(|n| n.mtu),
                "passed_to": passed_to.get(d.id.as_str()).cloned().unwrap_or_default(),
                "disks": t.disks.iter().filter(|x| x.controller == d.id).map(|x| x.id.as_str()).collect::<Vec<_>>(),
            }),
        );
    }
    for vm in &t.vms {
        let pt = vm_passthrough(t, &lookup, vm);
        let mut hostpci = Map::new();
        for h in &vm.hostpci {
            let kind = if h.device.is_some() {
                "device"
            } else if h.mapping.is_some() {
                "mapping"
            } else {
                "host"
            };
            let devs: Vec<String> = hostpci_devices(t, &lookup, vm, h)
                .unwrap_or_default()
                .iter()
                .map(|d| d.id.clone())
                .collect();
            hostpci.insert(
                h.index.to_string(),
                json!({
                    "kind": kind,
                    "target": h.device.clone().or_else(|| h.mapping.clone()).or_else(|| h.host.clone()),
                    "pcie": h.pcie, "rombar": h.rombar, "x_vga": h.x_vga,
                    "devices": devs,
                }),
            );
        }
        let machine = vm.machine.to_ascii_lowercase();
        let q35 = machine.starts_with("q35") || machine.starts_with("pc-q35");
        let pinned = !vm.hostpci.is_empty();
        let mut fact = json!({
                "host": vm.host, "vmid": vm.vmid, "role": vm.role,
                "memory_mib": vm.memory_mib, "balloon_mib": vm.balloon_mib,
                "ballooning": vm.balloon_mib.is_some_and(|b| b > 0 && b < vm.memory_mib),
                "cores": vm.cores, "cpu_type": vm.cpu_type, "machine": vm.machine, "q35": q35,
                "onboot": vm.onboot, "ha": vm.ha, "migrate": vm.migrate, "agent": vm.agent,
                "order": vm.startup.order, "up": vm.startup.up, "down": vm.startup.down,
                "boot_storage": vm.boot_storage, "boot_disk_gb": vm.boot_disk_gb,
                "hostpci": hostpci,
                "passthrough": pt.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
                "pinned": pinned,
                "nics": vm.nics,
                "raw_disks": vm.raw_disks,
        });
        let unknown: Vec<&str> = vm
            .unknown
            .iter()
            .flat_map(|u| vm_facts_of(&u.field))
            .copied()
            .collect();
        mark_unknown(&mut fact, &unknown);
        vms.insert(vm.id.clone(), fact);
    }
    let mut reboot_hazards = boot::reboot_hazards_all(t);
    // Hosts that run ZFS themselves or through a VM (for the ECC rule), computed once.
    let zfs_hosts: std::collections::BTreeSet<&str> = t
        .pools
        .iter()
        .map(|p| match lookup.get(&p.owner) {
            Some((EntityKind::Vm, i)) => t.vms[i].host.as_str(),
            _ => p.owner.as_str(),
        })
        .collect();
    let disk_by_id: std::collections::BTreeMap<&str, &crate::model::Disk> =
        t.disks.iter().map(|d| (d.id.as_str(), d)).collect();
    // Per-host evidence, computed once (not once per host).
    let grouped_hosts: std::collections::BTreeSet<&str> = t
        .devices
        .iter()
        .filter(|d| d.iommu_group.is_some_and(|g| g >= 0))
        .map(|d| d.host.as_str())
        .collect();
    let unsure_pinning: std::collections::BTreeSet<&str> = t
        .vms
        .iter()
        .filter(|v| !v.hostpci.is_empty() && (v.is_unknown("memory_mib") || v.is_unknown("onboot")))
        .map(|v| v.host.as_str())
        .collect();
    for h in &t.hosts {
        let boot_controllers: Vec<&str> = h
            .boot_disks
            .iter()
            .filter_map(|d| disk_by_id.get(d.as_str()))
            .map(|d| d.controller.as_str())
            .collect();
        let mgmt_ports: Vec<String> = match &h.management {
            Some(m) => match h.bridges.iter().find(|b| &b.name == m) {
                Some(b) => b.ports.clone(),
                None => vec![m.clone()],
            },
            None => Vec::new(),
        };
        let mut bridge_ports = Map::new();
        for b in &h.bridges {
            for p in &b.ports {
                bridge_ports.insert(p.clone(), Value::String(b.name.clone()));
            }
        }
        let pinned: u64 = t
            .vms
            .iter()
            .filter(|v| v.host == h.id && v.onboot && !v.hostpci.is_empty())
            .map(|v| v.memory_mib)
            .sum();
        let zfs = zfs_hosts.contains(h.id.as_str());
        let cpu = h.cpu.clone().unwrap_or_default();
        // Evidence counts: a device in an IOMMU group proves the IOMMU is on.
        let iommu = cpu
            .iommu
            .or_else(|| grouped_hosts.contains(h.id.as_str()).then_some(true));
        // Pinned memory is unknown while a passthrough VM's memory or onboot is.
        let pinned_unknown = unsure_pinning.contains(h.id.as_str());
        let mut fact = json!({
                "kind": h.kind, "proxmox": h.kind == HostKind::Proxmox,
                "ram_mib": u64::from(h.ram_gib) * 1024, "ecc": h.ecc,
                "cpu_vendor": cpu.vendor, "iommu": iommu, "interrupt_remapping": cpu.interrupt_remapping,
                "kernel": h.kernel, "kernel_ge_6_8": kernel_at_least(&h.kernel, 6, 8),
                "cmdline": h.kernel_cmdline,
                "has_passthrough": t.vms.iter().any(|v| v.host == h.id && !v.hostpci.is_empty()),
                "pinned_mib": pinned, "reserve_mib": HOST_RESERVE_MIB,
                "zfs": zfs,
                "boot_disks": h.boot_disks, "boot_controllers": boot_controllers,
                "management": h.management, "management_ports": mgmt_ports,
                "bridge_ports": bridge_ports,
                "bridges": h.bridges,
                "reboot_hazards": reboot_hazards.remove(&h.id).unwrap_or_default(),
        });
        let mut unknown = Vec::new();
        for (fact_name, known) in [
            ("cpu_vendor", cpu.vendor.is_some()),
            ("iommu", iommu.is_some()),
            ("interrupt_remapping", cpu.interrupt_remapping.is_some()),
            ("pinned_mib", !pinned_unknown),
        ] {
            if !known {
                unknown.push(fact_name);
            }
        }
        mark_unknown(&mut fact, &unknown);
        hosts.insert(h.id.clone(), fact);
    }
    let mut pools = Map::new();
    for p in &t.pools {
        let mut vdevs = Map::new();
        let mut data_tolerance: Option<u32> = None;
        let mut capacity_gb: u64 = 0;
        let mut sizes_unknown = false;
        for (i, v) in p.vdevs.iter().enumerate() {
            let sizes: Vec<u64> = v
                .disks
                .iter()
                .filter_map(|d| disk_by_id.get(d.as_str()))
                .map(|d| d.size_gb)
                .collect();
            let width = v.disks.len() as u32;
            let tol = v.layout.tolerance(width);
            let min = sizes.iter().copied().min().unwrap_or(0);
            if v.role == VdevRole::Data {
                data_tolerance = Some(data_tolerance.map_or(tol, |x| x.min(tol)));
                // Usable space: the smallest member times the non-redundant members (ZFS-10).
                capacity_gb += min * u64::from(width - tol);
            }
            let plp_all = v
                .disks
                .iter()
                .all(|d| disk_by_id.get(d.as_str()).is_some_and(|x| x.plp));
            let member_unknown = |field: &str| {
                v.disks
                    .iter()
                    .filter_map(|d| disk_by_id.get(d.as_str()))
                    .any(|d| d.is_unknown(field))
            };
            let mut vdev = json!({
                "role": v.role, "layout": v.layout, "width": width, "tolerance": tol,
                "min_size_gb": min, "max_size_gb": sizes.iter().copied().max().unwrap_or(0),
                "plp_all": plp_all, "disks": v.disks,
            });
            // Facts that rest on unknown member facts are left out, not guessed.
            if let Value::Object(m) = &mut vdev {
                if member_unknown("size_gb") {
                    m.remove("min_size_gb");
                    m.remove("max_size_gb");
                    sizes_unknown = true;
                }
                if member_unknown("plp") {
                    m.remove("plp_all");
                }
            }
            vdevs.insert(i.to_string(), vdev);
        }
        let owner_host = match lookup.get(&p.owner) {
            Some((EntityKind::Vm, i)) => t.vms[i].host.clone(),
            _ => p.owner.clone(),
        };
        let controllers: std::collections::BTreeSet<&str> = p
            .vdevs
            .iter()
            .flat_map(|v| &v.disks)
            .filter_map(|d| disk_by_id.get(d.as_str()))
            .map(|d| d.controller.as_str())
            .collect();
        let members = || {
            p.vdevs
                .iter()
                .flat_map(|v| &v.disks)
                .filter_map(|d| disk_by_id.get(d.as_str()))
        };
        let mut unknown = Vec::new();
        if members().any(|d| d.is_unknown("size_gb")) {
            unknown.push("disk_sizes");
        }
        if members().any(|d| d.is_unknown("plp")) {
            unknown.push("disk_plp");
        }
        if members().any(|d| d.is_unknown("media")) {
            unknown.push("disk_media");
        }
        if members().any(|d| d.is_unknown("controller")) {
            unknown.push("disk_controllers");
        }
        pools.insert(
            p.id.clone(),
            json!({
                "owner": p.owner,
                "owner_is_vm": lookup.of(EntityKind::Vm, &p.owner).is_some(),
                "host": owner_host,
                "vdevs": vdevs,
                "data_tolerance": data_tolerance.unwrap_or(0),
                "capacity_gb": (!sizes_unknown).then_some(capacity_gb),
                "used_gb": p.used_gb,
                "dedup": p.dedup,
                "active_features": p.active_features,
                "disk_count": p.vdevs.iter().filter(|v| v.role == VdevRole::Data).map(|v| v.disks.len()).sum::<usize>(),
                "controllers": controllers,
                "onboard_disks": controllers.contains(ONBOARD),
            }),
        );
        if !unknown.is_empty() {
            if let Some(Value::Object(m)) = pools.get_mut(&p.id) {
                if unknown.contains(&"disk_controllers") {
                    m.remove("controllers");
                    m.remove("onboard_disks");
                }
                m.insert("unknown".into(), json!(unknown));
            }
        }
    }
    let mut storages = Map::new();
    for s in &t.storages {
        storages.insert(
            s.id.clone(),
            json!({ "host": s.host, "kind": s.kind, "disks": s.disks, "service": s.service }),
        );
    }
    let mut disks = Map::new();
    for d in &t.disks {
        let mut fact = json!({ "host": d.host, "controller": d.controller, "size_gb": d.size_gb, "media": d.media, "plp": d.plp });
        let unknown: Vec<&str> = d.unknown.iter().map(|u| u.field.as_str()).collect();
        mark_unknown(&mut fact, &unknown);
        disks.insert(d.id.clone(), fact);
    }
    let mut networks = Map::new();
    for n in &t.networks {
        networks.insert(n.id.clone(), json!({ "vlan": n.vlan, "mtu": n.mtu.unwrap_or(1500), "purpose": n.purpose, "cidr": n.cidr }));
    }
    let mut services = Map::new();
    for s in &t.services {
        let consumers: Vec<&str> = t
            .consumers
            .iter()
            .filter(|c| c.services.contains(&s.id))
            .flat_map(|c| c.control_plane.iter().chain(&c.workers))
            .map(String::as_str)
            .collect();
        let provider_host = match lookup.get(&s.provider) {
            Some((EntityKind::Vm, i)) => t.vms[i].host.clone(),
            _ => s.provider.clone(),
        };
        let provider_is_vm = lookup.of(EntityKind::Vm, &s.provider).is_some();
        let serve_s = boot::time_to_serve_ms(t, s, &timing).map(|ms| ms.div_ceil(1000));
        services.insert(
            s.id.clone(),
            json!({
                "kind": s.kind, "provider": s.provider, "provider_host": provider_host,
                "provider_is_vm": provider_is_vm,
                "pool": s.pool, "network": s.network,
                "consumers": consumers,
                "serve_after_start_s": serve_s,
            }),
        );
    }
    let mut consumers = Map::new();
    for c in &t.consumers {
        consumers.insert(c.id.clone(), json!({ "kind": c.kind, "control_plane": c.control_plane, "workers": c.workers, "services": c.services, "quorum": c.quorum_needed() }));
    }
    let cold = boot::simulate(t, &Scenario::ColdStart, &timing);
    let spof = crate::sim::spof::analyse(t, false)
        .map(|r| {
            r.services
                .into_iter()
                .map(|s| (s.service, json!(s.components)))
                .collect::<Map<_, _>>()
        })
        .unwrap_or_default();
    let graph_ok = DependencyGraph::build(t).dag().is_ok();
    json!({
        "schema": FACTS_SCHEMA,
        "topology": t,
        "hosts": hosts,
        "devices": devices,
        "vms": vms,
        "mappings": t.mappings.iter().map(|m| (m.id.clone(), json!({
            "entries": m.map.iter().map(|e| {
                let dev = PciAddress::parse(&e.path).ok().and_then(|a| crate::resolve::devices_at(t, &e.node, &a).into_iter().next());
                (e.node.clone(), json!({
                    "path": e.path, "id": e.id, "subsystem_id": e.subsystem_id, "iommu_group": e.iommu_group,
                    "device": dev.map(|d| d.id.clone()),
                    "device_vendor_device": dev.and_then(|d| d.vendor_device.clone()),
                    "device_subsystem": dev.and_then(|d| d.subsystem.clone()),
                    "device_iommu_group": dev.and_then(|d| d.iommu_group),
                }))
            }).collect::<Map<_, _>>()
        }))).collect::<Map<_, _>>(),
        "disks": disks,
        "storages": storages,
        "pools": pools,
        "networks": networks,
        "services": services,
        "consumers": consumers,
        "boot": {
            "acyclic": graph_ok,
            "all_ready_ms": cold.all_ready_ms,
            "waits": cold.waits,
            "failures": cold.failures,
            "hazards": cold.hazards,
        },
        "spof": spof,
    })
}
