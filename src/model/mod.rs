//! The topology file format, version 1: plain data, string ids, no behaviour.
//!
//! Every type here maps one-to-one onto the TOML/JSON file. References between entities are
//! string ids (never indices), so files stay diffable and hand-editable; they are resolved and
//! checked by [`crate::validate`] and turned into a dependency graph by [`crate::graph`].
//! Numeric fields use fixed-width integers (`u32`/`u64`), never `usize`, so the format is the
//! same on 64-bit hosts and in 32-bit WebAssembly.

mod infra;
pub mod pci;
pub mod pve;
pub mod section;
pub mod tf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use infra::{
    Affinity, Bond, BondMode, Cluster, ClusterNode, CorosyncLink, HaSettings, LacpRate, Link,
    NodeAffinity, Psu, QDevice, QDeviceAlgorithm, ResourceAffinity, RuntimePoint, ShutdownPolicy,
    Switch, Ups,
};

/// The only file-format version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

named!(HostKind { Proxmox => "proxmox", BareMetal => "bare-metal" });
named!(CpuVendor { Intel => "intel", Amd => "amd", Other => "other" });
named!(DeviceKind {
    Hba => "hba",
    Nic => "nic",
    Gpu => "gpu",
    Nvme => "nvme",
    SataController => "sata-controller",
    Other => "other",
});
named!(FirmwareMode { It => "it", Ir => "ir", Raid => "raid", Jbod => "jbod" });
named!(Media { Hdd => "hdd", Ssd => "ssd", Nvme => "nvme" });
named!(StorageKind {
    Dir => "dir",
    LvmThin => "lvm-thin",
    Lvm => "lvm",
    Zfspool => "zfspool",
    Nfs => "nfs",
    Iscsi => "iscsi",
    Cifs => "cifs",
});
named!(VdevLayout {
    Stripe => "stripe",
    Mirror => "mirror",
    Raidz1 => "raidz1",
    Raidz2 => "raidz2",
    Raidz3 => "raidz3",
    Draid1 => "draid1",
    Draid2 => "draid2",
    Draid3 => "draid3",
});
named!(VdevRole {
    Data => "data",
    Special => "special",
    Dedup => "dedup",
    Log => "log",
    Cache => "cache",
    Spare => "spare",
});
named!(ServiceKind { Nfs => "nfs", Iscsi => "iscsi", Smb => "smb" });
named!(ConsumerKind { Kubernetes => "kubernetes", Vms => "vms", Other => "other" });

#[cfg(test)]
mod names {
    use super::*;

    fn check<T: Serialize + std::fmt::Display>(all: &[T]) {
        for v in all {
            assert_eq!(
                serde_json::to_value(v).ok(),
                Some(serde_json::Value::String(v.to_string()))
            );
        }
    }

    #[test]
    fn display_names_are_the_file_formats_names() {
        check(HostKind::ALL);
        check(CpuVendor::ALL);
        check(DeviceKind::ALL);
        check(FirmwareMode::ALL);
        check(Media::ALL);
        check(StorageKind::ALL);
        check(VdevLayout::ALL);
        check(VdevRole::ALL);
        check(ServiceKind::ALL);
        check(ConsumerKind::ALL);
        check(SyncMode::ALL);
        check(Filesystem::ALL);
        check(NoPathWord::ALL);
        check(NfsMode::ALL);
        check(BondMode::ALL);
        check(LacpRate::ALL);
        check(QDeviceAlgorithm::ALL);
        check(ShutdownPolicy::ALL);
        check(crate::graph::EdgeKind::ALL);
        check(crate::graph::NodeKind::ALL);
        check(crate::sim::boot::EventKind::ALL);
        check(crate::policy::WaiverState::ALL);
    }
}

