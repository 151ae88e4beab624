//! Facts of the machines: hosts, their PCIe devices, and the resource mappings naming them.

use super::{unknown_list, Hazard, Index, HOST_RESERVE_MIB};
use crate::model::pci::PciAddress;
use crate::model::{
    Bridge, CpuVendor, Device, DeviceKind, FirmwareMode, Host, HostKind, Mapping, MappingEntry,
};
use crate::sim::boot;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Facts of a host (`input.hosts[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HostFacts<'a> {
    /// What the host runs.
    pub kind: HostKind,
    /// Whether the host is a Proxmox node.
    pub proxmox: bool,
    /// Installed RAM, MiB.
    pub ram_mib: u64,
    /// Whether the RAM is ECC. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub ecc: Option<bool>,
    /// CPU vendor. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "CpuVendor")]
    pub cpu_vendor: Option<CpuVendor>,
    /// CPU model (`lscpu`'s model name). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cpu_model: Option<&'a str>,
    /// IOMMU (VT-d / AMD-Vi) enabled: as stated, or `true` when a device of the host is in an
    /// IOMMU group. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub iommu: Option<bool>,
    /// IOMMU interrupt remapping supported. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub interrupt_remapping: Option<bool>,
    /// Kernel version, e.g. `6.8.12` (empty when not given).
    pub kernel: &'a str,
    /// Whether the kernel is 6.8 or later; `null` when the version is not given or not a
    /// version.
    pub kernel_ge_6_8: Option<bool>,
    /// Kernel command-line flags that matter (`intel_iommu=on`, `iommu=pt`…).
    pub cmdline: &'a [String],
    /// Whether a VM on this host passes a PCIe device through.
    pub has_passthrough: bool,
    /// RAM pinned by onboot passthrough VMs (passthrough pins all of a VM's RAM), MiB. Absent
    /// while the memory or onboot of such a VM is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub pinned_mib: Option<u64>,
    /// RAM hostplan keeps for Proxmox itself, MiB: the OS reserve plus `zfs_arc_mib`.
    pub reserve_mib: u64,
    /// The ARC of the host's own ZFS (a `zfspool` storage or a pool the host imports), MiB:
    /// Proxmox VE 8.1 and later cap it at 10 % of the RAM, at most 16 GiB; 0 without host ZFS.
    /// (A storage VM's ARC lives in that VM's memory.)
    pub zfs_arc_mib: u64,
    /// Whether ZFS runs on this host, itself or through a VM that imports a pool.
    pub zfs: bool,
    /// Whether the host's boot imports every pool it can see (`zfs-import-scan.service` with
    /// an empty cache file). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub zfs_import_scan: Option<bool>,
    /// Disk ids the host boots from.
    pub boot_disks: &'a [String],
    /// Controllers of the boot disks (`onboard` or a device id), one per boot disk found.
    pub boot_controllers: Vec<&'a str>,
    /// Name of the bridge (or device id of the NIC) carrying the management address.
    pub management: Option<&'a str>,
    /// NIC device ids that carry the management address: the management bridge's ports, or the
    /// management NIC itself.
    pub management_ports: Vec<&'a str>,
    /// NIC device id → name of the bridge it is a port of.
    pub bridge_ports: BTreeMap<&'a str, &'a str>,
    /// The host's Linux bridges, as in the topology.
    pub bridges: &'a [Bridge],
    /// Consumers on other hosts that lose a service while this host reboots.
    pub reboot_hazards: Vec<Hazard>,
    /// Facts of this host that are not known (the file gives no CPU facts, or a passthrough
    /// VM's memory or onboot is unknown): they are absent from the object, and rules that need
    /// them report "not evaluated" (`lib.not_evaluated`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<&'static str>,
}

/// Facts of a PCIe device (`input.devices[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DeviceFacts<'a> {
    /// Host the device is installed in.
    pub host: &'a str,
    /// What the device is.
    pub kind: DeviceKind,
    /// PCI address as written: `0000:01:00.0`, or `0000:01:00` for all functions.
    pub address: &'a str,
    /// Whether the address names all functions of the slot (`0000:01:00`).
    pub all_functions: bool,
    /// Device ids of the host (this one included) whose addresses this device's address
    /// covers or is covered by; empty when the address does not parse.
    pub functions: Vec<&'a str>,
    /// PCI `vendor:device` id.
    pub vendor_device: Option<&'a str>,
    /// PCI subsystem `vendor:device` id.
    pub subsystem: Option<&'a str>,
    /// IOMMU group number (`-1` = no IOMMU).
    pub iommu_group: Option<i32>,
    /// Other devices of the host in the same IOMMU group (none when the group is unknown or
    /// `-1`).
    pub group_members: Vec<&'a str>,
    /// PCI class code as given, or the usual one for the kind (`0x0107` for an HBA…); empty
    /// for `other` devices without one.
    pub class: String,
    /// Whether the class is a mass-storage class (`0x01…`).
    pub storage_class: bool,
    /// Whether the class is a display class (`0x03…`).
    pub display_class: bool,
    /// Whether the class is a bridge class (`0x06…`).
    pub bridge_class: bool,
    /// Whether the device has a bridge header (PCI-to-PCI `0x0604`, `CardBus` `0x0607`): VFIO
    /// ignores such members of a group, whatever drives them. Host, ISA and LPC bridges have
    /// normal headers and count like any device.
    pub bridge_header: bool,
    /// The host driver bound to it (`""`: none). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub driver: Option<&'a str>,
    /// HBA firmware mode.
    pub firmware_mode: Option<FirmwareMode>,
    /// Network ids a NIC is cabled to (empty for other devices).
    pub networks: &'a [String],
    /// MTU configured on a NIC.
    pub mtu: Option<u32>,
    /// VMs passing this device through (mappings and all-functions addresses resolved).
    pub passed_to: Vec<&'a str>,
    /// Disks attached to this device as their controller.
    pub disks: Vec<&'a str>,
}

/// Facts of a Proxmox PCI resource mapping (`input.mappings[name]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MappingFacts<'a> {
    /// Node (host id) → that node's entry.
    pub entries: BTreeMap<&'a str, MappingEntryFacts<'a>>,
}

