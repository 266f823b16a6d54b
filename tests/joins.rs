//! Per-batch joins of two streams through the language (docs/semantics.md E6).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// Per-batch records collected by `foreach_batch`, each batch sorted (Spark compares sets).
type Seen<T> = Arc<Mutex<Vec<Vec<T>>>>;

/// A full outer join's records.
type FullOuter = (&'static str, (Option<i32>, Option<&'static str>));
/// A cogroup's records.
type Cogrouped = (&'static str, (Vec<i32>, Vec<&'static str>));

/// The test's own copy of a batch's records. With the `cluster` feature, text that crossed an
/// exchange borrows the bytes the batch received (docs/cluster.md): records kept past their
/// batch must own their text (here: leaked, a few bytes per test).
fn keep<T: Keep>(records: Vec<T>) -> Vec<T::Kept> {
    records.into_iter().map(Keep::keep).collect()
}

trait Keep {
    type Kept: 'static;
    fn keep(self) -> Self::Kept;
}

impl Keep for &str {
    type Kept = &'static str;
    fn keep(self) -> &'static str {
        Box::leak(self.to_owned().into_boxed_str())
    }
}

impl Keep for i32 {
    type Kept = i32;
    fn keep(self) -> i32 {
        self
    }
}

impl<T: Keep> Keep for Option<T> {
    type Kept = Option<T::Kept>;
    fn keep(self) -> Self::Kept {
        self.map(T::keep)
    }
}

impl<T: Keep> Keep for Vec<T> {
    type Kept = Vec<T::Kept>;
    fn keep(self) -> Self::Kept {
        self.into_iter().map(T::keep).collect()
    }
}

impl<A: Keep, B: Keep> Keep for (A, B) {
    type Kept = (A::Kept, B::Kept);
    fn keep(self) -> Self::Kept {
        (self.0.keep(), self.1.keep())
    }
}

fn sorted<T: Ord + Clone>(seen: &Seen<T>) -> Vec<Vec<T>> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|b| {
            let mut b = b.clone();
            b.sort();
            b
        })
        .collect()
}

fn s1() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]
}

fn s2() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]
}

#[test]
fn e6_join() {
    let seen: Seen<(&str, (i32, &str))> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let right = queue(s2()) |> map(|x| (x, "x"));
        queue(s1()) |> map(|x| (x, 1)) |> join(right)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![vec![("a", (1, "x")), ("b", (1, "x"))], vec![("", (1, "x"))], vec![], vec![]]
    );
}

#[test]
fn e6_left_outer_join() {
    let seen: Seen<(&str, (i32, Option<&str>))> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let right = queue(s2()) |> map(|x| (x, "x"));
        queue(s1()) |> map(|x| (x, 1)) |> left_outer_join(right)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![
            vec![("a", (1, Some("x"))), ("b", (1, Some("x")))],
            vec![("", (1, Some("x"))), ("a", (1, None))],
            vec![("", (1, None))],
            vec![],
        ]
    );
}

#[test]
fn e6_right_outer_join() {
    let seen: Seen<(&str, (Option<i32>, &str))> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let right = queue(s2()) |> map(|x| (x, "x"));
        queue(s1()) |> map(|x| (x, 1)) |> right_outer_join(right)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![
            vec![("a", (Some(1), "x")), ("b", (Some(1), "x"))],
            vec![("", (Some(1), "x")), ("b", (None, "x"))],
            vec![],
            vec![("", (None, "x"))],
        ]
    );
}

#[test]
fn e6_full_outer_join() {
    let seen: Seen<FullOuter> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let right = queue(s2()) |> map(|x| (x, "x"));
        queue(s1()) |> map(|x| (x, 1)) |> full_outer_join(right, 3)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![
            vec![("a", (Some(1), Some("x"))), ("b", (Some(1), Some("x")))],
            vec![("", (Some(1), Some("x"))), ("a", (Some(1), None)), ("b", (None, Some("x")))],
            vec![("", (Some(1), None))],
            vec![("", (None, Some("x")))],
        ]
    );
}

