//! Property tests for invariants that must hold for any input.

use hostplan::graph::{DependencyGraph, State};
use hostplan::sim::generate::Shape;
use proptest::prelude::*;
use std::collections::BTreeSet;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The digest's canonical text, written straight from the tree, is the text of the
    /// canonical tree for any JSON (floats whole and not, escapes, nesting).
    #[test]
    fn canonical_text_is_the_canonical_tree_printed(v in json_value()) {
        use hostplan::export::spec::{canonical, canonical_text};
        prop_assert_eq!(canonical_text(&v), canonical(&v).to_string());
    }

    /// No byte string makes the loader or the validator panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = hostplan::check("fuzz.toml", &bytes);
        let _ = hostplan::check("fuzz.json", &bytes);
    }

    /// Corrupting one byte of the seed never panics, and an unusable result always explains itself.
    #[test]
    fn mutated_seed_never_panics(pos in 0usize..hostplan::examples::SEED.len(), byte in any::<u8>()) {
        let mut bytes = hostplan::examples::SEED.as_bytes().to_vec();
        bytes[pos] = byte;
        let report = hostplan::check("seed.toml", &bytes);
        prop_assert!(!report.is_unusable() || !report.diagnostics.is_empty());
    }

    /// More failures never bring a component back (monotonicity), and no failures = all up.
    #[test]
    fn failures_are_monotone(picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6)) {
        let t = hostplan::examples::seed().unwrap();
        let g = DependencyGraph::build(&t);
        let ids: Vec<_> = g.nodes().map(|(n, _)| n).collect();
        let baseline = g.evaluate(&BTreeSet::new());
        prop_assert!(baseline.values().all(|s| *s == State::Up));
        let mut failed = BTreeSet::new();
        let mut prev = baseline;
        for p in picks {
            failed.insert(*p.get(&ids));
            let next = g.evaluate(&failed);
            for (id, s) in &next {
                prop_assert!(*s >= prev[id], "{id} went from {:?} to {:?}", prev[id], s);
            }
            prev = next;
        }
    }
}

