//! Unknown is not a default: what an importer cannot resolve stays unknown through import,
//! validation, the rule book and every export (`tests/cases/import/unresolved/`).

use hostplan::diag::{Code, Severity};
use hostplan::export::{proxmox, terraform};
use hostplan::import::{self, Format};
use hostplan::model::{Topology, Vm};
use hostplan::policy::{report, Limits, RuleBook, Status};

fn imported() -> Topology {
    let text = std::fs::read_to_string(crate::fixture("cases/import/unresolved/main.tf")).unwrap();
    import::run(Format::Terraform, &[("main.tf".into(), text)], None, None)
        .unwrap()
        .topology
}

fn vm<'t>(t: &'t Topology, id: &str) -> &'t Vm {
    t.vms.iter().find(|v| v.id == id).unwrap()
}

fn unknown_fields(vm: &Vm) -> Vec<&str> {
    vm.unknown.iter().map(|u| u.field.as_str()).collect()
}

/// The imported VMs on the hand-written rest of the site, with their roles.
fn site() -> (hostplan::source::SourceFile, Topology) {
    let bytes = std::fs::read(crate::fixture("cases/import/unresolved/site.toml")).unwrap();
    let parsed = hostplan::source::parse("site.toml", &bytes);
    let mut t = parsed.topology.unwrap();
    t.vms = imported().vms;
    for v in &mut t.vms {
        v.role = if v.id == "truenas" {
            "truenas"
        } else {
            "talos"
        }
        .into();
    }
    (parsed.source, t)
}

#[test]
fn unresolvable_attributes_are_unknown_with_their_location() {
    let t = imported();
    let truenas = vm(&t, "truenas");
    assert_eq!(unknown_fields(truenas), ["memory_mib", "boot_storage"]);
    let memory = &truenas.unknown[0];
    assert_eq!(memory.from.as_deref(), Some("main.tf:39:5"));
    assert_eq!(memory.expression.as_deref(), Some("var.memory"));
    // The attribute's own expression, and the part of it that is not in the files.
    assert_eq!(
        truenas.unknown[1].expression.as_deref(),
        Some(
            "local.datastore → data.proxmox_virtual_environment_datastores.srv01.datastore_ids[0]"
        )
    );
    // What did resolve is kept: a variable default inside a template, and the literals.
    assert_eq!(truenas.cpu_type, "x86-64-v2-AES");
    assert_eq!((truenas.cores, truenas.vmid), (4, 100));
}

#[test]
fn a_wrapper_module_asserts_nothing_it_does_not_pass() {
    let t = imported();
    let w1 = vm(&t, "talos-w1");
    assert_eq!(
        (w1.host.as_str(), w1.vmid),
        ("srv01", 211),
        "vm_node_name, vm_id"
    );
    let fields = unknown_fields(w1);
    for f in ["cpu_type", "onboot", "agent", "machine", "boot_storage"] {
        assert!(fields.contains(&f), "{f} should be unknown: {fields:?}");
    }
    assert!(!fields.contains(&"memory_mib") && !fields.contains(&"cores"));
    assert_eq!(
        w1.unknown[0].expression.as_deref(),
        Some("\"host ${var.cpu_flavour}\"")
    );
}

#[test]
fn the_fragment_leaves_unknown_values_out_and_reads_back_the_same() {
    let t = imported();
    let text = import::fragment_text(&t).unwrap();
    let truenas = text.split("[[vms]]").nth(1).unwrap();
    assert!(!truenas.contains("memory_mib ="), "{truenas}");
    assert!(!truenas.contains("boot_storage ="), "{truenas}");
    let back = hostplan::source::parse("f.toml", text.as_bytes());
    assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
    let mut expected = t.clone();
    // Left out of the text, the unknown values read back as the format's defaults.
    for v in &mut expected.vms {
        for u in v.unknown.clone() {
            match u.field.as_str() {
                "memory_mib" => v.memory_mib = 0,
                "boot_storage" => v.boot_storage.clear(),
                "cpu_type" => v.cpu_type.clear(),
                "balloon_mib" => v.balloon_mib = None,
                "startup" => v.startup = hostplan::model::Startup::default(),
                _ => {}
            }
        }
    }
    assert_eq!(back.topology.unwrap().vms, expected.vms);
}

#[test]
fn validation_warns_of_each_unknown_and_finds_no_error() {
    let (_, t) = site();
    let diags = hostplan::validate::validate(&t);
    assert!(
        diags.iter().all(|d| d.severity != Severity::Error),
        "{diags:#?}"
    );
    let unknown: Vec<&str> = diags
        .iter()
        .filter(|d| d.code == Code::UnknownValue)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        unknown
            .iter()
            .any(|m| m.contains("`memory_mib` is not known (main.tf:39:5: `var.memory`)")),
        "{unknown:#?}"
    );
}

