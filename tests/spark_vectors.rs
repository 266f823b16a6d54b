//! Spark's own test vectors (docs/semantics.md §e, from `BasicOperationsSuite`) for the
//! operators dstream has (E1, E3, E4, E5), run the way Spark's `TestSuiteBase` runs them: a
//! manual clock from 0, `B = 1 s` (batches at 1000, 2000, ... ms), input batches cut into 2
//! contiguous partitions, one output entry per batch.
//!
//! `[...]` vectors (narrow operators, which keep partition order) are compared in order;
//! `{...}` vectors (shuffle results) are compared as multisets, as Spark's suites do with
//! `useSet = true`. Expected values are written the way Spark prints them: `(a,2)`, and
//! `(,2)` for the empty-string key.

use dstream::prelude::*;
use dstream::testing::Harness;

/// Runs `batches` batches of a job that has a single `print` and returns, per batch, the
/// printed records in printed order. Checks that the batch times are 1000, 2000, ... ms.
fn run(job: Job, batches: usize) -> Vec<Vec<String>> {
    let out = Harness::new(job).run_batches(batches).expect("the job runs");
    out.iter()
        .enumerate()
        .map(|(i, batch)| {
            assert_eq!(batch.time.as_millis(), 1000 * (i as u64 + 1), "batch {i}");
            assert!(!batch.printed.contains("\n...\n"), "print cut the output off: {}", batch.printed);
            batch.printed_records().into_iter().map(str::to_owned).collect()
        })
        .collect()
}

/// Spark's ordered `[[...], ...]`: each batch's records as printed strings.
fn ordered<const N: usize>(batches: &[[&str; N]]) -> Vec<Vec<String>> {
    batches.iter().map(|b| b.iter().map(|r| r.to_string()).collect()).collect()
}

/// Spark's `[{...}, ...]`: each batch's records as a sorted multiset.
fn multisets(batches: &[&[&str]]) -> Vec<Vec<String>> {
    batches.iter().map(|b| sorted(b.iter().map(|r| r.to_string()).collect())).collect()
}

fn sorted(mut records: Vec<String>) -> Vec<String> {
    records.sort();
    records
}

/// The printed batches as multisets (record order within a batch ignored).
fn as_multisets(batches: Vec<Vec<String>>) -> Vec<Vec<String>> {
    batches.into_iter().map(sorted).collect()
}

/// A printed `(key,[v1, v2, ...])` with its values sorted: group order is unspecified, so
/// Spark's suites compare the groups as sets too.
fn with_sorted_group(record: &str) -> String {
    let inner = record
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not a pair: {record}"));
    let (key, group) = inner.split_once(',').unwrap_or_else(|| panic!("not (key,group): {record}"));
    let list = group
        .strip_prefix('[')
        .and_then(|g| g.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not a list: {group}"));
    let mut values: Vec<&str> = if list.is_empty() { Vec::new() } else { list.split(", ").collect() };
    values.sort();
    format!("({key},[{}])", values.join(", "))
}

/// E1's input.
fn e1_input() -> Vec<Vec<i32>> {
    vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11, 12]]
}

/// E4's input before the `(x,1)` map.
fn e4_input() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "a", "b"], vec!["", ""], vec![]]
}

// ---------------------------------------------------------------------------------------
// E1. map / flatMap / filter: ordered.
// ---------------------------------------------------------------------------------------

#[test]
fn e1_map_to_string_keeps_the_order() {
    let input = e1_input();
    let job = stream! {
        queue(input) |> map(|x: i32| -> String { x.to_string() }) every 1s |> print(100)
    };
    assert_eq!(run(job, 3), ordered(&[["1", "2", "3", "4"], ["5", "6", "7", "8"], ["9", "10", "11", "12"]]));
}

#[test]
fn e1_flat_map_emits_x_and_2x_in_order() {
    let input = e1_input();
    let job = stream! {
        queue(input) |> flat_map(|x| [x, 2 * x]) every 1s |> print(100)
    };
    assert_eq!(
        run(job, 3),
        ordered(&[
            ["1", "2", "2", "4", "3", "6", "4", "8"],
            ["5", "10", "6", "12", "7", "14", "8", "16"],
            ["9", "18", "10", "20", "11", "22", "12", "24"],
        ])
    );
}

