package hostplan.power_test

import data.hostplan.lib
import data.hostplan.power
import rego.v1

seed := data.fixtures.seed

# A UPS on the seed's feed powering srv01 and sw1.
ups_doc(ups) := object.union(seed, {
	"power": {
		"srv01": {"psus": 1, "sources": ["ups1"], "feeds": ["mains"], "ups": ["ups1"], "all_on_ups": true, "on_ups": true},
		"sw1": {"psus": 1, "sources": ["mains"], "feeds": ["mains"], "ups": [], "all_on_ups": false, "on_ups": false},
	},
	"ups": {"ups1": object.union({"load_w": 300, "capacity_w": 600, "unknown_draw": [], "hosts": ["srv01"], "switches": [], "nut_watchers": ["srv01"], "nut_primary": true, "runtime_s": 900, "runtime_low_s": 300}, ups)},
})

test_pwr01_seed_passes if {
	fs := power.warn with input as seed
	not lib.has(fs, "PWR-01")
}

test_pwr01_two_psus_one_feed if {
	doc := object.union(seed, {"power": {"srv01": {"psus": 2, "sources": ["mains", "mains"], "feeds": ["mains"], "ups": [], "all_on_ups": false, "on_ups": false}}})
	fs := power.warn with input as doc
	lib.has_for(fs, "PWR-01", "srv01")
}

test_pwr01_ups_and_feed_pass if {
	doc := object.union(seed, {"power": {"srv01": {"psus": 2, "sources": ["mains", "ups1"], "feeds": ["mains"], "ups": ["ups1"], "all_on_ups": false, "on_ups": true}}})
	fs := power.warn with input as doc
	not lib.has(fs, "PWR-01")
}

test_pwr01_two_feeds_pass if {
	doc := object.union(seed, {"power": {"srv01": {"psus": 2, "sources": ["a", "b"], "feeds": ["a", "b"], "ups": [], "all_on_ups": false, "on_ups": false}}})
	fs := power.warn with input as doc
	not lib.has(fs, "PWR-01")
}

test_pwr02_short_shutdown_passes if {
	doc := object.union(ups_doc({}), {"shutdown": {"srv01": {"shutdown_s": 200, "budget_s": 300, "serves_storage": true}}})
	fs := power.warn with input as doc
	not lib.has(fs, "PWR-02")
}

test_pwr02_storage_host_outlasts_battery if {
	doc := object.union(ups_doc({}), {"shutdown": {"srv01": {"shutdown_s": 385, "budget_s": 300, "serves_storage": true}}})
	fs := power.warn with input as doc
	lib.has_for(fs, "PWR-02", "srv01")
}

test_pwr03_seed_passes if {
	fs := power.warn with input as seed
	not lib.has(fs, "PWR-03")
}

test_pwr03_storage_switch_off_ups if {
	fs := power.warn with input as ups_doc({})
	lib.has_for(fs, "PWR-03", "sw1")
}

test_pwr03_mlag_peer_on_ups_passes if {
	doc := object.union(ups_doc({}), {"switches": {"sw1": {"mlag_peer": "sw2"}, "sw2": {"on_ups": true}}})
	fs := power.warn with input as doc
	not lib.has(fs, "PWR-03")
}

test_pwr03_switch_on_ups_passes if {
	doc := object.union(ups_doc({}), {"switches": {"sw1": {"on_ups": true}}})
	fs := power.warn with input as doc
	not lib.has(fs, "PWR-03")
}

test_pwr04_within_capacity if {
	fs := power.deny with input as ups_doc({})
	not lib.has(fs, "PWR-04")
}

test_pwr04_overloaded if {
	fs := power.deny with input as ups_doc({"load_w": 900})
	lib.has_for(fs, "PWR-04", "ups1")
}

test_pwr05_watched_host_passes if {
	fs := power.warn with input as ups_doc({})
	not lib.has(fs, "PWR-05")
}

test_pwr05_unwatched_host if {
	fs := power.warn with input as ups_doc({"nut_watchers": ["nas9"]})
	lib.has_for(fs, "PWR-05", "srv01")
}

test_pwr06_primary_stated_passes if {
	fs := power.info with input as ups_doc({})
	not lib.has(fs, "PWR-06")
}

test_pwr06_no_primary if {
	fs := power.info with input as ups_doc({"nut_primary": false})
	lib.has_for(fs, "PWR-06", "ups1")
}
