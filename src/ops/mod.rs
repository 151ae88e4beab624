//! Operations: what a planned change does before anyone makes it, written down as a runbook.
//!
//! - [`maintain`]: a host's maintenance (reboot or shutdown) — which guests stop and which
//!   migrate where, whether the cluster keeps quorum, what is down for how long, and the
//!   ordered runbook with a command, an expected duration and a check per step;
//! - [`outage`]: a storage provider gone for a while (a TrueNAS reboot, a 5-minute outage) —
//!   what each consumer's protocol stack does (iSCSI replacement timeout, the filesystem's
//!   error behaviour, multipath queueing, NFS hard/soft, the NFSv4 grace period) and the
//!   recovery steps;
//! - [`power`]: mains loss — the staged shutdown (consumers, then the storage they use, then
//!   the storage VM, then the host), checked against every UPS's runtime, what is lost when it
//!   does not finish, and the restart order; [`nut`] writes it down as NUT `upsmon.conf`
//!   fragments and the shutdown script each calls, [`power_text`] as text and Markdown;
//! - [`hookscript`]: readiness-gated boot made executable — a Proxmox hookscript per guest
//!   that needs a storage service, waiting in `pre-start` until it answers, and its wiring;
//! - [`render`]: both as text, Markdown, and (the runbook) a shell script skeleton that stops
//!   at every check and asks before anything destructive.
//!
//! Facts and their sources are in `OPERATIONS.md` of the domain reference; the ids (I-1, F-7,
//! HA-27…) are quoted in the output so a reviewer can look each one up. No I/O, no clock.

pub mod hookscript;
pub mod maintain;
pub mod nut;
pub mod outage;
pub mod power;
pub mod power_text;
pub mod render;

use serde::{Deserialize, Serialize};

/// Where a step's command runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "host")]
pub enum Place {
    /// On a Proxmox node (over ssh from the admin machine).
    Host(String),
    /// On the admin machine (kubectl, a TCP probe).
    Admin,
    /// By hand (power a machine on).
    Hand,
}

/// The check that proves a step worked: a command that exits 0 once it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// What must hold, in words.
    pub what: String,
    /// Where the command runs.
    pub place: Place,
    /// A shell command (POSIX words, single-quoted where needed) that succeeds when it holds.
    pub command: String,
    /// How long to keep trying before asking, seconds.
    pub wait_s: u32,
}

/// One step of a runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What to do, in words.
    pub title: String,
    /// Why here, in this order.
    pub why: String,
    /// Where the command runs.
    pub place: Place,
    /// The command; `None` when the step is a wait or done by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// It stops, moves or reboots something: a script asks before running it.
    pub destructive: bool,
    /// Expected duration, seconds; `None` when the model cannot tell (a live migration
    /// depends on memory and network, not modelled).
    pub expected_s: Option<u32>,
    /// Seconds since the runbook began when the step starts (by the expected durations of the
    /// steps before; a step of unknown duration counts as 0, and the text says so).
    pub at_s: u32,
    /// The check that proves it worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// Quote `word` for a POSIX shell when it needs it (ids come from the user's file).
pub fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Seconds as `1 min 05 s` / `42 s`.
pub fn duration_text(s: u32) -> String {
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, sec) => format!("{m} min {sec:02} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration: write e.g. `300`, `300s`, `5m`, `1h30m`")]
pub struct DurationError(pub String);

/// A duration typed by a person: `300`, `300s`, `5m`, `1h30m`, `2m30s`.
///
/// # Errors
/// [`DurationError`] when `text` is empty, has a unit other than `h`, `m`, `s`, or overflows.
///
/// # Example
/// ```
/// use hostplan::ops::parse_duration;
/// assert_eq!(parse_duration("5m"), Ok(300));
/// assert_eq!(parse_duration("1h30m"), Ok(5400));
/// assert_eq!(parse_duration("90"), Ok(90));
/// assert!(parse_duration("5 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<u32, DurationError> {
    let err = || DurationError(text.to_owned());
    let t = text.trim();
    if t.is_empty() {
        return Err(err());
    }
    if let Ok(n) = t.parse::<u32>() {
        return Ok(n);
    }
    let (mut total, mut num) = (0u32, String::new());
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(err()),
        };
        let n: u32 = num.parse().map_err(|_| err())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(err)?;
        num.clear();
    }
    if !num.is_empty() {
        return Err(err());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("talos-w1"), "talos-w1");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2m30s"), Ok(150));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5").is_ok());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("99999999h").is_err());
        assert_eq!(duration_text(188), "3 min 08 s");
        assert_eq!(duration_text(42), "42 s");
        assert_eq!(duration_text(300), "5 min");
    }
}
