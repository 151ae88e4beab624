package hostplan.cluster_test

import data.hostplan.cluster
import data.hostplan.lib
import rego.v1

seed := data.fixtures.seed

# The seed's srv01 in a cluster with pve2.
two_nodes(c) := object.union(seed, {"cluster": object.union(
	{
		"nodes": ["pve2", "srv01"], "expected_votes": 2, "quorum": 2, "two_node": false, "qdevice": false,
		"quorate_without": {"pve2": false, "srv01": false}, "corosync_links": 2,
		"corosync": {"srv01": {"cables": ["c0", "c1"], "over_bond": false, "shares_storage": true, "separate_from_storage": true}},
		"shutdown_policy": "conditional",
	},
	c,
)})

ha(vm, h) := object.union(two_nodes({}), {"ha": {vm: object.union(
	{"host": "srv01", "local_devices": [], "mappings": [], "mapping_missing_on": [], "strict": false, "rule_nodes": [], "movable": true},
	h,
)}})

test_clu01_seed_passes if {
	fs := cluster.warn with input as seed
	not lib.has(fs, "CLU-01")
}

test_clu01_two_nodes_no_qdevice if {
	fs := cluster.warn with input as two_nodes({})
	lib.has_for(fs, "CLU-01", "cluster")
}

test_clu01_qdevice_passes if {
	fs := cluster.warn with input as two_nodes({"qdevice": true})
	not lib.has(fs, "CLU-01")
}

test_clu02_separate_link_passes if {
	fs := cluster.warn with input as two_nodes({})
	not lib.has(fs, "CLU-02")
}

test_clu02_shared_with_storage if {
	doc := two_nodes({"corosync": {"srv01": {"separate_from_storage": false}}})
	fs := cluster.warn with input as doc
	lib.has_for(fs, "CLU-02", "srv01")
}

test_clu03_two_links_pass if {
	fs := cluster.info with input as two_nodes({})
	not lib.has(fs, "CLU-03")
}

test_clu03_one_link if {
	fs := cluster.info with input as two_nodes({"corosync_links": 1})
	lib.has_for(fs, "CLU-03", "cluster")
}

test_clu04_no_device_passes if {
	fs := cluster.deny with input as ha("truenas", {})
	not lib.has(fs, "CLU-04")
}

test_clu04_local_device if {
	fs := cluster.deny with input as ha("truenas", {"local_devices": ["hba0"], "movable": false})
	lib.has_for(fs, "CLU-04", "truenas")
}

test_clu05_entries_everywhere_pass if {
	fs := cluster.warn with input as ha("truenas", {"mappings": ["HBA"], "strict": true})
	not lib.has(fs, "CLU-05")
}

test_clu05_missing_entry if {
	fs := cluster.warn with input as ha("truenas", {"mappings": ["HBA"], "mapping_missing_on": ["pve2"]})
	lib.has_for(fs, "CLU-05", "truenas")
}

test_clu06_strict_passes if {
	fs := cluster.warn with input as ha("truenas", {"mappings": ["HBA"], "strict": true})
	not lib.has(fs, "CLU-06")
}

test_clu06_not_strict if {
	fs := cluster.warn with input as ha("truenas", {"mappings": ["HBA"]})
	lib.has_for(fs, "CLU-06", "truenas")
}

test_clu07_shared_disk_passes if {
	fs := cluster.warn with input as ha("talos-cp1", {})
	not lib.has(fs, "CLU-07")
}

test_clu07_local_disk if {
	fs := cluster.warn with input as ha("talos-cp1", {"local_disk": "its boot disk is on local-lvm, lvm-thin storage local to srv01", "movable": false})
	lib.has_for(fs, "CLU-07", "talos-cp1")
}

test_clu08_two_nodes_pass if {
	fs := cluster.info with input as ha("truenas", {"mappings": ["HBA"], "rule": "r", "rule_nodes": ["srv01", "pve2"]})
	not lib.has(fs, "CLU-08")
}

test_clu08_only_its_node if {
	fs := cluster.info with input as ha("truenas", {"mappings": ["HBA"], "rule": "r", "rule_nodes": ["srv01"]})
	lib.has_for(fs, "CLU-08", "truenas")
}

test_clu09_conditional_passes if {
	fs := cluster.deny with input as ha("truenas", {"movable": false})
	not lib.has(fs, "CLU-09")
}

