# The Proxmox cluster: votequorum, corosync links and the HA manager (issue "failure domains").
package hostplan.cluster

import data.hostplan.lib
import rego.v1

# METADATA
# title: A two-node cluster needs a third vote
# description: votequorum needs floor(expected/2)+1 votes, 2 of 2 in a two-node cluster, and Proxmox does not set two_node; losing or rebooting either node makes the other inquorate (/etc/pve read-only, no guest starts, no HA recovery). pve-docs recommends a QDevice for two-node clusters.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#_corosync_external_vote_support
#   - ref: https://github.com/corosync/corosync/blob/0da1b7446239424b76b1d5eb7c3640afce9b054e/man/votequorum.5#L98-L103
# custom:
#   id: CLU-01
#   severity: warning
warn contains lib.finding("CLU-01", "cluster", sprintf("the cluster has two nodes (%s) and no third vote: losing or rebooting either leaves the other without quorum; add a QDevice", [lib.names(c.nodes)])) if {
	c := input.cluster
	count(c.nodes) == 2
	not c.qdevice
	not c.two_node
}

# METADATA
# title: Corosync needs a path storage traffic cannot starve
# description: pve-docs: corosync needs low latency (below 5 ms) and should have a dedicated network; storage traffic on the same link can delay it until the node loses quorum and is fenced. Sharing is acceptable only as a lower-priority fallback link.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#pvecm_cluster_network_requirements
# custom:
#   id: CLU-02
#   severity: warning
warn contains lib.finding("CLU-02", node, sprintf("every corosync link of %s shares cables (%s) with a storage network: give corosync its own link (a separate NIC or VLAN on another port) as link0", [node, lib.names(cs.cables)])) if {
	some node, cs in input.cluster.corosync
	count(cs.cables) > 0
	not cs.separate_from_storage
	cs.shares_storage
}

# METADATA
# title: A second corosync link
# description: pve-docs (Corosync Redundancy): knet supports up to 8 links and switches to the next working one; with a single link, any failure on it costs the node its vote.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#pvecm_redundancy
# custom:
#   id: CLU-03
#   severity: info
info contains lib.finding("CLU-03", "cluster", "the cluster has one corosync link: add a second one (another network, lower priority) so one failed path does not cost a node its vote") if {
	input.cluster.corosync_links == 1
}

# METADATA
# title: An HA guest with a local device can never recover elsewhere
# description: qemu-server's migration check treats hostpciN as a local resource unless it names a resource mapping, so HA relocation of such a guest fails ("can't migrate VM which uses local devices"); recovery from a fenced node moves the configuration without that check (steal_service), and the raw address then names no device on the new node (the start fails) or another device (PT-13). Either way HA cannot bring the guest back elsewhere.
# related_resources:
#   - ref: https://github.com/proxmox/qemu-server/blob/096a1ac22877d766c0b74a7da20f9bc61cf837ca/src/PVE/QemuMigrate.pm#L264-L279
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/3df15380942024f86f73112adbb1e521ebbfd88d/src/PVE/HA/Env/PVE2.pm#L151-L165
#   - ref: https://github.com/proxmox/qemu-server/blob/058e0f652068a8d28be270a902d86ad898b99624/src/PVE/QemuServer/PCI.pm#L455-L466
#   - ref: https://pve.proxmox.com/pve-docs/qm.1.html#qm_migration
# custom:
#   id: CLU-04
#   severity: error
deny contains lib.finding("CLU-04", vm, sprintf("%s is HA-managed but passes through %s as a local device: HA cannot recover it on another node; use a resource mapping with an entry per node, or take it out of HA", [vm, lib.names(h.local_devices)])) if {
	some vm, h in input.ha
	count(h.local_devices) > 0
}

