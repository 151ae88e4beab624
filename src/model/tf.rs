//! The Terraform vocabulary hostplan reads and writes: the Proxmox providers' resource types
//! and the input names wrapper modules use. One table, so the importer and the exporter can
//! never disagree about a name.

/// The bpg HA resource type (`resource_id = "vm:100"`).
pub const BPG_HA: &str = "proxmox_virtual_environment_haresource";
/// The bpg VM resource type.
pub const BPG_VM: &str = "proxmox_virtual_environment_vm";
/// The bpg file resource type (snippets such as hookscripts).
pub const BPG_FILE: &str = "proxmox_virtual_environment_file";
/// The bpg PCI mapping resource type (deprecated name, still the common one).
pub const BPG_MAPPING: &str = "proxmox_virtual_environment_hardware_mapping_pci";
/// The bpg PCI mapping resource type's new name.
pub const BPG_MAPPING_NEW: &str = "proxmox_hardware_mapping_pci";
/// The Telmate VM resource type.
pub const TELMATE_VM: &str = "proxmox_vm_qemu";

/// The spellings wrapper modules use for a VM's name.
pub const MODULE_NAME: &[&str] = &["name", "vm_name"];

/// The model fields a wrapper module's inputs set, each with the spellings real wrappers use
/// (the seed's `res_*` first): the importer reads any of them, the exporter writes all of
/// them (a wrapper ignores what it does not declare, and with `--variables` only the declared
/// ones are kept).
pub const MODULE_INPUTS: &[(&str, &[&str])] = &[
    (
        "memory_mib",
        &["res_dedicated_memory", "memory", "memory_mib"],
    ),
    (
        "balloon_mib",
        &["res_floating_memory", "floating_memory", "balloon"],
    ),
    ("cores", &["res_cpu_cores", "cores", "cpu_cores"]),
    ("cpu_type", &["res_cpu_type", "cpu_type"]),
    ("vmid", &["vm_id", "vmid"]),
    (
        "host",
        &[
            "node_name",
            "target_node",
            "vm_node",
            "vm_node_name",
            "node",
        ],
    ),
    ("onboot", &["on_boot", "onboot"]),
    ("agent", &["agent_enabled", "agent"]),
    ("machine", &["machine"]),
    ("startup", &["startup_order"]),
    (
        "boot_storage",
        &["datastore_id", "res_datastore", "disk_datastore"],
    ),
    ("boot_disk_gb", &["disk_size", "res_disk_size"]),
];

/// The names of a field in [`MODULE_INPUTS`] (empty for a field it does not list).
pub fn module_names(field: &str) -> &'static [&'static str] {
    MODULE_INPUTS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(&[], |(_, names)| names)
}

/// Wrapper inputs the exporter writes beyond [`MODULE_INPUTS`]: the passthrough list and the
/// startup delays (the importer reads passthrough from the list's own shape).
pub const MODULE_HOSTPCI: &[&str] = &["res_hostpci", "hostpci"];
/// The startup `up` delay.
pub const MODULE_UP_DELAY: &[&str] = &["startup_up_delay", "up_delay"];
/// The startup `down` delay.
pub const MODULE_DOWN_DELAY: &[&str] = &["startup_down_delay", "down_delay"];
