# PCI(e) passthrough on Proxmox VE (rule book section A).
package hostplan.passthrough

import data.hostplan.lib
import rego.v1

# METADATA
# title: IOMMU must be active on a host that passes devices through
# description: Proxmox refuses to start such a VM: qemu-server's prepare_pci_device dies with "cannot prepare PCI pass-through, IOMMU not present". pve-docs: enable IOMMU (VT-d/AMD-Vi) in the BIOS/UEFI; "With AMD CPUs IOMMU is enabled by default. With recent kernels (6.8 or newer), this is also true for Intel CPUs", older kernels need intel_iommu=on on the kernel command line.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
#   - ref: https://github.com/proxmox/qemu-server/blob/058e0f652068a8d28be270a902d86ad898b99624/src/PVE/QemuServer/PCI.pm#L735-L741
# custom:
#   id: PT-01
#   severity: error
deny contains lib.finding("PT-01", id, sprintf("host %s passes devices through but its IOMMU is off in firmware: enable VT-d/AMD-Vi", [id])) if {
	some id, h in input.hosts
	h.has_passthrough
	h.iommu == false
}

deny contains lib.finding("PT-01", id, sprintf("host %s (Intel, kernel %s) needs intel_iommu=on on the kernel command line for passthrough", [id, h.kernel])) if {
	some id, h in input.hosts
	h.has_passthrough
	h.iommu
	h.cpu_vendor == "intel"
	h.kernel_ge_6_8 == false
	not "intel_iommu=on" in h.cmdline
}

# METADATA
# title: IOMMU interrupt remapping should be supported
# description: pve-docs: the hardware "needs to support IOMMU (I/O Memory Management Unit) interrupt remapping"; where it does not, options vfio_iommu_type1 allow_unsafe_interrupts=1 is the workaround, and "this option can make your system unstable". Both are flagged.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: PT-02
#   severity: warning
warn contains lib.finding("PT-02", id, sprintf("host %s passes devices through without IOMMU interrupt remapping", [id])) if {
	some id, h in input.hosts
	h.has_passthrough
	h.interrupt_remapping == false
}

warn contains lib.finding("PT-02", id, sprintf("host %s uses allow_unsafe_interrupts: passthrough is not isolated", [id])) if {
	some id, h in input.hosts
	some flag in h.cmdline
	contains(flag, "allow_unsafe_interrupts")
}

# METADATA
# title: iommu=pt is optional, for host performance
# description: Optional: pve-docs says that if the hardware supports IOMMU passthrough mode, enabling it (iommu=pt on the kernel command line) "might increase performance", as DMA then skips the default translation. Advice only.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: PT-03
#   severity: info
info contains lib.finding("PT-03", id, sprintf("host %s: iommu=pt would avoid DMA translation for the devices the host keeps (optional)", [id])) if {
	some id, h in input.hosts
	h.has_passthrough
	not "iommu=pt" in h.cmdline
}

# METADATA
# title: An IOMMU group is passed through whole
# description: VFIO hands a group to a guest only when it is viable (every device in it bound to VFIO or driverless), and isolation is only guaranteed per group; every device sharing the group of a passed-through device must go to the same VM, have no host driver, or be bound to vfio-pci or pci-stub. pve-docs: it is "okay if the device is in an IOMMU group together with its functions (e.g. a GPU with the HDMI Audio device) or with its root port or PCI(e) bridge", so devices with a bridge header (PCI-to-PCI and CardBus bridges) are exempt whatever drives them; host, ISA and LPC bridges have normal headers and are not.
# related_resources:
#   - ref: https://docs.kernel.org/driver-api/vfio.html#groups-devices-and-iommus
#   - ref: https://github.com/torvalds/linux/blob/0604aa87b098740f2e517a584552591cbf2209d7/Documentation/driver-api/vfio.rst?plain=1#L67-L71
#   - ref: https://github.com/torvalds/linux/blob/0604aa87b098740f2e517a584552591cbf2209d7/Documentation/driver-api/vfio.rst?plain=1#L92-L97
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: PT-04
#   severity: error
deny contains lib.finding("PT-04", dev_id, sprintf("%s is passed to %s but shares IOMMU group %s with %s, which is not passed to it and %s: pass the whole group to %s, unbind %s from its host driver, or move the card", [dev_id, vm_id, lib.signed(d.iommu_group), other, pt04_driver_text(o), vm_id, other])) if {
	some dev_id, d in input.devices
	some vm_id in d.passed_to
	some other in d.group_members
	o := input.devices[other]
	not o.bridge_header
	not vm_id in o.passed_to
	not object.get(o, "driver", "unknown") in vfio_compatible_drivers
}

