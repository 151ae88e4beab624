//! Maintenance plans and outages as text, Markdown, and runbooks as a bash script skeleton.
//!
//! The script runs from an admin machine with `kubectl` and ssh to the Proxmox nodes. It asks
//! before every destructive command (`y` runs it, anything else skips it), and after every
//! step it re-runs the step's check until it holds, then waits for Enter; a check that keeps
//! failing asks to retry, skip or abort. Addresses the model does not hold (ssh targets,
//! service addresses) are variables at the top.

use super::maintain::{Fate, Plan};
use super::outage::{ConsumerOutcome, Outage};
use super::{duration_text, shell_word, Place, Step};
use std::collections::BTreeSet;
use std::fmt::Write as _;

fn expected(s: Option<u32>) -> String {
    s.map_or("duration not modelled".to_owned(), duration_text)
}

fn place_text(p: &Place) -> String {
    match p {
        Place::Host(h) => format!("on {h}"),
        Place::Admin => "on the admin machine".into(),
        Place::Hand => "by hand".into(),
    }
}

/// A maintenance plan for a terminal.
pub fn plan_text(p: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "Maintenance of {} ({})\n", p.host, p.mode);
    let _ = writeln!(o, "Guests:");
    for g in &p.guests {
        let to = g.to.as_deref().map_or(String::new(), |t| format!(" → {t}"));
        let _ = writeln!(
            o,
            "  {:<14} {:>5}  {:<11}{to}  {}",
            g.vm,
            g.vmid,
            g.fate.as_str(),
            g.reason
        );
    }
    match &p.quorum {
        Some(q) => {
            let _ = writeln!(
                o,
                "\nQuorum without {}: {} votes left, {} needed — {}",
                p.host,
                q.votes,
                q.quorum,
                if q.quorate { "quorate" } else { "NOT quorate" }
            );
        }
        None => {
            let _ = writeln!(o, "\nQuorum: {} is not in a cluster", p.host);
        }
    }
    if !p.downtime.is_empty() {
        let _ = writeln!(o, "\nDown (times since the runbook began):");
        for d in &p.downtime {
            let span = match (d.until_s, d.down_s()) {
                (Some(u), Some(n)) => format!(
                    "{} → {}: {}",
                    duration_text(d.from_s),
                    duration_text(u),
                    duration_text(n)
                ),
                _ => format!(
                    "from {} until {} is powered on again",
                    duration_text(d.from_s),
                    p.host
                ),
            };
            let _ = writeln!(o, "  {:<14} {:<9} {span}", d.id, d.kind);
        }
    }
    for l in &p.lost {
        let _ = writeln!(
            o,
            "\nStorage outage: {} ({} from {}) for {}",
            l.service,
            l.kind,
            l.provider,
            duration_text(l.outage_s)
        );
    }
    if !p.elsewhere.is_empty() {
        let _ = writeln!(o, "\nConsumers elsewhere:");
        consumers_text(&p.elsewhere, &mut o);
    }
    if !p.notes.is_empty() {
        let _ = writeln!(o, "\nNotes:");
        for n in &p.notes {
            let _ = writeln!(o, "  - {n}");
        }
    }
    let _ = writeln!(
        o,
        "\nRunbook ({} steps, about {} by the model):",
        p.steps.len(),
        duration_text(p.total_s)
    );
    steps_text(&p.steps, &mut o);
    o
}

fn steps_text(steps: &[Step], o: &mut String) {
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(
            o,
            "{:>3}. [+{}] {} ({})",
            i + 1,
            duration_text(s.at_s),
            s.title,
            expected(s.expected_s)
        );
        let _ = writeln!(o, "       why: {}", s.why);
        if let Some(c) = &s.command {
            let _ = writeln!(
                o,
                "       run {}: {c}{}",
                place_text(&s.place),
                if s.destructive { "   (asks first)" } else { "" }
            );
        }
        if let Some(c) = &s.check {
            let _ = writeln!(
                o,
                "       check {}: {} — {}",
                place_text(&c.place),
                c.what,
                c.command
            );
        }
    }
}

fn consumers_text(cs: &[ConsumerOutcome], o: &mut String) {
    for c in cs {
        let _ = writeln!(o, "  {} via {}: {}", c.what, c.service, c.verdict);
        for step in &c.chain {
            let _ = writeln!(o, "      → {step}");
        }
        for r in &c.restart {
            let _ = writeln!(o, "      restart: {r}");
        }
        for a in &c.assumed {
            let _ = writeln!(o, "      assumed: {a}");
        }
    }
}

