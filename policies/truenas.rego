# TrueNAS (SCALE) in a VM (rule book section C).
package hostplan.truenas

import data.hostplan.lib
import rego.v1

# METADATA
# title: Pool disks reach TrueNAS as hardware, not virtual disks
# description: The TrueNAS hardware guide calls virtual disks under a virtualised pool "not a supported configuration" that "might result in data corruption", and says to "pass hardware disks or the entire storage controller". A disk on a controller that is not passed through and not handed over as a raw disk is a virtual disk (a warning); raw disks are allowed, a whole controller is better (advice: SMART, serials, hot-swap).
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#virtualized-truenas
# custom:
#   id: TN-01
#   severity: warning
warn contains lib.finding("TN-01", pid, sprintf("pool %s of VM %s has disk %s on %s, which reaches it neither passed through nor as a raw disk: a virtual disk under ZFS is unsupported; pass the controller or the disk", [pid, p.owner, disk, ctrl])) if {
	some pid, p in input.pools
	p.owner_is_vm
	some v in p.vdevs
	some disk in v.disks
	ctrl := input.disks[disk].controller
	not passed_to_owner(ctrl, p.owner)
	not tn01_raw_disk_of(p.owner, disk)
}

info contains lib.finding("TN-01", id, sprintf("%s gets %s as a raw disk (%s): allowed, but passing the controller whole also gives TrueNAS the disks' SMART data and serials", [id, d.path, d.slot])) if {
	some id in lib.truenas_vms
	some d in input.vms[id].raw_disks
}

tn01_raw_disk_of(vm, disk) if {
	some d in input.vms[vm].raw_disks
	d.disk == disk
}

passed_to_owner(ctrl, vm) if vm in input.devices[ctrl].passed_to

# METADATA
# title: The HBA must be in IT mode
# description: ZFS redundancy and repair need the disks themselves. The TrueNAS guide: do not use a RAID card's RAID facility if it supports HBA (JBOD) mode, in which "it allows it to perform indistinguishably from a standard HBA", and flash Broadcom IR firmware to IT "to disable the optional RAID functionality"; some RAID cards "mask disk serial number and S.M.A.R.T. health information" (advice). RAID mode under pool disks is an error, IR firmware a warning.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#storage-controllers
#   - ref: https://github.com/openzfs/zfs/discussions/14458
# custom:
#   id: TN-02
#   severity: error
deny contains lib.finding("TN-02", id, sprintf("%s holds pool disks in RAID mode: ZFS cannot repair what the card hides; switch it to HBA/JBOD mode or use an HBA", [id])) if {
	some id, d in input.devices
	d.firmware_mode == "raid"
	count(d.disks) > 0
}

warn contains lib.finding("TN-02", id, sprintf("%s holds pool disks with IR firmware: flash it to IT mode (the guide's advice: it disables the RAID functionality ZFS does not need)", [id])) if {
	some id, d in input.devices
	d.firmware_mode == "ir"
	count(d.disks) > 0
}

info contains lib.finding("TN-02", id, sprintf("%s is a RAID card in JBOD mode: fine per the TrueNAS guide, but check that TrueNAS sees each disk's serial number and SMART data", [id])) if {
	some id, d in input.devices
	d.firmware_mode == "jbod"
	count(d.disks) > 0
}

# METADATA
# title: TrueNAS memory sizing
# description: The TrueNAS guide: "You should have 8 GB of RAM for basic TrueNAS operations with up to eight drives", "add 1 GB for each drive added after eight", and with iSCSI backing VMs "at least 16 GB of RAM for good performance and 32 GB or more for optimal performance". Below 8 GiB is an error, the others warnings.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#memory-sizing
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#minimum-hardware-requirements
# custom:
#   id: TN-04
#   severity: error
deny contains lib.finding("TN-04", id, sprintf("%s gives TrueNAS %d MiB, below its 8192 MiB minimum: give it at least 8192", [id, lib.whole(vm.memory_mib)])) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	vm.memory_mib < 8192
}

warn contains lib.finding("TN-04", id, sprintf("%s serves iSCSI with %d MiB: give it at least 16384 (32768 is optimal)", [id, lib.whole(vm.memory_mib)])) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	vm.memory_mib >= 8192
	vm.memory_mib < 16384
	some sid in vm.services
	input.services[sid].kind == "iscsi"
}

warn contains lib.finding("TN-04", id, sprintf("%s has %d data drives but %d MiB: add about 1 GiB per drive beyond 8", [id, lib.whole(drives), lib.whole(vm.memory_mib)])) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	drives := sum([input.pools[pid].disk_count | some pid in vm.pools])
	drives > 8
	vm.memory_mib < (8 + (drives - 8)) * 1024
}

