//! IOMMU group listings → PCIe devices with their groups. Three shapes are common:
//!
//! - the usual loop printing `IOMMU Group N <lspci -nns line>` per device;
//! - a `IOMMU Group N:` header followed by indented `lspci -nns` lines;
//! - plain paths, from `find /sys/kernel/iommu_groups/ -type l`:
//!   `/sys/kernel/iommu_groups/14/devices/0000:01:00.0`.

use super::lspci::PciRecord;
use super::Note;
use crate::model::pci::PciAddress;

/// `01:00.0 Serial Attached SCSI controller [0107]: Broadcom / LSI SAS3008 [1000:0097] (rev 02)`.
fn lspci_nn(line: &str) -> Option<PciRecord> {
    let (slot, rest) = line.trim().split_once(' ')?;
    let padded = match slot.split(':').count() {
        2 => format!("0000:{slot}"),
        _ => slot.to_owned(),
    };
    let address = PciAddress::parse(&padded).ok()?.to_string();
    let (class_part, device_part) = rest.split_once(": ").unwrap_or((rest, ""));
    let (class_name, class) = bracket_at_end(class_part);
    // Strip trailing `(rev xx)` / `(prog-if …)` notes before looking for `[vvvv:dddd]`.
    let mut device_part = device_part.trim();
    while device_part.ends_with(')') {
        match device_part.rfind(" (") {
            Some(i) => device_part = device_part[..i].trim_end(),
            None => break,
        }
    }
    let (model, ids) = bracket_at_end(device_part);
    Some(PciRecord {
        address,
        class: class.map_or_else(String::new, |c| format!("0x{}", c.to_ascii_lowercase())),
        class_name,
        vendor_device: ids
            .filter(|i| i.contains(':'))
            .map(|i| i.to_ascii_lowercase()),
        subsystem: None,
        iommu_group: None,
        model,
        driver: None,
    })
}

fn bracket_at_end(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    match (s.rfind('['), s.ends_with(']')) {
        (Some(open), true) => (
            s[..open].trim().to_owned(),
            Some(s[open + 1..s.len() - 1].to_owned()),
        ),
        _ => (s.to_owned(), None),
    }
}

/// Table borders some scripts print around the columns (`│ 14 │ 01:00.0 … │`).
const BORDERS: &[char] = &['|', '│', '┃', '║'];

/// A shell prompt or the command that printed the listing, pasted along with it.
fn is_command_line(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or_default();
    line.starts_with("$ ")
        || line.starts_with("# ")
        || (first.contains('@')
            && (first.ends_with('#') || first.ends_with('$') || line.contains(":~")))
        || [
            "for", "do", "done", "find", "lspci", "ls", "echo", "shopt", "n=",
        ]
        .contains(&first)
        || first.starts_with("n=")
}

/// `…/iommu_groups/14/devices/0000:01:00.0` (absolute, relative, or `ls -l`'s `… -> …`).
fn group_path(line: &str) -> Option<(&str, &str)> {
    let path = line.split(" -> ").next().unwrap_or(line).trim();
    let at = path.find("/devices/")?;
    let group = path[..at].rsplit('/').next().unwrap_or(&path[..at]);
    let device = path[at + "/devices/".len()..].trim_end_matches('/');
    Some((group.trim_start_matches("./"), device))
}

