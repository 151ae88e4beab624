//! Exports: the validated spec and its verification, Proxmox configs, diagrams.

use hostplan::export::spec::{export, to_text, verify, Mismatch, SpecError};
use hostplan::policy::{PolicyFile, RuleBook, Severity};

fn seed() -> hostplan::model::Topology {
    hostplan::examples::seed().unwrap()
}

#[test]
fn a_spec_verifies_and_is_deterministic() {
    let book = RuleBook::builtin();
    let a = to_text(&export(&seed(), &book, "2026-11-26", Severity::Error, false).unwrap());
    let b = to_text(&export(&seed(), &book, "2026-11-26", Severity::Error, false).unwrap());
    assert_eq!(a, b, "same input, same spec");
    let doc = verify(&a, &book, Severity::Error, "2026-11-26").unwrap();
    assert!(doc.digest.starts_with("sha256:"));
    assert_eq!(doc.evaluated_on, "2026-11-26");
    assert_eq!(doc.topology, seed());
    let json: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(json["spec_version"], 1);
    assert_eq!(json["generator"]["name"], "hostplan");
    assert_eq!(json["digest"], doc.digest.as_str());
}

#[test]
fn hand_edits_other_policies_and_new_findings_fail_verification() {
    let book = RuleBook::builtin();
    let text = to_text(&export(&seed(), &book, "2026-11-26", Severity::Error, false).unwrap());
    let edited = text.replacen("\"memory_mib\": 32768", "\"memory_mib\": 4096", 1);
    assert!(matches!(
        verify(&edited, &book, Severity::Error, "2026-11-26"),
        Err(SpecError::Mismatch(Mismatch::Edited { .. }))
    ));
    let other = RuleBook::builtin().with(vec![PolicyFile {
        path: "extra.rego".into(),
        text: "package extra\nimport rego.v1\n".into(),
    }]);
    assert!(matches!(
        verify(&text, &other, Severity::Error, "2026-11-26"),
        Err(SpecError::Mismatch(Mismatch::OtherPolicies { .. }))
    ));
    // Exported with findings allowed: intact, but it does not pass the gate.
    let broken = hostplan::source::parse(
        "b.toml",
        &std::fs::read(crate::fixture("cases/policy/truenas-4gib.toml")).unwrap(),
    )
    .topology
    .unwrap();
    assert!(
        matches!(export(&broken, &book, "2026-11-26", Severity::Error, false), Err(SpecError::Blocked { gate: Severity::Error, findings }) if findings.len() == 1 && findings[0].rule == "TN-04")
    );
    let allowed = to_text(&export(&broken, &book, "2026-11-26", Severity::Error, true).unwrap());
    assert!(
        matches!(verify(&allowed, &book, Severity::Error, "2026-11-26"), Err(SpecError::Mismatch(Mismatch::Gate(g))) if g.len() == 1)
    );
    assert!(verify(&allowed, &book, Severity::Error, "2026-11-26").is_err());
    assert!(matches!(
        verify("{}", &book, Severity::Error, "2026-11-26"),
        Err(SpecError::Malformed(_))
    ));
    assert!(matches!(
        verify(
            &text.replacen("\"spec_version\": 1", "\"spec_version\": 9", 1),
            &book,
            Severity::Error,
            "2026-11-26"
        ),
        Err(SpecError::TooNew(9))
    ));
}

#[test]
fn a_waiver_that_expires_after_export_fails_verification_later() {
    let mut t = hostplan::source::parse(
        "b.toml",
        &std::fs::read(crate::fixture("cases/policy/truenas-4gib.toml")).unwrap(),
    )
    .topology
    .unwrap();
    t.waivers.push(hostplan::model::Waiver {
        rule: "TN-04".into(),
        resource: "truenas".into(),
        reason: "lab box".into(),
        expires: Some("2026-12-31".into()),
    });
    let book = RuleBook::builtin();
    let text = to_text(&export(&t, &book, "2026-11-26", Severity::Error, false).unwrap());
    assert!(verify(&text, &book, Severity::Error, "2026-12-01").is_ok());
    assert!(
        matches!(verify(&text, &book, Severity::Error, "2027-01-02"), Err(SpecError::Mismatch(Mismatch::Gate(g))) if g.len() == 1)
    );
}

