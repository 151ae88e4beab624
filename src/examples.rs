//! Topologies that ship inside hostplan: the seed, its bare-metal roadmap, and a small HA
//! cluster with its power and network.

use crate::model::Topology;

/// The seed: TrueNAS SCALE as a VM on srv01 with HBA and NIC passthrough.
pub const SEED: &str = include_str!("../examples/seed.toml");

/// The seed's roadmap: TrueNAS on its own bare-metal chassis.
pub const ROADMAP: &str = include_str!("../examples/roadmap-bare-metal.toml");

/// A 3-node Proxmox cluster with HA, a QDevice, an MLAG switch pair, a UPS, and TrueNAS with
/// HBA passthrough on one node.
pub const CLUSTER: &str = include_str!("../examples/cluster-ha.toml");

/// The built-in examples as `(file name, text)`.
pub const ALL: [(&str, &str); 3] = [
    ("seed.toml", SEED),
    ("roadmap-bare-metal.toml", ROADMAP),
    ("cluster-ha.toml", CLUSTER),
];

/// The seed, parsed. `None` only if the embedded file were broken (a test guards that).
pub fn seed() -> Option<Topology> {
    crate::source::parse("seed.toml", SEED.as_bytes()).topology
}

/// The cluster example, parsed.
pub fn cluster() -> Option<Topology> {
    crate::source::parse("cluster-ha.toml", CLUSTER.as_bytes()).topology
}

/// The roadmap, parsed.
pub fn roadmap() -> Option<Topology> {
    crate::source::parse("roadmap-bare-metal.toml", ROADMAP.as_bytes()).topology
}
