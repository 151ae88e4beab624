package hostplan.passthrough_test

import data.hostplan.lib
import data.hostplan.passthrough
import rego.v1

seed := data.fixtures.seed

with_vm(id, patch) := object.union(seed, {"vms": {id: patch}})

with_host(id, patch) := object.union(seed, {"hosts": {id: patch}})

test_pt01_seed_passes if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-01")
}

test_pt01_iommu_off if {
	fs := passthrough.deny with input as with_host("srv01", {"iommu": false})
	lib.has_for(fs, "PT-01", "srv01")
}

test_pt01_old_intel_kernel_without_flag if {
	fs := passthrough.deny with input as with_host("srv01", {"kernel_ge_6_8": false, "cmdline": []})
	lib.has_for(fs, "PT-01", "srv01")
}

test_pt02_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-02")
}

test_pt02_no_remapping if {
	fs := passthrough.warn with input as with_host("srv01", {"interrupt_remapping": false})
	lib.has_for(fs, "PT-02", "srv01")
}

test_pt03_seed_has_iommu_pt if {
	fs := passthrough.info with input as seed
	not lib.has(fs, "PT-03")
}

test_pt03_advice_without_iommu_pt if {
	fs := passthrough.info with input as with_host("srv01", {"cmdline": ["intel_iommu=on"]})
	lib.has_for(fs, "PT-03", "srv01")
}

test_pt04_seed_groups_are_whole if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-04")
}

test_pt04_group_split if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"]}}})
	lib.has_for(fs, "PT-04", "hba0")
}

# A negative group (the facts allow any integer) prints with one minus sign in every engine:
# regorus alone printed `%d` of -13 as `--13` (lib.signed).
test_pt04_group_split_negative_group_has_one_sign if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"], "iommu_group": -13}}})
	some f in fs
	f.rule == "PT-04"
	contains(f.message, " shares IOMMU group -13 with nic0,")
}

test_pt04_group_split_whole_float_group if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"], "iommu_group": 12.0}}})
	some f in fs
	f.rule == "PT-04"
	contains(f.message, " shares IOMMU group 12 with nic0,")
}

test_pt04_pci_bridge_in_group_is_fine if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"]}, "nic0": {"bridge_class": true, "bridge_header": true}}})
	not lib.has(fs, "PT-04")
}

test_pt04_lpc_bridge_bound_to_its_driver_is_not if {
	doc := object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"]}, "nic0": {"class": "0x0601", "bridge_class": true, "bridge_header": false, "driver": "lpc_ich"}}})
	fs := passthrough.deny with input as doc
	lib.has_for(fs, "PT-04", "hba0")
}

test_pt04_a_driverless_member_is_fine if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"]}, "nic0": {"driver": ""}}})
	not lib.has(fs, "PT-04")
}

test_pt04_a_member_bound_to_vfio_is_fine if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"hba0": {"group_members": ["nic0"]}, "nic0": {"driver": "vfio-pci"}}})
	not lib.has(fs, "PT-04")
}

test_pt05_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-05")
}

test_pt05_acs_override if {
	fs := passthrough.warn with input as with_host("srv01", {"cmdline": ["intel_iommu=on", "pcie_acs_override=downstream,multifunction"]})
	lib.has_for(fs, "PT-05", "srv01")
}

test_pt06_seed_passes if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-06")
}

test_pt06_pcie_on_i440fx if {
	fs := passthrough.deny with input as with_vm("truenas", {"q35": false, "machine": "i440fx"})
	lib.has_for(fs, "PT-06", "truenas")
}

test_pt08_seed_passes if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-08")
}

test_pt08_management_nic_passed if {
	fs := passthrough.deny with input as object.union(seed, {"devices": {"nic0": {"passed_to": ["truenas"]}}})
	lib.has_for(fs, "PT-08", "nic0")
}

test_pt08_boot_controller_passed if {
	fs := passthrough.deny with input as with_host("srv01", {"boot_controllers": ["hba0"]})
	lib.has_for(fs, "PT-08", "hba0")
}

test_pt09_seed_passes if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-09")
}

test_pt09_storage_behind_hba if {
	fs := passthrough.deny with input as object.union(seed, {"disks": {"local3tb": {"controller": "hba0"}}})
	lib.has_for(fs, "PT-09", "local-lvm")
}

test_pt10_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-10")
}

test_pt10_ballooning if {
	fs := passthrough.warn with input as with_vm("truenas", {"ballooning": true, "balloon_mib": 8192})
	lib.has_for(fs, "PT-10", "truenas")
}

test_pt11_seed_fits if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-11")
}

test_pt11_too_much_pinned if {
	fs := passthrough.deny with input as with_host("srv01", {"ram_mib": 32768})
	lib.has_for(fs, "PT-11", "srv01")
}

test_pt12_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-12")
}

test_pt12_ha_passthrough if {
	fs := passthrough.warn with input as with_vm("truenas", {"ha": true})
	lib.has_for(fs, "PT-12", "truenas")
}

test_pt13_seed_uses_mappings if {
	fs := passthrough.deny with input as with_vm("truenas", {"ha": true})
	not lib.has(fs, "PT-13")
}