#[test]
fn cli_export_then_verify() {
    let dir = std::env::temp_dir().join(format!("hostplan-export-{}", std::process::id()));
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hostplan"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "spec",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = dir.join("hostplan.spec.json");
    let out = run(&["verify", spec.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "export",
        seed.to_str().unwrap(),
        "--format",
        "proxmox",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let conf = std::fs::read_to_string(dir.join("100.conf")).unwrap();
    assert!(
        conf.contains("hostpci0: mapping=HBA,pcie=1,rombar=0\n"),
        "{conf}"
    );
    let broken = crate::fixture("cases/policy/pcie-on-i440fx.toml");
    let out = run(&["export", broken.to_str().unwrap(), "--format", "spec"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[PT-06] truenas"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `verify` rejects what would let two readers see two specs or an invented one: duplicate
/// keys, unknown fields, `spec_version: 0`, a bad `evaluated_on`; and a JSON round trip that
/// writes `1.0` as `1` (as `jq .` does) is not an edit.
#[test]
fn verify_rejects_ambiguous_specs_and_survives_a_json_round_trip() {
    let book = RuleBook::builtin();
    let text = to_text(&export(&seed(), &book, "2026-11-26", Severity::Error, false).unwrap());
    assert!(
        text.contains("2.0"),
        "the seed has fractional-looking numbers (backoff factor)"
    );
    let malformed = |t: &str| {
        matches!(
            verify(t, &book, Severity::Error, "2026-11-26"),
            Err(SpecError::Malformed(_))
        )
    };
    // A second "topology" key after the real one.
    let dup = text.replacen(
        "\"spec_version\": 1",
        "\"spec_version\": 1,\n  \"topology\": {}",
        1,
    );
    assert!(malformed(&dup), "duplicate key accepted");
    assert!(malformed(&text.replacen(
        "\"spec_version\": 1",
        "\"spec_version\": 1,\n  \"extra\": true",
        1
    )));
    assert!(malformed(&text.replacen(
        "\"spec_version\": 1",
        "\"spec_version\": 0",
        1
    )));
    assert!(malformed(&text.replacen(
        "\"evaluated_on\": \"2026-11-26\"",
        "\"evaluated_on\": \"yesterday\"",
        1
    )));
    // `1.0` → `1` everywhere, as a JSON round trip through jq or JavaScript writes it.
    let round_tripped = text.replace(".0,", ",").replace(".0\n", "\n");
    assert_ne!(round_tripped, text);
    verify(&round_tripped, &book, Severity::Error, "2026-11-26").unwrap();
    verify(&text, &book, Severity::Error, "2026-11-26").unwrap();
}

#[test]
fn a_topology_with_validation_errors_gets_no_spec_even_with_allow_findings() {
    let mut t = seed();
    t.vms[0].host = "srv1".into();
    let book = RuleBook::builtin();
    for allow in [false, true] {
        let err = export(&t, &book, "2026-11-26", Severity::Error, allow).unwrap_err();
        let SpecError::Invalid { errors } = &err else {
            panic!("{err:?}")
        };
        assert!(
            errors
                .iter()
                .any(|e| e.contains("truenas") && e.contains("srv1")),
            "{errors:?}"
        );
        assert!(err.to_string().contains("would not verify"), "{err}");
    }
    // Through the one entry both front ends call.
    let r = hostplan::export::run(
        &t,
        hostplan::export::Format::Spec,
        &hostplan::export::Options::new(&book, "2026-11-26"),
    );
    assert!(matches!(
        r,
        Err(hostplan::export::ExportError::Spec(
            SpecError::Invalid { .. }
        ))
    ));
}
