//! `zpool status` → pool layouts.
//!
//! Handles what real outputs contain (see `../shared/domain/EDGE_CASES.md`): old Solaris
//! `scrub:` lines, missing blank lines, tab or space indentation, device names with colons,
//! GUIDs and `/old` suffixes, `logs`/`cache`/`spares`/`special`/`dedup` sections, nested
//! `replacing-N`/`spare-N` groups, dRAID names, counters with suffixes (`13.2K`), and trailing
//! notes (`cannot open`, `insufficient replicas`, `(resilvering)`).

use crate::model::{Disk, Pool, Vdev, VdevLayout, VdevRole};
use serde::Serialize;

/// A device line of the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    /// Name as printed (by-id, sdX, GUID, `c1t0d0`…).
    pub name: String,
    /// State (`ONLINE`, `DEGRADED`, `UNAVAIL`, `AVAIL`…).
    pub state: String,
    /// Trailing note, if any.
    pub note: String,
}

/// A top-level vdev.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedVdev {
    /// Role (from the section it is in).
    pub role: VdevRole,
    /// Layout (from its name; a bare device is a stripe of one).
    pub layout: VdevLayout,
    /// The vdev's own name (`mirror-0`, `raidz2-1`, or the device for a stripe).
    pub name: String,
    /// State of the vdev.
    pub state: String,
    /// Member devices (a `replacing-N`/`spare-N` group counts as one member).
    pub devices: Vec<Device>,
}

/// One pool of the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedPool {
    /// Pool name.
    pub name: String,
    /// Pool state.
    pub state: String,
    /// Top-level vdevs in order.
    pub vdevs: Vec<ImportedVdev>,
    /// What was seen but not mapped (line and reason).
    pub unmapped: Vec<String>,
}

fn layout_of(name: &str) -> Option<VdevLayout> {
    let base = name.split(['-', ':']).next().unwrap_or(name);
    Some(match base {
        "mirror" => VdevLayout::Mirror,
        "raidz" | "raidz1" => VdevLayout::Raidz1,
        "raidz2" => VdevLayout::Raidz2,
        "raidz3" => VdevLayout::Raidz3,
        "draid" | "draid1" => VdevLayout::Draid1,
        "draid2" => VdevLayout::Draid2,
        "draid3" => VdevLayout::Draid3,
        _ => return None,
    })
}

fn section_role(name: &str) -> Option<VdevRole> {
    Some(match name {
        "logs" | "log" => VdevRole::Log,
        "cache" => VdevRole::Cache,
        "spares" => VdevRole::Spare,
        "special" => VdevRole::Special,
        "dedup" => VdevRole::Dedup,
        _ => return None,
    })
}

/// Indentation with tabs expanded to 8 columns.
fn indent_of(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 8 + 1) * 8,
            _ => break,
        }
    }
    col
}

fn device(rest: &[&str], name: &str) -> Device {
    let state = rest.first().copied().unwrap_or_default().to_owned();
    // NAME STATE READ WRITE CKSUM [note…]
    let note = rest.get(4..).map(|n| n.join(" ")).unwrap_or_default();
    Device {
        name: name.to_owned(),
        state,
        note,
    }
}

