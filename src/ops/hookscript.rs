//! Readiness-gated boot, made executable: one Proxmox hookscript per guest that needs a
//! storage service, whose `pre-start` phase waits until that service answers on TCP (the
//! iSCSI portal on 3260, the NFS server on 2049, SMB on 445) and aborts the start at its
//! deadline; and the wiring — `qm set <vmid> --hookscript <storage>:snippets/<file>` per node,
//! and for Terraform the bpg provider's `hook_script_file_id` (see
//! [`crate::export::terraform::hcl_resources`]).
//!
//! Proxmox's contract (OPERATIONS.md G-9…G-16): the script is run as `<script> <vmid>
//! <phase>` with phases `pre-start`, `post-start`, `pre-stop`, `post-stop` (pve-guest-common
//! `GuestHelpers.pm` `exec_hookscript`; pve-docs `examples/guest-example-hookscript.pl`:
//! "Exiting with a code != 0 will abort the start"); a non-zero exit of `pre-start` aborts
//! the start, the other phases only warn. `pre-start` runs before the guest's volumes are
//! activated (qemu-server `vm_start_nolock`), has no timeout of its own and blocks its
//! `startall` order group, so the script enforces its deadline. It must be an executable file
//! in a storage with content type `snippets` (`local` keeps them in
//! `/var/lib/vz/snippets/`, and needs `snippets` added to its content first).
//!
//! The script uses only what a stock Proxmox node has: bash's `/dev/tcp` and coreutils'
//! `timeout`. Which guests get a gate and each deadline come from
//! [`crate::sim::boot::gate`], the same functions the gated boot simulation uses. An address
//! the model does not state is never guessed: that guest gets no script, and the plan lists
//! it as unknown with the data path to fill in.

use super::outage::port_of;
use crate::diag::DataPath;
use crate::model::{ServiceKind, Topology};
use crate::sim::boot::gate::{self, Deadline, POLL_S};
use crate::sim::boot::Timing;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The storage the scripts go to when not told otherwise (a directory storage on every node).
pub const DEFAULT_STORAGE: &str = "local";
/// How long one connection attempt may take, seconds.
pub const CONNECT_TIMEOUT_S: u32 = 2;

/// What the caller may decide instead of the model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Every gate's deadline, seconds, instead of the one derived from the model.
    pub timeout_s: Option<u32>,
    /// Service id → address, for services whose address the model does not state (or to
    /// override it).
    pub addresses: BTreeMap<String, String>,
    /// The snippets storage (`local` when `None`).
    pub storage: Option<String>,
}

/// One service a gate waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// The service.
    pub service: String,
    /// Its protocol.
    pub kind: ServiceKind,
    /// Where it answers.
    pub address: String,
    /// On which TCP port.
    pub port: u16,
    /// Why the guest needs it.
    pub why: String,
}

/// The hookscript of one guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hookscript {
    /// The guest.
    pub vm: String,
    /// Its VMID.
    pub vmid: u32,
    /// Its node.
    pub host: String,
    /// The script's file name (`hostplan-gate-201.sh`).
    pub file: String,
    /// The volume id Proxmox refers to it by (`local:snippets/hostplan-gate-201.sh`).
    pub volume: String,
    /// What it waits for.
    pub gates: Vec<Gate>,
    /// When it gives up, and why then.
    pub deadline: Deadline,
    /// The script.
    pub text: String,
}

/// A guest that gets no script because something it needs is not known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The guest.
    pub vm: String,
    /// The service (or the guest itself, for its VMID).
    pub id: String,
    /// Where in the file the value belongs.
    pub path: DataPath,
    /// What is missing or wrong, in words.
    pub what: String,
}

/// Every hookscript the model allows, and the guests it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The scripts, by guest id.
    pub scripts: Vec<Hookscript>,
    /// Guests left without a script, and why.
    pub missing: Vec<Missing>,
    /// What to know before installing them.
    pub notes: Vec<String>,
}

/// Whether `a` can be a host name or an IP address (and so needs no quoting in a script).
fn plausible_address(a: &str) -> bool {
    !a.is_empty()
        && a.len() <= 253
        && !a.starts_with('-')
        && a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".-:_".contains(&c))
}

