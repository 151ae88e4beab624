"""Differential test: the rule book and a site's own policies (tests/compat/policies/, written
with the builtins hostplan enables: regex, glob, semver, time, encoding, yaml, graph, units)
give the same findings under rego-cpp (Microsoft's independent Rego implementation, PyPI
`regopy`) as under hostplan's regorus, on the seed, the bare-metal example, every broken policy
case and generated fleets of several sizes and shapes. Compared: the set of (severity, rule,
resource, message), and the set of (rule, resource) not evaluated. Evidence that the policies
are standard Rego, not regorus dialect, and that hostplan reads conftest's rule names as
conftest does.

Usage: python rego_cpp.py HOSTPLAN_BINARY REPO_ROOT
(REGO_CPP_ONLY=text runs only the topologies whose file name contains text: a quick check of
one rule's cases while writing it; the full run is what the test suite does. REGO_CPP_NO_BUNDLE=1
queries rego-cpp's interpreter for each topology instead of running the bundle compiled once.)
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import regopy

hostplan, root = sys.argv[1], sys.argv[2]
started = time.monotonic()
user_dir = f"{root}/tests/compat/policies"
modules = sorted(glob.glob(f"{root}/policies/*.rego") + glob.glob(f"{root}/policies/lib/*.rego"))
modules = [m for m in modules if not m.endswith("_test.rego")] + sorted(glob.glob(f"{user_dir}/*.rego"))
texts = {m: open(m).read() for m in modules}
packages = sorted({re.search(r"^package (\S+)", t, re.M).group(1) for t in texts.values()})
packages = [p for p in packages if p != "hostplan.lib"]
TODAY = "2026-11-26"
# The site's own rules (tests/compat/policies/site.rego), named here rather than as "whatever the
# rule book's prefixes are not": a prefix list missed CLU, FD, LAN, OPS and PWR, so rule book
# findings counted as user rules fired. The list is checked against site.rego below.
USER_RULES = {f"SITE-{n:02}" for n in range(1, 11)} | {"deny_unnamed_bridge", "violation"}


def level_of(name):
    """The severity of a result set by its name: hostplan's deny/warn/info and conftest's
    violation, deny_*, warn_*, violation_* (src/policy/mod.rs, level_of)."""
    if name in ("deny", "violation") or name.startswith(("deny_", "violation_")):
        return "error"
    if name == "warn" or name.startswith("warn_"):
        return "warning"
    if name == "info":
        return "info"
    return None


def finding(name, item):
    unnamed = "user" if name in ("deny", "warn", "info") else name
    if isinstance(item, str):
        return unnamed, "", item
    return (item.get("rule", unnamed), item.get("resource", ""), item.get("message", item.get("msg")))


def topologies(tmp):
    yield f"{root}/examples/seed.toml"
    yield f"{root}/examples/roadmap-bare-metal.toml"
    yield from sorted(glob.glob(f"{root}/tests/cases/policy/*.toml"))
    shapes = [("fleet", h, s) for h, s in ((3, 1), (5, 2), (8, 3), (12, 4), (20, 5))]
    shapes += [("chain", 6, 1), ("fan-in", 6, 1)]
    for shape, hosts, seed in shapes:
        path = f"{tmp}/{shape}-{hosts}-{seed}.toml"
        with open(path, "w") as f:
            subprocess.run(
                [hostplan, "generate", "--hosts", str(hosts), "--vms-per-host", "4", "--seed", str(seed), "--shape", shape],
                check=True, stdout=f)
        yield path


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


interp = regopy.Interpreter()
for m in modules:
    interp.add_module(m, texts[m])
# Compiled once: `query` compiles every module again each time, and a query per package made
# that 13 compilations per topology (about 0.4 s each). The same answers
# (REGO_CPP_NO_BUNDLE=1 queries as before, to check that).
BUNDLE = None if os.environ.get("REGO_CPP_NO_BUNDLE") else interp.build("x = data")
failed = 0
count = 0
fired = {}  # user rule → findings across all topologies, so agreement is not vacuous
with tempfile.TemporaryDirectory() as tmp:
    for case in topologies(tmp):
        if os.environ.get("REGO_CPP_ONLY", "") not in os.path.basename(case):
            continue
        count += 1
        facts = run([hostplan, "facts", case])
        ours = run([hostplan, "check", case, "--format", "json", "--today", TODAY, "--policy", user_dir])
        expected = {(f["level"], f["rule"], f["resource"], f["message"]) for f in ours["findings"]}
        expected_skipped = {(f["rule"], f["resource"]) for f in ours["not_evaluated"]}
        interp.set_input(facts)
        theirs, skipped = set(), set()
        out = str(interp.query_bundle(BUNDLE) if BUNDLE else interp.query("x = data"))
        if not out.startswith("{"):
            raise SystemExit(f"rego-cpp could not evaluate data on {case}: {out}")
        data = json.loads(out)["bindings"]["x"]
        for pkg in packages:
            doc = data
            for part in pkg.split("."):
                doc = doc.get(part, {})
            for name, items in doc.items():
                if name == "not_evaluated":
                    skipped |= {(i["rule"], i["resource"]) for i in items}
                elif level_of(name) and isinstance(items, list):
                    theirs |= {(level_of(name), *finding(name, i)) for i in items}
        # A rule not evaluated on a resource has no findings there (src/policy/mod.rs,
        # replace_not_evaluated): the same on this side.
        theirs = {f for f in theirs if (f[1], f[2]) not in skipped}
        for f in expected:
            if f[1] in USER_RULES:
                fired[f[1]] = fired.get(f[1], 0) + 1
        name = os.path.basename(case)
        if theirs == expected and skipped == expected_skipped:
            print(f"ok   {name}: {len(expected)} findings, {len(skipped)} not evaluated agree")
        else:
            failed += 1
            print(f"FAIL {name}:\n  only regorus: {sorted(expected - theirs)}\n  only rego-cpp: {sorted(theirs - expected)}"
                  f"\n  not evaluated only regorus: {sorted(expected_skipped - skipped)}"
                  f"\n  not evaluated only rego-cpp: {sorted(skipped - expected_skipped)}")
site = texts[f"{user_dir}/site.rego"]
declared = set(re.findall(r'"rule": "(SITE-\d+)"', site))
# conftest-named sets whose results carry no rule id are named after the set (finding above).
declared |= {n for n in re.findall(r'^(\w+) contains (?!\{"rule")', site, re.M) if level_of(n) and n not in ("deny", "warn", "info")}
if declared != USER_RULES:
    print(f"USER_RULES is not site.rego's rules: only listed {sorted(USER_RULES - declared)}, only in site.rego {sorted(declared - USER_RULES)}")
    failed += 1
print(f"{count - failed} of {count} topologies agree ({len(packages)} packages, user rules {', '.join(sorted(USER_RULES))}), {time.monotonic() - started:.0f} s")
print("user rules fired: " + ", ".join(f"{r} ×{n}" for r, n in sorted(fired.items())))
if len(fired) < 6:
    print(f"only {len(fired)} user rules ever fired: the comparison says too little")
    failed += 1
if count < 30:
    print(f"only {count} topologies: the differential test promises at least 30")
    failed += 1
sys.exit(1 if failed else 0)
