//! Id lookup and reference resolution, shared by validation and graph building.
//!
//! Every entity id lives in one namespace (so a dependency edge names exactly one thing);
//! mapping names have their own, as in Proxmox.

use crate::model::pci::PciAddress;
use crate::model::section::Section;
use crate::model::{Device, HostPci, Topology, Vm};
use std::collections::BTreeMap;

/// What kind of entity an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A power feed.
    PowerFeed,
    /// A UPS.
    Ups,
    /// A host.
    Host,
    /// A PCIe device.
    Device,
    /// A disk.
    Disk,
    /// A Proxmox storage.
    Storage,
    /// A ZFS pool.
    Pool,
    /// A network.
    Network,
    /// A switch.
    Switch,
    /// A cable from a host NIC port to a switch port.
    Link,
    /// A VM.
    Vm,
    /// A storage service.
    Service,
    /// A consumer.
    Consumer,
}

impl EntityKind {
    /// Lower-case noun for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::PowerFeed => "power feed",
            Self::Ups => "UPS",
            Self::Switch => "switch",
            Self::Link => "link",
            Self::Host => "host",
            Self::Device => "device",
            Self::Disk => "disk",
            Self::Storage => "storage",
            Self::Pool => "pool",
            Self::Network => "network",
            Self::Vm => "VM",
            Self::Service => "service",
            Self::Consumer => "consumer",
        }
    }

    /// The top-level list of the file holding entities of this kind.
    pub fn section(self) -> &'static str {
        self.list().key()
    }

    /// The [`Section`] holding entities of this kind.
    pub fn list(self) -> Section {
        match self {
            Self::PowerFeed => Section::PowerFeeds,
            Self::Ups => Section::Ups,
            Self::Switch => Section::Switches,
            Self::Link => Section::Links,
            Self::Host => Section::Hosts,
            Self::Device => Section::Devices,
            Self::Disk => Section::Disks,
            Self::Storage => Section::Storages,
            Self::Pool => Section::Pools,
            Self::Network => Section::Networks,
            Self::Vm => Section::Vms,
            Self::Service => Section::Services,
            Self::Consumer => Section::Consumers,
        }
    }

    /// The kind of the entities in `section` (`None` for mappings and waivers).
    pub fn of_section(section: Section) -> Option<EntityKind> {
        Self::ALL.into_iter().find(|k| k.list() == section)
    }

    /// Every kind, in file order.
    pub const ALL: [EntityKind; 13] = [
        Self::PowerFeed,
        Self::Ups,
        Self::Host,
        Self::Device,
        Self::Disk,
        Self::Storage,
        Self::Pool,
        Self::Network,
        Self::Switch,
        Self::Link,
        Self::Vm,
        Self::Service,
        Self::Consumer,
    ];
}

/// Id → (kind, position) for every entity; the first occurrence wins for duplicates.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    ids: BTreeMap<String, (EntityKind, usize)>,
    mappings: BTreeMap<String, usize>,
    /// Each host's cables (`links` positions, in file order): finding a NIC's cables was a
    /// scan of every link per port, quadratic in the fleet (22,000 links at 10,000 hosts).
    cables: BTreeMap<String, Vec<usize>>,
}

impl Lookup {
    /// Index a topology. `O(n log n)`.
    pub fn new(t: &Topology) -> Self {
        let mut ids = BTreeMap::new();
        for kind in EntityKind::ALL {
            for (i, id) in kind.list().ids(t).enumerate() {
                ids.entry(id.to_owned()).or_insert((kind, i));
            }
        }
        let mut mappings = BTreeMap::new();
        for (i, m) in t.mappings.iter().enumerate() {
            mappings.entry(m.id.clone()).or_insert(i);
        }
        let mut cables: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, l) in t.links.iter().enumerate() {
            match cables.get_mut(l.host.as_str()) {
                Some(list) => list.push(i),
                None => {
                    cables.insert(l.host.clone(), vec![i]);
                }
            }
        }
        Self {
            ids,
            mappings,
            cables,
        }
    }

    /// The cables of NIC `nic` on host `host`, in file order (positions in `t.links`; `t` is
    /// the topology this lookup was built from).
    pub fn cables<'a>(
        &'a self,
        t: &'a Topology,
        host: &str,
        nic: &'a str,
    ) -> impl Iterator<Item = &'a crate::model::Link> + 'a {
        self.cables
            .get(host)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&i| t.links.get(i))
            .filter(move |l| l.nic == nic)
    }

    /// Kind and position of `id`.
    pub fn get(&self, id: &str) -> Option<(EntityKind, usize)> {
        self.ids.get(id).copied()
    }

    /// Position of `id` if it names an entity of `kind`.
    pub fn of(&self, kind: EntityKind, id: &str) -> Option<usize> {
        self.get(id).filter(|(k, _)| *k == kind).map(|(_, i)| i)
    }

    /// Position of a mapping by name.
    pub fn mapping(&self, name: &str) -> Option<usize> {
        self.mappings.get(name).copied()
    }

    /// All ids of one kind, for "did you mean" hints.
    pub fn ids_of(&self, kind: EntityKind) -> impl Iterator<Item = &str> {
        self.ids
            .iter()
            .filter(move |(_, (k, _))| *k == kind)
            .map(|(id, _)| id.as_str())
    }

    /// All mapping names.
    pub fn mapping_names(&self) -> impl Iterator<Item = &str> {
        self.mappings.keys().map(String::as_str)
    }
}

