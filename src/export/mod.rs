//! Exporters: pure renderers from a topology (and its evaluation) to text, one file per format.
//!
//! - [`spec`]: the validated spec — canonical JSON with facts, policy results and digests, and
//!   its verification;
//! - [`proxmox`]: `/etc/pve/qemu-server/<vmid>.conf` lines per VM;
//! - [`mermaid`] and [`dot`]: diagrams in the style of the seed's own.

mod diagram;
pub mod dot;
pub mod mermaid;
pub mod proxmox;
pub mod spec;
pub mod terraform;
