//! Facts of storage and its consumers: disks, Proxmox storages, ZFS pools, networks, storage
//! services and the consumers of those services.

use super::{known, unknown_list, Index};
use crate::model::{
    ConsumerKind, Media, Pool, ServiceKind, StorageKind, Topology, Vdev, VdevLayout, VdevRole,
    ONBOARD,
};
use crate::sim::boot::{self, Timing};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Facts of a physical disk (`input.disks[id]`). A fact the disk lists as unknown is absent
/// and named in `unknown`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DiskFacts<'a> {
    /// Host the disk is installed in. (Absent only if listed in `unknown`, which validation
    /// rejects.)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub host: Option<&'a str>,
    /// `onboard` or the id of the controller device. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub controller: Option<&'a str>,
    /// Size in GB (decimal). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub size_gb: Option<u64>,
    /// Media type. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Media")]
    pub media: Option<Media>,
    /// Power-loss protection. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub plp: Option<bool>,
    /// Physical sector size, bytes. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub sector_bytes: Option<u32>,
    /// Fields of this disk that are not known (an importer could not resolve them): they are
    /// absent from the object, and rules that need them report "not evaluated"
    /// (`lib.not_evaluated`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<&'a str>,
}

/// Facts of a Proxmox storage (`input.storages[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StorageFacts<'a> {
    /// Node the storage lives on.
    pub host: &'a str,
    /// Storage type.
    pub kind: StorageKind,
    /// Local disks backing it (dir, lvm, zfspool).
    pub disks: &'a [String],
    /// Storage service backing it (nfs, iscsi, cifs).
    pub service: Option<&'a str>,
}

/// Facts of a ZFS pool (`input.pools[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PoolFacts<'a> {
    /// VM or host that imports the pool.
    pub owner: &'a str,
    /// Whether the owner is a VM.
    pub owner_is_vm: bool,
    /// Host the pool lives on (the owner VM's host).
    pub host: &'a str,
    /// Vdev index (from 0, in the order of the topology) → the vdev.
    pub vdevs: BTreeMap<String, VdevFacts<'a>>,
    /// Disk losses the weakest data vdev survives (0 without data vdevs).
    pub data_tolerance: u32,
    /// Usable space of the data vdevs, GB: per vdev, the smallest member times the
    /// non-redundant members. `null` when a member's size is unknown.
    pub capacity_gb: Option<u64>,
    /// The pool's size as `zpool list` reports it, GB: raidz and dRAID vdevs with their parity,
    /// mirrors one side. `used_gb` (ALLOC) is measured the same way, so usage compares with
    /// this, not with `capacity_gb`. `null` when a member's size is unknown.
    pub list_size_gb: Option<u64>,
    /// Allocated space (`zpool list` ALLOC), GB.
    pub used_gb: Option<u64>,
    /// The alignment shift of its vdevs. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u8")]
    pub ashift: Option<u8>,
    /// The pool's `multihost` property. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub multihost: Option<bool>,
    /// Deduplication enabled.
    pub dedup: bool,
    /// Feature flags that are `active` on the pool.
    pub active_features: &'a [String],
    /// Member disks of the data vdevs.
    pub disk_count: u32,
    /// Controllers of the member disks (`onboard` or device ids), sorted. Absent when a
    /// member's controller is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "BTreeSet<String>")]
    pub controllers: Option<BTreeSet<&'a str>>,
    /// Whether a member disk hangs off the host's onboard controller. Absent when a member's
    /// controller is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub onboard_disks: Option<bool>,
    /// Member-disk facts that are unknown: `disk_sizes` (the vdevs' min/max sizes are then
    /// absent and `capacity_gb` is `null`), `disk_plp` (`plp_all` absent), `disk_media`,
    /// `disk_controllers` (`controllers` and `onboard_disks` absent).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<PoolUnknown>,
}

