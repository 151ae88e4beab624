//! The policy engine: the rule book's own tests, the broken variants, waivers, user policies,
//! limits and output formats.

use hostplan::policy::{
    report, Limits, PolicyError, PolicyFile, RuleBook, Severity, Status, WaiverState, BUILTIN_TESTS,
};
use std::collections::BTreeSet;

fn seed() -> hostplan::model::Topology {
    hostplan::examples::seed().unwrap()
}

fn evaluate(t: &hostplan::model::Topology) -> hostplan::policy::Evaluation {
    let facts = hostplan::policy::facts::facts(t);
    RuleBook::builtin()
        .evaluate(&facts, &t.waivers, "2026-11-26", Limits::default())
        .unwrap()
}

#[test]
fn every_rule_test_passes_through_the_shipped_engine() {
    let tests: Vec<PolicyFile> = BUILTIN_TESTS
        .iter()
        .map(|(p, t)| PolicyFile {
            path: (*p).into(),
            text: (*t).into(),
        })
        .collect();
    let results = RuleBook::builtin()
        .run_tests(&tests, Limits::default())
        .unwrap();
    let failed: Vec<_> = results.iter().filter(|r| r.1.is_err()).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(results.len() >= 100, "only {} rule tests", results.len());
}

#[test]
fn the_rule_book_covers_every_section_with_at_least_40_rules_each_tested_both_ways() {
    let rules = RuleBook::builtin().rules();
    assert!(rules.len() >= 40, "{} rules", rules.len());
    let sections: BTreeSet<&str> = rules
        .iter()
        .map(|r| r.id.split('-').next().unwrap())
        .collect();
    assert_eq!(
        sections,
        BTreeSet::from([
            "BOOT", "CLU", "DR", "FD", "K8S", "LAN", "NET", "OPS", "PT", "PWR", "TN", "ZFS"
        ])
    );
    let tests: String = BUILTIN_TESTS.iter().map(|(_, t)| *t).collect();
    for r in &rules {
        assert!(
            !r.title.is_empty() && !r.references.is_empty(),
            "{} lacks title or reference",
            r.id
        );
        assert!(
            matches!(r.severity.as_str(), "error" | "warning" | "info"),
            "{}",
            r.id
        );
        // Each rule is named by at least two tests: one where it stays quiet, one where it fires.
        let key = r.id.to_lowercase().replace('-', "");
        let n = tests
            .lines()
            .filter(|l| l.starts_with(&format!("test_{key}_")))
            .count();
        assert!(n >= 2, "{} has {n} test(s)", r.id);
    }
}

#[test]
fn the_seed_fixture_is_the_seeds_facts() {
    let fixture: serde_json::Value = serde_json::from_str(hostplan::policy::SEED_FIXTURE).unwrap();
    assert_eq!(
        fixture,
        hostplan::policy::facts::facts(&seed()),
        "run `hostplan facts examples/seed.toml > policies/fixtures/seed/data.json`"
    );
}

#[test]
fn the_seed_passes_the_default_gate_with_advice_only() {
    let ev = evaluate(&seed());
    assert_eq!(
        ev.blocking(Severity::Warning).count(),
        0,
        "{:#?}",
        ev.findings
    );
    assert!(ev.findings.iter().any(|f| f.rule == "TN-09"));
}

#[test]
fn each_broken_variant_triggers_exactly_the_rule_meant() {
    let mut ran = 0;
    for path in crate::case_files("cases/policy", &["toml"]) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = hostplan::check(&name, &std::fs::read(&path).unwrap());
        assert!(!report.has_errors(), "{name}: {:#?}", report.diagnostics);
        let ev = evaluate(report.topology.as_ref().unwrap());
        let mut actual: Vec<String> = ev
            .findings
            .iter()
            .filter(|f| f.level > Severity::Info)
            .map(|f| format!("{} {} {}", f.level.as_str(), f.rule, f.resource))
            .collect();
        actual.dedup();
        actual.sort();
        if std::env::var_os("HOSTPLAN_BLESS").is_some() {
            let mut text = actual.join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            std::fs::write(path.with_extension("expect"), text).unwrap();
        }
        let expected: Vec<String> = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(actual, expected, "{name}");
        ran += 1;
    }
    assert!(ran >= 8);
}

