//! A power-loss plan as text for a terminal and as Markdown (a change request, a wiki page).

use super::duration_text;
use super::power::{HostShutdown, PowerLoss, UpsCheck, Verdict};
use std::fmt::Write as _;

/// `+5 min 03 s`, or `+?` when unknown.
fn at(s: Option<u32>) -> String {
    s.map_or("?".to_owned(), |s| format!("+{}", duration_text(s)))
}

/// `12 s spare` / `short by 40 s`.
fn margin(m: i64) -> String {
    let abs = u32::try_from(m.unsigned_abs()).unwrap_or(u32::MAX);
    if m >= 0 {
        format!("{} spare", duration_text(abs))
    } else {
        format!("short by {}", duration_text(abs))
    }
}

/// A verdict in words, for a reader.
pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Finishes => "finishes in time, even at the guests' timeouts",
        Verdict::FinishesIfPrompt => {
            "finishes in time only if the guests stop promptly (not at their timeouts)"
        }
        Verdict::DoesNotFinish => "does NOT finish before the battery is empty",
        Verdict::NoCleanShutdown => "no clean shutdown: power is cut under it",
        Verdict::Unknown => "unknown: the model lacks a runtime or the low-battery level",
    }
}

fn ups_line(u: &UpsCheck) -> String {
    let r = &u.runtime;
    let mut s = format!("{} carries {} W", r.ups, r.load_w);
    if r.overloaded {
        s.push_str(" — OVERLOADED, it cannot hold the load");
    }
    match r.runtime_s {
        Some(rt) => {
            let _ = write!(s, ", empty at {}", at(Some(rt)));
        }
        None => s.push_str(", runtime not stated"),
    }
    match (r.low_battery_at_s, u.runtime_low_s) {
        (Some(lb), Some(low)) => {
            let _ = write!(
                s,
                "; low battery (NUT starts the shutdown) at {} with {} left",
                at(Some(lb)),
                duration_text(low)
            );
        }
        _ => s.push_str("; low battery: not known (runtime_low_s not stated)"),
    }
    if let Some(n) = u.needed_s {
        let _ = write!(
            s,
            "; the shutdown needs {} from low battery at worst",
            duration_text(n)
        );
    }
    s
}

fn host_head(h: &HostShutdown) -> String {
    let power = match (&h.ups, h.role) {
        (None, _) => "on no UPS: power cut at once".to_owned(),
        (Some(u), Some(r)) => format!("on {u}, NUT {r}, power gone at {}", at(h.dies_at_s)),
        (Some(u), None) => format!("on {u}, runs no upsmon, power gone at {}", at(h.dies_at_s)),
    };
    let mut s = format!("{} ({power})", h.host);
    if h.role.is_some() {
        let _ = write!(
            s,
            ": off at {} expected, {} at worst",
            at(h.off_s),
            at(h.worst_off_s)
        );
        if let Some(m) = h.margin_s {
            let _ = write!(s, " ({})", margin(m));
        }
    }
    s
}

/// A power-loss plan for a terminal.
pub fn text(p: &PowerLoss) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Power loss: {} lost — {}\n",
        if p.feeds.is_empty() {
            "no feed".to_owned()
        } else {
            p.feeds.join(", ")
        },
        verdict_words(p.verdict)
    );
    if p.ups.is_empty() {
        let _ = writeln!(o, "No UPS is on battery.");
    } else {
        let _ = writeln!(o, "On battery:");
        for u in &p.ups {
            let _ = writeln!(o, "  {}", ups_line(u));
        }
    }
    let _ = writeln!(
        o,
        "\nStaged shutdown (times since mains loss; expected / at the guests' timeouts):"
    );
    for h in &p.hosts {
        let _ = writeln!(o, "  {}", host_head(h));
        let _ = writeln!(o, "    verdict: {}", verdict_words(h.verdict));
        if h.trigger_s.is_none() && h.role.is_some() {
            let _ = writeln!(
                o,
                "    (the trigger is not known: stage times count from it)"
            );
        }
        for s in &h.stages {
            let _ = writeln!(
                o,
                "    {:>6} – {:<6} / {:>6} – {:<6}  [{}] {}",
                at(Some(s.start_s)),
                at(Some(s.end_s)),
                at(Some(s.worst_start_s)),
                at(Some(s.worst_end_s)),
                s.kind,
                s.title
            );
            for g in &s.guests {
                let _ = writeln!(
                    o,
                    "        {} ({}){}: {} expected, {} at worst (timeout {})",
                    g.vm,
                    g.vmid,
                    if g.ha { ", HA" } else { "" },
                    duration_text(g.expected_s),
                    duration_text(g.worst_s),
                    duration_text(g.timeout_s)
                );
            }
            if !s.waits_for.is_empty() {
                let _ = writeln!(
                    o,
                    "        waits for {} (at most {})",
                    s.waits_for.join(", "),
                    duration_text(s.wait_timeout_s.unwrap_or(0))
                );
            }
        }
        if !h.lost.is_empty() {
            let _ = writeln!(
                o,
                "    still running when power is gone: {}",
                h.lost.join(", ")
            );
        }
        if h.worst_lost != h.lost && !h.worst_lost.is_empty() {
            let _ = writeln!(
                o,
                "    at the guests' timeouts, still running: {}",
                h.worst_lost.join(", ")
            );
        }
    }
    restart_text(p, &mut o);
    list(&mut o, "Notes", &p.notes);
    list(&mut o, "Assumed", &p.assumptions);
    o
}

