package hostplan.zfs_test

import data.hostplan.lib
import data.hostplan.zfs
import rego.v1

seed := data.fixtures.seed

with_vdev(patch) := object.union(seed, {"pools": {"tank": {"vdevs": {"0": patch}}}})

with_extra_vdev(v) := object.union(seed, {"pools": {"tank": {"vdevs": {"1": v}}}})

test_zfs03_seed_raidz2 if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-03")
}

test_zfs03_stripe if {
	fs := zfs.warn with input as with_vdev({"layout": "stripe", "tolerance": 0})
	lib.has_for(fs, "ZFS-03", "tank")
}

test_zfs04_seed_has_no_special if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-04")
}

test_zfs04_single_special if {
	fs := zfs.warn with input as with_extra_vdev({"role": "special", "layout": "stripe", "width": 1, "tolerance": 0, "disks": ["s1"], "plp_all": true, "min_size_gb": 500, "max_size_gb": 500})
	lib.has_for(fs, "ZFS-04", "tank")
}

test_zfs05_seed_has_no_log if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-05")
}

test_zfs05_single_log_without_plp if {
	fs := zfs.warn with input as with_extra_vdev({"role": "log", "layout": "stripe", "width": 1, "tolerance": 0, "disks": ["l1"], "plp_all": false, "min_size_gb": 100, "max_size_gb": 100})
	lib.has_for(fs, "ZFS-05", "tank")
}

test_zfs06_seed_raidz2_of_six if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-06")
}

test_zfs06_raidz1_of_large_disks if {
	fs := zfs.warn with input as with_vdev({"layout": "raidz1", "tolerance": 1})
	lib.has_for(fs, "ZFS-06", "tank")
}

test_zfs06_too_wide if {
	fs := zfs.warn with input as with_vdev({"width": 16})
	lib.has_for(fs, "ZFS-06", "tank")
}

test_zfs08_seed_at_25_percent if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-08")
}

test_zfs08_nearly_full if {
	fs := zfs.warn with input as object.union(seed, {"pools": {"tank": {"used_gb": 40000}}})
	lib.has_for(fs, "ZFS-08", "tank")
}

# ALLOC counts raidz parity: 30,000 of 48,000 GB is 62 %, not 94 % of the 32,000 usable.
test_zfs08_alloc_is_compared_with_the_size_zpool_list_reports if {
	fs := zfs.warn with input as object.union(seed, {"pools": {"tank": {"used_gb": 30000}}})
	not lib.has(fs, "ZFS-08")
}

test_zfs10_seed_same_sizes if {
	fs := zfs.info with input as seed
	not lib.has(fs, "ZFS-10")
}

test_zfs10_mixed_sizes if {
	fs := zfs.info with input as with_vdev({"max_size_gb": 12000})
	lib.has_for(fs, "ZFS-10", "tank")
}

test_zfs06_not_evaluated_when_disk_sizes_unknown if {
	doc := object.union(seed, {"pools": {"tank": {"unknown": ["disk_sizes"]}}})
	zfs_not_evaluated := zfs.not_evaluated with input as doc
	lib.skipped(zfs_not_evaluated, "ZFS-06", "tank")
	lib.skipped(zfs_not_evaluated, "ZFS-10", "tank")
}

test_zfs11_seed_says_nothing_of_sectors if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-11")
}

test_zfs11_ashift_9_on_4k_disks if {
	doc := object.union(seed, {"pools": {"tank": {"ashift": 9}}, "disks": {"tank-d1": {"sector_bytes": 4096}}})
	fs := zfs.warn with input as doc
	lib.has_for(fs, "ZFS-11", "tank")
}

test_zfs11_ashift_12_on_4k_disks if {
	doc := object.union(seed, {"pools": {"tank": {"ashift": 12}}, "disks": {"tank-d1": {"sector_bytes": 4096}}})
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-11")
}

test_zfs11_not_evaluated_without_ashift if {
	doc := object.union(seed, {"disks": {"tank-d1": {"sector_bytes": 4096}}})
	ne := zfs.not_evaluated with input as doc
	lib.skipped(ne, "ZFS-11", "tank")
}

