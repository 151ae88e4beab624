package hostplan.truenas_test

import data.hostplan.lib
import data.hostplan.truenas
import rego.v1

seed := data.fixtures.seed

test_tn01_seed_passes if {
	fs := truenas.warn with input as seed
	not lib.has(fs, "TN-01")
}

test_tn01_disks_on_host_controller if {
	fs := truenas.warn with input as object.union(seed, {"disks": {"tank-d1": {"controller": "onboard"}}})
	lib.has_for(fs, "TN-01", "tank")
}

test_tn01_a_disk_handed_over_raw_is_no_virtual_disk if {
	doc := object.union(seed, {
		"disks": {"tank-d1": {"controller": "onboard"}},
		"vms": {"truenas": {"raw_disks": [{"slot": "scsi1", "path": "/dev/disk/by-id/ata-WDC_WD80EFZX-68UW8N0_VKG2ABCD", "disk": "tank-d1"}]}},
	})
	fs := truenas.warn with input as doc
	not lib.has(fs, "TN-01")
	is := truenas.info with input as doc
	lib.has_for(is, "TN-01", "truenas")
}

test_tn02_seed_it_mode if {
	fs := truenas.deny with input as seed
	not lib.has(fs, "TN-02")
}

test_tn02_raid_mode if {
	fs := truenas.deny with input as object.union(seed, {"devices": {"hba0": {"firmware_mode": "raid"}}})
	lib.has_for(fs, "TN-02", "hba0")
}

test_tn02_ir_firmware_warns if {
	fs := truenas.warn with input as object.union(seed, {"devices": {"hba0": {"firmware_mode": "ir"}}})
	lib.has_for(fs, "TN-02", "hba0")
	ds := truenas.deny with input as object.union(seed, {"devices": {"hba0": {"firmware_mode": "ir"}}})
	not lib.has(ds, "TN-02")
}

test_tn02_jbod_is_advice if {
	doc := object.union(seed, {"devices": {"hba0": {"firmware_mode": "jbod"}}})
	fs := truenas.info with input as doc
	lib.has_for(fs, "TN-02", "hba0")
	ws := truenas.warn with input as doc
	not lib.has(ws, "TN-02")
}

test_tn04_seed_has_32gib if {
	fs := truenas.deny with input as seed
	not lib.has(fs, "TN-04")
	ws := truenas.warn with input as seed
	not lib.has(ws, "TN-04")
}

test_tn04_4gib if {
	fs := truenas.deny with input as object.union(seed, {"vms": {"truenas": {"memory_mib": 4096}}})
	lib.has_for(fs, "TN-04", "truenas")
}

test_tn04_iscsi_needs_16gib if {
	fs := truenas.warn with input as object.union(seed, {"vms": {"truenas": {"memory_mib": 12288}}})
	lib.has_for(fs, "TN-04", "truenas")
}

test_tn05_seed_has_ecc if {
	fs := truenas.warn with input as seed
	not lib.has(fs, "TN-05")
}

test_tn05_no_ecc if {
	fs := truenas.warn with input as object.union(seed, {"hosts": {"srv01": {"ecc": false}}})
	lib.has_for(fs, "TN-05", "srv01")
}

test_tn06_seed_cpu_host if {
	fs := truenas.info with input as seed
	not lib.has(fs, "TN-06")
}

test_tn06_kvm64 if {
	fs := truenas.info with input as object.union(seed, {"vms": {"truenas": {"cpu_type": "kvm64"}}})
	lib.has_for(fs, "TN-06", "truenas")
}

test_tn07_seed_32gb_boot if {
	fs := truenas.warn with input as seed
	not lib.has(fs, "TN-07")
}

test_tn07_small_boot_disk if {
	fs := truenas.warn with input as object.union(seed, {"vms": {"truenas": {"boot_disk_gb": 8}}})
	lib.has_for(fs, "TN-07", "truenas")
}

test_tn09_virtualised if {
	fs := truenas.info with input as seed
	lib.has_for(fs, "TN-09", "truenas")
}

test_tn09_bare_metal_is_silent if {
	fs := truenas.info with input as object.union(seed, {"vms": {"truenas": {"role": ""}}, "services": {"iscsi-k8s": {"provider_is_vm": false}}})
	not lib.has(fs, "TN-09")
}

test_tn11_seed_passes if {
	fs := truenas.warn with input as seed
	not lib.has(fs, "TN-11")
}

test_tn11_jumbo_on_lan if {
	fs := truenas.warn with input as object.union(seed, {"networks": {"lan": {"mtu": 9000}}})
	lib.has_for(fs, "TN-11", "lan")
}

test_tn04_not_evaluated_when_memory_unknown if {
	doc := lib.with_unknown(object.union(seed, {"vms": {"truenas": {"memory_mib": 4096}}}), "vms", "truenas", ["memory_mib"])
	truenas_deny := truenas.deny with input as doc
	not lib.has(truenas_deny, "TN-04")
	truenas_not_evaluated := truenas.not_evaluated with input as doc
	lib.skipped(truenas_not_evaluated, "TN-04", "truenas")
}

test_tn01_raw_disk_passthrough_is_advice if {
	doc := object.union(seed, {"vms": {"truenas": {"raw_disks": [{"slot": "scsi1", "path": "/dev/disk/by-id/ata-WDC_WD80EFZX-68UW8N0_VKG2ABCD"}]}}})
	fs := truenas.info with input as doc
	lib.has_for(fs, "TN-01", "truenas")
	ws := truenas.warn with input as doc
	not lib.has(ws, "TN-01")
}

test_tn07_no_modelled_boot_disk_is_not_a_small_one if {
	fs := truenas.warn with input as object.union(seed, {"vms": {"truenas": {"boot_storage": "", "boot_disk_gb": 0}}})
	not lib.has(fs, "TN-07")
}

test_tn01_not_evaluated_when_controllers_unknown if {
	doc := object.union(object.remove(seed, ["pools"]), {"pools": {"tank": object.union(object.remove(seed.pools.tank, ["controllers", "onboard_disks"]), {"unknown": ["disk_controllers"]})}})
	fs := truenas.warn with input as doc
	not lib.has(fs, "TN-01")
	ne := truenas.not_evaluated with input as doc
	lib.skipped(ne, "TN-01", "tank")
}

test_tn05_not_evaluated_when_ecc_unknown if {
	doc := lib.with_unknown(seed, "hosts", "srv01", ["ecc"])
	fs := truenas.warn with input as doc
	not lib.has(fs, "TN-05")
	skipped := truenas.not_evaluated with input as doc
	lib.skipped(skipped, "TN-05", "srv01")
}

test_tn06_x86_64_v2_aes_exposes_aes if {
	fs := truenas.info with input as object.union(seed, {"vms": {"truenas": {"cpu_type": "x86-64-v2-AES"}}})
	not lib.has(fs, "TN-06")
}

test_tn06_plain_x86_64_v2_does_not if {
	fs := truenas.info with input as object.union(seed, {"vms": {"truenas": {"cpu_type": "x86-64-v2"}}})
	lib.has_for(fs, "TN-06", "truenas")
}
