//! Simulation answers on the seed and its variants, and timeline invariants.

use hostplan::graph::State;
use hostplan::sim::boot::{simulate, suggest, EventKind, Scenario, Timing};
use hostplan::sim::failure;
use proptest::prelude::*;

fn seed() -> hostplan::model::Topology {
    hostplan::examples::seed().unwrap()
}

#[test]
fn losing_srv01_gives_cause_chains_down_to_the_host() {
    let r = failure::simulate(&seed(), &["srv01".into()]).unwrap();
    let chain = |id: &str| r.affected.iter().find(|a| a.id == id).unwrap().chain_text();
    assert_eq!(chain("truenas"), "truenas down ← srv01 failed");
    assert_eq!(
        chain("iscsi-k8s"),
        "iscsi-k8s down ← truenas down ← srv01 failed"
    );
    assert_eq!(
        chain("talos#volumes"),
        "talos#volumes down ← iscsi-k8s down ← truenas down ← srv01 failed"
    );
    assert_eq!(r.state_of("mains"), State::Up);
}

#[test]
fn a_long_chain_keeps_its_head_and_root_and_counts_what_it_skips() {
    use hostplan::sim::generate::{generate, FleetSpec, Shape};
    // 40 storage hosts, each TrueNAS booting from the previous one's iSCSI service.
    let t = generate(&FleetSpec {
        hosts: 40,
        vms_per_host: 1,
        shape: Shape::Chain,
        ..FleetSpec::default()
    });
    let r = failure::simulate(&t, &["h00000".to_owned()]).unwrap();
    let last = r.affected.iter().find(|a| a.id == "h00039-nas").unwrap();
    assert_eq!(last.chain.len(), failure::CHAIN_HEAD + 1);
    assert_eq!(last.chain[0].id, "h00039-nas");
    assert_eq!(last.chain[1].id, "h00039-remote");
    assert_eq!(last.chain[1].reason, "needs h00038-iscsi");
    let root = last.root().unwrap();
    assert_eq!(
        (root.id.as_str(), root.reason.as_str()),
        ("h00000", "failed")
    );
    // Each link of the chain is one component: NAS ← remote storage ← previous service ← its
    // NAS …; the whole walk from h00039-nas to h00000 has 3 links per host and the host.
    let whole = 3 * 39 + 2;
    assert_eq!(last.skipped as usize, whole - failure::CHAIN_HEAD - 1);
    assert!(last
        .chain_text()
        .contains(&format!("… {} more ← h00000 failed", last.skipped)));
    // A short chain is whole.
    let first = r.affected.iter().find(|a| a.id == "h00000-nas").unwrap();
    assert_eq!(first.skipped, 0);
    assert_eq!(first.chain_text(), "h00000-nas down ← h00000 failed");
}

#[test]
fn killer_sets_past_their_budget_are_refused_not_computed() {
    use hostplan::graph::DependencyGraph;
    use hostplan::sim::generate::{generate, FleetSpec, Shape};
    use hostplan::sim::spof::{killer_sets, killer_sets_within};
    let t = generate(&FleetSpec {
        hosts: 20,
        vms_per_host: 1,
        shape: Shape::Chain,
        ..FleetSpec::default()
    });
    let dag = DependencyGraph::build(&t).dag().unwrap();
    let all = killer_sets(&dag);
    let entries: usize = all.iter().map(Vec::len).sum();
    assert_eq!(killer_sets_within(&dag, entries).as_ref(), Some(&all));
    assert_eq!(killer_sets_within(&dag, entries - 1), None);
}

