//! Where values are in the text: a compact tree of byte spans, walked by data path.
//!
//! Built only when a position is first asked for (most clean files never ask), from a second,
//! span-keeping read of text the deserializer already accepted. One flat `Vec` of nodes and one
//! sorted key list per table: a lookup costs the path's depth times a binary search, and a
//! 100,000-VM file's tree is a few allocations per table instead of one map entry per value
//! keyed by its whole path.

use crate::diag::{DataPath, Segment};
use std::ops::Range;

/// Index of a node in [`SpanTree::nodes`].
type NodeId = u32;

/// Byte spans of a document's values, by data path.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpanTree {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
struct Node {
    span: Range<usize>,
    children: Children,
}

#[derive(Debug, Clone)]
enum Children {
    Leaf,
    /// A table's keys, sorted.
    Keys(Vec<(Box<str>, NodeId)>),
    Items(Vec<NodeId>),
}

impl SpanTree {
    /// The span of the value at `path`, or of its nearest ancestor in the document.
    pub(crate) fn span(&self, path: &DataPath) -> Option<Range<usize>> {
        let mut at = self.nodes.first()?;
        for segment in &path.0 {
            let child = match (&at.children, segment) {
                (Children::Keys(keys), Segment::Key(k)) => keys
                    .binary_search_by(|(key, _)| key.as_ref().cmp(k.as_str()))
                    .ok()
                    .map(|i| keys[i].1),
                (Children::Items(items), Segment::Index(i)) => {
                    usize::try_from(*i).ok().and_then(|i| items.get(i)).copied()
                }
                _ => None,
            };
            match child.and_then(|c| self.nodes.get(c as usize)) {
                Some(node) => at = node,
                None => break,
            }
        }
        Some(at.span.clone())
    }
}

/// Builds a [`SpanTree`] depth first: a value is opened, its children added, then closed.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    tree: SpanTree,
}

/// A value being built: its node and, for tables, the keys gathered so far.
pub(crate) struct Open {
    id: NodeId,
    children: Children,
}

impl Builder {
    /// Start a table (`table`) or array value; its span is given when it is closed.
    pub(crate) fn open(&mut self, table: bool) -> Open {
        let id = self.leaf(0..0);
        Open {
            id,
            children: if table {
                Children::Keys(Vec::new())
            } else {
                Children::Items(Vec::new())
            },
        }
    }

    /// Add a leaf value.
    pub(crate) fn leaf(&mut self, span: Range<usize>) -> NodeId {
        let id = NodeId::try_from(self.tree.nodes.len()).unwrap_or(NodeId::MAX);
        self.tree.nodes.push(Node {
            span,
            children: Children::Leaf,
        });
        id
    }

    /// Finish a table or array value spanning `span`.
    pub(crate) fn close(&mut self, open: Open, span: Range<usize>) -> NodeId {
        let mut children = open.children;
        if let Children::Keys(keys) = &mut children {
            // The first of duplicate keys wins, as the deserializer reports it.
            crate::sort::sort_by(keys, |a, b| a.0.cmp(&b.0));
            keys.dedup_by(|b, a| a.0 == b.0);
        }
        if let Some(node) = self.tree.nodes.get_mut(open.id as usize) {
            node.span = span;
            node.children = children;
        }
        open.id
    }

    /// Attach `child` to an open value, under `key` for tables.
    pub(crate) fn attach(open: &mut Open, key: Option<&str>, child: NodeId) {
        match (&mut open.children, key) {
            (Children::Keys(keys), Some(k)) => keys.push((k.into(), child)),
            (Children::Items(items), None) => items.push(child),
            _ => {}
        }
    }

    /// The finished tree (its root is the first value opened).
    pub(crate) fn finish(self) -> SpanTree {
        self.tree
    }
}

#[cfg(test)]
impl SpanTree {
    /// Every data path of the tree with its span, in tree order (for comparing trees).
    pub(crate) fn all(&self) -> Vec<(DataPath, Range<usize>)> {
        fn walk(
            tree: &SpanTree,
            id: NodeId,
            path: &DataPath,
            out: &mut Vec<(DataPath, Range<usize>)>,
        ) {
            let Some(node) = tree.nodes.get(id as usize) else {
                return;
            };
            out.push((path.clone(), node.span.clone()));
            match &node.children {
                Children::Leaf => {}
                Children::Keys(keys) => {
                    for (k, child) in keys {
                        walk(tree, *child, &path.key(k), out);
                    }
                }
                Children::Items(items) => {
                    for (i, child) in items.iter().enumerate() {
                        walk(tree, *child, &path.index(i), out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        if !self.nodes.is_empty() {
            walk(self, 0, &DataPath::root(), &mut out);
        }
        out
    }
}
