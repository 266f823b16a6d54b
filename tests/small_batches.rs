//! A small batch (fewer than `SMALL_BATCH_RECORDS` source records) of a program whose results do
//! not depend on the partitioning runs as one partition (`Executor::batch_parallelism`): what a
//! user sees must be what one partition and what a large batch give, up to the order of records
//! within a batch. A larger batch of such a program runs its map side on the job's partitions
//! and gathers its hash exchanges into one partition (`Executor::gathers_by_key`): again the
//! same results and outputs. Programs with state keep every batch on the job's partitions.

use dstream::prelude::*;
use dstream::testing::Harness;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const SMALL: usize = dstream::__private::SMALL_BATCH_RECORDS;

/// Three lines of ten words over a vocabulary of 13, different in every batch `b`.
fn lines(b: usize) -> Vec<String> {
    (0..3)
        .map(|l| (0..10).map(|w| format!("w{}", (b * 7 + l * 5 + w * 3) % 13)).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Batches of `lines(b)` repeated `times` times (a large batch for `times * 3 >= SMALL`).
fn batches(n: usize, times: usize) -> Vec<Vec<&'static str>> {
    (0..n)
        .map(|b| {
            let batch: Vec<&'static str> = lines(b).into_iter().map(|l| &*l.leak()).collect();
            batch.iter().copied().cycle().take(batch.len() * times).collect()
        })
        .collect()
}

/// Per batch: the (key, value) pairs an output saw, as a multiset.
type Seen = Arc<Mutex<Vec<BTreeMap<String, u64>>>>;

fn collect<K: AsRef<str>>(seen: &Seen, records: Vec<(K, u64)>) {
    let mut batch = BTreeMap::new();
    for (k, v) in records {
        let k = k.as_ref();
        assert!(batch.insert(k.to_owned(), v).is_none(), "key {k} twice in one batch");
    }
    seen.lock().unwrap().push(batch);
}

/// Per batch: the kind and partitions of every stage and exchange its statistics show.
type Shown = Vec<Vec<(&'static str, u32)>>;

/// The stages the harness's batches showed, oldest batch first.
fn stages(harness: &Harness) -> Shown {
    let batches = harness.monitor().batches();
    batches.iter().rev().map(|b| b.stages.iter().map(|s| (s.kind, s.partitions)).collect()).collect()
}

/// Runs `job` (whose output records into `seen`) for `batches` batches on `partitions`: what the
/// output saw and the stages the batches showed.
fn observe(
    job: dstream::Job,
    partitions: usize,
    batches: usize,
    seen: Seen,
) -> (Vec<BTreeMap<String, u64>>, Shown) {
    let mut harness = Harness::new(job).with_parallelism(partitions);
    harness.run_batches(batches).unwrap();
    let shown = stages(&harness);
    let seen = seen.lock().unwrap().clone();
    (seen, shown)
}

/// The stateless word count, every (word, count) pair of a batch to `foreach_batch`.
fn word_count(input: Vec<Vec<&'static str>>, partitions: usize) -> (Vec<BTreeMap<String, u64>>, Shown) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let n = input.len();
    let job = stream! {
        queue(input) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
            every 1s |> foreach_batch(move |pairs, _| collect(&sink, pairs))
    };
    observe(job, partitions, n, seen)
}

/// `counts` with every count multiplied by `times`.
fn scaled(counts: &[BTreeMap<String, u64>], times: u64) -> Vec<BTreeMap<String, u64>> {
    counts.iter().map(|b| b.iter().map(|(k, v)| (k.clone(), v * times)).collect()).collect()
}

#[test]
fn a_small_stateless_batch_on_two_partitions_gives_what_one_partition_and_a_large_batch_give() {
    let times = SMALL / 3 + 1;
    let (small_1, _) = word_count(batches(4, 1), 1);
    let (small_2, small_stages) = word_count(batches(4, 1), 2);
    let (large_1, _) = word_count(batches(4, times), 1);
    let (large_2, large_stages) = word_count(batches(4, times), 2);
    assert_eq!(small_1.len(), 4);
    assert!(small_1.iter().all(|b| b.len() > 5), "{small_1:?}");
    assert_eq!(small_2, small_1);
    assert_eq!(large_1, scaled(&small_1, times as u64));
    assert_eq!(large_2, large_1);
    // The small batches ran as one partition, showing the job's partitions and the exchange
    // they did not need; the large ones ran their map side on two partitions and gathered
    // (the exchange is the merge of the two tables), showing the same stages.
    let solo = [("stage", 2), ("hash by key", 2), ("stage", 2)];
    assert!(small_stages.iter().all(|s| s == &solo), "{small_stages:?}");
    assert!(large_stages.iter().all(|s| s == &solo), "{large_stages:?}");
}

#[test]
fn a_large_batch_with_two_reduces_on_two_partitions_gives_what_one_partition_gives() {
    // How many words occur how often: the second reduce reads the first's gathered table.
    let run = |partitions: usize| {
        let seen: Seen = Arc::default();
        let sink = Arc::clone(&seen);
        let job = stream! {
            queue(batches(3, SMALL / 3 + 1)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
                |> map(|(_, n): (&str, u64)| (n.to_string(), 1u64)) |> reduce_by_key(+)
                every 1s |> foreach_batch(move |pairs, _| collect(&sink, pairs))
        };
        observe(job, partitions, 3, seen)
    };
    let (one, _) = run(1);
    let (two, shown) = run(2);
    assert_eq!(one.len(), 3);
    assert!(one.iter().all(|b| b.values().sum::<u64>() > 5), "distinct words per batch: {one:?}");
    assert_eq!(two, one);
    let gathered = [("stage", 2), ("hash by key", 2), ("stage", 2), ("hash by key", 2), ("stage", 2)];
    assert!(shown.iter().all(|s| s == &gathered), "{shown:?}");
}

#[test]
fn a_small_batch_of_count_by_value_on_two_partitions_counts_as_one_partition_does() {
    let run = |partitions: usize, times: usize| {
        let seen: Seen = Arc::default();
        let sink = Arc::clone(&seen);
        let job = stream! {
            queue(batches(3, times)) |> flat_map(split) |> count_by_value
                every 1s |> foreach_batch(move |pairs: Vec<(&str, u64)>, _| collect(&sink, pairs))
        };
        Harness::new(job).with_parallelism(partitions).run_batches(3).unwrap();
        let seen = seen.lock().unwrap().clone();
        seen
    };
    let one = run(1, 1);
    assert_eq!(one.iter().map(|b| b.values().sum::<u64>()).collect::<Vec<_>>(), [30, 30, 30]);
    assert_eq!(run(2, 1), one);
    let times = SMALL / 3 + 1;
    let large = run(1, times);
    assert_eq!(large, scaled(&one, times as u64));
    assert_eq!(run(2, times), large, "a large batch gathers its exchange");
}

/// The batch directories `save_as_text_files` wrote under `dir`: per batch, its files' names
/// and every line of its part files, sorted.
fn written(dir: &std::path::Path) -> Vec<(Vec<String>, Vec<String>)> {
    let mut batch_dirs: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    batch_dirs.sort();
    batch_dirs
        .iter()
        .map(|batch| {
            let mut names: Vec<String> = std::fs::read_dir(batch)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let mut lines: Vec<String> = names
                .iter()
                .filter(|n| n.starts_with("part-"))
                .flat_map(|n| {
                    std::fs::read_to_string(batch.join(n))
                        .unwrap()
                        .lines()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect();
            lines.sort();
            (names, lines)
        })
        .collect()
}

#[test]
fn a_small_or_large_batch_on_two_partitions_writes_the_part_files_of_two_partitions() {
    let run = |partitions: usize, times: usize| {
        let dir =
            std::env::temp_dir().join(format!("dstream-small-{}-{partitions}-{times}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let prefix = dir.join("counts").to_string_lossy().into_owned();
        let job = stream! {
            queue(batches(2, times)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
                |> filter(|(_, n)| *n > 0)
                every 1s |> save_as_text_files(prefix.as_str(), "txt")
        };
        Harness::new(job).with_parallelism(partitions).run_batches(2).unwrap();
        let out = written(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        out
    };
    let parts_of = |n: usize| -> Vec<String> {
        ["_SUCCESS".to_owned()].into_iter().chain((0..n).map(|i| format!("part-{i:05}"))).collect()
    };
    let small_1 = run(1, 1);
    let small_2 = run(2, 1);
    let large_1 = run(1, SMALL / 3 + 1);
    let large_2 = run(2, SMALL / 3 + 1);
    assert_eq!(small_1.len(), 2);
    assert_eq!(large_1.len(), 2);
    for (((one, two), large), large_one) in small_1.iter().zip(&small_2).zip(&large_2).zip(&large_1) {
        assert_eq!(one.0, parts_of(1));
        assert_eq!(two.0, parts_of(2), "a small batch of a 2-partition job writes 2 part files");
        assert_eq!(large.0, parts_of(2), "so does a large one, which gathered its exchange");
        assert_eq!(large_one.0, parts_of(1));
        assert_eq!(large.1, large_one.1, "a large batch: the same lines as on one partition");
        assert!(!one.1.is_empty());
        assert_eq!(two.1, one.1, "the same lines as on one partition");
        let keys = |lines: &[String]| -> Vec<String> {
            lines.iter().map(|l| l.split(',').next().unwrap().to_owned()).collect()
        };
        assert_eq!(keys(&large.1), keys(&one.1), "the same words as a large batch");
    }
}

#[test]
fn a_stateful_job_gives_the_same_states_on_small_and_large_batches_and_either_partition_count() {
    let run = |partitions: usize, times: usize| {
        let seen: Seen = Arc::default();
        let sink = Arc::clone(&seen);
        let job = stream! {
            queue(batches(4, times)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
                |> update_state_by_key(|values, state| Some(values.iter().sum::<u64>() + state.unwrap_or(0)))
                every 1s |> foreach_batch(move |pairs, _| collect(&sink, pairs))
        };
        observe(job, partitions, 4, seen)
    };
    let times = SMALL / 3 + 1;
    let (small_1, _) = run(1, 1);
    let (small_2, small_stages) = run(2, 1);
    let (large_2, _) = run(2, times);
    assert_eq!(small_1.len(), 4);
    assert_eq!(small_1[3].values().sum::<u64>(), 120, "the state counts every word so far");
    assert_eq!(small_2, small_1);
    assert_eq!(large_2, scaled(&small_1, times as u64));
    // State is kept per partition: every batch ran on the job's two partitions.
    assert!(
        small_stages.iter().all(|s| s.iter().filter(|(kind, _)| *kind == "stage").count() > 3),
        "{small_stages:?}"
    );
}