/// A member-disk fact of a pool that is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoolUnknown {
    /// A member's size.
    DiskSizes,
    /// A member's power-loss protection.
    DiskPlp,
    /// A member's media type.
    DiskMedia,
    /// A member's controller.
    DiskControllers,
}

/// Facts of a top-level vdev.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct VdevFacts<'a> {
    /// Role in the pool.
    pub role: VdevRole,
    /// Layout.
    pub layout: VdevLayout,
    /// Member disks.
    pub width: u32,
    /// Member disks the vdev can lose and stay available.
    pub tolerance: u32,
    /// Size of the smallest member, GB (0 without members). Absent when a member's size is
    /// unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub min_size_gb: Option<u64>,
    /// Size of the largest member, GB (0 without members). Absent when a member's size is
    /// unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub max_size_gb: Option<u64>,
    /// Whether every member has power-loss protection. Absent when a member's is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub plp_all: Option<bool>,
    /// Member disk ids.
    pub disks: &'a [String],
}

/// Facts of a network (`input.networks[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NetworkFacts<'a> {
    /// 802.1Q VLAN id, if tagged.
    pub vlan: Option<u16>,
    /// MTU of the segment (1500 when not given).
    pub mtu: u32,
    /// Purpose: `lan`, `storage`, `management`, `wan`… (empty when not given).
    pub purpose: &'a str,
    /// Subnet in CIDR notation.
    pub cidr: Option<&'a str>,
}

/// Facts of a storage service (`input.services[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceFacts<'a> {
    /// Protocol.
    pub kind: ServiceKind,
    /// VM or host serving it.
    pub provider: &'a str,
    /// Host the provider runs on (the provider VM's host).
    pub provider_host: &'a str,
    /// Whether the provider is a VM.
    pub provider_is_vm: bool,
    /// Pool backing it.
    pub pool: &'a str,
    /// Network it is served on.
    pub network: &'a str,
    /// VMs of the consumers that need it (control plane, then workers, per consumer).
    pub consumers: Vec<&'a str>,
    /// Seconds from issuing the provider's start until the service answers (rounded up);
    /// `null` when the provider is not a VM.
    pub serve_after_start_s: Option<u64>,
    /// Seconds the service is gone when its provider VM reboots cleanly (stop, start, boot,
    /// ready); `null` when the provider is not a VM.
    pub reboot_outage_s: Option<u32>,
    /// The ZFS `sync` property of what it serves. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "crate::model::SyncMode")]
    pub sync: Option<crate::model::SyncMode>,
    /// The `volblocksize` of the zvol it exports, KiB. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub volblocksize_kib: Option<u32>,
    /// Whether the zvol is sparse (thin, no reservation). Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub sparse: Option<bool>,
    /// The zvol's size, GB. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u64")]
    pub size_gb: Option<u64>,
    /// Every network the target listens on: `network`, then the further portals.
    pub portals: Vec<&'a str>,
    /// Pairs of those networks that share a subnet (the same network twice, or CIDRs that
    /// overlap): multipath over them takes one interface. Networks without a CIDR (or with
    /// one that does not parse) are left out.
    pub shared_subnets: Vec<[&'a str; 2]>,
}

/// Facts of a consumer of storage services (`input.consumers[id]`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ConsumerFacts<'a> {
    /// Kind.
    pub kind: ConsumerKind,
    /// Control-plane VMs.
    pub control_plane: &'a [String],
    /// Worker VMs.
    pub workers: &'a [String],
    /// Storage service ids the consumer's volumes need.
    pub services: &'a [String],
    /// Control-plane members needed for quorum (as configured, or a majority).
    pub quorum: u32,
    /// open-iscsi's `replacement_timeout` on its nodes, seconds. Absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32")]
    pub iscsi_replacement_timeout_s: Option<u32>,
    /// Per service it uses: seconds of outage after which I/O errors reach its filesystem or
    /// applications, from stated settings (iSCSI replacement timeout + NOP-Out detection +
    /// multipath queueing; NFS soft retries). A service is absent when I/O never fails (NFS
    /// hard, multipath queue, SMB not modelled) or when a setting it needs is unknown.
    pub io_errors_after_s: BTreeMap<&'a str, u32>,
    /// Per service it uses: the settings that would decide `io_errors_after_s` but are
    /// unknown.
    pub io_unknown: BTreeMap<&'a str, Vec<&'static str>>,
}

