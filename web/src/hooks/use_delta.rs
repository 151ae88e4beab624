//! Before / after: which two states the delta panel compares (the baseline the user set, the
//! last opened document, the current one, a built-in example, a file), and the core's
//! [`hostplan::sim::delta`] between them with the policy findings of each side. The result is
//! also what the graph marks as changed. The delta and the findings are computed in the
//! worker ([`crate::service`]).

use crate::components::transfer::RuleBookHandle;
use crate::jobs::Request;
use crate::service::{self, Pool};
use crate::state::Doc;
use hostplan::sim::delta::Delta;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

/// One side of the comparison, as a `<select>` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// The baseline the user set (falls back to [`Side::Opened`] when none is set).
    Baseline,
    /// The document as last opened (file, example, autosave or share link).
    Opened,
    /// The model being edited.
    Current,
    /// A built-in example, by file name.
    Example(String),
    /// The file the user picked for comparing (never opened in the editor).
    File,
}

impl Side {
    /// Its `<select>` value.
    pub fn value(&self) -> String {
        match self {
            Self::Baseline => "baseline".into(),
            Self::Opened => "opened".into(),
            Self::Current => "current".into(),
            Self::Example(n) => format!("example:{n}"),
            Self::File => "file".into(),
        }
    }

    /// The side a `<select>` value names.
    pub fn from_value(v: &str) -> Side {
        match v {
            "baseline" => Self::Baseline,
            "opened" => Self::Opened,
            "file" => Self::File,
            _ => v
                .strip_prefix("example:")
                .map_or(Self::Current, |n| Self::Example(n.to_owned())),
        }
    }
}

/// A file read for comparing: its name and its text, or why it is not a topology.
pub type ComparedFile = Rc<(String, Result<String, String>)>;

/// What the delta panel and the graph need.
#[derive(Clone)]
pub struct DeltaHandle {
    /// The baseline the user set, if any.
    pub baseline: Option<Rc<Doc>>,
    /// The document as last opened.
    pub opened: Rc<Doc>,
    /// The side shown as "before".
    pub before: Side,
    /// The side shown as "after".
    pub after: Side,
    /// The file picked for comparing.
    pub file: Option<ComparedFile>,
    /// The delta (`None` while computing), and whether it is of the current sides.
    pub result: Rc<Option<Result<Delta, String>>>,
    /// Ids to mark on the graph as changed (empty unless a delta is shown).
    pub changed: Rc<BTreeSet<String>>,
    /// The site is large: N-2 pairs and findings are left out of the delta.
    pub partial: bool,
    /// Make the current document the baseline.
    pub on_set_baseline: Callback<()>,
    /// Pick the before side.
    pub on_before: Callback<Side>,
    /// Pick the after side.
    pub on_after: Callback<Side>,
    /// A file was read for comparing.
    pub on_file: Callback<(String, Vec<u8>)>,
}

impl PartialEq for DeltaHandle {
    fn eq(&self, other: &Self) -> bool {
        self.baseline.as_ref().map(Rc::as_ptr) == other.baseline.as_ref().map(Rc::as_ptr)
            && Rc::ptr_eq(&self.opened, &other.opened)
            && self.before == other.before
            && self.after == other.after
            && self.file.as_ref().map(Rc::as_ptr) == other.file.as_ref().map(Rc::as_ptr)
            && Rc::ptr_eq(&self.result, &other.result)
            && self.partial == other.partial
    }
}

/// The text of the document a side stands for, as the worker reads it (`Err`: why there is
/// none).
fn text_of(
    side: &Side,
    current: &Rc<Doc>,
    opened: &Rc<Doc>,
    baseline: Option<&Rc<Doc>>,
    file: Option<&ComparedFile>,
) -> Result<String, String> {
    match side {
        Side::Current => Ok(current.text.clone()),
        Side::Opened => Ok(opened.text.clone()),
        Side::Baseline => Ok(baseline.unwrap_or(opened).text.clone()),
        Side::Example(name) => hostplan::examples::ALL
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| format!("no example named {name}")),
        Side::File => match file {
            None => Err("pick a file to compare with".into()),
            Some(f) => f.1.clone().map_err(|e| format!("{}: {e}", f.0)),
        },
    }
}

/// The worker's request for the delta between the documents `before` and `after` (their
/// texts); on a small site with the critical pairs and each side's findings by `book`.
pub fn request(
    before: String,
    after: String,
    book: Option<&RuleBookHandle>,
    today: &str,
) -> Request {
    Request::Delta {
        before,
        after,
        pairs: book.is_some(),
        findings: book.map(|b| b.user.clone()),
        today: today.to_owned(),
    }
}

