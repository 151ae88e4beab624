# Networks (rule book section G).
package hostplan.network

import data.hostplan.lib
import rego.v1

# METADATA
# title: A passed-through NIC must not be a bridge port
# description: pve-docs: "if you pass through a device to a virtual machine, you cannot use that device anymore on the host or in any other VM"; a bridge using the NIC loses its uplink (and with it every guest on the bridge).
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: NET-01
#   severity: error
deny contains lib.finding("NET-01", dev_id, sprintf("%s is passed to %s but is a port of bridge %s on %s: give the bridge another NIC", [dev_id, lib.names(d.passed_to), bridge, d.host])) if {
	some dev_id, d in input.devices
	count(d.passed_to) > 0
	bridge := input.hosts[d.host].bridge_ports[dev_id]
}

# METADATA
# title: Storage traffic on its own network
# description: NetApp's E-Series iSCSI guidance: "Make sure that you isolate your iSCSI traffic to separate network segments", with two separate networks for high availability; iSCSI/NFS belongs on a storage network of its own, not on the one that carries client and management traffic.
# related_resources:
#   - ref: https://github.com/NetAppDocs/e-series/blob/6e82de6d1148d65489211221d70364e117228f47/config-linux/iscsi-configure-switches-concept.adoc?plain=1#L14-L18
# custom:
#   id: NET-02
#   severity: warning
warn contains lib.finding("NET-02", sid, sprintf("%s (%s) is served on %s, which is not a storage network: use a dedicated VLAN", [sid, s.kind, s.network])) if {
	some sid, s in input.services
	s.kind in {"iscsi", "nfs"}
	input.networks[s.network].purpose != "storage"
}

# METADATA
# title: MTU identical along each path
# description: A NIC or bridge with another MTU than its network black-holes large frames. A trunk (a NIC or bridge carrying several networks) needs at least the largest MTU it carries; an MTU that is not set is Linux's default, 1500.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_network_device
# custom:
#   id: NET-03
#   severity: error
deny contains lib.finding("NET-03", dev_id, sprintf("%s uses MTU %d on network %s, which uses %d", [dev_id, lib.whole(d.mtu), net, lib.whole(input.networks[net].mtu)])) if {
	some dev_id, d in input.devices
	d.mtu != null
	some net in d.networks
	count(d.networks) == 1
	input.networks[net].mtu != d.mtu
}

deny contains lib.finding("NET-03", hid, sprintf("bridge %s on %s has %s but carries %s at MTU %d: its large frames are dropped; set mtu = %d on the bridge and its ports", [b.name, hid, net03_mtu_text(mtu), net, lib.whole(input.networks[net].mtu), lib.whole(input.networks[net].mtu)])) if {
	some hid, h in input.hosts
	some b in h.bridges
	mtu := object.get(b, "mtu", null)
	some net in b.networks
	input.networks[net].mtu > net03_effective(mtu)
}

# A trunk NIC below the largest MTU it carries, or a host NIC with no MTU set on a jumbo network.
deny contains lib.finding("NET-03", dev_id, sprintf("%s has %s but carries %s at MTU %d: its large frames are dropped; set mtu = %d", [dev_id, net03_mtu_text(mtu), net, lib.whole(input.networks[net].mtu), lib.whole(input.networks[net].mtu)])) if {
	some dev_id, d in input.devices
	net03_host_judged(d)
	mtu := object.get(d, "mtu", null)
	some net in d.networks
	input.networks[net].mtu > net03_effective(mtu)
}

net03_host_judged(d) if count(d.networks) > 1

net03_host_judged(d) if {
	count(d.networks) == 1
	object.get(d, "mtu", null) == null
	count(d.passed_to) == 0
}

# A passed-through NIC with no MTU of its own on a jumbo network: its MTU is the guest's, set on
# the VM's interface for it.
deny contains lib.finding("NET-03", dev_id, sprintf("%s is passed to %s, whose interface on it has MTU %d but %s uses %d: its large frames are dropped; set the guest's MTU to %d", [dev_id, vm_id, lib.whole(nic.mtu), net, lib.whole(want), lib.whole(want)])) if {
	some dev_id, d in input.devices
	net03_guest_judged(d)
	some net in d.networks
	want := input.networks[net].mtu
	some vm_id in d.passed_to
	some nic in input.vms[vm_id].nics
	nic.device == dev_id
	nic.mtu != want
}

