//! Synthetic fleets in realistic proportions, for benchmarks and for people sizing a design:
//! Proxmox hosts in racks (one per power feed, each with a UPS and an MLAG pair of switches;
//! every host has one PSU on the UPS and one on the feed, and an LACP bond over a link to each
//! switch), the first four of them a Proxmox cluster with one HA guest each, one storage host in `storage_every` with an HBA passed
//! through to a TrueNAS-style VM (raidz/mirror pools, an iSCSI service on the storage network),
//! general VMs booting from local storage, and Kubernetes clusters spread over neighbouring
//! hosts whose volumes use a storage service.
//!
//! Besides that friendly fleet, the [`Shape`]s that break naive algorithms: a deep chain (each
//! storage VM boots from the storage its predecessor serves), wide fan-in (one storage service
//! behind every VM and every cluster) and a file full of errors (every VM's boot storage
//! misspelled).

use super::rng::Rng;
use crate::model::{
    Bond, BondMode, Bridge, Cluster, ClusterNode, Consumer, ConsumerKind, Cpu, Device, DeviceKind,
    Disk, FirmwareMode, Host, HostPci, LacpRate, Link, Media, Network, NicInfo, Pool, PowerFeed,
    Psu, QDevice, RuntimePoint, Service, ServiceKind, Storage, StorageKind, Switch, Topology, Ups,
    Vdev, VdevLayout, VdevRole, Vm, VmNic, ONBOARD,
};

/// Cluster members of a generated fleet: corosync does not scale to a fleet, so only the first
/// hosts form one.
const CLUSTER_NODES: u32 = 4;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetSpec {
    /// Number of Proxmox hosts.
    pub hosts: u32,
    /// VMs per host (including the storage VM on storage hosts).
    pub vms_per_host: u32,
    /// One storage host every this many hosts.
    pub storage_every: u32,
    /// Hosts per power feed.
    pub hosts_per_feed: u32,
    /// Hosts per Kubernetes cluster (0 = no clusters).
    pub cluster_hosts: u32,
    /// Seed of the random choices (pool layouts, which service a cluster uses).
    pub seed: u64,
    /// The fleet's shape.
    pub shape: Shape,
}

/// The shape of a generated fleet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// Realistic proportions (see the module documentation).
    #[default]
    Fleet,
    /// Every host a storage host whose TrueNAS VM boots from the previous host's iSCSI
    /// service: one chain as long as the fleet.
    Chain,
    /// One storage service (on the first host): every other VM boots from it and every
    /// host's Kubernetes cluster keeps its volumes on it.
    FanIn,
    /// The fleet with every general VM's boot storage misspelled: as many unknown references
    /// as VMs, for validation's error path.
    Errors,
}

named!(Shape {
    Fleet => "fleet",
    Chain => "chain",
    FanIn => "fan-in",
    Errors => "errors",
});

impl Default for FleetSpec {
    fn default() -> Self {
        Self {
            hosts: 10,
            vms_per_host: 10,
            storage_every: 5,
            hosts_per_feed: 20,
            cluster_hosts: 3,
            seed: 1,
            shape: Shape::Fleet,
        }
    }
}

const LAYOUTS: [(VdevLayout, u32, u32); 4] = [
    // (layout, disks per vdev, vdevs)
    (VdevLayout::Raidz2, 6, 1),
    (VdevLayout::Mirror, 2, 3),
    (VdevLayout::Raidz1, 4, 1),
    (VdevLayout::Raidz3, 8, 1),
];

