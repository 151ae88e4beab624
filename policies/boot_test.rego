package hostplan.boot_test

import data.hostplan.boot
import data.hostplan.lib
import rego.v1

seed := data.fixtures.seed

with_vm(id, patch) := object.union(seed, {"vms": {id: patch}})

test_boot01_seed_passes if {
	fs := boot.info with input as seed
	not lib.has(fs, "BOOT-01")
}

test_boot01_ha_with_order if {
	fs := boot.info with input as with_vm("talos-w1", {"ha": true, "order": 2})
	lib.has_for(fs, "BOOT-01", "talos-w1")
}

ordered := object.union(seed, {"vms": {"truenas": {"order": 1, "up": 30}, "talos-cp1": {"order": 2}, "talos-w1": {"order": 2}, "talos-w2": {"order": 2}}})

test_boot03_seed_passes if {
	fs := boot.warn with input as seed
	not lib.has(fs, "BOOT-03")
}

test_boot03_up_too_short if {
	fs := boot.warn with input as ordered
	lib.has_for(fs, "BOOT-03", "truenas")
}

test_boot03_up_long_enough if {
	fs := boot.warn with input as object.union(ordered, {"vms": {"truenas": {"up": 200}}})
	not lib.has(fs, "BOOT-03")
}

test_boot05_seed_passes if {
	fs := boot.warn with input as seed
	not lib.has(fs, "BOOT-05")
}

test_boot05_hazard if {
	fs := boot.warn with input as object.union(seed, {"boot": {"hazards": [{"provider": "truenas", "service": "iscsi-k8s", "consumers": ["talos-w1"], "detail": "truenas is stopped before talos-w1"}]}})
	lib.has_for(fs, "BOOT-05", "truenas")
}

test_boot03_storage_ordered_consumers_unordered if {
	fs := boot.warn with input as object.union(seed, {"vms": {"truenas": {"order": 1, "up": 10}}})
	lib.has_for(fs, "BOOT-03", "truenas")
}

test_boot03_long_enough_up if {
	fs := boot.warn with input as object.union(seed, {"vms": {"truenas": {"order": 1, "up": 600}}})
	not lib.has(fs, "BOOT-03")
}

test_boot03_ignores_guests_startall_does_not_start if {
	doc := object.union(seed, {"vms": {
		"truenas": {"order": 1, "up": 10},
		"talos-cp1": {"ha": true}, "talos-w1": {"onboot": false}, "talos-w2": {"ha": true},
	}})
	fs := boot.warn with input as doc
	not lib.has(fs, "BOOT-03")
}

test_boot09_ignores_an_ha_consumer if {
	doc := object.union(seed, {"vms": {"truenas": {"order": 2}, "talos-w1": {"order": 1, "ha": true}}})
	fs := boot.warn with input as doc
	not lib.has(fs, "BOOT-09")
}

test_boot06_seed_passes if {
	fs := boot.info with input as seed
	not lib.has(fs, "BOOT-06")
}

test_boot06_no_agent if {
	fs := boot.info with input as with_vm("talos-w1", {"agent": false})
	lib.has_for(fs, "BOOT-06", "talos-w1")
}

test_boot09_seed_passes if {
	fs := boot.warn with input as seed
	not lib.has(fs, "BOOT-09")
}

test_boot09_storage_ordered_after_consumers if {
	fs := boot.warn with input as object.union(seed, {"vms": {"truenas": {"order": 2}, "talos-w1": {"order": 1}}})
	lib.has_for(fs, "BOOT-09", "truenas")
}

test_boot10_seed_passes if {
	fs := boot.deny with input as seed
	not lib.has(fs, "BOOT-10")
}

test_boot10_start_failure if {
	fs := boot.deny with input as object.union(seed, {"boot": {"failures": [{"vm": "app", "storage": "nas-nfs", "service": "nfs", "deadlock": true}]}})
	lib.has_for(fs, "BOOT-10", "app")
}

test_boot06_not_evaluated_when_agent_unknown if {
	doc := lib.with_unknown(seed, "vms", "talos-w1", ["agent"])
	boot_info := boot.info with input as doc
	not lib.has_for(boot_info, "BOOT-06", "talos-w1")
	boot_not_evaluated := boot.not_evaluated with input as doc
	lib.skipped(boot_not_evaluated, "BOOT-06", "talos-w1")
}