/// One node's entry of a resource mapping, with the device found at its path on that node.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MappingEntryFacts<'a> {
    /// PCI path on the node.
    pub path: &'a str,
    /// Recorded `vendor:device` id.
    pub id: Option<&'a str>,
    /// Recorded subsystem id.
    pub subsystem_id: Option<&'a str>,
    /// Recorded IOMMU group.
    pub iommu_group: Option<i32>,
    /// Device found at the path on that node (the first, in topology order).
    pub device: Option<&'a str>,
    /// That device's `vendor:device` id (to compare with the recorded one).
    pub device_vendor_device: Option<&'a str>,
    /// That device's subsystem id.
    pub device_subsystem: Option<&'a str>,
    /// That device's IOMMU group.
    pub device_iommu_group: Option<i32>,
}

/// Facts of every host.
pub(super) fn hosts<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, HostFacts<'a>> {
    let t = ix.t;
    let mut reboot_hazards = boot::reboot_hazards_all(t);
    // Per-host evidence, computed once (not once per host).
    let zfs_hosts: BTreeSet<&str> = t.pools.iter().map(|p| ix.host_of(&p.owner)).collect();
    // Pools the host imports itself, and ZFS storages on it: the host's own ARC.
    let host_zfs: BTreeSet<&str> = t
        .pools
        .iter()
        .map(|p| p.owner.as_str())
        .chain(
            t.storages
                .iter()
                .filter(|s| s.kind == crate::model::StorageKind::Zfspool)
                .map(|s| s.host.as_str()),
        )
        .collect();
    let grouped_hosts: BTreeSet<&str> = t
        .devices
        .iter()
        .filter(|d| d.iommu_group.is_some_and(|g| g >= 0))
        .map(|d| d.host.as_str())
        .collect();
    let unsure_pinning: BTreeSet<&str> = t
        .vms
        .iter()
        .filter(|v| !v.hostpci.is_empty() && (v.is_unknown("memory_mib") || v.is_unknown("onboot")))
        .map(|v| v.host.as_str())
        .collect();
    t.hosts
        .iter()
        .map(|h| {
            let id = h.id.as_str();
            let evidence = HostEvidence {
                zfs: zfs_hosts.contains(id),
                host_zfs: host_zfs.contains(id),
                grouped: grouped_hosts.contains(id),
                unsure_pinning: unsure_pinning.contains(id),
                reboot_hazards: reboot_hazards.remove(id).unwrap_or_default(),
            };
            (id, host(ix, h, evidence))
        })
        .collect()
}