/// Generate a fleet. Deterministic for a given spec.
///
/// # Complexity
/// `O(hosts · vms_per_host)`.
pub fn generate(spec: &FleetSpec) -> Topology {
    let spec = &match spec.shape {
        Shape::Chain => FleetSpec {
            storage_every: 1,
            ..spec.clone()
        },
        Shape::FanIn => FleetSpec {
            storage_every: spec.hosts.max(1),
            cluster_hosts: 1,
            ..spec.clone()
        },
        Shape::Fleet | Shape::Errors => spec.clone(),
    };
    let mut rng = Rng::new(spec.seed);
    let mut t = Topology {
        schema_version: crate::model::SCHEMA_VERSION,
        ..Topology::default()
    };
    t.site.name = format!("synthetic fleet of {} hosts", spec.hosts);
    t.networks.push(Network {
        id: "lan".into(),
        mtu: Some(1500),
        purpose: "lan".into(),
        ..Network::default()
    });
    t.networks.push(Network {
        id: "storage".into(),
        vlan: Some(50),
        mtu: Some(9000),
        purpose: "storage".into(),
        ..Network::default()
    });
    let per_feed = spec.hosts_per_feed.max(1);
    for f in 0..spec.hosts.div_ceil(per_feed) {
        add_rack(&mut t, f);
    }
    let mut vmid = 100u32;
    let mut services: Vec<String> = Vec::new();
    let mut cluster_members: Vec<(String, String)> = Vec::new(); // (control-plane VM, worker VM) per host
    for h in 0..spec.hosts {
        let hid = format!("h{h:05}");
        let storage_host = spec.storage_every > 0 && h % spec.storage_every == 0;
        add_host(&mut t, &hid, h / per_feed);
        let mut first_vm = 0;
        if storage_host {
            let served = add_storage(&mut t, &mut rng, &hid, &mut vmid);
            // The chain: this host's storage VM (the last VM added) boots from the previous
            // host's service.
            if let (Shape::Chain, Some(previous)) = (spec.shape, services.last()) {
                let remote = add_remote_storage(&mut t, &hid, previous);
                if let Some(nas) = t.vms.last_mut() {
                    nas.boot_storage = remote;
                }
            }
            services.push(served);
            first_vm = 1;
        }
        let boot_storage = match (spec.shape, services.first()) {
            (Shape::FanIn, Some(shared)) if !storage_host => {
                add_remote_storage(&mut t, &hid, shared)
            }
            (Shape::Errors, _) => format!("{hid}-locl"),
            _ => format!("{hid}-local"),
        };
        let mut names = Vec::new();
        for v in first_vm..spec.vms_per_host {
            let id = format!("{hid}-vm{v:02}");
            t.vms.push(Vm {
                id: id.clone(),
                vmid,
                host: hid.clone(),
                memory_mib: 8192,
                cores: 4,
                cpu_type: "host".into(),
                machine: "q35".into(),
                boot_storage: boot_storage.clone(),
                boot_disk_gb: 64,
                onboot: true,
                agent: true,
                boot_time_s: 60,
                nics: vec![VmNic {
                    network: "lan".into(),
                    bridge: Some("vmbr0".into()),
                    ..VmNic::default()
                }],
                ..Vm::default()
            });
            vmid += 1;
            names.push(id);
        }
        if names.len() >= 2 {
            cluster_members.push((names[0].clone(), names[1].clone()));
        }
    }
    add_cluster(&mut t, spec.hosts.min(CLUSTER_NODES));
    if spec.cluster_hosts > 0 && !services.is_empty() {
        for (c, group) in cluster_members
            .chunks(spec.cluster_hosts as usize)
            .enumerate()
        {
            let svc = services[rng.below(services.len() as u32) as usize].clone();
            t.consumers.push(Consumer {
                id: format!("k8s{c:04}"),
                kind: ConsumerKind::Kubernetes,
                control_plane: group.iter().map(|(cp, _)| cp.clone()).collect(),
                workers: group.iter().map(|(_, w)| w.clone()).collect(),
                services: vec![svc],
                ..Consumer::default()
            });
        }
    }
    t
}

/// Rack `f`: its power feed, a UPS on it, and two switches in an MLAG pair (one on the UPS,
/// one on the feed).
fn add_rack(t: &mut Topology, f: u32) {
    let feed = format!("feed{f:03}");
    let ups = format!("ups{f:03}");
    t.power_feeds.push(PowerFeed {
        id: feed.clone(),
        description: String::new(),
    });
    t.ups.push(Ups {
        id: ups.clone(),
        feed: Some(feed.clone()),
        capacity_w: Some(6000),
        runtime: vec![
            RuntimePoint {
                load_w: 1500,
                minutes: 30.0,
            },
            RuntimePoint {
                load_w: 6000,
                minutes: 5.0,
            },
        ],
        runtime_low_s: Some(300),
        ..Ups::default()
    });
    for (side, power, peer) in [("a", &ups, "b"), ("b", &feed, "a")] {
        t.switches.push(Switch {
            id: format!("sw{f:03}{side}"),
            psus: vec![Psu {
                power: power.clone(),
            }],
            power_w: Some(150),
            mlag_peer: Some(format!("sw{f:03}{peer}")),
            ..Switch::default()
        });
    }
}

