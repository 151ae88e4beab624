//! What each fuzz target does with one input, shared by the `cargo fuzz` targets (`fuzz/`,
//! nightly, outside the default build) and by `tests/fuzz_regressions.rs`, which runs every
//! committed seed and every crash the fuzzer ever found through the same functions on stable,
//! in the ordinary `cargo test`. A panic anywhere below is a bug; so is an exported file that
//! the next reader (hostplan's own importer, HashiCorp-compatible HCL parsing) cannot read back.

use hostplan::export::{self, Format as Export, Options};
use hostplan::import::{self, Format as Import};
use hostplan::policy::{RuleBook, Severity};

/// The date waivers are judged on: fixed, so a run reproduces.
const TODAY: &str = "2026-12-01";

/// The loader and validator, as TOML and as JSON: a report, never a panic; an unusable
/// document always says why.
pub fn load(data: &[u8]) {
    for name in ["fuzz.toml", "fuzz.json"] {
        let report = hostplan::check(name, data);
        assert!(
            !report.is_unusable() || !report.diagnostics.is_empty(),
            "{name}: unusable without a diagnostic"
        );
    }
}

/// Every importer: the first byte picks the format, the rest is the file. An importer may
/// refuse the file (not its format) but never panics, and what it builds is a topology the
/// loader reads back from its own TOML.
pub fn import(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let format = Import::ALL[usize::from(pick) % Import::ALL.len()];
    let text = String::from_utf8_lossy(rest).into_owned();
    let files = [(format!("fuzz.{}", format.name()), text)];
    let Ok(imported) = import::run(format, &files, Some("srv01"), None) else {
        return;
    };
    if let Ok(toml) = import::fragment_text(&imported.topology) {
        let report = hostplan::check("imported.toml", toml.as_bytes());
        assert!(
            !report.is_unusable(),
            "{}: the imported fragment does not read back: {:?}\n{toml}",
            format.name(),
            report.diagnostics
        );
    }
}

/// Every exporter (the spec aside: it runs the rule book, see [`verify`]) on any document the
/// loader accepts without errors: an export or a refusal, never a panic; HCL and JSON parse, and each
/// Proxmox conf reads back as one VM with the vmid of its file name.
pub fn export(data: &[u8]) {
    let report = hostplan::check("fuzz.toml", data);
    let Some(t) = report.topology.as_ref().filter(|_| !report.has_errors()) else {
        return;
    };
    let book = RuleBook::builtin();
    let options = Options::new(&book, TODAY);
    for format in Export::ALL.into_iter().filter(|f| *f != Export::Spec) {
        let Ok(out) = export::run(t, format, &options) else {
            continue;
        };
        for (name, text) in &out.files {
            let extension = std::path::Path::new(name)
                .extension()
                .and_then(|e| e.to_str());
            if extension == Some("tf") {
                if let Err(e) = hcl::parse(text) {
                    panic!("{name} is not HCL: {e}\n{text}");
                }
            }
            if extension == Some("json") {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                    panic!("{name} is not JSON: {e}\n{text}");
                }
            }
            if format == Export::Proxmox {
                let files = [(name.clone(), text.clone())];
                let back = import::run(Import::ProxmoxConf, &files, Some("srv01"), None)
                    .unwrap_or_else(|e| panic!("{name} does not read back: {e}\n{text}"));
                let vmid = name.trim_end_matches(".conf");
                assert_eq!(back.topology.vms.len(), 1, "{name}\n{text}");
                assert_eq!(
                    back.topology.vms[0].vmid.to_string(),
                    vmid,
                    "{name}\n{text}"
                );
            }
        }
    }
}

/// `hostplan verify` on any text: a verdict or a located refusal, never a panic.
pub fn verify(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = export::spec::verify(&text, &RuleBook::builtin(), Severity::Error, TODAY);
}
