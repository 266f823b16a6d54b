//! Keyed state with Spark's test vectors (docs/semantics.md E7–E10, E17–E20).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// Per-batch records seen by a `foreach_batch`, each batch sorted (Spark compares sets).
type Seen<T> = Arc<Mutex<Vec<Vec<T>>>>;

fn collector<T>() -> (Seen<T>, Seen<T>) {
    let seen: Seen<T> = Arc::default();
    (Arc::clone(&seen), seen)
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

fn pairs(batches: &[&[(&str, i64)]]) -> Vec<Vec<(String, i64)>> {
    batches.iter().map(|b| b.iter().map(|(k, v)| (k.to_string(), *v)).collect()).collect()
}

fn keys(batches: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
    batches.iter().map(|b| b.to_vec()).collect()
}

fn e7_input() -> Vec<Vec<&'static str>> {
    keys(&[&["a"], &["a", "b"], &["a", "b", "c"], &["a", "b"], &["a"], &[]])
}

#[test]
fn e7_update_state_by_key_emits_the_full_state_every_batch() {
    let (sink, seen) = collector();
    let job = stream! {
        queue(e7_input()) |> map(|k| (k, 1i64))
            |> update_state_by_key(|values, state| Some(values.iter().sum::<i64>() + state.unwrap_or(0)))
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted(&seen),
        pairs(&[
            &[("a", 1)],
            &[("a", 2), ("b", 1)],
            &[("a", 3), ("b", 2), ("c", 1)],
            &[("a", 4), ("b", 3), ("c", 1)],
            &[("a", 5), ("b", 3), ("c", 1)],
            &[("a", 5), ("b", 3), ("c", 1)],
        ])
    );
}

#[test]
fn e8_initial_state_appears_from_the_first_batch() {
    let (sink, seen) = collector();
    let initial = vec![("a".to_string(), 1i64), ("c".to_string(), 2)];
    let job = stream! {
        queue(e7_input()) |> map(|k| (k, 1i64))
            |> update_state_by_key(|values, state| Some(values.iter().sum::<i64>() + state.unwrap_or(0)), initial)
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted(&seen),
        pairs(&[
            &[("a", 2), ("c", 2)],
            &[("a", 3), ("b", 1), ("c", 2)],
            &[("a", 4), ("b", 2), ("c", 3)],
            &[("a", 5), ("b", 3), ("c", 3)],
            &[("a", 6), ("b", 3), ("c", 3)],
            &[("a", 6), ("b", 3), ("c", 3)],
        ])
    );
}

#[test]
fn e9_time_aware_update() {
    let (sink, seen) = collector();
    let initial = vec![("a".to_string(), 0i64), ("c".to_string(), 0)];
    let job = stream! {
        queue(e7_input()) |> map(|k| (k, 1i64))
            |> update_state_by_key(
                |time, _key, values, state| {
                    let previous = state.unwrap_or(0);
                    Some(if values.is_empty() { previous } else { time.as_millis() as i64 + previous })
                },
                initial
            )
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted(&seen),
        pairs(&[
            &[("a", 1000), ("c", 0)],
            &[("a", 3000), ("b", 2000), ("c", 0)],
            &[("a", 6000), ("b", 5000), ("c", 3000)],
            &[("a", 10000), ("b", 9000), ("c", 3000)],
            &[("a", 15000), ("b", 9000), ("c", 3000)],
            &[("a", 15000), ("b", 9000), ("c", 3000)],
        ])
    );
}

#[test]
fn e10_none_removes_a_key_and_idle_batches_still_update() {
    // Spark's ⊥ (no batch) is an empty batch here: the update runs for every key either way.
    let (sink, seen) = collector();
    let input = keys(&[&["a", "b"], &[], &["a", "c", "a"], &["c"], &[], &[]]);
    let job = stream! {
        queue(input) |> map(|k| (k, 1i64))
            |> update_state_by_key(|values, state| {
                let (counter, idle) = state.unwrap_or((0, 0));
                if values.is_empty() {
                    (idle + 1 < 2).then_some((counter, idle + 1))
                } else {
                    Some((counter + values.iter().sum::<i64>(), 0))
                }
            })
            |> map(|(k, (counter, _))| (k, counter))
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted(&seen),
        pairs(&[
            &[("a", 1), ("b", 1)],
            &[("a", 1), ("b", 1)],
            &[("a", 3), ("c", 1)],
            &[("a", 3), ("c", 2)],
            &[("c", 2)],
            &[]
        ])
    );
}

fn e17_input() -> Vec<Vec<&'static str>> {
    keys(&[&[], &["a"], &["a", "b"], &["a", "b", "c"], &["a", "b"], &["a"], &[]])
}

