//! The policy input document: the normalized topology plus facts derived by the core, keyed
//! by id so rules (and their tests, through `object.union`) read them directly.
//!
//! `hostplan facts FILE` prints this document; `opa eval -i facts.json` and
//! `conftest test facts.json -p policies/ --all-namespaces` evaluate the same rule book on it.
//!
//! The document is typed: [`Facts`] and one struct per fact group ([`HostFacts`],
//! [`DeviceFacts`], [`VmFacts`], [`PoolFacts`]…). Their doc comments are what a policy author
//! reads in `docs/facts.schema.json`, which is generated from them ([`facts_schema`]), so the
//! published shape cannot drift from what [`facts`] builds.
//!
//! **Unknown facts** (an importer could not resolve the value the fact follows from) are left
//! out of their object — under any Rego engine a missing fact makes a rule's body undefined, so
//! no rule reads a stand-in — and named in the object's `unknown` list, where the engine finds
//! them for "not evaluated" ([`super::Prepared::evaluate`]). In the structs such a fact is an
//! `Option` skipped when `None`; a fact that is `null` when not set is an `Option` that is not.

mod boot;
mod hardware;
mod infra;
pub mod sorted;
mod storage;
mod vms;

pub use boot::{BootFacts, BootFailure, BootWait, Hazard};
pub use hardware::{DeviceFacts, HostFacts, MappingEntryFacts, MappingFacts};
pub use infra::{
    BondFacts, ClusterFacts, ControlPlaneFacts, CorosyncFacts, HaFacts, PowerFacts,
    ResourceAffinityFacts, ShutdownFacts, SwitchFacts, UpsFacts,
};
pub use storage::{
    ConsumerFacts, DiskFacts, NetworkFacts, PoolFacts, PoolUnknown, ServiceFacts, StorageFacts,
    VdevFacts,
};
pub use vms::{HostPciFacts, HostPciKind, RawDiskFacts, VmFacts};

use crate::model::pci::PciAddress;
use crate::model::{Device, Disk, Topology, Vm};
use crate::resolve::{vm_passthrough, EntityKind, Lookup};
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the facts document.
pub const FACTS_SCHEMA: &str = "hostplan-facts/1";

/// Host RAM hostplan reserves for Proxmox itself when checking pinned memory (PT-11), MiB.
pub const HOST_RESERVE_MIB: u64 = 2048 + 1024;

/// What `hostplan facts FILE` prints and the rule book reads as `input`: the normalized topology
/// plus facts derived by the core, keyed by id.
//
// Fields (here and in every group) are declared in a reading order, not key order: the printed
// document has its keys sorted by [`sorted`] (`hostplan facts`) or by passing through a
// `serde_json::Value` ([`facts`]); writing these structs straight out with serde_json, as
// `evaluate_facts` does for the engine, gives another order (BENCHMARKS.md, issue #12).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Facts<'a> {
    /// Version of this document's shape.
    #[schemars(extend("const" = "hostplan-facts/1"))]
    pub schema: &'static str,
    /// The topology as loaded (its format: `hostplan schema`).
    pub topology: &'a Topology,
    /// Host id → facts of the host.
    pub hosts: BTreeMap<&'a str, HostFacts<'a>>,
    /// Device id → facts of the PCIe device.
    pub devices: BTreeMap<&'a str, DeviceFacts<'a>>,
    /// VM id → facts of the VM.
    pub vms: BTreeMap<&'a str, VmFacts<'a>>,
    /// Resource-mapping name → facts of the mapping.
    pub mappings: BTreeMap<&'a str, MappingFacts<'a>>,
    /// Disk id → facts of the disk.
    pub disks: BTreeMap<&'a str, DiskFacts<'a>>,
    /// Proxmox storage id → facts of the storage.
    pub storages: BTreeMap<&'a str, StorageFacts<'a>>,
    /// ZFS pool id → facts of the pool.
    pub pools: BTreeMap<&'a str, PoolFacts<'a>>,
    /// Network id → facts of the network.
    pub networks: BTreeMap<&'a str, NetworkFacts<'a>>,
    /// Storage service id → facts of the service.
    pub services: BTreeMap<&'a str, ServiceFacts<'a>>,
    /// Consumer id → facts of the consumer.
    pub consumers: BTreeMap<&'a str, ConsumerFacts<'a>>,
    /// The cold-start boot timeline (see docs/simulation.md).
    pub boot: BootFacts,
    /// Service, consumer control plane or consumer volumes id → its single points of failure
    /// (component ids), from the N-1 analysis; absent when that analysis cannot run (a
    /// requirement cycle) or its lists would hold more than 64 ids per graph node on average
    /// (a long chain of storage VMs booting from each other's storage: the lists grow with the
    /// square of its length): not known, never "none".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spof: Option<BTreeMap<String, Vec<String>>>,
    /// Host or switch id → where its power comes from (absent when not stated).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub power: BTreeMap<String, PowerFacts>,
    /// UPS id → its load and runtime when the mains are lost, and who watches it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ups: BTreeMap<String, UpsFacts>,
    /// Switch id → its power, hosts and the networks its links carry.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub switches: BTreeMap<String, SwitchFacts>,
    /// `host#bond` → the bond's mode, links and the switches they end on.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub bonds: BTreeMap<String, BondFacts>,
    /// The Proxmox cluster: votequorum, corosync paths, HA settings; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterFacts>,
    /// HA-managed VM id → what keeps it on its node, and its node-affinity rule.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ha: BTreeMap<String, HaFacts>,
    /// Host on a UPS → the shutdown it must finish on battery.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub shutdown: BTreeMap<String, ShutdownFacts>,
    /// Consumer id → the switches and UPS units all its control-plane members share.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub control_planes: BTreeMap<String, ControlPlaneFacts>,
}

