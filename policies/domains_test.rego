package hostplan.domains_test

import data.hostplan.domains
import data.hostplan.lib
import rego.v1

seed := data.fixtures.seed

cp(c) := object.union(seed, {"control_planes": {"talos": object.union(
	{"members": 3, "hosts": ["pve1", "pve2", "pve3"], "shared_switches": [], "shared_ups": []},
	c,
)}})

test_fd01_spread_passes if {
	fs := domains.warn with input as cp({})
	not lib.has(fs, "FD-01")
}

test_fd01_one_host if {
	fs := domains.warn with input as cp({"hosts": ["srv01"]})
	lib.has_for(fs, "FD-01", "talos")
}

test_fd02_no_shared_switch_passes if {
	fs := domains.warn with input as cp({})
	not lib.has(fs, "FD-02")
}

test_fd02_one_switch if {
	fs := domains.warn with input as cp({"shared_switches": ["sw1"]})
	lib.has_for(fs, "FD-02", "talos")
}

test_fd03_no_shared_ups_passes if {
	fs := domains.warn with input as cp({})
	not lib.has(fs, "FD-03")
}

test_fd03_one_ups if {
	fs := domains.warn with input as cp({"shared_ups": ["ups1"]})
	lib.has_for(fs, "FD-03", "talos")
}