/// A whole site: hosts, their PCIe devices and disks, ZFS pools, VMs, networks, storage
/// services, the consumers of those services, and policy waivers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Topology {
    /// File-format version; must be 1.
    pub schema_version: u32,
    /// Free-form information about the site.
    #[serde(skip_serializing_if = "Site::is_empty")]
    pub site: Site,
    /// Power feeds (UPS, PDU, utility circuit) hosts are connected to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub power_feeds: Vec<PowerFeed>,
    /// UPS units: on their feed, holding their loads up for their runtime.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ups: Vec<Ups>,
    /// Physical machines: Proxmox nodes and bare-metal appliances.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    /// PCIe devices (HBAs, NICs, GPUs, NVMe, SATA controllers) installed in hosts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// Proxmox cluster resource mappings (Datacenter → Resource Mappings → PCI).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<Mapping>,
    /// Physical disks and the controller they hang off.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disks: Vec<Disk>,
    /// Proxmox storages (`local`, `local-lvm`, an NFS/iSCSI storage…) that hold VM disks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storages: Vec<Storage>,
    /// ZFS pools and their vdev layout.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pools: Vec<Pool>,
    /// Networks: bridges, VLANs and dedicated segments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Network>,
    /// Network switches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<Switch>,
    /// Cables from host NIC ports to switch ports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Virtual machines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vms: Vec<Vm>,
    /// Storage services (NFS, iSCSI, SMB) exported by a VM or host.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// Consumers of storage services, e.g. a Kubernetes cluster.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<Consumer>,
    /// Accepted policy findings (used by the policy engine).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// The Proxmox cluster the hosts form (absent: no cluster stated; each host stands alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Cluster>,
}

/// Free-form site information.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Site {
    /// Short name of the site.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What this topology describes.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl Site {
    fn is_empty(&self) -> bool {
        self.name.is_empty() && self.description.is_empty()
    }
}

/// A power feed. Losing it stops every host connected to it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PowerFeed {
    /// Unique id.
    pub id: String,
    /// Human description, e.g. "UPS rack A".
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// What a host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HostKind {
    /// A Proxmox VE node running VMs.
    #[default]
    Proxmox,
    /// A bare-metal appliance (e.g. TrueNAS on its own chassis).
    BareMetal,
}

/// CPU vendor; matters for IOMMU defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CpuVendor {
    /// Intel (VT-d).
    #[default]
    Intel,
    /// AMD (AMD-Vi).
    Amd,
    /// Anything else.
    Other,
}

/// CPU facts of a host. A fact not given is unknown — never "off": rules that need it say
/// they could not be evaluated.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Cpu {
    /// Physical cores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// Vendor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<CpuVendor>,
    /// IOMMU (VT-d / AMD-Vi) enabled in firmware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iommu: Option<bool>,
    /// IOMMU interrupt remapping supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupt_remapping: Option<bool>,
    /// AES-NI available.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aes_ni: Option<bool>,
    /// CPU model as `lscpu` names it (`Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz`); a VM
    /// with CPU type `host` sees this CPU, so it matters for migration between nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// A value an importer could not resolve (or a file says it does not know): which field, and
/// where the input sets it. While a field is listed here its value in the model means nothing:
/// validation warns, policies that need it report "not evaluated", exports leave it out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Unknown {
    /// The field, as named in this format (`memory_mib`, `cpu_type`, `size_gb`…).
    pub field: String,
    /// Where the input sets it, `file:line:column`, when it came from an import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The expression that could not be resolved (`var.memory`, `local.node`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// Whether `field` is listed in `unknown`.
pub fn is_unknown(unknown: &[Unknown], field: &str) -> bool {
    unknown.iter().any(|u| u.field == field)
}

/// The fields of a VM an importer can fail to resolve (and so may be listed as unknown).
pub const VM_UNKNOWABLE: &[&str] = &[
    "vmid",
    "host",
    "memory_mib",
    "balloon_mib",
    "cores",
    "cpu_type",
    "machine",
    "boot_storage",
    "boot_disk_gb",
    "onboot",
    "agent",
    "startup",
    "ha",
];

/// The fields of a disk an importer can fail to resolve.
pub const DISK_UNKNOWABLE: &[&str] = &["size_gb", "media", "plp", "controller"];