/// Why a `hostpci` entry does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPciError {
    /// Not exactly one of `device`, `mapping`, `host`.
    Target,
    /// `device` names no device.
    UnknownDevice(String),
    /// `device` is installed in another host.
    OtherHost {
        /// The device.
        device: String,
        /// Where it is installed.
        host: String,
    },
    /// `mapping` names no mapping.
    UnknownMapping(String),
    /// The mapping has no entry for the VM's node.
    NoMappingEntry(String),
    /// The VM uses the mapping more often than it has entries for the VM's node.
    MappingExhausted {
        /// The mapping.
        mapping: String,
        /// How many of the VM's hostpci entries use it, up to this one.
        uses: usize,
    },
    /// An address does not parse.
    BadAddress(String, String),
    /// No device at that address on the VM's host.
    NothingAt(String),
}

/// Resolve one `hostpci` entry of `vm` to the devices it passes through (all functions for
/// the all-functions form, rule book PT-16). Mapping entries resolve through their path on
/// the VM's node.
pub fn hostpci_devices<'t>(
    t: &'t Topology,
    lookup: &Lookup,
    vm: &Vm,
    entry: &HostPci,
) -> Result<Vec<&'t Device>, HostPciError> {
    let targets = [
        entry.device.is_some(),
        entry.mapping.is_some(),
        entry.host.is_some(),
    ];
    if targets.iter().filter(|x| **x).count() != 1 {
        return Err(HostPciError::Target);
    }
    if let Some(id) = &entry.device {
        let i = lookup
            .of(EntityKind::Device, id)
            .ok_or_else(|| HostPciError::UnknownDevice(id.clone()))?;
        let dev = &t.devices[i];
        if dev.host != vm.host {
            return Err(HostPciError::OtherHost {
                device: id.clone(),
                host: dev.host.clone(),
            });
        }
        return Ok(vec![dev]);
    }
    let paths: Vec<String> = if let Some(name) = &entry.mapping {
        let i = lookup
            .mapping(name)
            .ok_or_else(|| HostPciError::UnknownMapping(name.clone()))?;
        let paths: Vec<String> = t.mappings[i]
            .map
            .iter()
            .filter(|e| e.node == vm.host)
            .map(|e| e.path.clone())
            .collect();
        // Proxmox takes the first free path of the node's entries (PT-23): a mapping used by
        // several hostpci entries of one VM gives them its entries in turn, in hostpci order
        // (qemu-server's own test `q35-linux-hostpci-mapping` does this).
        let earlier = vm
            .hostpci
            .iter()
            .filter(|h| h.mapping.as_ref() == Some(name) && h.index < entry.index)
            .count();
        match paths.into_iter().nth(earlier) {
            Some(p) => vec![p],
            None if earlier == 0 => return Err(HostPciError::NoMappingEntry(name.clone())),
            None => {
                return Err(HostPciError::MappingExhausted {
                    mapping: name.clone(),
                    uses: earlier + 1,
                })
            }
        }
    } else {
        entry
            .host
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::to_owned)
            .collect()
    };
    let mut out = Vec::new();
    for p in paths {
        let addr = PciAddress::parse(&p)
            .map_err(|e| HostPciError::BadAddress(p.clone(), e.to_string()))?;
        let found = devices_at(t, &vm.host, &addr);
        if found.is_empty() {
            return Err(HostPciError::NothingAt(p));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Devices on `host` whose address lies within `addr` (or covers it).
pub fn devices_at<'t>(t: &'t Topology, host: &str, addr: &PciAddress) -> Vec<&'t Device> {
    t.devices
        .iter()
        .filter(|d| d.host == host)
        .filter(|d| PciAddress::parse(&d.address).is_ok_and(|a| addr.overlaps(&a)))
        .collect()
}

/// Every device a VM passes through, resolved, deduplicated, in entry order. Entries that do
/// not resolve are skipped (validation reports them).
pub fn vm_passthrough<'t>(t: &'t Topology, lookup: &Lookup, vm: &Vm) -> Vec<&'t Device> {
    let mut out: Vec<&Device> = Vec::new();
    for entry in &vm.hostpci {
        for d in hostpci_devices(t, lookup, vm, entry).unwrap_or_default() {
            if !out.iter().any(|x| x.id == d.id) {
                out.push(d);
            }
        }
    }
    out
}
