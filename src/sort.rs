//! Stable sorting with one copy of the sorting code in the web page's wasm.
//!
//! The standard library's stable sort (driftsort) is generic over the element type *and* the
//! comparator: every `sort`, `sort_by` or `sort_by_key` on a new type or with a new closure is
//! a fresh ~4 KiB instantiation. The page's wasm carried 60 of them (~250 KiB of raw code,
//! BENCHMARKS.md "Generic code on the page"). On `wasm32` the functions here sort a
//! permutation of indices with one non-generic merge sort that calls the comparator through
//! `&mut dyn FnMut`, then move the elements into that order: per element type only the small
//! permutation step is instantiated. Natively (the CLI, at 10,000 hosts) they are the standard
//! library's sort, which is faster. Both give the same order: both are stable (equal elements
//! keep their order), and the compact sort is tested against `slice::sort_by` on duplicate
//! keys ([`compact_sort_by`] is public so the native tests can run it).
//!
//! Collecting into a `BTreeMap` or `BTreeSet` sorts too (the standard library collects into a
//! `Vec`, sorts it stably, then builds the tree): [`btree_map`] and [`btree_set`] insert one by
//! one on `wasm32` instead, which reuses the map's `insert` the page already has.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `v.sort_by(compare)`: stable, in `compare`'s order.
#[inline]
pub fn sort_by<T>(v: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    {
        let mut compare = compare;
        compact_sort_by(v, &mut compare);
    }
    #[cfg(not(target_arch = "wasm32"))]
    v.sort_by(compare);
}

/// `v.sort_by_key(key)`: stable, by the key's order.
#[inline]
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `v.sort()`: stable, in `T`'s order.
#[inline]
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// `iter.collect::<BTreeMap<_, _>>()`. For a repeated key the last value wins, as with
/// `collect`.
#[inline]
pub fn btree_map<K: Ord, V>(iter: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    #[cfg(target_arch = "wasm32")]
    {
        map_by_insert(iter)
    }
    #[cfg(not(target_arch = "wasm32"))]
    iter.into_iter().collect()
}

/// [`btree_map`] on `wasm32`: one `insert` per entry, no sort.
pub fn map_by_insert<K: Ord, V>(iter: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut out = BTreeMap::new();
    out.extend(iter);
    out
}

/// `iter.collect::<BTreeSet<_>>()`.
#[inline]
pub fn btree_set<T: Ord>(iter: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    #[cfg(target_arch = "wasm32")]
    {
        set_by_insert(iter)
    }
    #[cfg(not(target_arch = "wasm32"))]
    iter.into_iter().collect()
}

/// [`btree_set`] on `wasm32`: one `insert` per element, no sort.
pub fn set_by_insert<T: Ord>(iter: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut out = BTreeSet::new();
    out.extend(iter);
    out
}

/// The compact stable sort [`sort_by`] runs on `wasm32`, usable (and tested) natively: a merge
/// sort of the indices `0..v.len()`, then the elements moved into that order.
pub fn compact_sort_by<T>(v: &mut [T], compare: &mut dyn FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = {
        let items: &[T] = v;
        sorted_indices(items.len(), &mut |i, j| compare(&items[i], &items[j]))
    };
    permute(v, order);
}

/// Runs already in order are merged once they reach this length; below it, insertion sort.
const RUN: usize = 16;

/// The indices `0..n` in stable order of `compare` (which compares the elements at two
/// indices). Not generic: this is the one copy of the sorting loop.
fn sorted_indices(n: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    // Insertion sort each run: an element moves left past strictly greater ones only, so
    // equal elements keep their order.
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let item = order[i];
            let mut j = i;
            while j > start && compare(order[j - 1], item) == Ordering::Greater {
                order[j] = order[j - 1];
                j -= 1;
            }
            order[j] = item;
        }
    }
    // Bottom-up merges between `order` and a buffer; the left run wins ties (stability).
    let mut buffer = vec![0; n];
    let mut width = RUN;
    while width < n {
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (left, right) = (&order[start..mid], &order[mid..end]);
            let out = &mut buffer[start..end];
            // Already in order (a sorted or nearly sorted input): copy.
            if right.is_empty() || compare(left[left.len() - 1], right[0]) != Ordering::Greater {
                out[..left.len()].copy_from_slice(left);
                out[left.len()..].copy_from_slice(right);
                continue;
            }
            let (mut i, mut j) = (0, 0);
            for slot in out.iter_mut() {
                let take_right = i == left.len()
                    || (j < right.len() && compare(left[i], right[j]) == Ordering::Greater);
                if take_right {
                    *slot = right[j];
                    j += 1;
                } else {
                    *slot = left[i];
                    i += 1;
                }
            }
        }
        std::mem::swap(&mut order, &mut buffer);
        width *= 2;
    }
    order
}

