//! The failure domains below and around the hosts: power (UPS units, PSUs), the physical
//! network (switches, links, bonds) and the Proxmox cluster (votes, QDevice, corosync links, HA).
//!
//! Every section and field here is optional, so a version-1 file written before they existed
//! reads unchanged; a file that states none of them is judged as before (a host on its
//! `power_feed`, bridges over NIC devices). Facts behind the defaults:
//! `../shared/domain/OPERATIONS.md` (HA-*, Q-*, U-*, B-*).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A UPS: it keeps its loads up while its feed is lost, for as long as its battery lasts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Ups {
    /// Unique id.
    pub id: String,
    /// Human description, e.g. "APC SMT1500 rack A".
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The power feed the UPS hangs on (absent: not stated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    /// Real-power capacity, W (`ups.realpower.nominal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_w: Option<u32>,
    /// Battery runtime at given loads: one point, or a curve read from the vendor's runtime
    /// table. Between points the runtime is interpolated; outside them it is scaled as
    /// `runtime × load_point / load` (constant energy), which overstates runtime at high load
    /// (Peukert), so a curve should cover the loads that matter. Empty = unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtime: Vec<RuntimePoint>,
    /// Runtime left when the UPS reports low battery (`battery.runtime.low`), seconds; NUT
    /// starts the shutdown then (U-2, U-6). Absent = unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_low_s: Option<u32>,
    /// The host that runs NUT's `upsmon` as primary (the UPS's USB/serial cable is on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nut_primary: Option<String>,
    /// Hosts that run `upsmon` as secondaries of this UPS.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nut_secondaries: Vec<String>,
}

/// One point of a UPS runtime curve.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RuntimePoint {
    /// Load, W.
    pub load_w: u32,
    /// Runtime at that load, minutes.
    pub minutes: f64,
}

/// One power supply of a host or switch: where it is plugged in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Psu {
    /// A power feed id or a UPS id.
    pub power: String,
}

/// A network switch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Switch {
    /// Unique id.
    pub id: String,
    /// Human description (model).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Its power supplies (one entry per PSU); empty = not stated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub psus: Vec<Psu>,
    /// Power draw, W (absent: not counted in a UPS's load).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_w: Option<u32>,
    /// The other switch of its MLAG / MC-LAG pair: the two present themselves to an LACP bond
    /// as one partner (B-7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mlag_peer: Option<String>,
}

/// A cable from a host's NIC port to a switch port.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Link {
    /// Unique id.
    pub id: String,
    /// The host the NIC is in.
    pub host: String,
    /// A NIC device id on that host (a PCIe NIC, passed through or not), or the name of an
    /// onboard port (`eno1`) that has no device entry. A passed-through NIC's links belong to
    /// the guest it is passed to.
    pub nic: String,
    /// The switch at the other end.
    pub switch: String,
    /// The switch port (free text, e.g. `1/0/12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Network ids (VLANs) the link carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
}

/// Linux bonding mode (kernel `bonding.rst`, B-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BondMode {
    /// Round robin (mode 0, the kernel default).
    BalanceRr,
    /// One active member, failover on failure (mode 1); needs no switch configuration.
    #[default]
    ActiveBackup,
    /// XOR hash (mode 2).
    BalanceXor,
    /// Every frame on every member (mode 3).
    Broadcast,
    /// IEEE 802.3ad LACP (mode 4): all members must end on one LACP partner (one switch or an
    /// MLAG pair).
    #[serde(rename = "802.3ad")]
    Lacp,
    /// Adaptive transmit load balancing (mode 5).
    BalanceTlb,
    /// Adaptive load balancing (mode 6).
    BalanceAlb,
}

named!(BondMode {
    BalanceRr => "balance-rr",
    ActiveBackup => "active-backup",
    BalanceXor => "balance-xor",
    Broadcast => "broadcast",
    Lacp => "802.3ad",
    BalanceTlb => "balance-tlb",
    BalanceAlb => "balance-alb",
});

/// A Linux bond (`bondN`) on a host: up while one member link is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Bond {
    /// Bond name, e.g. `bond0`; unique per host, and a bridge can name it as a port.
    pub name: String,
    /// Bonding mode.
    pub mode: BondMode,
    /// Member link ids (links of this host).
    pub links: Vec<String>,
    /// `bond-lacp-rate` (802.3ad only): `fast` (1 s LACPDUs) or `slow` (30 s, the kernel
    /// default); absent = not stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lacp_rate: Option<LacpRate>,
}

/// `bond-lacp-rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LacpRate {
    /// A LACPDU every 30 s: a silent member is noticed after 90 s.
    Slow,
    /// A LACPDU every second: noticed after 3 s.
    Fast,
}

