//! What can be typed: the subcommands and their options. Options several commands share are
//! declared once ([`InputArgs`], [`PolicyArgs`], [`OutputArgs`]) and flattened in; value names
//! that the core owns (severities, import and export formats) are parsed by the core's names.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
use clap::{Args, Parser, Subcommand, ValueEnum};
use hostplan::diag::Severity;

#[derive(Parser)]
#[command(
    name = "hostplan",
    version,
    about = "Plan, validate and simulate self-hosted virtualization hosts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Validate a topology file (TOML or JSON; `-` reads stdin).
    Validate(ValidateArgs),
    /// Print the policy input document (topology + derived facts) as JSON, for OPA/conftest.
    Facts(InputArgs),
    /// Validate, derive facts, evaluate the rule book, and report.
    Check(CheckArgs),
    /// Export the topology: the validated spec, Proxmox VM configs, or a diagram.
    Export(ExportArgs),
    /// Import what you already have (Terraform, Proxmox configs, hardware inventories, `zpool
    /// status`) as a topology fragment; what could not be mapped is listed on standard error.
    Import(ImportArgs),
    /// Verify a spec: untouched since export, same policies, and still passing.
    Verify(VerifyArgs),
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
    /// Print a built-in example topology (`seed`, `roadmap` or `cluster`).
    Example {
        /// Which example.
        #[arg(value_enum, default_value_t = Example::Seed)]
        name: Example,
    },
    /// What is up, degraded or down when components fail, with cause chains.
    Simulate(SimulateArgs),
    /// Single points of failure and blast radius of every component (N-1; N-2 with --pairs).
    Spof(SpofArgs),
    /// Boot timeline of a cold start (or of one host's reboot) and a suggested startup order.
    Boot(BootArgs),
    /// Maintenance preview of a host: what stops, what migrates where, what is down for how
    /// long, and the runbook (text, Markdown, JSON or a bash script skeleton).
    Maintain(MaintainArgs),
    /// Mains loss: the staged shutdown (consumers, storage, storage VM, hosts) checked against
    /// every UPS's runtime, what is lost if it does not finish, the restart order, and the NUT
    /// files (`upsmon.conf` and the shutdown script per host).
    PowerLoss(PowerLossArgs),
    /// Readiness-gated boot: a Proxmox hookscript per guest that needs a storage service
    /// (its pre-start waits until the service answers on TCP), and per node an install script
    /// with the `qm set --hookscript` lines. Nothing is written when an address is unknown.
    Hookscripts(HookscriptsArgs),
    /// Disaster recovery what-if: move a device (e.g. the HBA with its disks) to another host.
    Recover(RecoverArgs),
    /// Compare two topologies: per service (N-1, maintenance reboots, downtime) and what
    /// changed (new and removed SPOFs, N-2 pairs, policy findings, components).
    Compare(CompareArgs),
    /// Expected availability and yearly downtime of each service from MTBF/MTTR.
    Availability(AvailabilityArgs),
    /// Generate a synthetic fleet (for benchmarks and sizing).
    Generate(GenerateArgs),
    /// Print the dependency graph of a topology ("A requires B" edges).
    Graph(GraphArgs),
}

/// The topology a command reads.
#[derive(Args)]
pub struct InputArgs {
    /// Topology file, or `-` for standard input.
    pub file: String,
}

/// The rules a command evaluates, the gate, and the date waivers are judged on.
#[derive(Args)]
pub struct PolicyArgs {
    /// Extra policy file or folder (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<String>,
    /// Lowest severity of an unwaived finding that fails the command (exit code 1).
    #[arg(long, value_parser = severity(), default_value = "error")]
    pub fail_on: Severity,
    /// The date waivers are checked against (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Evaluate only this policy package, e.g. `site` or `hostplan.zfs` (repeatable; conftest's
    /// `--namespace`). Default: every package.
    #[arg(
        long = "namespace",
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespaces: Vec<String>,
    /// Evaluate every policy package (the default; accepted as conftest spells it).
    #[arg(long)]
    pub all_namespaces: bool,
}

