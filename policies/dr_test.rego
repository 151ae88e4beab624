package hostplan.dr_test

import data.hostplan.dr
import data.hostplan.lib
import rego.v1

seed := data.fixtures.seed

test_dr02_seed_one_controller if {
	fs := dr.warn with input as seed
	not lib.has(fs, "DR-02")
}

test_dr02_split_pool if {
	fs := dr.warn with input as object.union(seed, {"pools": {"tank": {"controllers": ["hba0", "onboard"]}}})
	lib.has_for(fs, "DR-02", "tank")
}

test_dr02_two_controllers_both_passed_to_the_owner if {
	doc := object.union(seed, {
		"pools": {"tank": {"controllers": ["hba0", "nvme0"]}},
		"devices": {"nvme0": {"host": "srv01", "kind": "nvme", "passed_to": ["truenas"], "networks": [], "mtu": null}},
	})
	fs := dr.warn with input as doc
	not lib.has(fs, "DR-02")
}

test_dr03_seed_no_features if {
	fs := dr.info with input as seed
	not lib.has(fs, "DR-03")
}

test_dr03_active_features if {
	fs := dr.info with input as object.union(seed, {"pools": {"tank": {"active_features": ["draid", "raidz_expansion"]}}})
	lib.has_for(fs, "DR-03", "tank")
}

test_dr04_seed_uses_mappings if {
	fs := dr.info with input as seed
	not lib.has(fs, "DR-04")
}

test_dr04_raw_hba_address if {
	fs := dr.info with input as object.union(seed, {"vms": {"truenas": {"hostpci": {"0": {"kind": "host"}}}}})
	lib.has_for(fs, "DR-04", "truenas")
}

test_dr05_truenas_config if {
	fs := dr.info with input as seed
	lib.has_for(fs, "DR-05", "truenas")
}

test_dr05_no_pools_no_advice if {
	fs := dr.info with input as object.union(seed, {"pools": {"tank": {"owner": "srv01"}}, "vms": {"truenas": {"pools": []}}})
	not lib.has(fs, "DR-05")
}
