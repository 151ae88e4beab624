//! Property tests for invariants that must hold for any input.

use hostplan::graph::{DependencyGraph, State};
use proptest::prelude::*;
use std::collections::BTreeSet;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

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