#[test]
fn e1_filter_keeps_the_even_records_in_order() {
    let input = e1_input();
    let job = stream! {
        queue(input) |> filter(|x| x % 2 == 0) every 1s |> print(100)
    };
    assert_eq!(run(job, 3), ordered(&[["2", "4"], ["6", "8"], ["10", "12"]]));
}

// ---------------------------------------------------------------------------------------
// E3. reduce / count / countByValue.
// ---------------------------------------------------------------------------------------

#[test]
fn e3_reduce_sums_each_batch() {
    let input = e1_input();
    let job = stream! { queue(input) |> reduce(+) every 1s |> print(100) };
    assert_eq!(run(job, 3), ordered(&[["10"], ["26"], ["42"]]));
}

#[test]
fn e3_reduce_with_a_closure_equals_the_shorthand() {
    let input = e1_input();
    let job = stream! { queue(input) |> reduce(|a, b| a + b) every 1s |> print(100) };
    assert_eq!(run(job, 3), ordered(&[["10"], ["26"], ["42"]]));
}

/// §a.3: `reduce` of an empty batch is an empty RDD, not a value (unlike `count`).
#[test]
fn a3_reduce_emits_nothing_for_an_empty_batch() {
    let input: Vec<Vec<i32>> = vec![vec![], vec![1, 2], vec![]];
    let job = stream! { queue(input) |> reduce(+) every 1s |> print(100) };
    let empty: &[&str] = &[];
    assert_eq!(run(job, 3), multisets(&[empty, &["3"], empty]));
}

#[test]
fn e3_count_emits_zero_for_an_empty_batch() {
    let input: Vec<Vec<i32>> = vec![vec![], vec![1], vec![1, 2], vec![1, 2, 3], vec![1, 2, 3, 4]];
    let job = stream! { queue(input) |> count every 1s |> print(100) };
    assert_eq!(run(job, 5), ordered(&[["0"], ["1"], ["2"], ["3"], ["4"]]));
}

#[test]
fn e3_count_by_value_counts_each_distinct_record() {
    let input = vec![vec![1], vec![1, 1, 1], vec![1, 2], vec![1, 1, 2, 2]];
    let job = stream! { queue(input) |> count_by_value every 1s |> print(100) };
    assert_eq!(
        as_multisets(run(job, 4)),
        multisets(&[&["(1,1)"], &["(1,3)"], &["(1,1)", "(2,1)"], &["(1,2)", "(2,2)"],])
    );
}

// ---------------------------------------------------------------------------------------
// E4. Keyed per-batch: in = [["a","a","b"],["",""],[]] mapped to (x,1); multisets.
// ---------------------------------------------------------------------------------------

#[test]
fn e4_reduce_by_key_sums_the_values_of_each_key() {
    let input = e4_input();
    let job = stream! {
        queue(input) |> map(|x| (x, 1)) |> reduce_by_key(+) every 1s |> print(100)
    };
    let empty: &[&str] = &[];
    assert_eq!(as_multisets(run(job, 3)), multisets(&[&["(a,2)", "(b,1)"], &["(,2)"], empty]));
}

#[test]
fn e4_group_by_key_collects_the_values_of_each_key() {
    let input = e4_input();
    let job = stream! {
        queue(input) |> map(|x| (x, 1)) |> group_by_key every 1s |> print(100)
    };
    let groups: Vec<Vec<String>> = run(job, 3)
        .into_iter()
        .map(|batch| sorted(batch.iter().map(|r| with_sorted_group(r)).collect()))
        .collect();
    let empty: &[&str] = &[];
    assert_eq!(groups, multisets(&[&["(a,[1, 1])", "(b,[1])"], &["(,[1, 1])"], empty]));
}

#[test]
fn e4_reduce_by_key_then_map_values_adds_ten() {
    let input = e4_input();
    let job = stream! {
        queue(input) |> map(|x| (x, 1)) |> reduce_by_key(+) |> map_values(|v| v + 10)
            every 1s |> print(100)
    };
    let empty: &[&str] = &[];
    assert_eq!(as_multisets(run(job, 3)), multisets(&[&["(a,12)", "(b,11)"], &["(,12)"], empty]));
}

#[test]
fn e4_reduce_by_key_then_flat_map_values_emits_x_and_x_plus_ten() {
    let input = e4_input();
    let job = stream! {
        queue(input) |> map(|x| (x, 1)) |> reduce_by_key(+) |> flat_map_values(|v| [v, v + 10])
            every 1s |> print(100)
    };
    let empty: &[&str] = &[];
    assert_eq!(
        as_multisets(run(job, 3)),
        multisets(&[&["(a,2)", "(a,12)", "(b,1)", "(b,11)"], &["(,2)", "(,12)"], empty])
    );
}

