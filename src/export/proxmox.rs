//! Proxmox VM configuration lines (`/etc/pve/qemu-server/<vmid>.conf`, or `qm set` options).

use crate::model::{Topology, Vm};
use std::fmt::Write as _;

/// The config lines of one VM that hostplan models, in Proxmox's own key order.
pub fn vm_conf(vm: &Vm) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} (hostplan)", vm.id.replace(['\n', '\r'], " "));
    if vm.agent {
        let _ = writeln!(out, "agent: 1");
    }
    if let Some(b) = vm.balloon_mib {
        let _ = writeln!(out, "balloon: {b}");
    }
    let _ = writeln!(out, "cores: {}", vm.cores.max(1));
    if !vm.cpu_type.is_empty() {
        let _ = writeln!(out, "cpu: {}", vm.cpu_type);
    }
    for h in &vm.hostpci {
        let mut parts = Vec::new();
        if let Some(m) = &h.mapping {
            parts.push(format!("mapping={m}"));
        } else if let Some(addr) = &h.host {
            parts.push(addr.clone());
        } else if let Some(d) = &h.device {
            // A hostplan device id has no meaning to Proxmox: say so rather than guess.
            parts.push(format!("<address of {d}>"));
        }
        if h.pcie {
            parts.push("pcie=1".into());
        }
        if !h.rombar {
            parts.push("rombar=0".into());
        }
        if h.x_vga {
            parts.push("x-vga=1".into());
        }
        let _ = writeln!(out, "hostpci{}: {}", h.index, parts.join(","));
    }
    if !vm.machine.is_empty() {
        let _ = writeln!(out, "machine: {}", vm.machine);
    }
    let _ = writeln!(out, "memory: {}", vm.memory_mib);
    let _ = writeln!(out, "name: {}", proxmox_name(&vm.id));
    let _ = writeln!(out, "onboot: {}", u8::from(vm.onboot));
    let mut startup = Vec::new();
    if let Some(o) = vm.startup.order {
        startup.push(format!("order={o}"));
    }
    if let Some(u) = vm.startup.up {
        startup.push(format!("up={u}"));
    }
    if let Some(d) = vm.startup.down {
        startup.push(format!("down={d}"));
    }
    if !startup.is_empty() {
        let _ = writeln!(out, "startup: {}", startup.join(","));
    }
    out
}

/// A VM name Proxmox accepts (a DNS name): other characters become `-`.
fn proxmox_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_owned()
}

/// Every VM's config, as `(file name, text)`: `<vmid>.conf`.
pub fn export(t: &Topology) -> Vec<(String, String)> {
    t.vms
        .iter()
        .map(|vm| (format!("{}.conf", vm.vmid), vm_conf(vm)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_truenas_conf_matches_the_seed() {
        let t = crate::examples::seed().unwrap();
        let conf = super::vm_conf(&t.vms[0]);
        for line in [
            "hostpci0: mapping=HBA,pcie=1,rombar=0",
            "hostpci1: mapping=NIC1,pcie=1",
            "balloon: 0",
            "machine: q35",
            "memory: 32768",
            "cores: 6",
            "cpu: host",
            "onboot: 1",
            "name: truenas",
        ] {
            assert!(
                conf.lines().any(|l| l == line),
                "missing `{line}` in\n{conf}"
            );
        }
        assert!(!conf.contains("startup:"), "the seed sets no startup order");
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(super::proxmox_name("a b\"c\n"), "a-b-c");
    }
}