/// Facts of every disk.
pub(super) fn disks(t: &Topology) -> BTreeMap<&str, DiskFacts<'_>> {
    t.disks
        .iter()
        .map(|d| {
            let unknown = unknown_list(d.unknown.iter().map(|u| u.field.as_str()));
            let fact = DiskFacts {
                host: known(&unknown, "host", d.host.as_str()),
                controller: known(&unknown, "controller", d.controller.as_str()),
                size_gb: known(&unknown, "size_gb", d.size_gb),
                media: known(&unknown, "media", d.media),
                plp: known(&unknown, "plp", d.plp),
                sector_bytes: d.sector_bytes,
                unknown,
            };
            (d.id.as_str(), fact)
        })
        .collect()
}

/// Facts of every Proxmox storage.
pub(super) fn storages(t: &Topology) -> BTreeMap<&str, StorageFacts<'_>> {
    t.storages
        .iter()
        .map(|s| {
            let fact = StorageFacts {
                host: &s.host,
                kind: s.kind,
                disks: &s.disks,
                service: s.service.as_deref(),
            };
            (s.id.as_str(), fact)
        })
        .collect()
}

/// Facts of every ZFS pool.
pub(super) fn pools<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, PoolFacts<'a>> {
    ix.t.pools
        .iter()
        .map(|p| (p.id.as_str(), pool(ix, p)))
        .collect()
}

fn pool<'a>(ix: &Index<'a>, p: &'a Pool) -> PoolFacts<'a> {
    let unknown: Vec<PoolUnknown> = [
        ("size_gb", PoolUnknown::DiskSizes),
        ("plp", PoolUnknown::DiskPlp),
        ("media", PoolUnknown::DiskMedia),
        ("controller", PoolUnknown::DiskControllers),
    ]
    .into_iter()
    .filter(|(field, _)| ix.members(p).any(|d| d.is_unknown(field)))
    .map(|(_, fact)| fact)
    .collect();
    let controllers_known = !unknown.contains(&PoolUnknown::DiskControllers);
    let controllers: BTreeSet<&str> = ix.members(p).map(|d| d.controller.as_str()).collect();
    let data = || p.vdevs.iter().filter(|v| v.role == VdevRole::Data);
    let data_tolerance = data().map(|v| v.layout.tolerance(width(v))).min();
    let capacity_gb = data().map(|v| usable_gb(ix, v)).sum::<Option<u64>>();
    let list_size_gb = data().map(|v| list_size_gb(ix, v)).sum::<Option<u64>>();
    let sizes_known = !unknown.contains(&PoolUnknown::DiskSizes);
    PoolFacts {
        owner: &p.owner,
        owner_is_vm: ix.is_vm(&p.owner),
        host: ix.host_of(&p.owner),
        vdevs: p
            .vdevs
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), vdev(ix, v)))
            .collect(),
        data_tolerance: data_tolerance.unwrap_or(0),
        capacity_gb: capacity_gb.filter(|_| sizes_known),
        list_size_gb: list_size_gb.filter(|_| sizes_known),
        used_gb: p.used_gb,
        ashift: p.ashift,
        multihost: p.multihost,
        dedup: p.dedup,
        active_features: &p.active_features,
        disk_count: data().map(width).sum(),
        onboard_disks: controllers_known.then(|| controllers.contains(ONBOARD)),
        controllers: controllers_known.then_some(controllers),
        unknown,
    }
}

fn width(v: &Vdev) -> u32 {
    v.disks.len() as u32
}

