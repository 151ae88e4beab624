//! Importers: pure functions from what people already have (command outputs, configs) to
//! topology pieces, each listing precisely what it could not map — never dropping data
//! silently, never panicking.
//!
//! So far: `zpool status` ([`zpool`]) and `lspci -nnmmv` ([`lspci`]).

pub mod lspci;
pub mod zpool;