// ---------------------------------------------------------------------------------------
// E5. union: in = [[1..4],[101..104],[201..204]]; s.union(s.map(+4)), ordered, self first.
// ---------------------------------------------------------------------------------------

#[test]
fn e5_union_concatenates_the_partitions_self_first() {
    let input = vec![vec![1, 2, 3, 4], vec![101, 102, 103, 104], vec![201, 202, 203, 204]];
    let job = stream! {
        let shifted = queue(input.clone()) |> map(|x| x + 4);
        queue(input) |> union(shifted) every 1s |> print(100)
    };
    assert_eq!(
        run(job, 3),
        ordered(&[
            ["1", "2", "3", "4", "5", "6", "7", "8"],
            ["101", "102", "103", "104", "105", "106", "107", "108"],
            ["201", "202", "203", "204", "205", "206", "207", "208"],
        ])
    );
}

// ---------------------------------------------------------------------------------------
// The same vectors in `#![unfused]` mode, which must not change any result.
// ---------------------------------------------------------------------------------------

#[test]
fn e1_flat_map_then_filter_unfused() {
    // E1's flatMap, then E1's filter on its output, each materialised.
    let input = e1_input();
    let job = stream! {
        #![unfused]
        queue(input) |> flat_map(|x| [x, 2 * x]) |> filter(|x| x % 2 == 0) every 1s |> print(100)
    };
    assert_eq!(
        run(job, 3),
        ordered(&[
            ["2", "2", "4", "6", "4", "8"],
            ["10", "6", "12", "14", "8", "16"],
            ["18", "10", "20", "22", "12", "24"],
        ])
    );
}

#[test]
fn e4_reduce_by_key_then_flat_map_values_unfused() {
    let input = e4_input();
    let job = stream! {
        #![unfused]
        queue(input) |> map(|x| (x, 1)) |> reduce_by_key(+) |> flat_map_values(|v| [v, v + 10])
            every 1s |> print(100)
    };
    let empty: &[&str] = &[];
    assert_eq!(
        as_multisets(run(job, 3)),
        multisets(&[&["(a,2)", "(a,12)", "(b,1)", "(b,11)"], &["(,2)", "(,12)"], empty])
    );
}

// ---------------------------------------------------------------------------------------
// The comparison helpers themselves.
// ---------------------------------------------------------------------------------------

#[test]
fn group_values_are_normalised_by_sorting() {
    assert_eq!(with_sorted_group("(a,[2, 1, 1])"), "(a,[1, 1, 2])");
    assert_eq!(with_sorted_group("(,[1])"), "(,[1])");
    assert_eq!(with_sorted_group("(k,[])"), "(k,[])");
}

/// E23: `slice` over a job's batches; both ends are inclusive, times at or before the job's
/// zero time are skipped, and slicing before the first batch is an error.
#[test]
fn e23_slice() {
    let job = stream! { queue(vec![vec![1], vec![2], vec![3], vec![4]]) every 1s |> print };
    let mut harness = Harness::new(job).remember();
    assert!(harness
        .slice(Time::from_millis(0), Time::from_millis(1000))
        .unwrap_err()
        .to_string()
        .contains("not been initialized"));
    harness.run_batches(4).unwrap();
    let records = |from: u64, to: u64| -> Vec<String> {
        harness
            .slice(Time::from_millis(from), Time::from_millis(to))
            .unwrap()
            .iter()
            .flat_map(|o| o.printed_records().into_iter().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    };
    assert_eq!(records(0, 1000), ["1"]);
    assert_eq!(records(0, 2000), ["1", "2"]);
    assert_eq!(records(1000, 2000), ["1", "2"]);
    assert_eq!(records(2000, 4000), ["2", "3", "4"]);
}

// ---------------------------------------------------------------------------------------
// reduceByWindow(f, invF, W, S): Spark defines it as
// `map((1, _)).reduceByKeyAndWindow(f, invF, W, S, 1).map(_._2)`, so its vectors are those
// of `WindowOperationsSuite` for the incremental keyed window on one key, and for
// `countByWindow` (which is `map(_ => 1L).reduceByWindow(_ + _, _ - _, W, S)`).
// ---------------------------------------------------------------------------------------

/// `WindowOperationsSuite` "countByWindow": W = 2 s, S = 1 s.
#[test]
fn reduce_by_window_with_inverse_counts_like_spark_count_by_window() {
    let input: Vec<Vec<i32>> = vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]];
    let job = stream! { queue(input) |> map(|_| 1i64) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print };
    assert_eq!(run(job, 6), ordered(&[["1"], ["2"], ["3"], ["3"], ["1"], ["0"]]));
}

