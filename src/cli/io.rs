//! Everything the CLI reads and writes besides standard output: input files and standard
//! input (capped), policy and Terraform files from folders, the clock, and all-or-nothing
//! writes. The core never does any of this.

use crate::cli::args::PolicyArgs;
use anyhow::Context as _;
use hostplan::diag::render::render;
use hostplan::model::Topology;
use hostplan::source::SourceFile;
use std::io::Read as _;

/// A topology that loaded without validation errors, with its file for locating findings.
pub struct Loaded {
    /// The model.
    pub topology: Topology,
    /// The file it came from.
    pub source: SourceFile,
}

/// Read and validate; print the diagnostics and stop (exit 2, like any error reaching `main`)
/// when the topology has errors: simulations of an inconsistent model would mislead.
pub fn load_valid(file: &str) -> anyhow::Result<Loaded> {
    load_or_report(file, |_| Ok(()))
}

/// [`load_valid`], giving a topology with errors to `on_errors` first (to write them in the
/// format the caller reports in) before the diagnostics go to standard error and it stops.
pub fn load_or_report(
    file: &str,
    on_errors: impl FnOnce(&hostplan::Report) -> anyhow::Result<()>,
) -> anyhow::Result<Loaded> {
    let (name, bytes) = read_input(file)?;
    let report = hostplan::check(&name, &bytes);
    if !report.has_errors() {
        if let Some(topology) = report.topology {
            return Ok(Loaded {
                topology,
                source: report.source,
            });
        }
    }
    on_errors(&report)?;
    print_diagnostics(&report.diagnostics, &report.source);
    anyhow::bail!("{name} has errors: fix them first (`hostplan validate {file}`)")
}

/// Every diagnostic, rendered with its snippet, on standard error.
pub fn print_diagnostics(diagnostics: &[hostplan::diag::Diagnostic], source: &SourceFile) {
    for d in diagnostics {
        eprintln!("{}", render(d, Some(&source.text)));
    }
}

/// A file (or `-`, standard input) as text.
pub fn read_text(file: &str) -> anyhow::Result<(String, String)> {
    let (name, bytes) = read_input(file)?;
    let text = String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
    Ok((name, text))
}

/// The built-in rule book with the policy files of `--policy` (files or folders) added,
/// restricted to the packages of `--namespace` when given.
pub fn rule_book(args: &PolicyArgs) -> anyhow::Result<hostplan::policy::RuleBook> {
    rule_book_of(&args.policies, &args.namespaces)
}

/// The built-in rule book plus the policy files or folders in `policies`, limited to
/// `namespaces` (every package when empty).
pub fn rule_book_of(
    policies: &[String],
    namespaces: &[String],
) -> anyhow::Result<hostplan::policy::RuleBook> {
    let mut extra = Vec::new();
    for p in policies {
        extra.extend(policy_files(p, false)?);
    }
    Ok(hostplan::policy::RuleBook::builtin()
        .with(extra)
        .only_namespaces(namespaces))
}

/// The date waivers are judged on: the one given, or today (UTC).
pub fn today_or(given: Option<&str>) -> String {
    given.map_or_else(today_utc, str::to_owned)
}

pub fn read_input(file: &str) -> anyhow::Result<(String, Vec<u8>)> {
    // Read at most one byte past the cap: an endless stdin or a huge file stops there (and the
    // loader reports `too-large`), instead of being read whole first.
    let cap = u64::try_from(hostplan::source::MAX_INPUT_BYTES).unwrap_or(u64::MAX) + 1;
    let mut buf = Vec::new();
    if file == "-" {
        std::io::stdin()
            .take(cap)
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        Ok(("<stdin>".to_owned(), buf))
    } else {
        std::fs::File::open(file)
            .and_then(|f| {
                // Sized up front: growing by doubling copied a 40 MB file several times over
                // into fresh pages (8 % of `validate` at 10,000 hosts, `perf`).
                let len = f.metadata().map_or(0, |m| m.len()).min(cap);
                buf.reserve_exact(usize::try_from(len).unwrap_or(0).saturating_add(1));
                f.take(cap).read_to_end(&mut buf)
            })
            .with_context(|| format!("reading {file}"))?;
        Ok((file.to_owned(), buf))
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock (civil-from-days, H. Hinnant).
fn today_utc() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Policy files at `path` (a file, or every `.rego` below a folder), tests included or not.
/// A folder's `*_test.rego` files are left out when tests are not wanted (they hold no rules);
/// a test file named on its own is refused instead, since leaving it out silently would look
/// like it ran.
pub fn policy_files(path: &str, tests: bool) -> anyhow::Result<Vec<hostplan::policy::PolicyFile>> {
    if !tests && path.ends_with("_test.rego") && !std::path::Path::new(path).is_dir() {
        anyhow::bail!(
            "{path} is a test file: it holds tests, not rules; run it with `hostplan policy test --policy {path}`"
        );
    }
    let mut out = Vec::new();
    collect_policies(path, tests, &mut out)?;
    Ok(out)
}

fn collect_policies(
    path: &str,
    tests: bool,
    out: &mut Vec<hostplan::policy::PolicyFile>,
) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {path}"))?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .with_context(|| format!("reading {path}"))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            let is_rego = p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("rego"));
            if p.is_dir() || is_rego {
                // Files recurse to the branch below, which applies the test filter.
                collect_policies(&p.to_string_lossy(), tests, out)?;
            }
        }
    } else if tests || !path.ends_with("_test.rego") {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        out.push(hostplan::policy::PolicyFile {
            path: path.to_owned(),
            text,
        });
    }
    Ok(())
}