/// What a host's facts need from the rest of the topology.
struct HostEvidence {
    /// ZFS runs on the host or in a VM on it.
    zfs: bool,
    /// The host itself runs ZFS (its ARC takes host RAM).
    host_zfs: bool,
    /// A device of the host is in an IOMMU group, which proves the IOMMU is on.
    grouped: bool,
    /// A passthrough VM on the host has unknown memory or onboot.
    unsure_pinning: bool,
    reboot_hazards: Vec<boot::ShutdownHazard>,
}

fn host<'a>(ix: &Index<'a>, h: &'a Host, evidence: HostEvidence) -> HostFacts<'a> {
    let cpu = h.cpu.clone().unwrap_or_default();
    let iommu = cpu.iommu.or_else(|| evidence.grouped.then_some(true));
    let vms = ix.vms_on(&h.id);
    let passthrough = || vms.iter().filter(|v| !v.hostpci.is_empty());
    let pinned: u64 = passthrough()
        .filter(|v| v.onboot)
        .map(|v| v.memory_mib)
        .sum();
    let management_ports: Vec<&str> = match &h.management {
        Some(m) => match h.bridges.iter().find(|b| &b.name == m) {
            Some(b) => b.ports.iter().map(String::as_str).collect(),
            None => vec![m.as_str()],
        },
        None => Vec::new(),
    };
    let unknown = unknown_list(
        [
            ("cpu_vendor", cpu.vendor.is_none()),
            ("ecc", h.ecc.is_none()),
            ("iommu", iommu.is_none()),
            ("interrupt_remapping", cpu.interrupt_remapping.is_none()),
            ("pinned_mib", evidence.unsure_pinning),
        ]
        .into_iter()
        .filter_map(|(name, unknown)| unknown.then_some(name)),
    );
    let arc_mib = zfs_arc_mib(h, evidence.host_zfs);
    HostFacts {
        kind: h.kind,
        proxmox: h.kind == HostKind::Proxmox,
        ram_mib: u64::from(h.ram_gib) * 1024,
        ecc: h.ecc,
        cpu_vendor: cpu.vendor,
        cpu_model: h.cpu.as_ref().and_then(|c| c.model.as_deref()),
        iommu,
        interrupt_remapping: cpu.interrupt_remapping,
        kernel: &h.kernel,
        kernel_ge_6_8: kernel_at_least(&h.kernel, 6, 8),
        cmdline: &h.kernel_cmdline,
        has_passthrough: passthrough().next().is_some(),
        pinned_mib: (!evidence.unsure_pinning).then_some(pinned),
        reserve_mib: HOST_RESERVE_MIB + arc_mib,
        zfs_arc_mib: arc_mib,
        zfs: evidence.zfs,
        zfs_import_scan: h.zfs_import_scan,
        boot_disks: &h.boot_disks,
        boot_controllers: h
            .boot_disks
            .iter()
            .filter_map(|d| ix.disk_by_id.get(d.as_str()))
            .map(|d| d.controller.as_str())
            .collect(),
        management: h.management.as_deref(),
        management_ports,
        bridge_ports: h
            .bridges
            .iter()
            .flat_map(|b| b.ports.iter().map(|p| (p.as_str(), b.name.as_str())))
            .collect(),
        bridges: &h.bridges,
        reboot_hazards: evidence
            .reboot_hazards
            .into_iter()
            .map(Hazard::from)
            .collect(),
        unknown,
    }
}

/// Whether a kernel `version` (`6.8.12-4-pve`) is at least `major.minor`; `None` when it does
/// not start with a number.
pub(super) fn kernel_at_least(version: &str, major: u32, minor: u32) -> Option<bool> {
    let mut parts = version.split(['.', '-']).map(str::parse::<u32>);
    let ma = parts.next()?.ok()?;
    let mi = parts.next().and_then(Result::ok).unwrap_or(0);
    Some((ma, mi) >= (major, minor))
}