# NET-03 cannot judge a passed-through NIC on a jumbo network while the guest's MTU on it is
# unknown (the VM's interface for it states none).
not_evaluated contains lib.not_evaluated("NET-03", dev_id, ["mtu"]) if {
	some dev_id, d in input.devices
	net03_guest_judged(d)
	some vm_id in d.passed_to
	not net03_guest_mtu_known(dev_id, vm_id)
}

net03_guest_judged(d) if {
	count(d.passed_to) > 0
	count(d.networks) == 1
	object.get(d, "mtu", null) == null
	some net in d.networks
	input.networks[net].mtu > 1500
}

net03_guest_mtu_known(dev_id, vm_id) if {
	some nic in input.vms[vm_id].nics
	nic.device == dev_id
	"mtu" in object.keys(nic)
}

# The MTU in effect: Linux's default when none is set.
net03_effective(m) := 1500 if m == null

net03_effective(m) := m if m != null

net03_mtu_text(m) := "no MTU set (1500)" if m == null

net03_mtu_text(m) := sprintf("MTU %d", [lib.whole(m)]) if m != null

# METADATA
# title: Same-host consumers reach a passed-through storage NIC through the switch
# description: Derived from pve-docs (a passed-through NIC is no longer the host's) and NET-01: when TrueNAS owns the storage NIC, guests on the same host reach it only via the physical switch (host → switch → host), so the switch, cables and ports join the failure domain.
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#sysadmin_network_configuration
#   - ref: https://pve.proxmox.com/pve-docs/pve-admin-guide.html#qm_pci_passthrough
# custom:
#   id: NET-05
#   severity: info
info contains lib.finding("NET-05", sid, sprintf("%s reaches %s on the same host through the physical switch: the switch, its ports and cables are part of its failure domain; give them redundant links, or serve them through a host bridge as well", [sid, lib.names(same_host)])) if {
	some sid, s in input.services
	s.provider_is_vm
	some dev in input.vms[s.provider].passthrough
	s.network in input.devices[dev].networks
	same_host := [c | c := s.consumers[_]; input.vms[c].host == s.provider_host]
	count(same_host) > 0
}

# METADATA
# title: iSCSI multipath portals on separate subnets
# description: With several portals each iSCSI path needs its own, non-overlapping subnet (or static routes); the TrueNAS docs say "Multiple interfaces connected to a single TrueNAS system cannot be members of the same subnet", and Linux sends every path to one subnet out of the same interface, so the redundant paths share its failure. Not evaluated while a portal network's subnet is unknown.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/2331f423cd695ea02e0b57823e4645655f5d4260/static/includes/MultipleInterfacesOnNetwork.md?plain=1#L3-L4
#   - ref: https://github.com/NetAppDocs/e-series/blob/6e82de6d1148d65489211221d70364e117228f47/config-linux/iscsi-configure-switches-concept.adoc?plain=1#L14-L18
# custom:
#   id: NET-04
#   severity: warning
warn contains lib.finding("NET-04", sid, sprintf("%s listens on %s and %s, which share a subnet: multipath over them leaves through one interface, so the paths are not redundant; give each portal its own subnet (and VLAN)", [sid, pair[0], pair[1]])) if {
	some sid, s in input.services
	s.kind == "iscsi"
	some pair in s.shared_subnets
	pair[0] != pair[1]
}

warn contains lib.finding("NET-04", sid, sprintf("%s lists %s twice as a portal: both paths are one; give the second portal its own subnet (and VLAN)", [sid, pair[0]])) if {
	some sid, s in input.services
	s.kind == "iscsi"
	some pair in s.shared_subnets
	pair[0] == pair[1]
}

# NET-04 cannot be judged while the subnet of a multipath portal's network is unknown.
not_evaluated contains lib.not_evaluated("NET-04", sid, ["cidr"]) if {
	some sid, s in input.services
	s.kind == "iscsi"
	count(s.portals) > 1
	count(s.shared_subnets) == 0
	some n in s.portals
	input.networks[n].cidr == null
}
