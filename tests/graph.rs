//! Dependency-graph semantics: gates, optional edges, quorum, and the seed's failure answers.

use hostplan::graph::{DependencyGraph, State};
use hostplan::model::{Disk, Host, HostKind, Pool, Topology, Vdev, VdevLayout, VdevRole};
use std::collections::BTreeSet;

fn states(t: &Topology, failed: &[&str]) -> std::collections::BTreeMap<String, State> {
    let g = DependencyGraph::build(t);
    let failed: BTreeSet<_> = failed
        .iter()
        .map(|id| g.find(id).unwrap_or_else(|| panic!("no node {id}")))
        .collect();
    g.evaluate(&failed)
}

/// A bare-metal host `nas` with one pool made of the given vdevs; disks are `d0`, `d1`, ….
fn pool_topology(vdevs: &[(VdevRole, VdevLayout, usize)]) -> Topology {
    let mut t = Topology {
        schema_version: 1,
        ..Topology::default()
    };
    t.hosts.push(Host {
        id: "nas".into(),
        kind: HostKind::BareMetal,
        ..Host::default()
    });
    let mut n = 0;
    let mut pool = Pool {
        id: "tank".into(),
        owner: "nas".into(),
        ..Pool::default()
    };
    for &(role, layout, width) in vdevs {
        let mut v = Vdev {
            role,
            layout,
            disks: Vec::new(),
        };
        for _ in 0..width {
            let id = format!("d{n}");
            n += 1;
            t.disks.push(Disk {
                id: id.clone(),
                host: "nas".into(),
                controller: "onboard".into(),
                size_gb: 4000,
                ..Disk::default()
            });
            v.disks.push(id);
        }
        pool.vdevs.push(v);
    }
    t.pools.push(pool);
    assert!(
        hostplan::validate::validate(&t).is_empty(),
        "{:#?}",
        hostplan::validate::validate(&t)
    );
    t
}

/// (layout, width, disks it survives losing) — rule book ZFS-01.
const TOLERANCE: [(VdevLayout, usize, usize); 9] = [
    (VdevLayout::Stripe, 1, 0),
    (VdevLayout::Mirror, 2, 1),
    (VdevLayout::Mirror, 3, 2),
    (VdevLayout::Raidz1, 4, 1),
    (VdevLayout::Raidz2, 6, 2),
    (VdevLayout::Raidz3, 8, 3),
    (VdevLayout::Draid1, 5, 1),
    (VdevLayout::Draid2, 10, 2),
    (VdevLayout::Draid3, 12, 3),
];

#[test]
fn each_layout_survives_exactly_its_tolerance() {
    for (layout, width, tolerance) in TOLERANCE {
        let t = pool_topology(&[(VdevRole::Data, layout, width)]);
        let ids: Vec<String> = (0..width).map(|i| format!("d{i}")).collect();
        for lost in 0..=width {
            let failed: Vec<&str> = ids[..lost].iter().map(String::as_str).collect();
            let s = states(&t, &failed)["tank"];
            let want = if lost == 0 {
                State::Up
            } else if lost <= tolerance {
                State::Degraded
            } else {
                State::Down
            };
            assert_eq!(s, want, "{layout:?} of {width}, {lost} lost");
        }
    }
}

#[test]
fn a_pool_needs_every_data_and_special_vdev_but_not_log_or_cache() {
    let t = pool_topology(&[
        (VdevRole::Data, VdevLayout::Mirror, 2),    // d0 d1
        (VdevRole::Data, VdevLayout::Stripe, 1),    // d2
        (VdevRole::Special, VdevLayout::Mirror, 2), // d3 d4
        (VdevRole::Log, VdevLayout::Stripe, 1),     // d5
        (VdevRole::Cache, VdevLayout::Stripe, 1),   // d6
    ]);
    assert_eq!(states(&t, &[])["tank"], State::Up);
    assert_eq!(
        states(&t, &["d2"])["tank"],
        State::Down,
        "a striped data vdev is a single point of failure"
    );
    assert_eq!(
        states(&t, &["d3", "d4"])["tank"],
        State::Down,
        "losing the special vdev loses the pool"
    );
    assert_eq!(
        states(&t, &["d5"])["tank"],
        State::Degraded,
        "losing the SLOG degrades only"
    );
    assert_eq!(
        states(&t, &["d6"])["tank"],
        State::Degraded,
        "losing L2ARC degrades only"
    );
    assert_eq!(states(&t, &["d0", "d5", "d6"])["tank"], State::Degraded);
}