test_pt13_ha_with_raw_address if {
	fs := passthrough.deny with input as with_vm("truenas", {"ha": true, "hostpci": {"0": {"kind": "host"}}})
	lib.has_for(fs, "PT-13", "truenas")
}

test_pt14_seed_mappings_match if {
	fs := passthrough.deny with input as seed
	not lib.has(fs, "PT-14")
	ws := passthrough.warn with input as seed
	not lib.has(ws, "PT-14")
}

test_pt14_wrong_iommu_group if {
	fs := passthrough.deny with input as object.union(seed, {"mappings": {"HBA": {"entries": {"srv01": {"iommu_group": 24}}}}})
	lib.has_for(fs, "PT-14", "HBA")
}

test_pt14_missing_group_the_device_has_is_refused if {
	fs := passthrough.deny with input as object.union(seed, {"mappings": {"HBA": {"entries": {"srv01": {"iommu_group": null}}}}})
	lib.has_for(fs, "PT-14", "HBA")
	ws := passthrough.warn with input as object.union(seed, {"mappings": {"HBA": {"entries": {"srv01": {"iommu_group": null}}}}})
	not lib.has(ws, "PT-14")
}

test_pt14_missing_group_of_an_unrecorded_device_is_a_warning if {
	doc := object.union(seed, {"mappings": {"HBA": {"entries": {"srv01": {"iommu_group": null, "device_iommu_group": null}}}}})
	ws := passthrough.warn with input as doc
	lib.has_for(ws, "PT-14", "HBA")
	fs := passthrough.deny with input as doc
	not lib.has(fs, "PT-14")
}

test_pt16_seed_single_functions if {
	fs := passthrough.info with input as seed
	not lib.has(fs, "PT-16")
}

test_pt16_all_functions if {
	fs := passthrough.info with input as with_vm("truenas", {"hostpci": {"1": {"devices": ["nic1", "nic2"], "target": "0000:02:00"}}})
	lib.has_for(fs, "PT-16", "truenas")
}

test_pt17_seed_rombar_off if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-17")
}

test_pt17_hba_with_rom if {
	fs := passthrough.warn with input as with_vm("truenas", {"hostpci": {"0": {"rombar": true}}})
	lib.has_for(fs, "PT-17", "truenas")
}

test_pt17_nvme_with_rom_is_fine if {
	doc := object.union(with_vm("truenas", {"hostpci": {"0": {"rombar": true}}}), {"devices": {"hba0": {"class": "0x0108", "kind": "nvme"}}})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-17")
}

test_pt18_seed_uses_mappings if {
	fs := passthrough.info with input as seed
	not lib.has(fs, "PT-18")
}

test_pt18_raw_address if {
	fs := passthrough.info with input as with_vm("truenas", {"hostpci": {"0": {"kind": "host"}}})
	lib.has_for(fs, "PT-18", "truenas")
}

test_pt19_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-19")
}

test_pt19_xvga_on_hba if {
	fs := passthrough.warn with input as with_vm("truenas", {"hostpci": {"0": {"x_vga": true}}})
	lib.has_for(fs, "PT-19", "truenas")
}

test_pt20_seed_is_small if {
	fs := passthrough.info with input as seed
	not lib.has(fs, "PT-20")
}

test_pt20_large_pinned_vm if {
	fs := passthrough.info with input as with_vm("truenas", {"memory_mib": 262144})
	lib.has_for(fs, "PT-20", "truenas")
}

test_pt01_not_evaluated_when_iommu_unknown if {
	doc := lib.with_unknown(seed, "hosts", "srv01", ["iommu"])
	passthrough_deny := passthrough.deny with input as doc
	not lib.has(passthrough_deny, "PT-01")
	passthrough_not_evaluated := passthrough.not_evaluated with input as doc
	lib.skipped(passthrough_not_evaluated, "PT-01", "srv01")
}

test_pt06_not_evaluated_when_machine_unknown if {
	doc := lib.with_unknown(seed, "vms", "truenas", ["machine", "q35"])
	passthrough_deny := passthrough.deny with input as doc
	not lib.has(passthrough_deny, "PT-06")
	passthrough_not_evaluated := passthrough.not_evaluated with input as doc
	lib.skipped(passthrough_not_evaluated, "PT-06", "truenas")
}

test_pt11_not_evaluated_when_pinned_memory_unknown if {
	doc := lib.with_unknown(seed, "hosts", "srv01", ["pinned_mib"])
	passthrough_not_evaluated := passthrough.not_evaluated with input as doc
	lib.skipped(passthrough_not_evaluated, "PT-11", "srv01")
}

# The seed states every fact the passthrough rules need except the HBA's host driver, which its
# document does not give (PT-25).
test_known_facts_are_evaluated if {
	ne := passthrough.not_evaluated with input as seed
	{[n.rule, n.resource] | some n in ne} == {["PT-25", "hba0"]}
}

test_pt06_message_says_unset_rather_than_empty if {
	fs := passthrough.deny with input as with_vm("truenas", {"q35": false, "machine": ""})
	some f in fs
	f.rule == "PT-06"
	contains(f.message, "its machine is unset (i440fx)")
}

