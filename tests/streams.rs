//! Several streams in one program: `let` streams shared by several outputs, and `union`
//! (docs/semantics.md E5).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// Per-batch records collected by `foreach_batch`.
type Batches<T> = Arc<Mutex<Vec<Vec<T>>>>;

#[test]
fn e5_union_concatenates_partitions_self_first() {
    let input = vec![vec![1, 2, 3, 4], vec![101, 102, 103, 104], vec![201, 202, 203, 204]];
    let seen: Batches<i32> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let s = queue(input.clone());
        let shifted = queue(input) |> map(|x| x + 4);
        s |> union(shifted) every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(3).unwrap();
    let expected: Vec<Vec<i32>> = vec![(1..=8).collect(), (101..=108).collect(), (201..=208).collect()];
    assert_eq!(*seen.lock().unwrap(), expected);
}

#[test]
fn e5_union_of_three_streams() {
    let input = vec![vec![1, 2, 3, 4], vec![101, 102, 103, 104], vec![201, 202, 203, 204]];
    let seen: Batches<i32> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        let plus4 = queue(input.clone()) |> map(|x| x + 4);
        let plus8 = queue(input.clone()) |> map(|x| x + 8);
        queue(input) |> union(plus4, plus8) every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(3).unwrap();
    let expected: Vec<Vec<i32>> = vec![(1..=12).collect(), (101..=112).collect(), (201..=212).collect()];
    assert_eq!(*seen.lock().unwrap(), expected);
}

#[test]
fn a_let_stream_feeds_several_outputs_in_order() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (evens, all) = (Arc::clone(&seen), Arc::clone(&seen));
    let job = stream! {
        let doubled = queue(vec![vec![1, 2, 3], vec![4]]) |> map(|x| x * 2);
        doubled |> filter(|x| x % 4 == 0) every 1s
            |> foreach_batch(move |r, t| evens.lock().unwrap().push(format!("{} fours {r:?}", t.as_millis())));
        doubled |> foreach_batch(move |r, t| all.lock().unwrap().push(format!("{} all {r:?}", t.as_millis())))
    };
    let explain = job.explain().to_string();
    Harness::new(job).run_batches(2).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["1000 fours [4]", "1000 all [2, 4, 6]", "2000 fours [8]", "2000 all [8]"]
    );
    assert!(explain.contains("(shared: computed once per batch, read by 2 steps)"), "{explain}");
}

#[test]
fn a_shared_stream_is_computed_once_per_batch() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Spark's `persist` case: `words` counted and also saved; the split and the map run once
    // per record, not once per output.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let job = stream! {
        let words = queue(vec![vec!["a b", "b c d"]]) |> flat_map(split) |> map(move |w| {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            w
        });
        words |> count every 1s |> print;
        words |> map(|w| (w, 1)) |> reduce_by_key(+) |> print
    };
    Harness::new(job).run_batches(1).unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 5);
}

#[test]
fn shared_text_stream_counts_words_and_lines() {
    let job = stream! {
        let lines = queue(vec![vec!["a b", "b c d"]]);
        lines |> flat_map(split) |> count every 1s |> print;
        lines |> count |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    let dashes = "-".repeat(43);
    let batch = |n: u64| format!("{dashes}\nTime: 1000 ms\n{dashes}\n{n}\n\n");
    assert_eq!(out[0].printed, format!("{}{}", batch(5), batch(2)));
}

#[test]
fn source_takes_any_source_value() {
    let built_outside = dstream::source::queue::QueueSource::new(vec![vec![1, 2], vec![3]]);
    let job = stream! { source(built_outside) |> map(|x| x * 10) every 1s |> print };
    let out = Harness::new(job).with_parallelism(1).run_batches(2).unwrap();
    assert_eq!(out[0].printed_records(), ["10", "20"]);
    assert_eq!(out[1].printed_records(), ["30"]);
}
