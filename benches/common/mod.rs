//! Shared by the benchmark binaries.

use std::time::{Duration, Instant};

/// The fastest of `runs` runs of `f`, and the last result.
pub fn best_of<T>(runs: u32, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let r = f();
        best = best.min(start.elapsed());
        out = Some(r);
    }
    (best, out.expect("runs.max(1) runs at least once"))
}
