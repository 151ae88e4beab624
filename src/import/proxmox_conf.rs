//! `/etc/pve/qemu-server/<vmid>.conf` → a VM.
//!
//! Handles the quirks of real files: the description as leading `#` lines, URL-encoded
//! (`#http%3A//192.168.11.1`); `hostpciN` with all-functions addresses (`0000:01:00`), several
//! `;`-separated hosts, `host=` or bare address, or `mapping=`; snapshot sections (`[name]`)
//! after the current config, which are not the VM's state and are skipped with a note.

use super::{percent_decode, Imported, Note};
use crate::model::{HostPci, Startup, Topology, Vm, VmNic, SCHEMA_VERSION};

/// `order=1,up=60,down=30` → [`Startup`]; unknown parts are ignored.
pub fn parse_startup(s: &str) -> Startup {
    let mut out = Startup::default();
    for part in s.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let v = v.trim().parse().ok();
        match k.trim() {
            "order" => out.order = v,
            "up" => out.up = v,
            "down" => out.down = v,
            _ => {}
        }
    }
    out
}

/// Disk size `32G`, `1T`, `512M`, `10240K` → whole GB (rounded up; `0` if unreadable).
pub(crate) fn size_gb(s: &str) -> Option<u32> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.parse().ok()?;
    let gb = match unit {
        "" | "G" => n,
        "T" => n * 1024.0,
        "M" => n / 1024.0,
        "K" => n / 1024.0 / 1024.0,
        _ => return None,
    };
    // Sizes are small positive numbers of GB: the cast cannot truncate meaningfully.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(gb.ceil().max(0.0) as u32)
}

