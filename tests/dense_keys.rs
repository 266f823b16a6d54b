//! Keys with few values (`DenseKey`): `reduce_by_key` and `count_by_value` keyed by them run on
//! an array-indexed table, picked from the key's type, and count exactly what a `HashMap` counts
//! on any number of partitions.

use dstream::prelude::*;
use dstream::testing::Harness;
use dstream::DenseKey;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// How often `Level::index` ran: the job used the dense table when it did.
static INDEX_CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
enum Level {
    Low,
    Mid,
    High,
}

impl DenseKey for Level {
    const CARDINALITY: usize = 3;
    fn index(self) -> usize {
        INDEX_CALLS.fetch_add(1, Ordering::Relaxed);
        self as usize
    }
}

fn level(x: u32) -> Level {
    match x % 10 {
        0..=5 => Level::Low,
        6..=8 => Level::Mid,
        _ => Level::High,
    }
}

fn batches() -> Vec<Vec<u32>> {
    vec![(0..5000).collect(), (0..77).map(|x| x * 3).collect(), Vec::new()]
}

type Seen<K> = Arc<Mutex<Vec<BTreeMap<K, u64>>>>;

/// Runs every batch of `batches()` through a job built by `job(sink)` and returns what each
/// batch's `foreach_batch` saw.
fn run<K: Ord + Send + 'static>(
    partitions: usize,
    job: impl FnOnce(Seen<K>) -> Job,
) -> Vec<BTreeMap<K, u64>> {
    let seen: Seen<K> = Arc::default();
    Harness::new(job(Arc::clone(&seen))).with_parallelism(partitions).run_batches(3).unwrap();
    let out = std::mem::take(&mut *seen.lock().unwrap());
    out
}

fn expected<K: Ord>(key: impl Fn(u32) -> K, value: impl Fn(u32) -> u64) -> Vec<BTreeMap<K, u64>> {
    batches()
        .into_iter()
        .map(|b| {
            let mut m = BTreeMap::new();
            for x in b {
                *m.entry(key(x)).or_default() += value(x);
            }
            m
        })
        .collect()
}

#[test]
fn enum_keys_reduce_on_the_dense_table() {
    for partitions in [1, 2, 3] {
        INDEX_CALLS.store(0, Ordering::Relaxed);
        let got = run(partitions, |sink| {
            stream! {
                queue(batches()) |> map(|x| (level(x), u64::from(x))) |> reduce_by_key(+) every 1s
                    |> foreach_batch(move |records, _| {
                        sink.lock().unwrap().push(records.into_iter().collect());
                    })
            }
        });
        assert_eq!(got, expected(level, u64::from), "{partitions} partitions");
        assert!(INDEX_CALLS.load(Ordering::Relaxed) >= 5077, "the dense table numbered every key");
    }
}

/// A small integer as a key: a newtype (integer types themselves keep the hash table, see
/// `dense_keys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
struct Bucket(u8);

impl DenseKey for Bucket {
    const CARDINALITY: usize = 256;
    fn index(self) -> usize {
        usize::from(self.0)
    }
}

fn bucket(x: u32) -> Bucket {
    Bucket((x % 251) as u8)
}

#[test]
fn small_integer_keys_count_by_value() {
    for partitions in [1, 2, 3] {
        let got = run(partitions, |sink| {
            stream! {
                queue(batches()) |> map(bucket) |> count_by_value every 1s
                    |> foreach_batch(move |records, _| {
                        sink.lock().unwrap().push(records.into_iter().collect());
                    })
            }
        });
        assert_eq!(got, expected(bucket, |_| 1), "{partitions} partitions");
    }
}

/// Integer keys typed by a literal still compile (and use the hash table).
#[test]
fn literal_integer_keys_are_not_taken_for_dense_keys() {
    let got = run(2, |sink| {
        stream! {
            queue(vec![vec![1, 2, 2, 3, 3, 3]]) |> map(|n| (n, 1)) |> reduce_by_key(+) every 1s
                |> foreach_batch(move |records, _| {
                    sink.lock().unwrap().push(records.into_iter().collect());
                })
        }
    });
    // `run` steps three batches; the queue holds one.
    assert_eq!(got, vec![BTreeMap::from([(1, 1), (2, 2), (3, 3)]), BTreeMap::new(), BTreeMap::new()]);
}
