//! Wrapper-module dialect: `module` blocks like the seed's `modules/platform/truenas`, read by
//! the input names in [`crate::model::tf::MODULE_INPUTS`] (the exporter writes the same names).

use super::{hostpci_from_object, line_col, missing_placement, u32_of, Ctx, Reader};
use crate::import::hcl_eval::Scope;
use crate::model::tf::{MODULE_INPUTS, MODULE_NAME};
use crate::model::{Unknown, Vm};
use hcl::edit::structure::Block;
use hcl::edit::Span;
use serde_json::Value;

/// The wrapper module's known inputs (what [`crate::export::terraform`] writes).
pub(super) fn module_vm(ctx: &Ctx<'_>, block: &Block, label: &str, scope: &Scope) -> Option<Vm> {
    let subject = format!("module.{label}");
    let r = Reader::new(ctx, &block.body, scope.clone(), subject.clone());
    let looks_like_vm = block.body.attributes().any(|a| {
        let k = a.key.as_str();
        k.starts_with("res_")
            || MODULE_INPUTS
                .iter()
                .filter(|(f, _)| matches!(*f, "vmid" | "host"))
                .any(|(_, names)| names.contains(&k))
            || k == "vm_name"
    });
    if !looks_like_vm {
        ctx.note(
            block.span(),
            &subject,
            "module has no `res_*` inputs: not a VM wrapper; skipped".into(),
        );
        return None;
    }
    r.skip("source");
    r.skip("version");
    // The first of several spellings wrappers use that the block sets.
    let key_of = |names: &[&'static str]| -> Option<&'static str> {
        names
            .iter()
            .copied()
            .find(|k| block.body.get_attribute(k).is_some())
    };
    let mut vm = Vm {
        id: key_of(MODULE_NAME)
            .and_then(|k| r.str(k))
            .unwrap_or_else(|| label.to_owned()),
        ..Vm::default()
    };
    for (field, names) in MODULE_INPUTS {
        let Some(key) = key_of(names) else {
            continue;
        };
        match *field {
            "memory_mib" => vm.memory_mib = r.u64(key).unwrap_or_default(),
            "balloon_mib" => {
                if let Some(v) = r.u64(key) {
                    vm.balloon_mib = Some(v);
                }
            }
            "cores" => vm.cores = r.u64(key).map_or(0, u32_of),
            "cpu_type" => vm.cpu_type = r.str(key).unwrap_or_default(),
            "vmid" => vm.vmid = r.u64(key).map_or(0, u32_of),
            "host" => vm.host = r.str(key).unwrap_or_default(),
            "onboot" => vm.onboot = r.bool(key).unwrap_or_default(),
            "agent" => vm.agent = r.bool(key).unwrap_or_default(),
            "machine" => vm.machine = r.str(key).unwrap_or_default(),
            "startup" => vm.startup.order = r.u64(key).map(u32_of),
            "boot_storage" => vm.boot_storage = r.str(key).unwrap_or_default(),
            "boot_disk_gb" => vm.boot_disk_gb = r.u64(key).map_or(0, u32_of),
            _ => {}
        }
        r.mark(&mut vm, key, field);
    }
    // A floating size equal to the dedicated one is Proxmox's default balloon device.
    if vm.balloon_mib == Some(vm.memory_mib) {
        vm.balloon_mib = None;
    }
    // What the block does not pass takes the module's own default, which this block does not
    // show: unknown, never the provider's or hostplan's default. (Host and vmid are reported
    // as missing placement instead.)
    let (line, column) = block.span().map_or((0, 0), |s| line_col(ctx.text, s.start));
    for (field, names) in MODULE_INPUTS {
        if key_of(names).is_none() && !matches!(*field, "host" | "vmid") {
            vm.unknown.push(Unknown {
                field: (*field).to_owned(),
                from: Some(format!("{}:{line}:{column}", ctx.file)),
                expression: Some(format!(
                    "not passed to module `{label}`: the module's default applies"
                )),
            });
        }
    }
    if let Some(Value::Array(items)) = r.get("res_hostpci") {
        let span = block.body.get_attribute("res_hostpci").and_then(Span::span);
        for (i, item) in items.iter().enumerate() {
            match hostpci_from_object(item, u32_of(i as u64)) {
                Ok(h) => vm.hostpci.push(h),
                Err(why) => ctx.note(
                    span.clone(),
                    &format!("{subject}.res_hostpci[{i}]"),
                    format!("{why}; entry not imported"),
                ),
            }
        }
    }
    r.finish();
    missing_placement(ctx, block, &subject, &vm);
    Some(vm)
}