# Drivers a device may have and still leave its group to VFIO: none, or VFIO's own.
vfio_compatible_drivers := {"", "vfio-pci", "pci-stub"}

pt04_driver_text(o) := sprintf("is bound to %s", [o.driver]) if {
	object.get(o, "driver", "") != ""
}

pt04_driver_text(o) := "may have a host driver (not known)" if not "driver" in object.keys(o)

# METADATA
# title: ACS override makes IOMMU groups synthetic
# description: With pcie_acs_override the kernel reports synthetic groups that no longer prove isolation: devices behind a bridge without ACS can still DMA to each other, whatever group they are shown in (the override patch's own caveat).
# related_resources:
#   - ref: https://docs.kernel.org/driver-api/vfio.html#groups-devices-and-iommus
#   - ref: https://lkml.org/lkml/2013/5/30/513
# custom:
#   id: PT-05
#   severity: warning
warn contains lib.finding("PT-05", id, sprintf("host %s boots with %s: IOMMU groups do not prove isolation", [id, flag])) if {
	some id, h in input.hosts
	some flag in h.cmdline
	startswith(flag, "pcie_acs_override")
}

# METADATA
# title: pcie=1 requires a q35 machine type
# description: qemu-server's parse_hostpci_devices dies with "q35 machine model is not enabled" when a hostpci entry sets pcie on a machine that is not q35; pve-docs: "PCIe is only available for 'q35' machine types".
# related_resources:
#   - ref: https://github.com/proxmox/qemu-server/blob/058e0f652068a8d28be270a902d86ad898b99624/src/PVE/QemuServer/PCI.pm#L494-L507
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough_vm_config
# custom:
#   id: PT-06
#   severity: error
deny contains lib.finding("PT-06", id, sprintf("%s sets pcie=1 on hostpci%s but its machine is %s: use machine q35", [id, idx, lib.machine_name(vm.machine)])) if {
	some id, vm in input.vms
	some idx, h in vm.hostpci
	h.pcie
	vm.q35 == false
}

# METADATA
# title: A passed-through device must not carry what the host needs
# description: pve-docs: "if you pass through a device to a virtual machine, you cannot use that device anymore on the host or in any other VM". The host's root disks and its management network must not depend on a passed-through device, or the host locks itself out.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: PT-08
#   severity: error
deny contains lib.finding("PT-08", dev_id, sprintf("%s is passed to %s but carries host %s's management network (%s): keep a NIC for management", [dev_id, vm, d.host, h.management])) if {
	some dev_id, d in input.devices
	count(d.passed_to) > 0
	some vm in d.passed_to
	h := input.hosts[d.host]
	dev_id in h.management_ports
}

deny contains lib.finding("PT-08", dev_id, sprintf("%s is passed to %s but host %s boots from a disk behind it: boot the host from another controller", [dev_id, vm, d.host])) if {
	some dev_id, d in input.devices
	some vm in d.passed_to
	dev_id in input.hosts[d.host].boot_controllers
}

# METADATA
# title: No host or other-VM storage behind a passed-through controller
# description: Proxmox storages (local-lvm, local-zfs…) and other guests' disks vanish when the HBA is bound to vfio. Sharing one storage controller between the hypervisor and the TrueNAS VM is "not a good idea" (the hypervisor may reorder or reconfigure drives, "introducing avenues for data corruption"); give the VM a controller of its own.
# related_resources:
#   - ref: https://github.com/max-pfeiffer/max-pfeiffer.github.io/blob/0119978809bf68a172053c7e105f730478875ac9/content/2025-08-01_virtualized_nas.md?plain=1#L21-L25
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: PT-09
#   severity: error
deny contains lib.finding("PT-09", sid, sprintf("storage %s uses disk %s behind %s, which is passed to %s: move the storage off that controller", [sid, disk, ctrl, vm])) if {
	some sid, s in input.storages
	some disk in s.disks
	ctrl := input.disks[disk].controller
	some vm in input.devices[ctrl].passed_to
}

