//! Golden exports: each folder of `tests/cases/export/` names a topology (`example`: a built-in
//! example, or `topology.toml`) and pins what every export format writes for it, file by file,
//! under `expected/<format>/`, with the notes in `expected/<format>.notes` and a refusal in
//! `expected/<format>.error`. A changed exporter shows up as a diff here, to be read before it
//! is accepted: `HOSTPLAN_BLESS=1 cargo test --test tests export_cases` rewrites the files.

use hostplan::export::{self, Format, Options};
use hostplan::policy::RuleBook;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The date waivers are judged on: fixed, so the spec is reproducible.
const TODAY: &str = "2026-11-26";

fn topology_of(dir: &Path) -> hostplan::model::Topology {
    if let Ok(name) = std::fs::read_to_string(dir.join("example")) {
        return match name.trim() {
            "seed" => hostplan::examples::seed().unwrap(),
            "roadmap" => hostplan::examples::roadmap().unwrap(),
            other => panic!("{}: no example `{other}`", dir.display()),
        };
    }
    let path = dir.join("topology.toml");
    let bytes = std::fs::read(&path).unwrap();
    let report = hostplan::check("topology.toml", &bytes);
    assert!(
        !report.has_errors(),
        "{}: {:?}",
        path.display(),
        report.diagnostics
    );
    report.topology.unwrap()
}

/// What one format produced, as the files the golden folder holds.
fn produced(t: &hostplan::model::Topology, format: Format) -> BTreeMap<String, String> {
    let book = RuleBook::builtin();
    let mut out = BTreeMap::new();
    match export::run(t, format, &Options::new(&book, TODAY)) {
        Ok(exported) => {
            for (name, text) in exported.files {
                out.insert(format!("{}/{name}", format.name()), text);
            }
            if !exported.notes.is_empty() {
                out.insert(
                    format!("{}.notes", format.name()),
                    exported.notes.join("\n") + "\n",
                );
            }
        }
        Err(e) => {
            out.insert(format!("{}.error", format.name()), format!("{e}\n"));
        }
    }
    out
}

fn read_tree(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            read_tree(root, &p, out);
        } else {
            let name = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(name, std::fs::read_to_string(&p).unwrap());
        }
    }
}

#[test]
fn every_export_format_writes_exactly_its_golden_files() {
    let bless = std::env::var_os("HOSTPLAN_BLESS").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(crate::fixture("cases/export"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "the examples at least");
    let mut failures = Vec::new();
    for dir in &dirs {
        let t = topology_of(dir);
        let mut want = BTreeMap::new();
        for format in Format::ALL {
            want.extend(produced(&t, format));
        }
        let expected = dir.join("expected");
        if bless {
            let _ = std::fs::remove_dir_all(&expected);
            for (name, text) in &want {
                let path = expected.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            continue;
        }
        let mut have = BTreeMap::new();
        read_tree(&expected, &expected, &mut have);
        let names: std::collections::BTreeSet<&String> = want.keys().chain(have.keys()).collect();
        for name in names {
            match (want.get(name), have.get(name)) {
                (Some(w), Some(h)) if w == h => {}
                (Some(w), Some(h)) => {
                    let line = w
                        .lines()
                        .zip(h.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or_else(|| w.lines().count().min(h.lines().count()))
                        + 1;
                    failures.push(format!(
                        "{}: {name} differs from line {line}:\n  now:    {}\n  golden: {}",
                        dir.display(),
                        w.lines().nth(line - 1).unwrap_or("(end)"),
                        h.lines().nth(line - 1).unwrap_or("(end)")
                    ));
                }
                (Some(_), None) => failures.push(format!("{}: {name} is new", dir.display())),
                (None, _) => {
                    failures.push(format!("{}: {name} is no longer written", dir.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\n(read the diff; if it is right: HOSTPLAN_BLESS=1 cargo test --test tests export_cases)",
        failures.join("\n")
    );
}