/// An outage for a terminal.
pub fn outage_text(x: &Outage) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Outage of {} ({})",
        x.target,
        if x.source == "reboot" {
            "its reboot, by the boot model"
        } else {
            "for the given time"
        }
    );
    for l in &x.services {
        let _ = writeln!(
            o,
            "  {} ({} from {}): gone {} — {}",
            l.service,
            l.kind,
            l.provider,
            duration_text(l.outage_s),
            l.derivation
        );
    }
    let _ = writeln!(o);
    if x.consumers.is_empty() {
        let _ = writeln!(o, "No running consumer uses these services.");
    }
    consumers_text(&x.consumers, &mut o);
    if !x.recovery.is_empty() {
        let _ = writeln!(o, "\nRecovery:");
        steps_text(&x.recovery, &mut o);
    }
    o
}

/// Markdown cell text: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn steps_markdown(steps: &[Step], o: &mut String) {
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(
            o,
            "{}. **{}** — +{}, {}{}  ",
            i + 1,
            s.title,
            duration_text(s.at_s),
            expected(s.expected_s),
            if s.destructive {
                " ⚠ destructive"
            } else {
                ""
            }
        );
        let _ = writeln!(o, "   Why: {}  ", s.why);
        if let Some(c) = &s.command {
            let _ = writeln!(o, "   Run {}: `{c}`  ", place_text(&s.place));
        }
        if let Some(c) = &s.check {
            let _ = writeln!(
                o,
                "   Check {}: {} — `{}`",
                place_text(&c.place),
                c.what,
                c.command
            );
        }
    }
}

fn consumers_markdown(cs: &[ConsumerOutcome], o: &mut String) {
    for c in cs {
        let _ = writeln!(o, "- **{}** via `{}`: **{}**", c.what, c.service, c.verdict);
        for step in &c.chain {
            let _ = writeln!(o, "  - {step}");
        }
        for r in &c.restart {
            let _ = writeln!(o, "  - Restart: {r}");
        }
        for a in &c.assumed {
            let _ = writeln!(o, "  - Assumed: {a}");
        }
    }
}

const HELPERS_NOTE: &str = "Commands on a node run there as root (the script uses `ssh`); `probe ADDRESS PORT` is a TCP connect with a 5 s timeout.";

/// A maintenance plan as a Markdown document (a change request, a wiki page).
pub fn plan_markdown(p: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Maintenance of {} ({})\n", p.host, p.mode);
    let _ = writeln!(o, "## Guests\n");
    let _ = writeln!(o, "| guest | VMID | HA | what happens | why |");
    let _ = writeln!(o, "|---|---:|---|---|---|");
    for g in &p.guests {
        let what = match (&g.fate, &g.to) {
            (Fate::Stops, _) => "stops".to_owned(),
            (f, Some(t)) => format!("{f} to {t}"),
            (f, None) => f.as_str().to_owned(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {what} | {} |",
            cell(&g.vm),
            g.vmid,
            if g.ha { "yes" } else { "no" },
            cell(&g.reason)
        );
    }
    let _ = writeln!(o, "\n## Quorum\n");
    match &p.quorum {
        Some(q) => {
            let _ = writeln!(
                o,
                "Without {}: {} votes left, {} needed — **{}**.",
                p.host,
                q.votes,
                q.quorum,
                if q.quorate { "quorate" } else { "not quorate" }
            );
        }
        None => {
            let _ = writeln!(o, "{} is not in a cluster.", p.host);
        }
    }
    if !p.downtime.is_empty() {
        let _ = writeln!(o, "\n## Downtime\n");
        let _ = writeln!(o, "| what | kind | from | until | down |");
        let _ = writeln!(o, "|---|---|---:|---:|---:|");
        for d in &p.downtime {
            let (until, down) = match (d.until_s, d.down_s()) {
                (Some(u), Some(n)) => (duration_text(u), duration_text(n)),
                _ => ("power-on".to_owned(), "until power-on".to_owned()),
            };
            let _ = writeln!(
                o,
                "| {} | {} | +{} | +{until} | {down} |",
                cell(&d.id),
                d.kind,
                duration_text(d.from_s)
            );
        }
        for l in &p.lost {
            let _ = writeln!(
                o,
                "\nStorage outage: `{}` ({} from {}) for **{}**.",
                l.service,
                l.kind,
                l.provider,
                duration_text(l.outage_s)
            );
        }
    }
    if !p.elsewhere.is_empty() {
        let _ = writeln!(o, "\n## Consumers elsewhere\n");
        consumers_markdown(&p.elsewhere, &mut o);
    }
    if !p.notes.is_empty() {
        let _ = writeln!(o, "\n## Notes\n");
        for n in &p.notes {
            let _ = writeln!(o, "- {n}");
        }
    }
    let _ = writeln!(
        o,
        "\n## Runbook\n\n{} steps, about {} by the model. {HELPERS_NOTE}\n",
        p.steps.len(),
        duration_text(p.total_s)
    );
    steps_markdown(&p.steps, &mut o);
    o
}

/// An outage as Markdown.
pub fn outage_markdown(x: &Outage) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Outage of {}\n", x.target);
    for l in &x.services {
        let _ = writeln!(
            o,
            "- `{}` ({} from {}): gone **{}** — {}",
            l.service,
            l.kind,
            l.provider,
            duration_text(l.outage_s),
            l.derivation
        );
    }
    let _ = writeln!(o, "\n## Consumers\n");
    if x.consumers.is_empty() {
        let _ = writeln!(o, "No running consumer uses these services.");
    }
    consumers_markdown(&x.consumers, &mut o);
    if !x.recovery.is_empty() {
        let _ = writeln!(o, "\n## Recovery\n\n{HELPERS_NOTE}\n");
        steps_markdown(&x.recovery, &mut o);
    }
    o
}

