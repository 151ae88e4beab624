# Startup and shutdown ordering (rule book section B).
package hostplan.boot

import data.hostplan.lib
import rego.v1

# METADATA
# title: HA-managed guests ignore startup order
# description: pve-docs: guests managed by the HA stack do not follow the start and shutdown order (HA starts and stops them); startall skips them, so their onboot and startup order settings do nothing.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_startup_and_shutdown
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1642-L1654
# custom:
#   id: BOOT-01
#   severity: info
info contains lib.finding("BOOT-01", id, sprintf("%s is HA-managed: its startup order %d is ignored (HA starts it)", [id, lib.whole(vm.order)])) if {
	some id, vm in input.vms
	vm.ha
	vm.order != null
}

# The storage VM serving `svc` and a guest on the same node that needs it.
same_node_consumer(svc) := {[s.provider, c] |
	s := input.services[svc]
	s.provider_is_vm
	some c in s.consumers
	input.vms[c].host == input.vms[s.provider].host
	c != s.provider
}

# METADATA
# title: up must cover the storage VM's time to serve
# description: up is the delay startall sleeps after issuing a guest's start before the next one (3 s by default for a VM), not a readiness check; a storage provider ordered before its consumers (ordered after it, or unordered, which start last) needs up ≥ its time to serve, or they start before iSCSI/NFS exists. Only guests that startall starts count (onboot, not HA-managed).
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_startup_and_shutdown
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1769-L1793
# custom:
#   id: BOOT-03
#   severity: warning
warn contains lib.finding("BOOT-03", p, sprintf("%s is ordered before %s but its up delay (%d s) is shorter than its time to serve %s (~%d s): raise up to at least %d", [p, c, lib.whole(up), svc, lib.whole(s.serve_after_start_s), lib.whole(s.serve_after_start_s)])) if {
	some svc, s in input.services
	some pair in same_node_consumer(svc)
	p := pair[0]
	c := pair[1]
	started_by_startall(input.vms[p])
	started_by_startall(input.vms[c])
	input.vms[p].order != null
	ordered_before(input.vms[p], input.vms[c])
	up := up_of(input.vms[p])
	up < s.serve_after_start_s
}

# Guests startall starts at boot: onboot, and not left to the HA stack (BOOT-01).
started_by_startall(vm) if {
	vm.onboot
	not vm.ha
}

# `a` (ordered) starts before `b`: `b` has a higher order, or none (unordered guests start last).
ordered_before(a, b) if b.order == null

ordered_before(a, b) if {
	b.order != null
	a.order < b.order
}

# METADATA
# title: Storage must not stop before its consumers
# description: stopall shuts guests down in the exact reverse of the start order (descending order and VMID, unordered guests first), each with down (default 180 s) as its timeout; a storage VM that stops while its consumers still run pulls their disks away.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_startup_and_shutdown
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1817-L1822
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1874-L1890
# custom:
#   id: BOOT-05
#   severity: warning
warn contains lib.finding("BOOT-05", h.provider, h.detail) if {
	some h in input.boot.hazards
}

# METADATA
# title: Talos shuts down more reliably with the guest agent
# description: Talos' Proxmox guide: "If you need the QEMU guest agent so you can do guest VM shutdowns of your Talos VMs", use an image with siderolabs/qemu-guest-agent and enable the agent. Without it qemu-server's shutdown sends an ACPI power-button event, which Talos also handles, so this is advice.
# related_resources:
#   - ref: https://www.talos.dev/v1.9/talos-guides/install/virtualized-platforms/proxmox/#qemu-guest-agent-support-iso
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_qemu_agent
# custom:
#   id: BOOT-06
#   severity: info
info contains lib.finding("BOOT-06", id, sprintf("%s runs Talos without the guest agent: its shutdown relies on ACPI; enable agent and the siderolabs/qemu-guest-agent extension for a confirmed shutdown", [id])) if {
	some id, vm in input.vms
	vm.role == "talos"
	vm.agent == false
}

# METADATA
# title: Storage providers start before their consumers on the same node
# description: pve-docs: the start order "can only be enforced between virtual machines running on the same host"; a storage VM ordered after (or, unordered, started after) the guests on its node that need it makes them wait or fail.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_startup_and_shutdown
# custom:
#   id: BOOT-09
#   severity: warning
warn contains lib.finding("BOOT-09", p, sprintf("%s provides %s but starts after %s on the same node (%s vs %s): give %s a lower startup order than %s", [p, svc, c, lib.order_text(input.vms[p].order), lib.order_text(input.vms[c].order), p, c])) if {
	some svc, _ in input.services
	some pair in same_node_consumer(svc)
	p := pair[0]
	c := pair[1]
	started_by_startall(input.vms[p])
	started_by_startall(input.vms[c])
	starts_after(input.vms[p], input.vms[c])
}

# The `up` delay in effect: Proxmox sleeps 3 s after a QEMU start when none is set.
up_of(vm) := vm.up if vm.up != null

up_of(vm) := 3 if vm.up == null

# Proxmox start order: ascending order, unordered last, then VMID.
start_key(vm) := [vm.order, vm.vmid] if vm.order != null

start_key(vm) := [4294967295, vm.vmid] if vm.order == null

starts_after(a, b) if start_key(a) > start_key(b)

# METADATA
# title: No guest may boot from storage that is not served yet
# description: A guest whose boot disk lives on storage served by a VM that starts after it (or by itself) fails to start, and startall only logs the failure; it does not retry. A disk served by the guest's own storage chain is a deadlock.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_startup_and_shutdown
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1779-L1798
# custom:
#   id: BOOT-10
#   severity: error
deny contains lib.finding("BOOT-10", f.vm, sprintf("%s boots from %s (%s), which is not served when it starts%s", [f.vm, f.storage, f.service, suffix])) if {
	some f in input.boot.failures
	suffix := {true: ": a deadlock, it can never start", false: ": order the provider first with a long enough up"}[f.deadlock]
}

# BOOT-06 cannot be judged while a Talos VM's guest-agent setting is unknown.
not_evaluated contains lib.not_evaluated("BOOT-06", id, u) if {
	some id, vm in input.vms
	vm.role == "talos"
	u := lib.unknowns(vm, ["agent"])
	count(u) > 0
}
