//! Topologies that ship inside hostplan: the seed and its bare-metal roadmap.

use crate::model::Topology;

/// The seed: TrueNAS SCALE as a VM on srv01 with HBA and NIC passthrough.
pub const SEED: &str = include_str!("../examples/seed.toml");

/// The seed's roadmap: TrueNAS on its own bare-metal chassis.
pub const ROADMAP: &str = include_str!("../examples/roadmap-bare-metal.toml");

/// The built-in examples as `(file name, text)`.
pub const ALL: [(&str, &str); 2] = [("seed.toml", SEED), ("roadmap-bare-metal.toml", ROADMAP)];

/// The seed, parsed. `None` only if the embedded file were broken (a test guards that).
pub fn seed() -> Option<Topology> {
    crate::source::parse("seed.toml", SEED.as_bytes()).topology
}

/// The roadmap, parsed.
pub fn roadmap() -> Option<Topology> {
    crate::source::parse("roadmap-bare-metal.toml", ROADMAP.as_bytes()).topology
}