# METADATA
# title: Ballooning is ineffective with passthrough
# description: VFIO pins every guest page for DMA, so QEMU inhibits ballooning while a vfio-pci device is attached; a balloon below memory only pretends. Set balloon 0 (bpg floating = 0) or equal to memory.
# related_resources:
#   - ref: https://github.com/qemu/qemu/commit/238e91728503d400e1c4e644e3a9b80f9e621682
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_memory
# custom:
#   id: PT-10
#   severity: warning
warn contains lib.finding("PT-10", id, sprintf("%s passes devices through but balloons down to %d MiB of %d: all its RAM is pinned anyway; set balloon_mib = 0", [id, lib.whole(vm.balloon_mib), lib.whole(vm.memory_mib)])) if {
	some id, vm in input.vms
	vm.pinned
	vm.ballooning
}

# METADATA
# title: Pinned guest memory must fit in the host
# description: RAM of passthrough VMs is allocated and locked at start and cannot be overcommitted; with the host's own reserve (the OS, and the ARC of the host's own ZFS, by default 10 % of its RAM up to 16 GiB since Proxmox VE 8.1) it must fit, or the last VM fails to start.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_memory
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#sysadmin_zfs_limit_memory_usage
# custom:
#   id: PT-11
#   severity: error
deny contains lib.finding("PT-11", id, sprintf("host %s pins %d MiB for passthrough VMs plus a %d MiB host reserve%s, but has %d MiB: give the VMs less memory or the host more", [id, lib.whole(h.pinned_mib), lib.whole(h.reserve_mib), pt11_arc_text(h), lib.whole(h.ram_mib)])) if {
	some id, h in input.hosts
	h.pinned_mib > 0
	h.pinned_mib + h.reserve_mib > h.ram_mib
}

pt11_arc_text(h) := "" if h.zfs_arc_mib == 0

pt11_arc_text(h) := sprintf(" (%d MiB of it the ARC of the host's own ZFS)", [lib.whole(h.zfs_arc_mib)]) if h.zfs_arc_mib > 0

# METADATA
# title: Passthrough VMs cannot be live-migrated
# description: qemu-server's migration refuses a running VM with local PCI devices, and an offline one without force ("can't migrate VM which uses local devices"); the rule book notes the experimental exception of mappings marked live-migration capable. An HA-managed passthrough VM can only be moved offline, to nodes with the device.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_migration
#   - ref: https://github.com/proxmox/qemu-server/blob/096a1ac22877d766c0b74a7da20f9bc61cf837ca/src/PVE/QemuMigrate.pm#L264-L298
# custom:
#   id: PT-12
#   severity: warning
warn contains lib.finding("PT-12", id, sprintf("%s is HA-managed but passes devices through: it cannot live-migrate; restrict it with a strict node-affinity rule", [id])) if {
	some id, vm in input.vms
	vm.ha
	vm.pinned
}

warn contains lib.finding("PT-12", id, sprintf("%s sets migrate = true but passes devices through: a VM with passthrough cannot live-migrate, so a node change fails instead of moving it", [id])) if {
	some id, vm in input.vms
	vm.migrate
	vm.pinned
}

# METADATA
# title: A VM that may move must use resource mappings
# description: When a node is fenced, HA recovers its guests by moving their configuration to another node (steal_service renames the config file; no migration check runs) and starting them there, so a raw host=BDF on an HA-managed VM grabs whatever device sits at that address on the new node; a cluster resource mapping with an entry per node names the right device everywhere, and qemu-server refuses the start where the node's device does not match it (PT-14).
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#resource_mapping
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/3df15380942024f86f73112adbb1e521ebbfd88d/src/PVE/HA/Env/PVE2.pm#L151-L165
# custom:
#   id: PT-13
#   severity: error
deny contains lib.finding("PT-13", id, sprintf("%s is HA-managed but hostpci%s uses a raw address: use a cluster resource mapping", [id, idx])) if {
	some id, vm in input.vms
	vm.ha
	some idx, h in vm.hostpci
	h.kind == "host"
}