/// A Linux bridge (`vmbrN`) on a Proxmox node.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Bridge {
    /// Bridge name, e.g. `vmbr0`; unique per host.
    pub name: String,
    /// Its ports: device ids of NICs, names of bonds of this host, or link ids.
    pub ports: Vec<String>,
    /// Network ids this bridge carries (VLAN-aware bridges carry several).
    pub networks: Vec<String>,
    /// MTU of the bridge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
}

/// A physical machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Host {
    /// Unique id (the Proxmox node name for Proxmox hosts).
    pub id: String,
    /// Proxmox node or bare-metal appliance.
    pub kind: HostKind,
    /// CPU facts; absent = all unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    /// Installed RAM in GiB.
    pub ram_gib: u32,
    /// Whether the RAM is ECC; absent = unknown (an importer or a hand-written file that does
    /// not say), so rules about it are not evaluated rather than judged on a guess.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecc: Option<bool>,
    /// Disk ids the host itself boots from (its root file system).
    pub boot_disks: Vec<String>,
    /// Kernel version, e.g. "6.8.12".
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kernel: String,
    /// Kernel command-line flags that matter (`intel_iommu=on`, `iommu=pt`, `pcie_acs_override=…`).
    pub kernel_cmdline: Vec<String>,
    /// Seconds from power-on until the hypervisor can start guests.
    pub boot_time_s: u32,
    /// Power feed id (a feed or a UPS) of a host with one power supply; `psus` states more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_feed: Option<String>,
    /// Its power supplies, each on a feed or a UPS: the host is up while one is powered.
    /// Empty = `power_feed` alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psus: Vec<Psu>,
    /// Typical power draw, W, counted in its UPS's load; absent = unknown (a runtime computed
    /// without it says the load is a lower bound).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_w: Option<u32>,
    /// Linux bonds over this host's links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bonds: Vec<Bond>,
    /// Linux bridges on this host.
    pub bridges: Vec<Bridge>,
    /// Name of the bridge (or device id of the NIC) carrying the management address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub management: Option<String>,
    /// Whether the host's boot imports every ZFS pool it can see: `OpenZFS`'s
    /// `zfs-import-scan.service` runs `zpool import -aN` when `/etc/zfs/zpool.cache` is missing
    /// or empty (a host without ZFS of its own). `false` = the service is disabled or a cache
    /// file lists the pools to import; absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zfs_import_scan: Option<bool>,
    /// Mean time between failures, hours (optional; defaults per kind are used otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtbf_hours: Option<f64>,
    /// Mean time to repair, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mttr_hours: Option<f64>,
}

/// What a PCIe device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    /// SAS/SATA host bus adapter.
    Hba,
    /// Network interface card (one device per PCI function).
    Nic,
    /// Graphics card.
    Gpu,
    /// NVMe SSD.
    Nvme,
    /// Onboard or add-in SATA (AHCI) controller.
    SataController,
    /// Anything else.
    #[default]
    Other,
}

/// HBA firmware personality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FirmwareMode {
    /// Initiator-target: raw disks (what ZFS wants).
    It,
    /// Integrated RAID.
    Ir,
    /// A RAID controller.
    Raid,
    /// A RAID controller in HBA/JBOD mode.
    Jbod,
}

/// NIC facts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NicInfo {
    /// Number of ports on this function (usually 1).
    pub ports: u32,
    /// Link speed in Gbit/s.
    pub speed_gbps: f64,
    /// Network ids this NIC is cabled to.
    pub networks: Vec<String>,
    /// MTU configured on the interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
}