# METADATA
# title: ZFS hosts should have ECC memory
# description: The TrueNAS guide: ECC "virtually eliminates any chances that RAM errors pass to the drives to cause corruption of the ZFS pools", and most users "strongly recommend ECC RAM as another data integrity defense"; many systems run without it, hence a warning.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#error-correcting-code-memory
# custom:
#   id: TN-05
#   severity: warning
warn contains lib.finding("TN-05", id, sprintf("host %s runs ZFS without ECC memory", [id])) if {
	some id, h in input.hosts
	h.zfs
	h.ecc == false
}

# TN-05 cannot be judged while a ZFS host's memory type is unknown (absent is not "no ECC").
not_evaluated contains lib.not_evaluated("TN-05", id, u) if {
	some id, h in input.hosts
	h.zfs
	u := lib.unknowns(h, ["ecc"])
	count(u) > 0
}

# METADATA
# title: TrueNAS needs a CPU type that exposes AES-NI
# description: The TrueNAS guide: "A CPU with AES-NI encryption acceleration support improves the speed of the file system and network encryption"; the flag must reach the guest. qemu-server's x86-64-v2-AES, x86-64-v3/v4, host, max and the named models of AES-capable CPUs expose it; kvm64/qemu64 (the default when no type is set), x86-64-v2 and the old 32-bit models do not.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#central-processing-unit-cpu-selection
#   - ref: https://github.com/proxmox/qemu-server/blob/0538c83c41603b50096ab418be166d1f86b6bd35/src/PVE/QemuServer/CPUConfig.pm#L45-L64
#   - ref: https://github.com/proxmox/qemu-server/blob/0538c83c41603b50096ab418be166d1f86b6bd35/src/PVE/QemuServer/CPUConfig.pm#L253-L262
# custom:
#   id: TN-06
#   severity: info
info contains lib.finding("TN-06", id, sprintf("%s uses CPU type %s, which does not expose AES-NI: use host or x86-64-v2-AES for encryption throughput", [id, tn06_name(vm.cpu_type)])) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	vm.cpu_type in tn06_without_aes
}

# qemu-server CPU models without the aes flag ("" is Proxmox's default, kvm64).
tn06_without_aes := {"", "kvm64", "qemu64", "kvm32", "qemu32", "x86-64-v2", "486", "pentium", "pentium2", "pentium3", "athlon", "coreduo", "core2duo", "n270", "phenom", "Conroe", "Penryn"}

tn06_name(t) := "unset (kvm64)" if t == ""

tn06_name(t) := sprintf("\"%s\"", [t]) if t != ""

# METADATA
# title: TrueNAS boot disk of at least 16 GB
# description: The TrueNAS guide's minimum hardware lists a "16 GB SSD boot device"; 8 GB is the smallest boot volume it names, and "16 or 32 GB … provides room for more boot environments".
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#minimum-hardware-requirements
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#storage-solutions
# custom:
#   id: TN-07
#   severity: warning
warn contains lib.finding("TN-07", id, sprintf("%s boot disk is %d GB: use at least 16", [id, lib.whole(vm.boot_disk_gb)])) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	vm.boot_storage != ""
	vm.boot_disk_gb < 16
}

# METADATA
# title: Virtualised TrueNAS is not recommended for critical data
# description: The TrueNAS guide: "While you can deploy TrueNAS in a virtual environment, we do not recommend doing so for regular deployment of TrueNAS when storing production or critical data"; if virtualised, pass the disks or the whole storage controller. Plan the bare-metal move for critical data.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#virtualized-truenas
# custom:
#   id: TN-09
#   severity: info
info contains lib.finding("TN-09", id, sprintf("%s runs TrueNAS virtualised: fine with HBA passthrough, but iXsystems advises bare metal for critical data", [id])) if {
	some id in lib.truenas_vms
}

# METADATA
# title: Jumbo frames only on dedicated storage links
# description: The TrueNAS guide: "Only consider jumbo frames MTU with dedicated connections … that are unlikely to experience packet fragmentation"; on a shared network an MTU above 1500 fragments or is dropped at the first device that does not match.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#ethernet-networking
# custom:
#   id: TN-11
#   severity: warning
warn contains lib.finding("TN-11", id, sprintf("network %s uses MTU %d but is not a dedicated storage network", [id, lib.whole(n.mtu)])) if {
	some id, n in input.networks
	n.mtu > 1500
	n.purpose != "storage"
}

# TrueNAS sizing rules cannot be judged while the facts they need are unknown.
not_evaluated contains lib.not_evaluated(rule, id, u) if {
	some id in lib.truenas_vms
	vm := input.vms[id]
	some [rule, facts] in [["TN-04", ["memory_mib"]], ["TN-06", ["cpu_type"]], ["TN-07", ["boot_disk_gb"]]]
	u := lib.unknowns(vm, facts)
	count(u) > 0
}

# TN-01 cannot be judged while a pool disk's controller is unknown (from `zpool status`).
not_evaluated contains lib.not_evaluated("TN-01", pid, u) if {
	some pid, p in input.pools
	p.owner_is_vm
	u := lib.unknowns(p, ["disk_controllers"])
	count(u) > 0
}
