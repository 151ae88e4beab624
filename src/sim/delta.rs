//! What a change did: the typed delta between a topology before and after an edit (or any two
//! topologies). New and removed single points of failure, availability per service, the
//! cold-start time, N-2 critical pairs, policy findings and the components that changed — the
//! question behind every planning session, answered once for the CLI and the web app.
//!
//! Policy findings are evaluated by the caller (the CLI with its rule book, the browser in its
//! policy hook) and handed in: the simulation does not run Rego.

use super::compare::Comparison;
use super::SimError;
use crate::diag::Severity;
use crate::model::section::Section;
use crate::model::Topology;
use crate::policy::{Finding, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Whether something appeared, disappeared or changed between before and after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only after.
    Added,
    /// Only before.
    Removed,
    /// In both, different.
    Modified,
}

impl Change {
    /// Its name in the JSON output (`added`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Modified => "modified",
        }
    }

    /// The sign people read in a list (`+`, `−`, `~`).
    pub fn sign(self) -> &'static str {
        match self {
            Self::Added => "+",
            Self::Removed => "−",
            Self::Modified => "~",
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A component that became (or stopped being) a single point of failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpofChange {
    /// [`Change::Added`]: a SPOF after, not before; [`Change::Removed`]: the reverse.
    pub change: Change,
    /// The component.
    pub component: String,
    /// The services its single failure takes down (after when added, before when removed).
    pub services: Vec<String>,
}

/// A service's expected downtime before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvailabilityChange {
    /// Service, control plane or volumes id.
    pub service: String,
    /// Minutes per year before (`None`: not in the topology before).
    pub before_min: Option<f64>,
    /// Minutes per year after.
    pub after_min: Option<f64>,
    /// Single points of failure before.
    pub spofs_before: Option<u32>,
    /// Single points of failure after.
    pub spofs_after: Option<u32>,
}

impl AvailabilityChange {
    /// After minus before, minutes per year (`None` when either side lacks the service).
    pub fn delta_min(&self) -> Option<f64> {
        Some(self.after_min? - self.before_min?)
    }
}

/// A critical pair (N-2) that appeared or disappeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairChange {
    /// Added or removed.
    pub change: Change,
    /// First member.
    pub a: String,
    /// Second member.
    pub b: String,
    /// Services only the pair takes down.
    pub services: Vec<String>,
}

/// An open policy finding that appeared or disappeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChange {
    /// Added or removed.
    pub change: Change,
    /// Rule id.
    pub rule: String,
    /// The resource it is about.
    pub resource: String,
    /// Its severity.
    pub level: Severity,
    /// Its message.
    pub message: String,
}

/// An entry of a top-level list that was added, removed or edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentChange {
    /// What happened to it.
    pub change: Change,
    /// Its list (`vms`).
    pub section: String,
    /// Its id (a mapping's name).
    pub id: String,
}

/// Everything a change did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    /// Components that became or stopped being single points of failure.
    pub spofs: Vec<SpofChange>,
    /// Expected downtime per service, before and after, for every service on either side.
    pub availability: Vec<AvailabilityChange>,
    /// Cold-start all-ready time before, ms (`None`: never all ready).
    pub cold_start_before_ms: Option<u64>,
    /// Cold-start all-ready time after, ms.
    pub cold_start_after_ms: Option<u64>,
    /// N-2 critical pairs added and removed (`None`: not compared, e.g. too large a site).
    pub pairs: Option<Vec<PairChange>>,
    /// Open policy findings added and removed (`None`: findings were not given).
    pub findings: Option<Vec<FindingChange>>,
    /// Components added, removed or edited.
    pub components: Vec<ComponentChange>,
}

impl Delta {
    /// Nothing the delta reports changed.
    pub fn is_empty(&self) -> bool {
        self.spofs.is_empty()
            && self
                .availability
                .iter()
                .all(|a| a.before_min == a.after_min && a.spofs_before == a.spofs_after)
            && self.cold_start_before_ms == self.cold_start_after_ms
            && self.pairs.as_ref().is_none_or(Vec::is_empty)
            && self.findings.as_ref().is_none_or(Vec::is_empty)
            && self.components.is_empty()
    }

    /// The ids a viewer marks as changed: components added or edited, new single points of
    /// failure and the members of new critical pairs (removed ones are not drawn after).
    pub fn marked(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = crate::sort::btree_set(
            self.components
                .iter()
                .filter(|c| c.change != Change::Removed)
                .map(|c| c.id.clone()),
        );
        out.extend(
            self.spofs
                .iter()
                .filter(|s| s.change == Change::Added)
                .map(|s| s.component.clone()),
        );
        for p in self.pairs.iter().flatten() {
            if p.change == Change::Added {
                out.insert(p.a.clone());
                out.insert(p.b.clone());
            }
        }
        out
    }

    /// Add the open findings of each side (the caller evaluated the rule book on both).
    pub fn set_findings(&mut self, before: &[Finding], after: &[Finding]) {
        self.findings = Some(diff_findings(before, after));
    }
}