# METADATA
# title: Mapping entries must match the node's hardware
# description: Before a VM starts, qemu-server checks each mapping entry against the device at its path (pve-guest-common `PVE::Mapping::PCI::assert_valid`) and refuses the start when `id`, `subsystem-id` or `iommugroup` differ ("does not match") or when the device has one of them and the entry does not ("no '<prop>' for device").
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#resource_mapping
#   - ref: https://github.com/proxmox/pve-guest-common/blob/11fa95682eed43e7aa89c0e70769fe6e177327eb/src/PVE/Mapping/PCI.pm#L126-L175
#   - ref: https://github.com/proxmox/qemu-server/blob/058e0f652068a8d28be270a902d86ad898b99624/src/PVE/QemuServer/PCI.pm#L441-L454
# custom:
#   id: PT-14
#   severity: error
deny contains lib.finding("PT-14", name, sprintf("mapping %s on %s records %s %v but device %s has %v", [name, node, field, recorded, e.device, actual])) if {
	some name, m in input.mappings
	some node, e in m.entries
	e.device != null
	some field, pair in {
		"id": [e.id, e.device_vendor_device],
		"subsystem_id": [e.subsystem_id, e.device_subsystem],
		"iommu_group": [e.iommu_group, e.device_iommu_group],
	}
	recorded := pair[0]
	actual := pair[1]
	recorded != null
	actual != null
	recorded != actual
}

# The device has the property and the entry does not: the start is refused.
deny contains lib.finding("PT-14", name, sprintf("mapping %s on %s has no %s, but device %s has %v: Proxmox refuses to start a VM using it; add %s = %v", [name, node, field, e.device, actual, field, actual])) if {
	some name, m in input.mappings
	some node, e in m.entries
	some field, device_field in pt14_device_fields
	e[field] == null
	actual := e[device_field]
	actual != null
}

# Whether the device has the property is not known: the entry may be refused.
warn contains lib.finding("PT-14", name, sprintf("mapping %s on %s has no %s: Proxmox refuses the start if the device has one (record the device's %s to know)", [name, node, field, field])) if {
	some name, m in input.mappings
	some node, e in m.entries
	some field, device_field in pt14_device_fields
	e[field] == null
	e[device_field] == null
}

pt14_device_fields := {"iommu_group": "device_iommu_group", "subsystem_id": "device_subsystem"}

# METADATA
# title: An all-functions address passes every function
# description: pve-docs: a device with several functions passes through "all together with the shortened syntax 00:02" ("All Functions"), so hostpci 01:00 also passes the GPU's audio or the second port of a NIC. Info, although the rule book rates it E: hostplan expands every such address to all its functions, and the errors it can cause are reported by PT-04, PT-08 and NET-01; this finding only names what the address takes.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough_vm_config
# custom:
#   id: PT-16
#   severity: info
info contains lib.finding("PT-16", id, sprintf("%s hostpci%s passes every function of %s: %s; name the function (%s.0) to pass one", [id, idx, h.target, lib.names(h.devices), h.target])) if {
	some id, vm in input.vms
	some idx, h in vm.hostpci
	count(h.devices) > 1
}

# METADATA
# title: SAS and RAID controllers usually need rombar=0
# description: pve-docs: rombar "makes the firmware ROM visible for the guest. Default is on. Some PCI(e) devices need this disabled." The option ROMs of SAS HBAs and RAID controllers (PCI class 0107/0104, e.g. LSI/Broadcom MPT, HP Smart Array) hang or slow the VM's boot ("Unable to load Broadcom Inc MPT BIOS", a key press needed); the rule judges only those classes.
# related_resources:
#   - ref: https://github.com/Aterfax/relax-intel-rmrr/issues/32
#   - ref: https://github.com/max-pfeiffer/max-pfeiffer.github.io/blob/0119978809bf68a172053c7e105f730478875ac9/content/2025-08-01_virtualized_nas.md#proxmox-vm
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough_vm_config
# custom:
#   id: PT-17
#   severity: warning
warn contains lib.finding("PT-17", id, sprintf("%s passes storage controller %s with the option ROM on: set rombar = false", [id, dev])) if {
	some id, vm in input.vms
	some h in vm.hostpci
	h.rombar
	some dev in h.devices
	pt17_option_rom_class(input.devices[dev].class)
}

