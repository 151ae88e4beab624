//! Data-driven operations cases. Every `tests/cases/maintain/<name>.toml` starts with a line
//! `# maintain: <arguments>`; `hostplan maintain <file> <arguments>` must print exactly
//! `<name>.expect`, with `--format markdown` exactly `<name>.md` and with `--format script`
//! exactly `<name>.sh` — a script that `bash -n` and ShellCheck accept. Every
//! `tests/cases/outage/<name>.toml` starts with `# simulate: <arguments>` (a storage outage)
//! and `hostplan simulate` must print exactly `<name>.expect`. `HOSTPLAN_BLESS=1` rewrites the
//! golden files — read what changed: a runbook is only worth something if someone signed it.

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

/// The arguments on the case's first line after `prefix`.
fn args_of(path: &Path, prefix: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("{}: first line must be `{prefix} …`", path.display()))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn hostplan(args: &[&str], path: &Path, more: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(args)
        .arg(path)
        .args(more)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Compare with (or, blessing, write) the golden file.
fn golden(actual: &str, expect_path: &Path, failures: &mut Vec<String>) {
    if std::env::var_os("HOSTPLAN_BLESS").is_some() {
        std::fs::write(expect_path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(expect_path).unwrap_or_default();
    if actual != expected {
        failures.push(format!(
            "--- {}\nexpected:\n{expected}actual:\n{actual}",
            expect_path.display()
        ));
    }
}

#[test]
fn every_maintenance_case_prints_its_expected_plan_markdown_and_script() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in crate::case_files("cases/maintain", &["toml"]) {
        let args = args_of(&path, "# maintain:");
        let text = hostplan(&["maintain"], &path, &args);
        golden(&text, &path.with_extension("expect"), &mut failures);
        let mut md_args = args.clone();
        md_args.extend(["--format".into(), "markdown".into()]);
        golden(
            &hostplan(&["maintain"], &path, &md_args),
            &path.with_extension("md"),
            &mut failures,
        );
        let mut sh_args = args;
        sh_args.extend(["--format".into(), "script".into()]);
        golden(
            &hostplan(&["maintain"], &path, &sh_args),
            &path.with_extension("sh"),
            &mut failures,
        );
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} maintenance cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_outage_case_prints_its_expected_verdicts() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in crate::case_files("cases/outage", &["toml"]) {
        let args = args_of(&path, "# simulate:");
        let text = hostplan(&["simulate"], &path, &args);
        golden(&text, &path.with_extension("expect"), &mut failures);
        ran += 1;
    }
    assert!(ran >= 6, "only {ran} outage cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The generated runbooks parse (`bash -n`) and pass ShellCheck (Debian's `shellcheck`,
/// installed by `scripts/setup --test`) at its default severity, infos included.
#[test]
fn runbook_scripts_pass_bash_n_and_shellcheck() {
    let scripts = crate::case_files("cases/maintain", &["sh"]);
    assert!(scripts.len() >= 4, "bless the maintenance cases first");
    for s in &scripts {
        let out = Command::new("bash").arg("-n").arg(s).output().unwrap();
        assert!(
            out.status.success(),
            "bash -n {}: {}",
            s.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new("shellcheck")
            .arg(s)
            .output()
            .unwrap_or_else(|e| panic!("shellcheck not runnable ({e}): run scripts/setup --test"));
        assert!(
            out.status.success(),
            "shellcheck {}:\n{}",
            s.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The script never runs a destructive command without asking: answering "s" to every
/// question — not a yes to any command, "skip" to any check that fails (a declined drain
/// leaves the node schedulable), Enter after every check that passes — runs none of them. The fakes log every call; the log must hold no drain, shutdown,
/// reboot, poweroff, migration or maintenance change.
#[test]
fn answering_no_runs_nothing_destructive() {
    let dir = tempdir("no-destructive");
    let log = dir.join("calls.log");
    for fake in ["ssh", "kubectl", "timeout"] {
        let p = dir.join(fake);
        std::fs::write(
            &p,
            format!(
                "#!/bin/sh\necho \"{fake} $*\" >> '{}'\nexit 0\n",
                log.display()
            ),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&p)
            .status()
            .unwrap();
    }
    let script = crate::fixture("cases/maintain/cluster-pve1-reboot.sh");
    let answers = "s\n".repeat(400);
    let mut child = Command::new("bash")
        .arg(&script)
        .env(
            "PATH",
            format!("{}:{}", dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("ADDR_ISCSI_K8S", "192.0.2.1")
        .env("ADDR_NFS_VM", "192.0.2.1")
        .env("RUNBOOK_MAX_WAIT", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Runbook done."), "{stdout}");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    // The checks did run (through the fakes)…
    assert!(calls.contains("ssh -o BatchMode=yes root@pve1"), "{calls}");
    // …but nothing destructive did.
    for word in [
        "kubectl drain",
        "qm shutdown",
        "systemctl reboot",
        "node-maintenance enable",
        "qm migrate",
    ] {
        assert!(!calls.contains(word), "{word} ran without a yes:\n{calls}");
    }
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