/// Compare `before` with `after`; with `pairs` also their N-2 critical pairs (quadratic in the
/// worst case: the web app leaves it out on large sites).
///
/// # Errors
/// [`SimError::Cycle`] when either side has a requirement cycle, [`SimError::TooLarge`] when
/// either outgrows the N-1 analysis's budget.
///
/// # Example
/// ```
/// let before = hostplan::examples::seed().unwrap();
/// let mut after = before.clone();
/// after.vms.retain(|v| v.id != "talos-w2");
/// after.consumers[0].workers.retain(|w| w != "talos-w2");
/// let d = hostplan::sim::delta::delta(&before, &after, false).unwrap();
/// assert!(d.components.iter().any(|c| c.id == "talos-w2"));
/// ```
pub fn delta(before: &Topology, after: &Topology, pairs: bool) -> Result<Delta, SimError> {
    let cmp = super::compare::compare(before, after)?;
    let spofs = spof_changes(&cmp);
    let availability = cmp
        .services
        .iter()
        .map(|s| AvailabilityChange {
            service: s.service.clone(),
            before_min: s.downtime_a,
            after_min: s.downtime_b,
            spofs_before: s.spof_a.as_ref().map(|v| v.len() as u32),
            spofs_after: s.spof_b.as_ref().map(|v| v.len() as u32),
        })
        .collect();
    let pairs = if pairs {
        Some(pair_changes(before, after)?)
    } else {
        None
    };
    Ok(Delta {
        spofs,
        availability,
        cold_start_before_ms: cmp.all_ready_a,
        cold_start_after_ms: cmp.all_ready_b,
        pairs,
        findings: None,
        components: component_changes(before, after),
    })
}

/// A component is a SPOF on a side when some service lists it.
fn spof_changes(cmp: &Comparison) -> Vec<SpofChange> {
    let by_component =
        |pick: &dyn Fn(&super::compare::ServiceComparison) -> Option<&Vec<String>>| {
            let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for s in &cmp.services {
                for c in pick(s).into_iter().flatten() {
                    out.entry(c.clone()).or_default().push(s.service.clone());
                }
            }
            out
        };
    let before = by_component(&|s| s.spof_a.as_ref());
    let after = by_component(&|s| s.spof_b.as_ref());
    let added = after
        .iter()
        .filter(|(c, _)| !before.contains_key(*c))
        .map(|(c, s)| SpofChange {
            change: Change::Added,
            component: c.clone(),
            services: s.clone(),
        });
    let removed = before
        .iter()
        .filter(|(c, _)| !after.contains_key(*c))
        .map(|(c, s)| SpofChange {
            change: Change::Removed,
            component: c.clone(),
            services: s.clone(),
        });
    added.chain(removed).collect()
}

fn pair_changes(before: &Topology, after: &Topology) -> Result<Vec<PairChange>, SimError> {
    let side = |t: &Topology| -> Result<BTreeMap<(String, String), Vec<String>>, SimError> {
        Ok(super::spof::analyse(t, true)?
            .pairs
            .into_iter()
            .flatten()
            .map(|p| ((p.a, p.b), p.services))
            .collect())
    };
    let (a, b) = (side(before)?, side(after)?);
    let changes = |from: &BTreeMap<(String, String), Vec<String>>,
                   other: &BTreeMap<(String, String), Vec<String>>,
                   change: Change| {
        from.iter()
            .filter(|(k, _)| !other.contains_key(*k))
            .map(|((x, y), s)| PairChange {
                change,
                a: x.clone(),
                b: y.clone(),
                services: s.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut out = changes(&b, &a, Change::Added);
    out.extend(changes(&a, &b, Change::Removed));
    Ok(out)
}

/// Open findings keyed by (rule, resource): added are open after only, removed before only.
pub fn diff_findings(before: &[Finding], after: &[Finding]) -> Vec<FindingChange> {
    let open = |fs: &[Finding]| -> BTreeMap<(String, String), Finding> {
        fs.iter()
            .filter(|f| f.status == Status::Open)
            .map(|f| ((f.rule.clone(), f.resource.clone()), f.clone()))
            .collect()
    };
    let (a, b) = (open(before), open(after));
    let row = |f: &Finding, change: Change| FindingChange {
        change,
        rule: f.rule.clone(),
        resource: f.resource.clone(),
        level: f.level,
        message: f.message.clone(),
    };
    let mut out: Vec<FindingChange> = b
        .iter()
        .filter(|(k, _)| !a.contains_key(*k))
        .map(|(_, f)| row(f, Change::Added))
        .collect();
    out.extend(
        a.iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, f)| row(f, Change::Removed)),
    );
    out
}

/// Entries of every list but the waivers, compared by id and by their whole content.
fn component_changes(before: &Topology, after: &Topology) -> Vec<ComponentChange> {
    let (ja, jb) = (
        serde_json::to_value(before).unwrap_or_default(),
        serde_json::to_value(after).unwrap_or_default(),
    );
    let entries = |t: &Topology, json: &serde_json::Value, s: Section| {
        let items = json
            .get(s.key())
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default();
        s.ids(t)
            .map(str::to_owned)
            .zip(items)
            .collect::<BTreeMap<String, serde_json::Value>>()
    };
    let mut out = Vec::new();
    for s in Section::ALL.into_iter().filter(|&s| s != Section::Waivers) {
        let (a, b) = (entries(before, &ja, s), entries(after, &jb, s));
        for (id, v) in &b {
            let change = match a.get(id) {
                None => Change::Added,
                Some(old) if old != v => Change::Modified,
                Some(_) => continue,
            };
            out.push(ComponentChange {
                change,
                section: s.key().to_owned(),
                id: id.clone(),
            });
        }
        out.extend(
            a.keys()
                .filter(|id| !b.contains_key(*id))
                .map(|id| ComponentChange {
                    change: Change::Removed,
                    section: s.key().to_owned(),
                    id: id.clone(),
                }),
        );
    }
    out
}