/// The hookscripts of `t`'s gated guests.
///
/// # Example
/// ```
/// use hostplan::ops::hookscript::{plan, Options};
/// use hostplan::sim::boot::Timing;
/// let t = hostplan::examples::seed().unwrap();
/// // The seed states no address for iscsi-k8s: nothing is guessed.
/// let p = plan(&t, &Timing::default(), &Options::default());
/// assert!(p.scripts.is_empty());
/// assert_eq!(p.missing[0].path.to_string(), "services[0].address");
/// // Told the address, every Talos VM gets a gate.
/// let mut o = Options::default();
/// o.addresses.insert("iscsi-k8s".into(), "10.50.0.10".into());
/// let p = plan(&t, &Timing::default(), &o);
/// assert_eq!(p.scripts.len(), 3);
/// assert_eq!(p.scripts[0].volume, "local:snippets/hostplan-gate-201.sh");
/// assert!(p.scripts[0].text.contains("wait_for iscsi-k8s 10.50.0.10 3260"));
/// ```
pub fn plan(t: &Topology, timing: &Timing, options: &Options) -> Plan {
    let storage = options.storage.as_deref().unwrap_or(DEFAULT_STORAGE);
    let mut out = Plan {
        scripts: Vec::new(),
        missing: Vec::new(),
        notes: Vec::new(),
    };
    let needs = gate::needs(t);
    for (i, vm) in t.vms.iter().enumerate() {
        let Some(need) = needs.get(&vm.id) else {
            continue;
        };
        let mut gates = Vec::new();
        let mut missing = Vec::new();
        if vm.is_unknown("vmid") {
            missing.push(Missing {
                vm: vm.id.clone(),
                id: vm.id.clone(),
                path: DataPath::root().key("vms").index(i).key("vmid"),
                what: "its VMID is unknown: `qm set` needs it".into(),
            });
        }
        for n in need {
            let Some((j, s)) = t
                .services
                .iter()
                .enumerate()
                .find(|(_, s)| s.id == n.service)
            else {
                continue;
            };
            let path = DataPath::root().key("services").index(j).key("address");
            let address = options.addresses.get(&s.id).or(s.address.as_ref());
            match address {
                Some(a) if plausible_address(a) => gates.push(Gate {
                    service: s.id.clone(),
                    kind: s.kind,
                    address: a.clone(),
                    port: s.port.unwrap_or_else(|| port_of(s.kind)),
                    why: n.why.clone(),
                }),
                Some(a) => missing.push(Missing {
                    vm: vm.id.clone(),
                    id: s.id.clone(),
                    path,
                    what: format!(
                        "`{a}` is not a host name or an IP address (letters, digits, `.`, `-`, \
                         `:`, `_`)"
                    ),
                }),
                None => missing.push(Missing {
                    vm: vm.id.clone(),
                    id: s.id.clone(),
                    path,
                    what: format!(
                        "the address of {} is not in the model: {} waits for it ({}); set \
                         `address` on the service (or pass it)",
                        s.id, vm.id, n.why
                    ),
                }),
            }
        }
        if !missing.is_empty() {
            out.missing.extend(missing);
            continue;
        }
        let deadline = gate::timeout(t, need, timing, options.timeout_s);
        let file = format!("hostplan-gate-{}.sh", vm.vmid);
        let text = script(&vm.id, vm.vmid, &vm.host, &gates, &deadline);
        out.scripts.push(Hookscript {
            vm: vm.id.clone(),
            vmid: vm.vmid,
            host: vm.host.clone(),
            volume: format!("{storage}:snippets/{file}"),
            file,
            gates,
            deadline,
            text,
        });
    }
    out.notes = notes(t, &out.scripts, storage);
    out
}

