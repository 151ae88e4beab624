//! The commands that print what hostplan knows rather than judge a topology: facts, schemas,
//! the rule book, examples, shell completions, the man page, generated fleets.

use crate::cli::args::{Example, GenerateArgs, InputArgs, PolicyCommand, TopologyFormat};
use crate::cli::{gate_code, io};
use anyhow::Context as _;
use hostplan::policy::{Limits, PolicyFile, RuleBook, BUILTIN_TESTS};
use std::io::Write;
use std::process::ExitCode;

/// `hostplan facts`: the policy input document.
pub fn facts(args: &InputArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let loaded = io::load_valid(&args.file)?;
    // Written straight out in key order: the JSON tree of 10,000 hosts took 1.5 GB.
    let mut buffered = std::io::BufWriter::new(&mut *out);
    hostplan::policy::facts::write_facts(&loaded.topology, &mut buffered)?;
    writeln!(buffered)?;
    buffered.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `hostplan schema [--facts]`.
pub fn schema(facts: bool, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let schema = if facts {
        hostplan::policy::facts::facts_schema()
    } else {
        hostplan::schema::json_schema()
    };
    super::json_out(out, &schema)?;
    Ok(ExitCode::SUCCESS)
}

/// `hostplan policy test|list|doc`.
pub fn policy(command: PolicyCommand, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
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
                for f in io::policy_files(p, true)? {
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
            Ok(gate_code(failed > 0))
        }
        PolicyCommand::Eval {
            facts,
            policies,
            namespaces,
        } => {
            // Compiled once for every file: a differential test that evaluates hundreds of
            // variants spent most of its time loading the rule book again for each.
            let mut book = io::rule_book_of(&policies, &namespaces)?.prepare(Limits::default())?;
            for file in &facts {
                let (name, bytes) = io::read_input(file)?;
                // Bounded like a topology: the cap is checked while reading (read_input).
                if bytes.len() > hostplan::source::MAX_INPUT_BYTES {
                    anyhow::bail!(
                        "{name}: larger than {} MiB, the input limit",
                        hostplan::source::MAX_INPUT_BYTES >> 20
                    );
                }
                let input: serde_json::Value = serde_json::from_slice(&bytes)
                    .with_context(|| format!("{name}: not a JSON document"))?;
                // The date only judges waivers, and none are applied here.
                let ev = book.evaluate(&input, &[], "1970-01-01").map_err(|e| {
                    // Which of several documents it was; one alone needs no naming.
                    let e = anyhow::Error::new(e);
                    if facts.len() > 1 {
                        e.context(format!("evaluating {name}"))
                    } else {
                        e
                    }
                })?;
                let report = hostplan::policy::report::json_unlocated(&ev);
                if facts.len() == 1 {
                    super::json_out(out, &report)?;
                } else {
                    writeln!(out, "{}", serde_json::to_string(&report)?)?;
                }
            }
            Ok(ExitCode::SUCCESS)
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

/// `hostplan example seed|roadmap|cluster`.
pub fn example(name: Example, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let text = match name {
        Example::Seed => hostplan::examples::SEED,
        Example::Roadmap => hostplan::examples::ROADMAP,
        Example::Cluster => hostplan::examples::CLUSTER,
    };
    write!(out, "{text}")?;
    Ok(ExitCode::SUCCESS)
}

/// `hostplan completions SHELL`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> ExitCode {
    use clap::CommandFactory as _;
    let mut command = crate::cli::args::Cli::command();
    clap_complete::generate(shell, &mut command, "hostplan", out);
    ExitCode::SUCCESS
}

/// `hostplan man`.
pub fn man(out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory as _;
    clap_mangen::Man::new(crate::cli::args::Cli::command()).render(out)?;
    Ok(ExitCode::SUCCESS)
}

/// `hostplan generate`: a synthetic fleet.
pub fn generate(args: &GenerateArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let spec = hostplan::sim::generate::FleetSpec {
        hosts: args.hosts,
        vms_per_host: args.vms_per_host,
        storage_every: args.storage_every,
        hosts_per_feed: args.hosts_per_feed,
        cluster_hosts: args.cluster_hosts,
        seed: args.seed,
        shape: args.shape,
    };
    let t = hostplan::sim::generate::generate(&spec);
    match args.format {
        TopologyFormat::Json => super::json_out(out, &t)?,
        TopologyFormat::Toml => write!(out, "{}", toml::to_string(&t)?)?,
    }
    Ok(ExitCode::SUCCESS)
}
