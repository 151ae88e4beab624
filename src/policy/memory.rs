//! A bound on what one evaluation may allocate, so a policy that builds an enormous set fails
//! with a located message instead of taking the machine's memory (or aborting the process).
//!
//! Natively regorus counts every allocation through its own allocator (its
//! `allocator-memory-limits` feature installs mimalloc as the process's allocator) and checks a
//! process-wide ceiling inside its evaluation loops. The ceiling is global, so it is set to
//! what the process held when an evaluation began plus that evaluation's budget, and lifted when
//! the last running evaluation ends; evaluations running at once (tests, a server) share the
//! highest of their ceilings. In wasm32 there is no such allocator: the worker's linear memory
//! is the bound there, and [`Budget`] does nothing.

/// The budget of one evaluation, held while it runs.
pub(super) struct Budget;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::sync::Mutex;

    /// Evaluations running, and the highest ceiling among them.
    static RUNNING: Mutex<(usize, u64)> = Mutex::new((0, 0));

    pub(super) fn start(bytes: u64) {
        let held = regorus_mimalloc::global_allocation_stats_snapshot().allocated;
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.0 += 1;
        running.1 = running.1.max(held.saturating_add(bytes));
        regorus::set_global_memory_limit(Some(running.1));
    }

    pub(super) fn end() {
        let mut running = RUNNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        running.0 = running.0.saturating_sub(1);
        if running.0 == 0 {
            running.1 = 0;
            regorus::set_global_memory_limit(None);
        }
    }
}

impl Budget {
    /// Allow `bytes` more than the process holds now, until the value is dropped.
    #[cfg_attr(target_arch = "wasm32", allow(unused_variables))]
    pub(super) fn start(bytes: u64) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        native::start(bytes);
        Budget
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        native::end();
    }
}

/// The engine's "memory limit exceeded" as people read it, or `None` for any other error.
/// (Matched on the text: the limit error reaches us inside regorus' own error chain, and
/// inside a serde error when the input's conversion hit it.)
pub(super) fn over_budget(text: &str, budget: u64) -> Option<String> {
    text.contains("memory limit").then(|| {
        format!(
            "stopped at the memory limit ({} MiB for one evaluation)",
            budget >> 20
        )
    })
}
