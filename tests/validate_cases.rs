//! Data-driven validation tests: every `tests/cases/validate/<name>.{toml,json}` is validated
//! and its diagnostics must equal `<name>.expect` exactly, one per line:
//! `severity[code] line:column id` (`-` when a diagnostic names no id).
//! Adding a case needs no Rust: drop in the topology and its `.expect` file.

use crate::fixture;
use std::fmt::Write as _;

fn summarize(report: &hostplan::Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let (line, col) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
        let _ = writeln!(
            out,
            "{}[{}] {line}:{col} {}",
            d.severity,
            d.code,
            d.id.as_deref().unwrap_or("-")
        );
    }
    out
}

#[test]
fn every_case_file_gives_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in crate::case_files("cases/validate", &["toml", "json"]) {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let expect_path = path.with_extension("expect");
        let expected = std::fs::read_to_string(&expect_path)
            .unwrap_or_else(|_| panic!("{name}: missing {}", expect_path.display()));
        let report = hostplan::check(&name, &std::fs::read(&path).unwrap());
        let actual = summarize(&report);
        assert!(
            report.diagnostics.iter().all(|d| d.location.is_some()),
            "{name}: every diagnostic must carry a file position"
        );
        if actual != expected {
            failures.push(format!(
                "--- {name}\nexpected:\n{expected}actual:\n{actual}"
            ));
        }
        ran += 1;
    }
    assert!(ran >= 15, "only {ran} case files found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn built_in_examples_validate_clean() {
    for (name, text) in hostplan::examples::ALL {
        let report = hostplan::check(name, text.as_bytes());
        assert!(
            report.diagnostics.is_empty(),
            "{name}: {:#?}",
            report.diagnostics
        );
    }
}

#[test]
fn suggestions_name_the_closest_id() {
    let report = hostplan::check(
        "t.toml",
        &std::fs::read(fixture("cases/validate/unknown-host.toml")).unwrap(),
    );
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("did you mean `srv01`?")
    );
    let report = hostplan::check(
        "t.toml",
        &std::fs::read(fixture("cases/validate/unknown-field.toml")).unwrap(),
    );
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("did you mean `management`?")
    );
    assert_eq!(
        report.diagnostics[1].help.as_deref(),
        Some("did you mean `memory_mib`?")
    );
}

#[test]
fn a_bad_bridge_port_names_every_kind_a_port_may_be() {
    let seed = hostplan::examples::SEED;
    let check = |port: &str| {
        let text = seed.replace("ports = [\"nic0\"]", &format!("ports = [\"{port}\"]"));
        assert_ne!(text, seed);
        let report = hostplan::check("t.toml", text.as_bytes());
        report
            .diagnostics
            .into_iter()
            .find(|d| d.path.to_string() == "hosts[0].bridges[0].ports[0]")
            .unwrap()
    };
    let d = check("nic9");
    assert_eq!(
        d.message,
        "bridge `vmbr0` of `srv01` has port `nic9`, which is no NIC device, no bond of `srv01` and no link"
    );
    assert_eq!(
        d.expected.as_deref(),
        Some("a NIC device on `srv01` (`[[devices]]` id), one of its bonds (`[[hosts.bonds]]` name) or one of its links (`[[links]]` id)")
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `nic0`?"));
    let d = check("sw1");
    assert_eq!(
        d.message,
        "bridge `vmbr0` of `srv01` has port `sw1`, which is a switch, not a NIC device, bond or link"
    );
}

#[test]
fn json_diagnostics_carry_the_json_path() {
    let report = hostplan::check(
        "x.json",
        &std::fs::read(fixture("cases/validate/negative-ram.json")).unwrap(),
    );
    assert_eq!(report.diagnostics[0].path.to_string(), "hosts[0].ram_gib");
    let report = hostplan::check(
        "x.json",
        &std::fs::read(fixture("cases/validate/unknown-refs.json")).unwrap(),
    );
    let paths: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(paths, ["vms[0].host", "vms[0].boot_storage"]);
}

#[test]
fn binary_input_is_rejected_with_its_offset() {
    let mut bytes = b"schema_version = 1\n".to_vec();
    bytes.extend([0xff, 0xfe, 0x00]);
    let report = hostplan::check("disk.img", &bytes);
    assert!(report.is_unusable());
    let d = &report.diagnostics[0];
    assert_eq!(d.code, hostplan::diag::Code::Syntax);
    assert!(d.message.contains("offset 19"), "{}", d.message);
    assert_eq!(
        d.location.as_ref().map(|l| (l.line, l.column)),
        Some((2, 1))
    );
}

#[test]
fn deep_nesting_and_huge_inputs_do_not_panic() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(hostplan::check("deep.json", deep_json.as_bytes()).is_unusable());
    let deep_toml = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(hostplan::check("deep.toml", deep_toml.as_bytes()).is_unusable());
    let huge = vec![b' '; hostplan::source::MAX_INPUT_BYTES + 1];
    let report = hostplan::check("huge.toml", &huge);
    assert_eq!(report.diagnostics[0].code, hostplan::diag::Code::TooLarge);
}

