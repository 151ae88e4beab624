//! The bpg provider's dialect: `proxmox_virtual_environment_vm` (static and `dynamic "hostpci"`
//! blocks, `network_device`, `disk`, `startup`) and the PCI hardware-mapping resources.

use super::{
    as_i64, as_string, hostpci_index, meta_arguments, missing_placement, startup_block, take_pci,
    u32_of, virtio_nic, Ctx, NicKeys, PciKeys, Reader, BPG_VM,
};
use crate::import::hcl_eval::Scope;
use crate::model::{Mapping, MappingEntry, Vm};
use hcl::edit::structure::Block;
use hcl::edit::Span;
use serde_json::Value;

/// bpg `proxmox_virtual_environment_vm`, with the provider's defaults where they differ from
/// hostplan's (`on_boot` true, `cpu.type` `qemu64`, `cpu.cores` 1, `memory.dedicated` 512,
/// `memory.floating` 0 = no balloon device, `disk.size` 8).
pub(super) fn bpg_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Vm {
    let subject = format!("{BPG_VM}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut vm = Vm {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        vmid: r.u64("vm_id").map_or(0, u32_of),
        host: r.str("node_name").unwrap_or_default(),
        onboot: r.bool("on_boot").unwrap_or(true),
        machine: r.str("machine").unwrap_or_default(),
        cores: 1,
        cpu_type: "qemu64".into(),
        memory_mib: 512,
        ..Vm::default()
    };
    for (key, field) in [
        ("vm_id", "vmid"),
        ("node_name", "host"),
        ("on_boot", "onboot"),
        ("machine", "machine"),
    ] {
        r.mark(&mut vm, key, field);
    }
    vm.migrate = r.bool("migrate").unwrap_or(false);
    for b in r.blocks("cpu") {
        let c = r.child(b, None);
        vm.cores = c.u64("cores").map_or(1, u32_of);
        vm.cpu_type = c.str("type").unwrap_or_else(|| "qemu64".into());
        c.mark(&mut vm, "cores", "cores");
        c.mark(&mut vm, "type", "cpu_type");
        c.finish();
    }
    let mut floating = 0;
    for b in r.blocks("memory") {
        let m = r.child(b, None);
        vm.memory_mib = m.u64("dedicated").unwrap_or(512);
        floating = m.u64("floating").unwrap_or(0);
        m.mark(&mut vm, "dedicated", "memory_mib");
        m.mark(&mut vm, "floating", "balloon_mib");
        m.finish();
    }
    // floating = dedicated: a balloon device that never shrinks = Proxmox's default (no
    // `balloon:` line); 0 removes the device.
    vm.balloon_mib = (floating != vm.memory_mib).then_some(floating);
    for b in r.blocks("agent") {
        let a = r.child(b, None);
        vm.agent = a.bool("enabled").unwrap_or(false);
        a.mark(&mut vm, "enabled", "agent");
        a.finish();
    }
    for (b, sc) in r.repeated("startup") {
        let s = r.child(b, sc);
        vm.startup = startup_block(&s, ["order", "up_delay", "down_delay"]);
        for k in ["order", "up_delay", "down_delay"] {
            s.mark(&mut vm, k, "startup");
        }
    }
    for (position, (b, scope)) in r.repeated("hostpci").into_iter().enumerate() {
        let h = r.child(b, scope);
        let index = h
            .str("device")
            .and_then(|d| {
                let i = hostpci_index(&d);
                if i.is_none() {
                    ctx.note(
                        b.span(),
                        &h.subject,
                        format!("`device = \"{d}\"` is not `hostpciN`; using its position"),
                    );
                }
                i
            })
            .unwrap_or_else(|| u32_of(position as u64));
        take_pci(ctx, b, &h, index, &BPG_PCI, &mut vm);
    }
    let mut boot_seen = false;
    for (b, sc) in r.repeated("disk") {
        let d = r.child(b, sc);
        let interface = d.str("interface").unwrap_or_default();
        // `path_in_datastore = "/dev/disk/by-id/…"`: a host disk handed over as a block device.
        if let Some(path) = d
            .str("path_in_datastore")
            .filter(|p| p.starts_with("/dev/"))
        {
            vm.raw_disks.push(crate::model::RawDisk {
                slot: interface,
                path,
                disk: None,
            });
            for k in ["datastore_id", "file_format", "size"] {
                d.skip(k);
            }
            d.finish();
            continue;
        }
        let storage = d.str("datastore_id").unwrap_or_else(|| "local-lvm".into());
        let size = d.u64("size").unwrap_or(8);
        if boot_seen {
            ctx.note(
                b.span(),
                &d.subject,
                format!("data disk `{interface}` ({size} GB on {storage}) is not modelled; not imported"),
            );
            d.skip("file_format");
        } else {
            boot_seen = true;
            vm.boot_storage = storage;
            vm.boot_disk_gb = u32_of(size);
            if !interface.is_empty() && interface != "scsi0" {
                vm.boot_interface = Some(interface.clone());
            }
            d.mark(&mut vm, "datastore_id", "boot_storage");
            d.mark(&mut vm, "size", "boot_disk_gb");
        }
        d.finish();
    }
    for (b, sc) in r.repeated("network_device") {
        virtio_nic(ctx, b, &r.child(b, sc), &BPG_NIC, &mut vm);
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    vm
}

pub(super) fn bpg_mapping(
    ctx: &Ctx<'_>,
    block: &Block,
    kind: &str,
    label: &str,
    scope: &Scope,
) -> Mapping {
    let subject = format!("{kind}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut m = Mapping {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        description: r.str("comment").unwrap_or_default(),
        map: Vec::new(),
    };
    let span = block.body.get_attribute("map").and_then(Span::span);
    match r.get("map") {
        Some(Value::Array(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                let Value::Object(o) = e else {
                    ctx.note(
                        span.clone(),
                        &format!("{subject}.map[{i}]"),
                        "not an object; not imported".into(),
                    );
                    continue;
                };
                let mut entry = MappingEntry::default();
                for (k, v) in o {
                    match (k.as_str(), v) {
                        (_, Value::Null) => {}
                        ("node", v) => entry.node = as_string(v).unwrap_or_default(),
                        ("path", v) => entry.path = as_string(v).unwrap_or_default(),
                        ("id", v) => entry.id = as_string(v),
                        ("subsystem_id", v) => entry.subsystem_id = as_string(v),
                        ("iommu_group", v) => {
                            entry.iommu_group = as_i64(v).and_then(|g| i32::try_from(g).ok());
                        }
                        (other, _) => ctx.note(
                            span.clone(),
                            &format!("{subject}.map[{i}].{other}"),
                            "attribute not modelled by hostplan; not imported".into(),
                        ),
                    }
                }
                m.map.push(entry);
            }
        }
        Some(_) => ctx.note(span, &subject, "`map` is not a list; not imported".into()),
        None => {}
    }
    r.finish();
    m
}

const BPG_NIC: NicKeys = NicKeys {
    vlan: "vlan_id",
    down: "disconnected",
    ignored: &[
        "model",
        "mac_address",
        "firewall",
        "queues",
        "rate_limit",
        "enabled",
    ],
};

/// bpg `hostpci { mapping | id … xvga }`.
const BPG_PCI: PciKeys = PciKeys {
    mapping: "mapping",
    address: "id",
    x_vga: &["xvga"],
};
