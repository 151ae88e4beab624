# Kubernetes / Talos consuming TrueNAS iSCSI/NFS through democratic-csi (rule book section F).
package hostplan.kubernetes

import data.hostplan.lib
import rego.v1

# METADATA
# title: Pods wait for storage after a cold start
# description: While the iSCSI/NFS target is down pods stay ContainerCreating; kubelet retries each mount with an exponential back-off from 500 ms up to 2 min 2 s, and WaitForAttachAndMount gives up after 2 min 3 s per pod sync and retries at the next, so pods recover by themselves within about two minutes of storage returning.
# related_resources:
#   - ref: https://github.com/kubernetes/kubernetes/blob/0001f7ab39f28b6ccddbd86e70dfe337190b0936/pkg/kubelet/volumemanager/volume_manager.go#L69-L78
#   - ref: https://github.com/kubernetes/kubernetes/blob/02b0160285b1d3574f600cd80f6160f9e0ac04b4/pkg/util/goroutinemap/exponentialbackoff/exponential_backoff.go#L26-L38
# custom:
#   id: K8S-01
#   severity: info
info contains lib.finding("K8S-01", consumer, sprintf("after a cold start, %s waits %d s for its volumes on %s (kubelet back-off); the Boot view (`hostplan boot`) suggests a startup order that avoids it", [consumer, lib.whole(round((w.until_ms - w.from_ms) / 1000)), w.waited_for])) if {
	some w in input.boot.waits
	consumer := split(w.who, " ")[0]
}

# METADATA
# title: Rebooting the storage host disrupts consumers elsewhere
# description: When an iSCSI target disappears under running pods, open-iscsi waits node.session.timeo.replacement_timeout (120 s by default) "for session re-establishment before failing SCSI commands back to the application", after which file systems see I/O errors; stale sessions may need the CSI node pods restarted.
# related_resources:
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/0ab9354515f4dd01b60714ff33d31f133856e408/etc/iscsid.conf#L56-L60
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
# description: nfs(5): NFS mounts are hard by default, so I/O blocks (processes in D state) and is retried "indefinitely" until the server is back; with soft a request fails after its retries, and the page warns "A so-called 'soft' timeout can cause silent data corruption in certain cases".
# related_resources:
#   - ref: https://man7.org/linux/man-pages/man5/nfs.5.html#MOUNT_OPTIONS
#   - ref: https://github.com/jtlayton/nfs-utils/blob/0dbabc1f7b56cf8875fbc21b6c7d75fd27a66ba3/utils/mount/nfs.man#L97-L129
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
# description: democratic-csi's README (Talos): the iSCSI node plugin needs the siderolabs/iscsi-tools system extension, node.hostPID, ISCSIADM_HOST_STRATEGY=nsenter with ISCSIADM_HOST_PATH=/usr/local/sbin/iscsiadm, node.driver.iscsiDirHostPath /usr/local/etc/iscsi (a real repo uses /var/iscsi) with iscsiDirHostPathType "", and its namespace labelled pod-security.kubernetes.io/enforce=privileged. Info, not the rule book's E: hostplan does not read the Talos image or the chart's values, so this is a reminder.
# related_resources:
#   - ref: https://github.com/democratic-csi/democratic-csi/blob/8a4a28a87f496359876655dfb0bb63715d5f2657/README.md#talos
# custom:
#   id: K8S-05
#   severity: info
info contains lib.finding("K8S-05", cid, sprintf("%s (Talos) mounts iSCSI from %s: install the siderolabs/iscsi-tools extension, label democratic-csi's namespace pod-security.kubernetes.io/enforce=privileged, and set iscsiDirHostPath (the README uses /usr/local/etc/iscsi), ISCSIADM_HOST_STRATEGY=nsenter, ISCSIADM_HOST_PATH=/usr/local/sbin/iscsiadm", [cid, sid])) if {
	some cid, c in input.consumers
	some sid in c.services
	input.services[sid].kind == "iscsi"
	some vm in array.concat(c.control_plane, c.workers)
	input.vms[vm].role == "talos"
}

# METADATA
# title: Talos VM requirements
# description: Talos' Proxmox guide: Talos requires the x86-64-v2 microarchitecture, so "booting with the default Processor Type kvm64 will not work" (use host or x86-64-v2-AES); its system requirements give the minimum resources, 2 cores and 2 GiB for a control-plane node, 1 core and 1 GiB for a worker.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/#create-vms
#   - ref: https://www.talos.dev/v1.9/introduction/system-requirements/
# custom:
#   id: K8S-08
#   severity: error
deny contains lib.finding("K8S-08", id, sprintf("%s runs Talos with CPU type \"%s\": use host or x86-64-v2-AES (x86-64-v2 needed)", [id, vm.cpu_type])) if {
	some id, vm in talos
	vm.cpu_type in {"kvm64", "qemu64", ""}
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs a Talos %s with %d core(s): Talos needs at least %d", [id, k8s08_role(id), lib.whole(vm.cores), lib.whole(k8s08_minimum[k8s08_role(id)].cores)])) if {
	some id, vm in talos
	vm.cores < k8s08_minimum[k8s08_role(id)].cores
}

deny contains lib.finding("K8S-08", id, sprintf("%s runs a Talos %s with %d MiB of RAM: Talos needs at least %d MiB", [id, k8s08_role(id), lib.whole(vm.memory_mib), lib.whole(k8s08_minimum[k8s08_role(id)].memory_mib)])) if {
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
# description: With several iSCSI portals (dm-multipath on the nodes), open-iscsi's README recommends a short replacement_timeout (5–15 s) so I/O on a failed path goes to another one at once; at the default 120 s every path failure first stalls I/O for two minutes. democratic-csi applies any node-db.<setting> key of a volume's node-stage secret as an iscsiadm node setting, so node-db.node.session.timeo.replacement_timeout in that secret sets it. Not evaluated while a multipath consumer's replacement_timeout is unknown.
# related_resources:
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/bc236140ff0f0b66c18c0064fdebe5916c32c5da/README#L1590-L1596
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/bc236140ff0f0b66c18c0064fdebe5916c32c5da/README#L1820-L1830
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/0ab9354515f4dd01b60714ff33d31f133856e408/etc/iscsid.conf#L56-L60
#   - ref: https://github.com/democratic-csi/democratic-csi/blob/a366ed2e5356147b0dcddf1879d37f2e57b2dcfc/examples/node-manual-iscsi-pv.yaml#L12-L26
# custom:
#   id: K8S-07
#   severity: warning
warn contains lib.finding("K8S-07", cid, sprintf("%s reaches %s over %d portals (multipath) with an iSCSI replacement_timeout of %d s: a failed path stalls I/O that long before multipath moves it; set node.session.timeo.replacement_timeout to 5–15 s (democratic-csi: node-db.node.session.timeo.replacement_timeout in the node-stage secret)", [cid, sid, count(k8s07_portals(sid)), lib.whole(timeout)])) if {
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
# description: Talos' Proxmox guide: "Talos doesn't support memory hot plugging"; with it enabled Talos is "unable to see all available memory and have insufficient memory to complete installation". Proxmox's default hotplug (network,disk,usb) is fine. (Part of the rule book's K8S-08 row, a rule of its own so that an unknown hotplug setting does not hide K8S-08's CPU and memory checks.) Not evaluated while a Talos VM's hotplug setting is unknown.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/#create-vms
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
