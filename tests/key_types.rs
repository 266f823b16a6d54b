//! Keys and records flow through every operator and every combination without glue code:
//! words are `&str` (slices of the batch's text) until a window or a state store owns them as
//! `String`, and streams of either kind combine in `union` and the joins as `String`. Streams
//! of the same kind combine untouched (borrowed text stays borrowed).

use dstream::prelude::*;
use dstream::testing::Harness;

fn lines() -> Vec<Vec<&'static str>> {
    vec![vec!["a b a"], vec!["b c"]]
}

/// The batch's printed records (of every `print`), sorted.
fn sorted(batch: &dstream::testing::BatchOutput) -> Vec<String> {
    let mut records: Vec<String> =
        batch.printed.lines().filter(|l| l.starts_with('(')).map(str::to_owned).collect();
    records.sort();
    records
}

#[test]
fn a_windowed_stream_joins_a_per_batch_stream_on_words() {
    // `recent` has `String` keys (a window owns them), `now` has `&str` keys.
    let job = stream! {
        let words = queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) every 1s;
        let recent = words |> reduce_by_key_and_window(+, 2s);
        let now = words |> reduce_by_key(+);
        now |> join(recent) |> print;
        recent |> left_outer_join(now) |> print
    };
    let out = Harness::new(job).run_batches(2).unwrap();
    assert_eq!(
        sorted(&out[1]),
        ["(a,(2,None))", "(b,(1,2))", "(b,(2,Some(1)))", "(c,(1,1))", "(c,(1,Some(1)))"]
    );
}

#[test]
fn borrowed_and_owned_words_union_as_strings() {
    let job = stream! {
        let words = queue(lines()) |> flat_map(split) every 1s;
        let shouted = words |> map(|w| w.to_uppercase());
        words |> union(shouted) |> count_by_value |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(A,2)", "(B,1)", "(a,2)", "(b,1)"]);
}

#[test]
fn keyed_pairs_from_a_window_union_with_pairs_from_a_batch() {
    let job = stream! {
        let pairs = queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) every 1s;
        let windowed = pairs |> reduce_by_key_and_window(+, 2s);
        pairs |> union(windowed) |> reduce_by_key(+) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(a,4)", "(b,2)"]);
}

#[test]
fn streams_of_the_same_kind_stay_borrowed() {
    // Both sides `&str`: the union's records are still `&str` (the closure says so).
    let job = stream! {
        let a = queue(lines()) |> flat_map(split) every 1s;
        let b = queue(lines()) |> flat_map(split);
        a |> union(b) |> map(|w: &str| w.len()) |> reduce(+) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(out[0].printed_records(), ["6"]);
}

#[test]
fn split_takes_owned_lines_anywhere_in_a_pipeline() {
    // Lines that are `String`s (a queue of owned text, or a map that builds them) split the
    // same as borrowed lines; their words are owned.
    let owned: Vec<Vec<String>> = vec![vec!["a b".to_string(), "b".to_string()]];
    let job = stream! {
        let first = queue(owned) |> flat_map(split) every 1s;
        let later = queue(lines()) |> map(|l| l.to_uppercase()) |> flat_map(split);
        first |> union(later) |> count_by_value |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(A,2)", "(B,1)", "(a,1)", "(b,2)"]);
}