# METADATA
# title: A mapped device needs an entry on every node HA may use
# description: qemu-server refuses to move a guest to a node its PCI mapping has no entry for ("missing mapped devices"), and refuses to start it there ("PCI device mapping not found"), so HA recovery to such a node fails.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/qm.1.html#resource_mapping
#   - ref: https://github.com/proxmox/qemu-server/blob/096a1ac22877d766c0b74a7da20f9bc61cf837ca/src/PVE/QemuMigrate.pm#L281-L292
#   - ref: https://github.com/proxmox/qemu-server/blob/058e0f652068a8d28be270a902d86ad898b99624/src/PVE/QemuServer/PCI.pm#L441-L444
# custom:
#   id: CLU-05
#   severity: warning
warn contains lib.finding("CLU-05", vm, sprintf("%s is HA-managed with mapping(s) %s that have no entry on %s, where HA may place it: add the entries or restrict it with a strict node-affinity rule", [vm, lib.names(h.mappings), lib.names(h.mapping_missing_on)])) if {
	some vm, h in input.ha
	count(h.mapping_missing_on) > 0
}

# METADATA
# title: An HA guest with passthrough needs a strict node-affinity rule
# description: Only nodes with the mapped hardware can run the guest; a non-strict rule (or none) lets HA pick any node, where the start fails. pve-docs: strict node affinity restricts a resource to its nodes.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/ha-manager.1.html#ha_manager_node_affinity_rules
# custom:
#   id: CLU-06
#   severity: warning
warn contains lib.finding("CLU-06", vm, sprintf("%s is HA-managed and passes through mapping(s) %s without a strict node-affinity rule: add one listing the nodes that have the hardware", [vm, lib.names(h.mappings)])) if {
	some vm, h in input.ha
	count(h.mappings) > 0
	not h.strict
}

# METADATA
# title: An HA guest on node-local disks can never recover elsewhere
# description: HA recovers a fenced node's guests on another node from shared storage; a boot disk on local storage (dir, LVM, LVM-thin, ZFS without replication) or a raw host disk is not there. pve-docs lists shared storage as an HA requirement.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/ha-manager.1.html#_requirements
# custom:
#   id: CLU-07
#   severity: warning
warn contains lib.finding("CLU-07", vm, sprintf("%s is HA-managed but %s: HA cannot recover it on another node; move the disk to shared storage or take it out of HA", [vm, h.local_disk])) if {
	some vm, h in input.ha
	h.local_disk
}

# METADATA
# title: An HA rule that only allows the guest's own node is no failover
# description: A node-affinity rule whose only node is the one holding the guest's passed-through hardware lets HA restart the guest in place, nothing more: when that node fails, the guest stays down.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/ha-manager.1.html#ha_manager_node_affinity_rules
# custom:
#   id: CLU-08
#   severity: info
info contains lib.finding("CLU-08", vm, sprintf("%s's node-affinity rule %s allows only %s, where its devices are: HA restarts it there but cannot fail it over; plan for its downtime with that node", [vm, h.rule, h.host])) if {
	some vm, h in input.ha
	h.rule_nodes == [h.host]
	count(h.mappings) + count(h.local_devices) > 0
}

# METADATA
# title: shutdown_policy=migrate with a guest that cannot move hangs the shutdown
# description: With shutdown_policy migrate the node's shutdown waits until every HA guest has migrated away; a guest that cannot move (local devices or disks, or no allowed node) blocks the shutdown until someone intervenes, and the watchdog stays armed meanwhile.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/ha-manager.1.html#ha_manager_shutdown_policy
# custom:
#   id: CLU-09
#   severity: error
deny contains lib.finding("CLU-09", vm, sprintf("shutdown_policy is migrate but %s on %s cannot move: shutting %s down hangs; use conditional or make the guest movable", [vm, h.host, h.host])) if {
	input.cluster.shutdown_policy == "migrate"
	some vm, h in input.ha
	not h.movable
}

# METADATA
# title: A QDevice on an odd number of nodes
# description: pvecm refuses a QDevice on an odd node count unless forced (then algorithm lms with nodes − 1 votes): the QDevice becomes nearly a single point of failure and, with the last node standing, all HA guests recover onto that one node. pve-docs recommends QDevices for even node counts.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#_supported_setups
#   - ref: https://github.com/proxmox/pve-cluster/blob/05ad6c9c119ffd5dfb7ba69ad62c23590f33a542/src/PVE/CLI/pvecm.pm#L133-L141
# custom:
#   id: CLU-10
#   severity: info
info contains lib.finding("CLU-10", "cluster", sprintf("the cluster has %d nodes and a QDevice (%s): on an odd node count the QDevice's votes make it nearly a single point of failure; pve-docs recommends it for even counts", [count(c.nodes), c.qdevice_algorithm])) if {
	c := input.cluster
	c.qdevice
	count(c.nodes) % 2 == 1
}

