//! Facts of the virtual machines and their `hostpciN` entries.

use super::{known, unknown_list, Index};
use crate::model::{HostPci, RawDisk, Vm, VmNic};
use crate::resolve::hostpci_devices;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// Facts of a VM (`input.vms[id]`). A fact that follows from a field the VM lists as unknown
/// is absent and named in `unknown`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct VmFacts<'a> {
    /// Node the VM runs on. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub host: Option<&'a str>,
    /// Proxmox VMID. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub vmid: Option<u32>,
    /// Role hint (`truenas`, `talos`, `router`…); empty when not given.
    pub role: &'a str,
    /// Memory, MiB. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub memory_mib: Option<u64>,
    /// Balloon minimum, MiB (`0` disables the balloon device); `null` when not set, absent when
    /// unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub balloon_mib: Option<Option<u64>>,
    /// Whether the balloon minimum is set below the memory (the guest's RAM can shrink).
    /// Absent when either is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub ballooning: Option<bool>,
    /// vCPU cores. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub cores: Option<u32>,
    /// CPU type (`host`, `x86-64-v2-AES`…). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub cpu_type: Option<&'a str>,
    /// Machine type (`q35`, `pc-i440fx-8.1`…). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub machine: Option<&'a str>,
    /// Whether the machine type is q35 (PCIe passthrough needs it). Absent when the machine
    /// type is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub q35: Option<bool>,
    /// Started at node boot. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub onboot: Option<bool>,
    /// Managed by the Proxmox HA stack. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub ha: Option<bool>,
    /// The provisioner live-migrates the VM on a node change (bpg `migrate = true`).
    pub migrate: bool,
    /// QEMU guest agent enabled. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub agent: Option<bool>,
    /// Proxmox's `hotplug` features (`network`, `disk`, `memory`…; empty = hotplug off).
    /// Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<String>")]
    pub hotplug: Option<&'a [String]>,
    /// Startup order; `null` when not set, absent when the startup is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub order: Option<Option<u32>>,
    /// Seconds Proxmox waits after this VM's start before the next; `null` when not set,
    /// absent when the startup is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub up: Option<Option<u32>>,
    /// Shutdown timeout, seconds; `null` when not set, absent when the startup is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub down: Option<Option<u32>>,
    /// Proxmox storage holding the boot disk. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub boot_storage: Option<&'a str>,
    /// Boot disk size, GB. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub boot_disk_gb: Option<u32>,
    /// `hostpciN` index N → the entry.
    pub hostpci: BTreeMap<String, HostPciFacts<'a>>,
    /// Every device passed through, resolved (mappings and all-functions addresses expanded),
    /// without duplicates, in entry order.
    pub passthrough: Vec<&'a str>,
    /// Whether the VM has a `hostpci` entry: passthrough pins all its RAM.
    pub pinned: bool,
    /// The VM's network interfaces, as in the topology.
    pub nics: &'a [VmNic],
    /// Host disks given to the VM as raw block devices (`scsi1: /dev/disk/by-id/…`).
    pub raw_disks: Vec<RawDiskFacts<'a>>,
    /// The ZFS pools this VM imports (whose `owner` it is), in topology order: rules about a
    /// storage VM read them here instead of scanning every pool per VM.
    pub pools: Vec<&'a str>,
    /// The storage services this VM serves (whose `provider` it is), in topology order.
    pub services: Vec<&'a str>,
    /// Facts of this VM that are not known (an importer could not resolve them): they are
    /// absent from the object, and rules that need them report "not evaluated"
    /// (`lib.not_evaluated`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<&'static str>,
}

/// One `hostpciN` entry of a VM.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HostPciFacts<'a> {
    /// What the entry names.
    pub kind: HostPciKind,
    /// The device id, mapping name or raw PCI address it names.
    pub target: Option<&'a str>,
    /// Exposed as PCIe (needs q35).
    pub pcie: bool,
    /// Option ROM exposed.
    pub rombar: bool,
    /// Primary GPU.
    pub x_vga: bool,
    /// The devices the entry resolves to (empty when it does not resolve).
    pub devices: Vec<&'a str>,
}

