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

test_net03_passed_nic_judged_on_the_guests_mtu if {
	doc := object.union(seed, {
		"networks": {"storage50": {"mtu": 9000}},
		"vms": {"truenas": {"nics": [{"device": "nic1", "network": "lan"}, {"device": "nic2", "network": "storage50", "mtu": 1500}]}},
	})
	fs := network.deny with input as doc
	lib.has_for(fs, "NET-03", "nic2")
}

test_net03_passed_nic_with_the_guest_at_9000 if {
	doc := object.union(seed, {
		"networks": {"storage50": {"mtu": 9000}},
		"vms": {"truenas": {"nics": [{"device": "nic1", "network": "lan"}, {"device": "nic2", "network": "storage50", "mtu": 9000}]}},
	})
	fs := network.deny with input as doc
	not lib.has_for(fs, "NET-03", "nic2")
	ne := network.not_evaluated with input as doc
	not lib.skipped(ne, "NET-03", "nic2")
}

test_net03_passed_nic_not_evaluated_without_the_guests_mtu if {
	doc := object.union(seed, {"networks": {"storage50": {"mtu": 9000}}})
	ne := network.not_evaluated with input as doc
	lib.skipped(ne, "NET-03", "nic2")
}

test_net03_host_nic_without_mtu_on_a_jumbo_network if {
	doc := object.union(seed, {"networks": {"storage50": {"mtu": 9000}}, "devices": {"nic2": {"passed_to": []}}})
	fs := network.deny with input as doc
	lib.has_for(fs, "NET-03", "nic2")
}

multipath(portals, shared) := object.union(seed, {
	"networks": {"storage51": {"vlan": 51, "mtu": 1500, "purpose": "storage", "cidr": "10.51.0.0/24"}},
	"services": {"iscsi-k8s": {"portals": portals, "shared_subnets": shared}},
})

test_net04_seed_single_portal if {
	fs := network.warn with input as seed
	not lib.has(fs, "NET-04")
}

test_net04_portals_on_separate_subnets if {
	doc := multipath(["storage50", "storage51"], [])
	fs := network.warn with input as doc
	not lib.has(fs, "NET-04")
	ne := network.not_evaluated with input as doc
	not lib.skipped(ne, "NET-04", "iscsi-k8s")
}

test_net04_portals_sharing_a_subnet if {
	fs := network.warn with input as multipath(["storage50", "storage51"], [["storage50", "storage51"]])
	lib.has_for(fs, "NET-04", "iscsi-k8s")
}

test_net04_one_network_twice if {
	fs := network.warn with input as multipath(["storage50", "storage50"], [["storage50", "storage50"]])
	lib.has_for(fs, "NET-04", "iscsi-k8s")
}

test_net04_not_evaluated_without_a_subnet if {
	doc := object.union(multipath(["storage50", "storage51"], []), {"networks": {"storage51": {"cidr": null}}})
	ne := network.not_evaluated with input as doc
	lib.skipped(ne, "NET-04", "iscsi-k8s")
}