named!(LacpRate { Slow => "slow", Fast => "fast" });

/// The Proxmox cluster: corosync membership, votequorum, and the HA manager's settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Cluster {
    /// Cluster name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Member nodes and their votes.
    pub nodes: Vec<ClusterNode>,
    /// The external vote (corosync-qdevice talking to a qnetd server), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qdevice: Option<QDevice>,
    /// votequorum `two_node: 1`: a two-node cluster stays quorate with one node (implies
    /// `wait_for_all`). Proxmox does not write it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub two_node: bool,
    /// votequorum `wait_for_all`; absent = the default (on with `two_node`, else off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_for_all: Option<bool>,
    /// Corosync (knet) links, `link0`…`link7`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corosync_links: Vec<CorosyncLink>,
    /// HA manager settings and rules.
    #[serde(skip_serializing_if = "HaSettings::is_empty")]
    pub ha: HaSettings,
}

/// A cluster member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClusterNode {
    /// The host id.
    pub host: String,
    /// `quorum_votes` (1 when absent, Q-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<u32>,
}

impl ClusterNode {
    /// Its votes: as stated, else corosync's default 1.
    pub fn votes(&self) -> u32 {
        self.votes.unwrap_or(1)
    }
}

/// QDevice algorithm (corosync-qdevice(8), Q-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum QDeviceAlgorithm {
    /// Fifty-fifty split: one vote to the larger partition (even node counts).
    #[default]
    Ffsplit,
    /// Last man standing: `nodes − 1` votes.
    Lms,
}

named!(QDeviceAlgorithm { Ffsplit => "ffsplit", Lms => "lms" });

/// The external quorum vote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct QDevice {
    /// Where `corosync-qnetd` runs: a host or VM id of this file; absent = a machine outside
    /// it (a Raspberry Pi, a VPS), which fails with nothing here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Algorithm.
    pub algorithm: QDeviceAlgorithm,
    /// Votes it gives; absent = the algorithm's (ffsplit 1, lms nodes − 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub votes: Option<u32>,
}

/// One corosync link (`linkN`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CorosyncLink {
    /// Link number, 0–7.
    pub number: u32,
    /// The network it runs on; each node reaches it through its bridges or NICs.
    pub network: String,
    /// `knet_link_priority` (0–255, higher wins in passive mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
}

/// `datacenter.cfg` `ha: shutdown_policy` (HA-19, HA-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ShutdownPolicy {
    /// Freeze on reboot, recover elsewhere on poweroff (the default).
    #[default]
    Conditional,
    /// Always freeze: never recovered while the node is down.
    Freeze,
    /// Never freeze: recovered elsewhere once the node is fenced.
    Failover,
    /// Live-migrate everything away first; a guest that cannot move hangs the shutdown.
    Migrate,
}

named!(ShutdownPolicy {
    Conditional => "conditional",
    Freeze => "freeze",
    Failover => "failover",
    Migrate => "migrate",
});

/// HA manager settings and rules.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct HaSettings {
    /// `shutdown_policy`; absent = `conditional`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_policy: Option<ShutdownPolicy>,
    /// Node-affinity rules (PVE 9; the HA groups of earlier releases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub node_affinity: Vec<NodeAffinity>,
    /// Resource-affinity rules (PVE 9): HA resources kept together or apart.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_affinity: Vec<ResourceAffinity>,
}

impl HaSettings {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A node-affinity rule (`ha-manager rules add node-affinity`, HA-37, HA-38).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct NodeAffinity {
    /// Rule id.
    pub id: String,
    /// VM ids (HA resources) it applies to.
    pub vms: Vec<String>,
    /// Allowed nodes (host ids), highest priority first.
    pub nodes: Vec<String>,
    /// Strict: the VM runs only on these nodes (stopped if none is available); otherwise a
    /// preference.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
}

/// Whether a resource-affinity rule keeps its resources together or apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Affinity {
    /// On one node together.
    #[default]
    Positive,
    /// Each on a node of its own.
    Negative,
}

named!(Affinity { Positive => "positive", Negative => "negative" });

/// A resource-affinity rule (`ha-manager rules add resource-affinity <id> --affinity
/// positive|negative --resources vm:100,vm:101`, HA-37, HA-38). Strict: when HA cannot meet it,
/// the resource stays in recovery rather than start where the rule forbids.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ResourceAffinity {
    /// Rule id.
    pub id: String,
    /// Positive (together) or negative (apart).
    pub affinity: Affinity,
    /// VM ids (HA resources) it applies to: at least two (HA-39).
    pub vms: Vec<String>,
}