# METADATA
# title: The QDevice must not live on a cluster node
# description: pve-docs: the qnetd server runs outside the cluster. Hosted in a guest of a cluster node, it fails with that node, which then costs the cluster two votes at once.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#_corosync_external_vote_support
# custom:
#   id: CLU-11
#   severity: warning
warn contains lib.finding("CLU-11", "cluster", sprintf("the QDevice's qnetd runs on cluster node %s: losing that node costs its vote and the QDevice's; run qnetd outside the cluster", [c.qdevice_on_node])) if {
	c := input.cluster
	c.qdevice_on_node
}

# METADATA
# title: Guests do not autostart without quorum
# description: startall (pve-guests at boot) waits for quorum before starting any guest, and vm_start refuses without it ("cluster not ready - no quorum?"). A node that comes up while a peer is down whose loss breaks quorum starts nothing, TrueNAS included, until the peer is back or someone runs pvecm expected 1.
# related_resources:
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1735-L1741
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#_quorum
# custom:
#   id: BOOT-07
#   severity: warning
warn contains lib.finding("BOOT-07", vm, sprintf("%s starts at boot on %s, but while %s is down the cluster has no quorum and startall starts nothing: add a QDevice (or a third node)", [vm, v.host, lib.names(breaking)])) if {
	c := input.cluster
	some vm, v in input.vms
	v.onboot
	not v.ha
	v.host in c.nodes
	breaking := {n | some n in c.nodes; n != v.host; c.quorate_without[n] == false}
	count(breaking) > 0
}

# METADATA
# title: A negative resource-affinity rule its node-affinity rules leave too few nodes is dropped
# description: The HA manager checks every rule set before it uses it (HA-39) and drops a negative resource-affinity rule whose resources the node-affinity rules confine to fewer nodes than there are resources to keep apart, with those node-affinity rules; nothing then keeps the resources apart, and the log says only "Drop rule". The union of the allowed nodes of every node-affinity rule naming one of the resources must hold at least as many nodes as those resources. Strict or not does not matter to the check.
# related_resources:
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/d9bfcf5472cb59d3cc7d2bf7606262d2706e13cb/src/PVE/HA/Rules.pm#L732-L776
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/d9bfcf5472cb59d3cc7d2bf7606262d2706e13cb/src/PVE/HA/Rules.pm#L432-L460
# custom:
#   id: CLU-12
#   severity: warning
warn contains lib.finding("CLU-12", rule, sprintf("resource-affinity rule %s keeps %s apart, but their node-affinity rules allow only %s: Proxmox drops the rule (and those node-affinity rules), so nothing keeps them apart; allow more nodes or keep fewer resources apart", [rule, lib.names(located), lib.names(allowed)])) if {
	some rule, r in input.cluster.resource_affinity
	r.affinity == "negative"
	located := {vm | some vm in r.vms; count(input.ha[vm].rule_nodes) > 0}
	allowed := {n | some vm in located; some n in input.ha[vm].rule_nodes}
	count(allowed) < count(located)
}

# METADATA
# title: A positive resource-affinity rule across two node-affinity rules is dropped
# description: The HA manager drops a positive resource-affinity rule whose resources are in more than one node-affinity rule, with those node-affinity rules (HA-39): it has no way to choose between the rules' nodes for resources that must run together. The resources then are neither kept together nor kept on their nodes.
# related_resources:
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/d9bfcf5472cb59d3cc7d2bf7606262d2706e13cb/src/PVE/HA/Rules.pm#L666-L730
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/d9bfcf5472cb59d3cc7d2bf7606262d2706e13cb/src/PVE/HA/Rules.pm#L432-L460
# custom:
#   id: CLU-13
#   severity: warning
warn contains lib.finding("CLU-13", rule, sprintf("resource-affinity rule %s keeps %s together, but they are in node-affinity rules %s: Proxmox drops all of them; put the resources in one node-affinity rule", [rule, lib.names(r.vms), lib.names(node_rules)])) if {
	some rule, r in input.cluster.resource_affinity
	r.affinity == "positive"
	node_rules := {input.ha[vm].rule | some vm in r.vms}
	count(node_rules) > 1
}