/// Parse a listing; `file` names the input in the notes.
pub fn parse(file: &str, text: &str) -> (Vec<PciRecord>, Vec<Note>) {
    let mut records: Vec<PciRecord> = Vec::new();
    let mut notes = Vec::new();
    // The group of an `IOMMU Group N:` header whose device lines follow (until a blank line,
    // another header, or a line of the one-device-per-line form).
    let mut group: Option<i32> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_matches(BORDERS).trim();
        if line.is_empty()
            || line
                .chars()
                .all(|c| "-=+─━┼┬┴╋ ".contains(c) || BORDERS.contains(&c))
        {
            if line.is_empty() {
                group = None;
            }
            continue;
        }
        let mut skipped = |why: &str| {
            notes.push(Note {
                file: file.to_owned(),
                line: n + 1,
                column: 1,
                subject: String::new(),
                message: format!("{why}: `{line}`; skipped"),
            });
        };
        if is_command_line(line) {
            skipped("a shell prompt or command, not listing output");
            continue;
        }
        if line.contains("iommu_groups") {
            match group_path(line) {
                Some((g, d)) => match (g.parse().ok(), PciAddress::parse(d).ok()) {
                    (Some(g), Some(a)) => records.push(PciRecord {
                        address: a.to_string(),
                        class: String::new(),
                        class_name: String::new(),
                        vendor_device: None,
                        subsystem: None,
                        iommu_group: Some(g),
                        model: String::new(),
                        driver: None,
                    }),
                    _ => skipped("not a group/devices/address path"),
                },
                None => skipped("not a group/devices/address path"),
            }
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("iommu group") {
            let rest = rest.trim_start();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(g) = digits.parse::<i32>() else {
                skipped("no group number");
                continue;
            };
            // The device may follow on the same line (after the number and an optional `:`).
            let offset = line.len() - rest.len() + digits.len();
            let tail = line[offset..]
                .trim_start_matches(':')
                .trim()
                .trim_matches(BORDERS)
                .trim();
            if tail.is_empty() {
                group = Some(g);
            } else {
                // One device per line: no header context for the lines after it.
                group = None;
                match lspci_nn(tail) {
                    Some(mut r) => {
                        r.iommu_group = Some(g);
                        records.push(r);
                    }
                    None => skipped("not an `lspci -nns` line"),
                }
            }
            continue;
        }
        match (lspci_nn(line), group) {
            (Some(mut r), Some(g)) => {
                r.iommu_group = Some(g);
                records.push(r);
            }
            (Some(_), None) => {
                skipped("a device line outside any `IOMMU Group` (not attached to one)");
            }
            (None, _) => skipped("not understood"),
        }
    }
    (records, notes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loop_header_and_find_forms() {
        let text = "IOMMU Group 1 00:01.0 PCI bridge [0604]: Intel Corporation Xeon E3-1200 PCIe Controller [8086:0c01] (rev 06)\n\
IOMMU Group 14 01:00.0 Serial Attached SCSI controller [0107]: Broadcom / LSI SAS3008 PCI-Express Fusion-MPT SAS-3 [1000:0097] (rev 02)\n\
IOMMU Group 15:\n\
\t02:00.0 Ethernet controller [0200]: Intel Corporation I350 Gigabit Network Connection [8086:1521] (rev 01)\n\
\t02:00.1 Ethernet controller [0200]: Intel Corporation I350 Gigabit Network Connection [8086:1521] (rev 01)\n\
/sys/kernel/iommu_groups/7/devices/0000:00:17.0\n\
what is this\n";
        let (records, notes) = super::parse("groups.txt", text);
        assert_eq!(records.len(), 5);
        assert_eq!(records[1].address, "0000:01:00.0");
        assert_eq!(records[1].class, "0x0107");
        assert_eq!(records[1].vendor_device.as_deref(), Some("1000:0097"));
        assert_eq!(records[1].iommu_group, Some(14));
        assert_eq!(records[3].iommu_group, Some(15));
        assert_eq!(records[4].iommu_group, Some(7));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].line, 7);
    }

    #[test]
    fn pasted_prompts_tables_and_stray_lines_are_not_fields() {
        let text = "root@pve:~# for d in /sys/kernel/iommu_groups/*/devices/*; do n=${d#*/iommu_groups/*}; done\n\
│ IOMMU Group 14 01:00.0 Serial Attached SCSI controller [0107]: Broadcom / LSI SAS3008 [1000:0097] (rev 02) │\n\
03:00.0 Ethernet controller [0200]: Intel Corporation I210 Gigabit Network Connection [8086:1533] (rev 03)\n\
IOMMU Group 16:\n\
    04:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller [144d:a80a]\n\
\n\
05:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [10de:2204] (rev a1)\n\
./17/devices/0000:06:00.0\n\
lrwxrwxrwx 1 root root 0 Dec  1 10:00 /sys/kernel/iommu_groups/18/devices/0000:07:00.0 -> ../../../../devices/pci0000:00/0000:07:00.0\n";
        let (records, notes) = super::parse("pasted.txt", text);
        let got: Vec<(&str, Option<i32>)> = records
            .iter()
            .map(|r| (r.address.as_str(), r.iommu_group))
            .collect();
        assert_eq!(
            got,
            [
                ("0000:01:00.0", Some(14)),
                ("0000:04:00.0", Some(16)),
                ("0000:07:00.0", Some(18)),
            ]
        );
        // The prompt, the two bare lspci lines (not attached to group 14 or 16), and the
        // relative path without `iommu_groups` in it.
        let lines: Vec<usize> = notes.iter().map(|n| n.line).collect();
        assert_eq!(lines, [1, 3, 7, 8], "{notes:#?}");
        assert!(notes[0].message.contains("shell prompt"));
        assert!(notes[1].message.contains("outside any `IOMMU Group`"));
    }
}