#[test]
fn a_disk_loss_degrades_with_a_chain_and_unknown_ids_are_named() {
    let r = failure::simulate(&seed(), &["tank-d3".into()]).unwrap();
    let pool = r.affected.iter().find(|a| a.id == "tank").unwrap();
    assert_eq!(pool.state, State::Degraded);
    assert_eq!(
        pool.chain_text(),
        "tank degraded ← tank#data-0 degraded ← tank-d3 failed"
    );
    assert_eq!(pool.chain[1].reason, "1 of 6 down, needs 4");
    let err = failure::simulate(&seed(), &["hba1".into()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown component `hba1` (did you mean `hba0`?)"
    );
}

#[test]
fn hba_and_srv01_are_single_points_of_failure_for_the_storage_service() {
    let r = hostplan::sim::spof::analyse(&seed(), true).unwrap();
    let iscsi = r
        .services
        .iter()
        .find(|s| s.service == "iscsi-k8s")
        .unwrap();
    for c in ["hba0", "srv01", "truenas", "tank", "nic2", "mains"] {
        assert!(
            iscsi.components.iter().any(|x| x == c),
            "{c} missing from {:?}",
            iscsi.components
        );
    }
    // raidz2: no single disk is a single point of failure, and no pair of disks either.
    assert!(!iscsi.components.iter().any(|c| c.starts_with("tank-d")));
    assert_eq!(r.pairs.as_ref().unwrap().len(), 0);
    assert_eq!(r.ranking[0].id, "mains");
}

#[test]
fn mirrored_pools_have_critical_pairs() {
    let text = hostplan::examples::SEED.replace("layout = \"raidz2\"", "layout = \"mirror\"");
    let t = hostplan::source::parse("m.toml", text.as_bytes())
        .topology
        .unwrap();
    let r = hostplan::sim::spof::analyse(&t, true).unwrap();
    let pairs = r.pairs.unwrap();
    // A six-way mirror survives five losses: still no pair.
    assert!(pairs.is_empty());
    let text = hostplan::examples::SEED.replace(
        "layout = \"raidz2\"\ndisks = [\"tank-d1\", \"tank-d2\", \"tank-d3\", \"tank-d4\", \"tank-d5\", \"tank-d6\"]",
        "layout = \"mirror\"\ndisks = [\"tank-d1\", \"tank-d2\"]\n\n[[pools.vdevs]]\nlayout = \"mirror\"\ndisks = [\"tank-d3\", \"tank-d4\"]\n\n[[pools.vdevs]]\nlayout = \"mirror\"\ndisks = [\"tank-d5\", \"tank-d6\"]",
    );
    let t = hostplan::source::parse("m.toml", text.as_bytes())
        .topology
        .unwrap();
    let r = hostplan::sim::spof::analyse(&t, true).unwrap();
    let found = r.pairs.unwrap();
    let pairs: Vec<(String, String)> = found.iter().map(|p| (p.a.clone(), p.b.clone())).collect();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert!(pairs.contains(&("tank-d1".to_owned(), "tank-d2".to_owned())));
    // Each pair names what it takes down, causes first: the mirror, the pool, then the service
    // and the volumes on it.
    let d12 = found
        .iter()
        .find(|p| p.a == "tank-d1" && p.b == "tank-d2")
        .unwrap();
    assert_eq!(d12.components.len() as u32, d12.total);
    let pos = |id: &str| {
        d12.components
            .iter()
            .position(|c| c == id)
            .unwrap_or_else(|| panic!("{id} not in {:?}", d12.components))
    };
    assert!(
        pos("tank#data-0") < pos("tank")
            && pos("tank") < pos("iscsi-k8s")
            && pos("iscsi-k8s") < pos("talos#volumes")
    );
    assert!(
        !d12.components
            .iter()
            .any(|c| c == "tank-d1" || c == "truenas"),
        "{:?}",
        d12.components
    );
}

#[test]
fn cold_start_has_truenas_serving_before_the_volumes_attach_and_shows_the_wait() {
    let tl = simulate(&seed(), &Scenario::ColdStart, &Timing::default());
    let at = |subject: &str, kind: EventKind| {
        tl.events
            .iter()
            .find(|e| e.subject == subject && e.kind == kind)
            .unwrap()
            .at_ms
    };
    assert!(at("iscsi-k8s", EventKind::ServiceReady) <= at("talos", EventKind::VolumesReady));
    assert!(at("truenas", EventKind::GuestUp) < at("iscsi-k8s", EventKind::ServiceReady));
    let wait = tl.waits.iter().find(|w| w.who == "talos volumes").unwrap();
    assert_eq!(wait.waited_for, "iscsi-k8s");
    assert!(wait.until_ms > wait.from_ms);
    assert!(tl.failures.is_empty());
    assert_eq!(tl.all_ready_ms, Some(at("talos", EventKind::VolumesReady)));
}

#[test]
fn the_suggested_order_fixes_a_deliberately_wrong_one() {
    // Storage VM ordered after its consumers.
    let text = hostplan::examples::SEED
        .replace(
            "onboot = true         # no startup order",
            "startup = { order = 2 }\nonboot = true         # no startup order",
        )
        .replace(
            "boot_time_s = 60\nnics",
            "boot_time_s = 60\nstartup = { order = 1 }\nnics",
        );
    let t = hostplan::source::parse("wrong.toml", text.as_bytes())
        .topology
        .unwrap();
    assert_eq!(
        t.vms.iter().filter(|v| v.startup.order == Some(1)).count(),
        3
    );
    let timing = Timing::default();
    let before = simulate(&t, &Scenario::ColdStart, &timing);
    assert!(!before.waits.is_empty());
    let s = suggest(&t, &timing);
    let truenas = s.changes.iter().find(|c| c.vm == "truenas").unwrap();
    assert_eq!(truenas.order_after, Some(1));
    assert!(truenas.up_after.unwrap() > 60);
    let after = simulate(&s.topology, &Scenario::ColdStart, &timing);
    assert!(after.waits.is_empty(), "{:?}", after.waits);
    assert!(after.all_ready_ms.unwrap() < before.all_ready_ms.unwrap());
    assert_eq!(s.after_ms, after.all_ready_ms);
}

#[test]
fn a_guest_booting_from_a_later_share_fails_and_the_suggestion_fixes_it() {
    let text = std::fs::read(crate::fixture("cases/boot/boots-from-own-share.toml")).unwrap();
    let t = hostplan::source::parse("b.toml", &text).topology.unwrap();
    let timing = Timing::default();
    let tl = simulate(&t, &Scenario::ColdStart, &timing);
    assert_eq!(tl.failures.len(), 1);
    assert!(
        !tl.failures[0].deadlock,
        "the share does come up, just too late"
    );
    assert_eq!(tl.all_ready_ms, None);
    let s = suggest(&t, &timing);
    let fixed = simulate(&s.topology, &Scenario::ColdStart, &timing);
    assert!(fixed.failures.is_empty());
    assert!(fixed.all_ready_ms.is_some());
}

#[test]
fn rebooting_the_storage_host_is_flagged_for_consumers_elsewhere() {
    let mut t = seed();
    t.hosts.push(hostplan::model::Host {
        id: "srv02".into(),
        boot_time_s: 60,
        ..t.hosts[0].clone()
    });
    t.hosts[1].boot_disks.clear();
    t.hosts[1].bridges[0].ports.clear();
    for vm in t.vms.iter_mut().filter(|v| v.role == "talos") {
        vm.host = "srv02".into();
        vm.boot_storage = "srv02-local".into();
    }
    t.storages.push(hostplan::model::Storage {
        id: "srv02-local".into(),
        host: "srv02".into(),
        ..Default::default()
    });
    let tl = simulate(&t, &Scenario::Reboot("srv01".into()), &Timing::default());
    let h = tl
        .hazards
        .iter()
        .find(|h| h.service == "iscsi-k8s")
        .unwrap();
    assert_eq!(h.consumers, ["talos-cp1", "talos-w1", "talos-w2"]);
    // The cluster keeps running; its volumes wait from the moment TrueNAS stops.
    let w = tl.waits.iter().find(|w| w.who == "talos volumes").unwrap();
    let stopped = tl
        .events
        .iter()
        .find(|e| e.subject == "truenas" && e.kind == EventKind::Stopped)
        .unwrap()
        .at_ms;
    assert_eq!(w.from_ms, stopped);
    let ready = tl
        .events
        .iter()
        .find(|e| e.subject == "iscsi-k8s" && e.kind == EventKind::ServiceReady)
        .unwrap()
        .at_ms;
    assert!(w.until_ms >= ready);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// On random fleets the cold-start timeline respects every dependency: services answer
    /// only after their provider is up, volumes attach only after every service they need,
    /// and nobody's guest comes up before its host.
    #[test]
    fn timeline_respects_every_dependency(seed in any::<u64>(), hosts in 1u32..7, storage_every in 1u32..4) {
        use hostplan::sim::generate::{generate, FleetSpec};
        let t = generate(&FleetSpec { hosts, vms_per_host: 3, storage_every, hosts_per_feed: 4, cluster_hosts: 3, seed, ..FleetSpec::default() });
        let tl = simulate(&t, &Scenario::ColdStart, &Timing::default());
        let at = |s: &str, k: EventKind| tl.events.iter().find(|e| e.subject == s && e.kind == k).map(|e| e.at_ms);
        for s in &t.services {
            let provider = t.vms.iter().find(|v| v.id == s.provider).unwrap();
            prop_assert!(at(&s.id, EventKind::ServiceReady).unwrap() >= at(&provider.id, EventKind::GuestUp).unwrap());
        }
        for vm in &t.vms {
            prop_assert!(at(&vm.id, EventKind::GuestUp).unwrap() >= at(&vm.host, EventKind::HostUp).unwrap());
        }
        for c in &t.consumers {
            if let Some(ready) = at(&c.id, EventKind::VolumesReady) {
                for s in &c.services {
                    prop_assert!(ready >= at(s, EventKind::ServiceReady).unwrap());
                }
            }
        }
        prop_assert!(tl.all_ready_ms.is_some());
    }
}

#[test]
fn moving_the_hba_to_a_new_server_imports_the_pool() {
    use hostplan::sim::recover::{plan_move, MoveRequest};
    let req = MoveRequest {
        device: "hba0".into(),
        to: "nas02".into(),
        new_host_kind: hostplan::model::HostKind::BareMetal,
        address: Some("0000:04:00.0".into()),
    };
    let plan = plan_move(&seed(), &req).unwrap();
    assert!(plan.created_host);
    assert_eq!(plan.moved_disks.len(), 6);
    assert_eq!(plan.pools.len(), 1);
    assert!(plan.pools[0].importable);
    assert_eq!(plan.pools[0].new_owner, "nas02");
    for id in ["truenas", "iscsi-k8s", "talos#volumes"] {
        assert!(
            plan.down_during_move.iter().any(|x| x == id),
            "{id} should be down during the move"
        );
    }
    assert!(
        !plan.down_during_move.iter().any(|x| x == "talos"),
        "the cluster itself keeps running"
    );
    assert!(plan
        .changes
        .iter()
        .any(|c| c.contains("mapping `HBA`: remove the entry for node `srv01`")));
    assert!(plan.caveats.iter().any(|c| c.contains("DR-01")));
    // The resulting topology is valid (one warning: the new box needs a storage NIC).
    let report = hostplan::validate::validate(&plan.topology);
    assert!(
        report
            .iter()
            .all(|d| d.severity != hostplan::diag::Severity::Error),
        "{report:#?}"
    );
    assert!(plan
        .topology
        .devices
        .iter()
        .any(|d| d.id == "hba0" && d.host == "nas02" && d.address == "0000:04:00.0"));
    assert!(plan
        .topology
        .services
        .iter()
        .any(|s| s.id == "iscsi-k8s" && s.provider == "nas02"));
}

#[test]
fn moving_the_hba_to_another_proxmox_node_moves_truenas_and_extends_the_mapping() {
    use hostplan::sim::recover::{plan_move, MoveRequest};
    let req = MoveRequest {
        device: "hba0".into(),
        to: "srv02".into(),
        new_host_kind: hostplan::model::HostKind::Proxmox,
        address: None,
    };
    let plan = plan_move(&seed(), &req).unwrap();
    assert_eq!(plan.moved_vms, ["truenas"]);
    let m = plan
        .topology
        .mappings
        .iter()
        .find(|m| m.id == "HBA")
        .unwrap();
    assert_eq!(
        m.map.iter().map(|e| e.node.as_str()).collect::<Vec<_>>(),
        ["srv02"]
    );
    assert!(plan
        .changes
        .iter()
        .any(|c| c.contains("nic1, nic2") && c.contains("stay on `srv01`")));
    assert!(plan.changes.iter().any(|c| c.contains("keeps PCI address")));
}

#[test]
fn a_pool_split_across_controllers_cannot_be_imported() {
    use hostplan::sim::recover::{plan_move, MoveRequest};
    let text = hostplan::examples::SEED
        .replacen(
            "id = \"tank-d1\"\nhost = \"srv01\"\ncontroller = \"hba0\"",
            "id = \"tank-d1\"\nhost = \"srv01\"\ncontroller = \"onboard\"",
            1,
        )
        .replacen(
            "id = \"tank-d2\"\nhost = \"srv01\"\ncontroller = \"hba0\"",
            "id = \"tank-d2\"\nhost = \"srv01\"\ncontroller = \"onboard\"",
            1,
        )
        .replacen(
            "id = \"tank-d3\"\nhost = \"srv01\"\ncontroller = \"hba0\"",
            "id = \"tank-d3\"\nhost = \"srv01\"\ncontroller = \"onboard\"",
            1,
        );
    let t = hostplan::source::parse("split.toml", text.as_bytes())
        .topology
        .unwrap();
    let req = MoveRequest {
        device: "hba0".into(),
        to: "nas02".into(),
        new_host_kind: hostplan::model::HostKind::BareMetal,
        address: None,
    };
    let plan = plan_move(&t, &req).unwrap();
    let pool = &plan.pools[0];
    assert!(!pool.importable);
    assert_eq!((pool.vdevs[0].present, pool.vdevs[0].needed), (3, 4));
    assert_eq!(pool.vdevs[0].missing, ["tank-d1", "tank-d2", "tank-d3"]);
    assert!(plan
        .caveats
        .iter()
        .any(|c| c.contains("cannot be imported") && c.contains("DR-02")));
}

#[test]
fn the_roadmap_removes_srv01_as_a_point_of_failure_for_storage() {
    let cmp =
        hostplan::sim::compare::compare(&seed(), &hostplan::examples::roadmap().unwrap()).unwrap();
    let iscsi = cmp
        .services
        .iter()
        .find(|s| s.service == "iscsi-k8s")
        .unwrap();
    assert!(iscsi.spof_a.as_ref().unwrap().contains(&"srv01".to_owned()));
    assert!(!iscsi.spof_b.as_ref().unwrap().contains(&"srv01".to_owned()));
    assert_eq!(iscsi.reboot_a.as_deref(), Some(&["srv01".to_owned()][..]));
    assert_eq!(iscsi.reboot_b.as_deref(), Some(&["nas01".to_owned()][..]));
}

#[test]
fn exact_availability_agrees_with_monte_carlo_on_the_seed() {
    use hostplan::sim::availability::{analyse, Choice, Method, Options};
    let t = seed();
    let exact = analyse(&t, &Options::default()).unwrap();
    let mc = analyse(
        &t,
        &Options {
            choice: Choice::MonteCarlo,
            samples: 200_000,
            seed: 7,
        },
    )
    .unwrap();
    for (e, m) in exact.iter().zip(&mc) {
        assert_eq!(e.method, Method::Exact);
        let (lo, hi) = m.ci95.unwrap();
        // The exact value lies within the Monte Carlo interval (widened a little: 95 % is not 100 %).
        let slack = (hi - lo) / 2.0;
        assert!(
            e.availability >= lo - slack && e.availability <= hi + slack,
            "{}: exact {} vs MC [{lo}, {hi}]",
            e.service,
            e.availability
        );
    }
    // Deterministic: same seed, same numbers.
    assert_eq!(
        mc,
        analyse(
            &t,
            &Options {
                choice: Choice::MonteCarlo,
                samples: 200_000,
                seed: 7
            }
        )
        .unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Exact factoring equals brute-force enumeration of every combination of component
    /// failures, on small random fleets with shared hosts, HBAs and power feeds.
    #[test]
    fn exact_availability_equals_enumeration(seed in any::<u64>(), storage_every in 1u32..3) {
        use hostplan::graph::DependencyGraph;
        use hostplan::sim::availability::{analyse, unavailability, Options};
        use hostplan::sim::generate::{generate, FleetSpec};
        let mut t = generate(&FleetSpec { hosts: 2, vms_per_host: 2, storage_every, hosts_per_feed: 2, cluster_hosts: 2, seed, ..FleetSpec::default() });
        // Keep the cone small enough to enumerate: mirrors of two disks.
        for p in &mut t.pools {
            p.vdevs.truncate(1);
            p.vdevs[0].layout = hostplan::model::VdevLayout::Mirror;
            p.vdevs[0].disks.truncate(2);
        }
        // And leave out the switches, cables and the cluster (the killer-set property tests
        // cover them): with them a storage service's cone has too many parts to enumerate.
        // PSUs and UPS units stay.
        t.switches.clear();
        t.links.clear();
        t.cluster = None;
        for h in &mut t.hosts {
            h.bonds.clear();
            for b in &mut h.bridges {
                b.ports = vec![format!("{}-nic0", h.id)];
            }
        }
        let used: std::collections::BTreeSet<String> = t.pools.iter().flat_map(|p| p.vdevs[0].disks.clone()).collect();
        t.disks.retain(|d| d.controller == "onboard" || used.contains(&d.id));
        let dag = DependencyGraph::build(&t).dag().unwrap();
        let u = unavailability(&t, &dag);
        let exact = analyse(&t, &Options::default()).unwrap();
        for row in exact {
            let v = dag.find(&row.service).unwrap();
            // Components in v's cone that can fail.
            let mut cone = std::collections::BTreeSet::new();
            let mut stack = vec![v];
            while let Some(x) = stack.pop() {
                if cone.insert(x) {
                    stack.extend(dag.requirements(x).iter().filter(|r| r.1).map(|r| r.0));
                }
            }
            let failable: Vec<u32> = cone.into_iter().filter(|&c| u[c as usize] > 0.0).collect();
            prop_assume!(failable.len() <= 16);
            let mut total = 0.0;
            for bits in 0u32..(1 << failable.len()) {
                let mut mask = vec![false; dag.len()];
                let mut p = 1.0;
                for (i, &c) in failable.iter().enumerate() {
                    let down = bits & (1 << i) != 0;
                    mask[c as usize] = down;
                    p *= if down { u[c as usize] } else { 1.0 - u[c as usize] };
                }
                if dag.evaluate(&mask)[v as usize] != State::Down {
                    total += p;
                }
            }
            prop_assert!((total - row.availability).abs() < 1e-12, "{}: enumeration {total} vs exact {}", row.service, row.availability);
        }
    }
}

#[test]
fn a_rebooting_host_is_down_now_and_back_after_its_timeline() {
    let r = failure::simulate_with_reboots(&seed(), &[], &["srv01".into()]).unwrap();
    assert_eq!(r.state_of("iscsi-k8s"), State::Down);
    let back = r.transient[0].back_after_ms.unwrap();
    let tl = simulate(
        &seed(),
        &Scenario::Reboot("srv01".into()),
        &Timing::default(),
    );
    assert_eq!(Some(back), tl.all_ready_ms);
    let err = failure::simulate_with_reboots(&seed(), &[], &["hba0".into()]).unwrap_err();
    assert_eq!(err.to_string(), "`hba0` is not a host; only hosts reboot");
}

#[test]
fn a_reboot_says_when_each_service_goes_out_and_is_back() {
    use hostplan::graph::NodeKind;
    let r = failure::simulate_with_reboots(&seed(), &[], &["srv01".into()]).unwrap();
    let out = &r.transient[0].outages;
    let get = |id: &str| out.iter().find(|o| o.id == id).unwrap();
    // truenas stops at 60 s (stopall: w2, w1, cp1, then truenas, 20 s each) and serves again
    // 30 s after it is up at 308 s; the volumes wait for it through kubelet's back-off.
    let iscsi = get("iscsi-k8s");
    assert_eq!((iscsi.down_ms, iscsi.up_ms), (80_000, Some(338_000)));
    assert_eq!(iscsi.outage_ms, Some(258_000));
    assert_eq!(iscsi.text(), "down 80.0 s → back 338.0 s: 4.3 min out");
    // One control-plane member: quorum goes with its stop at 40 s, back when it is up.
    let cp = get("talos");
    assert_eq!(
        (cp.kind, cp.down_ms, cp.up_ms),
        (NodeKind::ControlPlane, 40_000, Some(235_000))
    );
    let vols = get("talos#volumes");
    assert_eq!(
        (vols.down_ms, vols.up_ms),
        (40_000, r.transient[0].back_after_ms)
    );
    // Services come first, then the guests, each by when it went out.
    let kinds: Vec<bool> = out.iter().map(|o| o.kind == NodeKind::Vm).collect();
    assert!(kinds.windows(2).all(|w| w[0] <= w[1]), "{kinds:?}");
    assert_eq!(out.iter().filter(|o| o.kind == NodeKind::Vm).count(), 4);
    assert!(out.iter().all(|o| o.up_ms.is_some_and(|u| u > o.down_ms)));
}

#[test]
fn a_reboot_outage_that_never_ends_says_so_and_ha_guests_count_as_running() {
    let t = hostplan::examples::cluster().unwrap();
    let r = failure::simulate_with_reboots(&t, &[], &["pve1".into()]).unwrap();
    let out = &r.transient[0].outages;
    // talos-cp1 is an HA guest without `onboot`: HA runs it (requested state `started`), it
    // stops with pve1, and HA starts it again 10 s after pve1 is up — before nfs-vm, which
    // its boot disk is on, answers: the start fails and it is not back.
    let cp1 = out.iter().find(|o| o.id == "talos-cp1").unwrap();
    assert_eq!(cp1.up_ms, None);
    assert!(cp1.text().ends_with("not back"), "{}", cp1.text());
    assert_eq!(r.transient[0].back_after_ms, None);
    // The volumes come back once iSCSI answers again (kubelet's back-off after it).
    let vols = out.iter().find(|o| o.id == "talos#volumes").unwrap();
    assert_eq!((vols.down_ms, vols.up_ms), (20_000, Some(371_500)));
    // talos-cp2 and talos-cp3 keep running: the control plane keeps its quorum (2 of 3).
    assert!(out.iter().all(|o| o.id != "talos"), "{out:?}");
}

#[test]
fn rebooting_an_unknown_host_is_an_error_naming_it() {
    use hostplan::sim::boot::{reboot_hazards, try_simulate};
    use hostplan::sim::SimError;
    let t = seed();
    let err = try_simulate(&t, &Scenario::Reboot("srv1".into()), &Timing::default()).unwrap_err();
    assert_eq!(
        err,
        SimError::UnknownId {
            id: "srv1".into(),
            suggestion: Some("srv01".into())
        }
    );
    let err =
        try_simulate(&t, &Scenario::Reboot("truenas".into()), &Timing::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`truenas` is not a host; only hosts reboot"
    );
    assert!(matches!(
        reboot_hazards(&t, "nowhere"),
        Err(SimError::UnknownId { ref id, .. }) if id == "nowhere"
    ));
    // The infallible form no longer invents a reboot: the host never comes back.
    let tl = simulate(&t, &Scenario::Reboot("srv1".into()), &Timing::default());
    assert_eq!(tl.all_ready_ms, None);
    assert_eq!(tl.never_ready, ["srv1"]);
    assert!(tl.events.is_empty());
    // A real host is unaffected by the check.
    assert_eq!(
        try_simulate(&t, &Scenario::Reboot("srv01".into()), &Timing::default()).unwrap(),
        simulate(&t, &Scenario::Reboot("srv01".into()), &Timing::default())
    );
}

#[test]
fn comparison_carries_yearly_downtime_for_both_sides() {
    let cmp =
        hostplan::sim::compare::compare(&seed(), &hostplan::examples::roadmap().unwrap()).unwrap();
    let iscsi = cmp
        .services
        .iter()
        .find(|s| s.service == "iscsi-k8s")
        .unwrap();
    // Storage on its own chassis no longer shares the hypervisor's failures.
    assert!(iscsi.downtime_b.unwrap() < iscsi.downtime_a.unwrap());
}

/// The seed with a second passed-through storage NIC on TrueNAS.
fn seed_second_storage_nic() -> hostplan::model::Topology {
    let text = include_str!("cases/compare/seed-second-storage-nic.toml");
    hostplan::check("seed-second-storage-nic.toml", text.as_bytes())
        .topology
        .unwrap()
}

#[test]
fn a_second_passed_through_nic_is_one_more_spof_and_worse_availability() {
    use hostplan::sim::delta::{delta, Change};
    let d = delta(&seed(), &seed_second_storage_nic(), true).unwrap();
    let added: Vec<&str> = d
        .spofs
        .iter()
        .filter(|s| s.change == Change::Added)
        .map(|s| s.component.as_str())
        .collect();
    assert_eq!(added, ["nic3"], "{:?}", d.spofs);
    assert!(d.spofs.iter().all(|s| s.change == Change::Added));
    let iscsi = d
        .availability
        .iter()
        .find(|a| a.service == "iscsi-k8s")
        .unwrap();
    assert_eq!(iscsi.before_min.map(f64::round), Some(405.0));
    assert_eq!(iscsi.after_min.map(f64::round), Some(447.0));
    assert_eq!(
        (iscsi.spofs_before, iscsi.spofs_after),
        (Some(12), Some(13))
    );
    // The talos control plane does not use the storage: unchanged.
    let talos = d
        .availability
        .iter()
        .find(|a| a.service == "talos")
        .unwrap();
    assert_eq!(talos.delta_min(), Some(0.0));
    assert_eq!(d.cold_start_before_ms, d.cold_start_after_ms);
    let changed: Vec<(Change, &str)> = d
        .components
        .iter()
        .map(|c| (c.change, c.id.as_str()))
        .collect();
    assert_eq!(
        changed,
        [
            (Change::Added, "nic3"),
            (Change::Added, "NIC3"),
            (Change::Modified, "truenas")
        ]
    );
    assert!(d.marked().contains("nic3") && d.marked().contains("truenas"));
    assert!(!d.is_empty());
    // One more device in series: no new N-2 pair only the pair takes down.
    assert_eq!(d.pairs.as_deref(), Some(&[][..]));
}

#[test]
fn a_topology_compared_with_itself_has_an_empty_delta() {
    let d = hostplan::sim::delta::delta(&seed(), &seed(), true).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert!(d.marked().is_empty());
}

#[test]
fn the_findings_delta_keys_open_findings_by_rule_and_resource() {
    use hostplan::policy::{Limits, RuleBook};
    use hostplan::sim::delta::{diff_findings, Change};
    let before = seed();
    let mut after = seed();
    after.vms[0].balloon_mib = Some(16384);
    let eval = |t: &hostplan::model::Topology| {
        RuleBook::builtin()
            .evaluate(
                &hostplan::policy::facts::facts(t),
                &t.waivers,
                "2026-11-26",
                Limits::default(),
            )
            .unwrap()
            .findings
    };
    let (a, b) = (eval(&before), eval(&after));
    let d = diff_findings(&a, &b);
    assert!(
        d.iter()
            .any(|f| f.change == Change::Added && f.rule == "PT-10" && f.resource == "truenas"),
        "{d:?}"
    );
    assert!(d.iter().all(|f| f.change == Change::Added), "{d:?}");
    // Reversed, the same findings are removed.
    let r = diff_findings(&b, &a);
    assert_eq!(r.len(), d.len());
    assert!(r.iter().all(|f| f.change == Change::Removed));
}

/// The "how to survive this" line of `service` when `failed` fail on `t`.
fn survival_hint(t: &hostplan::model::Topology, failed: &[&str], service: &str) -> String {
    let failed: Vec<String> = failed.iter().map(|&s| s.to_owned()).collect();
    let r = failure::simulate(t, &failed).unwrap();
    hostplan::sim::advice::survival(t, &r)
        .into_iter()
        .find(|s| s.service == service)
        .unwrap_or_else(|| panic!("no hint for {service}"))
        .hint
}

#[test]
fn survival_hints_name_the_host_the_devices_and_the_fix() {
    let mut t = seed();
    // A second Proxmox host: the control-plane hint names it.
    let mut srv02 = t.hosts[0].clone();
    srv02.id = "srv02".into();
    srv02.bridges.clear();
    srv02.management = None;
    t.hosts.push(srv02);
    assert_eq!(
        survival_hint(&t, &["srv01"], "talos"),
        "talos control plane only on srv01: add members on srv02"
    );
    assert!(survival_hint(&t, &["srv01"], "iscsi-k8s").starts_with(
        "iscsi-k8s is served only from srv01 (by truenas): replicate pool tank to srv02"
    ));
    // Two passed-through NICs are two single points of failure.
    let nic = survival_hint(&seed(), &["nic2"], "iscsi-k8s");
    assert!(
        nic.starts_with("truenas passes through 2 NICs (nic1, nic2)")
            && nic.contains("bond them on a host bridge or pass one"),
        "{nic}"
    );
    let nic3 = survival_hint(&seed_second_storage_nic(), &["nic3"], "iscsi-k8s");
    assert!(nic3.contains("3 NICs (nic1, nic2, nic3)"), "{nic3}");
    // The volumes say what keeps their one service up.
    let vols = survival_hint(&seed(), &["hba0"], "talos#volumes");
    assert!(
        vols.starts_with("talos volumes need iscsi-k8s alone — hba0 is passed through to truenas")
            && vols.ends_with("a second storage service on another host"),
        "{vols}"
    );
    // Without another host, the hint says to add one rather than inventing a name.
    assert_eq!(
        survival_hint(&seed(), &["srv01"], "talos"),
        "talos control plane only on srv01: add members on a second host"
    );
    assert!(survival_hint(&seed(), &["mains"], "iscsi-k8s").contains("add a UPS or a second feed"));
}

#[test]
fn failure_results_group_services_then_vms_then_hardware() {
    let r = failure::simulate(&seed(), &["srv01".into()]).unwrap();
    let g = hostplan::sim::advice::grouped(&r);
    let ids = |v: &[&failure::Affected]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert!(ids(&g.services).contains(&"iscsi-k8s".to_owned()));
    assert!(g.services.iter().all(|a| a.kind.is_service()));
    assert!(ids(&g.vms).contains(&"truenas".to_owned()));
    assert!(ids(&g.hardware).contains(&"srv01".to_owned()));
    assert_eq!(
        g.services.len() + g.vms.len() + g.hardware.len(),
        r.affected.len()
    );
}
