//! The requires graph in compact, acyclic form: dense `u32` indices in topological order
//! (every requirement before its dependents), adjacency in both directions.
//!
//! Analyses (failure propagation, single points of failure, availability) run on a [`Dag`]:
//! the invariant "no cycle" is a type, obtained once through [`DependencyGraph::dag`].

use super::{DependencyGraph, Gate, Node, NodeKind, State};
use petgraph::algo::toposort;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// The graph has a requirement cycle; these ids are on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("requirement cycle through {}", .0.join(" → "))]
pub struct Cycle(pub Vec<String>);

/// An acyclic requires graph with dense indices in topological order.
#[derive(Debug, Clone)]
pub struct Dag {
    nodes: Vec<Node>,
    /// Requirements of each node: (index, required).
    reqs: Vec<Vec<(u32, bool)>>,
    /// Dependents of each node.
    deps: Vec<Vec<u32>>,
    index: BTreeMap<String, u32>,
}

impl DependencyGraph {
    /// The compact acyclic form of this graph.
    ///
    /// # Errors
    /// [`Cycle`] when the graph has a requirement cycle (validation reports it too).
    ///
    /// # Complexity
    /// `O((n + e) log n)`.
    pub fn dag(&self) -> Result<Dag, Cycle> {
        let order = toposort(&self.graph, None)
            .map_err(|_| Cycle(self.cycles().into_iter().next().unwrap_or_default()))?;
        // petgraph orders dependents first (edges point at requirements): reverse it.
        let order: Vec<_> = order.into_iter().rev().collect();
        let mut pos = BTreeMap::new();
        for (i, ix) in order.iter().enumerate() {
            pos.insert(*ix, i as u32);
        }
        let mut nodes = Vec::with_capacity(order.len());
        let mut reqs = vec![Vec::new(); order.len()];
        let mut deps = vec![Vec::new(); order.len()];
        let mut index = BTreeMap::new();
        for (i, ix) in order.iter().enumerate() {
            let node = self.graph[*ix].clone();
            index.insert(node.id.clone(), i as u32);
            nodes.push(node);
            let mut rs: Vec<(u32, bool)> = self
                .graph
                .edges_directed(*ix, Direction::Outgoing)
                .filter_map(|e| pos.get(&e.target()).map(|&p| (p, e.weight().required)))
                .collect();
            rs.sort_unstable();
            rs.dedup_by_key(|r| r.0);
            for &(r, _) in &rs {
                deps[r as usize].push(i as u32);
            }
            reqs[i] = rs;
        }
        for d in &mut deps {
            d.sort_unstable();
            d.dedup();
        }
        Ok(Dag {
            nodes,
            reqs,
            deps,
            index,
        })
    }
}

impl Dag {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node at a dense index.
    pub fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    /// Dense index of an id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Requirements of `i`: (index, required), sorted.
    pub fn requirements(&self, i: u32) -> &[(u32, bool)] {
        &self.reqs[i as usize]
    }

    /// Dependents of `i`, sorted.
    pub fn dependents(&self, i: u32) -> &[u32] {
        &self.deps[i as usize]
    }

    /// Required edges of `i` and how many of them must hold.
    pub fn need(&self, i: u32) -> (u32, u32) {
        let required = self.reqs[i as usize].iter().filter(|r| r.1).count() as u32;
        let need = match self.nodes[i as usize].gate {
            Gate::All => required,
            Gate::AtLeast(k) => k.min(required),
        };
        (required, need)
    }

    /// Whether a node is an entity of the topology (not a synthetic vdev, link or volumes node):
    /// the candidates for "what if this fails".
    pub fn is_entity(&self, i: u32) -> bool {
        !matches!(
            self.nodes[i as usize].kind,
            NodeKind::Vdev
                | NodeKind::Link
                | NodeKind::Volumes
                | NodeKind::Power
                | NodeKind::Bond
                | NodeKind::Corosync
                | NodeKind::Vote
                | NodeKind::Quorum
        )
    }

    fn gate(&self, i: u32, get: impl Fn(u32) -> State) -> State {
        let reqs = self.reqs[i as usize].iter().map(|&(r, req)| (get(r), req));
        super::gate_outcome(self.nodes[i as usize].gate, reqs)
    }

    /// State of every node when the nodes marked in `failed` fail (indexed like the dag).
    ///
    /// # Complexity
    /// `O(n + e)`: one pass in topological order.
    pub fn evaluate(&self, failed: &[bool]) -> Vec<State> {
        let mut state = vec![State::Up; self.nodes.len()];
        for i in 0..self.nodes.len() {
            state[i] = if failed.get(i).copied().unwrap_or(false) {
                State::Down
            } else {
                self.gate(i as u32, |r| state[r as usize])
            };
        }
        state
    }

    /// States that differ from `Up` when `failed` fail, computed only over the affected part
    /// of the graph (the dependents' closure of the failures).
    ///
    /// # Complexity
    /// `O(a log a)` for `a` affected nodes and their edges — independent of the graph's size.
    pub fn propagate(&self, failed: &[u32]) -> BTreeMap<u32, State> {
        let mut state: BTreeMap<u32, State> = BTreeMap::new();
        let mut queue: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
        for &f in failed {
            if (f as usize) < self.nodes.len() && state.insert(f, State::Down).is_none() {
                queue.extend(self.deps[f as usize].iter().map(|&d| Reverse(d)));
            }
        }
        let mut done = std::collections::BTreeSet::new();
        while let Some(Reverse(i)) = queue.pop() {
            if !done.insert(i) || failed.contains(&i) {
                continue;
            }
            let s = self.gate(i, |r| state.get(&r).copied().unwrap_or(State::Up));
            if s != State::Up {
                state.insert(i, s);
                queue.extend(self.deps[i as usize].iter().map(|&d| Reverse(d)));
            }
        }
        state
    }
}