impl<'a> Facts<'a> {
    /// Derive the facts of a topology (which should validate without errors).
    ///
    /// # Complexity
    /// `O(n log n + d²)` for `n` entities and `d` devices per host, plus one cold-start boot
    /// simulation and the N-1 analysis.
    pub fn of(t: &'a Topology) -> Self {
        let ix = Index::new(t);
        let infra = infra::infra(&ix);
        Facts {
            schema: FACTS_SCHEMA,
            topology: t,
            hosts: hardware::hosts(&ix),
            devices: hardware::devices(&ix),
            vms: vms::vms(&ix),
            mappings: hardware::mappings(&ix),
            disks: storage::disks(t),
            storages: storage::storages(t),
            pools: storage::pools(&ix),
            networks: storage::networks(t),
            services: storage::services(&ix),
            consumers: storage::consumers(t),
            boot: boot::cold_start(t),
            spof: boot::spof(t),
            power: infra.power,
            ups: infra.ups,
            switches: infra.switches,
            bonds: infra.bonds,
            cluster: infra.cluster,
            ha: infra.ha,
            shutdown: infra.shutdown,
            control_planes: infra.control_planes,
        }
    }
}

/// Build the facts document of a topology (which should validate without errors), as JSON.
///
/// Every map of the document is keyed by strings, so the conversion cannot fail; `Null` stands
/// in should that ever change, as the core does not panic.
///
/// # Complexity
/// As [`Facts::of`].
pub fn facts(t: &Topology) -> serde_json::Value {
    serde_json::to_value(Facts::of(t)).unwrap_or_default()
}

/// Write the facts document of a topology as [`facts`] prints through
/// `serde_json::to_string_pretty` — the same bytes — without building the JSON tree (a
/// tenth of the memory at 10,000 hosts; see [`sorted`]).
///
/// # Errors
/// [`sorted::Error::Io`] when `out` fails.
///
/// # Complexity
/// As [`Facts::of`], plus the bytes written.
pub fn write_facts(t: &Topology, out: impl std::io::Write) -> Result<(), sorted::Error> {
    sorted::to_writer(out, &Facts::of(t))
}

/// JSON Schema of the facts document (`docs/facts.schema.json`; `hostplan schema --facts`),
/// generated from [`Facts`]: it describes what is serialized, so a fact that can be left out
/// is not `required`.
pub fn facts_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema =
        serde_json::to_value(generator.into_root_schema_for::<Facts>()).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "title".into(),
            format!("hostplan policy input ({FACTS_SCHEMA})").into(),
        );
    }
    schema
}

/// The sorted, deduplicated names of a group's unknown facts (its `unknown` list).
fn unknown_list<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `value` unless the fact `name` is among `unknown`.
fn known<T>(unknown: &[&str], name: &str, value: T) -> Option<T> {
    (!unknown.contains(&name)).then_some(value)
}

/// What several fact groups look up, computed once per document: a scan of the whole topology
/// per entity made the document quadratic in the size of the fleet.
struct Index<'a> {
    t: &'a Topology,
    lookup: Lookup,
    disk_by_id: BTreeMap<&'a str, &'a Disk>,
    /// Host id → its devices with their parsed PCI addresses, in topology order.
    devices_on: BTreeMap<&'a str, Vec<(&'a Device, Option<PciAddress>)>>,
    /// Host id → the VMs on it, in topology order.
    vms_on: BTreeMap<&'a str, Vec<&'a Vm>>,
    /// Controller id → the disks attached to it, in topology order.
    disks_of: BTreeMap<&'a str, Vec<&'a str>>,
    /// Every device each VM passes through, resolved, in the order of `t.vms`.
    passthrough: Vec<Vec<&'a Device>>,
    /// Device id → the VMs passing it through, in topology order.
    passed_to: BTreeMap<&'a str, Vec<&'a str>>,
    /// Owner id → the pools it imports, in topology order.
    pools_of: BTreeMap<&'a str, Vec<&'a str>>,
    /// Provider id → the storage services it serves, in topology order.
    services_of: BTreeMap<&'a str, Vec<&'a str>>,
}

