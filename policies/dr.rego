# Disaster recovery: moving the HBA and disks, importing elsewhere (rule book section E).
package hostplan.dr

import data.hostplan.lib
import rego.v1

# METADATA
# title: A pool should sit behind one movable controller
# description: Import needs every top-level vdev; disks split between the passed-through HBA and other controllers cannot move as one unit. Controllers that are all passed to the VM that owns the pool move with it (an NVMe special vdev beside the HBA, or a 9300-16i, which is two SAS3008 chips).
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolconcepts.7.html
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
# description: Every active feature must be supported by the ZFS that imports the pool; zpool upgrade is one-way. Pin a compatibility set if you may need to go back.
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpool-features.7.html
# custom:
#   id: DR-03
#   severity: info
info contains lib.finding("DR-03", pid, sprintf("pool %s has active features %s: a recovery system must support them for a read-write import", [pid, lib.names(p.active_features)])) if {
	some pid, p in input.pools
	count(p.active_features) > 0
}

# METADATA
# title: Raw addresses break when the HBA moves
# description: After moving the card to another slot or host its BDF and IOMMU group change; a raw hostpci address then fails or grabs another device. Mappings are updated in one place.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#resource_mapping
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
# description: A fresh TrueNAS, its configuration file and the imported pool restore the shares; the backup must survive the loss of the VM and its host.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/master/static/includes/TNHardwareGuide.md
# custom:
#   id: DR-05
#   severity: info
info contains lib.finding("DR-05", id, sprintf("%s owns pool(s) %s: keep its configuration backup somewhere the pool and %s do not take down", [id, lib.names(pools), input.vms[id].host])) if {
	some id in lib.truenas_vms
	pools := input.vms[id].pools
	count(pools) > 0
}
