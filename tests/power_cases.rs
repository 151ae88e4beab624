//! Power-loss cases. Every `tests/cases/power/<name>.toml` starts with a line
//! `# power-loss: <arguments>`; `hostplan power-loss <file> <arguments>` must print exactly
//! `<name>.expect`, with `--format markdown` exactly `<name>.md` and with `--format nut`
//! exactly `<name>.nut` (the NUT files one after the other). The shutdown scripts must pass
//! `bash -n` and ShellCheck, and run in the plan's order against fake Proxmox commands.
//! `HOSTPLAN_BLESS=1` rewrites the golden files — read what changed.

use std::path::Path;
use std::process::Command;

fn args_of(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .next()
        .and_then(|l| l.strip_prefix("# power-loss:"))
        .unwrap_or_else(|| panic!("{}: first line must be `# power-loss: …`", path.display()))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn run(args: &[String]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn power_loss(path: &Path, more: &[&str]) -> String {
    let mut args = vec!["power-loss".to_owned(), path.display().to_string()];
    args.extend(args_of(path));
    args.extend(more.iter().map(|s| (*s).to_owned()));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{}: {err}", path.display());
    out
}

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
fn every_power_case_prints_its_expected_plan_markdown_and_nut_files() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in crate::case_files("cases/power", &["toml"]) {
        golden(
            &power_loss(&path, &[]),
            &path.with_extension("expect"),
            &mut failures,
        );
        golden(
            &power_loss(&path, &["--format", "markdown"]),
            &path.with_extension("md"),
            &mut failures,
        );
        golden(
            &power_loss(&path, &["--format", "nut"]),
            &path.with_extension("nut"),
            &mut failures,
        );
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} power cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_plans_say_what_finishes_and_what_is_lost() {
    let text = |name: &str| {
        std::fs::read_to_string(crate::fixture(&format!("cases/power/{name}.expect"))).unwrap()
    };
    let seed = text("seed");
    assert!(
        seed.contains("srv01 (on no UPS: power cut at once)"),
        "{seed}"
    );
    assert!(
        seed.contains(
            "still running when power is gone: truenas, talos-cp1, talos-w1, talos-w2, srv01"
        ),
        "{seed}"
    );
    let cluster = text("cluster");
    assert!(
        cluster
            .starts_with("Power loss: mains lost — finishes in time, even at the guests' timeouts"),
        "{cluster}"
    );
    let short = text("cluster-short-runtime");
    assert!(
        short.starts_with("Power loss: mains lost — does NOT finish"),
        "{short}"
    );
    assert!(
        short.contains("still running when power is gone: truenas, pve1"),
        "{short}"
    );
    let prompt = text("cluster-prompt-only");
    assert!(
        prompt.contains("finishes in time only if the guests stop promptly"),
        "{prompt}"
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The NUT files written into a folder: all of them, and every script passes `bash -n` and
/// ShellCheck (Debian's `shellcheck`, installed by `scripts/setup --test`) at its default
/// severity, infos included.
#[test]
fn nut_scripts_pass_bash_n_and_shellcheck() {
    let dir = tempdir("power-nut");
    let case = crate::fixture("cases/power/cluster.toml");
    let (code, out, err) = run(&[
        "power-loss".into(),
        case.display().to_string(),
        "--format".into(),
        "nut".into(),
        "-o".into(),
        dir.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("wrote ")).count(),
        6,
        "{out}"
    );
    let mut scripts = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if !p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("hostplan-power-shutdown-")
        {
            continue;
        }
        scripts += 1;
        let o = Command::new("bash").arg("-n").arg(&p).output().unwrap();
        assert!(
            o.status.success(),
            "bash -n {}: {}",
            p.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let o = Command::new("shellcheck")
            .arg(&p)
            .output()
            .unwrap_or_else(|e| panic!("shellcheck not runnable ({e}): run scripts/setup --test"));
        assert!(
            o.status.success(),
            "shellcheck {}:\n{}",
            p.display(),
            String::from_utf8_lossy(&o.stdout)
        );
    }
    assert_eq!(scripts, 3);
}

/// The primary's script, run against fake `qm`, `ha-manager`, `ssh`, `systemctl`, `logger`
/// and `sleep` that log every call: the HA consumer on its node stops first, then it waits
/// for the consumers on the other nodes, then TrueNAS stops, then it waits for the
/// secondaries to be off, then it powers off — each once.
#[test]
fn the_primary_script_runs_in_the_plans_order() {
    let dir = tempdir("power-order");
    let state = dir.join("stopped");
    std::fs::create_dir_all(&state).unwrap();
    let log = dir.join("calls.log");
    let (l, s) = (log.display(), state.display());
    let fakes = [
        (
            "qm",
            format!(
                "#!/bin/sh\necho \"qm $*\" >> '{l}'\ncase $1 in\nstatus) if [ -e '{s}/'\"$2\" ]; then echo 'status: stopped'; else echo 'status: running'; fi ;;\nshutdown) touch '{s}/'\"$2\" ;;\nesac\nexit 0\n"
            ),
        ),
        (
            "ha-manager",
            format!("#!/bin/sh\necho \"ha-manager $*\" >> '{l}'\nid=${{2#vm:}}\ntouch '{s}/'\"$id\"\nexit 0\n"),
        ),
        (
            // Remote VMs are stopped; remote hosts no longer answer.
            "ssh",
            format!("#!/bin/sh\necho \"ssh $*\" >> '{l}'\ncase \"$*\" in\n*' qm status '*) echo 'status: stopped'; exit 0 ;;\nesac\nexit 255\n"),
        ),
        ("systemctl", format!("#!/bin/sh\necho \"systemctl $*\" >> '{l}'\nexit 0\n")),
        ("logger", "#!/bin/sh\nexit 0\n".to_owned()),
        ("sleep", "#!/bin/sh\nexit 0\n".to_owned()),
    ];
    for (name, body) in &fakes {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        Command::new("chmod").arg("+x").arg(&p).status().unwrap();
    }
    let nut = tempdir("power-order-nut");
    let case = crate::fixture("cases/power/cluster.toml");
    let (code, _, err) = run(&[
        "power-loss".into(),
        case.display().to_string(),
        "--format".into(),
        "nut".into(),
        "-o".into(),
        nut.display().to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let out = Command::new("bash")
        .arg(nut.join("hostplan-power-shutdown-pve1"))
        .env(
            "PATH",
            format!("{}:{}", dir.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let at = |needle: &str| {
        let lines: Vec<&str> = calls.lines().filter(|c| c.contains(needle)).collect();
        assert!(!lines.is_empty(), "no call with {needle}:\n{calls}");
        calls.find(needle).unwrap()
    };
    assert!(
        at("ha-manager set vm:201 --state stopped") < at("qm status 202"),
        "{calls}"
    );
    assert!(
        at("qm status 203") < at("qm shutdown 100 --timeout 120 --forceStop 1"),
        "{calls}"
    );
    assert!(at("qm shutdown 100") < at("root@pve2 true"), "{calls}");
    assert!(at("root@pve3 true") < at("systemctl poweroff"), "{calls}");
    assert_eq!(calls.matches("systemctl poweroff").count(), 1, "{calls}");
    assert_eq!(calls.matches("qm shutdown").count(), 1, "{calls}");
    assert!(stdout.contains("stage 6/6: power pve1 off"), "{stdout}");
}

#[test]
fn bad_feed_ids_and_misused_options_exit_2_with_a_reason() {
    let cluster = crate::fixture("cases/power/cluster.toml")
        .display()
        .to_string();
    let (code, _, err) = run(&[
        "power-loss".into(),
        cluster.clone(),
        "--feed".into(),
        "main".into(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown component `main` (did you mean `mains`?)"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "power-loss".into(),
        cluster.clone(),
        "--feed".into(),
        "pve1".into(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`pve1` is not a power feed"), "{err}");
    let (code, _, err) = run(&[
        "power-loss".into(),
        cluster.clone(),
        "-o".into(),
        "x".into(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--format nut"), "{err}");
    let (code, out, _) = run(&[
        "power-loss".into(),
        cluster,
        "--feed".into(),
        "mains".into(),
        "--format".into(),
        "json".into(),
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["feeds"][0], "mains");
    assert_eq!(v["hosts"][0]["host"], "pve1");
    assert_eq!(v["hosts"][0]["role"], "primary");
}