/// `variables*.tf` declarations: files as given, folders scanned for `variables*.tf`.
pub fn read_variables(
    paths: &[String],
) -> anyhow::Result<Vec<hostplan::export::tftypes::Variable>> {
    let mut files = Vec::new();
    for p in paths {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            let mut names: Vec<_> = std::fs::read_dir(path)
                .with_context(|| format!("reading {p}"))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|f| {
                    let stem_ok = f
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("variables"));
                    stem_ok && f.extension().is_some_and(|e| e == "tf")
                })
                .collect();
            names.sort();
            if names.is_empty() {
                anyhow::bail!("{p} has no variables*.tf");
            }
            for f in names {
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("reading {}", f.display()))?;
                files.push((f.display().to_string(), text));
            }
        } else {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {p}"))?;
            files.push((p.clone(), text));
        }
    }
    Ok(hostplan::export::tftypes::parse_variables(&files)?)
}

/// The Terraform files of `paths` (files as given; directories read recursively for `.tf`,
/// `.tofu`, `.tf.json`, `.tfvars`, `.tfvars.json`, skipping `.terraform/` and hidden
/// directories; symlinks followed), plus the directories their local `module` sources point at
/// (one level each, their `.tf`/`.tofu` files), until no new one appears.
pub fn terraform_files(paths: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    fn walk(
        dir: &std::path::Path,
        out: &mut Vec<std::path::PathBuf>,
        seen: &mut std::collections::BTreeSet<std::path::PathBuf>,
    ) -> anyhow::Result<()> {
        // Symlinked directories are followed, once: a link back up the tree is not a loop.
        if !seen.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())) {
            return Ok(());
        }
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                if !name.starts_with('.') {
                    walk(&p, out, seen)?;
                }
            } else if hostplan::import::terraform::is_terraform_file(name) {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    let mut dirs = std::collections::BTreeSet::new();
    for p in paths {
        let path = std::path::Path::new(p);
        if path.is_dir() {
            walk(path, &mut found, &mut dirs)?;
        } else {
            found.push(path.to_path_buf());
        }
    }
    let mut files: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut read =
        |path: &std::path::Path, files: &mut Vec<(String, String)>| -> anyhow::Result<()> {
            let name = path.display().to_string();
            if seen.insert(name.clone()) {
                files.push(read_text(&name)?);
            }
            Ok(())
        };
    for p in &found {
        read(p, &mut files)?;
    }
    let mut followed = std::collections::BTreeSet::new();
    loop {
        let new: Vec<String> = hostplan::import::terraform::local_module_sources(&files)
            .into_iter()
            .filter(|d| followed.insert(d.clone()))
            .collect();
        if new.is_empty() {
            break;
        }
        for dir in new {
            let dir_path = std::path::Path::new(if dir.is_empty() { "." } else { &dir });
            let Ok(entries) = std::fs::read_dir(dir_path) else {
                // Not on disk here: the importer reads the call as a wrapper module.
                continue;
            };
            let mut module_files: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| {
                        e.eq_ignore_ascii_case("tf") || e.eq_ignore_ascii_case("tofu")
                    })
                })
                .collect();
            module_files.sort();
            for p in module_files {
                read(&p, &mut files)?;
            }
        }
    }
    Ok(files)
}

/// Write every `(name, text)` into `dir`, or none of them: each is written to a temporary name
/// first and renamed only when all were written, so a failure (a name the file system refuses,
/// a full disk) never leaves half an export behind. Returns the written paths.
pub fn write_all_or_nothing(
    dir: &std::path::Path,
    files: &[(String, String)],
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut staged: Vec<(std::path::PathBuf, std::path::PathBuf)> = Vec::new();
    let cleanup = |staged: &[(std::path::PathBuf, std::path::PathBuf)]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for (i, (name, text)) in files.iter().enumerate() {
        let path = dir.join(name);
        let tmp = dir.join(format!(".hostplan-export-{}-{i}.tmp", std::process::id()));
        let written = std::fs::write(&tmp, text)
            .with_context(|| format!("writing {}", tmp.display()))
            .and_then(|()| {
                // The final name must be usable too; probe it without creating it.
                match std::fs::metadata(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(anyhow::Error::new(e))
                            .with_context(|| format!("writing {}", path.display()))
                    }
                    _ => Ok(()),
                }
            });
        staged.push((tmp, path));
        if let Err(e) = written {
            cleanup(&staged);
            return Err(e.context("nothing was written"));
        }
    }
    let mut done = Vec::new();
    for (k, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            cleanup(&staged[k..]);
            return Err(anyhow::Error::new(e).context(format!(
                "writing {} (after {k} of {} files)",
                path.display(),
                staged.len()
            )));
        }
        done.push(path.clone());
    }
    Ok(done)
}