/// Moves `v`'s elements so that `v[k]` becomes the old `v[order[k]]`. The swaps are worked out
/// without `T` (one copy); only applying them is generic.
fn permute<T>(v: &mut [T], order: Vec<usize>) {
    for (a, b) in cycle_swaps(order) {
        v.swap(a, b);
    }
}

/// The swaps that apply a permutation, cycle by cycle: along a cycle `j → order[j]`, swapping
/// `j` with `order[j]` puts the right element at `j` and carries the cycle's first element on,
/// to the last position, which wants it.
fn cycle_swaps(mut order: Vec<usize>) -> Vec<(usize, usize)> {
    const DONE: usize = usize::MAX;
    let mut swaps = Vec::new();
    for start in 0..order.len() {
        let mut j = start;
        loop {
            let k = order[j];
            order[j] = DONE;
            if k == DONE || k == start {
                break;
            }
            swaps.push((j, k));
            j = k;
        }
    }
    swaps
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Against the standard library's stable sort: the same elements in the same order, with
    /// many equal keys (each element carries its original index, so an unstable result shows).
    fn same_as_std(keys: &[u8]) {
        let items: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
        let mut want = items.clone();
        want.sort_by_key(|a| a.0);
        let mut got = items;
        compact_sort_by(&mut got, &mut |a, b| a.0.cmp(&b.0));
        assert_eq!(got, want);
    }

    #[test]
    fn edge_cases() {
        same_as_std(&[]);
        same_as_std(&[1]);
        same_as_std(&[2, 1]);
        same_as_std(&[1, 1, 1, 1]);
        let up: Vec<u8> = (0..=255).collect();
        same_as_std(&up);
        let down: Vec<u8> = (0..=255).rev().collect();
        same_as_std(&down);
        // Lengths around the run and merge boundaries.
        for n in [15, 16, 17, 31, 32, 33, 63, 64, 65, 1000] {
            let keys: Vec<u8> = (0..n).map(|i: usize| ((i * 7919) % 5) as u8).collect();
            same_as_std(&keys);
        }
    }

    #[test]
    fn moves_owned_elements() {
        // Heap-owning elements are moved, not copied: each string ends where std puts it.
        let mut v: Vec<String> = ["d", "b", "a", "c", "b"].map(String::from).to_vec();
        compact_sort_by(&mut v, &mut |a, b| a.cmp(b));
        assert_eq!(v, ["a", "b", "b", "c", "d"]);
    }

    #[test]
    fn public_functions_sort_like_std() {
        let mut v = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        let mut want = v.clone();
        want.sort_by_key(|x| x.0);
        sort_by_key(&mut v, |x| x.0);
        assert_eq!(v, want);
        sort(&mut v);
        assert_eq!(v, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
    }

    #[test]
    fn insert_builds_what_collect_builds() {
        // Repeated keys: the last value wins either way.
        let pairs = [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)];
        assert_eq!(map_by_insert(pairs), pairs.into_iter().collect());
        assert_eq!(btree_map(pairs), pairs.into_iter().collect());
        let words = ["b", "a", "b", "c"];
        assert_eq!(set_by_insert(words), words.into_iter().collect());
        assert_eq!(btree_set(words), words.into_iter().collect());
    }

    proptest! {
        #[test]
        fn compact_sort_is_std_stable_sort(keys in prop::collection::vec(0u8..8, 0..300)) {
            same_as_std(&keys);
        }

        #[test]
        fn compact_sort_on_wide_keys(keys in prop::collection::vec(any::<u8>(), 0..2000)) {
            same_as_std(&keys);
        }

        #[test]
        fn cycle_swaps_apply_any_permutation(seed in any::<u64>(), n in 0usize..200) {
            // A permutation from a seeded shuffle (xorshift), applied to 0..n, gives `order`.
            let mut order: Vec<usize> = (0..n).collect();
            let mut s = seed | 1;
            for i in (1..n).rev() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                order.swap(i, (s % (i as u64 + 1)) as usize);
            }
            let mut v: Vec<usize> = (0..n).collect();
            permute(&mut v, order.clone());
            prop_assert_eq!(v, order);
        }
    }
}