/// A PCIe device (one PCI function, or a whole slot in the all-functions form).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Device {
    /// Unique id.
    pub id: String,
    /// Host the device is installed in.
    pub host: String,
    /// What it is.
    pub kind: DeviceKind,
    /// PCI address: `0000:01:00.0`, or `0000:01:00` for all functions of the slot.
    pub address: String,
    /// Human model name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// PCI `vendor:device` id, e.g. `1000:0097`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_device: Option<String>,
    /// PCI subsystem `vendor:device` id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsystem: Option<String>,
    /// IOMMU group number (`-1` = no IOMMU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iommu_group: Option<i32>,
    /// PCI class code, e.g. `0x0107` (SAS) or `0x0200` (Ethernet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// The host's kernel driver bound to it (`lspci -k`: "Kernel driver in use"), e.g.
    /// `vfio-pci` or `mpt3sas`; `""` = none bound; absent = unknown. VFIO accepts a group only
    /// when its normal-header members are unbound or bound to vfio-pci or pci-stub (PT-04).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// HBA firmware mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_mode: Option<FirmwareMode>,
    /// NIC facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nic: Option<NicInfo>,
    /// Mean time between failures, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtbf_hours: Option<f64>,
    /// Mean time to repair, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mttr_hours: Option<f64>,
}

/// A Proxmox PCI resource mapping: one cluster-wide name, one entry per node.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Mapping {
    /// Mapping name as used in `hostpciN: mapping=<id>`, e.g. `HBA`.
    pub id: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Per-node entries.
    pub map: Vec<MappingEntry>,
}

/// One node's entry in a resource mapping, as Proxmox stores it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct MappingEntry {
    /// Host (node) id.
    pub node: String,
    /// PCI path on that node, with domain: `0000:01:00.0` or `0000:01:00`.
    pub path: String,
    /// Recorded `vendor:device` id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Recorded subsystem id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subsystem_id: Option<String>,
    /// Recorded IOMMU group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iommu_group: Option<i32>,
}

/// Where a disk is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Media {
    /// Spinning disk.
    #[default]
    Hdd,
    /// SATA/SAS SSD.
    Ssd,
    /// NVMe SSD.
    Nvme,
}

/// A physical disk.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Disk {
    /// Unique id (a serial or by-id name works well).
    pub id: String,
    /// Host the disk is installed in.
    pub host: String,
    /// `onboard` (the host's own chipset controller) or the id of a controller device (HBA,
    /// SATA controller, or the NVMe device itself).
    pub controller: String,
    /// Size in GB (decimal, as printed on the label).
    pub size_gb: u64,
    /// Media type.
    pub media: Media,
    /// Power-loss protection (matters for SLOG devices).
    pub plp: bool,
    /// Physical sector size in bytes (`lsblk -o PHY-SEC`: 512, or 4096 for Advanced Format
    /// drives); absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_bytes: Option<u32>,
    /// Mean time between failures, hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtbf_hours: Option<f64>,
    /// Mean time to repair (replace + resilver), hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mttr_hours: Option<f64>,
    /// Fields not known (see [`Unknown`]); one of [`DISK_UNKNOWABLE`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Unknown>,
}

/// The `onboard` controller keyword for [`Disk::controller`].
pub const ONBOARD: &str = "onboard";

/// Proxmox storage types that matter for dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    /// Directory storage (`local`).
    #[default]
    Dir,
    /// LVM-thin (`local-lvm`).
    LvmThin,
    /// LVM.
    Lvm,
    /// ZFS pool on the host (`local-zfs`).
    Zfspool,
    /// NFS share (remote).
    Nfs,
    /// iSCSI target (remote).
    Iscsi,
    /// SMB/CIFS share (remote).
    Cifs,
}

/// A Proxmox storage on a node.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Storage {
    /// Unique id (use `<node>/<storage>` when several nodes have a `local`).
    pub id: String,
    /// Node the storage lives on.
    pub host: String,
    /// Storage type.
    pub kind: StorageKind,
    /// Local disks backing it (dir, lvm, zfspool).
    pub disks: Vec<String>,
    /// Storage service backing it (nfs, iscsi, cifs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// Vdev layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VdevLayout {
    /// Single disk(s), no redundancy.
    #[default]
    Stripe,
    /// N-way mirror.
    Mirror,
    /// Single parity.
    Raidz1,
    /// Double parity.
    Raidz2,
    /// Triple parity.
    Raidz3,
    /// dRAID with single parity.
    Draid1,
    /// dRAID with double parity.
    Draid2,
    /// dRAID with triple parity.
    Draid3,
}