#[test]
fn e6_cogroup() {
    let seen: Seen<Cogrouped> = Arc::default();
    let sink = Arc::clone(&seen);
    let left = vec![vec!["a", "a", "b"], vec!["a", ""], vec![""], vec![]];
    let right = vec![vec!["a", "a", "b"], vec!["b", ""], vec![], vec![]];
    let job = stream! {
        let other = queue(right) |> map(|x| (x, "x"));
        queue(left) |> map(|x| (x, 1)) |> cogroup(other)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![
            vec![("a", (vec![1, 1], vec!["x", "x"])), ("b", (vec![1], vec!["x"]))],
            vec![("", (vec![1], vec!["x"])), ("a", (vec![1], vec![])), ("b", (vec![], vec!["x"]))],
            vec![("", (vec![1], vec![]))],
            vec![],
        ]
    );
}

#[test]
fn e6_transform_with_join_gives_the_same_as_join() {
    let seen: Seen<(&str, (i32, &str))> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let right = queue(s2()) |> map(|x| (x, "x"));
        queue(s1()) |> map(|x| (x, 1))
            |> transform_with(right, |left, right, _| {
                left.iter()
                    .flat_map(|(k, v)| right.iter().filter(move |(k2, _)| k2 == k).map(move |(_, w)| (*k, (*v, *w))))
                    .collect::<Vec<_>>()
            })
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(keep(records)))
    };
    Harness::new(job).run_batches(4).unwrap();
    assert_eq!(
        sorted(&seen),
        vec![vec![("a", (1, "x")), ("b", (1, "x"))], vec![("", (1, "x"))], vec![], vec![]]
    );
}

/// The records a job prints in its first batch on `n` partitions, sorted.
fn printed(job: Job, n: usize) -> Vec<String> {
    let out = Harness::new(job).with_parallelism(n).step().expect("batch runs");
    let mut records: Vec<String> = out.printed_records().into_iter().map(String::from).collect();
    records.sort();
    records
}

/// A join whose inputs are mapped and filtered reads them as it joins (`map`, `filter` and
/// `map_values` run inside the join, no stage materialises them) and probes inside the loop
/// after it: the same records as the same program unfused, whose every operator materialises
/// its output, on one partition (nothing cut: the build reads the inputs as they are) and on
/// three (cut by key first), with right values that are copied or moved into their pairs.
#[test]
fn a_join_reads_its_mapped_inputs_as_it_joins() {
    // One batch each, cut into as many partitions as the harness runs.
    let orders = || vec![vec![(1, 10), (2, 20), (3, 30), (1, 11), (4, 40), (2, 21), (5, 50)]];
    let paid = || vec![vec![(1, 5), (3, 7), (1, 6), (2, 8), (9, 9), (4, 0)]];
    let fused = |n: usize| -> Vec<String> {
        let job = stream! {
            let paid = queue(paid()) |> filter(|(_, c): &(i32, i32)| *c > 0) |> map_values(|c| format!("{c}c"));
            queue(orders()) |> map(|(id, v)| (id, v + 1)) |> left_outer_join(paid)
                |> map(|(id, (v, c))| format!("{id}:{v}:{c:?}")) every 1s |> print(100)
        };
        printed(job, n)
    };
    let unfused = |n: usize| -> Vec<String> {
        let job = stream! {
            #![unfused]
            let paid = queue(paid()) |> filter(|(_, c): &(i32, i32)| *c > 0) |> map_values(|c| format!("{c}c"));
            queue(orders()) |> map(|(id, v)| (id, v + 1)) |> left_outer_join(paid)
                |> map(|(id, (v, c))| format!("{id}:{v}:{c:?}")) every 1s |> print(100)
        };
        printed(job, n)
    };
    let totals = |n: usize| -> Vec<String> {
        let job = stream! {
            let paid = queue(paid()) |> map(|(id, c)| (id, c * 100));
            queue(orders()) |> filter(|(id, _): &(i32, i32)| *id != 5) |> join(paid)
                |> map(|(_, (v, c))| (v % 2, c)) |> reduce_by_key(+) every 1s |> print
        };
        printed(job, n)
    };
    let expected = [
        "1:11:Some(\"5c\")",
        "1:11:Some(\"6c\")",
        "1:12:Some(\"5c\")",
        "1:12:Some(\"6c\")",
        "2:21:Some(\"8c\")",
        "2:22:Some(\"8c\")",
        "3:31:Some(\"7c\")",
        "4:41:None",
        "5:51:None",
    ];
    for n in [1, 3] {
        assert_eq!(fused(n), expected, "fused, {n} partitions");
        assert_eq!(unfused(n), expected, "unfused, {n} partitions");
        // Even values: 10 (paid 500 + 600), 20 (800), 30 (700), 40 (0); odd: 11 (1100), 21 (800).
        assert_eq!(totals(n), ["(0,2600)", "(1,1900)"], "{n} partitions");
    }
}

