//! Exporters: pure renderers from a topology (and its evaluation) to text, one file per format.
//!
//! - [`spec`]: the validated spec — canonical JSON with facts, policy results and digests, and
//!   its verification;
//! - [`proxmox`]: `/etc/pve/qemu-server/<vmid>.conf` lines per VM;
//! - [`terraform`]: wrapper-module inputs (tfvars JSON, `module` blocks, typed by the module's
//!   `variables*.tf` via [`tftypes`]) and plain bpg provider resources;
//! - [`mermaid`] and [`dot`]: diagrams in the style of the seed's own.

mod diagram;
pub mod dot;
pub mod mermaid;
pub mod proxmox;
pub mod spec;
pub mod terraform;
pub mod tftypes;