impl VdevLayout {
    /// Disks this layout can lose while staying available, for `width` member disks
    /// (rule book ZFS-01).
    pub fn tolerance(self, width: u32) -> u32 {
        match self {
            Self::Stripe => 0,
            Self::Mirror => width.saturating_sub(1),
            Self::Raidz1 | Self::Draid1 => 1.min(width.saturating_sub(1)),
            Self::Raidz2 | Self::Draid2 => 2.min(width.saturating_sub(1)),
            Self::Raidz3 | Self::Draid3 => 3.min(width.saturating_sub(1)),
        }
    }
}

/// Role of a vdev in its pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VdevRole {
    /// Normal data vdev.
    #[default]
    Data,
    /// Special allocation class (metadata, small blocks).
    Special,
    /// Dedup table vdev.
    Dedup,
    /// Separate intent log (SLOG).
    Log,
    /// L2ARC.
    Cache,
    /// Hot spares.
    Spare,
}

impl VdevRole {
    /// Whether losing a vdev of this role loses the pool (rule book ZFS-02).
    pub fn is_required(self) -> bool {
        matches!(self, Self::Data | Self::Special | Self::Dedup)
    }
}

/// A top-level vdev.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Vdev {
    /// Role in the pool.
    pub role: VdevRole,
    /// Layout.
    pub layout: VdevLayout,
    /// Member disk ids.
    pub disks: Vec<String>,
}

/// A ZFS pool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Pool {
    /// Unique id (the pool name).
    pub id: String,
    /// VM or host that imports the pool.
    pub owner: String,
    /// Top-level vdevs.
    pub vdevs: Vec<Vdev>,
    /// Allocated space in GB as `zpool list` reports it (ALLOC: raidz parity included), for
    /// resilver time and capacity rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_gb: Option<u64>,
    /// Deduplication enabled.
    pub dedup: bool,
    /// Feature flags that are `active` on the pool.
    pub active_features: Vec<String>,
    /// The alignment shift its vdevs were created with (`zpool get ashift`, `zdb -C`): sectors
    /// of 2^ashift bytes, fixed per vdev at creation; absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ashift: Option<u8>,
    /// The pool's `multihost` property (`zpool get multihost`): with it on, an import first
    /// watches the pool for activity and refuses one another system is writing; absent =
    /// unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multihost: Option<bool>,
}

/// A network segment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Network {
    /// Unique id.
    pub id: String,
    /// 802.1Q VLAN id, if tagged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    /// MTU of the segment (1500 when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// Subnet in CIDR notation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// Purpose: `lan`, `storage`, `management`, `wan`…
    #[serde(skip_serializing_if = "String::is_empty")]
    pub purpose: String,
}

/// Proxmox machine type: `pc` (i440fx), `pc-i440fx-<ver>`, `q35`, `pc-q35-<ver>`, possibly with
/// `,viommu=…` ([`pve::Format::Machine`]).
pub type MachineType = String;

/// `startup: order=,up=,down=` of a Proxmox guest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Startup {
    /// Start order (ascending); none = after all ordered guests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    /// Seconds to wait after issuing this guest's start before the next start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up: Option<u32>,
    /// Shutdown timeout in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<u32>,
}

impl Startup {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// One `hostpciN` entry. Exactly one of `device`, `mapping` or `host` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct HostPci {
    /// Index N of `hostpciN` (0–15).
    pub index: u32,
    /// A hostplan device id (resolved on the VM's host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// A Proxmox resource-mapping name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// A raw PCI address (`0000:01:00.0`, `01:00`, or several separated by `;`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Expose as PCIe (needs q35).
    pub pcie: bool,
    /// Expose the option ROM (Proxmox default: on).
    pub rombar: bool,
    /// Primary GPU.
    pub x_vga: bool,
}

