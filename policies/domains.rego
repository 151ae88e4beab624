# Failure domains a redundant group shares (issue "failure domains").
package hostplan.domains

import data.hostplan.lib
import rego.v1

# METADATA
# title: A control plane on one host is no quorum
# description: Kubernetes' etcd keeps quorum with a majority of members; members on one host fail together, so the host is a single point of failure of the whole control plane. Spread members over failure domains.
# related_resources:
#   - ref: https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/ha-topology/
# custom:
#   id: FD-01
#   severity: warning
warn contains lib.finding("FD-01", id, sprintf("all %d control-plane members of %s run on %s: spread them over hosts", [lib.whole(cp.members), id, cp.hosts[0]])) if {
	some id, cp in input.control_planes
	count(cp.hosts) == 1
}

# METADATA
# title: A control plane behind one switch
# description: Members that reach the network only through one switch lose each other when it fails, and etcd loses quorum with them; the kernel's bonding guide calls a single switch a single point of failure.
# related_resources:
#   - ref: https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/ha-topology/
#   - ref: https://www.kernel.org/doc/html/latest/networking/bonding.html#high-availability-in-a-single-switch-topology
# custom:
#   id: FD-02
#   severity: warning
warn contains lib.finding("FD-02", id, sprintf("every control-plane member of %s reaches the network only through switch %s: cable their hosts to a second switch", [id, cp.shared_switches[0]])) if {
	some id, cp in input.control_planes
	count(cp.hosts) > 1
	count(cp.shared_switches) == 1
}

# METADATA
# title: A control plane on one UPS
# description: Members whose hosts draw only from one UPS go down together when it fails or runs empty; a second supply on another feed or UPS splits the failure domain.
# related_resources:
#   - ref: https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/ha-topology/
#   - ref: https://networkupstools.org/docs/man/upsmon.html
# custom:
#   id: FD-03
#   severity: warning
warn contains lib.finding("FD-03", id, sprintf("every control-plane member of %s runs on a host powered only by %s: give the hosts a second supply on another feed or UPS", [id, cp.shared_ups[0]])) if {
	some id, cp in input.control_planes
	count(cp.hosts) > 1
	count(cp.shared_ups) == 1
}