/// The first `n` hosts as a Proxmox cluster (a QDevice outside the fleet when `n` is even),
/// the first general VM of each HA-managed.
fn add_cluster(t: &mut Topology, n: u32) {
    if n < 2 {
        return;
    }
    let nodes: Vec<String> = t
        .hosts
        .iter()
        .take(n as usize)
        .map(|h| h.id.clone())
        .collect();
    for node in &nodes {
        if let Some(vm) = t
            .vms
            .iter_mut()
            .find(|v| &v.host == node && v.role.is_empty())
        {
            vm.ha = true;
        }
    }
    t.cluster = Some(Cluster {
        name: "fleet".into(),
        nodes: nodes
            .into_iter()
            .map(|host| ClusterNode { host, votes: None })
            .collect(),
        qdevice: (n % 2 == 0).then(QDevice::default),
        ..Cluster::default()
    });
}

/// A Proxmox host with its onboard NIC (two ports in an LACP bond, one link to each switch of
/// its rack), boot SSD and local LVM-thin storage, on rack `feed`'s UPS and feed.
fn add_host(t: &mut Topology, hid: &str, feed: u32) {
    let links = [format!("{hid}-la"), format!("{hid}-lb")];
    for (id, side) in links.iter().zip(["a", "b"]) {
        t.links.push(Link {
            id: id.clone(),
            host: hid.to_owned(),
            nic: format!("{hid}-nic0"),
            switch: format!("sw{feed:03}{side}"),
            ..Link::default()
        });
    }
    t.hosts.push(Host {
        id: hid.to_owned(),
        cpu: Some(Cpu {
            cores: Some(32),
            vendor: Some(crate::model::CpuVendor::Intel),
            iommu: Some(true),
            interrupt_remapping: Some(true),
            aes_ni: Some(true),
            model: None,
        }),
        ram_gib: 256,
        ecc: Some(true),
        boot_disks: vec![format!("{hid}-boot")],
        kernel_cmdline: vec!["intel_iommu=on".into()],
        boot_time_s: 120,
        psus: vec![
            Psu {
                power: format!("ups{feed:03}"),
            },
            Psu {
                power: format!("feed{feed:03}"),
            },
        ],
        power_w: Some(350),
        bonds: vec![Bond {
            name: "bond0".into(),
            mode: BondMode::Lacp,
            links: links.to_vec(),
            lacp_rate: Some(LacpRate::Fast),
        }],
        bridges: vec![Bridge {
            name: "vmbr0".into(),
            ports: vec!["bond0".into()],
            networks: vec!["lan".into(), "storage".into()],
            // The trunk carries the 9000-byte storage VLAN, so it needs that MTU (NET-03).
            mtu: Some(9000),
        }],
        management: Some("vmbr0".into()),
        ..Host::default()
    });
    t.devices.push(Device {
        id: format!("{hid}-nic0"),
        host: hid.to_owned(),
        kind: DeviceKind::Nic,
        address: "0000:00:19.0".into(),
        nic: Some(NicInfo {
            ports: 2,
            speed_gbps: 10.0,
            networks: vec!["lan".into(), "storage".into()],
            mtu: Some(9000),
        }),
        ..Device::default()
    });
    t.disks.push(Disk {
        id: format!("{hid}-boot"),
        host: hid.to_owned(),
        controller: ONBOARD.into(),
        size_gb: 960,
        media: Media::Ssd,
        plp: true,
        ..Disk::default()
    });
    t.storages.push(Storage {
        id: format!("{hid}-local"),
        host: hid.to_owned(),
        kind: StorageKind::LvmThin,
        disks: vec![format!("{hid}-boot")],
        service: None,
    });
}

/// Host `hid`'s iSCSI storage `<hid>-remote`, backed by `service`; its id is returned.
fn add_remote_storage(t: &mut Topology, hid: &str, service: &str) -> String {
    let id = format!("{hid}-remote");
    t.storages.push(Storage {
        id: id.clone(),
        host: hid.to_owned(),
        kind: StorageKind::Iscsi,
        disks: Vec::new(),
        service: Some(service.to_owned()),
    });
    id
}