fn bool_opt(v: &str) -> Option<bool> {
    match v.trim() {
        "1" | "on" | "yes" | "true" => Some(true),
        "0" | "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

const DISK_BUSES: [&str; 4] = ["scsi", "virtio", "sata", "ide"];

fn is_disk_key(key: &str) -> bool {
    DISK_BUSES.iter().any(|b| {
        key.strip_prefix(b)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// Why `text` is clearly not a VM conf (`qm config` keys as `key: value` lines), if it is
/// not: a QEMU `-readconfig` file (`[machine]` sections, `key = "value"`), a container's conf,
/// or no VM key at all.
pub fn not_a_vm_conf(text: &str) -> Option<String> {
    const VM_KEYS: &[&str] = &[
        "name", "memory", "cores", "sockets", "cpu", "machine", "boot", "bootdisk", "ostype",
        "scsihw", "onboot", "agent", "balloon", "bios", "smbios1", "vmgenid", "meta", "numa",
    ];
    let mut vm_keys = 0;
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.contains('"') {
            return Some(format!(
                "`{line}` is a QEMU config section, not a qm conf line"
            ));
        }
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if matches!(
            key,
            "arch" | "rootfs" | "hostname" | "unprivileged" | "lxc.apparmor.profile"
        ) {
            return Some(format!("`{key}:` is a container (LXC) setting"));
        }
        let base = key.trim_end_matches(|c: char| c.is_ascii_digit());
        if VM_KEYS.contains(&key)
            || [
                "hostpci", "net", "scsi", "sata", "virtio", "ide", "efidisk", "tpmstate",
            ]
            .contains(&base)
        {
            vm_keys += 1;
        }
    }
    (vm_keys == 0).then(|| "no VM setting (`name:`, `memory:`, `hostpci0:`…) in it".to_owned())
}

/// Proxmox's `hotplug` value as a feature list (`0` = none, `1` = the default), with the
/// parts that are no feature.
fn parse_hotplug(value: &str) -> (Vec<String>, Vec<&str>) {
    match value {
        "0" => (Vec::new(), Vec::new()),
        "1" => (hotplug_list(crate::model::pve::HOTPLUG_DEFAULT), Vec::new()),
        _ => {
            let parts = value.split(',').map(str::trim).filter(|p| !p.is_empty());
            let (known, unknown): (Vec<&str>, Vec<&str>) =
                parts.partition(|p| crate::model::pve::HOTPLUG_FEATURES.contains(p));
            (hotplug_list(&known), unknown)
        }
    }
}

fn hotplug_list(features: &[&str]) -> Vec<String> {
    features.iter().map(|f| (*f).to_owned()).collect()
}

/// Import one config file. `name` is its file name (the VMID comes from `<vmid>.conf`).
#[allow(clippy::too_many_lines)] // one flat match over Proxmox's keys reads best in one place
pub fn import(name: &str, text: &str) -> Imported {
    let mut notes = Vec::new();
    let mut note = |line: usize, subject: &str, message: String| {
        notes.push(Note {
            file: name.to_owned(),
            line,
            column: usize::from(line != 0),
            subject: subject.to_owned(),
            message,
        });
    };
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let vmid = base
        .strip_suffix(".conf")
        .and_then(|s| s.parse::<u32>().ok());
    let mut vm = Vm {
        vmid: vmid.unwrap_or(0),
        // Proxmox's defaults for keys a file leaves out.
        cores: 1,
        memory_mib: 512,
        cpu_type: "kvm64".into(),
        hotplug: Some(hotplug_list(crate::model::pve::HOTPLUG_DEFAULT)),
        ..Vm::default()
    };
    if vmid.is_none() {
        note(
            0,
            "",
            "the file name is not `<vmid>.conf`: set the VM's vmid by hand".into(),
        );
    }
    let mut description = Vec::new();
    let mut boot_order: Option<Vec<String>> = None;
    let mut disks: Vec<(usize, String, String)> = Vec::new();
    let mut seen: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw.trim_end();
        if let Some(d) = line.strip_prefix('#') {
            description.push(percent_decode(d));
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with('[') {
            note(
                line_no,
                line,
                "snapshot/pending section: not the VM's current config; the rest of the file is skipped".into(),
            );
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            note(
                line_no,
                "",
                format!("`{line}` is not `key: value`; skipped"),
            );
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        // Proxmox's parser keeps the last of a repeated key.
        if let Some(first) = seen.insert(key.to_owned(), line_no) {
            note(
                line_no,
                key,
                format!("`{key}` is set twice (first on line {first}): Proxmox keeps this one"),
            );
            if let Some(i) = key
                .strip_prefix("hostpci")
                .and_then(|n| n.parse::<u32>().ok())
            {
                vm.hostpci.retain(|h| h.index != i);
            }
            disks.retain(|(_, k, _)| k != key);
            vm.raw_disks.retain(|r| r.slot != key);
        }
        match key {
            "name" => value.clone_into(&mut vm.id),
            "memory" => match value.parse() {
                Ok(m) => vm.memory_mib = m,
                Err(_) => note(line_no, key, format!("`{value}` is not MiB; skipped")),
            },
            "balloon" => match value.parse() {
                Ok(b) => vm.balloon_mib = Some(b),
                Err(_) => note(line_no, key, format!("`{value}` is not MiB; skipped")),
            },
            "cores" => match value.parse() {
                Ok(c) => vm.cores = c,
                Err(_) => note(line_no, key, format!("`{value}` is not a number; skipped")),
            },
            "sockets" if value == "1" => {}
            "cpu" => {
                let mut parts = value.split(',');
                let first = parts.next().unwrap_or("");
                first
                    .strip_prefix("cputype=")
                    .unwrap_or(first)
                    .clone_into(&mut vm.cpu_type);
                let rest: Vec<&str> = parts.collect();
                if !rest.is_empty() {
                    note(
                        line_no,
                        key,
                        format!("CPU options `{}` not modelled", rest.join(",")),
                    );
                }
            }
            "machine" => value.clone_into(&mut vm.machine),
            "onboot" => vm.onboot = bool_opt(value).unwrap_or(false),
            "hotplug" => {
                let (features, unknown) = parse_hotplug(value);
                if !unknown.is_empty() {
                    note(
                        line_no,
                        key,
                        format!(
                            "`{}` is not a hotplug feature Proxmox knows; skipped",
                            unknown.join(",")
                        ),
                    );
                }
                vm.hotplug = Some(features);
            }
            "startup" => vm.startup = parse_startup(value),
            "agent" => {
                let first = value.split(',').next().unwrap_or("");
                vm.agent =
                    bool_opt(first.strip_prefix("enabled=").unwrap_or(first)).unwrap_or(false);
            }
            "boot" => {
                if let Some(order) = value.strip_prefix("order=") {
                    boot_order = Some(order.split(';').map(str::to_owned).collect());
                } else {
                    note(
                        line_no,
                        key,
                        format!(
                            "legacy boot order `{value}`; the first disk is taken as the boot disk"
                        ),
                    );
                }
            }
            k if k.starts_with("hostpci") => match hostpci(k, value) {
                Ok((h, ignored)) => {
                    if !ignored.is_empty() {
                        note(
                            line_no,
                            k,
                            format!("options not modelled: {}", ignored.join(", ")),
                        );
                    }
                    vm.hostpci.push(h);
                }
                Err(why) => note(line_no, k, format!("{why}; not imported")),
            },
            k if is_disk_key(k) => {
                let volume = value.split(',').next().unwrap_or_default();
                if value.contains("media=cdrom") {
                    note(line_no, k, "CD-ROM drive not modelled".into());
                } else if volume.starts_with("/dev/") {
                    // A host disk handed over as a block device (qm set --scsiN /dev/disk/by-id/…).
                    vm.raw_disks.push(crate::model::RawDisk {
                        slot: k.to_owned(),
                        path: volume.to_owned(),
                        disk: None,
                    });
                    let rest: Vec<&str> = value.split(',').skip(1).collect();
                    if !rest.is_empty() {
                        note(
                            line_no,
                            k,
                            format!("raw disk options not modelled: {}", rest.join(",")),
                        );
                    }
                } else {
                    disks.push((line_no, k.to_owned(), value.to_owned()));
                }
            }
            k if k.starts_with("net") && k[3..].bytes().all(|c| c.is_ascii_digit()) => {
                let mut bridge = None;
                let (mut tag, mut mtu, mut down) = (None, None, false);
                for opt in value.split(',') {
                    match opt.split_once('=') {
                        Some(("bridge", b)) => bridge = Some(b.to_owned()),
                        Some(("tag", t)) => tag = Some(t.to_owned()),
                        // `mtu=1` means "the bridge's MTU" (qemu-server): no MTU of its own.
                        Some(("mtu", "1")) => {}
                        Some(("mtu", m)) => mtu = m.parse().ok(),
                        Some(("link_down", v)) => down = bool_opt(v).unwrap_or(false),
                        _ => {}
                    }
                }
                if down {
                    note(
                        line_no,
                        k,
                        "`link_down=1`: the NIC is disconnected (no path through it); not imported"
                            .into(),
                    );
                    continue;
                }
                let bridge = bridge.unwrap_or_else(|| "vmbr0".into());
                let network = tag.map_or_else(|| bridge.clone(), |t| format!("vlan{t}"));
                note(
                    line_no,
                    k,
                    format!("network id `{network}` guessed from the bridge/VLAN; rename it to your network's id"),
                );
                vm.nics.push(VmNic {
                    network,
                    bridge: Some(bridge),
                    device: None,
                    mtu,
                });
            }
            _ => note(
                line_no,
                key,
                format!("`{key}: {value}` is not modelled by hostplan"),
            ),
        }
    }
    // Entries in index order (the conf lists keys sorted as strings: hostpci10 before 2).
    vm.hostpci.sort_by_key(|h| h.index);
    // The boot disk: the first disk of `boot: order=`; without an order, the first disk line.
    // An order that names no disk (a VM booting from a passed-through NVMe or the network)
    // has no boot disk — none is invented.
    let boot = match &boot_order {
        Some(order) => {
            let found = order
                .iter()
                .find_map(|o| disks.iter().position(|(_, k, _)| k == o));
            if found.is_none() {
                note(
                    0,
                    "boot",
                    format!(
                        "boots from `{}`, not from a disk: no boot disk",
                        order.join(";")
                    ),
                );
            }
            found
        }
        None if disks.is_empty() => None,
        None => Some(0),
    };
    for (line_no, key, value) in &disks {
        // `vm-105-disk-0` in 100.conf: a volume of another VM (a copied or shared config?).
        if let Some(owner) = value
            .split(',')
            .next()
            .and_then(|v| v.split_once(':'))
            .and_then(|(_, vol)| {
                vol.strip_prefix("vm-")
                    .or_else(|| vol.strip_prefix("base-"))
            })
            .and_then(|v| v.split('-').next())
            .and_then(|id| id.parse::<u32>().ok())
        {
            if vm.vmid != 0 && owner != vm.vmid {
                note(
                    *line_no,
                    key,
                    format!(
                        "the volume is named for VM {owner}, not {}: a copied or shared config?",
                        vm.vmid
                    ),
                );
            }
        }
    }
    for (i, (line_no, key, value)) in disks.iter().enumerate() {
        let volume = value.split(',').next().unwrap_or("");
        let storage = volume.split_once(':').map_or(volume, |(s, _)| s);
        let size = value
            .split(',')
            .find_map(|o| o.strip_prefix("size="))
            .and_then(size_gb);
        if Some(i) == boot {
            storage.clone_into(&mut vm.boot_storage);
            vm.boot_disk_gb = size.unwrap_or(0);
            // Kept as written, so an export writes the same line back (only what differs
            // from the export's own default, `scsi0` and `vm-<vmid>-disk-0`, is stored).
            if key != "scsi0" {
                vm.boot_interface = Some(key.clone());
            }
            let volume = volume.split_once(':').map_or("", |(_, v)| v);
            if !volume.is_empty() && volume != format!("vm-{}-disk-0", vm.vmid) {
                vm.boot_volume = Some(volume.to_owned());
            }
            if size.is_none() {
                note(*line_no, key, "boot disk without a readable `size=`".into());
            }
        } else {
            note(
                *line_no,
                key,
                format!("data disk on `{storage}` not modelled; not imported"),
            );
        }
    }
    if !description.is_empty() {
        note(
            1,
            "description",
            format!(
                "VM description not modelled: {}",
                description.join("\n").trim()
            ),
        );
    }
    if vm.role.is_empty() {
        let desc = description.join(" ");
        if let Some((role, hint)) = super::infer_role(&[vm.id.as_str(), desc.as_str()]) {
            role.clone_into(&mut vm.role);
            let hint = hint.to_owned();
            note(0, "role", super::role_note(role, &hint));
        }
    }
    if vm.id.is_empty() {
        vm.id = format!("vm{}", vm.vmid);
        note(
            0,
            "name",
            format!("no `name:` line; the VM is called `{}`", vm.id),
        );
    }
    note(0, &vm.id, super::NO_HOST.into());
    Imported {
        topology: Topology {
            schema_version: SCHEMA_VERSION,
            vms: vec![vm],
            ..Topology::default()
        },
        notes,
    }
}

/// One `hostpciN` value → the entry and the options hostplan does not model.
fn hostpci(key: &str, value: &str) -> Result<(HostPci, Vec<String>), String> {
    let index: u32 = key["hostpci".len()..]
        .parse()
        .map_err(|_| format!("`{key}` is not hostpci0–hostpci15"))?;
    if index > 15 {
        return Err(format!("`{key}`: Proxmox allows hostpci0–hostpci15"));
    }
    let mut h = HostPci {
        index,
        ..HostPci::default()
    };
    let mut ignored = Vec::new();
    for (i, opt) in value.split(',').enumerate() {
        match opt.split_once('=') {
            None if i == 0 => h.host = Some(opt.to_owned()),
            Some(("host", v)) => h.host = Some(v.to_owned()),
            Some(("mapping", v)) => h.mapping = Some(v.to_owned()),
            Some(("pcie", v)) => h.pcie = bool_opt(v).unwrap_or(false),
            Some(("rombar", v)) => h.rombar = bool_opt(v).unwrap_or(true),
            Some(("x-vga", v)) => h.x_vga = bool_opt(v).unwrap_or(false),
            _ => ignored.push(opt.to_owned()),
        }
    }
    if h.host.is_none() && h.mapping.is_none() {
        return Err("neither a host address nor a mapping".into());
    }
    Ok((h, ignored))
}

#[cfg(test)]
mod tests {
    use super::import;

    #[test]
    fn real_quirks() {
        let conf = "#http%3A//192.168.11.1\n#second line\nagent: 1\nboot: order=scsi0;net0\ncores: 4\ncpu: host,flags=+aes\nhostpci0: 0000:01:00,pcie=1\nhostpci1: 0000:02:00.0;0000:02:00.1,rombar=0,driver=keep\nmemory: 8192\nname: pfsense\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20\nonboot: 1\nscsi0: local-lvm:vm-101-disk-0,size=32G\nscsi1: tank:vm-101-disk-1,size=1T\nstartup: order=1,up=30\nostype: other\n\n[before-upgrade]\nmemory: 4096\n";
        let i = import("/etc/pve/qemu-server/101.conf", conf);
        let vm = &i.topology.vms[0];
        assert_eq!(
            (vm.id.as_str(), vm.vmid, vm.memory_mib, vm.cores),
            ("pfsense", 101, 8192, 4)
        );
        assert_eq!(vm.cpu_type, "host");
        assert_eq!(vm.hostpci[0].host.as_deref(), Some("0000:01:00"));
        assert_eq!(
            vm.hostpci[1].host.as_deref(),
            Some("0000:02:00.0;0000:02:00.1")
        );
        assert!(!vm.hostpci[1].rombar);
        assert_eq!(
            (vm.boot_storage.as_str(), vm.boot_disk_gb),
            ("local-lvm", 32)
        );
        assert_eq!(vm.startup.order, Some(1));
        let text: Vec<String> = i.notes.iter().map(ToString::to_string).collect();
        for expected in [
            "101.conf:1:1: description: VM description not modelled: http://192.168.11.1\nsecond line",
            "101.conf:6:1: cpu: CPU options `flags=+aes` not modelled",
            "101.conf:8:1: hostpci1: options not modelled: driver=keep",
            "101.conf:14:1: scsi1: data disk on `tank` not modelled; not imported",
            "101.conf:16:1: ostype: `ostype: other` is not modelled by hostplan",
            "101.conf:18:1: [before-upgrade]: snapshot/pending section",
        ] {
            assert!(
                text.iter().any(|t| t.starts_with(&format!("/etc/pve/qemu-server/{expected}"))),
                "{expected}\n{text:#?}"
            );
        }
    }

    #[test]
    fn bad_lines_are_reported_not_fatal() {
        let i = import("x.conf", "memory: lots\nhostpci99: 01:00\ngarbage\n");
        assert_eq!(i.topology.vms.len(), 1);
        assert!(i
            .notes
            .iter()
            .any(|n| n.line == 1 && n.message.contains("lots")));
        assert!(i
            .notes
            .iter()
            .any(|n| n.line == 2 && n.message.contains("hostpci0–hostpci15")));
        assert!(i.notes.iter().any(|n| n.line == 3));
        assert!(i.notes.iter().any(|n| n.message.contains("vmid")));
    }
}
