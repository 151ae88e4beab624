//! Data-driven importer cases: each folder of `tests/cases/import/` is a repository (or a set
//! of command outputs) as people have them; every file in it is imported with the format the
//! folder's `format` file names (default `terraform`), and the fragment and the notes must be
//! exactly `expected.toml` and `expected.notes`. File names are relative to the folder, so the
//! notes' `file:line:col` read the same everywhere. `HOSTPLAN_BLESS=1 cargo test` rewrites
//! the expected files (review the diff).

use hostplan::import::{self, Format};
use std::path::{Path, PathBuf};

fn files_under(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if p.is_dir() {
            files_under(root, &p, out);
        } else if !name.starts_with("expected.")
            && !["format", "host"].contains(&name.as_str())
            && !std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("toml"))
        {
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn every_import_case_gives_exactly_its_expected_fragment_and_notes() {
    let bless = std::env::var_os("HOSTPLAN_BLESS").is_some();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(crate::fixture("cases/import"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let format = std::fs::read_to_string(dir.join("format"))
            .map_or_else(|_| "terraform".to_owned(), |s| s.trim().to_owned());
        let format = Format::from_name(&format).unwrap();
        let host = std::fs::read_to_string(dir.join("host")).ok();
        let mut files = Vec::new();
        files_under(&dir, &dir, &mut files);
        // Input that is clearly not the format is refused: the golden fragment is the error.
        let imported = match import::run(format, &files, host.as_deref().map(str::trim), None) {
            Ok(i) => i,
            Err(e) => import::Imported {
                topology: hostplan::model::Topology::default(),
                notes: vec![import::Note {
                    file: String::new(),
                    line: 0,
                    column: 0,
                    subject: "error".into(),
                    message: e.to_string(),
                }],
            },
        };
        let fragment = import::fragment_text(&imported.topology).unwrap();
        let notes: String = imported.notes.iter().fold(String::new(), |mut s, n| {
            s.push_str(&n.to_string());
            s.push('\n');
            s
        });
        for (file, actual) in [("expected.toml", &fragment), ("expected.notes", &notes)] {
            let path = dir.join(file);
            if bless {
                std::fs::write(&path, actual).unwrap();
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if &expected != actual {
                failures.push(format!(
                    "--- {}\nexpected:\n{expected}\nactual:\n{actual}",
                    path.display()
                ));
            }
        }
        // With the rest of the site (`site.toml`), the rule book's verdict on what was imported.
        if let Ok(site) = std::fs::read(dir.join("site.toml")) {
            let actual = findings(&site, &imported.topology);
            // The imported site must validate: a corpus case is a working configuration.
            if actual.contains("validation error") {
                failures.push(format!(
                    "--- {}: does not validate:\n{actual}",
                    dir.display()
                ));
            }
            let path = dir.join("expected.findings");
            if bless {
                std::fs::write(&path, &actual).unwrap();
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "--- {}\nexpected:\n{expected}\nactual:\n{actual}",
                    path.display()
                ));
            }
        }
        ran += 1;
    }
    assert!(ran >= 2, "no import cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `terraform show -json` of a plan and the HCL of the same repository import to the same VMs
/// and mappings (`homelab-plan/plan.json` is the plan of `homelab/hosts/srv01`).
#[test]
fn a_plan_and_its_configuration_import_to_the_same_topology() {
    let read = |dir: &str| {
        let root = crate::fixture(&format!("cases/import/{dir}"));
        let mut files = Vec::new();
        files_under(&root, &root, &mut files);
        files
    };
    let mut hcl = read("homelab");
    // The plan is of the srv01 root module (and the modules it calls).
    hcl.retain(|(n, _)| !n.starts_with("hosts/srv02"));
    let from_hcl = import::run(Format::Terraform, &hcl, None, None)
        .unwrap()
        .topology;
    let from_plan = import::run(Format::Terraform, &read("homelab-plan"), None, None)
        .unwrap()
        .topology;
    let sorted = |t: &hostplan::model::Topology| {
        let mut vms = t.vms.clone();
        vms.sort_by(|a, b| a.id.cmp(&b.id));
        vms
    };
    assert_eq!(sorted(&from_plan), sorted(&from_hcl));
    assert_eq!(from_plan.mappings, from_hcl.mappings);
    assert_eq!(from_plan.vms.len(), 3);
    // The state of the same repository: the same, but for the module sources, which a state
    // does not record (a plan's `configuration` does).
    let from_state = import::run(Format::Terraform, &read("homelab-state"), None, None)
        .unwrap()
        .topology;
    let without_modules = |t: &hostplan::model::Topology| {
        let mut vms = sorted(t);
        for vm in &mut vms {
            vm.module = None;
        }
        vms
    };
    assert_eq!(without_modules(&from_state), without_modules(&from_hcl));
    assert_eq!(from_state.mappings, from_hcl.mappings);
}

/// The site with the imported fragment in it: its validation errors (there must be none) and
/// every finding, one `level rule resource [not evaluated: facts]` line each, sorted.
fn findings(site: &[u8], fragment: &hostplan::model::Topology) -> String {
    use hostplan::policy::{Limits, RuleBook, Status};
    let mut t = hostplan::source::parse("site.toml", site).topology.unwrap();
    t.vms.extend(fragment.vms.iter().cloned());
    t.mappings.extend(fragment.mappings.iter().cloned());
    t.disks.extend(fragment.disks.iter().cloned());
    t.pools.extend(fragment.pools.iter().cloned());
    t.devices.extend(fragment.devices.iter().cloned());
    let mut lines: Vec<String> = hostplan::validate::validate(&t)
        .into_iter()
        .filter(|d| d.severity == hostplan::diag::Severity::Error)
        .map(|d| format!("validation error[{}] {}", d.code, d.message))
        .collect();
    let ev = RuleBook::builtin()
        .evaluate(
            &hostplan::policy::facts::facts(&t),
            &t.waivers,
            "2026-12-01",
            Limits::default(),
        )
        .unwrap();
    lines.extend(ev.findings.iter().map(|f| match &f.status {
        Status::NotEvaluated { unknown } => format!(
            "{} {} {} not evaluated: {}",
            f.level.as_str(),
            f.rule,
            f.resource,
            unknown.join(", ")
        ),
        _ => format!("{} {} {}", f.level.as_str(), f.rule, f.resource),
    }));
    lines.sort();
    lines.dedup();
    lines.iter().fold(String::new(), |mut s, l| {
        s.push_str(l);
        s.push('\n');
        s
    })
}