test_clu09_migrate_with_stuck_guest if {
	doc := object.union(ha("truenas", {"movable": false}), {"cluster": {"shutdown_policy": "migrate"}})
	fs := cluster.deny with input as doc
	lib.has_for(fs, "CLU-09", "truenas")
}

test_clu10_even_passes if {
	fs := cluster.info with input as two_nodes({"qdevice": true, "qdevice_algorithm": "ffsplit"})
	not lib.has(fs, "CLU-10")
}

test_clu10_odd_nodes if {
	fs := cluster.info with input as two_nodes({"nodes": ["a", "b", "srv01"], "qdevice": true, "qdevice_algorithm": "lms"})
	lib.has_for(fs, "CLU-10", "cluster")
}

test_clu11_external_passes if {
	fs := cluster.warn with input as two_nodes({"qdevice": true})
	not lib.has(fs, "CLU-11")
}

test_clu11_on_a_node if {
	fs := cluster.warn with input as two_nodes({"qdevice": true, "qdevice_on_node": "pve2"})
	lib.has_for(fs, "CLU-11", "cluster")
}

test_boot07_seed_passes if {
	fs := cluster.warn with input as seed
	not lib.has(fs, "BOOT-07")
}

test_boot07_two_nodes if {
	fs := cluster.warn with input as two_nodes({})
	lib.has_for(fs, "BOOT-07", "truenas")
}

test_boot07_quorate_without_peer_passes if {
	fs := cluster.warn with input as two_nodes({"quorate_without": {"pve2": true, "srv01": true}})
	not lib.has(fs, "BOOT-07")
}

# Three HA guests on a three-node cluster, with their node-affinity rules, and `rules` as the
# cluster's resource-affinity rules.
ha_rules(rule_nodes, rules) := object.union(
	two_nodes({"nodes": ["n1", "n2", "n3"], "resource_affinity": rules}),
	{"ha": {vm: {
		"host": "n1", "local_devices": [], "mappings": [], "mapping_missing_on": [], "strict": false,
		"rule": sprintf("r-%s", [vm]), "rule_nodes": nodes, "movable": true,
	} |
		some vm, nodes in rule_nodes
	}},
)

apart := {"spread": {"affinity": "negative", "vms": ["a", "b", "c"]}}

test_clu12_enough_nodes_passes if {
	fs := cluster.warn with input as ha_rules({"a": ["n1"], "b": ["n2"], "c": ["n3", "n1"]}, apart)
	not lib.has(fs, "CLU-12")
}

test_clu12_too_few_nodes if {
	fs := cluster.warn with input as ha_rules({"a": ["n1", "n2"], "b": ["n2"], "c": ["n1"]}, apart)
	lib.has_for(fs, "CLU-12", "spread")
}

test_clu12_only_the_ruled_resources_count if {
	# c has no node-affinity rule: a and b need two nodes, and have them.
	fs := cluster.warn with input as ha_rules({"a": ["n1"], "b": ["n2"], "c": []}, apart)
	not lib.has(fs, "CLU-12")
	fs2 := cluster.warn with input as ha_rules({"a": ["n1"], "b": ["n1"], "c": []}, apart)
	lib.has_for(fs2, "CLU-12", "spread")
}

test_clu12_positive_rules_are_not_its_business if {
	together := {"spread": {"affinity": "positive", "vms": ["a", "b", "c"]}}
	fs := cluster.warn with input as ha_rules({"a": ["n1"], "b": ["n1"], "c": ["n1"]}, together)
	not lib.has(fs, "CLU-12")
}

test_clu13_one_node_rule_passes if {
	together := {"pair": {"affinity": "positive", "vms": ["a", "b"]}}
	doc := ha_rules({"a": ["n1"], "b": ["n1"]}, together)
	one_rule := object.union(doc, {"ha": {"b": {"rule": "r-a"}}})
	fs := cluster.warn with input as one_rule
	not lib.has(fs, "CLU-13")
}

test_clu13_two_node_rules if {
	together := {"pair": {"affinity": "positive", "vms": ["a", "b"]}}
	fs := cluster.warn with input as ha_rules({"a": ["n1"], "b": ["n1"]}, together)
	lib.has_for(fs, "CLU-13", "pair")
}

test_clu12_clu13_seed_passes if {
	fs := cluster.warn with input as seed
	not lib.has(fs, "CLU-12")
	not lib.has(fs, "CLU-13")
}
