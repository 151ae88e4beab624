//! Policies written for conftest work unchanged: its rule names (`violation`, `deny_…`,
//! `warn_…`, `violation_…`) are read, not silently ignored, and `--namespace` /
//! `--all-namespaces` choose the packages as conftest's flags do, for `check`, `export` and
//! `verify`.

use hostplan::policy::{Limits, PolicyError, PolicyFile, RuleBook, Severity};
use std::process::Command;

const CONFTEST: &str = r#"package site

import rego.v1

deny contains {"rule": "SITE-01", "resource": "truenas", "message": "hostplan's own form"} if true

violation contains {"msg": "a conftest violation object"} if true

violation_naming contains "a violation_ prefixed rule" if true

deny_reserved contains "a deny_ prefixed rule" if true

warn_naming contains {"rule": "SITE-02", "resource": "truenas", "message": "a warn_ prefixed rule"} if true

# Not a result set: a helper whose name only starts like one.
denylist := {"x"}
"#;

fn site() -> PolicyFile {
    PolicyFile {
        path: "site.rego".into(),
        text: CONFTEST.into(),
    }
}

fn facts() -> serde_json::Value {
    hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap())
}

#[test]
fn conftest_rule_names_are_read_with_their_severity() {
    let ev = RuleBook::builtin()
        .with(vec![site()])
        .evaluate(&facts(), &[], "2026-11-26", Limits::default())
        .unwrap();
    let got: Vec<(String, Severity, String)> = ev
        .findings
        .iter()
        .filter(|f| !f.rule.contains('-') || f.rule.starts_with("SITE"))
        .map(|f| (f.rule.clone(), f.level, f.message.clone()))
        .collect();
    for want in [
        ("SITE-01", Severity::Error, "hostplan's own form"),
        ("violation", Severity::Error, "a conftest violation object"),
        (
            "violation_naming",
            Severity::Error,
            "a violation_ prefixed rule",
        ),
        ("deny_reserved", Severity::Error, "a deny_ prefixed rule"),
        ("SITE-02", Severity::Warning, "a warn_ prefixed rule"),
    ] {
        assert!(
            got.iter()
                .any(|(r, l, m)| r == want.0 && *l == want.1 && m == want.2),
            "{want:?} missing from {got:#?}"
        );
    }
    assert!(!got.iter().any(|(r, ..)| r == "denylist"), "{got:#?}");
}

#[test]
fn a_namespace_selects_packages_and_an_unknown_one_is_an_error() {
    let only_site = RuleBook::builtin()
        .with(vec![site()])
        .only_namespaces(&["site".into()])
        .evaluate(&facts(), &[], "2026-11-26", Limits::default())
        .unwrap();
    assert!(!only_site.findings.is_empty());
    assert!(
        only_site
            .findings
            .iter()
            .all(|f| f.rule.starts_with("SITE") || !f.rule.contains('-')),
        "{:#?}",
        only_site.findings
    );
    let err = RuleBook::builtin()
        .with(vec![site()])
        .only_namespaces(&["data.sit".into()])
        .prepare(Limits::default())
        .unwrap_err();
    assert!(
        matches!(&err, PolicyError::Eval { message, .. } if message == "no policy declares package sit"),
        "{err:?}"
    );
}

fn hostplan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn namespace_flags_work_like_conftests_on_check_export_and_verify() {
    let dir = std::env::temp_dir().join(format!("hostplan-ns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("site.rego");
    std::fs::write(&policy, CONFTEST).unwrap();
    let policy = policy.to_str().unwrap();
    let seed = "examples/seed.toml";

    let (code, out, err) = hostplan(&[
        "check",
        seed,
        "--policy",
        policy,
        "--namespace",
        "site",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"deny_reserved"), "{rules:?}");
    assert!(!rules.iter().any(|r| r.starts_with("ZFS-")), "{rules:?}");

    // Repeatable: the rule book's boot package alongside the site's.
    let (_, out, _) = hostplan(&[
        "check",
        seed,
        "--policy",
        policy,
        "--namespace",
        "site",
        "--namespace",
        "hostplan.boot",
        "--format",
        "json",
    ]);
    assert!(out.contains("\"deny_reserved\""), "{out}");

    let (code, _, err) = hostplan(&["check", seed, "--namespace", "nosuch"]);
    assert_eq!(code, 2);
    assert!(err.contains("no policy declares package nosuch"), "{err}");
    let (code, _, err) = hostplan(&[
        "check",
        seed,
        "--namespace",
        "hostplan.zfs",
        "--all-namespaces",
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = hostplan(&["check", seed, "--all-namespaces"]);
    assert_eq!(code, 0, "{err}");

    // The chosen packages are part of the spec's policy set: verify needs the same choice.
    let out_dir = dir.join("spec");
    let out_dir = out_dir.to_str().unwrap();
    let (code, _, err) = hostplan(&[
        "export",
        seed,
        "--format",
        "spec",
        "-o",
        out_dir,
        "--namespace",
        "hostplan.zfs",
    ]);
    assert_eq!(code, 0, "{err}");
    let spec = format!("{out_dir}/hostplan.spec.json");
    let (code, _, err) = hostplan(&["verify", &spec, "--namespace", "hostplan.zfs"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = hostplan(&["verify", &spec]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("another policy set"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
