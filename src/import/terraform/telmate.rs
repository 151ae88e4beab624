//! The Telmate provider's dialect: `proxmox_vm_qemu` with 2.x `hostpci` blocks, `pci { … }` and
//! `pcis { pciN { mapping { … } | raw { … } } }`, `network`/`networks`, and its disk layouts.

use super::{
    meta_arguments, missing_placement, startup_block, take_pci, u32_of, virtio_nic, Ctx, NicKeys,
    PciKeys, Reader, TELMATE_VM,
};
use crate::import::hcl_eval::Scope;
use crate::model::Vm;
use hcl::edit::structure::Block;

/// Telmate `proxmox_vm_qemu` (2.x and 3.x attribute names).
pub(super) fn telmate_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Vm {
    let subject = format!("{TELMATE_VM}.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    meta_arguments(ctx, &r, block, &subject);
    let mut vm = Vm {
        id: r.str("name").unwrap_or_else(|| label.to_owned()),
        vmid: r.u64("vmid").map_or(0, u32_of),
        host: r.str("target_node").unwrap_or_default(),
        memory_mib: r.u64("memory").unwrap_or(512),
        cores: r.u64("cores").map_or(1, u32_of),
        machine: r.str("machine").unwrap_or_default(),
        onboot: r
            .bool("onboot")
            .or_else(|| r.bool("start_at_node_boot"))
            .unwrap_or(false),
        agent: r.bool("agent").unwrap_or(false),
        cpu_type: r.str("cpu_type").unwrap_or_else(|| "host".into()),
        ..Vm::default()
    };
    // 2.x: `cpu = "host"`; 3.x: a `cpu { cores type }` block.
    if let Some(t) = r.str("cpu") {
        vm.cpu_type = t;
    }
    for b in r.blocks("cpu") {
        let c = r.child(b, None);
        if let Some(v) = c.u64("cores") {
            vm.cores = u32_of(v);
        }
        if let Some(t) = c.str("type") {
            vm.cpu_type = t;
        }
        c.mark(&mut vm, "cores", "cores");
        c.mark(&mut vm, "type", "cpu_type");
        c.skip("sockets");
        c.finish();
    }
    if let Some(b) = r.u64("balloon") {
        vm.balloon_mib = (b != vm.memory_mib).then_some(b);
    }
    if let Some(s) = r.str("startup") {
        vm.startup = crate::import::proxmox_conf::parse_startup(&s);
    }
    for b in r.blocks("startup_shutdown") {
        let s = r.child(b, None);
        vm.startup = startup_block(&s, ["order", "startup_delay", "shutdown_timeout"]);
        for k in ["order", "startup_delay", "shutdown_timeout"] {
            s.mark(&mut vm, k, "startup");
        }
    }
    telmate_disks(ctx, &r, &mut vm);
    telmate_networks(ctx, &r, &mut vm);
    // `hastate`: the VM is an HA resource (any state but `ignored`, which HA leaves alone).
    if let Some(state) = r.str("hastate") {
        vm.ha = !state.is_empty() && state != "ignored";
        r.mark(&mut vm, "hastate", "ha");
    }
    r.skip("hagroup");
    for (key, field) in [
        ("vmid", "vmid"),
        ("target_node", "host"),
        ("memory", "memory_mib"),
        ("cores", "cores"),
        ("machine", "machine"),
        ("onboot", "onboot"),
        ("start_at_node_boot", "onboot"),
        ("agent", "agent"),
        ("cpu_type", "cpu_type"),
        ("cpu", "cpu_type"),
        ("balloon", "balloon_mib"),
        ("startup", "startup"),
    ] {
        r.mark(&mut vm, key, field);
    }
    // 2.x: `hostpci { host = "0000:01:00" pcie = 1 rombar = 0 }`, numbered in order.
    for (position, (b, sc)) in r.repeated("hostpci").into_iter().enumerate() {
        let h = r.child(b, sc);
        take_pci(ctx, b, &h, u32_of(position as u64), &TELMATE2_PCI, &mut vm);
    }
    // 3.x: `pci { id = 0 raw_id = "…" | mapping_id = "…" … }`.
    for (position, (b, sc)) in r.repeated("pci").into_iter().enumerate() {
        let h = r.child(b, sc);
        let index = h.u64("id").map_or(u32_of(position as u64), u32_of);
        take_pci(ctx, b, &h, index, &TELMATE3_PCI, &mut vm);
    }
    // 3.x: `pcis { pci0 { mapping { mapping_id … } } pci1 { raw { raw_id … } } }`.
    for pcis in r.blocks("pcis") {
        let p = r.child(pcis, None);
        for slot in pcis.body.blocks() {
            let name = slot.ident.as_str();
            // A slot not named `pciN` stays unread, so `finish` reports it.
            let Some(index) = name.strip_prefix("pci").and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            p.skip(name);
            let s = p.child(slot, None);
            for kind in ["mapping", "raw"] {
                for inner in s.blocks(kind) {
                    let h = s.child(inner, None);
                    take_pci(ctx, inner, &h, index, &TELMATE3_PCI, &mut vm);
                }
            }
            s.finish();
        }
        p.finish();
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    vm
}

/// Telmate 3.x `disks { scsi { scsi0 { disk { storage size } } scsi1 { passthrough { file } } } }`:
/// the first `disk` (in `boot = "order=…"` order when given, else slot order) is the boot disk,
/// `passthrough` slots are raw disks; data disks, CD-ROMs and cloud-init drives are noted.
pub(super) fn telmate_disks(ctx: &Ctx<'_>, r: &Reader<'_>, vm: &mut Vm) {
    let boot_order: Vec<String> = r
        .str("boot")
        .and_then(|b| b.strip_prefix("order=").map(str::to_owned))
        .map(|o| o.split(';').map(str::to_owned).collect())
        .unwrap_or_default();
    let mut disks: Vec<(String, String, u32)> = Vec::new();
    for block in r.blocks("disks") {
        let dr = r.child(block, None);
        for bus in ["ide", "sata", "scsi", "virtio"] {
            for bus_block in dr.blocks(bus) {
                let br = dr.child(bus_block, None);
                for slot_block in bus_block.body.blocks() {
                    let slot = slot_block.ident.as_str();
                    br.skip(slot);
                    let sr = br.child(slot_block, None);
                    for disk in sr.blocks("disk") {
                        let d = sr.child(disk, None);
                        let storage = d.str("storage").unwrap_or_default();
                        let size = d
                            .str("size")
                            .and_then(|s| crate::import::proxmox_conf::size_gb(&s));
                        d.mark(vm, "storage", "boot_storage");
                        disks.push((slot.to_owned(), storage, size.unwrap_or(0)));
                        for k in [
                            "format",
                            "cache",
                            "discard",
                            "emulatessd",
                            "iothread",
                            "replicate",
                            "backup",
                        ] {
                            d.skip(k);
                        }
                        d.finish();
                    }
                    for pass in sr.blocks("passthrough") {
                        let p = sr.child(pass, None);
                        if let Some(file) = p.str("file") {
                            vm.raw_disks.push(crate::model::RawDisk {
                                slot: slot.to_owned(),
                                path: file,
                                disk: None,
                            });
                        }
                        for k in [
                            "backup",
                            "cache",
                            "discard",
                            "emulatessd",
                            "iothread",
                            "replicate",
                            "serial",
                        ] {
                            p.skip(k);
                        }
                        p.finish();
                    }
                    sr.finish();
                }
                br.finish();
            }
        }
        dr.finish();
    }
    let boot = boot_order
        .iter()
        .find_map(|o| disks.iter().position(|(s, _, _)| s == o))
        .or(if disks.is_empty() { None } else { Some(0) });
    for (i, (slot, storage, size)) in disks.into_iter().enumerate() {
        if Some(i) == boot {
            vm.boot_storage = storage;
            vm.boot_disk_gb = size;
        } else {
            ctx.note(
                None,
                &format!("{}.disks.{slot}", r.subject),
                format!("data disk ({size} GB on {storage}) is not modelled; not imported"),
            );
        }
    }
}

const TELMATE_NIC: NicKeys = NicKeys {
    vlan: "tag",
    down: "link_down",
    ignored: &["model", "macaddr", "firewall", "queues", "rate", "id"],
};

/// Telmate `network { bridge tag mtu model }` blocks: virtio NICs on a bridge.
pub(super) fn telmate_networks(ctx: &Ctx<'_>, r: &Reader<'_>, vm: &mut Vm) {
    for (b, sc) in r.repeated("network") {
        virtio_nic(ctx, b, &r.child(b, sc), &TELMATE_NIC, vm);
    }
}

/// Telmate 2.x `hostpci { mapping | host … x-vga }`.
const TELMATE2_PCI: PciKeys = PciKeys {
    mapping: "mapping",
    address: "host",
    x_vga: &["x-vga", "xvga"],
};

/// Telmate 3.x `pci { … }` and `pcis { pciN { mapping | raw { … } } }`.
const TELMATE3_PCI: PciKeys = PciKeys {
    mapping: "mapping_id",
    address: "raw_id",
    x_vga: &["primary_gpu"],
};