#[test]
fn truncated_seed_never_panics_and_always_explains() {
    let seed = hostplan::examples::SEED.as_bytes();
    for cut in (0..seed.len()).step_by(97) {
        let report = hostplan::check("seed.toml", &seed[..cut]);
        if report.is_unusable() {
            assert!(
                !report.diagnostics.is_empty(),
                "cut at {cut}: unusable without a diagnostic"
            );
        }
    }
}

#[test]
fn schema_describes_every_section_and_rejects_nothing_the_seed_uses() {
    let schema = hostplan::schema::json_schema();
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "hosts",
        "devices",
        "mappings",
        "disks",
        "storages",
        "pools",
        "networks",
        "vms",
        "services",
        "consumers",
        "waivers",
    ] {
        assert!(props.contains_key(key), "schema lacks `{key}`");
    }
    // Every top-level key of the seed is described by the schema.
    let seed: toml::Table = toml::from_str(hostplan::examples::SEED).unwrap();
    for key in seed.keys() {
        assert!(props.contains_key(key), "schema lacks seed key `{key}`");
    }
}

/// 62 MiB of `[],` once took 9.3 GB to parse: files are refused by their number of values
/// before any parser allocates them, in both formats, and a file just under the cap is read.
#[test]
fn files_of_tiny_values_are_refused_before_parsing() {
    let items = usize::try_from(hostplan::source::MAX_VALUES).unwrap();
    let toml = format!("schema_version = 1\nx = [{}]\n", "[],".repeat(items));
    let json = format!(
        "{{\"schema_version\": 1, \"x\": [{}[]]}}",
        "[],".repeat(items)
    );
    for (name, text) in [("tiny.toml", &toml), ("tiny.json", &json)] {
        let report = hostplan::check(name, text.as_bytes());
        assert!(report.is_unusable(), "{name}");
        assert_eq!(report.diagnostics.len(), 1, "{name}");
        let d = &report.diagnostics[0];
        assert_eq!(d.code, hostplan::diag::Code::TooLarge, "{name}");
        assert!(d.message.contains("values"), "{}", d.message);
    }
    // Under the cap the same shape is parsed (and its unknown key reported, with a place).
    let small = format!("schema_version = 1\nx = [{}]\n", "[],".repeat(1000));
    let report = hostplan::check("small.toml", small.as_bytes());
    assert_eq!(
        report.diagnostics[0].code,
        hostplan::diag::Code::UnknownField
    );
    assert!(report.diagnostics[0].location.is_some());
}

/// The byte cap and the value cap admit the same fleets in both formats: the value cap's
/// message promises "about 15,000 hosts", so a generated fleet of that size must fit under
/// the byte cap as TOML and as pretty-printed JSON (as `generate --format json` writes it).
/// Measured per host on a small fleet of each shape and scaled; at 64 MiB the JSON of a
/// 10,000-host fleet was refused.
#[test]
fn the_byte_cap_admits_the_fleets_the_value_cap_admits() {
    use hostplan::sim::generate::{generate, FleetSpec, Shape};
    const HOSTS: u32 = 200;
    for shape in [Shape::Fleet, Shape::FanIn] {
        let t = generate(&FleetSpec {
            hosts: HOSTS,
            vms_per_host: 10,
            shape,
            ..FleetSpec::default()
        });
        let toml = toml::to_string(&t).unwrap().len();
        let json = serde_json::to_string_pretty(&t).unwrap().len();
        for (format, bytes) in [("TOML", toml), ("JSON", json)] {
            let at_15k = bytes / usize::try_from(HOSTS).unwrap() * 15_000;
            assert!(
                at_15k <= hostplan::source::MAX_INPUT_BYTES,
                "{shape:?} as {format}: 15,000 hosts ≈ {at_15k} bytes, over the cap"
            );
        }
    }
}
