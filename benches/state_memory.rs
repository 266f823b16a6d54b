//! Memory per key of `update_state_by_key`'s state store against a plain `HashMap` of the same
//! key and state types, for `DSTREAM_STATE_KEYS` keys (10 M by default, 100 k under
//! `cargo test --benches`). Prints its own table; no timing.
//!
//! Every figure comes from the allocator (a `stats_alloc` global allocator counts the bytes
//! live), so it is exact and repeatable on a shared machine:
//!
//! - `plain HashMap`: a `std::collections::HashMap<K, u64>` filled by `entry(k).or_insert(0) +=
//!   1`, one key at a time (no `reserve`), its live bytes divided by the keys;
//! - `dstream pN`: a job `queue |> update_state_by_key(..) |> print(0)` on N partitions, run for
//!   one batch holding every key once (the store fills), then a second batch with every key
//!   again (steady state: each key's state updated); the store's bytes are what the job holds
//!   after a batch minus what it holds once dropped (and, after the first, minus the second
//!   batch's records waiting in the queue); the peak is
//!   the allocator's live bytes sampled during the batch (a thread reads them every
//!   millisecond: a lower bound of the true peak), above those before it.
//!
//! Keys are `u64` (8-byte keys and states: the table's own layout shows) and `String` (`k`
//! then the number: each key one heap block, on both sides).
//!
//! ```text
//! cargo bench --bench state_memory                          # 10 M keys, about 1 minute
//! DSTREAM_STATE_KEYS=1000000 cargo bench --bench state_memory
//! ```

use dstream::prelude::*;
use dstream::testing::Harness;
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts every allocator call and byte.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed, process-wide (`stats_alloc` already adds a realloc's
/// growth to `bytes_allocated` and its shrinking to `bytes_deallocated`).
fn live() -> usize {
    let s = GLOBAL.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated)
}

/// The highest [`live`] seen while `f` runs (sampled every millisecond), and `f`'s result.
fn peak_during<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicUsize::new(live()));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(live(), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    };
    let out = f();
    peak.fetch_max(live(), Ordering::Relaxed);
    done.store(true, Ordering::Relaxed);
    sampler.join().expect("the sampler ends");
    (peak.load(Ordering::Relaxed), out)
}

fn keys() -> usize {
    match std::env::var("DSTREAM_STATE_KEYS") {
        Ok(v) => v.trim().parse().expect("DSTREAM_STATE_KEYS must be a whole number"),
        Err(_) if std::env::args().any(|a| a == "--bench") => 10_000_000,
        Err(_) => 100_000,
    }
}

/// Bytes a plain `HashMap<K, u64>` holds for `keys`, per key.
fn plain<K: Hash + Eq>(keys: impl Iterator<Item = K>, n: usize) -> f64 {
    let before = live();
    let mut map: HashMap<K, u64> = HashMap::new();
    for k in keys {
        *map.entry(k).or_insert(0) += 1;
    }
    assert_eq!(map.len(), n, "every key once");
    let bytes = live() - before;
    drop(map);
    bytes as f64 / n as f64
}

fn sum(values: Vec<u64>, state: Option<u64>) -> Option<u64> {
    Some(state.unwrap_or(0) + values.iter().sum::<u64>())
}

fn u64_job(batches: Vec<Vec<(u64, u64)>>) -> Job {
    stream! { queue(batches) every 1s |> update_state_by_key(sum) |> print(0) }
}

fn string_job(batches: Vec<Vec<(String, u64)>>) -> Job {
    stream! { queue(batches) every 1s |> update_state_by_key(sum) |> print(0) }
}

/// What the store holds after each of the two batches (per key), and the peak during each
/// batch above the live bytes before it (per key).
struct Figures {
    store: [f64; 2],
    peak: [f64; 2],
}

fn measure<R: Clone + Send + 'static>(
    n: usize,
    partitions: usize,
    records: impl Fn() -> Vec<R>,
    job: fn(Vec<Vec<R>>) -> Job,
) -> Figures {
    let first = records();
    let before_second = live();
    let second = records();
    // The second batch waits in the queue during the first: not the store's.
    let queued = live() - before_second;
    let mut harness = Harness::new(job(vec![first, second])).with_parallelism(partitions);
    let mut figures = Figures { store: [0.0; 2], peak: [0.0; 2] };
    let mut held = [0usize; 2];
    for (held, peak_per_key) in held.iter_mut().zip(&mut figures.peak) {
        let before = live();
        let (peak, out) = peak_during(|| harness.step().expect("batch runs"));
        assert!(out.printed.contains("..."), "the state stream has records");
        drop(out);
        *held = live();
        *peak_per_key = peak.saturating_sub(before) as f64 / n as f64;
    }
    drop(harness);
    let empty = live();
    figures.store[0] = held[0].saturating_sub(empty + queued) as f64 / n as f64;
    figures.store[1] = held[1].saturating_sub(empty) as f64 / n as f64;
    figures
}

fn main() {
    let n = keys();
    println!("update_state_by_key state memory, {n} keys (bytes per key, from the allocator)");
    println!("| keys | variant | after batch 1 (new keys) | after batch 2 (every key updated) | peak during batch 1 | peak during batch 2 |");
    println!("|---|---|---:|---:|---:|---:|");
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let partition_counts: Vec<usize> = if cores > 1 { vec![1, cores] } else { vec![1] };

    let plain_u64 = plain((0..n as u64).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15)), n);
    println!("| u64 | plain `HashMap<u64, u64>` | {plain_u64:.1} | | | |");
    for &p in &partition_counts {
        let f = measure(
            n,
            p,
            || (0..n as u64).map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15), 1u64)).collect(),
            u64_job,
        );
        row("u64", &format!("dstream p{p}"), &f, plain_u64);
    }

    let name = |i: usize| format!("k{i}");
    let plain_string = plain((0..n).map(name), n);
    println!("| String | plain `HashMap<String, u64>` | {plain_string:.1} | | | |");
    for &p in &partition_counts {
        let f = measure(n, p, || (0..n).map(|i| (name(i), 1u64)).collect(), string_job);
        row("String", &format!("dstream p{p}"), &f, plain_string);
    }
}

fn row(keys: &str, variant: &str, f: &Figures, plain: f64) {
    println!(
        "| {keys} | {variant} | {:.1} ({:.2}x) | {:.1} ({:.2}x) | {:.1} | {:.1} |",
        f.store[0],
        f.store[0] / plain,
        f.store[1],
        f.store[1] / plain,
        f.peak[0],
        f.peak[1]
    );
}
