package hostplan.kubernetes_test

import data.hostplan.kubernetes
import data.hostplan.lib
import rego.v1

seed := data.fixtures.seed

test_k8s01_seed_waits_after_cold_start if {
	fs := kubernetes.info with input as seed
	lib.has_for(fs, "K8S-01", "talos")
}

test_k8s01_no_wait_no_finding if {
	fs := kubernetes.info with input as object.union(seed, {"boot": {"waits": []}})
	not lib.has(fs, "K8S-01")
}

test_k8s03_seed_single_host if {
	fs := kubernetes.warn with input as seed
	not lib.has(fs, "K8S-03")
}

test_k8s03_consumers_on_other_hosts if {
	hazard := {"provider": "truenas", "service": "iscsi-k8s", "consumers": ["talos-w1"], "detail": "rebooting srv01 takes iscsi-k8s away from talos-w1"}
	fs := kubernetes.warn with input as object.union(seed, {"hosts": {"srv01": {"reboot_hazards": [hazard]}}})
	lib.has_for(fs, "K8S-03", "truenas")
}

test_k8s04_seed_uses_iscsi if {
	fs := kubernetes.info with input as seed
	not lib.has(fs, "K8S-04")
}

test_k8s04_nfs if {
	fs := kubernetes.info with input as object.union(seed, {"services": {"iscsi-k8s": {"kind": "nfs"}}})
	lib.has_for(fs, "K8S-04", "talos")
}

test_k8s05_talos_on_iscsi if {
	fs := kubernetes.info with input as seed
	lib.has_for(fs, "K8S-05", "talos")
}

test_k8s05_not_talos if {
	fs := kubernetes.info with input as object.union(seed, {"vms": {"talos-cp1": {"role": ""}, "talos-w1": {"role": ""}, "talos-w2": {"role": ""}}})
	not lib.has(fs, "K8S-05")
}

test_k8s08_seed_passes if {
	fs := kubernetes.deny with input as seed
	not lib.has(fs, "K8S-08")
}

test_k8s08_kvm64 if {
	fs := kubernetes.deny with input as object.union(seed, {"vms": {"talos-w1": {"cpu_type": "kvm64"}}})
	lib.has_for(fs, "K8S-08", "talos-w1")
}

test_k8s08_a_worker_may_have_one_core_and_one_gib if {
	fs := kubernetes.deny with input as object.union(seed, {"vms": {"talos-w1": {"cores": 1, "memory_mib": 1024}}})
	not lib.has(fs, "K8S-08")
}

test_k8s08_a_control_plane_node_needs_two_cores if {
	fs := kubernetes.deny with input as object.union(seed, {"vms": {"talos-cp1": {"cores": 1}}})
	lib.has_for(fs, "K8S-08", "talos-cp1")
}

test_k8s08_a_worker_below_one_gib if {
	fs := kubernetes.deny with input as object.union(seed, {"vms": {"talos-w2": {"memory_mib": 768}}})
	lib.has_for(fs, "K8S-08", "talos-w2")
}

test_k8s08_not_evaluated_when_cpu_type_unknown if {
	doc := lib.with_unknown(seed, "vms", "talos-w1", ["cpu_type"])
	kubernetes_not_evaluated := kubernetes.not_evaluated with input as doc
	lib.skipped(kubernetes_not_evaluated, "K8S-08", "talos-w1")
	not lib.skipped(kubernetes_not_evaluated, "K8S-08", "talos-w2")
}

multipath_consumer(patch) := object.union(seed, {
	"services": {"iscsi-k8s": {"portals": ["storage50", "storage51"]}},
	"consumers": {"talos": patch},
})

test_k8s07_seed_single_path if {
	fs := kubernetes.warn with input as seed
	not lib.has(fs, "K8S-07")
	ne := kubernetes.not_evaluated with input as seed
	not lib.skipped(ne, "K8S-07", "talos")
}

test_k8s07_multipath_with_the_default_120_s if {
	fs := kubernetes.warn with input as multipath_consumer({"iscsi_replacement_timeout_s": 120})
	lib.has_for(fs, "K8S-07", "talos")
}

test_k8s07_multipath_with_10_s if {
	fs := kubernetes.warn with input as multipath_consumer({"iscsi_replacement_timeout_s": 10})
	not lib.has(fs, "K8S-07")
}

test_k8s07_not_evaluated_without_the_timeout if {
	ne := kubernetes.not_evaluated with input as multipath_consumer({})
	lib.skipped(ne, "K8S-07", "talos")
}

test_k8s09_not_evaluated_when_hotplug_unknown_as_in_the_seed if {
	ne := kubernetes.not_evaluated with input as seed
	lib.skipped(ne, "K8S-09", "talos-w1")
}

test_k8s09_proxmox_default_hotplug if {
	doc := object.union(seed, {"vms": {"talos-w1": {"hotplug": ["network", "disk", "usb"]}}})
	fs := kubernetes.deny with input as doc
	not lib.has(fs, "K8S-09")
	ne := kubernetes.not_evaluated with input as doc
	not lib.skipped(ne, "K8S-09", "talos-w1")
}

test_k8s09_memory_hotplug if {
	doc := object.union(seed, {"vms": {"talos-w1": {"hotplug": ["network", "disk", "memory", "cpu"]}}})
	fs := kubernetes.deny with input as doc
	some f in fs
	f.rule == "K8S-09"
	f.resource == "talos-w1"
	contains(f.message, "hotplug: network,disk,memory,cpu")
}
