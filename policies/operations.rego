# Operations: what routine maintenance does to storage consumers (OPERATIONS.md §4, §5, §10.2).
package hostplan.operations

import data.hostplan.lib
import rego.v1

# METADATA
# title: A routine storage-VM reboot outlasts a consumer's I/O timeout
# description: While a storage VM reboots (clean stop, start, boot, the service ready: reboot_outage_s by the boot model) its consumers' I/O blocks; an iSCSI initiator fails every command once replacement_timeout (+ NOP-Out detection, + multipath queueing) runs out, and ext4 then aborts to read-only (XFS shuts down) and stays so after the target returns — pods must be moved off their nodes to remount; an NFS soft mount returns EIO after its retries. A design where every routine reboot of the storage VM ends like that needs a longer timeout (democratic-csi node-db.node.session.timeo.replacement_timeout, multipath no_path_retry queue, NFS hard) or the consumers stopped first (hostplan maintain writes the runbook). Not evaluated while a setting that decides the timeout is unknown.
# related_resources:
#   - ref: https://github.com/open-iscsi/open-iscsi/blob/0ab9354515f4dd01b60714ff33d31f133856e408/etc/iscsid.conf#L56-L60
#   - ref: https://docs.kernel.org/admin-guide/ext4.html#mount-options
#   - ref: https://man7.org/linux/man-pages/man5/multipath.conf.5.html
#   - ref: https://github.com/democratic-csi/democratic-csi/issues/193
#   - ref: https://github.com/jtlayton/nfs-utils/blob/0dbabc1f7b56cf8875fbc21b6c7d75fd27a66ba3/utils/mount/nfs.man#L97-L129
# custom:
#   id: OPS-01
#   severity: warning
warn contains lib.finding("OPS-01", cid, sprintf("a routine reboot of %s takes %s away for ~%d s, longer than the %d s after which %s's I/O on it fails: its volumes end read-only (or with I/O errors) after every such reboot; raise the timeout above the reboot (iSCSI replacement_timeout, multipath no_path_retry queue, NFS hard) or stop %s first (hostplan maintain)", [svc.provider, sid, lib.whole(svc.reboot_outage_s), lib.whole(after), cid, cid])) if {
	some cid, c in input.consumers
	some sid, after in c.io_errors_after_s
	svc := input.services[sid]
	svc.provider_is_vm
	svc.reboot_outage_s >= after
}

# OPS-01 cannot be judged while a setting that decides a consumer's timeout is unknown.
not_evaluated contains lib.not_evaluated("OPS-01", cid, u) if {
	some cid, c in input.consumers
	some sid, u in c.io_unknown
	input.services[sid].provider_is_vm
	count(u) > 0
}