pt17_option_rom_class(class) if startswith(class, "0x0104")

pt17_option_rom_class(class) if startswith(class, "0x0107")

# METADATA
# title: Raw addresses need root; mappings work with API tokens
# description: qemu-server's check_hostpci_perm lets only root@pam set raw host= hostpci entries ("only root can set … config for non-mapped devices"); others need a mapping and Mapping.Use, and the bpg provider's hostpci.id needs username/password authentication. hostplan does not know how the provisioner authenticates, so this is advice, not the rule book's E.
# related_resources:
#   - ref: https://github.com/proxmox/qemu-server/blob/010b1fe2c1494e82c0e658af79c4d854703f6f1b/src/PVE/API2/Qemu.pm#L927-L940
#   - ref: https://github.com/bpg/terraform-provider-proxmox/blob/014b59e04f30fc08bc512f68cf471fe2cfdc481c/docs/resources/virtual_environment_vm.md?plain=1#L309-L311
# custom:
#   id: PT-18
#   severity: info
info contains lib.finding("PT-18", id, sprintf("%s hostpci%s uses a raw address: only root@pam can provision it; a resource mapping also works with API tokens", [id, idx])) if {
	some id, vm in input.vms
	some idx, h in vm.hostpci
	h.kind == "host"
}

# METADATA
# title: x-vga only for display devices
# description: pve-docs: x-vga "marks the PCI(e) device as the primary GPU of the VM" (the vga option is then ignored); on a device that is not a display controller it is meaningless.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough_vm_config
# custom:
#   id: PT-19
#   severity: warning
warn contains lib.finding("PT-19", id, sprintf("%s sets x_vga on %s, which is not a display device", [id, dev])) if {
	some id, vm in input.vms
	some h in vm.hostpci
	h.x_vga
	some dev in h.devices
	not input.devices[dev].display_class
}

# METADATA
# title: Large pinned VMs start slowly
# description: Pinning a large RAM takes minutes before a passthrough VM runs (the rule book estimates 4–5 min for 512 GiB); qemu-server's config_aware_timeout scales the start timeout for VMs with hostpci, and startall waits for each start task, so guests ordered after it on the same node wait by themselves; guests elsewhere that need it do not.
# related_resources:
#   - ref: https://github.com/proxmox/qemu-server/blob/56129974d4dbf938d8aa442f4f73d41add971eec/src/PVE/QemuServer/Helpers.pm#L203-L217
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1779-L1782
# custom:
#   id: PT-20
#   severity: info
info contains lib.finding("PT-20", id, sprintf("%s pins %d GiB at start: its start task takes minutes (qemu-server scales the start timeout for passthrough VMs); startall waits for the task, so no longer up delay is needed, but guests on other nodes that need it do not wait", [id, lib.whole(lib.gib(vm.memory_mib))])) if {
	some id, vm in input.vms
	vm.pinned
	vm.memory_mib >= 65536
}

# METADATA
# title: The host must not claim a passed-through storage controller
# description: Until the VM starts, a controller the host binds at boot (mpt3sas, ahci, nvme) shows its disks to the host, whose zfs-import-scan or a stray `zpool import` may import the VM's pool; two systems importing one pool corrupt it. Bind the controller to vfio-pci at boot (`options vfio-pci ids=…` with `softdep <driver> pre: vfio-pci`), so the host never sees the disks.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/8/zpool-import.8.html
# custom:
#   id: PT-25
#   severity: warning
warn contains lib.finding("PT-25", dev_id, sprintf("%s is passed to %s, which imports a pool from its disks, but the host binds it to %s at boot: until %s starts the host sees those disks and may import the pool; bind it to vfio-pci at boot (options vfio-pci ids=%s, softdep %s pre: vfio-pci)", [dev_id, vm_id, d.driver, vm_id, object.get(d, "vendor_device", "<vendor:device>"), d.driver])) if {
	some [dev_id, vm_id] in pt25_pool_controllers
	d := input.devices[dev_id]
	not object.get(d, "driver", "vfio-pci") in vfio_compatible_drivers
}