/// A host disk given to a VM as a raw block device (disk passthrough, not PCI passthrough).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RawDiskFacts<'a> {
    /// The VM's disk slot, e.g. `scsi1`.
    pub slot: &'a str,
    /// The host's device path, e.g. `/dev/disk/by-id/ata-…`.
    pub path: &'a str,
    /// The hostplan disk it is, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub disk: Option<&'a str>,
}

impl<'a> From<&'a RawDisk> for RawDiskFacts<'a> {
    fn from(r: &'a RawDisk) -> Self {
        RawDiskFacts {
            slot: &r.slot,
            path: &r.path,
            disk: r.disk.as_deref(),
        }
    }
}

/// What a `hostpciN` entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostPciKind {
    /// A hostplan device id.
    Device,
    /// A Proxmox resource mapping.
    Mapping,
    /// A raw PCI address.
    Host,
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

/// Facts of every VM.
pub(super) fn vms<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, VmFacts<'a>> {
    ix.t.vms
        .iter()
        .zip(&ix.passthrough)
        .map(|(vm, pt)| {
            let passthrough = pt.iter().map(|d| d.id.as_str()).collect();
            (vm.id.as_str(), vm_facts(ix, vm, passthrough))
        })
        .collect()
}

fn vm_facts<'a>(ix: &Index<'a>, vm: &'a Vm, passthrough: Vec<&'a str>) -> VmFacts<'a> {
    let unknown = unknown_list(
        vm.unknown
            .iter()
            .flat_map(|u| vm_facts_of(&u.field))
            .copied(),
    );
    let machine = vm.machine.to_ascii_lowercase();
    let startup = &vm.startup;
    VmFacts {
        host: known(&unknown, "host", vm.host.as_str()),
        vmid: known(&unknown, "vmid", vm.vmid),
        role: &vm.role,
        memory_mib: known(&unknown, "memory_mib", vm.memory_mib),
        balloon_mib: known(&unknown, "balloon_mib", vm.balloon_mib),
        ballooning: known(
            &unknown,
            "ballooning",
            vm.balloon_mib.is_some_and(|b| b > 0 && b < vm.memory_mib),
        ),
        cores: known(&unknown, "cores", vm.cores),
        cpu_type: known(&unknown, "cpu_type", vm.cpu_type.as_str()),
        machine: known(&unknown, "machine", vm.machine.as_str()),
        q35: known(
            &unknown,
            "q35",
            machine.starts_with("q35") || machine.starts_with("pc-q35"),
        ),
        onboot: known(&unknown, "onboot", vm.onboot),
        ha: known(&unknown, "ha", vm.ha),
        migrate: vm.migrate,
        agent: known(&unknown, "agent", vm.agent),
        hotplug: vm.hotplug.as_deref(),
        order: known(&unknown, "order", startup.order),
        up: known(&unknown, "up", startup.up),
        down: known(&unknown, "down", startup.down),
        boot_storage: known(&unknown, "boot_storage", vm.boot_storage.as_str()),
        boot_disk_gb: known(&unknown, "boot_disk_gb", vm.boot_disk_gb),
        hostpci: vm
            .hostpci
            .iter()
            .map(|h| (h.index.to_string(), hostpci(ix, vm, h)))
            .collect(),
        passthrough,
        pinned: !vm.hostpci.is_empty(),
        nics: &vm.nics,
        raw_disks: vm.raw_disks.iter().map(RawDiskFacts::from).collect(),
        pools: ix.pools_of(&vm.id).to_vec(),
        services: ix.services_of(&vm.id).to_vec(),
        unknown,
    }
}

fn hostpci<'a>(ix: &Index<'a>, vm: &Vm, h: &'a HostPci) -> HostPciFacts<'a> {
    let kind = if h.device.is_some() {
        HostPciKind::Device
    } else if h.mapping.is_some() {
        HostPciKind::Mapping
    } else {
        HostPciKind::Host
    };
    HostPciFacts {
        kind,
        target: h
            .device
            .as_deref()
            .or(h.mapping.as_deref())
            .or(h.host.as_deref()),
        pcie: h.pcie,
        rombar: h.rombar,
        x_vga: h.x_vga,
        devices: hostpci_devices(ix.t, &ix.lookup, vm, h)
            .unwrap_or_default()
            .iter()
            .map(|d| d.id.as_str())
            .collect(),
    }
}