impl Default for HostPci {
    /// `rombar` defaults to on, as in Proxmox; everything else off.
    fn default() -> Self {
        Self {
            index: 0,
            device: None,
            mapping: None,
            host: None,
            pcie: false,
            rombar: true,
            x_vga: false,
        }
    }
}

/// A VM's network interface.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VmNic {
    /// Network id.
    pub network: String,
    /// Host bridge the virtio NIC is attached to (virtual NIC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bridge: Option<String>,
    /// Passed-through NIC device id (physical NIC owned by the VM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Interface MTU inside the guest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
}

/// A virtual machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Vm {
    /// Unique id.
    pub id: String,
    /// Proxmox VMID.
    pub vmid: u32,
    /// Node the VM runs on.
    pub host: String,
    /// Role hint for policies: `truenas`, `talos`, `router`…
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// Balloon minimum in MiB (`0` disables the balloon device).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balloon_mib: Option<u64>,
    /// vCPU cores.
    pub cores: u32,
    /// CPU type (`host`, `x86-64-v2-AES`, `kvm64`…).
    pub cpu_type: String,
    /// Machine type.
    pub machine: MachineType,
    /// Proxmox storage holding the boot disk.
    pub boot_storage: String,
    /// Boot disk size in GB.
    pub boot_disk_gb: u32,
    /// The boot disk's slot (`scsi0`, `virtio0`, `sata0`…); `scsi0` when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_interface: Option<String>,
    /// The boot disk's volume on its storage (`vm-1000-disk-1`, `100/vm-100-disk-0.qcow2`);
    /// `vm-<vmid>-disk-0` when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_volume: Option<String>,
    /// Start at node boot.
    pub onboot: bool,
    /// Startup ordering.
    #[serde(skip_serializing_if = "Startup::is_empty")]
    pub startup: Startup,
    /// Managed by the Proxmox HA stack.
    pub ha: bool,
    /// The provisioner live-migrates the VM when its node changes (bpg's `migrate = true`)
    /// instead of re-creating it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub migrate: bool,
    /// QEMU guest agent enabled.
    pub agent: bool,
    /// Proxmox's `hotplug` option as a list of features (`network`, `disk`, `cpu`, `memory`,
    /// `usb`, `cloudinit`; empty = `hotplug: 0`); absent = unknown. A conf without a
    /// `hotplug:` line has Proxmox's default, `network,disk,usb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotplug: Option<Vec<String>>,
    /// Seconds from start until the guest OS is up.
    pub boot_time_s: u32,
    /// PCI passthrough entries.
    pub hostpci: Vec<HostPci>,
    /// Network interfaces.
    pub nics: Vec<VmNic>,
    /// The Terraform module the VM is provisioned through (its `source`), when not the
    /// export's default (`--module-source`); set by the Terraform import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Disks given to the VM as raw block devices (`qm set --scsi1 /dev/disk/by-id/…`), not
    /// through a passed-through controller.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub raw_disks: Vec<RawDisk>,
    /// Fields not known (see [`Unknown`]); one of [`VM_UNKNOWABLE`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Unknown>,
}

/// A host disk handed to a VM as a block device (disk passthrough, not PCI passthrough): the
/// guest sees a virtual disk on a virtual controller, without SMART or the disk's own cache
/// semantics.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RawDisk {
    /// The VM's disk slot, e.g. `scsi1`, `sata2`, `virtio3`.
    pub slot: String,
    /// The host's device path, e.g. `/dev/disk/by-id/ata-WDC_WD80EFZX-…`.
    pub path: String,
    /// The hostplan disk it is, when known (a disk id on the VM's host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<String>,
}

/// Whether `slot` is a Proxmox disk slot (`ide0`–`ide3`, `sata0`–`sata5`, `scsi0`–`scsi30`,
/// `virtio0`–`virtio15`, as qemu-server's `$MAX_*_DISKS`).
pub fn is_disk_slot(slot: &str) -> bool {
    let (bus, max) = [("ide", 3), ("sata", 5), ("scsi", 30), ("virtio", 15)]
        .into_iter()
        .find(|(b, _)| slot.starts_with(b))
        .unwrap_or(("", 0));
    let n = &slot[bus.len().min(slot.len())..];
    !bus.is_empty()
        && !n.is_empty()
        && n.bytes().all(|c| c.is_ascii_digit())
        && n.parse::<u32>().is_ok_and(|n| n <= max)
}

