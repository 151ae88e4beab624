# Kubernetes / Talos consuming TrueNAS iSCSI/NFS through democratic-csi (rule book section F).
package hostplan.kubernetes

import data.hostplan.lib
import rego.v1

# METADATA
# title: Pods wait for storage after a cold start
# description: While the iSCSI/NFS target is down pods stay ContainerCreating; kubelet retries with back-off (up to ~2 min) and recovers by itself.
# related_resources:
#   - ref: https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/volumemanager/volume_manager.go
# custom:
#   id: K8S-01
#   severity: info
info contains lib.finding("K8S-01", consumer, sprintf("after a cold start, %s waits %d s for its volumes on %s (kubelet back-off); the Boot view (`hostplan boot`) suggests a startup order that avoids it", [consumer, lib.whole(round((w.until_ms - w.from_ms) / 1000)), w.waited_for])) if {
	some w in input.boot.waits
	consumer := split(w.who, " ")[0]
}

# METADATA
# title: Rebooting the storage host disrupts consumers elsewhere
# description: When an iSCSI target disappears under running pods, I/O is queued for replacement_timeout (120 s) and then fails; stale sessions may need the CSI node pods restarted.
# related_resources:
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/master/etc/iscsid.conf
# custom:
#   id: K8S-03
#   severity: warning
warn contains lib.finding("K8S-03", h.provider, h.detail) if {
	some _, host in input.hosts
	some h in host.reboot_hazards
	startswith(h.detail, "rebooting")
}

# METADATA
# title: NFS consumers block while the server is away
# description: NFS mounts are hard by default: I/O blocks (processes in D state) until the server is back; soft mounts return errors and can corrupt data.
# related_resources:
#   - ref: https://man7.org/linux/man-pages/man5/nfs.5.html
# custom:
#   id: K8S-04
#   severity: info
info contains lib.finding("K8S-04", cid, sprintf("%s uses NFS service %s: its pods block while %s is down (hard mounts)", [cid, sid, input.services[sid].provider])) if {
	some cid, c in input.consumers
	some sid in c.services
	input.services[sid].kind == "nfs"
}

# METADATA
# title: democratic-csi iSCSI on Talos needs iscsi-tools and privileges
# description: On Talos, democratic-csi's iSCSI node plugin needs the siderolabs/iscsi-tools system extension, its namespace labelled `pod-security.kubernetes.io/enforce=privileged`, `node.driver.iscsiDirHostPath` set to `/var/iscsi`, and `ISCSIADM_HOST_STRATEGY=nsenter` with `ISCSIADM_HOST_PATH=/usr/local/sbin/iscsiadm` (hostPID).
# related_resources:
#   - ref: https://github.com/democratic-csi/democratic-csi/blob/master/README.md#talos
# custom:
#   id: K8S-05
#   severity: info
info contains lib.finding("K8S-05", cid, sprintf("%s (Talos) mounts iSCSI from %s: install the siderolabs/iscsi-tools extension, label democratic-csi's namespace pod-security.kubernetes.io/enforce=privileged, and set iscsiDirHostPath=/var/iscsi, ISCSIADM_HOST_STRATEGY=nsenter, ISCSIADM_HOST_PATH=/usr/local/sbin/iscsiadm", [cid, sid])) if {
	some cid, c in input.consumers
	some sid in c.services
	input.services[sid].kind == "iscsi"
	some vm in array.concat(c.control_plane, c.workers)
	input.vms[vm].role == "talos"
}

# METADATA
# title: Talos VM requirements
# description: Talos needs an x86-64-v2 CPU type (host or x86-64-v2-AES; kvm64 fails) and its documented minimum resources, 2 cores and 2 GiB for a control-plane node, 1 core and 1 GiB for a worker.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/
#   - ref: https://www.talos.dev/v1.9/introduction/system-requirements/
# custom:
#   id: K8S-08
#   severity: error
deny contains lib.finding("K8S-08", id, sprintf("%s runs Talos with CPU type \"%s\": use host or x86-64-v2-AES (x86-64-v2 needed)", [id, vm.cpu_type])) if {
	some id, vm in talos
	vm.cpu_type in {"kvm64", "qemu64", ""}
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs a Talos %s with %d core(s): Talos needs at least %d", [id, k8s08_role(id), vm.cores, k8s08_minimum[k8s08_role(id)].cores])) if {
	some id, vm in talos
	vm.cores < k8s08_minimum[k8s08_role(id)].cores
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs a Talos %s with %d MiB of RAM: Talos needs at least %d MiB", [id, k8s08_role(id), vm.memory_mib, k8s08_minimum[k8s08_role(id)].memory_mib])) if {
	some id, vm in talos
	vm.memory_mib < k8s08_minimum[k8s08_role(id)].memory_mib
}

