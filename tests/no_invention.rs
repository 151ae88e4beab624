//! No importer emits a value its input did not state or default explicitly: for generated
//! bpg VM resources and wrapper-module blocks whose attributes are each absent, a literal, or an
//! expression nothing resolves (`var.unset`), every field the importer fills is the literal,
//! the provider's documented default (bpg), or listed as unknown — never anything else.

use hostplan::import::{self, Format};
use hostplan::model::Vm;
use proptest::prelude::*;

/// How one attribute appears in the input.
#[derive(Debug, Clone)]
enum Attr<T> {
    Absent,
    Literal(T),
    Unresolvable,
}

fn attr<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Attr<T>> {
    prop_oneof![
        Just(Attr::Absent),
        value.prop_map(Attr::Literal),
        Just(Attr::Unresolvable),
    ]
}

/// The HCL for one attribute (`key = value`), if present.
fn line<T: std::fmt::Display>(key: &str, a: &Attr<T>, quote: bool) -> String {
    match a {
        Attr::Absent => String::new(),
        Attr::Literal(v) if quote => format!("{key} = \"{v}\"\n"),
        Attr::Literal(v) => format!("{key} = {v}\n"),
        Attr::Unresolvable => format!("{key} = var.unset_{key}\n"),
    }
}

/// The field as the importer must fill it: the literal, else the default for an absent
/// attribute; an unresolvable one must be listed unknown (its value is then not checked).
fn check<T: PartialEq + std::fmt::Debug + Clone>(
    vm: &Vm,
    field: &str,
    a: &Attr<T>,
    actual: &T,
    default: Option<T>,
) -> Result<(), TestCaseError> {
    let has_default = default.is_some();
    match a {
        Attr::Literal(v) => prop_assert_eq!(actual, v, "{} literal", field),
        Attr::Unresolvable => prop_assert!(
            vm.is_unknown(field),
            "{} not unknown: {:?}",
            field,
            vm.unknown
        ),
        Attr::Absent => match default {
            Some(d) => prop_assert_eq!(actual, &d, "{} default", field),
            None => prop_assert!(vm.is_unknown(field), "{} absent but not unknown", field),
        },
    }
    if !matches!(a, Attr::Unresolvable) && (has_default || matches!(a, Attr::Literal(_))) {
        prop_assert!(!vm.is_unknown(field), "{} stated but listed unknown", field);
    }
    Ok(())
}

fn import_one(text: &str) -> Vm {
    let mut t = import::run(
        Format::Terraform,
        &[("main.tf".into(), text.into())],
        None,
        None,
    )
    .unwrap()
    .topology;
    assert_eq!(t.vms.len(), 1, "{text}");
    t.vms.remove(0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// bpg: absent attributes take the provider's documented defaults (`on_boot` true,
    /// `cpu.cores` 1, `cpu.type` qemu64, `memory.dedicated` 512, `agent.enabled` false).
    #[test]
    fn bpg_vms_state_or_default_or_leave_unknown(
        vmid in attr(100u32..100_000),
        on_boot in attr(any::<bool>()),
        machine in attr(prop::sample::select(vec!["q35", "pc", "pc-q35-9.0"])),
        cores in attr(1u32..64),
        cpu_type in attr(prop::sample::select(vec!["host", "x86-64-v2-AES", "kvm64"])),
        memory in attr(512u64..262_144),
        agent in attr(any::<bool>()),
    ) {
        let text = format!(
            "resource \"proxmox_virtual_environment_vm\" \"x\" {{\nname = \"x\"\nnode_name = \"n\"\n{}{}{}cpu {{\n{}{}}}\nmemory {{\n{}}}\nagent {{\n{}}}\n}}\n",
            line("vm_id", &vmid, false),
            line("on_boot", &on_boot, false),
            line("machine", &machine, true),
            line("cores", &cores, false),
            line("type", &cpu_type, true),
            line("dedicated", &memory, false),
            line("enabled", &agent, false),
        );
        let vm = import_one(&text);
        check(&vm, "vmid", &vmid, &vm.vmid, Some(0))?;
        check(&vm, "onboot", &on_boot, &vm.onboot, Some(true))?;
        check(&vm, "machine", &machine, &vm.machine.as_str(), Some(""))?;
        check(&vm, "cores", &cores, &vm.cores, Some(1))?;
        check(&vm, "cpu_type", &cpu_type, &vm.cpu_type.as_str(), Some("qemu64"))?;
        check(&vm, "memory_mib", &memory, &vm.memory_mib, Some(512))?;
        check(&vm, "agent", &agent, &vm.agent, Some(false))?;
        // Nothing else is claimed unknown, and nothing unresolvable is claimed known.
        for u in &vm.unknown {
            prop_assert!(text.contains("var.unset_"), "{:?} unknown in\n{}", u, text);
        }
    }

    /// A wrapper module: what the block does not pass is the module's default, which the block
    /// does not show — unknown, never a value.
    #[test]
    fn module_blocks_state_or_leave_unknown(
        memory in attr(512u64..262_144),
        cores in attr(1u32..64),
        cpu_type in attr(prop::sample::select(vec!["host", "x86-64-v2-AES"])),
        on_boot in attr(any::<bool>()),
        machine in attr(prop::sample::select(vec!["q35", "pc"])),
    ) {
        let text = format!(
            "module \"x\" {{\nsource = \"git::https://example.org/vm.git\"\nvm_id = 100\nnode_name = \"n\"\n{}{}{}{}{}}}\n",
            line("res_dedicated_memory", &memory, false),
            line("res_cpu_cores", &cores, false),
            line("res_cpu_type", &cpu_type, true),
            line("on_boot", &on_boot, false),
            line("machine", &machine, true),
        );
        let vm = import_one(&text);
        check(&vm, "memory_mib", &memory, &vm.memory_mib, None)?;
        check(&vm, "cores", &cores, &vm.cores, None)?;
        check(&vm, "cpu_type", &cpu_type, &vm.cpu_type.as_str(), None)?;
        check(&vm, "onboot", &on_boot, &vm.onboot, None)?;
        check(&vm, "machine", &machine, &vm.machine.as_str(), None)?;
        for f in ["agent", "boot_storage", "boot_disk_gb", "startup", "balloon_mib"] {
            prop_assert!(vm.is_unknown(f), "{} not passed but not unknown", f);
        }
    }
}