/// Usable space of a data vdev, GB: the smallest member times the non-redundant members
/// (ZFS-10); members that are no disk are not counted. `None` when a member's size is unknown.
fn usable_gb(ix: &Index<'_>, v: &Vdev) -> Option<u64> {
    let (min, _) = sizes(ix, v)?;
    let width = width(v);
    Some(min * u64::from(width - v.layout.tolerance(width)))
}

/// A data vdev's size as `zpool list` counts it, GB: a mirror one member, any other layout
/// every member (raidz and dRAID parity included); limited by the smallest member.
fn list_size_gb(ix: &Index<'_>, v: &Vdev) -> Option<u64> {
    let (min, _) = sizes(ix, v)?;
    let counted = if v.layout == crate::model::VdevLayout::Mirror {
        1
    } else {
        width(v)
    };
    Some(min * u64::from(counted))
}

/// The smallest and largest member sizes of a vdev, GB (0 without members); `None` when a
/// member's size is unknown (sizes are left out, not guessed).
fn sizes(ix: &Index<'_>, v: &Vdev) -> Option<(u64, u64)> {
    let members = || v.disks.iter().filter_map(|d| ix.disk_by_id.get(d.as_str()));
    if members().any(|d| d.is_unknown("size_gb")) {
        return None;
    }
    let min = members().map(|d| d.size_gb).min().unwrap_or(0);
    let max = members().map(|d| d.size_gb).max().unwrap_or(0);
    Some((min, max))
}

fn vdev<'a>(ix: &Index<'a>, v: &'a Vdev) -> VdevFacts<'a> {
    let width = width(v);
    let sizes = sizes(ix, v);
    let plp_unknown = v
        .disks
        .iter()
        .filter_map(|d| ix.disk_by_id.get(d.as_str()))
        .any(|d| d.is_unknown("plp"));
    let plp_all = v
        .disks
        .iter()
        .all(|d| ix.disk_by_id.get(d.as_str()).is_some_and(|x| x.plp));
    VdevFacts {
        role: v.role,
        layout: v.layout,
        width,
        tolerance: v.layout.tolerance(width),
        min_size_gb: sizes.map(|(min, _)| min),
        max_size_gb: sizes.map(|(_, max)| max),
        plp_all: (!plp_unknown).then_some(plp_all),
        disks: &v.disks,
    }
}

/// Facts of every network.
pub(super) fn networks(t: &Topology) -> BTreeMap<&str, NetworkFacts<'_>> {
    t.networks
        .iter()
        .map(|n| {
            let fact = NetworkFacts {
                vlan: n.vlan,
                mtu: n.mtu.unwrap_or(1500),
                purpose: &n.purpose,
                cidr: n.cidr.as_deref(),
            };
            (n.id.as_str(), fact)
        })
        .collect()
}

/// Facts of every storage service.
pub(super) fn services<'a>(ix: &Index<'a>) -> BTreeMap<&'a str, ServiceFacts<'a>> {
    let t = ix.t;
    let timing = Timing::default();
    t.services
        .iter()
        .map(|s| {
            let consumers = t
                .consumers
                .iter()
                .filter(|c| c.services.contains(&s.id))
                .flat_map(|c| c.control_plane.iter().chain(&c.workers))
                .map(String::as_str)
                .collect();
            let fact = ServiceFacts {
                kind: s.kind,
                provider: &s.provider,
                provider_host: ix.host_of(&s.provider),
                provider_is_vm: ix.is_vm(&s.provider),
                pool: &s.pool,
                network: &s.network,
                consumers,
                serve_after_start_s: boot::time_to_serve_ms(t, s, &timing)
                    .map(|ms| ms.div_ceil(1000)),
                reboot_outage_s: crate::ops::outage::reboot_outage(t, s, &timing)
                    .map(|(secs, _)| secs),
                sync: s.sync,
                volblocksize_kib: s.volblocksize_kib,
                sparse: s.sparse,
                size_gb: s.size_gb,
                portals: portals(s),
                shared_subnets: shared_subnets(t, s),
            };
            (s.id.as_str(), fact)
        })
        .collect()
}

