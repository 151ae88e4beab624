# Helpers shared by the hostplan rule book.
package hostplan.lib

import rego.v1

# A finding: the rule id, the resource (an entity id) and a message naming both and the fix.
finding(rule, resource, message) := {"rule": rule, "resource": resource, "message": message}

# Whether a set of findings has one for `rule` (on any resource).
has(findings, rule) if {
	some f in findings
	f.rule == rule
}

# Whether a set of findings has one for `rule` on `resource`.
has_for(findings, rule, resource) if {
	some f in findings
	f.rule == rule
	f.resource == resource
}

# VMs that pass something through (their RAM is pinned).
passthrough_vms contains id if {
	some id, vm in input.vms
	count(vm.passthrough) > 0
}

# Storage-provider VMs (TrueNAS and the like).
truenas_vms contains id if {
	some id, vm in input.vms
	vm.role == "truenas"
}

truenas_vms contains id if {
	some svc in input.services
	svc.provider_is_vm
	id := svc.provider
}

# Kibibytes are not used: sizes are MiB (memory) and decimal GB (disks).
gib(mib) := mib / 1024

# A rule that could not be judged on `resource` because the facts `unknown` are not known (an
# importer could not resolve them). hostplan lists these apart ("not evaluated") and drops the
# rule's findings on that resource; conftest and OPA ignore the set. An unknown fact is absent
# from the facts document, so no rule body can read a stand-in value.
not_evaluated(rule, resource, unknown) := {"rule": rule, "resource": resource, "unknown": unknown}

# Which of `names` are unknown facts of `entity` (a host, VM, disk or pool of the input).
unknowns(entity, names) := [n | some n in names; n in object.get(entity, "unknown", [])]

# `input` with the facts `facts` of entity `id` in `collection` unknown: removed and listed, as
# the facts document has them when an importer could not resolve them (for the rules' tests).
with_unknown(doc, collection, id, facts) := object.union(object.remove(doc, [collection]), {collection: object.union(
	object.remove(doc[collection], [id]),
	{id: object.union(object.remove(doc[collection][id], facts), {"unknown": facts})},
)})

# Whether `rule` was not evaluated on `resource` (in a package's `not_evaluated` set).
skipped(set, rule, resource) if {
	some s in set
	s.rule == rule
	s.resource == resource
}

# A machine type as messages show it: Proxmox's default (no `machine:` line) is i440fx.
machine_name(m) := "unset (i440fx)" if m == ""

machine_name(m) := sprintf("\"%s\"", [m]) if m != ""

# A number rounded to a whole one (halves away from zero, as Go, Rust and C++ all round), for
# `%d` — every `%d` argument of the rule book goes through it (or is a `count`): `sprintf("%d")`
# of a fraction fails (regorus) or prints `%!d(float64=…)` (OPA), of a whole number written as a
# float (`4.0`, as a JSON round trip or another tool may write the facts) it fails in rego-cpp
# and prints `%!d(float64=4)` in OPA, and `%.0f` rounds halves differently between engines.
# tests/compat/message_parity.py holds every message to this. (Not `format_int` into `%s`:
# rego-cpp breaks its output on that.)
whole(x) := round(x)

# A whole number (rounded as `whole`) as text with its sign written here, for a `%s` where the
# value can be negative (an IOMMU group is a signed integer in the facts): regorus 0.14 prints
# `sprintf("%d", [-13])` as `--13` (it writes the sign, then the number with its own); OPA and
# rego-cpp print `-13`. `%d` is given only the magnitude, so every engine prints `-13`.
signed(x) := sprintf("-%d", [abs(whole(x))]) if whole(x) < 0

signed(x) := sprintf("%d", [whole(x)]) if whole(x) >= 0

# A list or set of names (ids: strings) as a person writes it: `a, b, c` (sorted), never a JSON
# array. The `trim(…, "")` changes nothing but works around rego-cpp, which inserts a `concat`
# result into a later `sprintf` with its JSON quotes (checked by tests/compat/rego_cpp.py).
names(xs) := trim(concat(", ", sort(xs)), "")

# A guest's startup order as a person says it: `order 2`, or `no startup order`.
order_text(o) := "no startup order" if o == null

order_text(o) := sprintf("order %d", [whole(o)]) if o != null