test_pt12_migrate_with_passthrough if {
	fs := passthrough.warn with input as with_vm("truenas", {"migrate": true})
	lib.has_for(fs, "PT-12", "truenas")
}

test_pt20_fractional_gib_prints_as_a_whole_number if {
	fs := passthrough.info with input as with_vm("truenas", {"memory_mib": 70000})
	some f in fs
	f.rule == "PT-20"
	contains(f.message, "pins 68 GiB")
}

test_pt25_seed_driver_unknown_is_not_evaluated if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-25")
	ne := passthrough.not_evaluated with input as seed
	lib.skipped(ne, "PT-25", "hba0")
}

test_pt25_host_binds_the_hba if {
	fs := passthrough.warn with input as object.union(seed, {"devices": {"hba0": {"driver": "mpt3sas"}}})
	lib.has_for(fs, "PT-25", "hba0")
}

test_pt25_bound_to_vfio_at_boot if {
	doc := object.union(seed, {"devices": {"hba0": {"driver": "vfio-pci"}}})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-25")
	ne := passthrough.not_evaluated with input as doc
	not lib.skipped(ne, "PT-25", "hba0")
}

two_nodes(srv02) := object.union(seed, {
	"hosts": {
		"srv01": {"cpu_model": "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz"},
		"srv02": object.union(seed.hosts.srv01, srv02),
	},
	"vms": {"talos-w1": {"migrate": true}},
})

test_pt26_seed_does_not_migrate if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-26")
}

test_pt26_host_cpu_between_intel_and_amd if {
	doc := two_nodes({"cpu_vendor": "amd", "cpu_model": "AMD EPYC 7302P 16-Core Processor"})
	fs := passthrough.warn with input as doc
	lib.has_for(fs, "PT-26", "talos-w1")
	not lib.has_for(fs, "PT-26", "talos-w2")
}

test_pt26_same_cpu_on_both_nodes if {
	doc := two_nodes({"cpu_model": "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz"})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-26")
}

test_pt26_a_generic_cpu_type_may_move if {
	doc := object.union(two_nodes({"cpu_vendor": "amd", "cpu_model": "AMD EPYC 7302P"}), {"vms": {"talos-w1": {"cpu_type": "x86-64-v2-AES"}}})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-26")
}

test_pt26_not_evaluated_without_the_model if {
	doc := object.union(seed, {"hosts": {"srv02": seed.hosts.srv01}, "vms": {"talos-w1": {"migrate": true}}})
	ne := passthrough.not_evaluated with input as doc
	lib.skipped(ne, "PT-26", "talos-w1")
}

# PT-27: TrueNAS gets tank's disks by path, so srv01 sees them as its own block devices.
tank_by_path(host_patch, pool_patch) := object.union(seed, {
	"vms": {"truenas": {"raw_disks": [{"slot": sprintf("scsi%d", [i + 1]), "path": sprintf("/dev/disk/by-id/ata-%s", [d]), "disk": d} |
		some i, d in ["tank-d1", "tank-d2", "tank-d3", "tank-d4", "tank-d5", "tank-d6"]
	]}},
	"hosts": {"srv01": host_patch},
	"pools": {"tank": pool_patch},
})

test_pt27_seed_passes if {
	fs := passthrough.warn with input as seed
	not lib.has(fs, "PT-27")
	ne := passthrough.not_evaluated with input as seed
	not lib.skipped(ne, "PT-27", "tank")
}

test_pt27_import_scan_reaches_disks_passed_by_path if {
	fs := passthrough.warn with input as tank_by_path({"zfs_import_scan": true}, {"multihost": false})
	some f in fs
	f.rule == "PT-27"
	f.resource == "tank"
	contains(f.message, "srv01 can import tank at boot while truenas is down")
	contains(f.message, "tank-d1, tank-d2, tank-d3, tank-d4, tank-d5, tank-d6 (passed to truenas by path)")
}

test_pt27_multihost_on_passes if {
	doc := tank_by_path({"zfs_import_scan": true}, {"multihost": true})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-27")
	ne := passthrough.not_evaluated with input as doc
	not lib.skipped(ne, "PT-27", "tank")
}

test_pt27_scan_disabled_passes if {
	doc := tank_by_path({"zfs_import_scan": false}, {"multihost": false})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-27")
}

test_pt27_unknown_scan_and_multihost_are_not_evaluated if {
	doc := tank_by_path({}, {})
	fs := passthrough.warn with input as doc
	not lib.has(fs, "PT-27")
	ne := passthrough.not_evaluated with input as doc
	some n in ne
	n.rule == "PT-27"
	n.resource == "tank"
	n.unknown == ["zfs_import_scan", "multihost"]
}

test_pt27_controller_bound_by_the_host if {
	doc := object.union(seed, {
		"devices": {"hba0": {"driver": "mpt3sas"}},
		"hosts": {"srv01": {"zfs_import_scan": true}},
		"pools": {"tank": {"multihost": false}},
	})
	fs := passthrough.warn with input as doc
	some f in fs
	f.rule == "PT-27"
	contains(f.message, "(on a controller the host binds at boot)")
}
