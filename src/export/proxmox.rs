//! Proxmox VM configuration lines (`/etc/pve/qemu-server/<vmid>.conf`, or `qm set` options).

use crate::model::{Topology, Vm};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The config lines of one VM of `t` that hostplan models, in Proxmox's own (alphabetical) key
/// order. A hostpci entry naming a hostplan device is written as that device's address; the
/// virtio NICs get their network's VLAN as `tag=`.
pub fn vm_conf(t: &Topology, vm: &Vm) -> String {
    let vlans: BTreeMap<&str, u16> = t
        .networks
        .iter()
        .filter_map(|n| n.vlan.map(|v| (n.id.as_str(), v)))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# {} (hostplan)", vm.id.replace(['\n', '\r'], " "));
    if vm.agent {
        let _ = writeln!(out, "agent: 1");
    }
    if let Some(b) = vm.balloon_mib {
        let _ = writeln!(out, "balloon: {b}");
    }
    if !vm.boot_storage.is_empty() {
        let _ = writeln!(out, "boot: order=scsi0");
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
            match t.devices.iter().find(|x| &x.id == d) {
                Some(dev) => parts.push(dev.address.clone()),
                // Validation rejects unknown devices; say so rather than guess.
                None => parts.push(format!("<address of {d}>")),
            }
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
    for (i, n) in vm.nics.iter().filter(|n| n.device.is_none()).enumerate() {
        let mut parts = vec![
            "virtio".to_owned(),
            format!("bridge={}", n.bridge.as_deref().unwrap_or("vmbr0")),
        ];
        if let Some(vlan) = vlans.get(n.network.as_str()) {
            parts.push(format!("tag={vlan}"));
        }
        if let Some(mtu) = n.mtu {
            parts.push(format!("mtu={mtu}"));
        }
        let _ = writeln!(out, "net{i}: {}", parts.join(","));
    }
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
    if !vm.boot_storage.is_empty() {
        let _ = writeln!(
            out,
            "scsi0: {}:vm-{}-disk-0,size={}G",
            vm.boot_storage, vm.vmid, vm.boot_disk_gb
        );
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
        .map(|vm| (format!("{}.conf", vm.vmid), vm_conf(t, vm)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_truenas_conf_matches_the_seed() {
        let t = crate::examples::seed().unwrap();
        let conf = super::vm_conf(&t, &t.vms[0]);
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