#[test]
fn waivers_apply_expire_and_go_stale() {
    let mut t = hostplan::source::parse(
        "b.toml",
        &std::fs::read(crate::fixture(
            "cases/policy/ballooning-with-passthrough.toml",
        ))
        .unwrap(),
    )
    .topology
    .unwrap();
    let waiver = |rule: &str, resource: &str, expires: &str| hostplan::model::Waiver {
        rule: rule.into(),
        resource: resource.into(),
        reason: "accepted for the lab".into(),
        expires: Some(expires.into()),
    };
    t.waivers = vec![
        waiver("PT-10", "truenas", "2027-01-01"),
        waiver("ZFS-06", "tank", "2027-01-01"),
    ];
    let ev = evaluate(&t);
    let f = ev.findings.iter().find(|f| f.rule == "PT-10").unwrap();
    assert!(matches!(f.status, Status::Waived { .. }));
    assert_eq!(ev.blocking(Severity::Warning).count(), 0);
    assert_eq!(ev.waivers[0].state, WaiverState::Used);
    assert_eq!(ev.waivers[1].state, WaiverState::Stale);
    t.waivers = vec![waiver("PT-10", "truenas", "2026-01-01")];
    let ev = evaluate(&t);
    assert_eq!(ev.waivers[0].state, WaiverState::Expired);
    assert_eq!(
        ev.blocking(Severity::Warning).count(),
        1,
        "an expired waiver no longer applies"
    );
}

#[test]
fn user_policies_add_rules_and_conftest_style_strings() {
    let user = PolicyFile {
        path: "site.rego".into(),
        text: "package site\n\nimport rego.v1\n\n# METADATA\n# title: VMIDs below 200 are reserved\n# related_resources:\n#   - ref: https://example.org/site-rules\n# custom:\n#   id: SITE-01\n#   severity: warning\nwarn contains {\"rule\": \"SITE-01\", \"resource\": id, \"message\": sprintf(\"%s uses reserved VMID %d\", [id, vm.vmid])} if {\n\tsome id, vm in input.vms\n\tvm.vmid < 200\n}\n\ndeny contains \"plain conftest message\" if false\n".into(),
    };
    let facts = hostplan::policy::facts::facts(&seed());
    let ev = RuleBook::builtin()
        .with(vec![user])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    let f = ev.findings.iter().find(|f| f.rule == "SITE-01").unwrap();
    assert_eq!(f.resource, "truenas");
    assert_eq!(f.title, "VMIDs below 200 are reserved");
    assert!(ev.rules.iter().any(|r| r.id == "SITE-01"));
}