fn list(o: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{title}:");
    for n in items {
        let _ = writeln!(o, "  - {n}");
    }
}

fn restart_text(p: &PowerLoss, o: &mut String) {
    let r = &p.restart;
    let _ = writeln!(
        o,
        "\nRestart after power returns (cold start by the boot model; times since power is back):"
    );
    for e in &r.events {
        let _ = writeln!(
            o,
            "  {:>12}  {:<16} {:<14} {}",
            at(Some(e.at_s)),
            e.subject,
            e.kind.as_str(),
            e.detail
        );
    }
    match r.all_ready_s {
        Some(s) => {
            let _ = writeln!(o, "  all ready at {}", at(Some(s)));
        }
        None => {
            let _ = writeln!(o, "  never all ready: {}", r.never_ready.join(", "));
        }
    }
    if !r.ha_start.is_empty() {
        let _ = writeln!(
            o,
            "  HA guests the shutdown set to stopped — start them (on any node) at {}, once their storage answers:",
            at(r.ha_start_at_s)
        );
        for c in &r.ha_start {
            let _ = writeln!(o, "    {c}");
        }
    }
    if !r.startup_lines.is_empty() {
        let _ = writeln!(
            o,
            "  Suggested startup order (all ready at {} with it), on each VM's node:",
            at(r.suggested_all_ready_s)
        );
        for l in &r.startup_lines {
            let _ = writeln!(o, "    {l}");
        }
    }
}

/// Markdown cell text: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A power-loss plan as Markdown.
pub fn markdown(p: &PowerLoss) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Power loss: {}\n\n**{}.**\n",
        if p.feeds.is_empty() {
            "no feed".to_owned()
        } else {
            p.feeds.join(", ")
        },
        verdict_words(p.verdict)
    );
    let _ = writeln!(o, "## UPS units on battery\n");
    if p.ups.is_empty() {
        let _ = writeln!(o, "None.");
    }
    for u in &p.ups {
        let _ = writeln!(o, "- {}", cell(&ups_line(u)));
    }
    let _ = writeln!(o, "\n## Staged shutdown\n");
    let _ = writeln!(
        o,
        "Times since mains loss: expected, and when every guest takes its whole timeout.\n"
    );
    for h in &p.hosts {
        let _ = writeln!(o, "### {}\n", cell(&host_head(h)));
        let _ = writeln!(o, "Verdict: **{}**.\n", verdict_words(h.verdict));
        if !h.stages.is_empty() {
            let _ = writeln!(o, "| stage | expected | worst | what |");
            let _ = writeln!(o, "|---|---:|---:|---|");
            for s in &h.stages {
                let mut what = s.title.clone();
                if !s.waits_for.is_empty() {
                    let _ = write!(
                        what,
                        " — waits for {} (at most {})",
                        s.waits_for.join(", "),
                        duration_text(s.wait_timeout_s.unwrap_or(0))
                    );
                }
                let _ = writeln!(
                    o,
                    "| {} | {}–{} | {}–{} | {} |",
                    s.kind,
                    at(Some(s.start_s)),
                    at(Some(s.end_s)),
                    at(Some(s.worst_start_s)),
                    at(Some(s.worst_end_s)),
                    cell(&what)
                );
            }
            let _ = writeln!(o);
        }
        if !h.lost.is_empty() {
            let _ = writeln!(
                o,
                "Still running when power is gone: {}.\n",
                h.lost.join(", ")
            );
        }
        if h.worst_lost != h.lost && !h.worst_lost.is_empty() {
            let _ = writeln!(
                o,
                "At the guests' timeouts, still running: {}.\n",
                h.worst_lost.join(", ")
            );
        }
    }
    let r = &p.restart;
    let _ = writeln!(o, "## Restart after power returns\n");
    let _ = writeln!(o, "| at | what | event | detail |");
    let _ = writeln!(o, "|---:|---|---|---|");
    for e in &r.events {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            at(Some(e.at_s)),
            cell(&e.subject),
            e.kind.as_str(),
            cell(&e.detail)
        );
    }
    match r.all_ready_s {
        Some(s) => {
            let _ = writeln!(o, "\nAll ready at {}.", at(Some(s)));
        }
        None => {
            let _ = writeln!(o, "\nNever all ready: {}.", r.never_ready.join(", "));
        }
    }
    if !r.ha_start.is_empty() {
        let _ = writeln!(
            o,
            "\nStart the HA guests the shutdown set to stopped, at {} (once their storage answers):\n\n```sh",
            at(r.ha_start_at_s)
        );
        for c in &r.ha_start {
            let _ = writeln!(o, "{c}");
        }
        let _ = writeln!(o, "```");
    }
    if !r.startup_lines.is_empty() {
        let _ = writeln!(
            o,
            "\nSuggested startup order (all ready at {} with it), on each VM's node:\n\n```sh",
            at(r.suggested_all_ready_s)
        );
        for l in &r.startup_lines {
            let _ = writeln!(o, "{l}");
        }
        let _ = writeln!(o, "```");
    }
    if !p.notes.is_empty() {
        let _ = writeln!(o, "\n## Notes\n");
        for n in &p.notes {
            let _ = writeln!(o, "- {n}");
        }
    }
    let _ = writeln!(o, "\n## Assumed\n");
    for n in &p.assumptions {
        let _ = writeln!(o, "- {n}");
    }
    o
}
