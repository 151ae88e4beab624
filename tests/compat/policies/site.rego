# A site's own rules, as a user would write them, using the builtins hostplan enables beyond the
# rule book's (regex, glob, semver, time, encoding, yaml, graph, units, json.patch): run by
# tests/compat/rego_cpp.py under both engines on every topology, whose findings must agree.
# rego-cpp quirks avoided: a string from regex.replace or urlquery.encode passed to sprintf's %s
# is printed quoted (trim(x, "") gives a plain string); yaml.marshal and json.marshal return
# escaped text (a literal \n, \") where OPA and regorus return the document.
package site

import rego.v1

# METADATA
# title: VM names follow the site's naming scheme
# custom:
#   id: SITE-01
#   severity: warning
warn contains {"rule": "SITE-01", "resource": id, "message": sprintf("%s does not match ^[a-z][a-z0-9-]*[0-9]$", [id])} if {
	some id, _ in input.vms
	not regex.match(`^[a-z][a-z0-9-]*[0-9]$`, id)
}

# METADATA
# title: Hosts are named after their rack (glob srv*, pve*, nas*)
# custom:
#   id: SITE-02
#   severity: info
info contains {"rule": "SITE-02", "resource": id, "message": sprintf("%s is not named srv*, pve* or nas*", [id])} if {
	some id, _ in input.hosts
	not glob.match("{srv,pve,nas}*", [], id)
}

# METADATA
# title: Kernels older than 6.9 on hosts with passthrough
# custom:
#   id: SITE-03
#   severity: warning
warn contains {"rule": "SITE-03", "resource": id, "message": sprintf("%s runs kernel %s, older than 6.9.0", [id, host.kernel])} if {
	some id, host in input.hosts
	host.has_passthrough
	version := kernel_semver(host.kernel)
	semver.compare(version, "6.9.0") < 0
}

kernel_semver(k) := v if {
	parts := regex.find_n(`[0-9]+`, k, 3)
	count(parts) == 3
	v := concat(".", parts)
	semver.is_valid(v)
}

# METADATA
# title: Network ids without digits
# custom:
#   id: SITE-04
#   severity: info
info contains {"rule": "SITE-04", "resource": id, "message": sprintf("%s encodes as %s (hex %s); name it without digits", [id, trim(urlquery.encode(id), ""), hex.encode(id)])} if {
	some id, _ in input.networks
	regex.match(`[0-9]`, id)
}

# METADATA
# title: Boot disks large enough, in bytes
# custom:
#   id: SITE-05
#   severity: warning
warn contains {"rule": "SITE-05", "resource": id, "message": sprintf("%s boots from %d GiB, under the site's 40GiB", [id, round(vm.boot_disk_gb)])} if {
	some id, vm in input.vms
	is_number(vm.boot_disk_gb)
	vm.boot_disk_gb * 1073741824 < units.parse_bytes("40GiB")
}

# METADATA
# title: Services reach their consumers through the dependency graph
# custom:
#   id: SITE-06
#   severity: info
info contains {"rule": "SITE-06", "resource": sid, "message": sprintf("%s reaches %d node(s) of the service graph", [sid, count(reach)])} if {
	some sid, svc in input.services
	edges := object.union({c: [] | some c in svc_nodes}, {s: object.get(input.services[s], "consumers", []) | some s, _ in input.services})
	reach := graph.reachable(edges, [sid])
	count(reach) > 1
	svc.kind == "iscsi"
}

# METADATA
# title: Waivers that expire within 30 days of the evaluation date
# custom:
#   id: SITE-07
#   severity: info
info contains {"rule": "SITE-07", "resource": w.resource, "message": sprintf("waiver of %s on %s is dated %s", [w.rule, w.resource, trim(w.expires, "")])} if {
	some w in object.get(input.topology, "waivers", [])
	is_string(w.expires)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`, w.expires)
	[y, m, d] := time.date(time.add_date(time.parse_ns("2006-01-02", w.expires), 0, 0, 0))
	y > 2000
	m >= 1
	d >= 1
}

# METADATA
# title: Pools list their disks in a stable, encodable form
# custom:
#   id: SITE-08
#   severity: info
info contains {"rule": "SITE-08", "resource": id, "message": sprintf("%s has %d vdev(s); manifest %s", [id, count(pool.vdevs), base64.encode(sprintf("disks=%d", [round(pool.disk_count)]))])} if {
	some id, pool in input.pools
	pool.disk_count >= yaml.unmarshal("min_disks: 2").min_disks
}

# conftest's naming, read by hostplan like conftest reads it.
deny_unnamed_bridge contains sprintf("host %s has a bridge without a name", [id]) if {
	some id, host in input.hosts
	some b in object.get(host, "bridges", [])
	regex.match(`^\s*$`, b.name)
}

violation contains {"msg": sprintf("%s: %s", [id, trim(regex.replace(msg, `\s+`, " "), "")])} if {
	some id, vm in input.vms
	vm.memory_mib > 0
	vm.memory_mib < 8192
	msg := "memory   under 8 GiB"
}

svc_nodes contains c if {
	some svc in input.services
	some c in object.get(svc, "consumers", [])
}

warn_cpu_type contains {"rule": "SITE-09", "resource": id, "message": sprintf("%s uses CPU type %s: live migration needs a named model", [id, vm.cpu_type])} if {
	some id, vm in input.vms
	regex.match(`^(host|max)$`, vm.cpu_type)
}

# METADATA
# title: Every VM starts on boot with the guest agent (the site's baseline, applied with json.patch)
# custom:
#   id: SITE-10
#   severity: info
info contains {"rule": "SITE-10", "resource": id, "message": sprintf("%s differs from the site's baseline in: %s", [id, lib_names(changed)])} if {
	some id, vm in input.vms
	baseline := json.patch(vm, [
		{"op": "replace", "path": "/agent", "value": true},
		{"op": "replace", "path": "/onboot", "value": true},
		{"op": "test", "path": "/vmid", "value": vm.vmid},
	])
	changed := {k | some k in ["agent", "onboot"]; baseline[k] != vm[k]}
	count(changed) > 0
}

lib_names(xs) := trim(concat(", ", sort(xs)), "")
