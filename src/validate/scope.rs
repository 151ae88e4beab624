//! What validation reads of an entry, so that an edit of a value it does not read keeps every
//! diagnostic of the file ([`crate::check_edit`] then re-validates nothing).
//!
//! The lists are the fields of an entry that no check of this module, of the dependency graph
//! (the cycle check builds it) or of id resolution looks at: sizing, timing and descriptive
//! values, which the rule book judges later. A test sets each listed field to extreme values
//! in the seed and in every validation case and requires the same diagnostics, so a check
//! that starts reading one of them fails it until the field leaves the list.

use crate::diag::Segment;
use crate::model::section::Section;

/// The fields of a `section` entry that validation never reads.
pub fn unread_fields(section: Section) -> &'static [&'static str] {
    match section {
        Section::Vms => &[
            "memory_mib",
            "balloon_mib",
            "cores",
            "role",
            "boot_disk_gb",
            "boot_time_s",
            "migrate",
            "agent",
            "startup",
            "module",
        ],
        Section::Hosts => &[
            "ram_gib",
            "ecc",
            "kernel",
            "kernel_cmdline",
            "boot_time_s",
            "mtbf_hours",
            "mttr_hours",
        ],
        _ => &[],
    }
}

/// Whether validation may read the value at `path` inside an entry of `section` (the path
/// after `section[i]`): `false` only for a field of [`unread_fields`] and what it holds.
pub fn reads(section: Section, path: &[Segment]) -> bool {
    match path.first() {
        Some(Segment::Key(field)) => !unread_fields(section).contains(&field.as_str()),
        _ => true,
    }
}