/// Whether `volume` is a volume name a conf line can carry after `storage:`: letters, digits
/// and `. _ - /` (no `,` that would start an option, no `=`, `:` or line break).
pub fn is_volume_name(volume: &str) -> bool {
    !volume.is_empty()
        && !volume.starts_with('/')
        && !volume.contains("..")
        && volume
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-/".contains(&c))
}

/// Whether `path` is a host block-device path a conf line can carry: absolute under `/dev/`,
/// of letters, digits and `/ . _ - : + @` only (no `,` that would start an option, no `=`
/// that would make the path an option's name, no space or line break).
pub fn is_device_path(path: &str) -> bool {
    path.starts_with("/dev/")
        && !path.contains("/../")
        && path
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"/._-:+@".contains(&c))
}

impl Vm {
    /// Whether the VM's `field` is not known.
    pub fn is_unknown(&self, field: &str) -> bool {
        is_unknown(&self.unknown, field)
    }
}

impl Disk {
    /// Whether the disk's `field` is not known.
    pub fn is_unknown(&self, field: &str) -> bool {
        is_unknown(&self.unknown, field)
    }
}

/// Storage protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    /// NFS export.
    #[default]
    Nfs,
    /// iSCSI target.
    Iscsi,
    /// SMB share.
    Smb,
}

/// A storage service exported by a VM or host.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Service {
    /// Unique id.
    pub id: String,
    /// Protocol.
    pub kind: ServiceKind,
    /// VM or host serving it.
    pub provider: String,
    /// Pool backing it.
    pub pool: String,
    /// Network it is served on.
    pub network: String,
    /// Seconds after the provider is up until the service answers.
    pub ready_after_s: u32,
    /// The ZFS `sync` property of the dataset or zvol it serves; absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncMode>,
    /// The `volblocksize` of the zvol an iSCSI service exports, KiB (a power of two, fixed at
    /// creation); absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volblocksize_kib: Option<u32>,
    /// Whether the zvol is sparse (thin: `zfs create -s`, TrueNAS "Sparse", no
    /// `refreservation`); absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    /// The zvol's size (`volsize`), GB; absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_gb: Option<u64>,
    /// Further networks the target listens on besides `network` (iSCSI portals for
    /// multipath); absent or empty = none stated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub portals: Vec<String>,
    /// NFSv4 grace period of the server after a restart, seconds (Linux knfsd default 90,
    /// F-7): new opens and locks wait that long; absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_s: Option<u32>,
    /// The host name or IP address its clients connect to (the iSCSI portal, the NFS
    /// server); absent = unknown. The readiness-gated boot hookscripts wait until it answers
    /// (`hostplan hookscripts`); without it they are not generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The TCP port it answers on when not its protocol's (iSCSI 3260, NFS 2049, SMB 445);
    /// absent = the protocol's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// The ZFS `sync` property (zfsprops(7)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SyncMode {
    /// Synchronous requests are honoured (the default).
    Standard,
    /// Every write is synchronous.
    Always,
    /// Synchronous requests are acknowledged before they are on stable storage.
    Disabled,
}

named!(SyncMode {
    Standard => "standard",
    Always => "always",
    Disabled => "disabled",
});

/// What kind of consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsumerKind {
    /// A Kubernetes cluster (e.g. Talos) using a CSI driver.
    #[default]
    Kubernetes,
    /// Individual VMs mounting shares.
    Vms,
    /// Anything else.
    Other,
}

/// Retry behaviour of a consumer waiting for storage (kubelet defaults, rule book K8S-01).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Backoff {
    /// First retry delay, seconds.
    pub initial_s: f64,
    /// Growth factor per retry.
    pub factor: f64,
    /// Maximum delay, seconds.
    pub max_s: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial_s: 0.5,
            factor: 2.0,
            max_s: 122.0,
        }
    }
}