/// Text for people or JSON for programs.
#[derive(Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// More files, each read and reported in turn (as pre-commit passes them); the exit code
    /// is the worst of them. Text output only (and `github` for `check`).
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_parser = severity(), default_value = "warning")]
    pub fail_on: Severity,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// More files, each read and reported in turn (as pre-commit passes them); the exit code
    /// is the worst of them. Text output only (and `github` for `check`).
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Print on standard error how long each phase took (load, facts, rule book, report).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Github,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// What to write.
    #[arg(long, value_parser = export_format())]
    pub format: hostplan::export::Format,
    /// Folder to write into (default: standard output).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<String>,
    /// Write the spec even with open findings at or above the gate.
    #[arg(long)]
    pub allow_findings: bool,
    /// The spec's rules (part of its policy digest) and the gate that blocks it.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `source` of the wrapper module in HCL output.
    #[arg(long, default_value = hostplan::export::DEFAULT_MODULE_SOURCE)]
    pub module_source: String,
    /// The wrapper module's variable declarations (a `.tf` file, or a folder whose
    /// `variables*.tf` are read; repeatable): inputs then follow their names and types.
    #[arg(long = "variables", value_name = "PATH")]
    pub variables: Vec<String>,
    /// With `--variables`: a required variable hostplan cannot fill is an error (by
    /// default it is reported, since another tfvars file may set it).
    #[arg(long, requires = "variables")]
    pub strict: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// What the input is: terraform (`.tf` files), proxmox-conf
    /// (`/etc/pve/qemu-server/<vmid>.conf`), pvesh-pci (`pvesh get /nodes/<node>/hardware/pci
    /// --output-format json`), lspci (`lspci -nnmmv`), iommu-groups (the usual IOMMU group
    /// loop, or `find /sys/kernel/iommu_groups/ -type l`), zpool-status.
    #[arg(long, value_parser = import_format())]
    pub from: hostplan::import::Format,
    /// Input files (`-` for standard input).
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Host the hardware is in (required for pvesh-pci, lspci, iommu-groups and
    /// zpool-status); for VMs, the node of those whose input does not say it.
    #[arg(long)]
    pub host: Option<String>,
    /// VM or host that imports the pools (default: the host).
    #[arg(long)]
    pub owner: Option<String>,
    /// Merge into this topology and write the whole result (the rest of the site you keep
    /// by hand: hosts, devices, storages…), instead of the fragment alone.
    #[arg(long, value_name = "TOPOLOGY")]
    pub into: Option<String>,
    /// Write the TOML (fragment, or merged with --into) to this file (default: stdout).
    #[arg(short, long)]
    pub output: Option<String>,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Spec file, or `-` for standard input.
    pub spec: String,
    /// More files, each read and reported in turn (as pre-commit passes them); the exit code
    /// is the worst of them. Text output only (and `github` for `check`).
    #[arg(value_name = "MORE")]
    pub more: Vec<String>,
    /// The rules used for the export, and the gate the spec must still pass.
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Run every rule's tests (`*_test.rego`) through the engine that ships.
    Test {
        /// Extra policy file or folder (repeatable); its `*_test.rego` files run too.
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
    },
    /// Evaluate the rule book on a facts document (the JSON `hostplan facts` prints, or one made
    /// elsewhere) as OPA's `opa eval -i facts.json` would: findings and "not evaluated" as JSON.
    /// No waivers are applied and no location is given (there is no topology file to point
    /// into). Exit code 0 whatever was found; 2 when the document or a policy is unusable.
    /// Several files are evaluated by one rule book, loaded once: one JSON object per line
    /// (JSON Lines), in the order given.
    Eval {
        /// Facts JSON file, or `-` for standard input.
        #[arg(required = true)]
        facts: Vec<String>,
        /// Extra policy file or folder (repeatable).
        #[arg(long = "policy", value_name = "PATH")]
        policies: Vec<String>,
        /// Evaluate only this policy package (repeatable), as `check --namespace`.
        #[arg(long = "namespace", value_name = "NS")]
        namespaces: Vec<String>,
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
pub enum Example {
    Seed,
    Roadmap,
    /// The 3-node HA cluster with its UPS, switches and QDevice.
    Cluster,
}

#[derive(Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Component ids to fail (repeatable).
    #[arg(
        long = "fail",
        value_name = "ID",
        required_unless_present_any = ["reboot", "outage"]
    )]
    pub fail: Vec<String>,
    /// Hosts that are rebooting: down now, back after their reboot (repeatable). A storage
    /// VM here (e.g. `truenas`) simulates its reboot as a storage outage.
    #[arg(long = "reboot", value_name = "HOST")]
    pub reboot: Vec<String>,
    /// A storage outage: the VM or host serving storage, or a service, that goes away; what
    /// each consumer does (rides through, stalls then resumes, needs a restart) and why.
    #[arg(long, value_name = "ID", conflicts_with_all = ["fail", "reboot"])]
    pub outage: Option<String>,
    /// How long the outage lasts (`300`, `5m`, `1h30m`); without it, the provider VM's
    /// reboot by the boot model.
    #[arg(long = "for", value_name = "DURATION", requires = "outage")]
    pub duration: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct SpofArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Also analyse every critical pair of failures (N-2).
    #[arg(long)]
    pub pairs: bool,
    /// Rows of the ranking to print in text output.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct MaintainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The host to maintain.
    #[arg(long)]
    pub host: String,
    /// The host reboots (the default).
    #[arg(long, conflicts_with = "shutdown")]
    pub reboot: bool,
    /// The host is powered off and powered on again by hand.
    #[arg(long)]
    pub shutdown: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunbookFormat::Text)]
    pub format: RunbookFormat,
}

