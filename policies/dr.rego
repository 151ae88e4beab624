# Disaster recovery: moving the HBA and disks, importing elsewhere (rule book section E).
package hostplan.dr

import data.hostplan.lib
import rego.v1

# METADATA
# title: A pool should sit behind one movable controller
# description: An import needs every top-level vdev (zpoolconcepts: a pool with faulted devices and "insufficient replicas" cannot continue functioning); disks split between the passed-through HBA and other controllers cannot move as one unit. A warning, not the rule book's E for a missing vdev: spanning controllers is the risk, the failed import is what the recovery simulation reports. Controllers that are all passed to the VM that owns the pool move with it (an NVMe special vdev beside the HBA, or a 9300-16i, which is two SAS3008 chips).
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolconcepts.7.html#Device_Failure_and_Recovery
#   - ref: https://github.com/openzfs/zfs/blob/018937884f93e0f4ae7f560c352a138ec6b69cb4/man/man7/zpoolconcepts.7#L241-L247
# custom:
#   id: DR-02
#   severity: warning
warn contains lib.finding("DR-02", pid, sprintf("pool %s spans controllers %s: moving one of them does not bring the whole pool along", [pid, lib.names(p.controllers)])) if {
	some pid, p in input.pools
	count(p.controllers) > 1
	not dr02_all_with_the_owner(p)
}

# Every controller of the pool is passed through to the VM that imports it.
dr02_all_with_the_owner(p) if {
	p.owner_is_vm
	every c in p.controllers {
		p.owner in object.get(object.get(input.devices, c, {}), "passed_to", [])
	}
}

# METADATA
# title: Active feature flags pin the ZFS version you can import with
# description: zpool-features: every feature that is active must be supported by the ZFS that imports the pool read-write (read-only if the unsupported ones are read-only compatible), and zpool upgrade is one-way; pin a compatibility set if you may need to go back. Info, not the rule book's E/W: any pool has active features, and whether a recovery system lacks one is not known here.
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpool-features.7.html#Feature_states
#   - ref: https://github.com/openzfs/zfs/blob/00b54a3b138955d2ac2a52cbedc9e0e1509ac7d4/man/man7/zpool-features.7#L78-L122
#   - ref: https://github.com/openzfs/zfs/blob/00b54a3b138955d2ac2a52cbedc9e0e1509ac7d4/man/man7/zpool-features.7#L146-L151
# custom:
#   id: DR-03
#   severity: info
info contains lib.finding("DR-03", pid, sprintf("pool %s has active features %s: a recovery system must support them for a read-write import", [pid, lib.names(p.active_features)])) if {
	some pid, p in input.pools
	count(p.active_features) > 0
}

# METADATA
# title: Raw addresses break when the HBA moves
# description: After moving the card to another slot or host its BDF and IOMMU group change; a raw hostpci address then fails or grabs another device, and a mapping is refused until updated (PT-14). Info, not the rule book's E: the move is future, and the recovery simulation reports the failure when one is planned.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#resource_mapping
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_migration
# custom:
#   id: DR-04
#   severity: info
info contains lib.finding("DR-04", id, sprintf("%s passes storage controller %s by raw address: after a move, update hostpci%s by hand (a mapping would need one entry per node)", [id, dev, idx])) if {
	some id, vm in input.vms
	some idx, h in vm.hostpci
	h.kind == "host"
	some dev in h.devices
	input.devices[dev].storage_class
}

# METADATA
# title: Keep the TrueNAS configuration backup off the pool
# description: The TrueNAS hardware guide: a properly configured system can "recreate its boot media with a copy of the configuration file"; a fresh TrueNAS, that file and the imported pool restore the shares, so the backup must survive the loss of the VM and its host.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#storage-considerations
# custom:
#   id: DR-05
#   severity: info
info contains lib.finding("DR-05", id, sprintf("%s owns pool(s) %s: keep its configuration backup somewhere the pool and %s do not take down", [id, lib.names(pools), input.vms[id].host])) if {
	some id in lib.truenas_vms
	pools := input.vms[id].pools
	count(pools) > 0
}
