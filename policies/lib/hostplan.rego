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