/// `WindowOperationsSuite` "reduceByKeyAndWindow with inverse function - key removed from
/// window", on one key: once a value was seen, an empty window gives the inverse's zero
/// (the naive form gives nothing).
#[test]
fn reduce_by_window_with_inverse_keeps_emitting_after_the_data_left() {
    let input = || vec![vec![1], vec![1], vec![], vec![]];
    let job = stream! { queue(input()) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print };
    assert_eq!(run(job, 4), ordered(&[["1"], ["2"], ["1"], ["0"]]));
    let naive = stream! { queue(input()) every 1s |> reduce_by_window(+, 2s, 1s) |> print };
    let naive = run(naive, 4);
    assert_eq!(naive[..3], ordered(&[["1"], ["2"], ["1"]]));
    assert!(naive[3].is_empty());
}

/// `WindowOperationsSuite` "larger slide time" (W = 4 s, S = 2 s), on one key: windows at
/// 2, 4, 6 and 8 s.
#[test]
fn reduce_by_window_with_inverse_and_a_larger_slide() {
    let input = vec![vec![1], vec![2], vec![3], vec![4], vec![5], vec![6], vec![], vec![]];
    let job = stream! { queue(input) every 1s |> reduce_by_window(+, -, 4s, 2s) |> print };
    let out = run(job, 8);
    let at_slides: Vec<Vec<String>> = out.into_iter().skip(1).step_by(2).collect();
    assert_eq!(at_slides, ordered(&[["3"], ["10"], ["18"], ["11"]]));
}

/// Before any record, the incremental form has no key and emits nothing, as in Spark.
#[test]
fn reduce_by_window_with_inverse_is_silent_before_the_first_record() {
    let input: Vec<Vec<i32>> = vec![vec![], vec![5], vec![]];
    let job = stream! { queue(input) every 1s |> reduce_by_window(|a, b| a + b, |a, b| a - b, 2s) |> print };
    let out = run(job, 3);
    assert!(out[0].is_empty());
    assert_eq!(out[1..], ordered(&[["5"], ["5"]]));
}

/// Checked against real Spark (spark-peer's `oracle_scala.sh`, Spark 4.3.0, `local[2]`): spec
/// `{"batches": [[3,4],[],[7],[1,1,1],[],[],[2],[]], "num_batches": 10, "pipeline":
/// [{"op": "reduce_by_window_sum", "length": 3|4, "slide": 1|2, "inverse": true}]}` gave
/// these outputs (`null`, no output at a time that is not a slide time, is our empty batch),
/// and `[[],[5],[],[],[]]` with length 2 gave `[] [5] [5] [0] [0]`.
#[test]
fn reduce_by_window_with_inverse_matches_spark_on_a_longer_run() {
    let input = || {
        let mut batches = vec![vec![3, 4], vec![], vec![7], vec![1, 1, 1], vec![], vec![], vec![2]];
        batches.resize(10, vec![]);
        batches
    };
    let sliding = stream! { queue(input()) every 1s |> reduce_by_window(+, -, 3s, 1s) |> print };
    assert_eq!(
        run(sliding, 10),
        ordered(&[["7"], ["7"], ["14"], ["10"], ["10"], ["3"], ["2"], ["2"], ["2"], ["0"]])
    );
    let hopping = stream! { queue(input()) every 1s |> reduce_by_window(+, -, 4s, 2s) |> print };
    let at_slides: Vec<Vec<String>> = run(hopping, 10).into_iter().skip(1).step_by(2).collect();
    assert_eq!(at_slides, ordered(&[["7"], ["17"], ["10"], ["2"], ["2"]]));
    let late = stream! { queue(vec![vec![], vec![5], vec![], vec![], vec![]]) every 1s |> reduce_by_window(+, -, 2s) |> print };
    let late = run(late, 5);
    assert!(late[0].is_empty());
    assert_eq!(late[1..], ordered(&[["5"], ["5"], ["0"], ["0"]]));
}