#[test]
fn a_broken_policy_is_reported_with_file_line_and_column() {
    let bad = PolicyFile {
        path: "broken.rego".into(),
        text: "package broken\n\nimport rego.v1\n\ndeny contains x if {\n\tx := [1, 2\n}\n".into(),
    };
    let facts = hostplan::policy::facts::facts(&seed());
    let err = RuleBook::builtin()
        .with(vec![bad])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap_err();
    match err {
        PolicyError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, "broken.rego");
            assert!(line >= 6 && column >= 1, "{line}:{column}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn a_runaway_policy_is_stopped_by_the_time_limit() {
    // A quick rule before the slow one and another after it: the message must name the one
    // that takes the time, not the first or the last of the package.
    let slow = PolicyFile {
        path: "slow.rego".into(),
        text: "package slow\n\nimport rego.v1\n\n\
               warn contains \"quick\" if input.hosts\n\n\
               # METADATA\n# title: slow\n# custom:\n#   id: U-9\n#   severity: error\n\
               deny contains n if {\n\tn := count(pairs)\n}\n\n\
               pairs := [1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000); a > b]\n\n\
               info contains \"after\" if input.vms\n"
            .into(),
    };
    let facts = hostplan::policy::facts::facts(&seed());
    let limits = Limits {
        time: std::time::Duration::from_secs(1),
        ..Limits::default()
    };
    let err = RuleBook::builtin()
        .with(vec![slow])
        .evaluate(&facts, &[], "2026-11-26", limits)
        .unwrap_err();
    // In seconds, naming the rule (found by evaluating the package's rules again one at a time),
    // where it is defined and its documented id.
    assert!(
        err.to_string().contains(
            "stopped after 1 s, the time limit, in rule deny of package data.slow (slow.rego:12, U-9)"
        ),
        "{err}"
    );
}

#[test]
fn reports_locate_findings_in_the_topology_file() {
    let path = crate::fixture("cases/policy/pcie-on-i440fx.toml");
    let report_in = hostplan::check("pcie-on-i440fx.toml", &std::fs::read(&path).unwrap());
    let t = report_in.topology.as_ref().unwrap();
    let ev = evaluate(t);
    let sarif = report::sarif(&ev, &report_in.source, t, "0.1.0");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results.iter().find(|r| r["ruleId"] == "PT-06").unwrap();
    let line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap();
    let src = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        src.lines().nth(line as usize - 1).unwrap(),
        "id = \"truenas\""
    );
    let rule =
        &sarif["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "PT-06");
    let junit = report::junit(&ev, Severity::Error);
    assert!(
        junit.contains("<testcase classname=\"PT-06\" name=\"PT-06 truenas (1)\">"),
        "{junit}"
    );
    // One failure per finding: as many as there are open errors.
    let open_errors = ev
        .findings
        .iter()
        .filter(|f| f.level == Severity::Error && f.status == hostplan::policy::Status::Open)
        .count();
    assert_eq!(
        junit.matches("<failure type=\"error\"").count(),
        open_errors
    );
    assert!(junit.contains(&format!("failures=\"{open_errors}\"")));
    let gh = report::github(&ev, &report_in.source, t);
    assert!(
        gh.lines().any(|l| l.starts_with(&format!(
            "::error file=pcie-on-i440fx.toml,line={line},col=6,title=PT-06"
        ))),
        "{gh}"
    );
}

/// Where `value` breaks `schema` (a JSON Schema as schemars writes it: `$ref` into `$defs`,
/// `oneOf` of constants, `type`, `const`, `required`, `properties`, `additionalProperties`,
/// `items`), each error naming the path.
pub(crate) fn schema_errors(
    root: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    use serde_json::Value;
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        match r
            .strip_prefix("#/$defs/")
            .and_then(|name| root["$defs"].get(name))
        {
            Some(def) => schema_errors(root, def, value, path, errors),
            None => errors.push(format!("{path}: unresolved {r}")),
        }
    }
    if let Some(Value::Array(branches)) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
        let matching = branches
            .iter()
            .filter(|b| {
                let mut e = Vec::new();
                schema_errors(root, b, value, path, &mut e);
                e.is_empty()
            })
            .count();
        if matching == 0 {
            errors.push(format!("{path}: {value} matches no branch of {branches:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            errors.push(format!("{path}: {value} where the schema says {c}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let name = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let ok = |t: &Value| t == name || (t == "number" && name == "integer");
        let fits = match types {
            Value::String(_) => ok(types),
            Value::Array(ts) => ts.iter().any(ok),
            _ => true,
        };
        if !fits {
            errors.push(format!("{path}: {name} where the schema says {types}"));
        }
    }
    if let Value::Object(map) = value {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !key.as_str().is_some_and(|k| map.contains_key(k)) {
                errors.push(format!("{path}: {key} is required and missing"));
            }
        }
        for (k, v) in map {
            let sub = schema
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| schema.get("additionalProperties"));
            match sub {
                Some(Value::Bool(false)) => errors.push(format!("{path}.{k}: not in the schema")),
                Some(sub) => schema_errors(root, sub, v, &format!("{path}.{k}"), errors),
                None => {}
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            schema_errors(root, item, v, &format!("{path}[{i}]"), errors);
        }
    }
}

/// The facts of the seed, the roadmap, a generated fleet, a seed full of unknowns and imported
/// VMs conform to the published facts schema: every key declared, every required fact present,
/// every value of the declared type. The schema is generated from the facts' types; this checks
/// that their serialization agrees with it (a `skip_serializing_if` or `schemars(with)` that
/// lies), and the topology's schema with the topology's serialization.
#[test]
fn facts_conform_to_their_published_schema() {
    use hostplan::model::{Unknown, DISK_UNKNOWABLE, VM_UNKNOWABLE};
    let schema = hostplan::policy::facts::facts_schema();
    assert_eq!(
        schema["properties"]["schema"]["const"],
        hostplan::policy::facts::FACTS_SCHEMA
    );
    let unknown = |field: &&str| Unknown {
        field: (*field).to_owned(),
        ..Unknown::default()
    };
    let mut unsure = seed();
    unsure.vms[0].unknown = VM_UNKNOWABLE.iter().map(unknown).collect();
    unsure.disks[0].unknown = DISK_UNKNOWABLE.iter().map(unknown).collect();
    unsure.hosts[0].cpu = None;
    // Imported VMs with raw disks (the file has errors: facts are built for any topology).
    let qm = crate::fixture("cases/import/qm-confs/expected.toml");
    let qm = hostplan::check("qm", &std::fs::read(qm).unwrap())
        .topology
        .unwrap();
    assert!(qm.vms.iter().any(|v| !v.raw_disks.is_empty()));
    let fleet = hostplan::sim::generate::generate(&hostplan::sim::generate::FleetSpec::default());
    for t in [
        seed(),
        hostplan::examples::roadmap().unwrap(),
        fleet,
        unsure,
        qm,
    ] {
        let mut errors = Vec::new();
        let facts = hostplan::policy::facts::facts(&t);
        schema_errors(&schema, &schema, &facts, "input", &mut errors);
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// The checker above finds what it is meant to find (a schema check that accepts anything
/// would pass too).
#[test]
fn the_facts_schema_check_rejects_what_the_schema_forbids() {
    let schema = hostplan::policy::facts::facts_schema();
    let mut facts = hostplan::policy::facts::facts(&seed());
    facts["hosts"]["srv01"]["invented"] = true.into();
    facts["vms"]["truenas"]["memory_mib"] = "lots".into();
    facts["pools"]["tank"]["unknown"] = serde_json::json!(["disk_colour"]);
    facts["devices"]["hba0"]
        .as_object_mut()
        .unwrap()
        .remove("host");
    facts["schema"] = "hostplan-facts/0".into();
    let mut errors = Vec::new();
    schema_errors(&schema, &schema, &facts, "input", &mut errors);
    for expected in [
        "input.hosts.srv01.invented: not in the schema",
        "input.vms.truenas.memory_mib: string where",
        "input.pools.tank.unknown[0]: \"disk_colour\" matches no branch",
        "input.devices.hba0: \"host\" is required and missing",
        "input.schema: \"hostplan-facts/0\" where",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{expected} not in {errors:#?}"
        );
    }
}

#[test]
fn the_committed_rule_reference_is_current() {
    let committed = std::fs::read_to_string(crate::fixture("../docs/rules.md")).unwrap();
    assert_eq!(
        committed,
        hostplan::policy::metadata::markdown(&RuleBook::builtin().rules()),
        "run `hostplan policy doc`"
    );
}

/// Every rule cites the page or the source lines that support it (docs/policies.md, "Sources"):
/// a bare repository root (`https://github.com/owner/repo`, a `git.proxmox.com` project without
/// a file) supports nothing in particular; a GitHub file is cited at a 40-hex commit, since a
/// branch (`blob/master/…`) moves and the lines it pointed at with it; and a file GitHub does
/// not render as a document (source code, man pages, plain text) is cited with the lines that
/// support the claim (`#L10-L20`), not as a whole.
#[test]
fn every_rule_cites_pinned_lines_not_a_repository_root() {
    let mut bad = Vec::new();
    for r in RuleBook::builtin().rules() {
        assert!(!r.references.is_empty(), "{} cites nothing", r.id);
        for link in &r.references {
            if let Some(problem) = unpinned(link) {
                bad.push(format!("{}: {link}: {problem}", r.id));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "links that do not point at what supports the rule: {bad:#?}"
    );
}

/// Why `link` does not pin what it cites, if it does not.
fn unpinned(link: &str) -> Option<&'static str> {
    if link.starts_with("https://git.proxmox.com/") && !link.contains(";f=") {
        return Some("a repository root");
    }
    let path = link.strip_prefix("https://github.com/")?;
    let (path, anchor) = path.split_once('#').unwrap_or((path, ""));
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() <= 2 {
        return Some("a repository root");
    }
    if !matches!(parts[2], "blob" | "tree" | "raw") {
        return None; // an issue, a discussion or a commit: pinned by its number or hash
    }
    let Some(commit) = parts.get(3) else {
        return Some("a branch listing, not a file");
    };
    if commit.len() != 40 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some("not pinned to a 40-hex commit");
    }
    let file = parts.last().copied().unwrap_or_default();
    let rendered = [".md", ".rst", ".adoc", ".asciidoc"]
        .iter()
        .any(|ext| file.to_ascii_lowercase().ends_with(ext));
    let lines = anchor.strip_prefix('L').is_some_and(|a| {
        let mut ends = a.splitn(2, "-L");
        ends.all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    });
    if parts.len() > 4 && !rendered && !lines {
        return Some("a whole source file: cite the lines (#L10-L20)");
    }
    if rendered && anchor.is_empty() {
        return Some(
            "a whole document: cite the section (#heading) or the lines (?plain=1#L10-L20)",
        );
    }
    None
}

#[test]
fn the_link_check_knows_a_pinned_line_from_a_whole_file() {
    let commit = "0123456789abcdef0123456789abcdef01234567";
    for ok in [
        format!("https://github.com/o/r/blob/{commit}/src/a.pm#L10-L20"),
        format!("https://github.com/o/r/blob/{commit}/man/man7/zpoolconcepts.7#L5"),
        format!("https://github.com/o/r/blob/{commit}/README.md#talos"),
        format!("https://github.com/o/r/blob/{commit}/doc.md?plain=1#L21-L25"),
        "https://github.com/o/r/issues/32".to_string(),
        format!("https://github.com/o/r/commit/{commit}"),
        "https://pve.proxmox.com/pve-docs/qm.1.html#qm_migration".to_string(),
    ] {
        assert_eq!(unpinned(&ok), None, "{ok}");
    }
    for bad in [
        "https://github.com/o/r".to_string(),
        "https://git.proxmox.com/?p=qemu-server.git".to_string(),
        "https://github.com/o/r/blob/master/docs/nut-names.txt#L10".to_string(),
        "https://github.com/o/r/blob/main/config/x.adoc#section".to_string(),
        format!("https://github.com/o/r/blob/{commit}/src/a.pm"),
        format!("https://github.com/o/r/blob/{commit}/utils/mount/nfs.man#section"),
        format!("https://github.com/o/r/blob/{commit}/README"),
        format!("https://github.com/o/r/blob/{commit}/guide.rst"),
    ] {
        assert!(unpinned(&bad).is_some(), "{bad} passed");
    }
}
