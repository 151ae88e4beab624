"""Cross-engine check: the rule book gives the same findings under rego-cpp (Microsoft's
independent Rego implementation, PyPI `regopy`) as under hostplan's regorus, on the seed and
on every broken variant. Evidence that the policies are standard Rego, not regorus dialect.

Usage: python rego_cpp.py HOSTPLAN_BINARY REPO_ROOT
"""
import glob
import json
import subprocess
import sys

import regopy

hostplan, root = sys.argv[1], sys.argv[2]
modules = sorted(glob.glob(f"{root}/policies/*.rego") + glob.glob(f"{root}/policies/lib/*.rego"))
modules = [m for m in modules if not m.endswith("_test.rego")]
packages = ["passthrough", "boot", "truenas", "zfs", "dr", "kubernetes", "network", "power", "switching", "cluster", "domains"]
cases = [f"{root}/examples/seed.toml"] + sorted(glob.glob(f"{root}/tests/cases/policy/*.toml"))
failed = 0
for case in cases:
    facts = json.loads(subprocess.run([hostplan, "facts", case], check=True, capture_output=True, text=True).stdout)
    ours = json.loads(subprocess.run([hostplan, "check", case, "--format", "json"], capture_output=True, text=True).stdout)
    expected = sorted({(f["level"], f["rule"], f["resource"], f["message"]) for f in ours["findings"]})
    interp = regopy.Interpreter()
    for m in modules:
        interp.add_module(m, open(m).read())
    interp.set_input(facts)
    theirs = set()
    for pkg in packages:
        for rule, level in (("deny", "error"), ("warn", "warning"), ("info", "info")):
            out = interp.query(f"x = data.hostplan.{pkg}.{rule}")
            doc = json.loads(str(out)) if str(out).startswith("{") else {}
            for f in doc.get("bindings", {}).get("x", []) or []:
                theirs.add((level, f["rule"], f["resource"], f["message"]))
    theirs = sorted(theirs)
    name = case.rsplit("/", 1)[-1]
    if theirs == expected:
        print(f"ok   {name}: {len(expected)} findings agree")
    else:
        failed += 1
        print(f"FAIL {name}:\n  only regorus: {sorted(set(expected) - set(theirs))}\n  only rego-cpp: {sorted(set(theirs) - set(expected))}")
print(f"{len(cases) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