# Passed-through storage controllers holding disks of a pool the VM they go to imports.
pt25_pool_controllers contains [dev_id, vm_id] if {
	some dev_id, d in input.devices
	d.storage_class
	count(d.disks) > 0
	some vm_id in d.passed_to
	pt25_owns_a_pool_on(vm_id, d.disks)
}

# Whether `vm` imports a pool with a member among `disks` (through the VM's own pool list:
# scanning every pool per controller made the rule quadratic in the fleet).
pt25_owns_a_pool_on(vm, disks) if {
	some pid in input.vms[vm].pools
	some v in input.pools[pid].vdevs
	some disk in v.disks
	disk in disks
}

# PT-25 cannot be judged while the host driver of such a controller is unknown.
not_evaluated contains lib.not_evaluated("PT-25", dev_id, ["driver"]) if {
	some [dev_id, _] in pt25_pool_controllers
	not "driver" in object.keys(input.devices[dev_id])
}

# METADATA
# title: The host's boot must not import a pool its VM owns
# description: A pool a VM imports is safe from its host only while the host cannot see the pool's disks. Disks passed to the VM by path (`scsi1: /dev/disk/by-id/…`), or on a controller the host binds to its own driver at boot, are block devices of the host too, and a host without ZFS of its own runs OpenZFS's `zfs-import-scan.service` at boot, `zpool import -aN` of every pool it finds whenever `/etc/zfs/zpool.cache` is missing or empty. Only the hostid check (a pool last written by another system needs `-f`) then stands between the host and the VM's pool; an exported pool or a shared hostid passes it, and two systems writing one pool destroy it. The pool's `multihost` property makes an import first watch the disks for another system's writes and refuse. Judged where the host sees a member disk; not evaluated while the host's import scan or the pool's multihost is unknown.
# related_resources:
#   - ref: https://github.com/openzfs/zfs/blob/48028eb8323489de03684f4029b0a061138a5f90/etc/systemd/system/zfs-import-scan.service.in#L10-L15
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolprops.7.html#multihost
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/8/zpool-import.8.html
# custom:
#   id: PT-27
#   severity: warning
warn contains lib.finding("PT-27", pool_id, sprintf("%s can import %s at boot while %s is down: it sees %s (%s), its boot imports every pool it can see (zfs-import-scan.service, no zpool.cache), and %s has multihost off, so only the hostid check guards it, which an exported pool or a shared hostid passes; disable the scan on %s (systemctl disable zfs-import-scan.service) or set multihost=on on %s with a unique hostid on each system", [host, pool_id, vm_id, lib.names(disks), pt27_how(vm_id, disks), pool_id, host, pool_id])) if {
	some [pool_id, vm_id, host, disks] in pt27_exposed
	input.hosts[host].zfs_import_scan == true
	input.pools[pool_id].multihost == false
}

# [pool, owner VM, its host, member disks the host sees] for every VM-owned pool with such disks.
pt27_exposed contains [pool_id, vm_id, p.host, disks] if {
	some pool_id, p in input.pools
	p.owner_is_vm
	vm_id := p.owner
	disks := {disk |
		some v in p.vdevs
		some disk in v.disks
		pt27_host_sees(vm_id, disk)
	}
	count(disks) > 0
}

# The VM gets the disk by its host path: the host's block device.
pt27_host_sees(vm_id, disk) if pt27_by_path(vm_id, disk)

# The disk hangs off a controller passed to the VM that the host binds to its own driver at
# boot (PT-25), so the host sees it until the VM starts.
pt27_host_sees(vm_id, disk) if {
	dev := input.devices[input.disks[disk].controller]
	vm_id in dev.passed_to
	"driver" in object.keys(dev)
	not dev.driver in vfio_compatible_drivers
}

pt27_by_path(vm_id, disk) if {
	some r in input.vms[vm_id].raw_disks
	r.disk == disk
}

pt27_not_all_by_path(vm_id, disks) if {
	some disk in disks
	not pt27_by_path(vm_id, disk)
}

# (`every` with a function's `else` evaluated differently under rego-cpp: two plain clauses.)
pt27_how(vm_id, disks) := "on a controller the host binds at boot" if pt27_not_all_by_path(vm_id, disks)

pt27_how(vm_id, disks) := sprintf("passed to %s by path", [vm_id]) if not pt27_not_all_by_path(vm_id, disks)