/// A consumer of storage services.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Consumer {
    /// Unique id.
    pub id: String,
    /// Kind.
    pub kind: ConsumerKind,
    /// Control-plane VMs (Kubernetes) whose quorum the consumer needs.
    pub control_plane: Vec<String>,
    /// Control-plane members needed; default is a majority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<u32>,
    /// Worker VMs.
    pub workers: Vec<String>,
    /// Storage service ids the consumer's volumes need.
    pub services: Vec<String>,
    /// Retry behaviour while storage is missing.
    pub backoff: Backoff,
    /// open-iscsi's `node.session.timeo.replacement_timeout` on its nodes, seconds (120 by
    /// default; democratic-csi can set it per storage class); absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iscsi_replacement_timeout_s: Option<u32>,
    /// The filesystem on its iSCSI volumes; absent = unknown. ext4 aborts its journal to
    /// read-only on an I/O error and XFS shuts down: both stay so until unmounted
    /// (OPERATIONS.md I-7, I-8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<Filesystem>,
    /// dm-multipath on its nodes (several portals); absent = no multipath stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipath: Option<Multipath>,
    /// How its NFS volumes are mounted; absent = unknown (nfs(5) defaults are then assumed
    /// and said to be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nfs: Option<NfsMount>,
}

/// A filesystem on a block volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Filesystem {
    /// ext4: a journal I/O error aborts it to read-only whatever `errors=` says (I-7).
    Ext4,
    /// XFS: an unrecoverable metadata error shuts it down (I-8).
    Xfs,
}

named!(Filesystem {
    Ext4 => "ext4",
    Xfs => "xfs",
});

/// dm-multipath settings of a consumer's nodes (`multipath.conf(5)`, I-15).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Multipath {
    /// `no_path_retry`: `"queue"` (queue I/O while no path is left, forever), `"fail"` (the
    /// default: fail at once) or a number of path-checker intervals to queue; absent = the
    /// default `fail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_path_retry: Option<NoPathRetry>,
    /// `polling_interval`, seconds (default 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_interval_s: Option<u32>,
}

/// multipath's `no_path_retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NoPathRetry {
    /// Queue for this many path-checker intervals, then fail.
    Retries(u32),
    /// `queue` or `fail`.
    Word(NoPathWord),
}

/// The words `no_path_retry` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NoPathWord {
    /// Queue forever (the old `queue_if_no_path` feature).
    Queue,
    /// Fail at once.
    Fail,
}

named!(NoPathWord {
    Queue => "queue",
    Fail => "fail",
});

/// NFS client mount options of a consumer's volumes (`nfs(5)`, F-1…F-3).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NfsMount {
    /// `hard` (retry forever, the default) or `soft` (fail with EIO after `retrans`
    /// retransmissions); absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<NfsMode>,
    /// `timeo`, deciseconds (TCP default 600 = 60 s, growing linearly per retry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeo_ds: Option<u32>,
    /// `retrans` (TCP default 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrans: Option<u32>,
    /// NFS major version, 3 or 4 (absent: negotiated, normally 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// `hard` or `soft`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NfsMode {
    /// Retry forever; processes block, then continue.
    Hard,
    /// Fail with EIO after `retrans` retransmissions.
    Soft,
}

named!(NfsMode {
    Hard => "hard",
    Soft => "soft",
});

impl Consumer {
    /// Control-plane members needed for quorum: the configured value or a majority.
    pub fn quorum_needed(&self) -> u32 {
        let n = self.control_plane.len() as u32;
        self.quorum.unwrap_or(n / 2 + 1).min(n)
    }
}

/// An accepted policy finding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Waiver {
    /// Rule id, e.g. `PT-10`.
    pub rule: String,
    /// Resource id the finding is about.
    pub resource: String,
    /// Why this is accepted.
    pub reason: String,
    /// Expiry date `YYYY-MM-DD`; after it the waiver no longer applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}
