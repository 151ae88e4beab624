//! The CLI's documented exit codes and outputs, run as a real process.

use crate::fixture;
use std::io::Write as _;
use std::process::{Command, Stdio};

fn hostplan(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn both_examples_validate_with_exit_0() {
    for file in ["examples/seed.toml", "examples/roadmap-bare-metal.toml"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let (code, out) = hostplan(&["validate", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        assert!(out.ends_with(": valid\n"), "{out}");
    }
}

#[test]
fn findings_exit_1_with_a_rustc_style_snippet() {
    let path = fixture("cases/validate/unknown-host.toml");
    let (code, out) = hostplan(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[unknown-reference]: `hba0` refers to unknown host `srv1`"),
        "{out}"
    );
    assert!(out.contains("unknown-host.toml:8:8"), "{out}");
    assert!(
        out.contains("8 | host = \"srv1\"\n  |        ^^^^^^"),
        "{out}"
    );
    assert!(out.contains("help: did you mean `srv01`?"), "{out}");
}

#[test]
fn unusable_input_and_usage_errors_exit_2() {
    let path = fixture("cases/validate/syntax-error.toml");
    assert_eq!(hostplan(&["validate", path.to_str().unwrap()]).0, 2);
    assert_eq!(hostplan(&["validate", "/nonexistent/topology.toml"]).0, 2);
    assert_eq!(hostplan(&["validate"]).0, 2);
    assert_eq!(hostplan(&["no-such-command"]).0, 2);
}

#[test]
fn stdin_and_json_output() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(["validate", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"schema_version = 1\n[[vms]]\nid = \"a\"\nvmid = 100\nhost = \"nope\"\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "unknown-reference");
    assert_eq!(d["id"], "nope");
    assert_eq!(d["path"], "vms[0].host");
    assert_eq!(d["location"]["line"], 5);
    assert_eq!(d["location"]["column"], 8);
}

#[test]
fn schema_subcommand_prints_the_json_schema() {
    let (code, out) = hostplan(&["schema"]);
    assert_eq!(code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(schema, hostplan::schema::json_schema());
    assert!(schema["$defs"]["HostPci"]["properties"]["mapping"].is_object());
}

#[test]
fn check_gates_on_severity_and_reports_in_every_format() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let seed = seed.to_str().unwrap();
    assert_eq!(
        hostplan(&["check", seed]).0,
        0,
        "the seed passes the default gate"
    );
    assert_eq!(
        hostplan(&["check", seed, "--fail-on", "info"]).0,
        1,
        "it has advice"
    );
    let broken = fixture("cases/policy/pcie-on-i440fx.toml");
    let broken = broken.to_str().unwrap();
    let (code, out) = hostplan(&["check", broken]);
    assert_eq!(code, 1);
    assert!(out.contains("error[PT-06] truenas sets pcie=1"), "{out}");
    for format in ["json", "sarif"] {
        let (code, out) = hostplan(&["check", broken, "--format", format]);
        assert_eq!(code, 1);
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }
    let (_, junit) = hostplan(&["check", broken, "--format", "junit"]);
    assert!(
        junit.starts_with("<?xml") && junit.contains("<failure"),
        "{junit}"
    );
    let (_, gh) = hostplan(&["check", broken, "--format", "github"]);
    assert!(gh.starts_with("::error file="), "{gh}");
}

#[test]
fn a_broken_user_policy_is_an_error_with_its_position() {
    let dir = std::env::temp_dir().join(format!("hostplan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.rego");
    std::fs::write(
        &bad,
        "package bad\n\nimport rego.v1\n\ndeny contains x if {\n\tx := [1,\n}\n",
    )
    .unwrap();
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args([
            "check",
            seed.to_str().unwrap(),
            "--policy",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:", bad.display())), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn policy_subcommands_list_test_and_document_the_rule_book() {
    let (code, out) = hostplan(&["policy", "list"]);
    assert_eq!(code, 0);
    assert!(out.lines().count() >= 40);
    assert!(
        out.contains("PT-06    error    pcie=1 requires a q35 machine type"),
        "{out}"
    );
    let (code, out) = hostplan(&["policy", "test"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.trim_end().ends_with(" passed, 0 failed"), "{out}");
    let doc = std::env::temp_dir().join(format!("hostplan-rules-{}.md", std::process::id()));
    assert_eq!(
        hostplan(&["policy", "doc", "-o", doc.to_str().unwrap()]).0,
        0
    );
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(text.contains("## PT-06"));
    std::fs::remove_file(&doc).unwrap();
}

fn hostplan_err(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exported_proxmox_configs_import_back_with_notes_on_stderr() {
    let dir = std::env::temp_dir().join(format!("hostplan-conf-{}", std::process::id()));
    let seed = fixture("../examples/seed.toml");
    let (code, _, err) = hostplan_err(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "proxmox",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let conf = dir.join("100.conf");
    let (code, out, err) = hostplan_err(&[
        "import",
        "--from",
        "proxmox-conf",
        "--host",
        "srv01",
        conf.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let fragment: hostplan::model::Topology = toml::from_str(&out).unwrap();
    let seed_vm = &hostplan::examples::seed().unwrap().vms[0];
    let vm = &fragment.vms[0];
    assert_eq!(
        (
            &vm.id,
            vm.vmid,
            &vm.host,
            vm.memory_mib,
            vm.balloon_mib,
            &vm.hostpci
        ),
        (
            &seed_vm.id,
            seed_vm.vmid,
            &seed_vm.host,
            seed_vm.memory_mib,
            seed_vm.balloon_mib,
            &seed_vm.hostpci
        )
    );
    assert!(
        err.contains("100.conf:1:1: description: VM description not modelled: truenas (hostplan)"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hardware_imports_need_a_host_and_typed_exports_report_what_they_cannot_fill() {
    let seed = fixture("../examples/seed.toml");
    let (code, _, err) = hostplan_err(&["import", "--from", "pvesh-pci", seed.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`pvesh-pci` describes one host's hardware"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("hostplan-vars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("variables.tf"),
        "variable \"res_cpu_cores\" { type = number }\nvariable \"ssh_key\" { type = string }\n",
    )
    .unwrap();
    // Terraform merges several tfvars files: a required input hostplan cannot fill is
    // reported and the rest written…
    let (code, _, err) = hostplan_err(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "tfvars",
        "--variables",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("`ssh_key` (") && err.contains("variables.tf:2) is required"),
        "{err}"
    );
    // …and with --strict it is an error, nothing written.
    let (code, _, err) = hostplan_err(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "tfvars",
        "--variables",
        dir.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("variable `ssh_key` ("), "{err}");
    assert!(
        err.contains("variables.tf:2): required (no default)"),
        "{err}"
    );

    std::fs::write(
        dir.join("variables.tf"),
        "variable \"res_cpu_cores\" { type = string }\n",
    )
    .unwrap();
    let (code, out, err) = hostplan_err(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "tfvars",
        "--variables",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"res_cpu_cores\": \"6\""), "{out}");
    assert!(err.contains("declares no `res_hostpci`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Export of a topology whose values would inject config lines is refused before anything is
/// written; an export that fails half-way (a file name the file system refuses) writes nothing.
#[test]
fn exports_are_refused_whole_or_written_whole() {
    let dir = std::env::temp_dir().join(format!("hostplan-cli-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let seed = hostplan::examples::SEED;
    let evil = seed.replacen(
        "cpu_type = \"host\"",
        "cpu_type = \"host\\nhookscript: local:snippets/pwn.pl\"",
        1,
    );
    assert!(evil.len() > seed.len(), "the seed's CPU type was not found");
    let file = std::env::temp_dir().join(format!("hostplan-evil-{}.toml", std::process::id()));
    std::fs::write(&file, &evil).unwrap();
    let (code, out) = hostplan(&[
        "export",
        file.to_str().unwrap(),
        "--format",
        "proxmox",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(!dir.exists(), "nothing may be written for a refused export");

    // A VM id of 5,000 characters: its tfvars file name is too long for the file system.
    let long = "a".repeat(5000);
    let long_ids = seed.replace("\"talos-w2\"", &format!("\"{long}\""));
    assert!(long_ids.len() > seed.len(), "the seed has no talos-w2");
    std::fs::write(&file, &long_ids).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(["export", file.to_str().unwrap(), "--format", "tfvars", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_file(&file).unwrap();
}

/// `import --into` merges the imported VMs into the hand-kept rest of the site: a whole
/// topology that validates (the CI recipe in docs/export.md builds on it).
#[test]
fn import_into_a_site_gives_a_valid_topology() {
    let plan = fixture("cases/import/homelab-plan/plan.json");
    let site = fixture("cases/import/homelab/site.toml");
    let out = std::env::temp_dir().join(format!("hostplan-into-{}.toml", std::process::id()));
    let (code, _, err) = hostplan_err(&[
        "import",
        "--from",
        "terraform",
        plan.to_str().unwrap(),
        "--into",
        site.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("added HBA, talos-w1, talos-w2, truenas"),
        "{err}"
    );
    let (code, text) = hostplan(&["validate", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let merged = std::fs::read_to_string(&out).unwrap();
    assert!(merged.contains("id = \"srv01\"") && merged.contains("id = \"truenas\""));
    std::fs::remove_file(&out).unwrap();
}

/// A valid topology never makes `check` exit 2: PT-20 printed a fractional GiB with `%d`
/// (TrueNAS with `memory_mib = 70000`), which regorus refuses.
#[test]
fn fractional_values_in_messages_do_not_break_check() {
    let seed = hostplan::examples::SEED.replacen(
        "memory_mib = 32768    # 32 GB ECC RAM, critical for ARC",
        "memory_mib = 70000",
        1,
    );
    assert!(seed.contains("memory_mib = 70000"));
    let file = std::env::temp_dir().join(format!("hostplan-70000-{}.toml", std::process::id()));
    std::fs::write(&file, &seed).unwrap();
    let (code, out) = hostplan(&["check", file.to_str().unwrap(), "--fail-on", "info"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("truenas pins 68 GiB at start"), "{out}");
    std::fs::remove_file(&file).unwrap();
}

/// `graph` on a topology with errors says why it draws nothing (it used to print nothing and
/// exit 0); SARIF rules without a reference have no `helpUri` (not `null`); GitHub titles have
/// no trailing space; JUnit gives one `<failure>` per test case.
#[test]
fn report_details_are_well_formed() {
    let bad = fixture("cases/validate/unknown-host.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(["graph", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not drawn: fix the errors first"));

    let dir = std::env::temp_dir().join(format!("hostplan-user-rule-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("mine.rego");
    std::fs::write(
        &policy,
        "package mine\nimport rego.v1\n\n# METADATA\n# title: no big VMs\n# custom:\n#   id: MY-01\n#   severity: warning\nwarn contains {\"rule\": \"MY-01\", \"resource\": id, \"message\": \"big\"} if { some id, vm in input.vms; vm.cores > 4 }\nwarn contains {\"rule\": \"MY-01\", \"resource\": id, \"message\": \"huge\"} if { some id, vm in input.vms; vm.cores > 5 }\n",
    )
    .unwrap();
    let seed = fixture("../examples/seed.toml");
    let args = |format: &str| {
        vec![
            "check".to_owned(),
            seed.to_str().unwrap().to_owned(),
            "--policy".into(),
            policy.to_str().unwrap().to_owned(),
            "--format".into(),
            format.to_owned(),
        ]
    };
    let run = |format: &str| {
        let a = args(format);
        hostplan(&a.iter().map(String::as_str).collect::<Vec<_>>()).1
    };
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mine = rules.iter().find(|r| r["id"] == "MY-01").unwrap();
    assert!(mine.get("helpUri").is_none(), "{mine}");
    assert!(rules
        .iter()
        .all(|r| r.get("helpUri").is_none_or(serde_json::Value::is_string)));
    let github = run("github");
    assert!(
        github
            .lines()
            .all(|l| !l.contains(" ,") && !l.contains(" ::")),
        "{github}"
    );
    let junit = {
        let mut a = args("junit");
        a.extend(["--fail-on".to_owned(), "warning".to_owned()]);
        hostplan(&a.iter().map(String::as_str).collect::<Vec<_>>()).1
    };
    // One test case per finding, each with its own name and one <failure>.
    let cases: Vec<&str> = junit
        .split("<testcase")
        .filter(|c| c.contains("MY-01 truenas"))
        .collect();
    assert_eq!(cases.len(), 2, "{junit}");
    assert!(cases[0].contains("name=\"MY-01 truenas (1)\""), "{junit}");
    assert!(cases[1].contains("name=\"MY-01 truenas (2)\""), "{junit}");
    assert!(cases.iter().all(|c| c.matches("<failure").count() == 1));
    let messages: Vec<bool> = ["big", "huge"]
        .iter()
        .map(|m| {
            cases
                .iter()
                .any(|c| c.contains(&format!("message=\"{m}\"")))
        })
        .collect();
    assert_eq!(messages, [true, true], "{junit}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An endless standard input stops at the input cap instead of being read whole first.
#[test]
fn endless_stdin_stops_at_the_cap() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Write until hostplan stops reading (the pipe breaks), far past the 128 MiB cap.
    let line = b"# comment line of an endless stream\n".repeat(1024);
    let mut written = 0usize;
    while written < 512 * 1024 * 1024 {
        if stdin.write_all(&line).is_err() {
            break;
        }
        written += line.len();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(written < 512 * 1024 * 1024, "hostplan kept reading");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("larger than"));
}

/// Shell completions and the man page come from the same command definitions.
#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out) = hostplan(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(
            out.contains("hostplan") && out.contains("validate"),
            "{shell}"
        );
    }
    let (code, out) = hostplan(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(".TH hostplan 1") && out.contains("validate"),
        "{out}"
    );
}

/// The JSON Schema the static site publishes (`schema/v1.json`) is the current one.
#[test]
fn the_published_schema_is_current() {
    let committed = std::fs::read_to_string(fixture("../schema/v1.json")).unwrap();
    let (code, out) = hostplan(&["schema"]);
    assert_eq!(code, 0);
    assert_eq!(committed, out, "run `hostplan schema > schema/v1.json`");
}

/// The facts schema the docs publish (`docs/facts.schema.json`) is the one generated from the
/// facts' types.
#[test]
fn the_published_facts_schema_is_current() {
    let committed = std::fs::read_to_string(fixture("../docs/facts.schema.json")).unwrap();
    let (code, out) = hostplan(&["schema", "--facts"]);
    assert_eq!(code, 0);
    assert_eq!(
        committed, out,
        "run `hostplan schema --facts > docs/facts.schema.json`"
    );
}

/// `hostplan policy eval` judges a facts document as `check` judges the topology it came from:
/// the same findings and "not evaluated" entries (without locations, there being no file to
/// point into); a document that is not JSON is exit 2.
#[test]
fn policy_eval_on_facts_gives_checks_findings() {
    let case = fixture("cases/policy/truenas-4gib.toml");
    let tmp = std::env::temp_dir().join(format!("hostplan-policy-eval-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let facts = tmp.join("facts.json");
    let (code, out) = hostplan(&["facts", case.to_str().unwrap()]);
    assert_eq!(code, 0);
    std::fs::write(&facts, out).unwrap();
    let (code, out) = hostplan(&["policy", "eval", facts.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let ours: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (_, out) = hostplan(&["check", case.to_str().unwrap(), "--format", "json"]);
    let mut checked: serde_json::Value = serde_json::from_str(&out).unwrap();
    for list in ["findings", "not_evaluated"] {
        for f in checked[list].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("location");
        }
        assert_eq!(ours[list], checked[list], "{list}");
    }
    assert!(
        ours["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "TN-04"),
        "{ours}"
    );
    std::fs::write(&facts, "{\"hosts\": ").unwrap();
    let (code, _, err) = hostplan_err(&["policy", "eval", facts.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON document"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Several facts documents in one `policy eval` (the rule book loaded once, as
/// `tests/compat/message_parity.py` uses it): one JSON line each, in the order given, each what
/// the document alone gives; a bad one names itself.
#[test]
fn policy_eval_of_several_documents_gives_one_line_each() {
    let tmp = std::env::temp_dir().join(format!("hostplan-policy-evals-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut paths = Vec::new();
    for case in [
        "cases/policy/truenas-4gib.toml",
        "cases/policy/iommu-group-split.toml",
    ] {
        let (code, out) = hostplan(&["facts", fixture(case).to_str().unwrap()]);
        assert_eq!(code, 0);
        let path = tmp.join(format!("{}.json", paths.len()));
        std::fs::write(&path, out).unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    let (code, out) = hostplan(&["policy", "eval", &paths[0], &paths[1], &paths[0]]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (line, path) in lines.iter().zip([&paths[0], &paths[1], &paths[0]]) {
        let (_, alone) = hostplan(&["policy", "eval", path]);
        assert_eq!(
            *line,
            serde_json::from_str::<serde_json::Value>(&alone).unwrap()
        );
    }
    let rules = |v: &serde_json::Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(rules(&lines[0]).contains(&"TN-04".into()), "{out}");
    assert!(rules(&lines[1]).contains(&"PT-04".into()), "{out}");
    assert!(!rules(&lines[1]).contains(&"TN-04".into()), "{out}");
    let bad = tmp.join("bad.json");
    std::fs::write(&bad, "[1, ").unwrap();
    let (code, _, err) = hostplan_err(&["policy", "eval", &paths[0], bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json: not a JSON document"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Editors find a JSON topology's schema by its `"$schema"` key (docs/format.md): hostplan
/// accepts the key at the top of the file, and only there, and the published schema
/// (`schema/v1.json`) declares it, as a string.
#[test]
fn a_json_topology_may_name_its_schema() {
    let mut doc: serde_json::Value = toml::from_str(hostplan::examples::SEED).unwrap();
    doc["$schema"] = "https://example.org/hostplan/schema/v1.json".into();
    let tmp = std::env::temp_dir().join(format!("hostplan-schema-key-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let file = tmp.join("seed.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (code, out) = hostplan(&["validate", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{out}");

    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("../schema/v1.json")).unwrap())
            .unwrap();
    assert_eq!(published["properties"]["$schema"]["type"], "string");
    let mut errors = Vec::new();
    crate::policy::schema_errors(&published, &published, &doc, "", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    // The schema check can fail: a `$schema` that is not a string breaks it.
    let mut bad = doc.clone();
    bad["$schema"] = 1.into();
    crate::policy::schema_errors(&published, &published, &bad, "", &mut errors);
    assert!(errors.iter().any(|e| e.contains("$schema")), "{errors:?}");

    // Anywhere else the key is what it is for any other unknown key: an error.
    doc["hosts"][0]["$schema"] = "schema/v1.json".into();
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let (code, out) = hostplan(&["validate", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("unknown key `$schema` at `hosts[0].$schema`"),
        "{out}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The GitHub Action's check step (`scripts/action/run.sh`), run as the composite runs it:
/// annotations on stdout, a SARIF file per topology in the folder it names as its output, the
/// specs verified, and a failing step when a topology fails the gate.
#[test]
fn the_github_action_check_step_annotates_writes_sarif_and_fails_on_findings() {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_hostplan"))
        .parent()
        .unwrap()
        .to_owned();
    let tmp = std::env::temp_dir().join(format!("hostplan-action-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run_the_action_check_step(&tmp, &path);
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// The Action's check step with `path` as `PATH`, in `tmp` (its `RUNNER_TEMP`), on the seed, a
/// topology that fails the gate and one that does not validate, and a spec of the seed.
fn run_the_action_check_step(tmp: &std::path::Path, path: &str) {
    let seed = fixture("../examples/seed.toml");
    let broken = fixture("cases/policy/truenas-4gib.toml");
    let invalid = fixture("cases/validate/bad-pci-address.toml");
    let spec_dir = tmp.join("spec");
    let (code, _) = hostplan(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "spec",
        "-o",
        spec_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let github_output = tmp.join("output");
    let out = Command::new("bash")
        .arg(fixture("../scripts/action/run.sh"))
        .env("PATH", path)
        .env(
            "HOSTPLAN_PATHS",
            format!(
                "{} {} {}",
                seed.display(),
                broken.display(),
                invalid.display()
            ),
        )
        .env("HOSTPLAN_SPECS", spec_dir.join("hostplan.spec.json"))
        .env("HOSTPLAN_FAIL_ON", "error")
        .env("RUNNER_TEMP", tmp)
        .env("GITHUB_OUTPUT", &github_output)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("::error file="), "{stdout}");
    assert!(stdout.contains("TN-04"), "{stdout}");
    // A topology that does not validate is annotated with its diagnostics at their lines, and
    // its SARIF lists them (it used to print nothing and write an empty file).
    let invalid_name = invalid.display().to_string().replace(':', "%3A");
    assert!(
        stdout.contains(&format!("::error file={invalid_name},line=")),
        "{stdout}"
    );
    assert!(stdout.contains("title=hostplan "), "{stdout}");
    let outputs = std::fs::read_to_string(&github_output).unwrap();
    let sarif_dir = outputs.trim().strip_prefix("sarif=").unwrap();
    for i in [1, 2, 3] {
        let text = std::fs::read_to_string(format!("{sarif_dir}/check-{i}.sarif")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        assert!(i < 3 || !doc["runs"][0]["results"].as_array().unwrap().is_empty());
    }
}

/// The Action's first step (`scripts/action/install.sh`) as the composite runs it on a runner
/// without hostplan: `cargo install --locked --path` of the Action's checkout into
/// `$HOME/.hostplan`, that folder added to `$GITHUB_PATH`; then the check step runs with that
/// folder first on `PATH`, as the runner puts it, so the installed binary is the one used.
/// Offline (`CARGO_NET_OFFLINE`: `scripts/setup` fetched every crate). Ignored by default, as it
/// builds hostplan again; CI runs it with the other ignored tests. What it does not test is the
/// release profile's optimisation: cargo's `CARGO_PROFILE_RELEASE_*` variables lower it (no
/// LTO, opt-level 0) and the build has its own target folder, so the step costs CI a plain
/// build's minutes rather than an LTO build's.
#[test]
#[ignore = "builds hostplan with `cargo install` (minutes); CI runs it"]
fn the_github_action_installs_hostplan_and_its_check_step_uses_that_binary() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::path::Path::new(env!("CARGO_BIN_EXE_hostplan"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_owned();
    let tmp = std::env::temp_dir().join(format!("hostplan-install-{}", std::process::id()));
    let home = tmp.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let real_home = std::env::var("HOME").unwrap();
    // The runner's PATH, less any folder that already has a `hostplan` (this build's, or one
    // installed on the machine): the step must install it, not find it.
    let runner_path = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .filter(|d| !d.join("hostplan").exists())
        .collect::<Vec<_>>();
    let runner_path = std::env::join_paths(&runner_path).unwrap();
    let github_path = tmp.join("github_path");
    let out = Command::new("bash")
        .arg(repo.join("scripts/action/install.sh"))
        .env("PATH", &runner_path)
        .env("HOME", &home)
        .env(
            "CARGO_HOME",
            std::env::var("CARGO_HOME").unwrap_or(format!("{real_home}/.cargo")),
        )
        .env(
            "RUSTUP_HOME",
            std::env::var("RUSTUP_HOME").unwrap_or(format!("{real_home}/.rustup")),
        )
        .env("GITHUB_ACTION_PATH", repo)
        .env("GITHUB_PATH", &github_path)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_TARGET_DIR", target.join("action-install"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(!stdout.contains("already installed"), "{stdout}");
    let added = std::fs::read_to_string(&github_path).unwrap();
    let bin_dir = home.join(".hostplan/bin");
    assert_eq!(added.trim(), bin_dir.to_str().unwrap(), "{added}");
    let installed = bin_dir.join("hostplan");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("hostplan "),
        "{version:?}"
    );
    // The runner prepends $GITHUB_PATH's folders to PATH for the steps after.
    let mut path = std::env::split_paths(&runner_path).collect::<Vec<_>>();
    path.insert(0, bin_dir.clone());
    let path = std::env::join_paths(&path).unwrap();
    let found = Command::new("bash")
        .args(["-c", "command -v hostplan"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&found.stdout).trim(),
        installed.to_str().unwrap()
    );
    run_the_action_check_step(&tmp, path.to_str().unwrap());
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// A recursive user policy is refused at load time with its location (it used to overflow the
/// stack and abort the process, exit 134).
#[test]
fn a_recursive_policy_is_a_located_error_not_an_abort() {
    let dir = std::env::temp_dir().join(format!("hostplan-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("rec.rego");
    std::fs::write(
        &policy,
        "package rec\nimport rego.v1\n\nf(x) := y if {\n\ty := g(x)\n}\n\ng(x) := f(x + 1)\n\ndeny contains {\"rule\": \"R-1\", \"resource\": \"x\", \"message\": \"m\"} if {\n\tf(1) > 0\n}\n",
    )
    .unwrap();
    let seed = fixture("../examples/seed.toml");
    let (code, _, err) = hostplan_err(&[
        "check",
        seed.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("rec.rego:8:9: recursion is not allowed in Rego: f → g → f"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `*_test.rego` named on its own for `check` is refused with the command that runs it, not
/// skipped silently (it would look as if it had been evaluated); in a folder it is left out.
#[test]
fn a_test_file_named_for_check_is_refused_not_skipped() {
    let dir = std::env::temp_dir().join(format!("hostplan-testfile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let test = dir.join("mine_test.rego");
    std::fs::write(
        &test,
        "package mine_test\nimport rego.v1\ntest_nothing if { true }\n",
    )
    .unwrap();
    let seed = "examples/seed.toml";
    let (code, _, err) = hostplan_err(&["check", seed, "--policy", test.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a test file"), "{err}");
    assert!(err.contains("hostplan policy test --policy"), "{err}");
    let (code, _, err) = hostplan_err(&["check", seed, "--policy", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "a folder's test files are left out: {err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn compare_reports_the_new_spof_and_worse_downtime_as_json_and_text() {
    let a = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let b = fixture("cases/compare/seed-second-storage-nic.toml");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let (code, out) = hostplan(&["compare", a, b, "--format", "json", "--today", "2026-11-26"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The per-service comparison keeps its keys.
    assert!(
        v["services"].is_array() && v["all_ready_a"].is_number(),
        "{v}"
    );
    let d = &v["delta"];
    assert_eq!(d["spofs"][0]["change"], "added", "{d}");
    assert_eq!(d["spofs"][0]["component"], "nic3", "{d}");
    assert_eq!(d["spofs"].as_array().unwrap().len(), 1, "{d}");
    let iscsi = d["availability"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "iscsi-k8s")
        .unwrap();
    assert!(
        (iscsi["before_min"].as_f64().unwrap() - 405.0).abs() < 0.5,
        "{iscsi}"
    );
    assert!(
        (iscsi["after_min"].as_f64().unwrap() - 447.0).abs() < 0.5,
        "{iscsi}"
    );
    assert!(d["findings"].is_array() && d["pairs"].is_array(), "{d}");
    let (code, text) = hostplan(&["compare", a, b, "--today", "2026-11-26", "--no-pairs"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("single points of failure: +1 −0"), "{text}");
    assert!(
        text.contains("+ nic3 (takes down iscsi-k8s, talos#volumes)"),
        "{text}"
    );
    assert!(
        text.contains("iscsi-k8s: 405 → 447 min/yr (+42, worse)"),
        "{text}"
    );
    assert!(!text.contains("N-2"), "{text}");
    let (_, same) = hostplan(&["compare", a, a, "--today", "2026-11-26"]);
    assert!(same.contains("nothing changed"), "{same}");
}

/// Every pre-commit hook's `entry`, run as pre-commit runs it: with every matching staged file
/// at once. It used to take one file only, so any commit touching two topologies failed with
/// "unexpected argument". Now each file is reported in turn and the worst verdict decides.
#[test]
fn pre_commit_hooks_take_every_staged_file_at_once() {
    let hooks = std::fs::read_to_string(fixture("../.pre-commit-hooks.yaml")).unwrap();
    let entries: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("entry: "))
        .collect();
    assert_eq!(
        entries,
        ["hostplan validate", "hostplan check", "hostplan verify"]
    );
    let tmp = std::env::temp_dir().join(format!("hostplan-precommit-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let seed = fixture("../examples/seed.toml");
    let roadmap = fixture("../examples/roadmap-bare-metal.toml");
    let broken = fixture("cases/policy/truenas-4gib.toml");
    let invalid = fixture("cases/validate/bad-pci-address.toml");
    let mut specs = Vec::new();
    for (name, file) in [("a", &seed), ("b", &roadmap)] {
        let dir = tmp.join(name);
        let (code, _) = hostplan(&[
            "export",
            file.to_str().unwrap(),
            "--format",
            "spec",
            "-o",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(code, 0);
        specs.push(dir.join("hostplan.spec.json"));
    }
    let run = |entry: &str, files: &[&std::path::Path]| {
        let mut args: Vec<&str> = entry.split_whitespace().skip(1).collect();
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        hostplan_err(&args)
    };
    // Clean files pass together; each is named in the report.
    let (code, out, err) = run(entries[0], &[&seed, &roadmap]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("seed.toml: valid") && out.contains("roadmap-bare-metal.toml: valid"));
    let (code, out, err) = run(entries[1], &[&seed, &roadmap]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(entries[2], &[&specs[0], &specs[1]]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches(": verified").count(), 2, "{out}");
    // One bad file among good ones fails the hook, and the files after it are still read.
    let (code, out, err) = run(entries[0], &[&invalid, &seed]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("seed.toml: valid"), "{out}");
    let (code, out, err) = run(entries[1], &[&broken, &seed]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("TN-04"), "{out}");
    let missing = tmp.join("missing.spec.json");
    let (code, out, err) = run(entries[2], &[&missing, &specs[1]]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains(": verified"), "{out}");
    assert!(err.contains("missing.spec.json"), "{err}");
    // A one-document format refuses several files instead of printing two documents.
    let (code, _, err) = hostplan_err(&[
        "check",
        seed.to_str().unwrap(),
        roadmap.to_str().unwrap(),
        "--format",
        "sarif",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("2 files given"), "{err}");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `hostplan maintain` refuses what it cannot plan, with exit 2 and a message that points:
/// an unknown host (with the closest id), an id that is not a host, a format it does not
/// write, and a topology with errors (each located as `file:line:column`, nothing planned).
#[test]
fn maintain_refuses_unknown_hosts_bad_formats_and_broken_topologies() {
    let (code, out, err) = hostplan_err(&["maintain", "examples/seed.toml", "--host", "srv1"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("unknown component `srv1` (did you mean `srv01`?)"),
        "{err}"
    );
    let (code, _, err) = hostplan_err(&["maintain", "examples/seed.toml", "--host", "truenas"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`truenas` is not a host"), "{err}");
    let (code, _, err) = hostplan_err(&[
        "maintain",
        "examples/seed.toml",
        "--host",
        "srv01",
        "--format",
        "yaml",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid value 'yaml' for '--format"), "{err}");
    assert!(err.contains("text, markdown, json, script"), "{err}");
    let bad = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("maintain-broken.toml");
    std::fs::write(
        &bad,
        "schema_version = 1\n\n[[hosts]]\nid = \"srv01\"\n\n[[vms]]\nid = \"a\"\nvmid = 100\nhost = \"nope\"\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let (code, out, err) = hostplan_err(&["maintain", bad, "--host", "srv01"]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "a plan of a broken model: {out}");
    assert!(
        err.contains("error[unknown-reference]: `a` refers to unknown host `nope`"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {bad}:9:8")), "{err}");
    assert!(err.contains("has errors: fix them first"), "{err}");
}

/// `hostplan boot --gated` on the seed: the Talos VMs wait in their hookscripts until iSCSI
/// answers, so nothing backs off; everything is ready later than with the fixed delays (their
/// boot no longer overlaps TrueNAS's), and the table says both.
#[test]
fn boot_gated_compares_the_seed_with_fixed_delays() {
    let (code, out) = hostplan(&["boot", "examples/seed.toml", "--gated"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("talos-cp1        waiting        hookscript pre-start waits for iscsi-k8s"),
        "{out}"
    );
    assert!(
        out.contains("  all ready                  282.5 s    321.0 s"),
        "{out}"
    );
    assert!(
        out.contains("  talos volumes              282.5 s    321.0 s"),
        "{out}"
    );
    assert!(!out.contains("kubelet back-off"), "{out}");
    let (code, out) = hostplan(&["boot", "examples/cluster-ha.toml", "--gated"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("  all ready                    never    320.0 s"),
        "{out}"
    );
    assert!(
        out.contains("  failed starts                    3          0"),
        "{out}"
    );
}
