//! The readiness-gate hookscripts, run for real: generated for a service on 127.0.0.1 at a
//! port taken from the OS, with a 3 s deadline, then executed by bash as Proxmox does
//! (`<script> <vmid> pre-start`) — against a listener that comes up late (the gate waits, then
//! exits 0) and against none (it gives up at its deadline, non-zero). Every generated script
//! passes `bash -n` and ShellCheck; `hostplan hookscripts` refuses, pointing at the file, when
//! an address is unknown, and writes nothing.

use hostplan::ops::hookscript::{files, plan, Options};
use hostplan::sim::boot::Timing;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A port nothing listens on right now (the OS's pick, released at once).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The seed with `iscsi-k8s` at 127.0.0.1:`port`, its gate for talos-cp1 (VMID 201) written
/// into `dir` with a deadline of `timeout_s`.
fn gate_script(dir: &std::path::Path, port: u16, timeout_s: u32) -> std::path::PathBuf {
    let mut t = hostplan::examples::seed().unwrap();
    let svc = t.services.iter_mut().find(|s| s.id == "iscsi-k8s").unwrap();
    svc.address = Some("127.0.0.1".into());
    svc.port = Some(port);
    let o = Options {
        timeout_s: Some(timeout_s),
        ..Options::default()
    };
    let p = plan(&t, &Timing::default(), &o);
    assert!(p.missing.is_empty(), "{:?}", p.missing);
    let s = p.scripts.iter().find(|s| s.vmid == 201).unwrap();
    assert!(s.text.contains(&format!("GATE_TIMEOUT_S={timeout_s}")));
    let path = dir.join(&s.file);
    std::fs::write(&path, &s.text).unwrap();
    path
}

fn run_phase(script: &std::path::Path, phase: &str) -> (std::process::Output, Duration) {
    let t0 = Instant::now();
    let out = Command::new("bash")
        .arg(script)
        .args(["201", phase])
        .output()
        .unwrap();
    (out, t0.elapsed())
}

#[test]
fn the_gate_waits_for_a_listener_that_comes_up_late_then_lets_the_start_go_on() {
    let dir = tempdir("gate-late");
    let port = free_port();
    let script = gate_script(&dir, port, 20);
    // The service comes up 1.5 s after the gate starts polling, and answers for 30 s.
    let listener = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
        l.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        let mut accepted = 0;
        while Instant::now() < until && accepted == 0 {
            if l.accept().is_ok() {
                accepted += 1;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        accepted
    });
    let (out, took) = run_phase(&script, "pre-start");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}: {stdout}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        took >= Duration::from_millis(1400),
        "did not wait: {took:?}"
    );
    assert!(took < Duration::from_secs(15), "waited too long: {took:?}");
    assert!(stdout.contains("iscsi-k8s (127.0.0.1:"), "{stdout}");
    assert_eq!(listener.join().unwrap(), 1, "the gate never connected");
}

#[test]
fn the_gate_gives_up_at_its_deadline_when_nothing_ever_listens() {
    let dir = tempdir("gate-never");
    let port = free_port();
    let script = gate_script(&dir, port, 3);
    let (out, took) = run_phase(&script, "pre-start");
    assert_eq!(out.status.code(), Some(1), "a start Proxmox must abort");
    assert!(took >= Duration::from_secs(3), "gave up early: {took:?}");
    // The deadline, plus at most one poll and one connection attempt.
    assert!(took < Duration::from_secs(10), "gave up late: {took:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not answer within 3 s"), "{stderr}");
    // The other phases never hold anything up.
    for phase in ["post-start", "pre-stop", "post-stop"] {
        let (out, took) = run_phase(&script, phase);
        assert!(out.status.success(), "{phase}");
        assert!(took < Duration::from_secs(2), "{phase} took {took:?}");
    }
}

#[test]
fn generated_hookscripts_and_install_scripts_pass_bash_n_and_shellcheck() {
    let dir = tempdir("gate-shellcheck");
    let mut checked = 0;
    for (name, mut t) in [
        ("seed", hostplan::examples::seed().unwrap()),
        ("cluster", hostplan::examples::cluster().unwrap()),
    ] {
        for s in &mut t.services {
            s.address = Some(format!("{}.storage.lan", s.id));
        }
        let p = plan(&t, &Timing::default(), &Options::default());
        assert!(p.missing.is_empty() && !p.scripts.is_empty(), "{name}");
        for (file, text) in files(&p, "local") {
            let path = dir.join(format!("{name}-{file}"));
            std::fs::write(&path, text).unwrap();
            let out = Command::new("bash").arg("-n").arg(&path).output().unwrap();
            assert!(out.status.success(), "bash -n {}", path.display());
            let out = Command::new("shellcheck")
                .arg(&path)
                .output()
                .unwrap_or_else(|e| panic!("shellcheck not runnable ({e}): scripts/setup --test"));
            assert!(
                out.status.success(),
                "shellcheck {}:\n{}",
                path.display(),
                String::from_utf8_lossy(&out.stdout)
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} scripts");
}

#[test]
fn an_unknown_address_is_located_and_nothing_is_written() {
    let dir = tempdir("gate-refused");
    let out_dir = dir.join("out");
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .arg("hookscripts")
        .arg(&seed)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The `[[services]]` entry of iscsi-k8s, where `address` belongs.
    let text = std::fs::read_to_string(&seed).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("id = \"iscsi-k8s\""))
        .unwrap();
    assert!(
        stderr.contains(&format!(
            "seed.toml:{line}:1: error: talos-cp1 gets no hookscript"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("[iscsi-k8s] (at services[0].address)"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "something was written");
    // Given the address, all four files are written, the scripts executable.
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .arg("hookscripts")
        .arg(&seed)
        .args(["--address", "iscsi-k8s=10.50.0.10", "--timeout", "5m", "-o"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hostplan-gate-201.sh",
            "hostplan-gate-211.sh",
            "hostplan-gate-212.sh",
            "install-srv01.sh"
        ]
    );
    let gate = std::fs::read_to_string(out_dir.join("hostplan-gate-211.sh")).unwrap();
    assert!(gate.contains("GATE_TIMEOUT_S=300\n"));
    assert!(gate.contains("wait_for iscsi-k8s 10.50.0.10 3260"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out_dir.join("hostplan-gate-211.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111, "not executable: {mode:o}");
    }
}