#[derive(Args)]
pub struct PowerLossArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The power feed that fails (repeatable; default: every feed, a utility outage).
    #[arg(long = "feed", value_name = "ID")]
    pub feeds: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PowerFormat::Text)]
    pub format: PowerFormat,
    /// With `--format nut`: the folder to write the files into, all or none (default:
    /// standard output).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PowerFormat {
    /// For a terminal.
    Text,
    /// A Markdown document.
    Markdown,
    /// The plan as JSON.
    Json,
    /// Per host running upsmon: an `upsmon.conf` fragment and the shutdown script it calls.
    Nut,
}

#[derive(Args)]
pub struct HookscriptsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Folder to write the scripts into, all or none (default: a summary on standard output).
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<String>,
    /// Every gate's deadline (`300`, `5m`) instead of twice the model's time to serve.
    #[arg(long, value_parser = duration)]
    pub timeout: Option<u32>,
    /// A service's address when the model states none (or to override it); repeatable.
    #[arg(long = "address", value_name = "SERVICE=ADDRESS", value_parser = service_address)]
    pub addresses: Vec<(String, String)>,
    /// The Proxmox storage holding the scripts (content type `snippets`).
    #[arg(long, default_value = hostplan::ops::hookscript::DEFAULT_STORAGE)]
    pub storage: String,
    #[command(flatten)]
    pub output_format: OutputArgs,
}

fn duration(text: &str) -> Result<u32, String> {
    hostplan::ops::parse_duration(text).map_err(|e| e.to_string())
}