#[test]
fn e17_map_with_state_running_count_and_snapshots() {
    let (mapped_sink, mapped) = collector();
    let (snapshot_sink, snapshots) = collector();
    let job = stream! {
        let counted = queue(e17_input()) |> map(|k| (k, 1i64))
            |> map_with_state(|_key, value, state| {
                let sum = value.unwrap_or(0) + state.get().copied().unwrap_or(0);
                state.update(sum);
                sum
            });
        counted every 1s |> foreach_batch(move |records, _| mapped_sink.lock().unwrap().push(records));
        counted |> state_snapshots |> foreach_batch(move |records, _| snapshot_sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(7).unwrap();
    assert_eq!(
        sorted(&mapped),
        vec![vec![], vec![1], vec![1, 2], vec![1, 2, 3], vec![3, 4], vec![5], vec![]]
    );
    assert_eq!(
        sorted(&snapshots),
        pairs(&[
            &[],
            &[("a", 1)],
            &[("a", 2), ("b", 1)],
            &[("a", 3), ("b", 2), ("c", 1)],
            &[("a", 4), ("b", 3), ("c", 1)],
            &[("a", 5), ("b", 3), ("c", 1)],
            &[("a", 5), ("b", 3), ("c", 1)],
        ])
    );
}

#[test]
fn e18_map_with_state_initial_state_shows_in_the_first_snapshot() {
    let (sink, snapshots) = collector();
    let initial: Vec<(String, i64)> =
        vec![("a".into(), 5), ("b".into(), 10), ("c".into(), -20), ("d".into(), 0)];
    let job = stream! {
        queue(e17_input()) |> map(|k| (k, 1i64))
            |> map_with_state(|_key, value, state| {
                let sum = value.unwrap_or(0) + state.get().copied().unwrap_or(0);
                state.update(sum);
                None::<i64>
            }, initial)
            |> state_snapshots every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(7).unwrap();
    let s = |a, b, c| pairs(&[&[("a", a), ("b", b), ("c", c), ("d", 0)]]).remove(0);
    assert_eq!(
        sorted(&snapshots),
        vec![
            s(5, 10, -20),
            s(6, 10, -20),
            s(7, 11, -20),
            s(8, 12, -19),
            s(9, 13, -19),
            s(10, 13, -19),
            s(10, 13, -19)
        ]
    );
}

#[test]
fn e19_map_with_state_removal() {
    let (mapped_sink, mapped) = collector();
    let (snapshot_sink, snapshots) = collector();
    let input =
        keys(&[&[], &["a"], &["a", "b"], &["a", "b", "c"], &["a", "b", "c"], &["a", "b"], &["a"], &[]]);
    let job = stream! {
        let removed = queue(input) |> map(|k| (k, 1i64))
            |> map_with_state(|key, value, state| {
                if state.exists() {
                    state.remove();
                    Some(key.clone())
                } else {
                    state.update(value.unwrap_or(0));
                    None
                }
            })
            |> flat_map(|k| k);
        removed every 1s |> foreach_batch(move |records, _| mapped_sink.lock().unwrap().push(records))
    };
    // state_snapshots of the same operator, in a second job with the same function.
    let input =
        keys(&[&[], &["a"], &["a", "b"], &["a", "b", "c"], &["a", "b", "c"], &["a", "b"], &["a"], &[]]);
    let snapshot_job = stream! {
        queue(input) |> map(|k| (k, 1i64))
            |> map_with_state(|_key, value, state| {
                if state.exists() {
                    state.remove();
                } else {
                    state.update(value.unwrap_or(0));
                }
            })
            |> state_snapshots every 1s |> foreach_batch(move |records, _| snapshot_sink.lock().unwrap().push(records))
    };
    Harness::new(job).with_parallelism(1).run_batches(8).unwrap();
    Harness::new(snapshot_job).with_parallelism(1).run_batches(8).unwrap();
    let strings = |b: &[&[&str]]| -> Vec<Vec<String>> {
        b.iter().map(|x| x.iter().map(|s| s.to_string()).collect()).collect()
    };
    assert_eq!(sorted(&mapped), strings(&[&[], &[], &["a"], &["b"], &["a", "c"], &["b"], &["a"], &[]]));
    assert_eq!(
        sorted(&snapshots),
        pairs(&[&[], &[("a", 1)], &[("b", 1)], &[("a", 1), ("c", 1)], &[("b", 1)], &[("a", 1)], &[], &[]])
    );
}

#[test]
fn e20_map_with_state_timeout_is_eager() {
    let (mapped_sink, mapped) = collector();
    let (snapshot_sink, snapshots) = collector();
    let mut input = keys(&[&["a", "b", "c"], &["a", "b"], &["a"], &[], &[], &["a"]]);
    input.extend((0..14).map(|_| vec!["a"]));
    let job = stream! {
        let timed = queue(input) |> map(|k| (k, 1i64))
            |> map_with_state(|key, value, state| {
                if value.is_some() {
                    state.update(1i64);
                }
                state.is_timing_out().then(|| key.clone())
            }, Vec::new(), 3s)
            |> flat_map(|k| k);
        timed every 1s |> foreach_batch(move |records, _| mapped_sink.lock().unwrap().push(records))
    };
    let snapshot_input: Vec<Vec<&str>> = {
        let mut i = keys(&[&["a", "b", "c"], &["a", "b"], &["a"], &[], &[], &["a"]]);
        i.extend((0..14).map(|_| vec!["a"]));
        i
    };
    let snapshot_job = stream! {
        queue(snapshot_input) |> map(|k| (k, 1i64))
            |> map_with_state(|_key, value, state| {
                if value.is_some() {
                    state.update(1i64);
                }
            }, Vec::new(), 3s)
            |> state_snapshots every 1s |> foreach_batch(move |records, _| snapshot_sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(20).unwrap();
    Harness::new(snapshot_job).run_batches(20).unwrap();
    let mut all: Vec<String> = sorted(&mapped).concat();
    all.sort();
    assert_eq!(all, ["b", "c"]);
    // Eager: c was last updated at 1000 ms and b at 2000 ms, so with a 3 s timeout they are
    // evicted at the first batches past 4000 ms and 5000 ms.
    let per_batch = sorted(&mapped);
    assert_eq!(per_batch[4], ["c"]);
    assert_eq!(per_batch[5], ["b"]);
    let snaps = sorted(&snapshots);
    assert!(snaps.contains(&pairs(&[&[("a", 1), ("b", 1), ("c", 1)]]).remove(0)));
    assert_eq!(snaps.last().unwrap(), &pairs(&[&[("a", 1)]]).remove(0));
}
