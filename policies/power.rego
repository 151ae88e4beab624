# Power: feeds, UPS units, PSUs and NUT (issue "failure domains").
package hostplan.power

import data.hostplan.lib
import rego.v1

# METADATA
# title: Two power supplies on one feed are one failure domain
# description: A second PSU protects against a failed supply, not against the feed or UPS it is plugged into. NUT's guidance for redundant supplies counts each UPS feeding a PSU as a separate supply ("power value"); supplies all plugged into one feed or one UPS go dark together when it fails.
# related_resources:
#   - ref: https://networkupstools.org/docs/man/upsmon.html
# custom:
#   id: PWR-01
#   severity: warning
warn contains lib.finding("PWR-01", id, sprintf("%s has %d power supplies, all plugged into %s: plug one into another feed or UPS", [id, lib.whole(p.psus), p.sources[0]])) if {
	some id, p in input.power
	p.psus >= 2
	count({s | some s in p.sources}) == 1
}

# METADATA
# title: The storage host must finish its shutdown on battery
# description: NUT starts the shutdown at low battery (battery.runtime.low) after its own delays (POLLFREQALERT 5 s, FINALDELAY 5 s, HOSTSYNC 15 s); Proxmox's stopall then stops guests group by group, each up to its `down` timeout or 180 s, and the HA stack gives each HA guest 60 s (4 at a time). A storage VM cut off mid-shutdown loses what was in flight and its consumers see a dead target.
# related_resources:
#   - ref: https://networkupstools.org/docs/man/upsmon.conf.html
#   - ref: https://github.com/proxmox/pve-manager/blob/01ac98c70294d3805aad3bb4bc57fe995eb3c22a/PVE/API2/Nodes.pm#L1817-L1822
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/bc2a9d18db0b31bb64f5384b13b811fd3223bb4c/src/PVE/HA/Resources/PVEVM.pm#L74-L88
#   - ref: https://github.com/proxmox/pve-ha-manager/blob/3df15380942024f86f73112adbb1e521ebbfd88d/src/PVE/HA/Env/PVE2.pm#L428-L434
# custom:
#   id: PWR-02
#   severity: warning
warn contains lib.finding("PWR-02", host, sprintf("%s serves storage and may need %d s to shut down on battery, but its UPS leaves %d s after the trigger: shorten the guests' down timeouts, trigger earlier (upssched / a higher battery.runtime.low) or size the UPS up", [host, lib.whole(s.shutdown_s), lib.whole(s.budget_s)])) if {
	some host, s in input.shutdown
	s.serves_storage
	s.shutdown_s > s.budget_s
}

# METADATA
# title: The storage switch needs the UPS its hosts have
# description: Hosts on a UPS keep running through a mains loss; a switch carrying their storage network that is not on a UPS drops at once, and every iSCSI/NFS path through it with it, so the UPS buys the storage nothing (unless its MLAG peer is on a UPS and carries the bonds alone). A switch failure removes every VLAN carried on it.
# related_resources:
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#high-availability-in-a-single-switch-topology
# custom:
#   id: PWR-03
#   severity: warning
warn contains lib.finding("PWR-03", sw, sprintf("%s carries storage network(s) %s but is not on a UPS while %s are: put it on the UPS", [sw, lib.names(storage), lib.names(on_ups)])) if {
	some sw, s in input.switches
	s.power_stated
	not s.on_ups
	not peer_on_ups(s)
	storage := {n | some n in s.networks; input.networks[n].purpose == "storage"}
	count(storage) > 0
	on_ups := {h | some h in s.hosts; input.power[h].on_ups}
	count(on_ups) > 0
}

# An MLAG peer on a UPS keeps the hosts' bonds up when this switch loses power.
peer_on_ups(s) if input.switches[s.mlag_peer].on_ups

# METADATA
# title: A UPS cannot carry more than its capacity
# description: A UPS loaded past its rated real power (ups.realpower.nominal) trips to bypass or shuts off as soon as it has to run on battery; the load here counts each host's and switch's stated draw, split over its supplies that are on UPS units.
# related_resources:
#   - ref: https://github.com/networkupstools/nut/blob/f694c019f932bfed525c07542f0c6f1a66cca7a6/docs/nut-names.txt#L109-L112
# custom:
#   id: PWR-04
#   severity: error
deny contains lib.finding("PWR-04", id, sprintf("%s carries %d W on battery but is rated %d W: move loads to another UPS or use a larger one", [id, lib.whole(u.load_w), lib.whole(u.capacity_w)])) if {
	some id, u in input.ups
	u.load_w > u.capacity_w
}

# METADATA
# title: Every host on a UPS runs upsmon for it
# description: Only hosts that run upsmon for a UPS (as primary or secondary) learn that it is on battery and shut down before it runs out; any other host on it loses power hard. The primary waits up to HOSTSYNC for its secondaries, then commands the UPS off.
# related_resources:
#   - ref: https://networkupstools.org/docs/man/upsmon.html
# custom:
#   id: PWR-05
#   severity: warning
warn contains lib.finding("PWR-05", host, sprintf("%s is powered by %s but does not run upsmon for it (watchers: %s): add it as a NUT secondary so it shuts down before the battery is empty", [host, id, lib.names(u.nut_watchers)])) if {
	some id, u in input.ups
	count(u.nut_watchers) > 0
	some host in u.hosts
	input.hosts[host].proxmox
	not host in u.nut_watchers
}

# METADATA
# title: Say which host commands the UPS
# description: NUT's primary is the host with the UPS's data cable; it sets forced shutdown for its secondaries and powers the UPS off at the end. A UPS powering hosts without a stated primary leaves the shutdown chain unknown.
# related_resources:
#   - ref: https://networkupstools.org/docs/man/upsmon.html
# custom:
#   id: PWR-06
#   severity: info
info contains lib.finding("PWR-06", id, sprintf("%s powers %s but no NUT primary is stated: set nut_primary to the host with its USB/serial cable", [id, lib.names(u.hosts)])) if {
	some id, u in input.ups
	count(u.hosts) > 0
	not u.nut_primary
}