fn service_address(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((s, a)) if !s.is_empty() && !a.is_empty() => Ok((s.to_owned(), a.to_owned())),
        _ => Err(format!(
            "`{text}`: write SERVICE=ADDRESS, e.g. iscsi-k8s=10.50.0.10"
        )),
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RunbookFormat {
    /// For a terminal.
    Text,
    /// A Markdown document (a change request).
    Markdown,
    /// The plan as JSON.
    Json,
    /// The runbook as a bash script skeleton: asks before anything destructive, stops at
    /// every check.
    Script,
}

#[derive(Args)]
pub struct BootArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Simulate a reboot of this host instead of a site-wide cold start.
    #[arg(long)]
    pub host: Option<String>,
    /// Put every guest that needs a storage service behind a readiness gate (the hookscripts
    /// of `hostplan hookscripts`) and compare with the fixed delays.
    #[arg(long)]
    pub gated: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct RecoverArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Device id to move.
    #[arg(long = "move", value_name = "DEVICE")]
    pub device: String,
    /// Target host id (created as a new host when it does not exist).
    #[arg(long, value_name = "HOST")]
    pub to: String,
    /// Kind of a newly created target host.
    #[arg(long, value_enum, default_value_t = NewHostKind::BareMetal)]
    pub as_kind: NewHostKind,
    /// PCI address of the device on the target, if known.
    #[arg(long)]
    pub address: Option<String>,
    /// Write the resulting topology (TOML) to this file.
    #[arg(short, long)]
    pub output: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum NewHostKind {
    BareMetal,
    Proxmox,
}

#[derive(Args)]
pub struct CompareArgs {
    /// First topology.
    pub a: String,
    /// Second topology.
    pub b: String,
    /// Extra policy file or folder for the findings delta (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policies: Vec<String>,
    /// The date waivers are checked against (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Leave out the N-2 critical pairs (quadratic in the worst case on large sites).
    #[arg(long)]
    pub no_pairs: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct AvailabilityArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Use Monte Carlo even where the exact method applies.
    #[arg(long)]
    pub monte_carlo: bool,
    /// Monte Carlo samples.
    #[arg(long, default_value_t = 200_000)]
    pub samples: u32,
    /// Monte Carlo seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of Proxmox hosts.
    #[arg(long, default_value_t = 10)]
    pub hosts: u32,
    /// VMs per host.
    #[arg(long, default_value_t = 10)]
    pub vms_per_host: u32,
    /// One storage host every N hosts.
    #[arg(long, default_value_t = 5)]
    pub storage_every: u32,
    /// Hosts per power feed.
    #[arg(long, default_value_t = 20)]
    pub hosts_per_feed: u32,
    /// Hosts per Kubernetes cluster (0: none).
    #[arg(long, default_value_t = 3)]
    pub cluster_hosts: u32,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Shape: realistic proportions, or a shape that stresses the analyses (a chain of storage
    /// VMs each booting from the previous one's storage, one service behind everything, every
    /// VM's boot storage misspelled).
    #[arg(long, value_parser = shape(), default_value = "fleet")]
    pub shape: hostplan::sim::generate::Shape,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TopologyFormat::Toml)]
    pub format: TopologyFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum TopologyFormat {
    Toml,
    Json,
}

#[derive(Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Severities by the core's names (`info`, `warning`, `error`).
fn severity() -> impl clap::builder::TypedValueParser<Value = Severity> {
    PossibleValuesParser::new(Severity::ALL.map(Severity::as_str))
        .try_map(|s| Severity::from_name(&s).ok_or("unknown severity"))
}

/// The generator's shapes by the core's names.
fn shape() -> impl clap::builder::TypedValueParser<Value = hostplan::sim::generate::Shape> {
    use hostplan::sim::generate::Shape;
    PossibleValuesParser::new(Shape::ALL.iter().map(|s| s.as_str())).try_map(|s| {
        Shape::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s)
            .ok_or("unknown shape")
    })
}

/// The import formats by the core's names, listed in `--help`.
fn import_format() -> impl clap::builder::TypedValueParser<Value = hostplan::import::Format> {
    use hostplan::import::Format;
    PossibleValuesParser::new(Format::ALL.map(Format::name))
        .try_map(|s| Format::from_name(&s).ok_or("unknown format"))
}

/// The export formats by the core's names, each with its description in `--help`.
fn export_format() -> impl clap::builder::TypedValueParser<Value = hostplan::export::Format> {
    use hostplan::export::Format;
    PossibleValuesParser::new(Format::ALL.map(|f| PossibleValue::new(f.name()).help(f.label())))
        .try_map(|s| Format::from_name(&s).ok_or("unknown format"))
}
