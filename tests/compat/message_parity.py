"""Message-formatting parity: every rule whose message formats a number gives the same text under
regorus (hostplan) and rego-cpp (PyPI `regopy`) for every type of number the facts document can
hold there — integers, whole numbers written as floats (`4.0`), half-way values (`x.5`), quarters
(`x.25`, `x.75`), large values and, where the facts schema allows them, negative ones.

Which rules format a number is read from the policies (a `sprintf` with a number verb, `%d`,
`%f`, `%e`, `%g`, `%v`…, or a helper that has one). Each such rule is varied on up to two of the
topologies (the examples and every policy case) where it fires, rarest rule first: their facts
(`hostplan facts`) are rewritten once per variant — every numeric leaf changed as its type in
the facts schema (`hostplan schema --facts`) allows: an `integer` field stays a whole number (in
a unit the rules divide, MiB or milliseconds, it takes the variant's fraction of that unit), a
`number` field takes the variant's fractions — and each variant is evaluated by `hostplan policy
eval` (all of them in one process) and by rego-cpp (from a bundle compiled once), which must
give the same set of (severity, rule, resource, message) and the same "not evaluated" set. The
test fails if one of those rules is never exercised (fired under both engines) with an integer,
a whole float and a half-way value, so the agreement is never vacuous. It prints how many of
those rules each variant exercised.

Usage: python message_parity.py HOSTPLAN_BINARY REPO_ROOT
(PARITY_NO_BUNDLE=1 runs rego-cpp's `query` for each document instead of the compiled bundle:
the same answers, three times slower; a check that the bundle path hides nothing.)
"""
import glob
import json
import math
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

# A `%` verb that prints a number as a number (not `%s`, which only strings reach in the rule book).
NUMBER_VERB = re.compile(r"%[-+# 0-9.]*[dfFeEgGvxXob]")
SPRINTF = re.compile(r'sprintf\(\s*"((?:[^"\\]|\\.)*)"')


def numeric_rules():
    """Rule id → file, for every documented rule whose message formats a number: its METADATA
    block (up to the next one) has a `sprintf` with a number verb, or calls a function defined
    anywhere whose body has one."""
    helpers = set()
    for text in texts.values():
        for m in re.finditer(r"^(\w+)\([^)]*\)\s*:?=\s*(.*)$", text, re.M):
            if any(NUMBER_VERB.search(f) for f in SPRINTF.findall(m.group(2))):
                helpers.add(m.group(1))
    found = {}
    for path, text in texts.items():
        blocks = re.split(r"^# METADATA\n", text, flags=re.M)[1:]
        for block in blocks:
            ids = re.findall(r"^#\s+id: (\S+)", block, re.M)
            if not ids:
                continue
            code = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("#"))
            formats = SPRINTF.findall(code)
            calls = set(re.findall(r"(?:\blib\.)?\b(\w+)\(", code))
            if any(NUMBER_VERB.search(f) for f in formats) or calls & helpers:
                found[ids[0]] = os.path.relpath(path, root)
    return found


def schema_node(schema, node):
    """`node` with `$ref`s followed and a nullable `anyOf` reduced to its non-null branch."""
    while True:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
        elif "anyOf" in node or "oneOf" in node:
            branches = [b for b in node.get("anyOf", node.get("oneOf")) if b.get("type") != "null"]
            if len(branches) != 1:
                return node
            node = branches[0]
        else:
            return node


def number_type(node):
    """`integer`, `number` or None, and whether negative values are allowed, for a schema node."""
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    kind = "integer" if "integer" in types else "number" if "number" in types else None
    negative = node.get("minimum", -1) < 0 and not node.get("format", "").startswith("uint")
    return kind, negative


# Integer fields in a unit the rules divide (`lib.gib`: MiB / 1024; milliseconds / 1000 for
# seconds): a fraction of the unit makes the value the message shows fractional.
UNITS = {"_ms": 1000, "_mib": 1024}


def unit_of(key):
    return next((n for suffix, n in UNITS.items() if key.endswith(suffix)), None)


