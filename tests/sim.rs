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
    let pairs: Vec<(String, String)> = r.pairs.unwrap().into_iter().map(|p| (p.a, p.b)).collect();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert!(pairs.contains(&("tank-d1".to_owned(), "tank-d2".to_owned())));
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
        let t = generate(&FleetSpec { hosts, vms_per_host: 3, storage_every, hosts_per_feed: 4, cluster_hosts: 3, seed });
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
