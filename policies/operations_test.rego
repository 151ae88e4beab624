package hostplan.operations_test

import data.hostplan.lib
import data.hostplan.operations
import rego.v1

seed := data.fixtures.seed

# The seed states no replacement_timeout: not judged, and said so.
test_ops01_seed_not_evaluated if {
	fs := operations.warn with input as seed
	not lib.has(fs, "OPS-01")
	skipped := operations.not_evaluated with input as seed
	some s in skipped
	s.rule == "OPS-01"
	s.resource == "talos"
	s.unknown == ["iscsi_replacement_timeout_s"]
}

# The default 120 s stated: errors at 125 s, before the 188 s reboot is over.
test_ops01_fires_when_the_reboot_outlasts_the_timeout if {
	c := object.union(seed.consumers.talos, {"io_errors_after_s": {"iscsi-k8s": 125}, "io_unknown": {}})
	fs := operations.warn with input as object.union(seed, {"consumers": {"talos": c}})
	lib.has_for(fs, "OPS-01", "talos")
}

# A timeout longer than the reboot: quiet.
test_ops01_quiet_when_the_timeout_covers_the_reboot if {
	c := object.union(seed.consumers.talos, {"io_errors_after_s": {"iscsi-k8s": 605}, "io_unknown": {}})
	fs := operations.warn with input as object.union(seed, {"consumers": {"talos": c}})
	not lib.has(fs, "OPS-01")
}

# I/O that never fails (multipath queue, NFS hard): quiet, and judged.
test_ops01_quiet_when_io_never_fails if {
	c := object.union(object.remove(seed.consumers.talos, ["io_unknown"]), {"io_errors_after_s": {}, "io_unknown": {}})
	input_ := object.union(object.remove(seed, ["consumers"]), {"consumers": {"talos": c}})
	fs := operations.warn with input as input_
	not lib.has(fs, "OPS-01")
	skipped := operations.not_evaluated with input as input_
	not lib.has(skipped, "OPS-01")
}
