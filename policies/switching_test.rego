package hostplan.switching_test

import data.hostplan.lib
import data.hostplan.switching
import rego.v1

seed := data.fixtures.seed

bond(b) := object.union(seed, {"bonds": {"srv01#bond0": object.union(
	{"host": "srv01", "name": "bond0", "mode": "802.3ad", "links": ["l1", "l2"], "switches": ["sw1", "sw2"], "one_partner": true, "networks": ["lan", "storage50"]},
	b,
)}})

test_lan01_seed_passes if {
	fs := switching.warn with input as seed
	not lib.has(fs, "LAN-01")
}

test_lan01_two_switches_pass if {
	fs := switching.warn with input as bond({})
	not lib.has(fs, "LAN-01")
}

test_lan01_both_links_one_switch if {
	fs := switching.warn with input as bond({"switches": ["sw1"]})
	lib.has_for(fs, "LAN-01", "srv01#bond0")
}

test_lan02_mlag_passes if {
	fs := switching.deny with input as bond({})
	not lib.has(fs, "LAN-02")
}

test_lan02_lacp_without_mlag if {
	fs := switching.deny with input as bond({"one_partner": false})
	lib.has_for(fs, "LAN-02", "srv01#bond0")
}

test_lan03_active_backup_passes if {
	fs := switching.warn with input as bond({"mode": "active-backup", "one_partner": false})
	not lib.has(fs, "LAN-03")
}

test_lan03_alb_across_switches if {
	fs := switching.warn with input as bond({"mode": "balance-alb", "one_partner": false})
	lib.has_for(fs, "LAN-03", "srv01#bond0")
}

test_lan04_fast_rate_passes if {
	doc := object.union(bond({"lacp_rate": "fast", "networks": ["corosync"]}), {"networks": {"corosync": {"purpose": "corosync"}}})
	fs := switching.warn with input as doc
	not lib.has(fs, "LAN-04")
}

test_lan04_slow_rate_on_corosync if {
	doc := object.union(bond({"lacp_rate": "slow", "networks": ["corosync"]}), {"networks": {"corosync": {"purpose": "corosync"}}})
	fs := switching.warn with input as doc
	lib.has_for(fs, "LAN-04", "srv01#bond0")
}