/// The shell variable holding the ssh target of a node.
fn ssh_var(host: &str) -> String {
    super::outage::shell_var("PVE_", host)
}

/// A command as a line of the script: on a node through `on` (the command as one argument,
/// double-quoted when nothing in it expands), else as is.
fn in_place(place: &Place, command: &str) -> String {
    match place {
        Place::Host(h) => {
            let arg = if command.contains(['$', '"', '`', '\\']) {
                shell_word(command)
            } else {
                format!("\"{command}\"")
            };
            format!("on \"${}\" {arg}", ssh_var(h))
        }
        Place::Admin | Place::Hand => command.to_owned(),
    }
}

/// A comment line (no line break can end the comment early).
fn comment(text: &str) -> String {
    format!("# {}", text.replace(['\n', '\r'], " "))
}

const SCRIPT_HELPERS: &str = r#"on() { # on SSH-TARGET COMMAND: run COMMAND on a Proxmox node
	local target=$1
	shift
	ssh -o BatchMode=yes "$target" "$@"
}

probe() { # probe ADDRESS PORT: a TCP connect with a 5 s timeout
	if [[ -z $1 ]]; then
		echo "the address is not set: see the variables at the top" >&2
		return 1
	fi
	# shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
	timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$1" "$2"
}

step() { # step N TITLE EXPECTED
	printf '\n== Step %s: %s (expected: %s)\n' "$1" "$2" "$3"
}

ask() { # ask COMMAND: yes runs it, anything else skips it
	local answer
	read -r -p "Run: $1 ? [y/N] " answer
	if [[ $answer == [yY] ]]; then
		return 0
	fi
	echo "not run"
	return 1
}

check() { # check WAIT_S WHAT FUNCTION: until FUNCTION succeeds, then wait for Enter
	local wait_s=$1 what=$2 answer deadline
	if ((wait_s > RUNBOOK_MAX_WAIT)); then
		wait_s=$RUNBOOK_MAX_WAIT
	fi
	deadline=$((SECONDS + wait_s))
	until "$3"; do
		if ((SECONDS >= deadline)); then
			echo "CHECK FAILED: $what"
			read -r -p "[r]etry, [s]kip (your risk), [a]bort? " answer
			case $answer in
			s | S)
				echo "skipped: $what"
				return 0
				;;
			a | A)
				echo "aborted"
				exit 1
				;;
			*) deadline=$((SECONDS + wait_s)) ;;
			esac
		fi
		sleep 5
	done
	read -r -p "ok: $what — Enter for the next step " answer
}
"#;

