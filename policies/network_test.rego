package hostplan.network_test

import data.hostplan.lib
import data.hostplan.network
import rego.v1

seed := data.fixtures.seed

test_net01_seed_passes if {
	fs := network.deny with input as seed
	not lib.has(fs, "NET-01")
}

test_net01_bridge_port_passed if {
	fs := network.deny with input as object.union(seed, {"devices": {"nic0": {"passed_to": ["truenas"]}}})
	lib.has_for(fs, "NET-01", "nic0")
}

test_net02_seed_storage_vlan if {
	fs := network.warn with input as seed
	not lib.has(fs, "NET-02")
}

test_net02_iscsi_on_lan if {
	fs := network.warn with input as object.union(seed, {"services": {"iscsi-k8s": {"network": "lan"}}})
	lib.has_for(fs, "NET-02", "iscsi-k8s")
}

test_net03_seed_passes if {
	fs := network.deny with input as seed
	not lib.has(fs, "NET-03")
}

test_net03_nic_mtu_mismatch if {
	fs := network.deny with input as object.union(seed, {"devices": {"nic2": {"mtu": 9000}}})
	lib.has_for(fs, "NET-03", "nic2")
}

test_net03_a_1500_trunk_carrying_a_9000_vlan if {
	doc := object.union(seed, {"networks": {"storage50": {"mtu": 9000}}})
	fs := network.deny with input as doc
	lib.has_for(fs, "NET-03", "nic0")
	lib.has_for(fs, "NET-03", "srv01")
}

test_net03_a_9000_trunk_carrying_1500_and_9000 if {
	doc := object.union(seed, {
		"networks": {"storage50": {"mtu": 9000}},
		"devices": {"nic0": {"mtu": 9000}, "nic2": {"mtu": 9000}},
		"hosts": {"srv01": {"bridges": [{"name": "vmbr0", "networks": ["lan", "storage50"], "ports": ["nic0"], "mtu": 9000}]}},
	})
	fs := network.deny with input as doc
	not lib.has(fs, "NET-03")
}

test_net05_hairpin_through_switch if {
	fs := network.info with input as seed
	lib.has_for(fs, "NET-05", "iscsi-k8s")
}

test_net05_bridge_attached_provider if {
	fs := network.info with input as object.union(seed, {"vms": {"truenas": {"passthrough": ["hba0"]}}})
	not lib.has(fs, "NET-05")
}
