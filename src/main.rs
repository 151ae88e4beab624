//! The `hostplan` command line: a thin front end over the core library.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 unusable input or usage.
// The CLI is the edge where file I/O belongs.
#![allow(clippy::disallowed_methods)]

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use hostplan::diag::{render::render, Severity};
use std::io::{Read as _, Write as _};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hostplan",
    version,
    about = "Plan, validate and simulate self-hosted virtualization hosts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a topology file (TOML or JSON; `-` reads stdin).
    Validate {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Lowest severity that makes the exit code 1.
        #[arg(long, value_enum, default_value_t = FailOn::Warning)]
        fail_on: FailOn,
    },
    /// Print the policy input document (topology + derived facts) as JSON, for OPA/conftest.
    Facts {
        /// Topology file, or `-` for standard input.
        file: String,
    },
    /// Validate, derive facts, evaluate the rule book, and report.
    Check {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Extra policy file or folder (repeatable).
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Lowest severity of an unwaived finding that makes the exit code 1.
        #[arg(long, value_enum, default_value_t = Gate::Error)]
        fail_on: Gate,
        /// The date waivers are checked against (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<String>,
    },
    /// Export the topology: the validated spec, Proxmox VM configs, or a diagram.
    Export {
        /// Topology file, or `-` for standard input.
        file: String,
        /// What to write.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Folder to write into (default: standard output).
        #[arg(short, long, value_name = "DIR")]
        output: Option<String>,
        /// Write the spec even with open findings at or above the gate.
        #[arg(long)]
        allow_findings: bool,
        /// Extra policy file or folder (repeatable); part of the spec's policy digest.
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
        /// Lowest severity of an unwaived finding that blocks the spec.
        #[arg(long, value_enum, default_value_t = Gate::Error)]
        fail_on: Gate,
        /// The date waivers are checked against (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<String>,
        /// `source` of the wrapper module in HCL output.
        #[arg(long, default_value = "../../modules/platform/truenas")]
        module_source: String,
        /// The wrapper module's variable declarations (a `.tf` file, or a folder whose
        /// `variables*.tf` are read; repeatable): inputs then follow their names and types.
        #[arg(long = "variables", value_name = "PATH")]
        variables: Vec<String>,
        /// With `--variables`: a required variable hostplan cannot fill is an error (by
        /// default it is reported, since another tfvars file may set it).
        #[arg(long, requires = "variables")]
        strict: bool,
    },
    /// Import what you already have (Terraform, Proxmox configs, hardware inventories, `zpool
    /// status`) as a topology fragment; what could not be mapped is listed on standard error.
    Import {
        /// What the input is: terraform (`.tf` files), proxmox-conf
        /// (`/etc/pve/qemu-server/<vmid>.conf`), pvesh-pci (`pvesh get /nodes/<node>/hardware/pci
        /// --output-format json`), lspci (`lspci -nnmmv`), iommu-groups (the usual IOMMU group
        /// loop, or `find /sys/kernel/iommu_groups/ -type l`), zpool-status.
        #[arg(long, value_parser = import_format())]
        from: hostplan::import::Format,
        /// Input files (`-` for standard input).
        #[arg(required = true)]
        paths: Vec<String>,
        /// Host the hardware is in (required for pvesh-pci, lspci, iommu-groups and
        /// zpool-status); for VMs, the node of those whose input does not say it.
        #[arg(long)]
        host: Option<String>,
        /// VM or host that imports the pools (default: the host).
        #[arg(long)]
        owner: Option<String>,
        /// Merge into this topology and write the whole result (the rest of the site you keep
        /// by hand: hosts, devices, storages…), instead of the fragment alone.
        #[arg(long, value_name = "TOPOLOGY")]
        into: Option<String>,
        /// Write the TOML (fragment, or merged with --into) to this file (default: stdout).
        #[arg(short, long)]
        output: Option<String>,
    },
    /// Verify a spec: untouched since export, same policies, and still passing.
    Verify {
        /// Spec file, or `-` for standard input.
        spec: String,
        /// Extra policy file or folder (repeatable), as used for the export.
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
        /// Lowest severity of an unwaived finding that fails verification.
        #[arg(long, value_enum, default_value_t = Gate::Error)]
        fail_on: Gate,
        /// The date waivers are checked against (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<String>,
    },
    /// The rule book: run its tests, list its rules, write its reference.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Print the JSON Schema of the topology format (or, with --facts, of `hostplan facts`).
    Schema {
        /// The schema of the policy input document instead.
        #[arg(long)]
        facts: bool,
    },
    /// Print shell completions (`hostplan completions bash > /etc/bash_completion.d/hostplan`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (`hostplan man > /usr/local/share/man/man1/hostplan.1`).
    Man,
    /// Print a built-in example topology (`seed` or `roadmap`).
    Example {
        /// Which example.
        #[arg(value_enum, default_value_t = Example::Seed)]
        name: Example,
    },
    /// What is up, degraded or down when components fail, with cause chains.
    Simulate {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Component ids to fail (repeatable).
        #[arg(long = "fail", value_name = "ID", required_unless_present = "reboot")]
        fail: Vec<String>,
        /// Hosts that are rebooting: down now, back after their reboot (repeatable).
        #[arg(long = "reboot", value_name = "HOST")]
        reboot: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Single points of failure and blast radius of every component (N-1; N-2 with --pairs).
    Spof {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Also analyse every critical pair of failures (N-2).
        #[arg(long)]
        pairs: bool,
        /// Rows of the ranking to print in text output.
        #[arg(long, default_value_t = 15)]
        top: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Boot timeline of a cold start (or of one host's reboot) and a suggested startup order.
    Boot {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Simulate a reboot of this host instead of a site-wide cold start.
        #[arg(long)]
        host: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Disaster recovery what-if: move a device (e.g. the HBA with its disks) to another host.
    Recover {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Device id to move.
        #[arg(long = "move", value_name = "DEVICE")]
        device: String,
        /// Target host id (created as a new host when it does not exist).
        #[arg(long, value_name = "HOST")]
        to: String,
        /// Kind of a newly created target host.
        #[arg(long, value_enum, default_value_t = NewHostKind::BareMetal)]
        as_kind: NewHostKind,
        /// PCI address of the device on the target, if known.
        #[arg(long)]
        address: Option<String>,
        /// Write the resulting topology (TOML) to this file.
        #[arg(short, long)]
        output: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Compare two topologies service by service (N-1 and host maintenance reboots).
    Compare {
        /// First topology.
        a: String,
        /// Second topology.
        b: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Expected availability and yearly downtime of each service from MTBF/MTTR.
    Availability {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Use Monte Carlo even where the exact method applies.
        #[arg(long)]
        monte_carlo: bool,
        /// Monte Carlo samples.
        #[arg(long, default_value_t = 200_000)]
        samples: u32,
        /// Monte Carlo seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Generate a synthetic fleet (for benchmarks and sizing).
    Generate {
        /// Number of Proxmox hosts.
        #[arg(long, default_value_t = 10)]
        hosts: u32,
        /// VMs per host.
        #[arg(long, default_value_t = 10)]
        vms_per_host: u32,
        /// One storage host every N hosts.
        #[arg(long, default_value_t = 5)]
        storage_every: u32,
        /// Hosts per power feed.
        #[arg(long, default_value_t = 20)]
        hosts_per_feed: u32,
        /// Hosts per Kubernetes cluster (0: none).
        #[arg(long, default_value_t = 3)]
        cluster_hosts: u32,
        /// Seed of the random choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TopologyFormat::Toml)]
        format: TopologyFormat,
    },
    /// Print the dependency graph of a topology ("A requires B" edges).
    Graph {
        /// Topology file, or `-` for standard input.
        file: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Run every rule's tests (`*_test.rego`) through the engine that ships.
    Test {
        /// Extra policy file or folder (repeatable); its `*_test.rego` files run too.
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
    },
    /// List rule ids, severities and titles.
    List,
    /// Write the Markdown rule reference.
    Doc {
        /// Output file.
        #[arg(short, long, default_value = "docs/rules.md")]
        output: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// Canonical JSON with facts, policy results and digests (`hostplan.spec.json`).
    Spec,
    /// One `<vmid>.conf` per VM.
    Proxmox,
    /// Mermaid `graph TD` (`topology.mmd`).
    Mermaid,
    /// Graphviz (`topology.dot`).
    Dot,
    /// Wrapper-module inputs, one `<vm>.auto.tfvars.json` per VM.
    Tfvars,
    /// `main.tf` with one wrapper `module` block per VM.
    Hcl,
    /// `resources.tf`: plain bpg `proxmox_virtual_environment_vm` and PCI mapping resources.
    HclResources,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
enum Gate {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
enum NewHostKind {
    BareMetal,
    Proxmox,
}

#[derive(Clone, Copy, ValueEnum)]
enum TopologyFormat {
    Toml,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, ValueEnum)]
enum Example {
    Seed,
    Roadmap,
}

/// Exit code for input that could not be used (also clap's code for usage errors).
const UNUSABLE: u8 = 2;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`hostplan … | head`) is not an error worth reporting.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(UNUSABLE)
        }
    }
}

/// The import formats by the core's names, listed in `--help`.
fn import_format() -> impl clap::builder::TypedValueParser<Value = hostplan::import::Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(
        hostplan::import::Format::ALL.map(hostplan::import::Format::name),
    )
    .try_map(|s| hostplan::import::Format::from_name(&s).ok_or("unknown format"))
}

/// `variables*.tf` declarations: files as given, folders scanned for `variables*.tf`.
fn read_variables(paths: &[String]) -> anyhow::Result<Vec<hostplan::export::tftypes::Variable>> {
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
fn terraform_files(paths: &[String]) -> anyhow::Result<Vec<(String, String)>> {
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
    let mut read = |path: &std::path::Path,
                    files: &mut Vec<(String, String)>|
     -> anyhow::Result<()> {
        let name = path.display().to_string();
        if seen.insert(name.clone()) {
            let (_, bytes) = read_input(&name)?;
            let text = String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
            files.push((name, text));
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
fn write_all_or_nothing(
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

fn read_input(file: &str) -> anyhow::Result<(String, Vec<u8>)> {
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
            .and_then(|f| f.take(cap).read_to_end(&mut buf))
            .with_context(|| format!("reading {file}"))?;
        Ok((file.to_owned(), buf))
    }
}

/// Read and validate; print the diagnostics and stop (exit 2, like any error reaching `main`)
/// when the topology has errors: simulations of an inconsistent model would mislead.
fn load_valid(file: &str) -> anyhow::Result<hostplan::model::Topology> {
    let (name, bytes) = read_input(file)?;
    let report = hostplan::check(&name, &bytes);
    match report.topology {
        Some(t) if !report.has_errors() => Ok(t),
        _ => {
            for d in &report.diagnostics {
                eprintln!("{}", render(d, Some(&report.source.text)));
            }
            anyhow::bail!("{name} has errors: fix them first (`hostplan validate {file}`)")
        }
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
fn policy_files(path: &str, tests: bool) -> anyhow::Result<Vec<hostplan::policy::PolicyFile>> {
    let mut out = Vec::new();
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
                out.extend(policy_files(&p.to_string_lossy(), tests)?);
            }
        }
    } else if tests || !path.ends_with("_test.rego") {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        out.push(hostplan::policy::PolicyFile {
            path: path.to_owned(),
            text,
        });
    }
    Ok(out)
}

fn level_of(gate: Gate) -> hostplan::policy::Level {
    match gate {
        Gate::Error => hostplan::policy::Level::Error,
        Gate::Warning => hostplan::policy::Level::Warning,
        Gate::Info => hostplan::policy::Level::Info,
    }
}

fn rule_book(policies: &[String]) -> anyhow::Result<hostplan::policy::RuleBook> {
    let mut extra = Vec::new();
    for p in policies {
        extra.extend(policy_files(p, false)?);
    }
    Ok(hostplan::policy::RuleBook::builtin().with(extra))
}

/// `a, b, c`, or `empty` for an empty list.
fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else {
        items.join(", ")
    }
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn json_out(out: &mut impl std::io::Write, value: &impl serde::Serialize) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Validate {
            file,
            format,
            fail_on,
        } => {
            let (name, bytes) = read_input(&file)?;
            let report = hostplan::check(&name, &bytes);
            let threshold = match fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
            };
            let failing = report.diagnostics.iter().any(|d| d.severity >= threshold);
            match format {
                OutputFormat::Json => {
                    let doc = serde_json::json!({
                        "file": name,
                        "usable": !report.is_unusable(),
                        "errors": report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count(),
                        "warnings": report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count(),
                        "diagnostics": report.diagnostics,
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                }
                OutputFormat::Text => {
                    for d in &report.diagnostics {
                        writeln!(out, "{}", render(d, Some(&report.source.text)))?;
                    }
                    let errors = report
                        .diagnostics
                        .iter()
                        .filter(|d| d.severity == Severity::Error)
                        .count();
                    let warnings = report.diagnostics.len() - errors;
                    if report.diagnostics.is_empty() {
                        writeln!(out, "{name}: valid")?;
                    } else {
                        writeln!(out, "{name}: {errors} error(s), {warnings} warning(s)")?;
                    }
                }
            }
            Ok(if report.is_unusable() {
                ExitCode::from(UNUSABLE)
            } else if failing {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Simulate {
            file,
            fail,
            reboot,
            format,
        } => {
            let topology = load_valid(&file)?;
            let report = hostplan::sim::failure::simulate_with_reboots(&topology, &fail, &reboot)?;
            match format {
                OutputFormat::Json => json_out(&mut out, &report)?,
                OutputFormat::Text => {
                    writeln!(out, "failed: {}", report.failed.join(", "))?;
                    for tr in &report.transient {
                        let back = tr
                            .back_after_ms
                            .map_or("never (see `hostplan boot --host`)".to_owned(), |ms| {
                                format!("after {}", secs(ms))
                            });
                        writeln!(out, "{} is rebooting: everything is back {back}", tr.host)?;
                    }
                    writeln!(
                        out,
                        "{} up, {} degraded, {} down\n",
                        report.up, report.degraded, report.down
                    )?;
                    for a in report
                        .affected
                        .iter()
                        .filter(|a| !report.failed.contains(&a.id))
                    {
                        let icon = if a.state == hostplan::graph::State::Down {
                            "✖"
                        } else {
                            "▲"
                        };
                        writeln!(
                            out,
                            "{icon} {:<8} {}",
                            hostplan::sim::failure::state_word(a.state),
                            a.chain_text()
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Spof {
            file,
            pairs,
            top,
            format,
        } => {
            let topology = load_valid(&file)?;
            let report = hostplan::sim::spof::analyse(&topology, pairs)?;
            match format {
                OutputFormat::Json => json_out(&mut out, &report)?,
                OutputFormat::Text => {
                    writeln!(
                        out,
                        "Single points of failure per service ({} candidate components):",
                        report.candidates
                    )?;
                    for s in &report.services {
                        writeln!(
                            out,
                            "  {:<24} {}",
                            s.service,
                            list_or(&s.components, "(none)")
                        )?;
                    }
                    writeln!(out, "\nBlast radius, largest first:")?;
                    writeln!(
                        out,
                        "  {:<24} {:>8} {:>5} {:>6}  services taken down",
                        "component", "services", "VMs", "total"
                    )?;
                    for b in report.ranking.iter().take(top) {
                        writeln!(
                            out,
                            "  {:<24} {:>8} {:>5} {:>6}  {}",
                            b.id,
                            b.services.len(),
                            b.vms.len(),
                            b.total,
                            b.services.join(", ")
                        )?;
                    }
                    if let (Some(pairs), Some(examined)) = (&report.pairs, report.pairs_examined) {
                        writeln!(
                            out,
                            "\nCritical pairs (N-2): {} of {examined} examined candidate pairs",
                            pairs.len()
                        )?;
                        for p in pairs.iter().take(top) {
                            writeln!(
                                out,
                                "  {} + {}: {} ({} nodes)",
                                p.a,
                                p.b,
                                list_or(&p.services, "no service"),
                                p.total
                            )?;
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Boot { file, host, format } => {
            use hostplan::sim::boot::{simulate, startup_text, suggest, Scenario, Timing};
            let topology = load_valid(&file)?;
            if let Some(h) = &host {
                if !topology.hosts.iter().any(|x| &x.id == h) {
                    anyhow::bail!("unknown host `{h}`");
                }
            }
            let timing = Timing::default();
            let scenario = host.map_or(Scenario::ColdStart, Scenario::Reboot);
            let timeline = simulate(&topology, &scenario, &timing);
            let suggestion = suggest(&topology, &timing);
            match format {
                OutputFormat::Json => json_out(
                    &mut out,
                    &serde_json::json!({ "timeline": timeline, "suggestion": suggestion, "timing": timing }),
                )?,
                OutputFormat::Text => {
                    writeln!(out, "Timeline ({}):", timeline.scenario)?;
                    for e in &timeline.events {
                        writeln!(
                            out,
                            "  {:>9}  {:<16} {:<14} {}",
                            secs(e.at_ms),
                            e.subject,
                            format!("{:?}", e.kind),
                            e.detail
                        )?;
                    }
                    writeln!(out)?;
                    for w in &timeline.waits {
                        writeln!(
                            out,
                            "wait: {} waited {} for {}",
                            w.who,
                            secs(w.until_ms - w.from_ms),
                            w.waited_for
                        )?;
                    }
                    for f in &timeline.failures {
                        let kind = if f.deadlock {
                            "DEADLOCK"
                        } else {
                            "start failed"
                        };
                        writeln!(
                            out,
                            "{kind}: {} boots from {} ({}), not ready at {}",
                            f.vm,
                            f.storage,
                            f.service,
                            secs(f.at_ms)
                        )?;
                    }
                    for h in &timeline.hazards {
                        writeln!(out, "hazard: {}", h.detail)?;
                    }
                    match timeline.all_ready_ms {
                        Some(t) => writeln!(out, "all ready at {}", secs(t))?,
                        None => {
                            writeln!(out, "never all ready: {}", timeline.never_ready.join(", "))?;
                        }
                    }
                    writeln!(
                        out,
                        "\nSuggested startup configuration (cold start {} → {}):",
                        suggestion.before_ms.map_or("never".into(), secs),
                        suggestion.after_ms.map_or("never".into(), secs)
                    )?;
                    if suggestion.changes.is_empty() {
                        writeln!(out, "  (no change)")?;
                    }
                    for c in &suggestion.changes {
                        writeln!(
                            out,
                            "  {:<16} {:<10} startup: {}  →  {}",
                            c.vm,
                            c.host,
                            startup_text(c.order_before, c.up_before),
                            startup_text(c.order_after, c.up_after)
                        )?;
                    }
                    for c in &suggestion.cross_node {
                        writeln!(out, "  cannot be ordered (different nodes): {c}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Recover {
            file,
            device,
            to,
            as_kind,
            address,
            output,
            format,
        } => {
            use hostplan::sim::recover::{plan_move, MoveRequest};
            let topology = load_valid(&file)?;
            let new_host_kind = match as_kind {
                NewHostKind::BareMetal => hostplan::model::HostKind::BareMetal,
                NewHostKind::Proxmox => hostplan::model::HostKind::Proxmox,
            };
            let plan = plan_move(
                &topology,
                &MoveRequest {
                    device,
                    to,
                    new_host_kind,
                    address,
                },
            )?;
            if let Some(path) = &output {
                std::fs::write(path, toml::to_string(&plan.topology)?)
                    .with_context(|| format!("writing {path}"))?;
            }
            match format {
                OutputFormat::Json => json_out(
                    &mut out,
                    &serde_json::json!({ "plan": plan, "topology": plan.topology }),
                )?,
                OutputFormat::Text => {
                    writeln!(
                        out,
                        "Move `{}` from `{}` to `{}`{}",
                        plan.device,
                        plan.from,
                        plan.to,
                        if plan.created_host { " (new host)" } else { "" }
                    )?;
                    writeln!(
                        out,
                        "  disks moving with it: {}",
                        list_or(&plan.moved_disks, "(none)")
                    )?;
                    for p in &plan.pools {
                        writeln!(
                            out,
                            "  pool {}: {} on `{}`",
                            p.pool,
                            if p.importable {
                                "imports"
                            } else {
                                "CANNOT be imported"
                            },
                            p.new_owner
                        )?;
                        for v in &p.vdevs {
                            writeln!(
                                out,
                                "    vdev {} ({:?}): {}/{} disks present, {} needed{}",
                                v.index,
                                v.role,
                                v.present,
                                v.width,
                                v.needed,
                                if v.missing.is_empty() {
                                    String::new()
                                } else {
                                    format!(" — missing {}", v.missing.join(", "))
                                }
                            )?;
                        }
                    }
                    writeln!(
                        out,
                        "\nDown during the move: {}",
                        list_or(&plan.down_during_move, "(nothing)")
                    )?;
                    writeln!(out, "\nChanges:")?;
                    for c in &plan.changes {
                        writeln!(out, "  - {c}")?;
                    }
                    writeln!(out, "\nBefore you move:")?;
                    for c in &plan.caveats {
                        writeln!(out, "  - {c}")?;
                    }
                    writeln!(
                        out,
                        "\nAfterwards: {}",
                        if plan.down_after.is_empty() {
                            "every service is up".to_owned()
                        } else {
                            format!("still down: {}", plan.down_after.join(", "))
                        }
                    )?;
                    if let Some(path) = &output {
                        writeln!(out, "resulting topology written to {path}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare { a, b, format } => {
            let ta = load_valid(&a)?;
            let tb = load_valid(&b)?;
            let cmp = hostplan::sim::recover::compare(&ta, &tb)?;
            match format {
                OutputFormat::Json => json_out(&mut out, &cmp)?,
                OutputFormat::Text => {
                    let n = |v: &Option<Vec<String>>| {
                        v.as_ref().map_or("—".to_owned(), |x| x.len().to_string())
                    };
                    let l = |v: &Option<Vec<String>>| {
                        v.as_ref().map_or("—".to_owned(), |x| list_or(x, "none"))
                    };
                    let d = |v: Option<f64>| v.map_or("—".to_owned(), |m| format!("{m:.0} min"));
                    writeln!(
                        out,
                        "{:<24} {:>6} {:>6}   {:<22} {:<22} {:>10} {:>10}",
                        "service",
                        "SPOF A",
                        "SPOF B",
                        "reboot downs it (A)",
                        "reboot downs it (B)",
                        "down/yr A",
                        "down/yr B"
                    )?;
                    for s in &cmp.services {
                        writeln!(
                            out,
                            "{:<24} {:>6} {:>6}   {:<22} {:<22} {:>10} {:>10}",
                            s.service,
                            n(&s.spof_a),
                            n(&s.spof_b),
                            l(&s.reboot_a),
                            l(&s.reboot_b),
                            d(s.downtime_a),
                            d(s.downtime_b)
                        )?;
                    }
                    writeln!(
                        out,
                        "\ncold start all ready: A {}, B {}",
                        cmp.all_ready_a.map_or("never".into(), secs),
                        cmp.all_ready_b.map_or("never".into(), secs)
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Availability {
            file,
            monte_carlo,
            samples,
            seed,
            format,
        } => {
            use hostplan::sim::availability::{analyse, Choice, Method, Options};
            let topology = load_valid(&file)?;
            let choice = if monte_carlo {
                Choice::MonteCarlo
            } else {
                Choice::Auto
            };
            let rows = analyse(
                &topology,
                &Options {
                    choice,
                    samples,
                    seed,
                },
            )?;
            match format {
                OutputFormat::Json => json_out(&mut out, &rows)?,
                OutputFormat::Text => {
                    writeln!(
                        out,
                        "{:<24} {:>12} {:>16}  method",
                        "service", "availability", "downtime/year"
                    )?;
                    for r in &rows {
                        let method = match (r.method, r.ci95) {
                            (Method::Exact, _) => {
                                format!("exact ({} components, {} pivots)", r.components, r.pivots)
                            }
                            (Method::MonteCarlo, Some((lo, hi))) => format!(
                                "Monte Carlo, {samples} samples, seed {seed}, 95% CI {:.5}%–{:.5}%",
                                lo * 100.0,
                                hi * 100.0
                            ),
                            (Method::MonteCarlo, None) => "Monte Carlo".to_owned(),
                        };
                        writeln!(
                            out,
                            "{:<24} {:>11.5}% {:>11.1} min  {method}",
                            r.service,
                            r.availability * 100.0,
                            r.downtime_min_per_year
                        )?;
                    }
                    writeln!(out, "\nDefaults per kind (MTBF/MTTR) apply where a component gives none; see `hostplan::sim::availability::default_rates`.")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            hosts,
            vms_per_host,
            storage_every,
            hosts_per_feed,
            cluster_hosts,
            seed,
            format,
        } => {
            let spec = hostplan::sim::generate::FleetSpec {
                hosts,
                vms_per_host,
                storage_every,
                hosts_per_feed,
                cluster_hosts,
                seed,
            };
            let t = hostplan::sim::generate::generate(&spec);
            match format {
                TopologyFormat::Json => json_out(&mut out, &t)?,
                TopologyFormat::Toml => write!(out, "{}", toml::to_string(&t)?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Facts { file } => {
            let topology = load_valid(&file)?;
            json_out(&mut out, &hostplan::policy::facts::facts(&topology))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            file,
            policies,
            format,
            fail_on,
            today,
        } => {
            use hostplan::policy::{report, Limits};
            let (name, bytes) = read_input(&file)?;
            let checked = hostplan::check(&name, &bytes);
            let topology = match checked.topology.as_ref() {
                Some(t) if !checked.has_errors() => t,
                _ => {
                    for d in &checked.diagnostics {
                        eprintln!("{}", render(d, Some(&checked.source.text)));
                    }
                    anyhow::bail!("{name} has errors: fix them first (`hostplan validate {file}`)");
                }
            };
            let book = rule_book(&policies)?;
            let facts = hostplan::policy::facts::facts(topology);
            let today = today.unwrap_or_else(today_utc);
            let ev = book.evaluate(&facts, &topology.waivers, &today, Limits::default())?;
            let gate = level_of(fail_on);
            match format {
                CheckFormat::Text => {
                    write!(out, "{}", report::text(&ev, &checked.source, topology))?;
                }
                CheckFormat::Json => {
                    json_out(&mut out, &report::json(&ev, &checked.source, topology))?;
                }
                CheckFormat::Sarif => json_out(
                    &mut out,
                    &report::sarif(&ev, &checked.source, topology, env!("CARGO_PKG_VERSION")),
                )?,
                CheckFormat::Junit => write!(out, "{}", report::junit(&ev, gate))?,
                CheckFormat::Github => {
                    write!(out, "{}", report::github(&ev, &checked.source, topology))?;
                }
            }
            Ok(if ev.blocking(gate).next().is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Export {
            file,
            format,
            output,
            allow_findings,
            policies,
            fail_on,
            today,
            module_source,
            variables,
            strict,
        } => {
            use hostplan::export::{dot, mermaid, proxmox, spec, terraform};
            let topology = load_valid(&file)?;
            if !matches!(
                format,
                ExportFormat::Mermaid | ExportFormat::Dot | ExportFormat::Spec
            ) {
                for n in hostplan::export::unknown_notes(&topology) {
                    eprintln!("note: {n}");
                }
            }
            let files: Vec<(String, String)> = match format {
                ExportFormat::Spec => {
                    let book = rule_book(&policies)?;
                    let today = today.unwrap_or_else(today_utc);
                    match spec::export(&topology, &book, &today, level_of(fail_on), allow_findings)
                    {
                        Ok(doc) => vec![("hostplan.spec.json".to_owned(), spec::to_text(&doc))],
                        Err(spec::SpecError::Blocked(list)) => {
                            eprintln!("export refused: {} finding(s) at or above `{}` (waive them, fix them, or pass --allow-findings):", list.len(), format!("{:?}", level_of(fail_on)).to_lowercase());
                            for l in &list {
                                eprintln!("{l}");
                            }
                            return Ok(ExitCode::from(1));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                ExportFormat::Proxmox => {
                    proxmox::export(&topology).map_err(|e| anyhow::anyhow!("{e}"))?
                }
                ExportFormat::Mermaid => {
                    vec![("topology.mmd".to_owned(), mermaid::export(&topology))]
                }
                ExportFormat::Dot => vec![("topology.dot".to_owned(), dot::export(&topology))],
                ExportFormat::Tfvars | ExportFormat::Hcl => {
                    let vars = read_variables(&variables)?;
                    let declared = (!variables.is_empty()).then_some(terraform::Declared {
                        variables: vars.as_slice(),
                        strict,
                    });
                    let (files, notes) = if matches!(format, ExportFormat::Tfvars) {
                        terraform::tfvars(&topology, declared)
                    } else {
                        terraform::hcl_modules(&topology, &module_source, declared)
                            .map(|(text, notes)| (vec![("main.tf".to_owned(), text)], notes))
                    }
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    for n in &notes {
                        eprintln!("note: {n}");
                    }
                    files
                }
                ExportFormat::HclResources => vec![(
                    "resources.tf".to_owned(),
                    terraform::hcl_resources(&topology).map_err(|e| anyhow::anyhow!("{e}"))?,
                )],
            };
            match output {
                Some(dir) => {
                    for path in write_all_or_nothing(std::path::Path::new(&dir), &files)? {
                        writeln!(out, "wrote {}", path.display())?;
                    }
                }
                None => {
                    for (name, text) in &files {
                        if files.len() > 1 {
                            writeln!(out, "# ==> {name} <==")?;
                        }
                        write!(out, "{text}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            from,
            paths,
            host,
            owner,
            into,
            output,
        } => {
            let mut named = Vec::new();
            if matches!(from, hostplan::import::Format::Terraform) {
                named = terraform_files(&paths)?;
            } else {
                for p in &paths {
                    let (name, bytes) = read_input(p)?;
                    let text =
                        String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
                    named.push((name, text));
                }
            }
            let imported = hostplan::import::run(from, &named, host.as_deref(), owner.as_deref())?;
            let mut fragment = imported.topology;
            let notes = imported.notes;
            if let Some(base) = &into {
                let (name, bytes) = read_input(base)?;
                let parsed = hostplan::source::parse(&name, &bytes);
                let Some(site) = parsed.topology else {
                    for d in &parsed.diagnostics {
                        eprintln!("{}", render(d, Some(&parsed.source.text)));
                    }
                    return Ok(ExitCode::from(UNUSABLE));
                };
                let (merged, what) = hostplan::import::merge(&site, &fragment)
                    .map_err(|e| anyhow::anyhow!("merging into {name}: {e}"))?;
                if !what.added.is_empty() {
                    eprintln!("merged into {name}: added {}", what.added.join(", "));
                }
                for (id, fields) in what.updated.iter().filter(|(_, f)| !f.is_empty()) {
                    eprintln!("merged into {name}: updated {id} ({})", fields.join(", "));
                }
                fragment = merged;
            }
            let text = hostplan::import::fragment_text(&fragment)?;
            match &output {
                Some(path) => {
                    std::fs::write(path, &text).with_context(|| format!("writing {path}"))?;
                }
                None => write!(out, "{text}")?,
            }
            for n in &notes {
                eprintln!("note: {n}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            spec,
            policies,
            fail_on,
            today,
        } => {
            let (name, bytes) = read_input(&spec)?;
            let text = String::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8"))?;
            let book = rule_book(&policies)?;
            let today = today.unwrap_or_else(today_utc);
            match hostplan::export::spec::verify(&text, &book, level_of(fail_on), &today) {
                Ok(doc) => {
                    writeln!(
                        out,
                        "{name}: verified ({})",
                        doc["digest"].as_str().unwrap_or_default()
                    )?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(
                    e @ (hostplan::export::spec::SpecError::Mismatch(_)
                    | hostplan::export::spec::SpecError::Blocked(_)),
                ) => {
                    eprintln!("{name}: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::Error::new(e).context(name)),
            }
        }
        Command::Policy { command } => {
            use hostplan::policy::{Limits, PolicyFile, RuleBook, BUILTIN_TESTS};
            match command {
                PolicyCommand::Test { policies } => {
                    let mut rules = Vec::new();
                    let mut tests: Vec<PolicyFile> = BUILTIN_TESTS
                        .iter()
                        .map(|(p, t)| PolicyFile {
                            path: format!("policies/{p}"),
                            text: (*t).to_owned(),
                        })
                        .collect();
                    for p in &policies {
                        for f in policy_files(p, true)? {
                            if f.path.ends_with("_test.rego") {
                                tests.push(f);
                            } else {
                                rules.push(f);
                            }
                        }
                    }
                    let results = RuleBook::builtin()
                        .with(rules)
                        .run_tests(&tests, Limits::default())?;
                    let failed = results.iter().filter(|r| r.1.is_err()).count();
                    for (name, r) in &results {
                        match r {
                            Ok(()) => writeln!(out, "PASS {name}")?,
                            Err(e) => writeln!(out, "FAIL {name}: {e}")?,
                        }
                    }
                    writeln!(out, "{} passed, {failed} failed", results.len() - failed)?;
                    Ok(if failed == 0 {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
                PolicyCommand::List => {
                    for r in RuleBook::builtin().rules() {
                        writeln!(out, "{:<8} {:<8} {}", r.id, r.severity, r.title)?;
                    }
                    Ok(ExitCode::SUCCESS)
                }
                PolicyCommand::Doc { output } => {
                    let doc = hostplan::policy::metadata::markdown(&RuleBook::builtin().rules());
                    std::fs::write(&output, doc).with_context(|| format!("writing {output}"))?;
                    writeln!(out, "wrote {output}")?;
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Schema { facts } => {
            let schema = if facts {
                hostplan::policy::facts::facts_schema()
            } else {
                hostplan::schema::json_schema()
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&schema)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "hostplan", &mut out);
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            use clap::CommandFactory as _;
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Example { name } => {
            let text = match name {
                Example::Seed => hostplan::examples::SEED,
                Example::Roadmap => hostplan::examples::ROADMAP,
            };
            write!(out, "{text}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { file, format } => {
            let (name, bytes) = read_input(&file)?;
            let report = hostplan::check(&name, &bytes);
            let Some(topology) = &report.topology else {
                for d in &report.diagnostics {
                    eprintln!("{}", render(d, Some(&report.source.text)));
                }
                return Ok(ExitCode::from(UNUSABLE));
            };
            // A graph of an inconsistent topology would be wrong silently: say why instead.
            if report.has_errors() {
                for d in &report.diagnostics {
                    eprintln!("{}", render(d, Some(&report.source.text)));
                }
                eprintln!("{name}: not drawn: fix the errors first");
                return Ok(ExitCode::from(1));
            }
            let graph = hostplan::graph::DependencyGraph::build(topology);
            match format {
                OutputFormat::Json => {
                    let nodes: Vec<_> = graph.nodes().map(|(_, n)| n).collect();
                    let edges: Vec<_> = graph
                        .edges()
                        .into_iter()
                        .map(|(from, to, e)| serde_json::json!({"from": from, "to": to, "kind": e.kind, "required": e.required}))
                        .collect();
                    let doc = serde_json::json!({"nodes": nodes, "edges": edges});
                    writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
                }
                OutputFormat::Text => {
                    for (from, to, e) in graph.edges() {
                        let opt = if e.required { "" } else { " (optional)" };
                        writeln!(out, "{from} requires {to} [{:?}]{opt}", e.kind)?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