not_evaluated contains lib.not_evaluated("PT-27", pool_id, u) if {
	some [pool_id, _, host, _] in pt27_exposed
	u := [name |
		some [name, entity] in [["zfs_import_scan", input.hosts[host]], ["multihost", input.pools[pool_id]]]
		not name in object.keys(entity)
	]
	count(u) > 0
}

# Rules that cannot be judged while a fact they need is unknown.
not_evaluated contains lib.not_evaluated(rule, id, u) if {
	some id, h in input.hosts
	h.has_passthrough
	some [rule, facts] in [["PT-01", ["iommu"]], ["PT-02", ["interrupt_remapping"]], ["PT-11", ["pinned_mib"]]]
	u := lib.unknowns(h, facts)
	count(u) > 0
}

not_evaluated contains lib.not_evaluated("PT-06", id, u) if {
	some id, vm in input.vms
	some h in vm.hostpci
	h.pcie
	u := lib.unknowns(vm, ["q35"])
	count(u) > 0
}

not_evaluated contains lib.not_evaluated(rule, id, u) if {
	some id, vm in input.vms
	vm.pinned
	some [rule, facts] in [["PT-10", ["ballooning"]], ["PT-20", ["memory_mib"]]]
	u := lib.unknowns(vm, facts)
	count(u) > 0
}

# METADATA
# title: CPU type host only where every node a VM can move to has the same CPU
# description: With CPU type host the guest sees the node's exact CPU model and flags; pve-docs keeps host for clusters whose nodes all have the same CPU and recommends a generic model (x86-64-v2-AES…) where a VM must migrate between different ones, since a guest moved to another CPU can crash or the migration is refused. Judged for VMs that can move without passthrough (HA-managed, or migrate = true), against the cluster's other Proxmox nodes; not evaluated while a node's CPU vendor or model is unknown.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_cpu
# custom:
#   id: PT-26
#   severity: warning
warn contains lib.finding("PT-26", id, sprintf("%s uses CPU type host and can move (%s) from %s (%s) to %s (%s): a guest that saw one CPU cannot safely run on another; use a CPU type both offer, such as x86-64-v2-AES", [id, pt26_why(vm), vm.host, pt26_cpu(vm.host), other, pt26_cpu(other)])) if {
	some id, vm in input.vms
	pt26_moving_host_cpu(vm)
	some cpu, other in pt26_node_with_cpu
	cpu != pt26_signature(vm.host)
}

# PT-26 cannot be judged while the CPU vendor or model of a node the VM can run on is unknown.
not_evaluated contains lib.not_evaluated("PT-26", id, u) if {
	some id, vm in input.vms
	pt26_moving_host_cpu(vm)
	count(pt26_nodes - {vm.host}) > 0
	u := pt26_unknown
	count(u) > 0
}

# The CPU facts unknown on some Proxmox node (computed once: per VM it was quadratic).
pt26_unknown := sort({f |
	some f in ["cpu_vendor", "cpu_model"]
	some n in pt26_nodes
	not f in object.keys(input.hosts[n])
})

pt26_moving_host_cpu(vm) if {
	vm.cpu_type == "host"
	vm.pinned == false
	pt26_moves(vm)
}

pt26_moves(vm) if vm.migrate == true

pt26_moves(vm) if vm.ha == true

pt26_why(vm) := "migrate = true" if vm.migrate == true

pt26_why(vm) := "HA-managed" if {
	vm.migrate == false
	vm.ha == true
}

# The cluster's Proxmox nodes.
pt26_nodes contains n if {
	some n, h in input.hosts
	h.proxmox
}

# A CPU as the rule compares it: vendor and model (null where unknown).
pt26_signature(n) := [object.get(input.hosts[n], "cpu_vendor", null), object.get(input.hosts[n], "cpu_model", null)]

# One node per distinct CPU, the first by id: a VM on any other CPU could move there. Built
# per distinct CPU, not per VM, so a fleet of one or two CPU models stays linear.
pt26_node_with_cpu[cpu] := sort([n | some n in pt26_nodes; pt26_signature(n) == cpu])[0] if {
	some cpu in {pt26_signature(n) | some n in pt26_nodes}
}

pt26_cpu(h) := input.hosts[h].cpu_model