def frac_int(fraction):
    """An integer field changed so that, in the unit the rules divide it by, it ends in
    `fraction` (4096 MiB → 4608 for a half); a field in no such unit is left as it is."""
    def change(i, key):
        unit = unit_of(key)
        return i if unit is None else (i // unit) * unit + int(unit * fraction)
    return change


def frac_num(fraction):
    return lambda x, key: math.floor(x) + fraction


# Each variant: how an integer field and how a number field change. (The facts as derived are
# compared by tests/compat/rego_cpp.py.)
VARIANTS = {
    "integer": (lambda i, key: i, lambda x, key: int(round(x))),
    # JSON Schema's `integer` includes 4.0: a facts document written by another tool (`jq`, a
    # JSON round trip) may carry whole numbers as floats.
    "whole float": (lambda i, key: float(i), lambda x, key: float(math.floor(x))),
    "half-way": (frac_int(0.5), frac_num(0.5)),
    "quarter": (frac_int(0.25), frac_num(0.25)),
    "three quarters": (frac_int(0.75), frac_num(0.75)),
    # Large, but below 2^31: rego-cpp's `%d` wraps at 32 bits (8192024576 prints as -397910016),
    # a limit of that engine (OPA and regorus print it), not of the rule book.
    "large": (lambda i, key: i * 1009 if abs(i) * 1009 < 2**31 else i,
              lambda x, key: math.floor(x) * 1009 + 0.5 if abs(x) * 1009 < 2**31 else x),
    "negative": (lambda i, key: -i - 1 if unit_of(key) is None else -i - unit_of(key) // 2,
                 lambda x, key: -math.floor(x) - 2.5),
}
# What "exercised" requires of a rule that formats a number: it fired, under both engines
# alike, with each of these.
REQUIRED = ("integer", "whole float", "half-way")
# How many topologies each such rule is varied on (where it fires on fewer, all of them): every
# variant of every chosen topology is evaluated by both engines, so this bounds the run time.
PER_RULE = 2


def mutate(schema, node, value, variant, counts, key=""):
    """`value` (facts at `node` of the schema, under `key`) with every numeric leaf changed by
    `variant`."""
    node = schema_node(schema, node)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        kind, negative = number_type(node)
        if variant == "negative" and not negative:
            return value
        if kind == "integer" and isinstance(value, int):
            counts["integer"] += 1
            return VARIANTS[variant][0](value, key)
        if kind == "number":
            counts["number"] += 1
            return VARIANTS[variant][1](value, key)
        return value
    if isinstance(value, list):
        items = node.get("items", {})
        return [mutate(schema, items, v, variant, counts, key) for v in value]
    props = node.get("properties", {})
    extra = node.get("additionalProperties", {})
    extra = extra if isinstance(extra, dict) else {}
    return {k: mutate(schema, props.get(k, extra), v, variant, counts, k) for k, v in value.items()}


def level_of(name):
    """The severity of a result set by its name (src/policy/mod.rs, level_of)."""
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




def rego_cpp(interp, facts):
    """rego-cpp's findings and "not evaluated" set: one query for the whole `data` document,
    run from the bundle compiled once (`query` compiles the modules again each time: one
    query per package cost 13 compilations per document)."""
    found, skipped = set(), set()
    interp.set_input(facts)
    try:
        out = str(interp.query_bundle(BUNDLE) if BUNDLE else interp.query("x = data"))
    except ValueError as e:  # regopy could not read rego-cpp's answer as JSON
        return None, f"rego-cpp's answer is not JSON: {e}"
    if not out.startswith("{"):
        return None, f"rego-cpp could not evaluate data: {out.strip()}"
    data = json.loads(out)["bindings"]["x"]
    for pkg in packages:
        doc = data
        for part in pkg.split("."):
            doc = doc.get(part, {})
        for name, items in doc.items():
            if name == "not_evaluated":
                skipped |= {(i["rule"], i["resource"]) for i in items}
            elif level_of(name) and isinstance(items, list):
                found |= {(level_of(name), *finding(name, i)) for i in items}
    return {f for f in found if (f[1], f[2]) not in skipped}, skipped


def regorus(paths):
    """hostplan's findings and "not evaluated" set for each facts file, from one `hostplan
    policy eval` (the rule book is loaded once: a process per document cost most of the run)."""
    r = subprocess.run([hostplan, "policy", "eval", *paths, "--policy", user_dir], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"hostplan policy eval exited {r.returncode}: {r.stderr.strip()}")
    lines = r.stdout.splitlines() if len(paths) > 1 else [r.stdout]
    if len(lines) != len(paths):
        raise SystemExit(f"hostplan policy eval gave {len(lines)} answers for {len(paths)} documents")
    results = []
    for line in lines:
        ours = json.loads(line)
        results.append(({(f["level"], f["rule"], f["resource"], f["message"]) for f in ours["findings"]},
                        {(f["rule"], f["resource"]) for f in ours["not_evaluated"]}))
    return results


def choose(fires):
    """The topologies to vary: for each rule that formats a number, rarest first, up to
    PER_RULE of those it fires on (as derived), preferring ones already chosen. In file order,
    so a run is reproducible."""
    chosen = []
    for rule in sorted(fires, key=lambda r: (len(fires[r]), r)):
        have = [c for c in fires[rule] if c in chosen]
        for case in fires[rule]:
            if len(have) >= PER_RULE:
                break
            if case not in chosen:
                chosen.append(case)
                have.append(case)
    return sorted(chosen)


numeric = numeric_rules()
schema = json.loads(subprocess.run([hostplan, "schema", "--facts"], check=True, capture_output=True, text=True).stdout)
cases = sorted(glob.glob(f"{root}/examples/*.toml")) + sorted(glob.glob(f"{root}/tests/cases/policy/*.toml"))
interp = regopy.Interpreter()
for m in modules:
    interp.add_module(m, texts[m])
BUNDLE = None if os.environ.get("PARITY_NO_BUNDLE") else interp.build("x = data")
exercised = {v: {} for v in VARIANTS}  # variant → rule → findings (agreeing) with it
failed, runs = 0, 0
timing = {"regorus": 0.0, "rego-cpp": 0.0}
leaves = {"integer": 0, "number": 0}
with tempfile.TemporaryDirectory() as tmp:
    # Where each rule that formats a number fires, on the facts as derived (under regorus;
    # rego_cpp.py compares those findings).
    derived = {}
    for case in cases:
        r = subprocess.run([hostplan, "facts", case], capture_output=True, text=True)
        if r.returncode != 0:
            continue  # a case about validation, with no facts to judge
        derived[case] = json.loads(r.stdout)
    paths = []
    for i, facts in enumerate(derived.values()):
        paths.append(f"{tmp}/derived-{i}.json")
        with open(paths[-1], "w") as f:
            json.dump(facts, f)
    fires = {}
    for case, (found, _) in zip(derived, regorus(paths)):
        for rule in sorted({f[1] for f in found} & set(numeric)):
            fires.setdefault(rule, []).append(case)
    chosen = choose(fires)
    # Every variant of every chosen topology, written first and evaluated by regorus in one go.
    variants, paths = [], []
    for case in chosen:
        name = os.path.basename(case)
        for variant in VARIANTS:
            counts = {"integer": 0, "number": 0}
            doc = mutate(schema, schema, derived[case], variant, counts)
            if variant == "integer":
                leaves = {k: leaves[k] + counts[k] for k in counts}
            paths.append(f"{tmp}/{variant.replace(' ', '-')}-{name}.json")
            with open(paths[-1], "w") as f:
                json.dump(doc, f)
            variants.append((name, variant, doc))
    clock = time.monotonic()
    answers = regorus(paths)
    timing["regorus"] += time.monotonic() - clock
    for (name, variant, doc), (ours, ours_skipped) in zip(variants, answers):
        runs += 1
        clock = time.monotonic()
        theirs, theirs_skipped = rego_cpp(interp, doc)
        timing["rego-cpp"] += time.monotonic() - clock
        if theirs is None:
            failed += 1
            print(f"FAIL {name} ({variant}): {theirs_skipped}")
            continue
        if ours != theirs or ours_skipped != theirs_skipped:
            failed += 1
            print(f"FAIL {name} ({variant}):\n  only regorus: {sorted(ours - theirs)}\n  only rego-cpp: {sorted(theirs - ours)}"
                  f"\n  not evaluated only regorus: {sorted(ours_skipped - theirs_skipped)}"
                  f"\n  not evaluated only rego-cpp: {sorted(theirs_skipped - ours_skipped)}")
            continue
        for f in ours:
            if f[1] in numeric:
                exercised[variant][f[1]] = exercised[variant].get(f[1], 0) + 1

print(f"{runs} evaluations: {len(VARIANTS)} variants of {len(chosen)} topologies (up to {PER_RULE} per rule that formats a "
      f"number, of {len(derived)} with facts; numeric leaves in them: {leaves['integer']} integer, {leaves['number']} number "
      f"fields), {time.monotonic() - started:.0f} s")
print(f"variants: regorus {timing['regorus']:.0f} s (one process), rego-cpp {timing['rego-cpp']:.0f} s")
print(f"{len(numeric)} rules format a number: {', '.join(sorted(numeric))}")
for variant, rules in exercised.items():
    print(f"  {variant:<15} exercised {len(rules):>2} of them ({sum(rules.values())} findings)")
for rule in sorted(numeric):
    missing = [v for v in REQUIRED if rule not in exercised[v]]
    if missing:
        failed += 1
        print(f"FAIL {rule} ({numeric[rule]}) formats a number but never fired with: {', '.join(missing)}")
sys.exit(1 if failed else 0)