/// Facts of every device.
pub(super) fn devices<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, DeviceFacts<'a>> {
    ix.t.devices
        .iter()
        .map(|d| (d.id.as_str(), device(ix, d)))
        .collect()
}

fn device<'a>(ix: &Index<'a>, d: &'a Device) -> DeviceFacts<'a> {
    let on_host = ix.devices_on(&d.host);
    let addr = PciAddress::parse(&d.address).ok();
    let group_members = match d.iommu_group {
        Some(g) if g >= 0 => on_host
            .iter()
            .filter(|(o, _)| o.id != d.id && o.iommu_group == Some(g))
            .map(|(o, _)| o.id.as_str())
            .collect(),
        _ => Vec::new(),
    };
    let functions = match addr {
        Some(a) => on_host
            .iter()
            .filter(|(_, b)| b.is_some_and(|b| a.overlaps(&b)))
            .map(|(o, _)| o.id.as_str())
            .collect(),
        None => Vec::new(),
    };
    let class = class_of(d);
    DeviceFacts {
        host: &d.host,
        kind: d.kind,
        address: &d.address,
        all_functions: addr.is_some_and(|a| a.function.is_none()),
        functions,
        vendor_device: d.vendor_device.as_deref(),
        subsystem: d.subsystem.as_deref(),
        iommu_group: d.iommu_group,
        group_members,
        storage_class: class.starts_with("0x01"),
        display_class: class.starts_with("0x03"),
        bridge_class: class.starts_with("0x06"),
        bridge_header: class.starts_with("0x0604") || class.starts_with("0x0607"),
        driver: d.driver.as_deref(),
        class,
        firmware_mode: d.firmware_mode,
        networks: d.nic.as_ref().map_or(&[], |n| n.networks.as_slice()),
        mtu: d.nic.as_ref().and_then(|n| n.mtu),
        passed_to: ix.passed_to.get(d.id.as_str()).cloned().unwrap_or_default(),
        disks: ix.disks_of.get(d.id.as_str()).cloned().unwrap_or_default(),
    }
}

/// The PCI class of a device: as given, or the usual one for its kind.
fn class_of(d: &Device) -> String {
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

/// Facts of every resource mapping.
pub(super) fn mappings<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, MappingFacts<'a>> {
    ix.t.mappings
        .iter()
        .map(|m: &'a Mapping| {
            let entries = m
                .map
                .iter()
                .map(|e| (e.node.as_str(), mapping_entry(ix, e)))
                .collect();
            (m.id.as_str(), MappingFacts { entries })
        })
        .collect()
}

fn mapping_entry<'a>(ix: &Index<'a>, e: &'a MappingEntry) -> MappingEntryFacts<'a> {
    // The first device of the node at the entry's path, as `resolve::devices_at` finds it.
    let dev = PciAddress::parse(&e.path).ok().and_then(|a| {
        ix.devices_on(&e.node)
            .iter()
            .find(|(_, b)| b.is_some_and(|b| a.overlaps(&b)))
            .map(|(d, _)| *d)
    });
    MappingEntryFacts {
        path: &e.path,
        id: e.id.as_deref(),
        subsystem_id: e.subsystem_id.as_deref(),
        iommu_group: e.iommu_group,
        device: dev.map(|d| d.id.as_str()),
        device_vendor_device: dev.and_then(|d| d.vendor_device.as_deref()),
        device_subsystem: dev.and_then(|d| d.subsystem.as_deref()),
        device_iommu_group: dev.and_then(|d| d.iommu_group),
    }
}

/// The ARC limit Proxmox VE (8.1 and later) gives a host's own ZFS: 10 % of the RAM, at most
/// 16 GiB (pve-docs, "Limit ZFS Memory Usage"); 0 when the host runs no ZFS itself.
fn zfs_arc_mib(h: &Host, host_zfs: bool) -> u64 {
    if host_zfs {
        (u64::from(h.ram_gib) * 1024 / 10).min(16 * 1024)
    } else {
        0
    }
}