test_zfs12_seed_sync_unknown_says_nothing if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-12")
	is := zfs.info with input as seed
	not lib.has(is, "ZFS-12")
}

test_zfs12_sync_disabled if {
	fs := zfs.warn with input as object.union(seed, {"services": {"iscsi-k8s": {"sync": "disabled"}}})
	lib.has_for(fs, "ZFS-12", "iscsi-k8s")
}

test_zfs12_standard_sync_on_hdd_raidz_without_slog_is_slow if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sync": "standard"}}})
	is := zfs.info with input as doc
	lib.has_for(is, "ZFS-12", "iscsi-k8s")
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-12")
}

test_zfs12_a_plp_slog_makes_sync_fine if {
	doc := object.union(with_extra_vdev({"role": "log", "layout": "mirror", "width": 2, "tolerance": 1, "disks": ["s1", "s2"], "plp_all": true, "min_size_gb": 32, "max_size_gb": 32}), {"services": {"iscsi-k8s": {"sync": "standard"}}})
	is := zfs.info with input as doc
	not lib.has(is, "ZFS-12")
}

test_zfs13_seed_volblocksize_unknown_says_nothing if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-13")
	ne := zfs.not_evaluated with input as seed
	not lib.skipped(ne, "ZFS-13", "iscsi-k8s")
}

test_zfs13_8k_zvol_on_6_wide_raidz2 if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"volblocksize_kib": 8}}, "pools": {"tank": {"ashift": 12}}})
	fs := zfs.warn with input as doc
	some f in fs
	f.rule == "ZFS-13"
	f.resource == "iscsi-k8s"
	contains(f.message, "33% efficiency instead of the nominal 67%")
	contains(f.message, "volblocksize=16K")
}

test_zfs13_16k_fills_a_6_wide_raidz2 if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"volblocksize_kib": 16}}, "pools": {"tank": {"ashift": 12}}})
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-13")
}

test_zfs13_mirrors_are_not_judged if {
	doc := object.union(with_vdev({"layout": "mirror", "width": 2, "tolerance": 1}), {"services": {"iscsi-k8s": {"volblocksize_kib": 4}}, "pools": {"tank": {"ashift": 12}}})
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-13")
}

test_zfs13_not_evaluated_without_ashift if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"volblocksize_kib": 8}}})
	ne := zfs.not_evaluated with input as doc
	lib.skipped(ne, "ZFS-13", "iscsi-k8s")
}

test_zfs14_seed_sparse_unknown_says_nothing if {
	fs := zfs.warn with input as seed
	not lib.has(fs, "ZFS-14")
	ne := zfs.not_evaluated with input as seed
	not lib.skipped(ne, "ZFS-14", "iscsi-k8s")
}

test_zfs14_sparse_zvol_within_capacity_on_a_quarter_full_pool if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sparse": true, "size_gb": 10000}}})
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-14")
}

test_zfs14_sparse_zvols_promise_more_than_the_pool_holds if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sparse": true, "size_gb": 40000}}})
	fs := zfs.warn with input as doc
	lib.has_for(fs, "ZFS-14", "iscsi-k8s")
}

test_zfs14_thick_zvols_may_be_large if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sparse": false, "size_gb": 40000}}})
	fs := zfs.warn with input as doc
	not lib.has(fs, "ZFS-14")
}

test_zfs14_sparse_zvol_on_a_filling_pool if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sparse": true}}, "pools": {"tank": {"used_gb": 45000}}})
	fs := zfs.warn with input as doc
	lib.has_for(fs, "ZFS-14", "iscsi-k8s")
	ne := zfs.not_evaluated with input as doc
	not lib.skipped(ne, "ZFS-14", "iscsi-k8s")
}

test_zfs14_not_evaluated_without_the_size if {
	doc := object.union(seed, {"services": {"iscsi-k8s": {"sparse": true}}})
	ne := zfs.not_evaluated with input as doc
	lib.skipped(ne, "ZFS-14", "iscsi-k8s")
}
