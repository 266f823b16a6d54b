//! Operators that regroup a batch: glom, map_partitions, repartition, transform,
//! transform_with and combine_by_key (docs/semantics.md E2, E6 via transform_with).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// Per-batch records seen by `foreach_batch`.
type Seen<T> = Arc<Mutex<Vec<Vec<T>>>>;

fn e1_input() -> Vec<Vec<i32>> {
    vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11, 12]]
}

#[test]
fn e2_glom_makes_one_record_per_partition() {
    let seen: Seen<Vec<i32>> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        queue(e1_input()) |> glom every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(3).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![vec![vec![1, 2], vec![3, 4]], vec![vec![5, 6], vec![7, 8]], vec![vec![9, 10], vec![11, 12]]]
    );
}

#[test]
fn e2_map_partitions_sums_each_partition() {
    let job = stream! {
        queue(e1_input()) |> map_partitions(|records| std::iter::once(records.sum::<i32>())) every 1s |> print
    };
    let out = Harness::new(job).run_batches(3).unwrap();
    let sums: Vec<Vec<&str>> = out.iter().map(|o| o.printed_records()).collect();
    assert_eq!(sums, vec![vec!["3", "7"], vec!["11", "15"], vec!["19", "23"]]);
}

#[test]
fn repartition_gives_exactly_n_partitions() {
    let seen: Seen<Vec<i32>> = Arc::default();
    let sink = Arc::clone(&seen);
    let job = stream! {
        queue(vec![(1..=10).collect::<Vec<i32>>()]) |> repartition(3) |> glom
            every 1s |> foreach_batch(move |records, _| sink.lock().unwrap().push(records))
    };
    Harness::new(job).run_batches(1).unwrap();
    let parts = &seen.lock().unwrap()[0];
    assert_eq!(parts.len(), 3);
    let mut all: Vec<i32> = parts.concat();
    all.sort();
    assert_eq!(all, (1..=10).collect::<Vec<_>>());
}

#[test]
fn transform_sees_the_whole_batch_and_its_time() {
    let job = stream! {
        queue(vec![vec![3, 1, 2], vec![5, 4]])
            |> transform(|mut records, time| {
                records.sort();
                records.into_iter().map(move |x| (time.as_millis(), x))
            })
            every 1s |> print
    };
    let out = Harness::new(job).with_parallelism(1).run_batches(2).unwrap();
    assert_eq!(out[0].printed_records(), ["(1000,1)", "(1000,2)", "(1000,3)"]);
    assert_eq!(out[1].printed_records(), ["(2000,4)", "(2000,5)"]);
}

#[test]
fn transform_with_combines_two_streams_of_the_same_batch() {
    let job = stream! {
        let words = queue(vec![vec!["a", "b"], vec!["c"]]);
        queue(vec![vec![1, 2], vec![3]])
            |> transform_with(words, |numbers, words, _| {
                numbers.into_iter().zip(words).map(|(n, w)| format!("{w}{n}")).collect::<Vec<_>>()
            })
            every 1s |> print
    };
    let out = Harness::new(job).with_parallelism(1).run_batches(2).unwrap();
    assert_eq!(out[0].printed_records(), ["a1", "b2"]);
    assert_eq!(out[1].printed_records(), ["c3"]);
}

#[test]
fn combine_by_key_averages_values() {
    let job = stream! {
        queue(vec![vec![("a", 1.0), ("b", 4.0), ("a", 3.0)]])
            |> combine_by_key(|v| (v, 1), |(sum, n), v| (sum + v, n + 1), |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2))
            |> map_values(|(sum, n)| sum / f64::from(n))
            every 1s |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    let mut records = out[0].printed_records();
    records.sort();
    assert_eq!(records, ["(a,2.0)", "(b,4.0)"]);
}