/// Parse every pool of a `zpool status` output.
///
/// # Complexity
/// `O(lines)`.
pub fn parse(text: &str) -> Vec<ImportedPool> {
    let mut pools = Vec::new();
    let mut current: Option<ImportedPool> = None;
    let mut in_config = false;
    let mut base = 0;
    let mut role = VdevRole::Data;
    // Indentation of the pseudo-vdev group (replacing/spare) being flattened, if any.
    let mut group: Option<usize> = None;
    for (no, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("pool:") {
            pools.extend(current.take());
            current = Some(ImportedPool {
                name: name.trim().to_owned(),
                state: String::new(),
                vdevs: Vec::new(),
                unmapped: Vec::new(),
            });
            in_config = false;
            continue;
        }
        let Some(pool) = current.as_mut() else {
            continue;
        };
        if let Some(state) = trimmed.strip_prefix("state:") {
            state.trim().clone_into(&mut pool.state);
            continue;
        }
        if trimmed.starts_with("config:") {
            in_config = true;
            continue;
        }
        if trimmed.starts_with("errors:") {
            in_config = false;
            continue;
        }
        if !in_config || trimmed.is_empty() {
            continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let Some(&name) = words.first() else { continue };
        if name == "NAME" {
            continue;
        }
        let indent = indent_of(line);
        if name == pool.name && pool.vdevs.is_empty() && role == VdevRole::Data {
            base = indent;
            continue;
        }
        if indent <= base {
            match section_role(name) {
                Some(r) => role = r,
                None => pool.unmapped.push(format!(
                    "line {}: `{trimmed}` (unexpected at the pool's level)",
                    no + 1
                )),
            }
            group = None;
            continue;
        }
        let rest = &words[1..];
        if indent <= base + 2 {
            group = None;
            match layout_of(name) {
                Some(layout)
                    if !name.starts_with("draid")
                        || name.contains(':')
                        || role != VdevRole::Spare =>
                {
                    pool.vdevs.push(ImportedVdev {
                        role,
                        layout,
                        name: name.to_owned(),
                        state: rest.first().copied().unwrap_or_default().to_owned(),
                        devices: Vec::new(),
                    });
                }
                _ => {
                    // A bare device: a stripe of one (or a spare, log, cache device).
                    let d = device(rest, name);
                    pool.vdevs.push(ImportedVdev {
                        role,
                        layout: VdevLayout::Stripe,
                        name: name.to_owned(),
                        state: d.state.clone(),
                        devices: vec![d],
                    });
                }
            }
            continue;
        }
        // A member of the last top-level vdev, possibly inside a replacing/spare group.
        let Some(vdev) = pool.vdevs.last_mut() else {
            pool.unmapped.push(format!(
                "line {}: `{trimmed}` (a member before any vdev)",
                no + 1
            ));
            continue;
        };
        if name.starts_with("replacing-") || name.starts_with("spare-") {
            group = Some(indent);
            vdev.devices.push(Device {
                name: name.to_owned(),
                state: rest.first().copied().unwrap_or_default().to_owned(),
                note: String::new(),
            });
            pool.unmapped.push(format!(
                "line {}: `{name}` counted as one member slot of {}",
                no + 1,
                vdev.name
            ));
            continue;
        }
        if let Some(g) = group {
            if indent > g {
                // Inside a group: the slot is the device that is (or will be) in service.
                if let Some(slot) = vdev.devices.last_mut() {
                    let in_service = !name.ends_with("/old")
                        && !matches!(
                            rest.first(),
                            Some(&("UNAVAIL" | "FAULTED" | "REMOVED" | "OFFLINE"))
                        );
                    if slot.name.starts_with("replacing-")
                        || slot.name.starts_with("spare-")
                        || in_service
                    {
                        let d = device(rest, name);
                        if slot.name.starts_with("replacing-") || slot.name.starts_with("spare-") {
                            *slot = d;
                        } else if in_service {
                            pool.unmapped.push(format!(
                                "line {}: `{}` replaced by `{name}` in the same slot",
                                no + 1,
                                slot.name
                            ));
                            *slot = d;
                        }
                    }
                }
                continue;
            }
            group = None;
        }
        vdev.devices.push(device(rest, name));
    }
    pools.extend(current.take());
    pools
}

/// Turn parsed pools into topology pieces on `host`: one disk per device (id = device name,
/// controller `onboard` and size 0 until known — listed in the notes) and the pools, owned by
/// `owner`.
pub fn to_topology(
    pools: &[ImportedPool],
    host: &str,
    owner: &str,
) -> (Vec<Disk>, Vec<Pool>, Vec<String>) {
    let mut disks = Vec::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for p in pools {
        let mut pool = Pool {
            id: p.name.clone(),
            owner: owner.to_owned(),
            ..Pool::default()
        };
        for v in &p.vdevs {
            let ids: Vec<String> = v.devices.iter().map(|d| d.name.clone()).collect();
            for d in &v.devices {
                disks.push(Disk {
                    id: d.name.clone(),
                    host: host.to_owned(),
                    controller: crate::model::ONBOARD.into(),
                    ..Disk::default()
                });
                if d.state != "ONLINE" && d.state != "AVAIL" {
                    notes.push(format!(
                        "{}: disk {} is {}{}",
                        p.name,
                        d.name,
                        d.state,
                        if d.note.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", d.note)
                        }
                    ));
                }
            }
            pool.vdevs.push(Vdev {
                role: v.role,
                layout: v.layout,
                disks: ids,
            });
        }
        notes.extend(p.unmapped.iter().map(|u| format!("{}: {u}", p.name)));
        out.push(pool);
    }
    if !disks.is_empty() {
        notes.push("disk sizes, media and controllers are not in `zpool status`: fill in size_gb, media and controller".into());
    }
    (disks, out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_replacing_and_spare_groups_count_as_one_slot() {
        let text = "  pool: tank\n state: DEGRADED\nconfig:\n\n\tNAME            STATE     READ WRITE CKSUM\n\ttank            DEGRADED     0     0     0\n\t  raidz2-0      DEGRADED     0     0     0\n\t    a           ONLINE       0     0     0\n\t    replacing-1 DEGRADED     0     0     0\n\t      b/old     UNAVAIL      0     0     0  cannot open\n\t      c         ONLINE       0     0     0  (resilvering)\n\t    d           ONLINE       0     0 13.2K\n\tlogs\n\t  e             ONLINE       0     0     0\n\tcache\n\t  f             ONLINE       0     0     0\n\nerrors: No known data errors\n";
        let pools = parse(text);
        let v = &pools[0].vdevs;
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].role, v[0].layout),
            (VdevRole::Data, VdevLayout::Raidz2)
        );
        let names: Vec<&str> = v[0].devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a", "c", "d"]);
        assert_eq!(v[0].devices[1].note, "(resilvering)");
        assert_eq!(
            (v[1].role, v[1].devices[0].name.as_str()),
            (VdevRole::Log, "e")
        );
        assert_eq!(
            (v[2].role, v[2].devices[0].name.as_str()),
            (VdevRole::Cache, "f")
        );
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "pool:",
            "config:\n\tNAME\n",
            "  pool: x\nconfig:\n\t\t\t\tdeep ONLINE\n",
            "\u{0}\u{ffff}",
        ] {
            let _ = parse(text);
        }
    }
}