/// The storage of a storage host: an HBA with a random pool layout, a storage NIC, a TrueNAS
/// VM (VMID `vmid`, which is advanced) passing both through, and its iSCSI service, whose id
/// is returned.
fn add_storage(t: &mut Topology, rng: &mut Rng, hid: &str, vmid: &mut u32) -> String {
    let hba = format!("{hid}-hba");
    let snic = format!("{hid}-snic");
    t.devices.push(Device {
        id: hba.clone(),
        host: hid.to_owned(),
        kind: DeviceKind::Hba,
        address: "0000:01:00.0".into(),
        class: Some("0x0107".into()),
        firmware_mode: Some(FirmwareMode::It),
        iommu_group: Some(12),
        ..Device::default()
    });
    t.devices.push(Device {
        id: snic.clone(),
        host: hid.to_owned(),
        kind: DeviceKind::Nic,
        address: "0000:02:00.0".into(),
        iommu_group: Some(13),
        nic: Some(NicInfo {
            ports: 1,
            speed_gbps: 10.0,
            networks: vec!["storage".into()],
            mtu: Some(9000),
        }),
        ..Device::default()
    });
    // The storage NIC, passed through, has one link (to the rack's first switch): its guest
    // owns it.
    let first_link = format!("{hid}-la");
    let rack_switch = t
        .links
        .iter()
        .rev()
        .find(|l| l.id == first_link)
        .map(|l| l.switch.clone())
        .unwrap_or_default();
    t.links.push(Link {
        id: format!("{hid}-ls"),
        host: hid.to_owned(),
        nic: snic.clone(),
        switch: rack_switch,
        networks: vec!["storage".into()],
        ..Link::default()
    });
    let (layout, width, count) = LAYOUTS[rng.below(LAYOUTS.len() as u32) as usize];
    let nas = format!("{hid}-nas");
    let mut pool = Pool {
        id: format!("{hid}-tank"),
        owner: nas.clone(),
        used_gb: Some(8000),
        ..Pool::default()
    };
    for v in 0..count {
        let mut vdev = Vdev {
            role: VdevRole::Data,
            layout,
            disks: Vec::new(),
        };
        for d in 0..width {
            let id = format!("{hid}-d{v}{d}");
            t.disks.push(Disk {
                id: id.clone(),
                host: hid.to_owned(),
                controller: hba.clone(),
                size_gb: 8000,
                ..Disk::default()
            });
            vdev.disks.push(id);
        }
        pool.vdevs.push(vdev);
    }
    t.pools.push(pool);
    t.vms.push(Vm {
        id: nas.clone(),
        vmid: *vmid,
        host: hid.to_owned(),
        role: "truenas".into(),
        memory_mib: 32768,
        balloon_mib: Some(0),
        cores: 6,
        cpu_type: "host".into(),
        machine: "q35".into(),
        boot_storage: format!("{hid}-local"),
        boot_disk_gb: 32,
        onboot: true,
        agent: true,
        boot_time_s: 120,
        hostpci: vec![
            HostPci {
                index: 0,
                device: Some(hba),
                pcie: true,
                rombar: false,
                ..HostPci::default()
            },
            HostPci {
                index: 1,
                device: Some(snic.clone()),
                pcie: true,
                ..HostPci::default()
            },
        ],
        nics: vec![VmNic {
            network: "storage".into(),
            device: Some(snic),
            ..VmNic::default()
        }],
        ..Vm::default()
    });
    *vmid += 1;
    let svc = format!("{hid}-iscsi");
    t.services.push(Service {
        id: svc.clone(),
        kind: ServiceKind::Iscsi,
        provider: nas,
        pool: format!("{hid}-tank"),
        network: "storage".into(),
        ready_after_s: 30,
        ..Service::default()
    });
    svc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_fleets_validate_clean_and_are_deterministic() {
        for seed in 0..5 {
            let spec = FleetSpec {
                hosts: 12,
                vms_per_host: 4,
                seed,
                ..FleetSpec::default()
            };
            let t = generate(&spec);
            assert_eq!(crate::validate::validate(&t), vec![], "seed {seed}");
            assert_eq!(t, generate(&spec));
            assert_eq!(t.hosts.len(), 12);
            assert_eq!(t.vms.len(), 48);
        }
    }
}