# Talos' system requirements, minimum per node role.
k8s08_minimum := {
	"control-plane node": {"cores": 2, "memory_mib": 2048},
	"worker": {"cores": 1, "memory_mib": 1024},
}

# A Talos VM is a control-plane node if any consumer lists it so; otherwise a worker (the
# smaller minimum: a VM of unknown role is not held to the larger one).
k8s08_role(id) := "control-plane node" if {
	some c in input.consumers
	id in c.control_plane
} else := "worker"

talos := {id: vm | vm := input.vms[id]; vm.role == "talos"}

# K8S-08 cannot be judged while the Talos VM's CPU type, cores or memory are unknown.
not_evaluated contains lib.not_evaluated("K8S-08", id, u) if {
	some id, vm in talos
	u := lib.unknowns(vm, ["cpu_type", "cores", "memory_mib"])
	count(u) > 0
}

# METADATA
# title: Multipath consumers fail over quickly
# description: With several iSCSI portals (dm-multipath on the nodes), open-iscsi's README recommends a short replacement_timeout (5–15 s) so I/O on a failed path goes to another one at once; at the default 120 s every path failure first stalls I/O for two minutes. democratic-csi sets it per StorageClass (node-db.node.session.timeo.replacement_timeout in the node-stage secret). Not evaluated while a multipath consumer's replacement_timeout is unknown.
# related_resources:
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/master/README
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/master/etc/iscsid.conf
#   - ref: https://github.com/democratic-csi/democratic-csi/blob/master/README.md
# custom:
#   id: K8S-07
#   severity: warning
warn contains lib.finding("K8S-07", cid, sprintf("%s reaches %s over %d portals (multipath) with an iSCSI replacement_timeout of %d s: a failed path stalls I/O that long before multipath moves it; set node.session.timeo.replacement_timeout to 5–15 s (democratic-csi: node-db.node.session.timeo.replacement_timeout in the node-stage secret)", [cid, sid, count(k8s07_portals(sid)), timeout])) if {
	some cid, c in input.consumers
	some sid in c.services
	count(k8s07_portals(sid)) > 1
	timeout := c.iscsi_replacement_timeout_s
	timeout > 15
}

# K8S-07 cannot be judged while a multipath consumer's replacement_timeout is unknown.
not_evaluated contains lib.not_evaluated("K8S-07", cid, ["iscsi_replacement_timeout_s"]) if {
	some cid, c in input.consumers
	some sid in c.services
	count(k8s07_portals(sid)) > 1
	not "iscsi_replacement_timeout_s" in object.keys(c)
}

# The distinct networks an iSCSI service listens on (none for other kinds).
k8s07_portals(sid) := {n |
	input.services[sid].kind == "iscsi"
	some n in input.services[sid].portals
}

# METADATA
# title: Talos VMs without memory hotplug
# description: Talos does not support memory hotplug; with `memory` in a VM's Proxmox hotplug option it cannot see all of its memory and has too little to install and run. Proxmox's default hotplug (network,disk,usb) is fine. (Part of the rule book's K8S-08 row, a rule of its own so that an unknown hotplug setting does not hide K8S-08's CPU and memory checks.) Not evaluated while a Talos VM's hotplug setting is unknown.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/
#   - ref: https://pve.proxmox.com/pve-docs/qm.conf.5.html
# custom:
#   id: K8S-09
#   severity: error
deny contains lib.finding("K8S-09", id, sprintf("%s runs Talos with memory hotplug on (hotplug: %s): Talos does not support it and sees too little memory; remove memory from the VM's hotplug option", [id, k8s09_list(vm.hotplug)])) if {
	some id, vm in talos
	"memory" in vm.hotplug
}

# K8S-09 cannot be judged while a Talos VM's hotplug setting is unknown.
not_evaluated contains lib.not_evaluated("K8S-09", id, ["hotplug"]) if {
	some id, vm in talos
	not "hotplug" in object.keys(vm)
}

# A hotplug list as Proxmox writes it. (`trim(…, "")` works around rego-cpp, see lib.names.)
k8s09_list(xs) := trim(concat(",", xs), "")
