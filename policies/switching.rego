# The physical network: switches, links and bonds (issue "failure domains").
package hostplan.switching

import data.hostplan.lib
import rego.v1

# METADATA
# title: A bond's links on one switch share its fate
# description: The kernel's bonding guide: in a single-switch topology the switch is a single point of failure, "if it fails, there is no alternative". Two links into one switch survive a cable or port failure, not the switch.
# related_resources:
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#high-availability-in-a-single-switch-topology
# custom:
#   id: LAN-01
#   severity: warning
warn contains lib.finding("LAN-01", id, sprintf("%s on %s bonds %d links that all end on switch %s: cable one to a second switch (an MLAG pair for 802.3ad)", [b.name, b.host, count(b.links), b.switches[0]])) if {
	some id, b in input.bonds
	count(b.links) >= 2
	count(b.switches) == 1
}

# METADATA
# title: LACP across two switches needs MLAG
# description: 802.3ad aggregates only links that end on one LACP partner; the kernel's bonding guide says modes other than active-backup and broadcast "require all links to terminate on the same peer". Across two independent switches only one aggregator is active and failover is unreliable; an MLAG/MC-LAG pair presents itself as one partner.
# related_resources:
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#high-availability-in-a-multiple-switch-topology
# custom:
#   id: LAN-02
#   severity: error
deny contains lib.finding("LAN-02", id, sprintf("%s on %s is an 802.3ad bond over switches %s, which are not an MLAG pair: pair them (mlag_peer) or use active-backup", [b.name, b.host, lib.names(b.switches)])) if {
	some id, b in input.bonds
	b.mode == "802.3ad"
	count(b.switches) >= 2
	not b.one_partner
}

# METADATA
# title: Load-balancing bonds across two switches
# description: Across two switches without MLAG, "active-backup and broadcast modes are the only useful bonding modes when optimizing for availability"; balance-rr/xor/tlb/alb can leave hosts with asymmetric connectivity, which Proxmox warns makes corosync unstable.
# related_resources:
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#high-availability-in-a-multiple-switch-topology
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#pvecm_corosync_over_bonds
# custom:
#   id: LAN-03
#   severity: warning
warn contains lib.finding("LAN-03", id, sprintf("%s on %s balances (%s) over switches %s without MLAG: use active-backup", [b.name, b.host, b.mode, lib.names(b.switches)])) if {
	some id, b in input.bonds
	b.mode in {"balance-rr", "balance-xor", "balance-tlb", "balance-alb"}
	count(b.switches) >= 2
	not b.one_partner
}

# METADATA
# title: Corosync over LACP needs the fast LACP rate
# description: pve-docs (Corosync Over Bonds): with bond-lacp-rate slow a silent member is noticed only after three missed LACPDUs of 30 s (90 s), longer than the HA stack's fencing window of about a minute; set bond-lacp-rate fast on the host and the switch (about 3 s).
# related_resources:
#   - ref: https://pve.proxmox.com/pve-docs/pvecm.1.html#pvecm_corosync_over_bonds
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#bonding-driver-options
# custom:
#   id: LAN-04
#   severity: warning
warn contains lib.finding("LAN-04", id, sprintf("%s on %s carries corosync (%s) as an 802.3ad bond with lacp_rate slow: set bond-lacp-rate fast on the host and the switch", [b.name, b.host, lib.names(corosync)])) if {
	some id, b in input.bonds
	b.mode == "802.3ad"
	b.lacp_rate == "slow"
	corosync := {n | some n in b.networks; n in corosync_networks}
	count(corosync) > 0
}

# The networks corosync runs on: the cluster's corosync links, or networks meant for it.
corosync_networks contains l.network if {
	some l in input.topology.cluster.corosync_links
}

corosync_networks contains id if {
	some id, n in input.networks
	n.purpose == "corosync"
}
