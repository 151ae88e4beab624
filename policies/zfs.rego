# ZFS pool redundancy (rule book section D).
package hostplan.zfs

import data.hostplan.lib
import rego.v1

# METADATA
# title: No non-redundant data vdevs
# description: zpoolconcepts: "While ZFS supports running in a non-redundant configuration, where each root vdev is simply a disk or file, this is strongly discouraged. A single case of bit corruption can render some or all of your data unavailable." Losing such a vdev loses the pool.
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolconcepts.7.html#Device_Failure_and_Recovery
#   - ref: https://github.com/openzfs/zfs/blob/018937884f93e0f4ae7f560c352a138ec6b69cb4/man/man7/zpoolconcepts.7#L235-L239
# custom:
#   id: ZFS-03
#   severity: warning
warn contains lib.finding("ZFS-03", pid, sprintf("pool %s has a non-redundant data vdev (%s): any disk loss loses the pool; attach a mirror disk to it (zpool attach)", [pid, lib.names(v.disks)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.role == "data"
	v.tolerance == 0
}

# METADATA
# title: Special and dedup vdevs as redundant as the data vdevs
# description: Metadata lives on special/dedup vdevs, so losing one loses the pool; the man page says their redundancy "should match" the data vdevs' (a recommendation, so a warning).
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolconcepts.7.html#Special_Allocation_Class
#   - ref: https://github.com/openzfs/zfs/blob/018937884f93e0f4ae7f560c352a138ec6b69cb4/man/man7/zpoolconcepts.7#L180-L191
# custom:
#   id: ZFS-04
#   severity: warning
warn contains lib.finding("ZFS-04", pid, sprintf("pool %s: its %s vdev tolerates %d disk loss(es) but its data vdevs tolerate %d: add mirrors", [pid, v.role, lib.whole(v.tolerance), lib.whole(p.data_tolerance)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.role in {"special", "dedup"}
	v.tolerance < p.data_tolerance
}

# METADATA
# title: SLOG mirrored and power-loss protected
# description: Losing the log loses the last seconds of sync writes. The TrueNAS guide: "SLOG devices also need power protection" (an unprotected SLOG "defeats the purpose of using a SLOG in the first place"); the FreeNAS guide: "In mission-critical systems, a mirrored SLOG device is highly recommended".
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#storage-solutions
#   - ref: https://github.com/freenas/freenas-docs/blob/19f6797927b4308f1c9cc9e3756b32560d4bebc5/userguide/zfsprimer.rst?plain=1#L160-L162
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolconcepts.7.html#Intent_Log
# custom:
#   id: ZFS-05
#   severity: warning
warn contains lib.finding("ZFS-05", pid, sprintf("pool %s has a log vdev that is not mirrored: mirror the SLOG", [pid])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.role == "log"
	v.tolerance == 0
}

warn contains lib.finding("ZFS-05", pid, sprintf("pool %s has a log vdev without power-loss protection: use PLP SSDs", [pid])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.role == "log"
	v.plp_all == false
}

# METADATA
# title: Sensible raidz widths and parity
# description: The FreeNAS guide: "Using more than 12 disks per vdev is not recommended. The recommended number of disks per vdev is between 3 and 9", and "RAIDZ1 is not recommended for drives over 1 TB in size" (another disk may fail before the resilver completes). The rule flags raidz vdevs wider than 12 and raidz1/draid1 of drives over 1 TiB, the rule book's threshold.
# related_resources:
#   - ref: https://github.com/freenas/freenas-docs/blob/19f6797927b4308f1c9cc9e3756b32560d4bebc5/userguide/zfsprimer.rst?plain=1#L227-L229
#   - ref: https://github.com/freenas/freenas-docs/blob/19f6797927b4308f1c9cc9e3756b32560d4bebc5/userguide/zfsprimer.rst?plain=1#L274-L282
# custom:
#   id: ZFS-06
#   severity: warning
warn contains lib.finding("ZFS-06", pid, sprintf("pool %s has a raidz1 of %d GB drives: use raidz2 (a second failure during resilver loses the pool)", [pid, lib.whole(v.min_size_gb)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.layout in {"raidz1", "draid1"}
	v.min_size_gb > 1099
}

warn contains lib.finding("ZFS-06", pid, sprintf("pool %s has a %s vdev of %d disks: keep raidz vdevs to 12 disks or fewer", [pid, v.layout, lib.whole(v.width)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	startswith(v.layout, "raidz")
	v.width > 12
}

# METADATA
# title: Keep pools below 80 % full
# description: The FreeNAS guide: "At 90% capacity, ZFS switches from performance- to space-based optimization, which has massive performance implications. For maximum write performance and to prevent problems with drive replacement, add more capacity before a pool reaches 80%." Usage is ALLOC over SIZE as zpool list reports both (raidz parity included in each).
# related_resources:
#   - ref: https://github.com/freenas/freenas-docs/blob/19f6797927b4308f1c9cc9e3756b32560d4bebc5/userguide/zfsprimer.rst?plain=1#L267-L272
# custom:
#   id: ZFS-08
#   severity: warning
warn contains lib.finding("ZFS-08", pid, sprintf("pool %s is %d%% full (%d of %d GB as zpool list counts them): keep it below 80%% — free space or add a vdev", [pid, round((p.used_gb * 100) / p.list_size_gb), lib.whole(p.used_gb), lib.whole(p.list_size_gb)])) if {
	some pid, p in input.pools
	p.used_gb != null
	p.list_size_gb > 0
	p.used_gb * 100 > p.list_size_gb * 80
}

# METADATA
# title: A vdev is limited by its smallest disk
# description: The FreeNAS guide: "While ZFS can create a vdev using disks of differing sizes, its capacity will be limited by the size of the smallest disk"; mixed sizes waste the difference on every larger disk.
# related_resources:
#   - ref: https://github.com/freenas/freenas-docs/blob/19f6797927b4308f1c9cc9e3756b32560d4bebc5/userguide/zfsprimer.rst?plain=1#L284-L286
# custom:
#   id: ZFS-10
#   severity: info
info contains lib.finding("ZFS-10", pid, sprintf("pool %s mixes %d GB and %d GB disks in one vdev: capacity follows the smallest", [pid, lib.whole(v.min_size_gb), lib.whole(v.max_size_gb)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.min_size_gb != v.max_size_gb
}

# Rules on disk sizes and power-loss protection cannot be judged while a member disk's are
# unknown (e.g. imported from `zpool status`, which shows neither).
not_evaluated contains lib.not_evaluated(rule, pid, u) if {
	some pid, p in input.pools
	some [rule, facts] in [["ZFS-06", ["disk_sizes"]], ["ZFS-08", ["disk_sizes"]], ["ZFS-10", ["disk_sizes"]]]
	u := lib.unknowns(p, facts)
	count(u) > 0
}

not_evaluated contains lib.not_evaluated("ZFS-05", pid, u) if {
	some pid, p in input.pools
	some v in p.vdevs
	v.role == "log"
	u := lib.unknowns(p, ["disk_plp"])
	count(u) > 0
}

# METADATA
# title: ashift at least the disks' physical sector size
# description: ashift is fixed per vdev at creation; with 2^ashift below a member's physical sector size every write is a read-modify-write inside the drive, and a 4Kn replacement disk cannot join the vdev. OpenZFS detects the size from what drives report, which 512e drives get wrong; set ashift=12 explicitly.
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/Performance%20and%20Tuning/Workload%20Tuning.html#alignment-shift-ashift
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zpoolprops.7.html
# custom:
#   id: ZFS-11
#   severity: warning
warn contains lib.finding("ZFS-11", pid, sprintf("pool %s has ashift %d (%d-byte sectors) but %s has %d-byte physical sectors: writes are read-modify-write and 4Kn replacements are refused; recreate the vdevs with ashift=12", [pid, lib.whole(p.ashift), lib.whole(zfs11_bytes[p.ashift]), disk, lib.whole(sector)])) if {
	some pid, p in input.pools
	some v in p.vdevs
	some disk in v.disks
	sector := input.disks[disk].sector_bytes
	sector > zfs11_bytes[p.ashift]
}

# ZFS-11 cannot be judged while the ashift of a pool with Advanced Format disks is unknown.
not_evaluated contains lib.not_evaluated("ZFS-11", pid, ["ashift"]) if {
	some pid, p in input.pools
	not "ashift" in object.keys(p)
	some v in p.vdevs
	some disk in v.disks
	input.disks[disk].sector_bytes > 512
}

zfs11_bytes := {9: 512, 10: 1024, 11: 2048, 12: 4096, 13: 8192, 14: 16384, 15: 32768, 16: 65536}

# METADATA
# title: Sync writes for iSCSI and NFS stay synchronous
# description: With sync=disabled ZFS acknowledges a consumer's synchronous writes before they are on stable storage; zfsprops(7) calls it very dangerous, since a crash or power loss of the storage host loses what databases and file systems believe written. Sync writes on HDD raidz without a power-loss-protected SLOG are slow, which is the usual reason people disable it (advice).
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zfsprops.7.html#sync
#   - ref: https://github.com/truenas/documentation/blob/4b97c84056719a4006c1fb22bd42f5f6e44e18c2/static/includes/TNHardwareGuide.md#storage-solutions
# custom:
#   id: ZFS-12
#   severity: warning
warn contains lib.finding("ZFS-12", sid, sprintf("%s (%s) serves %s with sync=disabled: a crash or power loss of %s loses writes its consumers were told are safe; use sync=standard and a mirrored power-loss-protected SLOG for speed", [sid, s.kind, s.pool, s.provider])) if {
	some sid, s in input.services
	s.kind in {"iscsi", "nfs"}
	object.get(s, "sync", "") == "disabled"
}

info contains lib.finding("ZFS-12", sid, sprintf("%s (%s) writes synchronously to HDD raidz pool %s without a power-loss-protected SLOG: expect slow writes; add a mirrored PLP SLOG rather than disabling sync", [sid, s.kind, s.pool])) if {
	some sid, s in input.services
	s.kind in {"iscsi", "nfs"}
	object.get(s, "sync", "") in {"standard", "always"}
	p := input.pools[s.pool]
	zfs12_hdd_raidz(p)
	not zfs12_plp_slog(p)
}

zfs12_hdd_raidz(p) if {
	some v in p.vdevs
	v.role == "data"
	startswith(v.layout, "raidz")
	every d in v.disks {
		input.disks[d].media == "hdd"
	}
}

zfs12_plp_slog(p) if {
	some v in p.vdevs
	v.role == "log"
	v.plp_all
}

# METADATA
# title: iSCSI zvols on raidz need a volblocksize that fills the stripe
# description: RAIDZ stores each block in whole sectors of 2^ashift bytes, adds parity sectors for every row of the stripe and pads the total to a multiple of parity+1 sectors, so a zvol whose volblocksize is only a few sectors keeps far less data per sector than the vdev's nominal (width−parity)/width (an 8 KiB zvol on a 6-wide raidz2 with ashift 12 takes 6 sectors for 2 of data, 33 % instead of 67 %). volblocksize is fixed when the zvol is created, so the fix is a new zvol and a copy. Judged where a service states its volblocksize; not evaluated while the pool's ashift is unknown.
# related_resources:
#   - ref: https://openzfs.github.io/openzfs-docs/Basic%20Concepts/RAIDZ.html#space-efficiency
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zfsprops.7.html#volblocksize
# custom:
#   id: ZFS-13
#   severity: warning
warn contains lib.finding("ZFS-13", sid, sprintf("%s exports a zvol with volblocksize %d KiB from %s, whose %d-wide %s (ashift %d) stores it at %d%% efficiency instead of the nominal %d%%: volblocksize is fixed at creation, so create a new zvol with volblocksize=%dK and copy the data over", [sid, lib.whole(vbs), s.pool, lib.whole(v.width), v.layout, lib.whole(p.ashift), round(eff * 100), round(nominal * 100), lib.whole(fix)])) if {
	some sid, s in input.services
	s.kind == "iscsi"
	vbs := s.volblocksize_kib
	p := input.pools[s.pool]
	sector := zfs11_bytes[p.ashift]
	some v in p.vdevs
	zfs13_raidz(v)
	eff := zfs13_efficiency(vbs, sector, v.width, v.tolerance)
	nominal := (v.width - v.tolerance) / v.width
	nominal - eff >= 0.1
	fix := zfs13_fix(vbs, sector, v.width, v.tolerance)
}

# ZFS-13 cannot be judged while the ashift of the raidz pool under a stated volblocksize is unknown.
not_evaluated contains lib.not_evaluated("ZFS-13", sid, ["ashift"]) if {
	some sid, s in input.services
	s.kind == "iscsi"
	"volblocksize_kib" in object.keys(s)
	p := input.pools[s.pool]
	not "ashift" in object.keys(p)
	some v in p.vdevs
	zfs13_raidz(v)
}

zfs13_raidz(v) if {
	v.role == "data"
	startswith(v.layout, "raidz")
	v.width > v.tolerance
}

# The share of a raidz allocation that is data: `sectors` of data, `parity` sectors per row of
# `width - parity` data sectors, the total padded to a multiple of `parity + 1`.
zfs13_efficiency(kib, sector, width, parity) := sectors / total if {
	sectors := ceil((kib * 1024) / sector)
	allocated := sectors + (parity * ceil(sectors / (width - parity)))
	total := ceil(allocated / (parity + 1)) * (parity + 1)
}

# The smallest larger volblocksize (KiB) within 10 points of the nominal efficiency. (Not
# `min` of the set: rego-cpp returns 1024 for it, apparently ordering these numbers as text.)
zfs13_fix(kib, sector, width, parity) := fix if {
	fixes := {c |
		some c in [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
		c > kib
		zfs13_efficiency(c, sector, width, parity) > ((width - parity) / width) - 0.1
	}
	some fix in fixes
	every d in fixes {
		d >= fix
	}
}

# METADATA
# title: Sparse zvols need the space they promise
# description: A sparse (thin) zvol has no refreservation, so its writes take pool space only when they happen; once the pool is low on space the LUN's writes fail (TrueNAS: "writes will fail when the pool is low on space") and the consumer sees I/O errors, which file systems answer by going read-only. A warning when the sparse zvols on a pool promise more than its usable capacity, or when the pool is above 80 % full. Judged where a service states that its zvol is sparse; not evaluated while a sparse zvol's size or the pool's disk sizes are unknown.
# related_resources:
#   - ref: https://github.com/truenas/documentation/blob/3098805bab7764b8c6bafc63c3a720174f1fa77f/content/CORE/Storage/Pools/Zvols.md?plain=1#L28
#   - ref: https://openzfs.github.io/openzfs-docs/man/master/7/zfsprops.7.html#refreservation
# custom:
#   id: ZFS-14
#   severity: warning
warn contains lib.finding("ZFS-14", sid, sprintf("%s is a sparse zvol on %s, whose sparse zvols (%s) promise %d GB but the pool holds %d GB: their writes fail once it fills; make them thick (refreservation) or keep their sum below the capacity, and set a pool usage alert", [sid, s.pool, lib.names(sparse), lib.whole(total), lib.whole(p.capacity_gb)])) if {
	some sid, s in input.services
	zfs14_sparse_zvol(s)
	p := input.pools[s.pool]
	sparse := zfs14_sparse_on(s.pool)
	every x in sparse {
		"size_gb" in object.keys(input.services[x])
	}
	total := sum([input.services[x].size_gb | some x in sparse])
	p.capacity_gb != null
	total > p.capacity_gb
}

warn contains lib.finding("ZFS-14", sid, sprintf("%s is a sparse zvol on %s, which is %d%% full: the zvol's writes fail when the pool runs out; free space and set a pool usage alert at 80 %%, or make the zvol thick (refreservation)", [sid, s.pool, round((p.used_gb * 100) / p.list_size_gb)])) if {
	some sid, s in input.services
	zfs14_sparse_zvol(s)
	p := input.pools[s.pool]
	zfs14_filling(p)
}

# ZFS-14 cannot weigh the promise while a sparse zvol's size is unknown (unless the pool is
# filling anyway), nor while the pool's capacity is.
not_evaluated contains lib.not_evaluated("ZFS-14", sid, ["size_gb"]) if {
	some sid, s in input.services
	zfs14_sparse_zvol(s)
	some x in zfs14_sparse_on(s.pool)
	not "size_gb" in object.keys(input.services[x])
	not zfs14_filling(input.pools[s.pool])
}

not_evaluated contains lib.not_evaluated("ZFS-14", sid, u) if {
	some sid, s in input.services
	zfs14_sparse_zvol(s)
	u := lib.unknowns(input.pools[s.pool], ["disk_sizes"])
	count(u) > 0
}

zfs14_sparse_zvol(s) if {
	s.kind == "iscsi"
	s.sparse == true
}

zfs14_sparse_on(pool) := {x |
	t := input.services[x]
	t.pool == pool
	zfs14_sparse_zvol(t)
}

zfs14_filling(p) if {
	p.used_gb != null
	p.list_size_gb > 0
	p.used_gb * 100 > p.list_size_gb * 80
}