/// Facts of every consumer.
pub(super) fn consumers(t: &Topology) -> BTreeMap<&str, ConsumerFacts<'_>> {
    t.consumers
        .iter()
        .map(|c| {
            let fact = ConsumerFacts {
                kind: c.kind,
                control_plane: &c.control_plane,
                workers: &c.workers,
                services: &c.services,
                quorum: c.quorum_needed(),
                iscsi_replacement_timeout_s: c.iscsi_replacement_timeout_s,
                io_errors_after_s: BTreeMap::new(),
                io_unknown: BTreeMap::new(),
            };
            let mut fact = fact;
            for sid in &c.services {
                let Some(svc) = t.services.iter().find(|s| &s.id == sid) else {
                    continue;
                };
                match crate::ops::outage::stated_errors_after(c, svc.kind) {
                    Ok(Some(n)) => {
                        fact.io_errors_after_s.insert(sid.as_str(), n);
                    }
                    Ok(None) => {}
                    Err(unknown) => {
                        fact.io_unknown.insert(sid.as_str(), unknown);
                    }
                }
            }
            (c.id.as_str(), fact)
        })
        .collect()
}

/// Every network a service listens on: its `network`, then its further portals.
fn portals(s: &crate::model::Service) -> Vec<&str> {
    std::iter::once(s.network.as_str())
        .chain(s.portals.iter().map(String::as_str))
        .collect()
}

/// Pairs of a service's portal networks that share a subnet: one network listed twice, or
/// two networks whose CIDRs overlap.
fn shared_subnets<'a>(t: &'a Topology, s: &'a crate::model::Service) -> Vec<[&'a str; 2]> {
    let nets = portals(s);
    let cidr = |id: &str| {
        t.networks
            .iter()
            .find(|n| n.id == id)
            .and_then(|n| n.cidr.as_deref())
            .and_then(parse_cidr)
    };
    let mut pairs = Vec::new();
    for (i, a) in nets.iter().enumerate() {
        for b in &nets[i + 1..] {
            let shared =
                a == b || matches!((cidr(a), cidr(b)), (Some(x), Some(y)) if overlap(x, y));
            if shared {
                pairs.push([*a, *b]);
            }
        }
    }
    pairs
}

/// A subnet as (address bits, prefix length, address width): IPv4 in the low 32 bits.
fn parse_cidr(cidr: &str) -> Option<(u128, u32, u32)> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    match addr.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) if len <= 32 => Some((u128::from(u32::from(a)), len, 32)),
        std::net::IpAddr::V6(a) if len <= 128 => Some((u128::from(a), len, 128)),
        _ => None,
    }
}

/// Whether two subnets overlap: same family, and equal on the shorter prefix.
fn overlap(a: (u128, u32, u32), b: (u128, u32, u32)) -> bool {
    if a.2 != b.2 {
        return false;
    }
    let prefix = a.1.min(b.1);
    let shift = a.2 - prefix;
    let high = |x: u128| x.checked_shr(shift).unwrap_or(0);
    high(a.0) == high(b.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn subnets_overlap_on_the_shorter_prefix() {
        let p = |c| super::parse_cidr(c).unwrap();
        assert!(super::overlap(p("10.50.0.0/24"), p("10.50.0.128/25")));
        assert!(super::overlap(p("10.0.0.0/8"), p("10.50.1.0/24")));
        assert!(!super::overlap(p("10.50.0.0/24"), p("10.51.0.0/24")));
        assert!(!super::overlap(p("10.50.0.0/24"), p("fd00::/64")));
        assert!(super::overlap(p("fd00::/64"), p("fd00::1/128")));
        assert!(super::overlap(p("0.0.0.0/0"), p("192.168.1.0/24")));
        assert_eq!(super::parse_cidr("10.0.0.0/33"), None);
        assert_eq!(super::parse_cidr("storage"), None);
    }
}