#[test]
fn rules_that_need_an_unknown_fact_say_not_evaluated_in_every_format() {
    let (source, t) = site();
    let facts = hostplan::policy::facts::facts(&t);
    let ev = RuleBook::builtin()
        .evaluate(&facts, &t.waivers, "2026-11-26", Limits::default())
        .unwrap();
    // TrueNAS's memory reads 0 in the model, but no TN-04 error: the rule was not evaluated.
    assert!(
        !ev.findings
            .iter()
            .any(|f| f.rule == "TN-04" && f.status == Status::Open),
        "{:#?}",
        ev.findings
    );
    let skipped = |rule: &str, resource: &str| {
        ev.findings.iter().find(|f| {
            f.rule == rule
                && f.resource == resource
                && matches!(f.status, Status::NotEvaluated { .. })
        })
    };
    let tn04 = skipped("TN-04", "truenas").expect("TN-04 not evaluated on truenas");
    assert_eq!(
        tn04.status,
        Status::NotEvaluated {
            unknown: vec!["memory_mib".into()]
        }
    );
    assert!(skipped("K8S-08", "talos-w1").is_some(), "cpu_type unknown");
    assert!(skipped("BOOT-06", "talos-w1").is_some(), "agent unknown");
    assert_eq!(
        ev.blocking(hostplan::policy::Severity::Info)
            .filter(|f| f.rule == "TN-04")
            .count(),
        0
    );

    let text = report::text(&ev, &source, &t);
    assert!(text.contains("not evaluated (facts unknown"), "{text}");
    assert!(
        text.contains("TN-04 not evaluated for truenas: memory_mib unknown"),
        "{text}"
    );
    let json = report::json(&ev, &source, &t);
    let listed = json["not_evaluated"].as_array().unwrap();
    assert!(listed
        .iter()
        .any(|f| f["rule"] == "TN-04" && f["status"] == "not-evaluated"));
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"] != "not-evaluated"));
    let sarif = report::sarif(&ev, &source, &t, "test");
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ruleId"] == "TN-04" && r["kind"] == "open" && r["level"] == "none"));
    let junit = report::junit(&ev, hostplan::policy::Severity::Warning);
    assert!(
        junit.contains("<skipped message=\"TN-04 not evaluated for truenas"),
        "{junit}"
    );
    let github = report::github(&ev, &source, &t);
    assert!(github.contains("title=TN-04 not evaluated"), "{github}");
}

#[test]
fn exports_leave_unknowns_out_or_refuse_naming_the_vm_and_field() {
    let (_, t) = site();
    // The TrueNAS boot disk's storage is unknown: its line cannot be written.
    let err = proxmox::export(&t).unwrap_err();
    assert!(
        err.0
            .iter()
            .any(|e| e.vm == "truenas" && e.field == "boot_storage"),
        "{err}"
    );
    let conf = proxmox::vm_conf(&t, vm(&t, "talos-w1")).unwrap();
    for absent in ["onboot:", "agent:", "machine:", "cpu:"] {
        assert!(!conf.contains(absent), "{absent} guessed in\n{conf}");
    }
    assert!(conf.contains("memory: 8192\n"), "{conf}");
    let err = terraform::hcl_resources(&t).unwrap_err();
    assert!(
        err.to_string()
            .contains("VM `truenas`: `boot_storage` is not known"),
        "{err}"
    );
    let notes = hostplan::export::unknown_notes(&t);
    assert!(notes
        .iter()
        .any(|n| n.contains("`truenas`: `memory_mib` is not known (main.tf:39:5)")));
}

#[test]
fn iommu_groups_prove_the_iommu_is_on_and_a_host_without_cpu_facts_is_not_judged() {
    let (_, mut t) = site();
    t.hosts[0].cpu = None;
    let facts = hostplan::policy::facts::facts(&t);
    // hba0 sits in IOMMU group 12: evidence that the IOMMU is on.
    assert_eq!(facts["hosts"]["srv01"]["iommu"], true);
    assert!(facts["hosts"]["srv01"]["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u == "interrupt_remapping"));
    t.devices[0].iommu_group = None;
    t.mappings[0].map[0].iommu_group = None;
    let facts = hostplan::policy::facts::facts(&t);
    assert!(facts["hosts"]["srv01"].get("iommu").is_none());
    let ev = RuleBook::builtin()
        .evaluate(&facts, &t.waivers, "2026-11-26", Limits::default())
        .unwrap();
    assert!(!ev
        .findings
        .iter()
        .any(|f| f.rule == "PT-01" && f.status == Status::Open));
    assert!(ev.findings.iter().any(|f| f.rule == "PT-01"
        && matches!(&f.status, Status::NotEvaluated { unknown } if unknown == &["iommu"])));
}
