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

/// A member line of a vdev: its indentation, name and the rest of its words.
struct Line<'t> {
    no: usize,
    indent: usize,
    name: &'t str,
    rest: Vec<&'t str>,
}

/// A member of a vdev: a device, or a `replacing-N`/`spare-N` group of members.
enum Member<'t> {
    Device(&'t Line<'t>),
    Group(&'t Line<'t>, Vec<Member<'t>>),
}

fn is_group(name: &str) -> bool {
    name.starts_with("replacing-") || name.starts_with("spare-")
}

/// The members at `lines[*i..]` deeper than `parent`, as a tree.
fn members<'t>(lines: &'t [Line<'t>], i: &mut usize, parent: Option<usize>) -> Vec<Member<'t>> {
    let mut out = Vec::new();
    while let Some(line) = lines.get(*i) {
        if parent.is_some_and(|p| line.indent <= p) {
            break;
        }
        *i += 1;
        if is_group(line.name) {
            let children = members(lines, i, Some(line.indent));
            out.push(Member::Group(line, children));
        } else {
            out.push(Member::Device(line));
        }
    }
    out
}

fn in_service(d: &Device) -> bool {
    !d.name.ends_with("/old")
        && !matches!(
            d.state.as_str(),
            "UNAVAIL" | "FAULTED" | "REMOVED" | "OFFLINE"
        )
}

/// The device that holds a member's slot once the pool is healthy again: inside
/// `replacing-N` the new disk (the last one in service), inside `spare-N` the original (or
/// what replaces it) while it is in service, else the hot spare standing in for it.
fn slot_device(m: &Member<'_>, notes: &mut Vec<String>) -> Option<Device> {
    match m {
        Member::Device(l) => Some(device(&l.rest, l.name)),
        Member::Group(g, children) => {
            let resolved: Vec<Device> = children
                .iter()
                .filter_map(|c| slot_device(c, notes))
                .collect();
            let chosen = if g.name.starts_with("replacing-") {
                let new = resolved
                    .iter()
                    .rev()
                    .find(|d| in_service(d))
                    .or(resolved.last());
                for old in resolved.iter().filter(|d| Some(*d) != new) {
                    notes.push(format!(
                        "line {}: `{}` is being replaced by `{}` in the same slot ({})",
                        g.no + 1,
                        old.name,
                        new.map_or("?", |d| d.name.as_str()),
                        g.name
                    ));
                }
                new.cloned()
            } else {
                let (original, spares) = resolved.split_first()?;
                if in_service(original) {
                    for s in spares {
                        notes.push(format!(
                            "line {}: hot spare `{}` is standing in beside `{}` ({}); it returns to the spares when the resilver ends",
                            g.no + 1,
                            s.name,
                            original.name,
                            g.name
                        ));
                    }
                    Some(original.clone())
                } else {
                    let spare = spares.iter().find(|d| in_service(d)).or(spares.first());
                    notes.push(format!(
                        "line {}: `{}` failed; hot spare `{}` holds its slot ({})",
                        g.no + 1,
                        original.name,
                        spare.map_or("?", |d| d.name.as_str()),
                        g.name
                    ));
                    spare.cloned()
                }
            };
            chosen
        }
    }
}

/// Parse every pool of a `zpool status` (or `zpool import`) output.
///
/// # Complexity
/// `O(lines)`.
pub fn parse(text: &str) -> Vec<ImportedPool> {
    let mut pools: Vec<ImportedPool> = Vec::new();
    // The lines of each pool's config, parsed into vdevs when the pool ends.
    let mut current: Option<(ImportedPool, Vec<(usize, &str)>)> = None;
    let mut in_config = false;
    let mut in_errors = false;
    for (no, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if let Some(name) = trimmed.strip_prefix("pool:") {
            if let Some((p, lines)) = current.take() {
                pools.push(config(p, &lines));
            }
            current = Some((
                ImportedPool {
                    name: name.trim().to_owned(),
                    state: String::new(),
                    vdevs: Vec::new(),
                    unmapped: Vec::new(),
                },
                Vec::new(),
            ));
            in_config = false;
            in_errors = false;
            continue;
        }
        let Some((pool, lines)) = current.as_mut() else {
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
        if let Some(errors) = trimmed.strip_prefix("errors:") {
            in_config = false;
            in_errors = errors.contains("Permanent errors");
            continue;
        }
        if in_errors && !trimmed.is_empty() {
            pool.unmapped.push(format!(
                "line {}: permanent error in `{trimmed}` (restore it from a backup)",
                no + 1
            ));
            continue;
        }
        if in_config && !trimmed.is_empty() {
            lines.push((no, line));
        }
    }
    if let Some((p, lines)) = current.take() {
        pools.push(config(p, &lines));
    }
    pools
}

/// A pool's `config:` lines (numbered) → its vdevs.
fn config(mut pool: ImportedPool, lines: &[(usize, &str)]) -> ImportedPool {
    let mut base = 0;
    let mut role = VdevRole::Data;
    // Member lines of the last top-level vdev, resolved when it ends.
    let mut pending: Vec<Line<'_>> = Vec::new();
    let flush = |pool: &mut ImportedPool, pending: &mut Vec<Line<'_>>| {
        if pending.is_empty() {
            return;
        }
        let mut i = 0;
        let tree = members(pending, &mut i, None);
        let mut notes = Vec::new();
        let devices: Vec<Device> = tree
            .iter()
            .filter_map(|m| slot_device(m, &mut notes))
            .collect();
        if let Some(v) = pool.vdevs.last_mut() {
            v.devices.extend(devices);
        }
        pool.unmapped.extend(notes);
        pending.clear();
    };
    for &(no, line) in lines {
        let trimmed = line.trim_start();
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
            flush(&mut pool, &mut pending);
            match section_role(name) {
                Some(r) => role = r,
                None => pool.unmapped.push(format!(
                    "line {}: `{trimmed}` (unexpected at the pool's level)",
                    no + 1
                )),
            }
            continue;
        }
        let rest: Vec<&str> = words[1..].to_vec();
        if indent <= base + 2 {
            flush(&mut pool, &mut pending);
            if role == VdevRole::Spare && is_distributed_spare(name) {
                // `draid2-0-0`: spare capacity inside a dRAID vdev, not a disk.
                pool.unmapped.push(format!(
                    "line {}: `{name}` is a dRAID distributed spare (capacity inside the dRAID vdev, not a disk)",
                    no + 1
                ));
                continue;
            }
            match layout_of(name) {
                Some(layout) if role != VdevRole::Spare => {
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
                    let d = device(&rest, name);
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
        if pool.vdevs.is_empty() {
            pool.unmapped.push(format!(
                "line {}: `{trimmed}` (a member before any vdev)",
                no + 1
            ));
            continue;
        }
        if rest.is_empty() {
            // A member line without its state: cut off (a pasted or truncated output).
            pool.unmapped.push(format!(
                "line {}: `{trimmed}` has no state (a truncated line?); counted as a member",
                no + 1
            ));
        }
        pending.push(Line {
            no,
            indent,
            name,
            rest,
        });
    }
    flush(&mut pool, &mut pending);
    pool
}

/// `draid2-0-0`: a dRAID vdev's distributed spare (`draid<parity>-<vdev>-<spare>`).
fn is_distributed_spare(name: &str) -> bool {
    let mut parts = name.split('-');
    parts.next().is_some_and(|p| p.starts_with("draid"))
        && parts.clone().count() == 2
        && parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// What a device's by-id name says about its media: `nvme-…` is NVMe; an `ata-`/`scsi-`
/// name with `SSD` in it is an SSD; nothing else is said (an `ata-` name can be either).
pub fn media_of(name: &str) -> Option<crate::model::Media> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("nvme-") || lower.starts_with("nvme") && lower.contains("n1") {
        Some(crate::model::Media::Nvme)
    } else if lower.contains("ssd") {
        Some(crate::model::Media::Ssd)
    } else {
        None
    }
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
                // `zpool status` shows neither size, power-loss protection nor the controller;
                // the media only where the device's name says it.
                let media = media_of(&d.name);
                let mut unknown: Vec<crate::model::Unknown> = ["size_gb", "plp", "controller"]
                    .into_iter()
                    .chain(media.is_none().then_some("media"))
                    .map(|field| crate::model::Unknown {
                        field: field.to_owned(),
                        from: None,
                        expression: None,
                    })
                    .collect();
                unknown.sort_by(|a, b| a.field.cmp(&b.field));
                disks.push(Disk {
                    id: d.name.clone(),
                    host: host.to_owned(),
                    controller: crate::model::ONBOARD.into(),
                    media: media.unwrap_or_default(),
                    unknown,
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
        notes.push("disk sizes, power-loss protection, controllers (and media, unless the device name says it) are not in `zpool status`: they are left unknown — fill them in".into());
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
