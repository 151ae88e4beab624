//! Corosync votequorum, as `exec/votequorum.c` computes it (OPERATIONS.md Q-1…Q-9): expected
//! votes, the quorum threshold, `two_node` and the QDevice's votes, and whether a set of lost
//! nodes leaves the cluster quorate.

use crate::model::{Cluster, ClusterNode, QDeviceAlgorithm};
use serde::Serialize;
use std::collections::BTreeSet;

/// The vote arithmetic of a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Votequorum {
    /// Votes of the member nodes together.
    pub node_votes: u32,
    /// Votes the QDevice gives (0 without one): ffsplit 1, lms `nodes − 1`, or as stated.
    pub qdevice_votes: u32,
    /// `expected_votes`: node votes plus the QDevice's.
    pub expected: u32,
    /// Votes needed: `expected / 2 + 1`, or 1 for a `two_node` cluster of two nodes.
    pub quorum: u32,
    /// `wait_for_all` in effect (stated, or implied by `two_node`): after a whole-cluster
    /// outage, quorum only once every node has been seen.
    pub wait_for_all: bool,
}

impl Votequorum {
    /// The arithmetic of `c`; `None` for a cluster without nodes.
    ///
    /// `two_node` only applies with exactly two nodes (votequorum turns it off when more
    /// join) and is ignored by votequorum when a quorum device is configured.
    pub fn of(c: &Cluster) -> Option<Self> {
        if c.nodes.is_empty() {
            return None;
        }
        let node_votes: u32 = c.nodes.iter().map(ClusterNode::votes).sum();
        let n = c.nodes.len() as u32;
        let qdevice_votes = c.qdevice.as_ref().map_or(0, |q| {
            q.votes.unwrap_or(match q.algorithm {
                QDeviceAlgorithm::Ffsplit => 1,
                QDeviceAlgorithm::Lms => n.saturating_sub(1).max(1),
            })
        });
        let expected = node_votes + qdevice_votes;
        let two_node = c.two_node && n == 2 && c.qdevice.is_none();
        let quorum = if two_node { 1 } else { expected / 2 + 1 };
        Some(Self {
            node_votes,
            qdevice_votes,
            expected,
            quorum,
            wait_for_all: c.wait_for_all.unwrap_or(two_node),
        })
    }

    /// Votes still present when the nodes in `lost` (host ids) are gone, and the QDevice
    /// too when `qdevice_lost`.
    pub fn votes_left(&self, c: &Cluster, lost: &BTreeSet<&str>, qdevice_lost: bool) -> u32 {
        let nodes: u32 = c
            .nodes
            .iter()
            .filter(|n| !lost.contains(n.host.as_str()))
            .map(ClusterNode::votes)
            .sum();
        // The ffsplit vote goes to a partition only if it holds at least half the nodes
        // (a tie is broken for one side; the surviving side counts as that side here).
        let alive = c
            .nodes
            .iter()
            .filter(|n| !lost.contains(n.host.as_str()))
            .count();
        let qdevice = match c.qdevice.as_ref().map(|q| q.algorithm) {
            _ if qdevice_lost || alive == 0 => 0,
            Some(QDeviceAlgorithm::Ffsplit) if alive * 2 < c.nodes.len() => 0,
            Some(_) => self.qdevice_votes,
            None => 0,
        };
        nodes + qdevice
    }

    /// Whether the cluster is quorate with `votes` present.
    pub fn quorate(&self, votes: u32) -> bool {
        votes >= self.quorum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QDevice;

    fn cluster(n: usize, qdevice: Option<QDeviceAlgorithm>, two_node: bool) -> Cluster {
        Cluster {
            nodes: (0..n)
                .map(|i| ClusterNode {
                    host: format!("pve{i}"),
                    votes: None,
                })
                .collect(),
            qdevice: qdevice.map(|algorithm| QDevice {
                host: None,
                algorithm,
                votes: None,
            }),
            two_node,
            ..Cluster::default()
        }
    }

    #[test]
    fn thresholds_match_votequorum() {
        // 2 nodes → 2; 3 → 2; 4 → 3; 5 → 3.
        for (n, q) in [(2, 2), (3, 2), (4, 3), (5, 3)] {
            let v = Votequorum::of(&cluster(n, None, false)).unwrap();
            assert_eq!(v.quorum, q, "{n} nodes");
        }
        // two nodes and a QDevice: expected 3, quorum 2.
        let v = Votequorum::of(&cluster(2, Some(QDeviceAlgorithm::Ffsplit), false)).unwrap();
        assert_eq!((v.expected, v.quorum), (3, 2));
        // two_node: quorum 1, wait_for_all implied.
        let v = Votequorum::of(&cluster(2, None, true)).unwrap();
        assert_eq!((v.quorum, v.wait_for_all), (1, true));
        // two_node is ignored with three nodes.
        assert_eq!(Votequorum::of(&cluster(3, None, true)).unwrap().quorum, 2);
        // lms gives nodes − 1 votes.
        let v = Votequorum::of(&cluster(3, Some(QDeviceAlgorithm::Lms), false)).unwrap();
        assert_eq!((v.qdevice_votes, v.expected, v.quorum), (2, 5, 3));
    }

    #[test]
    fn losing_one_of_two_nodes() {
        let lost: BTreeSet<&str> = ["pve1"].into_iter().collect();
        let c = cluster(2, None, false);
        let v = Votequorum::of(&c).unwrap();
        assert!(!v.quorate(v.votes_left(&c, &lost, false)));
        let c = cluster(2, Some(QDeviceAlgorithm::Ffsplit), false);
        let v = Votequorum::of(&c).unwrap();
        assert!(v.quorate(v.votes_left(&c, &lost, false)));
        assert!(!v.quorate(v.votes_left(&c, &lost, true)));
    }
}