/// A joined pair `(k, v, w)` and how many times a batch gave it.
type Counted<K> = ((K, u64, u64), u64);

/// Batches of very different sizes and keys for a join's kept memory (a flood, a run of
/// trickles long enough to shrink the kept memory, a flood again): batch `b` has keys from
/// `b * 10` on, each right key twice, every other left key absent. The left and right
/// batches, keyed by `key`, and each batch's pairs.
#[allow(clippy::type_complexity)]
fn kept_memory_batches<K: Ord + Clone + PartialEq>(
    key: impl Fn(u64) -> K,
) -> (Vec<Vec<(K, u64)>>, Vec<Vec<(K, u64)>>, Vec<Vec<Counted<K>>>) {
    let sizes = [5_000u64, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4_000, 0, 7];
    let right: Vec<Vec<(K, u64)>> = sizes
        .iter()
        .enumerate()
        .map(|(b, &n)| (0..n).map(|i| (key(b as u64 * 10 + i / 2), i)).collect())
        .collect();
    let left: Vec<Vec<(K, u64)>> = sizes
        .iter()
        .enumerate()
        .map(|(b, &n)| (0..n).step_by(2).map(|i| (key(b as u64 * 10 + i), 1_000 + i)).collect())
        .collect();
    let expected: Vec<Vec<Counted<K>>> = left
        .iter()
        .zip(&right)
        .map(|(l, r)| {
            let mut pairs: Vec<Counted<K>> = Vec::new();
            for (k, v) in l {
                for (j, w) in r {
                    if j == k {
                        pairs.push(((k.clone(), *v, *w), 1));
                    }
                }
            }
            pairs.sort();
            pairs
        })
        .collect();
    assert!(expected[0].len() > 1_000 && expected[1].len() == 2, "the batches join");
    (left, right, expected)
}

/// `pairs` with their keys as text, sorted.
fn as_text<K: ToString>(pairs: &[Counted<K>]) -> Vec<Counted<String>> {
    let mut pairs: Vec<_> = pairs.iter().map(|((k, v, w), n)| ((k.to_string(), *v, *w), *n)).collect();
    pairs.sort();
    pairs
}

/// Runs the batches of `kept_memory_batches(key)` through a join counted per batch, on one
/// partition and on three, and checks each batch's pairs (keys compared as text). A macro
/// rather than a function: the join's memory is picked from the concrete key type where the
/// job is written.
macro_rules! check_kept_memory {
    ($key:expr) => {{
        let (left, right, expected) = kept_memory_batches($key);
        let expected: Vec<Vec<Counted<String>>> = expected.iter().map(|batch| as_text(batch)).collect();
        for partitions in [1, 3] {
            let seen: Seen<Counted<String>> = Arc::default();
            let sink = Arc::clone(&seen);
            let (l, r) = (left.clone(), right.clone());
            let job = stream! {
                let paid = queue(r);
                queue(l) |> join(paid) |> map(|(k, (v, w))| ((k, v, w), 1u64)) |> reduce_by_key(+)
                    every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(as_text(&records)))
            };
            Harness::new(job).with_parallelism(partitions).run_batches(expected.len()).unwrap();
            assert_eq!(sorted(&seen), expected, "{partitions} partitions");
        }
    }};
}

/// A join's build memory is kept from one batch for the next (numeric keys and values: its
/// pool, `dstream_core::ops::join::memory`): over batches of very different sizes and keys,
/// each batch's pairs are exactly those of its own records, on one partition and on three.
#[test]
fn a_join_kept_memory_holds_nothing_of_earlier_batches() {
    check_kept_memory!(|k| k);
}

/// The same with `&str` keys, whose joins keep only their right values' slots (the key
/// table holds the batch's words and is made fresh each batch).
#[test]
fn a_text_keyed_join_kept_slots_hold_nothing_of_earlier_batches() {
    check_kept_memory!(|k: u64| -> &'static str { Box::leak(k.to_string().into_boxed_str()) });
}