impl<'a> Index<'a> {
    fn new(t: &'a Topology) -> Self {
        let lookup = Lookup::new(t);
        let mut devices_on: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for d in &t.devices {
            let addr = PciAddress::parse(&d.address).ok();
            devices_on
                .entry(d.host.as_str())
                .or_default()
                .push((d, addr));
        }
        let mut vms_on: BTreeMap<&str, Vec<&Vm>> = BTreeMap::new();
        for vm in &t.vms {
            vms_on.entry(vm.host.as_str()).or_default().push(vm);
        }
        let mut disks_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for x in &t.disks {
            disks_of
                .entry(x.controller.as_str())
                .or_default()
                .push(x.id.as_str());
        }
        let passthrough: Vec<Vec<&Device>> = t
            .vms
            .iter()
            .map(|vm| vm_passthrough(t, &lookup, vm))
            .collect();
        let mut passed_to: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (vm, devices) in t.vms.iter().zip(&passthrough) {
            for d in devices {
                passed_to
                    .entry(d.id.as_str())
                    .or_default()
                    .push(vm.id.as_str());
            }
        }
        let mut pools_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in &t.pools {
            pools_of.entry(p.owner.as_str()).or_default().push(&p.id);
        }
        let mut services_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for s in &t.services {
            services_of
                .entry(s.provider.as_str())
                .or_default()
                .push(&s.id);
        }
        Index {
            t,
            disk_by_id: t.disks.iter().map(|d| (d.id.as_str(), d)).collect(),
            lookup,
            devices_on,
            vms_on,
            disks_of,
            passthrough,
            passed_to,
            pools_of,
            services_of,
        }
    }

    /// The pools `owner` imports.
    fn pools_of(&self, owner: &str) -> &[&'a str] {
        self.pools_of.get(owner).map_or(&[], Vec::as_slice)
    }

    /// The storage services `provider` serves.
    fn services_of(&self, provider: &str) -> &[&'a str] {
        self.services_of.get(provider).map_or(&[], Vec::as_slice)
    }

    /// The host an entity runs on: a VM's host, or the id itself (a host).
    fn host_of(&self, id: &'a str) -> &'a str {
        match self.lookup.get(id) {
            Some((EntityKind::Vm, i)) => self.t.vms.get(i).map_or(id, |vm| vm.host.as_str()),
            _ => id,
        }
    }

    /// Whether `id` names a VM.
    fn is_vm(&self, id: &str) -> bool {
        self.lookup.of(EntityKind::Vm, id).is_some()
    }

    /// The devices installed in `host`, with their parsed PCI addresses.
    fn devices_on(&self, host: &str) -> &[(&'a Device, Option<PciAddress>)] {
        self.devices_on.get(host).map_or(&[], Vec::as_slice)
    }

    /// The VMs on `host`.
    fn vms_on(&self, host: &str) -> &[&'a Vm] {
        self.vms_on.get(host).map_or(&[], Vec::as_slice)
    }

    /// The disks of the pool's members, in vdev order (members that are no disk are skipped).
    fn members(&self, pool: &'a crate::model::Pool) -> impl Iterator<Item = &'a Disk> + '_ {
        pool.vdevs
            .iter()
            .flat_map(|v| &v.disks)
            .filter_map(|d| self.disk_by_id.get(d.as_str()).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_compare_by_major_and_minor() {
        assert_eq!(hardware::kernel_at_least("6.8.12-4-pve", 6, 8), Some(true));
        assert_eq!(hardware::kernel_at_least("6.5", 6, 8), Some(false));
        assert_eq!(hardware::kernel_at_least("7", 6, 8), Some(true));
        assert_eq!(hardware::kernel_at_least("", 6, 8), None);
    }

    #[test]
    fn unknown_lists_are_sorted_and_deduplicated() {
        assert_eq!(
            unknown_list(["up", "order", "up", "down"]),
            ["down", "order", "up"]
        );
    }

    /// [`write_facts`] writes the bytes the JSON tree prints, on the examples and on generated
    /// fleets of every shape (racks, a fan-in, a chain whose SPOF lists are long).
    #[test]
    fn the_direct_writer_prints_the_trees_bytes() {
        use crate::sim::generate::{generate, FleetSpec, Shape};
        let mut topologies = vec![
            crate::examples::seed().unwrap(),
            crate::examples::cluster().unwrap(),
            crate::examples::roadmap().unwrap(),
        ];
        for shape in [Shape::Fleet, Shape::FanIn, Shape::Chain] {
            topologies.push(generate(&FleetSpec {
                hosts: 12,
                vms_per_host: 3,
                shape,
                ..FleetSpec::default()
            }));
        }
        for t in &topologies {
            let tree = serde_json::to_string_pretty(&facts(t)).unwrap();
            let mut direct = Vec::new();
            write_facts(t, &mut direct).unwrap();
            assert!(
                String::from_utf8(direct).unwrap() == tree,
                "{}: the direct writer differs from the tree",
                t.site.name
            );
        }
    }

    /// The schema's `const` (a literal, as schemars wants) is the version [`facts`] writes.
    #[test]
    fn the_schema_names_the_document_version() {
        assert_eq!(
            facts_schema()["properties"]["schema"]["const"],
            FACTS_SCHEMA
        );
    }
}