/// The before/after state and its delta, recomputed after a redraw when a side changes; only
/// while the panel is open on a large site (`big`), where N-2 and findings are left out.
#[hook]
pub fn use_delta(
    current: Rc<Doc>,
    opened: Rc<Doc>,
    revision: u64,
    book: Rc<RuleBookHandle>,
    active: bool,
    big: bool,
) -> DeltaHandle {
    let baseline = use_state(|| None::<Rc<Doc>>);
    let before = use_state(|| Side::Baseline);
    let after = use_state(|| Side::Current);
    let file = use_state(|| None::<ComparedFile>);
    let result = use_state(|| Rc::new(None::<Result<Delta, String>>));
    let compute_now = active || !big;
    {
        let result = result.clone();
        let key = (
            revision,
            (*before).clone(),
            (*after).clone(),
            (*baseline).as_ref().map(|d| Rc::as_ptr(d) as usize),
            Rc::as_ptr(&opened) as usize,
            (*file).as_ref().map(|f| Rc::as_ptr(f) as usize),
            book.version,
            compute_now,
        );
        let (baseline, file) = ((*baseline).clone(), (*file).clone());
        let (current, opened) = (current.clone(), opened.clone());
        use_effect_with(key, move |(_, before, after, _, _, _, _, now)| {
            // The answer is wanted only while these sides are still the ones asked about.
            let asked = Rc::new(std::cell::Cell::new(true));
            if *now {
                let side =
                    |s: &Side| text_of(s, &current, &opened, baseline.as_ref(), file.as_ref());
                match side(before).and_then(|a| Ok((a, side(after)?))) {
                    Ok((a, b)) => {
                        let book = (!big).then_some(&*book);
                        let req = request(a, b, book, &crate::analysis::today());
                        let asked = asked.clone();
                        service::call(Pool::Service, &req, move |answer| {
                            if asked.get() {
                                let d = service::decode::<Delta>(answer);
                                result.set(Rc::new(Some(d)));
                            }
                        });
                    }
                    Err(e) => result.set(Rc::new(Some(Err(e)))),
                }
            }
            move || asked.set(false)
        });
    }
    let changed = use_memo(result.clone(), |r| match r.as_ref().as_ref() {
        Some(Ok(d)) => d.marked(),
        _ => BTreeSet::new(),
    });
    let on_set_baseline = {
        let (baseline, before, current) = (baseline.clone(), before.clone(), current.clone());
        Callback::from(move |()| {
            baseline.set(Some(current.clone()));
            before.set(Side::Baseline);
        })
    };
    let on_file = {
        let (file, before) = (file.clone(), before.clone());
        Callback::from(move |(name, bytes): (String, Vec<u8>)| {
            let (file, before) = (file.clone(), before.clone());
            let show = move |name: String, read: Result<String, String>| {
                file.set(Some(Rc::new((name, read))));
                before.set(Side::File);
            };
            let first = |d: &[hostplan::diag::Diagnostic]| {
                d.first()
                    .map_or_else(|| "not a topology".to_owned(), |d| d.message.clone())
            };
            // JSON is read by the worker (the page reads only TOML), and so is anything
            // large; bytes that are not UTF-8 get the reader's error at once.
            match String::from_utf8(bytes) {
                Ok(text) => {
                    crate::components::header::read_in_worker(name.clone(), text, move |read| {
                        let read = read.map(|d| d.text).map_err(|r| first(&r.diagnostics));
                        show(name, read);
                    });
                }
                Err(e) => {
                    let report = hostplan::check_toml(&name, e.as_bytes());
                    show(name, Err(first(&report.diagnostics)));
                }
            }
        })
    };
    DeltaHandle {
        baseline: (*baseline).clone(),
        opened: opened.clone(),
        before: (*before).clone(),
        after: (*after).clone(),
        file: (*file).clone(),
        result: (*result).clone(),
        changed,
        partial: big,
        on_set_baseline,
        on_before: {
            let before = before.clone();
            Callback::from(move |s| before.set(s))
        },
        on_after: {
            let after = after.clone();
            Callback::from(move |s| after.set(s))
        },
        on_file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_values_round_trip() {
        for s in [
            Side::Baseline,
            Side::Opened,
            Side::Current,
            Side::File,
            Side::Example("roadmap-bare-metal.toml".into()),
        ] {
            assert_eq!(Side::from_value(&s.value()), s);
        }
    }

    #[test]
    fn the_delta_of_a_second_passed_nic_has_the_new_spof_and_its_findings() {
        let before = hostplan::examples::SEED.to_owned();
        let after = include_str!("../../../tests/cases/compare/seed-second-storage-nic.toml");
        let compute = |book: Option<&RuleBookHandle>| {
            let req = request(before.clone(), after.to_owned(), book, "2026-11-26");
            let r = crate::jobs::run(&req, &mut |_| {});
            let crate::jobs::Response::Json { json } = r else {
                panic!("{r:?}")
            };
            serde_json::from_str::<Delta>(&json).unwrap()
        };
        let d = compute(Some(&RuleBookHandle::default()));
        assert_eq!(d.spofs[0].component, "nic3");
        assert!(d.findings.is_some() && d.pairs.is_some());
        let d = compute(None);
        assert!(d.findings.is_none() && d.pairs.is_none());
    }
}
