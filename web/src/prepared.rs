//! What a newly opened model's first render needs that costs most, built beforehand in tasks
//! of their own: the dependency graph and, for a large site, the overview.
//!
//! At a thousand hosts each takes a few hundred milliseconds in wasm, and the first render
//! built both (the graph in [`crate::hooks::use_analysis`], the overview in the canvas) in the
//! one task that also draws the page: the longest task of opening a large file. A file read
//! by the worker ([`crate::components::header::read_in_worker`]) is now [`prepare`]d between
//! its decoding and its first render, one task per part (the overview's tiles and its links
//! are two), and the render's memos take what was
//! prepared for the very model they are given (the same `Rc`: [`graph`], [`overview`]), or
//! build it themselves. What is taken is no longer held here.

use crate::components::inspector::GraphHandle;
use hostplan::export::overview::Overview;
use hostplan::model::Topology;
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// What was prepared, and for which model (held weakly: a model no one shows is not kept).
#[derive(Default)]
struct Prepared {
    topology: Weak<Topology>,
    graph: Option<Rc<GraphHandle>>,
    overview: Option<Rc<Overview>>,
}

thread_local! {
    static PREPARED: RefCell<Prepared> = RefCell::default();
}

/// Whether `p` was prepared for `t` itself.
fn is_for(p: &Prepared, t: &Rc<Topology>) -> bool {
    std::ptr::eq(p.topology.as_ptr(), Rc::as_ptr(t))
}

/// Build `t`'s graph, then (a large site only) its overview, each in a task of its own, and
/// keep them for the first render. `next_task` yields the thread between the parts.
pub async fn prepare<F, Fut>(t: &Rc<Topology>, next_task: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let graph = Rc::new(GraphHandle(hostplan::graph::DependencyGraph::build(t)));
    PREPARED.with(|p| {
        *p.borrow_mut() = Prepared {
            topology: Rc::downgrade(t),
            graph: Some(graph.clone()),
            overview: None,
        }
    });
    if !hostplan::export::overview::wants_overview(t) {
        return;
    }
    // The tiles, then their links: each about half of the overview's time.
    next_task().await;
    let tiles = hostplan::export::overview::tiles(t);
    next_task().await;
    let overview = Rc::new(hostplan::export::overview::with_links(tiles, t, &graph.0));
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        if is_for(&p, t) {
            p.overview = Some(overview);
        }
    });
}

/// The graph prepared for `t`, if any (taken: a second call gets `None`).
pub fn graph(t: &Rc<Topology>) -> Option<Rc<GraphHandle>> {
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        is_for(&p, t).then(|| p.graph.take()).flatten()
    })
}

/// The overview prepared for `t`, if any (taken: a second call gets `None`).
pub fn overview(t: &Rc<Topology>) -> Option<Rc<Overview>> {
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        is_for(&p, t).then(|| p.overview.take()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(hosts: u32) -> Rc<Topology> {
        Rc::new(hostplan::sim::generate::generate(
            &hostplan::sim::generate::FleetSpec {
                hosts,
                ..Default::default()
            },
        ))
    }

    /// Runs a future that never waits on anything outside it (the tests' `next_task`).
    fn run<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        loop {
            if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn what_is_prepared_is_given_for_that_model_only_and_is_what_the_render_would_build() {
        let t = fleet(30);
        let yielded = std::cell::Cell::new(0);
        run(prepare(&t, || {
            yielded.set(yielded.get() + 1);
            std::future::ready(())
        }));
        // The overview's tiles and links were built in tasks after the graph's.
        assert_eq!(yielded.get(), 2);
        let g = graph(&t).expect("the graph was prepared");
        let ov = overview(&t).expect("a large site's overview was prepared");
        let fresh = hostplan::graph::DependencyGraph::build(&t);
        assert_eq!(g.0.edges(), fresh.edges());
        assert_eq!(*ov, hostplan::export::overview::overview(&t, &fresh));
        // Taken: not held twice.
        assert!(graph(&t).is_none() && overview(&t).is_none());
        // An equal model that is not the same snapshot gets nothing: it is built afresh.
        run(prepare(&t, || std::future::ready(())));
        let other = Rc::new((*t).clone());
        assert!(graph(&other).is_none() && overview(&other).is_none());
        assert!(graph(&t).is_some() && overview(&t).is_some());
        // The model is not kept alive by what was prepared for it.
        drop(t);
        PREPARED.with(|p| assert!(p.borrow().topology.upgrade().is_none()));
    }

    #[test]
    fn a_small_site_gets_its_graph_and_no_overview() {
        let t = Rc::new(hostplan::examples::seed().unwrap());
        let yielded = std::cell::Cell::new(0);
        run(prepare(&t, || {
            yielded.set(yielded.get() + 1);
            std::future::ready(())
        }));
        assert_eq!(yielded.get(), 0);
        assert!(graph(&t).is_some());
        assert!(overview(&t).is_none());
    }
}
