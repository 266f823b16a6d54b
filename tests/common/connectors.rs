//! Shared by the connector tests (`tests/kafka.rs`, `tests/nats.rs`): skipping when a server
//! is absent, and the kill test's counting job and check.

use super::store::BatchStore;
use super::{ChildJob, Rng};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Whether a test whose server is absent goes on: `false` after printing "SKIPPED <why>",
/// except under `CI=true`, where the absent server fails the test.
pub fn server_present(present: bool, why: &str) -> bool {
    if present {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why} (CI=true: the server must run)");
    println!("SKIPPED: {why}");
    false
}

/// Keys of the counting job: record `r<n>` counts for key `k<n % 7>`.
pub fn key_of(record: &str) -> String {
    let n: u64 = record.trim_start_matches('r').parse().unwrap_or(u64::MAX);
    format!("k{}", n % 7)
}

/// What the counting job commits for a batch: one `key count` line per key.
pub fn count_lines(pairs: Vec<(String, u64)>) -> Vec<String> {
    pairs.into_iter().map(|(k, c)| format!("{k} {c}")).collect()
}

/// Waits, polling, until `done` holds; panics with `what` after `limit`.
pub fn wait_for(limit: Duration, what: impl Fn() -> String, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting: {}", what());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts the counting job `rounds` times and kills it (SIGKILL) each time after it
/// committed one to five new batches and a random moment more, publishing `per_round`
/// new records `r<n>` before each start with `publish(first, count)`. Then runs it once more
/// until every record is counted, stops it, and returns how many records were published.
pub fn kill_rounds(
    store: &BatchStore,
    rounds: usize,
    per_round: u64,
    rng: &mut Rng,
    spawn: impl Fn() -> ChildJob,
    mut publish: impl FnMut(u64, u64),
) -> u64 {
    let mut published = 0;
    for _ in 0..rounds {
        publish(published, per_round);
        published += per_round;
        let child = spawn();
        let target = store.committed_count() + 1 + rng.below(5) as usize;
        wait_for(
            Duration::from_secs(60),
            || format!("{} of {target} batches committed", store.committed_count()),
            || store.committed_count() >= target,
        );
        std::thread::sleep(Duration::from_millis(rng.below(150)));
        child.kill();
    }
    let child = spawn();
    wait_for(
        Duration::from_secs(120),
        || format!("{} of {published} records counted", counted(store)),
        || counted(store) >= published,
    );
    // A few more batches: a duplicate would show as a count above the total.
    let target = store.committed_count() + 3;
    wait_for(Duration::from_secs(60), || "three more batches".into(), || store.committed_count() >= target);
    drop(child);
    published
}

/// Every count the store committed, summed per key.
pub fn counts(store: &BatchStore) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for line in store.records() {
        let (key, count) = line.split_once(' ').expect("a `key count` line");
        *counts.entry(key.to_string()).or_default() += count.parse::<u64>().expect("a count");
    }
    counts
}

fn counted(store: &BatchStore) -> u64 {
    counts(store).values().sum()
}

/// Checks that the store counted each of records `r0 .. r<published>` exactly once, and
/// that committed batch times ran again (else the kills tested nothing).
pub fn check_counts(test: &str, store: &BatchStore, published: u64) {
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for n in 0..published {
        *expected.entry(key_of(&format!("r{n}"))).or_default() += 1;
    }
    let reruns = store.reruns();
    println!(
        "{test}: {published} records, {} batches committed, {} re-runs of committed batch times ({} with other records)",
        store.committed_count(),
        reruns.of_committed,
        reruns.with_other_records
    );
    assert!(reruns.of_committed > 0, "no committed batch time ran again: the test tested nothing");
    assert_eq!(counts(store), expected, "every record counted exactly once");
}