/// TOML → model → JSON → model is the identity, for both built-in examples.
#[test]
fn json_and_toml_describe_the_same_model() {
    for (name, text) in hostplan::examples::ALL {
        let t = hostplan::source::parse(name, text.as_bytes())
            .topology
            .unwrap();
        let json = serde_json::to_string_pretty(&t).unwrap();
        let back = hostplan::check("x.json", json.as_bytes());
        assert!(
            back.diagnostics.is_empty(),
            "{name}: {:#?}",
            back.diagnostics
        );
        assert_eq!(back.topology.unwrap(), t, "{name}");
        let toml_text = toml::to_string(&t).unwrap();
        let again = hostplan::source::parse("x.toml", toml_text.as_bytes())
            .topology
            .unwrap();
        assert_eq!(again, t, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The killer-set N-1 equals one full evaluation per component, on random fleets (random
    /// pool layouts, shared controllers and power feeds, quorum gates).
    #[test]
    #[allow(clippy::too_many_arguments)]
    fn fast_n1_equals_naive_n1(
        hosts in 1u32..9,
        vms in 1u32..5,
        storage_every in 1u32..4,
        hosts_per_feed in 1u32..5,
        cluster_hosts in 0u32..4,
        seed in any::<u64>(),
        shape in proptest::sample::select(vec![Shape::Fleet, Shape::Chain, Shape::FanIn]),
    ) {
        use hostplan::sim::generate::{generate, FleetSpec};
        use hostplan::sim::spof::{single_failures_fast, single_failures_naive};
        let t = generate(&FleetSpec { hosts, vms_per_host: vms, storage_every, hosts_per_feed, cluster_hosts, seed, shape });
        let dag = DependencyGraph::build(&t).dag().unwrap();
        prop_assert_eq!(single_failures_fast(&dag), single_failures_naive(&dag));
    }

    /// The capped N-1 report (bit-parallel propagation, 64 components a pass) is the full one
    /// with each list cut at the cap and the rest counted: same ranking, counts and first ids.
    #[test]
    #[allow(clippy::too_many_arguments)]
    fn capped_n1_report_equals_the_full_one_cut(
        hosts in 1u32..9,
        vms in 1u32..5,
        storage_every in 1u32..4,
        cluster_hosts in 0u32..4,
        seed in any::<u64>(),
        shape in proptest::sample::select(vec![Shape::Fleet, Shape::Chain, Shape::FanIn]),
        cap in 1usize..12,
    ) {
        use hostplan::sim::generate::{generate, FleetSpec};
        use hostplan::sim::spof::{analyse, analyse_capped};
        let t = generate(&FleetSpec { hosts, vms_per_host: vms, storage_every, hosts_per_feed: 2, cluster_hosts, seed, shape });
        let full = analyse(&t, false).unwrap();
        // A budget of no entries forces the capped method; a large one gives the full report.
        prop_assert_eq!(&analyse_capped(&t, false, usize::MAX, cap).unwrap(), &full);
        let capped = analyse_capped(&t, false, 0, cap).unwrap();
        prop_assert_eq!(capped.lists_capped_at, Some(cap as u32));
        prop_assert_eq!(capped.candidates, full.candidates);
        let cut = |list: &[String]| (list[..list.len().min(cap)].to_vec(), list.len().saturating_sub(cap) as u32);
        prop_assert_eq!(capped.ranking.len(), full.ranking.len());
        for (c, f) in capped.ranking.iter().zip(&full.ranking) {
            prop_assert_eq!(&c.id, &f.id);
            prop_assert_eq!(c.total, f.total, "{}", f.id);
            prop_assert_eq!((c.services.clone(), c.services_omitted), cut(&f.services), "{}", f.id);
            prop_assert_eq!((c.vms.clone(), c.vms_omitted), cut(&f.vms), "{}", f.id);
        }
        prop_assert_eq!(capped.services.len(), full.services.len());
        for (c, f) in capped.services.iter().zip(&full.services) {
            prop_assert_eq!(&c.service, &f.service);
            prop_assert_eq!((c.components.clone(), c.components_omitted), cut(&f.components), "{}", f.service);
        }
    }

    /// Incremental propagation from a failure set agrees with a full evaluation.
    #[test]
    fn propagation_equals_full_evaluation(picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..5), seed in any::<u64>()) {
        use hostplan::sim::generate::{generate, FleetSpec};
        let t = generate(&FleetSpec { hosts: 6, vms_per_host: 3, storage_every: 2, hosts_per_feed: 3, cluster_hosts: 3, seed, ..FleetSpec::default() });
        let dag = DependencyGraph::build(&t).dag().unwrap();
        let failed: Vec<u32> = picks.iter().map(|p| p.index(dag.len()) as u32).collect();
        let mut mask = vec![false; dag.len()];
        for &f in &failed { mask[f as usize] = true; }
        let full = dag.evaluate(&mask);
        let inc = dag.propagate(&failed);
        for (i, s) in full.iter().enumerate() {
            prop_assert_eq!(*s, inc.get(&(i as u32)).copied().unwrap_or(State::Up), "node {}", dag.node(i as u32).id);
        }
    }

    /// Every critical pair really downs something neither member downs alone, and no pair the
    /// pruning skipped does (checked exhaustively on small fleets).
    #[test]
    fn pruned_n2_is_exact(seed in any::<u64>()) {
        use hostplan::sim::generate::{generate, FleetSpec};
        use hostplan::sim::spof::{critical_pairs, killer_sets};
        let t = generate(&FleetSpec { hosts: 3, vms_per_host: 2, storage_every: 1, hosts_per_feed: 2, cluster_hosts: 3, seed, ..FleetSpec::default() });
        let dag = DependencyGraph::build(&t).dag().unwrap();
        let k = killer_sets(&dag);
        let (pairs, _) = critical_pairs(&dag, &k);
        let entities: Vec<u32> = (0..dag.len() as u32).filter(|&i| dag.is_entity(i)).collect();
        let down = |failed: &[u32]| -> BTreeSet<u32> {
            let mut mask = vec![false; dag.len()];
            for &f in failed { mask[f as usize] = true; }
            dag.evaluate(&mask).iter().enumerate().filter(|(_, s)| **s == State::Down).map(|(i, _)| i as u32).collect()
        };
        for (i, &a) in entities.iter().enumerate() {
            let da = down(&[a]);
            for &b in &entities[i + 1..] {
                let db = down(&[b]);
                let new: Vec<u32> = down(&[a, b]).into_iter().filter(|v| !da.contains(v) && !db.contains(v)).collect();
                let expected = if new.is_empty() { None } else { Some(&new) };
                prop_assert_eq!(pairs.get(&(a, b)), expected, "pair {} + {}", dag.node(a).id, dag.node(b).id);
            }
        }
    }
}

/// Arbitrary JSON values: every kind of number (whole floats among them), strings with
/// characters that need escaping, nested arrays and objects.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1.0e17f64..1.0e17).prop_map(Value::from),
        (-1000i32..1000).prop_map(|i| Value::from(f64::from(i))),
        "[\\PC\"\\\\\n\t\u{7f}\u{2028}]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z\"\\\\é]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