/// What to know before installing: snippets on the storage, HA start-failure policy, and a
/// gate that waits for a provider its own `startall` would start after it.
fn notes(t: &Topology, scripts: &[Hookscript], storage: &str) -> Vec<String> {
    let mut notes = Vec::new();
    if scripts.is_empty() {
        return notes;
    }
    notes.push(format!(
        "the storage `{storage}` must allow content type `snippets` (Datacenter → Storage; the \
         default `local` has only iso, vztmpl and backup) and exist on every node a guest can \
         run on; Proxmox refuses a hookscript that is not executable (G-9, G-10)"
    ));
    for s in scripts {
        let Some(vm) = t.vms.iter().find(|v| v.id == s.vm) else {
            continue;
        };
        if vm.ha {
            notes.push(format!(
                "{} is HA-managed: a gate that gives up counts as a failed start (max_restart, \
                 then max_relocate, then `error`, G-16)",
                s.vm
            ));
        }
        for g in &s.gates {
            let Some(svc) = t.services.iter().find(|x| x.id == g.service) else {
                continue;
            };
            let Some(p) = t.vms.iter().find(|v| v.id == svc.provider) else {
                continue;
            };
            // startall issues starts by (order, VMID); a provider issued after the gated guest
            // on the same node waits behind it when the group's workers are all gated.
            let key = |v: &crate::model::Vm| (v.startup.order.unwrap_or(u32::MAX), v.vmid);
            if p.host == vm.host && !p.ha && !vm.ha && key(p) > key(vm) {
                notes.push(format!(
                    "{}'s provider {} starts after it on {} (startup order, then VMID): the gate \
                     holds a start worker while it waits, and with `order` groups the next \
                     group waits for this one to finish (G-15) — give {} a lower order",
                    s.vm, p.id, vm.host, p.id
                ));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    notes.retain(|n| seen.insert(n.clone()));
    notes
}

/// The text of one hookscript.
fn script(vm: &str, vmid: u32, host: &str, gates: &[Gate], deadline: &Deadline) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "#!/bin/bash");
    let _ = writeln!(
        o,
        "# hostplan readiness gate for VM {vmid} ({}) on {}.",
        comment_text(vm),
        comment_text(host)
    );
    let _ = writeln!(
        o,
        "# Proxmox runs it as `<script> <vmid> <phase>`; a non-zero exit in pre-start aborts the"
    );
    let _ = writeln!(
        o,
        "# start, the other phases only warn (pve-guest-common exec_hookscript; pve-docs"
    );
    let _ = writeln!(
        o,
        "# guest-example-hookscript.pl). pre-start has no timeout of its own and blocks startall's"
    );
    let _ = writeln!(
        o,
        "# order group, so this script gives up after GATE_TIMEOUT_S (OPERATIONS.md G-11..G-15)."
    );
    let _ = writeln!(o, "#\n# Waits for:");
    for g in gates {
        let _ = writeln!(
            o,
            "#   {} ({} on TCP {}): {}",
            comment_text(&g.service),
            g.kind,
            g.port,
            comment_text(&g.why)
        );
    }
    let _ = writeln!(o, "set -u\n");
    let _ = writeln!(
        o,
        "# {}",
        comment_text(&format!("Deadline: {}", deadline.why))
    );
    let _ = writeln!(o, "GATE_TIMEOUT_S={}", deadline.seconds);
    let _ = writeln!(o, "GATE_POLL_S={POLL_S}");
    let _ = writeln!(o, "GATE_CONNECT_S={CONNECT_TIMEOUT_S}\n");
    let _ = writeln!(o, "vmid=${{1:-}}\nphase=${{2:-}}\n");
    o.push_str(HELPERS);
    let _ = writeln!(o, "\ncase $phase in\npre-start)");
    // `SECONDS` counts whole seconds from the shell's start, so its next tick can come at
    // once: one second more makes the gate wait at least GATE_TIMEOUT_S, never less.
    let _ = writeln!(o, "\tdeadline=$((SECONDS + GATE_TIMEOUT_S + 1))");
    for g in gates {
        let _ = writeln!(
            o,
            "\twait_for {} {} {} \"$deadline\" || exit 1",
            g.service_word(),
            g.address,
            g.port
        );
    }
    let _ = writeln!(o, "\t;;");
    let _ = writeln!(o, "post-start | pre-stop | post-stop) ;;");
    let _ = writeln!(
        o,
        "*) echo \"hostplan gate: unknown phase '$phase' for VM $vmid (ignored)\" >&2 ;;"
    );
    let _ = writeln!(o, "esac\nexit 0");
    o
}

impl Gate {
    /// The service id as one shell word.
    fn service_word(&self) -> String {
        super::shell_word(&self.service)
    }
}

/// Text inside a `#` comment: one line.
fn comment_text(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

const HELPERS: &str = r#"answers() { # answers ADDRESS PORT: a TCP connection opens within GATE_CONNECT_S
	# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
	timeout "$GATE_CONNECT_S" bash -c 'exec 3<>"/dev/tcp/$1/$2"' gate "$1" "$2" 2>/dev/null
}

wait_for() { # wait_for NAME ADDRESS PORT DEADLINE: until it answers, or fail at DEADLINE
	local name=$1 address=$2 port=$3 deadline=$4
	until answers "$address" "$port"; do
		if ((SECONDS >= deadline)); then
			echo "hostplan gate: $name ($address:$port) did not answer within ${GATE_TIMEOUT_S} s: not starting VM $vmid" >&2
			return 1
		fi
		sleep "$GATE_POLL_S"
	done
	echo "hostplan gate: $name ($address:$port) answers after ${SECONDS} s"
}
"#;

/// Per node, a script to run on it: copy the node's hookscripts into the snippets storage's
/// directory (executable) and attach each with `qm set`. Only for `local`-style directory
/// storages whose path is known: `local` → `/var/lib/vz/snippets`; for another storage the
/// directory is asked from `pvesm path`.
pub fn install_scripts(p: &Plan, storage: &str) -> Vec<(String, String)> {
    let mut by_host: BTreeMap<&str, Vec<&Hookscript>> = BTreeMap::new();
    for s in &p.scripts {
        by_host.entry(s.host.as_str()).or_default().push(s);
    }
    by_host
        .into_iter()
        .map(|(host, scripts)| {
            let mut o = String::new();
            let _ = writeln!(o, "#!/bin/bash");
            let _ = writeln!(
                o,
                "# Install hostplan's readiness gates on {}: run it there, from the folder with the",
                comment_text(host)
            );
            let _ = writeln!(
                o,
                "# hostplan-gate-*.sh files. The storage must allow content type `snippets`."
            );
            let _ = writeln!(o, "set -euo pipefail\n");
            let _ = writeln!(o, "storage={}", super::shell_word(storage));
            let _ = writeln!(
                o,
                "if ! pvesm status --content snippets | awk 'NR > 1 {{ print $1 }}' | grep -qx \"$storage\"; then"
            );
            let _ = writeln!(
                o,
                "\techo \"storage $storage does not allow snippets: add it under Datacenter → Storage first\" >&2"
            );
            let _ = writeln!(o, "\texit 1\nfi");
            let _ = writeln!(
                o,
                "dir=$(dirname \"$(pvesm path \"$storage:snippets/{}\")\")",
                scripts.first().map_or("x", |s| s.file.as_str())
            );
            let _ = writeln!(o, "mkdir -p \"$dir\"");
            for s in scripts {
                let _ = writeln!(o, "\n# {} ({})", comment_text(&s.vm), s.vmid);
                let _ = writeln!(o, "install -m 0755 {} \"$dir/{}\"", s.file, s.file);
                let _ = writeln!(
                    o,
                    "qm set {} --hookscript \"$storage:snippets/{}\"",
                    s.vmid, s.file
                );
            }
            (format!("install-{}.sh", file_part(host)), o)
        })
        .collect()
}

/// An id as part of a file name.
fn file_part(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every file of a plan: the hookscripts, then one install script per node.
pub fn files(p: &Plan, storage: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = p
        .scripts
        .iter()
        .map(|s| (s.file.clone(), s.text.clone()))
        .collect();
    out.extend(install_scripts(p, storage));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_address_is_refused_not_quoted_into_the_script() {
        let t = crate::examples::seed().unwrap();
        let mut o = Options::default();
        o.addresses
            .insert("iscsi-k8s".into(), "10.0.0.1; rm -rf /".into());
        let p = plan(&t, &Timing::default(), &o);
        assert!(p.scripts.is_empty());
        assert!(p.missing.iter().all(|m| m.what.contains("not a host name")));
    }

    #[test]
    fn the_model_address_is_used_and_every_phase_but_pre_start_exits_0() {
        let mut t = crate::examples::seed().unwrap();
        t.services[0].address = Some("nas.lan".into());
        let p = plan(&t, &Timing::default(), &Options::default());
        assert_eq!(p.scripts.len(), 3);
        let s = &p.scripts[0].text;
        assert!(s.contains("wait_for iscsi-k8s nas.lan 3260 \"$deadline\" || exit 1"));
        assert!(s.contains("GATE_TIMEOUT_S=336"));
        assert!(s.contains("post-start | pre-stop | post-stop) ;;"));
        assert!(s.ends_with("esac\nexit 0\n"));
    }
}