fn seed() -> Topology {
    hostplan::examples::seed().unwrap()
}

#[test]
fn losing_srv01_takes_down_truenas_iscsi_and_talos_volumes() {
    let s = states(&seed(), &["srv01"]);
    for id in [
        "truenas",
        "tank",
        "iscsi-k8s",
        "talos",
        "talos#volumes",
        "hba0",
        "talos-cp1",
    ] {
        assert_eq!(s[id], State::Down, "{id}");
    }
    assert_eq!(s["mains"], State::Up);
}

#[test]
fn losing_the_hba_downs_storage_but_not_the_cluster() {
    let s = states(&seed(), &["hba0"]);
    assert_eq!(
        s["truenas"],
        State::Down,
        "TrueNAS cannot start without its passed-through HBA"
    );
    assert_eq!(s["iscsi-k8s"], State::Down);
    assert_eq!(s["talos#volumes"], State::Down);
    assert_eq!(
        s["talos"],
        State::Up,
        "the Kubernetes control plane does not need iSCSI"
    );
    assert_eq!(s["srv01"], State::Up);
}

#[test]
fn the_raidz2_pool_of_the_seed_rides_out_two_disks() {
    let s = states(&seed(), &["tank-d1", "tank-d4"]);
    assert_eq!(s["tank"], State::Degraded);
    assert_eq!(s["iscsi-k8s"], State::Degraded);
    assert_eq!(
        states(&seed(), &["tank-d1", "tank-d4", "tank-d6"])["tank"],
        State::Down
    );
}

#[test]
fn the_storage_network_is_required_by_the_service() {
    let s = states(&seed(), &["nic2"]);
    assert_eq!(s["iscsi-k8s"], State::Down);
    let s = states(&seed(), &["storage50"]);
    assert_eq!(s["iscsi-k8s"], State::Down);
    assert_eq!(s["truenas"], State::Up);
}

#[test]
fn control_plane_is_a_quorum_gate() {
    let text = hostplan::examples::SEED.replace(
        "control_plane = [\"talos-cp1\"]",
        "control_plane = [\"talos-cp1\", \"talos-w1\", \"talos-w2\"]\nquorum = 2",
    );
    let t = hostplan::source::parse("q.toml", text.as_bytes())
        .topology
        .unwrap();
    assert_eq!(states(&t, &["talos-w1"])["talos"], State::Degraded);
    assert_eq!(states(&t, &["talos-w1", "talos-w2"])["talos"], State::Down);
}

#[test]
fn roadmap_keeps_storage_up_when_srv01_is_lost() {
    let t = hostplan::examples::roadmap().unwrap();
    let s = states(&t, &["srv01"]);
    assert_eq!(s["tank"], State::Up);
    assert_eq!(s["iscsi-k8s"], State::Up);
    assert_eq!(s["talos"], State::Down);
}

#[test]
fn cycles_are_found_and_reported_in_order() {
    let text = std::fs::read(crate::fixture("cases/validate/requires-cycle.toml")).unwrap();
    let t = hostplan::source::parse("c.toml", &text).topology.unwrap();
    let g = DependencyGraph::build(&t);
    assert_eq!(
        g.cycles(),
        vec![vec!["nas-nfs", "nfs-vms", "tank", "truenas"]]
    );
    // A cycle can never start: everything on it is down even without failures.
    let s = g.evaluate(&BTreeSet::new());
    assert_eq!(s["truenas"], State::Down);
    assert_eq!(s["srv01"], State::Up);
}