/// A runbook as a bash script skeleton (see the module documentation for how it behaves).
pub fn script(title: &str, notes: &[String], steps: &[Step]) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "#!/usr/bin/env bash");
    let _ = writeln!(o, "{}", comment(title));
    let _ = writeln!(o, "# Generated by hostplan. Run it from an admin machine with kubectl and ssh to the Proxmox nodes.");
    let _ = writeln!(
        o,
        "# Every destructive command asks first; every check stops the script until it holds."
    );
    for n in notes {
        let _ = writeln!(o, "{}", comment(&format!("Note: {n}")));
    }
    let _ = writeln!(o, "set -euo pipefail\n");
    let mut hosts = BTreeSet::new();
    let mut addrs = BTreeSet::new();
    for s in steps {
        for p in std::iter::once(&s.place).chain(s.check.as_ref().map(|c| &c.place)) {
            if let Place::Host(h) = p {
                hosts.insert(h.clone());
            }
        }
        if let Some(c) = &s.check {
            // `probe "$ADDR_X" PORT`: the variable between the quotes.
            if let Some(rest) = c.command.strip_prefix("probe \"$") {
                if let Some(var) = rest.split('"').next() {
                    addrs.insert(var.to_owned());
                }
            }
        }
    }
    for h in &hosts {
        let v = ssh_var(h);
        let _ = writeln!(o, "{v}=\"${{{v}:-root@{}}}\"", shell_word_plain(h));
    }
    for a in &addrs {
        let _ = writeln!(
            o,
            "{a}=\"${{{a}:-}}\" # the service's address (not in the model): set it before running"
        );
    }
    let _ = writeln!(
        o,
        "RUNBOOK_MAX_WAIT=\"${{RUNBOOK_MAX_WAIT:-3600}}\" # the longest a check keeps trying before it asks, seconds"
    );
    let _ = writeln!(o, "\n{SCRIPT_HELPERS}");
    for (i, s) in steps.iter().enumerate() {
        let n = i + 1;
        let _ = writeln!(
            o,
            "\nstep {n} {} {}",
            shell_word(&s.title),
            shell_word(&expected(s.expected_s))
        );
        let _ = writeln!(o, "{}", comment(&format!("Why: {}", s.why)));
        match (&s.command, &s.place) {
            (Some(c), _) if s.destructive => {
                let shown = match &s.place {
                    Place::Host(h) => format!("{c}   (on {h})"),
                    _ => c.clone(),
                };
                let _ = writeln!(
                    o,
                    "if ask {}; then\n\t{}\nfi",
                    shell_word(&shown),
                    in_place(&s.place, c)
                );
            }
            (Some(c), _) => {
                let _ = writeln!(o, "{}", in_place(&s.place, c));
            }
            (None, Place::Hand) => {
                let _ = writeln!(
                    o,
                    "read -r -p {} _",
                    shell_word(&format!("{} — Enter when done ", s.title))
                );
            }
            (None, _) => {}
        }
        if let Some(c) = &s.check {
            let _ = writeln!(
                o,
                "check_{n}() {{ {}; }}\ncheck {} {} check_{n}",
                in_place(&c.place, &c.command),
                c.wait_s,
                shell_word(&c.what)
            );
        }
    }
    let _ = writeln!(o, "\necho 'Runbook done.'");
    o
}

/// A host id inside a double-quoted default: only characters that need no escaping there.
fn shell_word_plain(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::maintain::{plan, Mode};
    use crate::sim::boot::Timing;

    #[test]
    fn script_asks_before_every_destructive_command() {
        let t = crate::examples::seed().unwrap();
        let p = plan(&t, "srv01", Mode::Reboot, &Timing::default()).unwrap();
        let s = script("t", &p.notes, &p.steps);
        for line in s.lines().filter(|l| l.starts_with("run ")) {
            let destructive = [
                "drain",
                "shutdown",
                "reboot",
                "poweroff",
                "migrate",
                "maintenance enable",
                "--state stopped",
            ]
            .iter()
            .any(|w| line.contains(w));
            if destructive {
                assert!(line.starts_with("run 1 "), "{line}");
            }
        }
        assert!(s.contains("PVE_SRV01=\"${PVE_SRV01:-root@srv01}\""));
        assert!(s.contains("ADDR_ISCSI_K8S=\"${ADDR_ISCSI_K8S:-}\""));
    }
}
