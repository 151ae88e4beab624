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
info contains lib.finding("K8S-01", split(w.who, " ")[0], sprintf("after a cold start, %s waits %d s for %s (kubelet back-off); `hostplan boot` suggests an order that avoids it", [w.who, lib.whole(round((w.until_ms - w.from_ms) / 1000)), w.waited_for])) if {
	some w in input.boot.waits
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
# description: Talos needs the siderolabs/iscsi-tools extension, hostPID, ISCSIADM_HOST_STRATEGY=nsenter and a privileged namespace for democratic-csi's node plugin.
# related_resources:
#   - ref: https://github.com/democratic-csi/democratic-csi#talos
# custom:
#   id: K8S-05
#   severity: info
info contains lib.finding("K8S-05", cid, sprintf("%s (Talos) mounts iSCSI from %s: install the siderolabs/iscsi-tools extension and run democratic-csi with hostPID and nsenter", [cid, sid])) if {
	some cid, c in input.consumers
	some sid in c.services
	input.services[sid].kind == "iscsi"
	some vm in array.concat(c.control_plane, c.workers)
	input.vms[vm].role == "talos"
}

# METADATA
# title: Talos VM requirements
# description: Talos needs an x86-64-v2 CPU type (host or x86-64-v2-AES; kvm64 fails), at least 2 cores and 2 GiB of RAM.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/
# custom:
#   id: K8S-08
#   severity: error
deny contains lib.finding("K8S-08", id, sprintf("%s runs Talos with CPU type \"%s\": use host or x86-64-v2-AES (x86-64-v2 needed)", [id, vm.cpu_type])) if {
	some id, vm in talos
	vm.cpu_type in {"kvm64", "qemu64", ""}
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs Talos with %d core(s): give it at least 2", [id, vm.cores])) if {
	some id, vm in talos
	vm.cores < 2
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs Talos with %d MiB of RAM: give it at least 2048", [id, vm.memory_mib])) if {
	some id, vm in talos
	vm.memory_mib < 2048
}

talos := {id: vm | vm := input.vms[id]; vm.role == "talos"}

# K8S-08 cannot be judged while the Talos VM's CPU type, cores or memory are unknown.
not_evaluated contains lib.not_evaluated("K8S-08", id, u) if {
	some id, vm in talos
	u := lib.unknowns(vm, ["cpu_type", "cores", "memory_mib"])
	count(u) > 0
}
