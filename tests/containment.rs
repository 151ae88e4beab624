//! A user policy cannot take the process down: each way one used to abort it (or run outside
//! every budget) is now a located error with exit code 2, run as a real process.

use hostplan::policy::{Limits, PolicyError, PolicyFile, RuleBook};
use std::process::Command;

/// `hostplan check examples/seed.toml --policy <file>` with `text` as the policy:
/// (exit code, stderr).
fn check_with(name: &str, text: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!(
        "hostplan-contain-{}-{}",
        std::process::id(),
        name.trim_end_matches(".rego")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join(name);
    std::fs::write(&policy, text).unwrap();
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_hostplan"))
        .arg("check")
        .arg(seed)
        .arg("--policy")
        .arg(&policy)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn policy(package: &str, body: &str) -> String {
    format!(
        "package {package}\n\nimport rego.v1\n\ndeny contains {{\"rule\": \"U-1\", \"resource\": \"x\", \"message\": m}} if {{\n{body}\n}}\n"
    )
}

/// `numbers.range(1, 2000000000)` asked for 48 GB and aborted (exit 134): with constant
/// arguments it is now refused when the policy loads.
#[test]
fn a_huge_constant_range_is_refused_at_load_time() {
    let (code, err) = check_with(
        "range.rego",
        &policy(
            "range",
            "\tm := sprintf(\"%d\", [count(numbers.range(1, 2000000000))])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "range.rego:6:28: numbers.range would make 2000000000 numbers; the limit is 1000000 per call"
        ),
        "{err}"
    );
}

/// A range computed from the input is checked when it runs, before anything is allocated.
#[test]
fn a_huge_computed_range_stops_evaluation_with_its_location() {
    let (code, err) = check_with(
        "range2.rego",
        &policy(
            "range2",
            "\tn := count(input.hosts) * 1000000000\n\tm := sprintf(\"%d\", [count(numbers.range_step(0, n, 2))])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("range2.rego:7:"), "{err}");
    assert!(
        err.contains("numbers.range_step would make 500000001 numbers; the limit is 1000000"),
        "{err}"
    );
}

/// A `sprintf` width of two billion allocated 2 GB for one string (an abort under a memory limit).
#[test]
fn a_huge_sprintf_width_is_refused_constant_or_computed() {
    let (code, err) = check_with(
        "width.rego",
        &policy("width", "\tm := sprintf(\"%2000000000d\", [1])"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "width.rego:6:7: sprintf asks for a field 2000000000 characters wide; the limit is 4096"
        ),
        "{err}"
    );
    let (code, err) = check_with(
        "width2.rego",
        &policy(
            "width2",
            "\tf := sprintf(\"%%.%dd\", [count(input.hosts) * 100000000])\n\tm := sprintf(f, [1])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("sprintf asks for a field 100000000 characters wide"),
        "{err}"
    );
}

/// `net.cidr_expand` of a /0 would list four billion addresses: with a constant argument it is
/// refused when the policy loads, computed it stops evaluation before allocating; and
/// `net.lookup_ip_addr` (DNS, I/O) is not provided, refused at load time with its location.
#[test]
fn net_builtins_are_bounded_and_lookups_refused() {
    let (code, err) = check_with(
        "cidr.rego",
        &policy(
            "cidr",
            "\tm := sprintf(\"%d\", [count(net.cidr_expand(\"0.0.0.0/0\"))])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "cidr.rego:6:28: net.cidr_expand would list 4294967296 addresses; the limit is 1000000 per call"
        ),
        "{err}"
    );
    let (code, err) = check_with(
        "cidr2.rego",
        &policy(
            "cidr2",
            "\tc := concat(\"\", [\"10.0.0.0/\", format_int(count(input.hosts) + 7, 10)])\n\tm := sprintf(\"%d\", [count(net.cidr_expand(c))])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cidr2.rego:7:"), "{err}");
    assert!(
        err.contains("net.cidr_expand would list 16777216 addresses"),
        "{err}"
    );
    let (code, err) = check_with(
        "dns.rego",
        &policy(
            "dns",
            "\tm := sprintf(\"%v\", [net.lookup_ip_addr(\"example.com\")])",
        ),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "dns.rego:6:22: `net.lookup_ip_addr` is not a builtin hostplan's engine provides"
        ),
        "{err}"
    );
}

/// The `net.cidr_*` builtins through the engine, on the seed's networks as a site policy would
/// use them: which networks a range covers, their merged cover, and overlap.
#[test]
fn net_builtins_answer_through_the_engine() {
    let user = PolicyFile {
        path: "nets.rego".into(),
        text: policy(
            "nets",
            "\tm := sprintf(\"%v %v %v %v\", [net.cidr_contains(\"10.0.0.0/8\", \"10.20.30.40\"), net.cidr_merge([\"10.0.0.0/25\", \"10.0.0.128/25\", \"10.0.1.7\"]), net.cidr_intersects(\"10.0.0.0/16\", \"10.0.255.0/24\"), net.cidr_contains_matches({\"lan\": \"192.168.0.0/16\"}, [\"192.168.1.10\", \"10.0.0.1\"])])",
        ),
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let ev = RuleBook::new(vec![user])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    assert_eq!(
        ev.findings[0].message,
        "true {\"10.0.0.0/24\", \"10.0.1.7/32\"} true {[\"lan\", 0]}"
    );
}

/// Within the bounds the guarded builtins give exactly regorus' own results.
#[test]
fn guarded_builtins_within_bounds_answer_as_before() {
    let user = PolicyFile {
        path: "ok.rego".into(),
        text: policy(
            "ok",
            "\tm := sprintf(\"%5d|%v|%v|%.2f\", [count(numbers.range(1, 10)), numbers.range_step(10, 1, 3), numbers.range(2, -1), 2.5])",
        ),
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let ev = RuleBook::builtin()
        .with(vec![user])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    let f = ev.findings.iter().find(|f| f.rule == "U-1").unwrap();
    assert_eq!(f.message, "   10|[10, 7, 4, 1]|[2, 1, 0, -1]|2.50");
}

/// A builtin this build lacks used to fail only when its rule ran (or never); it is reported
/// when the policy loads, with its position, as OPA does when it compiles.
#[test]
fn an_unsupported_builtin_or_unknown_function_is_a_load_time_error() {
    let (code, err) = check_with("jwt.rego", &policy("jwt", "\tm := io.jwt.decode(\"x\")[0]"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("jwt.rego:6:7: `io.jwt.decode` is not a builtin hostplan's engine provides"),
        "{err}"
    );
    // In a rule that never runs (its body is false first), still refused.
    let (code, err) = check_with(
        "typo.rego",
        &policy("typo", "\tfalse\n\tm := lenght(\"x\")"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("typo.rego:7:7: unknown function `lenght`"),
        "{err}"
    );
}

/// `json.match_schema` and `json.verify_schema` are not enabled (regorus' `jsonschema` feature:
/// 383 KiB gzip more worker, a random source for wasm32, and `json.match_schema` answers
/// differently from OPA; docs/policies.md): a policy calling either is refused when it loads,
/// at the call, not at evaluation.
#[test]
fn the_json_schema_builtins_are_refused_at_load_time() {
    for (call, column) in [
        ("json.match_schema({}, {})", 7),
        ("json.verify_schema({})", 7),
    ] {
        let (code, err) = check_with("schema.rego", &policy("schema", &format!("	m := {call}")));
        assert_eq!(code, 2, "{call}: {err}");
        let name = call.split('(').next().unwrap();
        assert!(
            err.contains(&format!(
                "schema.rego:6:{column}: `{name}` is not a builtin hostplan's engine provides"
            )),
            "{call}: {err}"
        );
        assert!(
            !hostplan::policy::guard::builtins().contains(&name),
            "{name}"
        );
    }
}

/// Builtins whose answer changes from run to run are refused when the policies load, with the
/// call's position and the reason, in the CLI and the browser alike (docs/policies.md).
#[test]
fn nondeterministic_builtins_are_refused_at_load_time() {
    for (call, why) in [
        ("time.now_ns()", "`time.now_ns` is not allowed: a check must give the same findings on every run, and it reads the clock"),
        ("rand.intn(\"x\", 10)", "`rand.intn` is not allowed: a check must give the same findings on every run, and it is random"),
        ("uuid.rfc4122(\"x\")", "`uuid.rfc4122` is not allowed: a check must give the same findings on every run, and it is random"),
    ] {
        let (code, err) = check_with("clock.rego", &policy("clock", &format!("\tm := {call}")));
        assert_eq!(code, 2, "{call}: {err}");
        assert!(err.contains(&format!("clock.rego:6:7: {why}")), "{call}: {err}");
    }
    for name in ["time.now_ns", "rand.intn", "uuid.rfc4122"] {
        assert!(
            !hostplan::policy::guard::builtins().contains(&name),
            "{name}"
        );
    }
}

/// `json.patch` (regorus' `jsonpatch` feature) applies RFC 6902 operations through the engine
/// as OPA documents them: add, remove, replace, move, copy and test, in order; a failing `test`
/// leaves the result undefined (no finding).
#[test]
fn json_patch_applies_rfc_6902_operations() {
    let patch = r#"[{"op": "add", "path": "/a/c", "value": 2}, {"op": "remove", "path": "/a/b"}, {"op": "replace", "path": "/x", "value": [1]}, {"op": "add", "path": "/x/-", "value": 3}, {"op": "copy", "from": "/a", "path": "/d"}, {"op": "move", "from": "/d/c", "path": "/e"}, {"op": "test", "path": "/e", "value": 2}]"#;
    let user = PolicyFile {
        path: "patch.rego".into(),
        text: policy(
            "patch",
            &format!("\tm := json.marshal(json.patch({{\"a\": {{\"b\": 1}}, \"x\": 0}}, {patch}))"),
        ) + "\ndeny contains {\"rule\": \"U-2\", \"resource\": \"x\", \"message\": \"patched\"} if {\n\tjson.patch({\"a\": 1}, [{\"op\": \"test\", \"path\": \"/a\", \"value\": 2}])\n}\n",
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let ev = RuleBook::new(vec![user])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    let messages: Vec<&str> = ev.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [r#"{"a":{"c":2},"d":{},"e":2,"x":[1,3]}"#],
        "{messages:?}"
    );
}

/// `n` distinct constant rules of about 70 bytes each.
fn rules(n: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for i in 0..n {
        writeln!(
            out,
            "r{i} := {{\"a\": [1, 2, 3, 4, 5, 6, 7], \"b\": \"padding padding\"}}"
        )
        .unwrap();
    }
    out
}

/// 25 MB of policy in files each under regorus' own per-file cap parsed for minutes outside
/// any budget; the total is now bounded before parsing starts.
#[test]
fn too_much_policy_text_is_refused_before_parsing() {
    let text = format!("package big\n\nimport rego.v1\n\n{}", rules(15_000));
    let files: Vec<PolicyFile> = (0..5)
        .map(|i| PolicyFile {
            path: format!("big{i}.rego"),
            text: text.replace("package big", &format!("package big{i}")),
        })
        .collect();
    let err = RuleBook::builtin()
        .with(files)
        .prepare(Limits::default())
        .unwrap_err();
    match err {
        PolicyError::Syntax { file, message, .. } => {
            assert_eq!(file, "big4.rego");
            assert!(message.contains("more than 4 MiB"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// Parsing and compiling count against the time limit too, between files.
#[test]
fn parsing_runs_inside_the_time_limit() {
    let user = PolicyFile {
        path: "slowparse.rego".into(),
        text: format!("package slowparse\n\nimport rego.v1\n\n{}", rules(5_000)),
    };
    let limits = Limits {
        time: std::time::Duration::from_millis(1),
        ..Limits::default()
    };
    let err = RuleBook::new(vec![user]).prepare(limits).unwrap_err();
    match err {
        PolicyError::Syntax { file, message, .. } => {
            assert_eq!(file, "slowparse.rego");
            assert!(
                message.contains("loading the policies took")
                    && message.contains("over the 0.001 s limit"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// docs/policies.md lists exactly the builtins this build provides (between its markers).
#[test]
fn the_documented_builtins_are_exactly_the_engines() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policies.md"),
    )
    .unwrap();
    let start = doc.find("<!-- builtins:start -->").unwrap();
    let end = doc.find("<!-- builtins:end -->").unwrap();
    let documented: std::collections::BTreeSet<&str> =
        doc[start..end].split('`').skip(1).step_by(2).collect();
    let provided: std::collections::BTreeSet<&str> =
        hostplan::policy::guard::builtins().into_iter().collect();
    assert_eq!(
        documented,
        provided,
        "docs/policies.md is out of date: missing {:?}, extra {:?}",
        provided.difference(&documented).collect::<Vec<_>>(),
        documented.difference(&provided).collect::<Vec<_>>()
    );
}

/// Builtins rego-cpp lacks or gets wrong (so the differential test cannot compare them), checked
/// against OPA's answers: `time.parse_rfc3339_ns`, `regex` with Perl classes, `yaml.unmarshal`.
#[test]
fn builtins_beyond_the_second_engine_answer_as_opa_documents() {
    let user = PolicyFile {
        path: "beyond.rego".into(),
        text: policy(
            "beyond",
            "\tm := sprintf(\"%v %v %v\", [time.parse_rfc3339_ns(\"2026-11-26T00:00:00Z\"), regex.match(`^\\s*tank-\\d+$`, \" tank-12\"), yaml.unmarshal(\"a: [1, 2]\")])",
        ),
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let ev = RuleBook::new(vec![user])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    assert_eq!(
        ev.findings[0].message,
        "1795651200000000000 true {\"a\": [1, 2]}"
    );
}

/// A policy that builds an ever larger set (here a million strings of 4,000 bytes, about 4 GB) stops at the evaluation's memory budget with the package and file named, long before
/// the time limit, instead of taking the machine's memory: natively regorus counts every
/// allocation. The same policy under a budget it fits in evaluates.
///
/// The ceiling is process-wide, so the evaluation runs alone in a child process (this test
/// binary again, this test only): other tests' evaluations in parallel threads would share it.
#[test]
fn a_policy_that_allocates_without_bound_stops_at_the_memory_budget() {
    const CHILD: &str = "HOSTPLAN_MEMORY_TEST_CHILD";
    if std::env::var_os(CHILD).is_none() {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "containment::a_policy_that_allocates_without_bound_stops_at_the_memory_budget",
                "--exact",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let user = PolicyFile {
        path: "hog.rego".into(),
        text: policy(
            "hog",
            "\tbig := {s | some i in numbers.range(1, 1000000); s := sprintf(\"%04000d\", [i])}\n\tm := sprintf(\"%d\", [count(big)])",
        ),
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let tight = Limits {
        time: std::time::Duration::from_secs(120),
        memory: 64 << 20,
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let err = RuleBook::new(vec![user.clone()])
        .evaluate(&facts, &[], "2026-11-26", tight)
        .unwrap_err();
    match err {
        PolicyError::Eval { query, message } => {
            assert_eq!(query, "data.hog");
            assert!(
                message.starts_with(
                    "stopped at the memory limit (64 MiB for one evaluation), in package data.hog (hog.rego)"
                ),
                "{message}"
            );
        }
        other => panic!("expected an evaluation error, got {other:?}"),
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // Within a budget it fits in, the same kind of policy runs to its answer.
    let small = PolicyFile {
        path: "small.rego".into(),
        text: policy(
            "small",
            "\tbig := {s | some i in numbers.range(1, 1000); s := sprintf(\"%04000d\", [i])}\n\tm := sprintf(\"%d\", [count(big)])",
        ),
    };
    let ev = RuleBook::new(vec![small])
        .evaluate(&facts, &[], "2026-11-26", tight)
        .unwrap();
    assert_eq!(ev.findings[0].message, "1000");
}

/// Array and object literals nested deep made the parser take exponential time (a 50-character
/// line of 22 nested arrays ran past a minute, outside the time limit, since parsing cannot be
/// interrupted) and, nested 2,000 deep over many lines, overflow its stack (an abort). Both are
/// refused before parsing, at the bracket; so are many moderately nested literals whose parse
/// would outlast the budget. Brackets in strings and comments do not count.
#[test]
fn deeply_nested_literals_are_refused_before_parsing() {
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let started = std::time::Instant::now();
    let (code, err) = check_with(
        "deep.rego",
        &format!("package deep\n\nimport rego.v1\n\nx := {}\n", nested(22)),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("deep.rego:5:18: brackets nested 13 deep here; the limit is 12"),
        "{err}"
    );
    let lines: String =
        (0..2000).map(|_| "{\"a\":\n").collect::<String>() + "1" + &"}".repeat(2000);
    let (code, err) = check_with(
        "lines.rego",
        &format!("package lines\n\nimport rego.v1\n\nx := {lines}\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("lines.rego:17:1: brackets nested 13 deep here"),
        "{err}"
    );
    let deep12 = nested(12);
    let many: String = (0..100)
        .flat_map(|i| ["x", &i.to_string(), " := ", &deep12, "\n"].map(str::to_owned))
        .collect();
    let (code, err) = check_with(
        "many.rego",
        &format!("package many\n\nimport rego.v1\n\n{many}"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the policies' nested brackets would keep the parser busy past its budget"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // 12 deep, with brackets in a string and a comment beside it, is read as written.
    let fine = PolicyFile {
        path: "fine.rego".into(),
        text: policy(
            "fine",
            &format!(
                "\tx := {} # [[[[[[[[[[[[[[[[[[[[\n\tm := sprintf(\"%v\", [count(x)]) # \"[[[[[[[[[[[[[[[[[[[[\"",
                nested(11)
            ),
        ),
    };
    let facts = hostplan::policy::facts::facts(&hostplan::examples::seed().unwrap());
    let ev = RuleBook::new(vec![fine])
        .evaluate(&facts, &[], "2026-11-26", Limits::default())
        .unwrap();
    assert_eq!(ev.findings[0].message, "1");
}
