//! Keys and records flow through every operator and every combination without glue code:
//! words are `&str` (slices of the batch's text) until a state store owns them as `String`; a
//! window keeps them as `String` but emits them as they entered (`&str`, borrowed from the
//! window's state for the batch). Streams of either kind combine in `union` and the joins as
//! `String`; streams of the same kind combine untouched (borrowed text stays borrowed).

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
    // Both have `&str` keys: `recent`'s borrowed from the window's state, `now`'s from the
    // batch's text (the closures' annotations say so).
    let job = stream! {
        let words = queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) every 1s;
        let recent = words |> reduce_by_key_and_window(+, 2s) |> filter(|(w, _): &(&str, i32)| !w.is_empty());
        let now = words |> reduce_by_key(+) |> filter(|(w, _): &(&str, i32)| !w.is_empty());
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

/// `(word, length)` keys: the first letters of `a bb a`, `bb c`.
fn text() -> Vec<Vec<&'static str>> {
    vec![vec!["a bb a"], vec!["bb c"]]
}

#[test]
fn composite_keys_flow_through_reduce_window_state_and_join() {
    // `(&str, u32)` keys per batch and after the window, `(String, u32)` after the state store,
    // and a third stream keyed by `(String, u32)` from owned text: every pair joins without
    // glue.
    let names: Vec<Vec<String>> = vec![vec!["a".to_string(), "c".to_string()]];
    let job = stream! {
        let counts = queue(text()) |> flat_map(split) |> map(|w| ((w, w.len() as u32), 1)) |> reduce_by_key(+) every 1s;
        let recent = counts |> reduce_by_key_and_window(+, 2s) |> filter(|((w, _), _): &((&str, u32), i32)| !w.is_empty());
        let total = counts |> update_state_by_key(|new: Vec<i32>, old: Option<i32>| Some(new.iter().sum::<i32>() + old.unwrap_or(0)));
        let known = queue(names) |> map(|n: String| { let len = n.len() as u32; ((n, len), "known") });
        counts |> join(recent) |> print;
        counts |> join(known) |> print;
        total |> join(known) |> print;
        counts |> union(recent) |> reduce_by_key(+) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(
        sorted(&out[0]),
        [
            "((a,1),(2,2))",
            "((a,1),(2,known))",
            "((a,1),(2,known))",
            "((a,1),4)",
            "((bb,2),(1,1))",
            "((bb,2),2)",
        ]
    );
}

#[test]
fn pairs_of_words_flow_through_reduce_window_and_join() {
    // `(&str, &str)` keys (first and second word of a line) per batch and after the window,
    // and a third stream keyed by `(String, String)`.
    let owned: Vec<Vec<(String, String)>> = vec![vec![("a".to_string(), "bb".to_string())]];
    let job = stream! {
        let pairs = queue(text()) |> flat_map(|line: &str| {
            let words: Vec<&str> = line.split(' ').collect();
            words.windows(2).map(|w| ((w[0], w[1]), 1)).collect::<Vec<_>>()
        }) |> reduce_by_key(+) every 1s;
        let recent = pairs |> reduce_by_key_and_window(+, 2s) |> filter(|((a, _), _): &((&str, &str), i32)| !a.is_empty());
        let known = queue(owned) |> map(|pair| (pair, true));
        pairs |> join(recent) |> print;
        pairs |> join(known) |> print;
        recent |> join(known) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(
        sorted(&out[0]),
        ["((a,bb),(1,1))", "((a,bb),(1,true))", "((a,bb),(1,true))", "((bb,a),(1,1))"]
    );
}

#[test]
fn optional_text_keys_stay_borrowed_through_a_window() {
    // `Option<&str>` keys per batch and after a window.
    let job = stream! {
        let tagged = queue(vec![vec!["#a b #a"]]) |> flat_map(split) |> map(|w| (w.strip_prefix('#'), 1)) |> reduce_by_key(+) every 1s;
        let recent = tagged |> window(2s) |> filter(|(t, _): &(Option<&str>, i32)| t.is_none_or(|t| !t.is_empty()));
        tagged |> join(recent) |> print;
        tagged |> union(recent) |> reduce_by_key(+) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(None,(1,1))", "(None,2)", "(Some(a),(2,2))", "(Some(a),4)"]);
}

#[test]
fn transform_with_takes_borrowed_and_owned_streams() {
    // Both sides' keys are `&str` (one borrowed from the window's state); the function joins
    // them by hand, and gives what `join` gives.
    let job = stream! {
        let counts = queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s;
        let recent = counts |> reduce_by_key_and_window(+, 2s);
        counts |> transform_with(recent, |now, recent, _| {
            let recent: std::collections::HashMap<_, _> = recent.into_iter().collect();
            now.into_iter().filter_map(|(w, n)| Some((w, (n, *recent.get(w)?)))).collect::<Vec<_>>()
        }) |> print;
        counts |> join(recent) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(a,(2,2))", "(a,(2,2))", "(b,(1,1))", "(b,(1,1))"]);
}

#[test]
fn a_closure_on_borrowed_words_after_a_window() {
    // After a window, words are still `&str` (borrowed from the window's state for the
    // batch); a type that does not match is a compile error (ui-tests
    // `types/closure_type_after_window`). Owned words stay `String` after a window.
    let job = stream! {
        queue(lines()) |> flat_map(split) every 1s |> window(2s) |> map(|w: &str| w.len()) |> reduce(+) |> print
    };
    let out = Harness::new(job).run_batches(2).unwrap();
    assert_eq!(out[0].printed_records(), ["3"]);
    assert_eq!(out[1].printed_records(), ["5"]);
    let owned: Vec<Vec<String>> = vec![vec!["a b".to_string()], vec!["c".to_string()]];
    let job = stream! {
        queue(owned) |> flat_map(split) every 1s |> window(2s) |> map(|w: String| w.len()) |> reduce(+) |> print
    };
    let out = Harness::new(job).run_batches(2).unwrap();
    assert_eq!(out[1].printed_records(), ["3"]);
}

#[test]
fn word_count_keys_stay_borrowed() {
    // The borrowed fast path where it is sound: the word count's keys are still `&str` after
    // `reduce_by_key` (the closure's annotation says so: `String` keys would not compile), on
    // a queue of text and on a socket's lines alike.
    let job = stream! {
        queue(lines()) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s
            |> map(|(w, n): (&str, i32)| (w.len(), n)) |> reduce_by_key(+) |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(sorted(&out[0]), ["(1,3)"]);
    // Built, not run: it only has to type-check.
    let socket = stream! {
        socket("127.0.0.1", 9) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s
            |> map(|(w, n): (&str, i32)| (w.len(), n)) |> print
    };
    assert!(socket.explain().to_string().contains("reduce_by_key"));
}
