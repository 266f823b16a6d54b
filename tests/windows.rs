//! Window operators with Spark's test vectors (docs/semantics.md E11, E12, E13 naive,
//! E14–E16).

use dstream::prelude::*;
use dstream::testing::{BatchOutput, Harness};

/// The printed records of every batch, each batch sorted (Spark compares these as sets).
fn sorted_records(outputs: &[BatchOutput]) -> Vec<Vec<String>> {
    outputs
        .iter()
        .map(|o| {
            let mut r: Vec<String> = o.printed_records().into_iter().map(str::to_owned).collect();
            r.sort();
            r
        })
        .collect()
}

/// The batches at which the windowed stream produced output (its slide times).
fn emitted(outputs: Vec<BatchOutput>) -> Vec<BatchOutput> {
    outputs.into_iter().filter(|o| !o.printed.is_empty()).collect()
}

fn times(outputs: &[BatchOutput]) -> Vec<u64> {
    outputs.iter().map(|o| o.time.as_millis()).collect()
}

fn strings(batches: &[&[&str]]) -> Vec<Vec<String>> {
    batches.iter().map(|b| b.iter().map(|s| s.to_string()).collect()).collect()
}

fn e11_input() -> Vec<Vec<i32>> {
    (0..6).map(|i| vec![i]).collect()
}

#[test]
fn e11_window_2s_slide_1s_first_window_is_partial() {
    let job = stream! { queue(e11_input()) every 1s |> window(2s, 1s) |> print(100) };
    let out = Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted_records(&out),
        strings(&[&["0"], &["0", "1"], &["1", "2"], &["2", "3"], &["3", "4"], &["4", "5"]])
    );
}

#[test]
fn e11_tumbling_window_emits_every_two_seconds() {
    let job = stream! { queue(e11_input()) every 1s |> window(2s, 2s) |> print(100) };
    let out = emitted(Harness::new(job).run_batches(6).unwrap());
    assert_eq!(times(&out), [2000, 4000, 6000]);
    assert_eq!(sorted_records(&out), strings(&[&["0", "1"], &["2", "3"], &["4", "5"]]));
}

#[test]
fn e11_window_4s_slide_2s_over_eight_batches() {
    let job = stream! { queue(e11_input()) every 1s |> window(4s, 2s) |> print(100) };
    let out = emitted(Harness::new(job).run_batches(8).unwrap());
    assert_eq!(times(&out), [2000, 4000, 6000, 8000]);
    assert_eq!(
        sorted_records(&out),
        strings(&[&["0", "1"], &["0", "1", "2", "3"], &["2", "3", "4", "5"], &["4", "5"]])
    );
}

#[test]
#[allow(deprecated)] // the compiler warns that a 3 s slide over a 2 s window skips data
fn e11_slide_longer_than_window_skips_batches() {
    let job = stream! { queue(e11_input()) every 1s |> window(2s, 3s) |> print(100) };
    let out = emitted(Harness::new(job).run_batches(6).unwrap());
    assert_eq!(times(&out), [3000, 6000]);
    assert_eq!(sorted_records(&out), strings(&[&["1", "2"], &["4", "5"]]));
}

#[test]
fn e12_reduce_by_key_and_window_key_leaves_the_window() {
    let job = stream! {
        queue(vec![vec![("a", 1)], vec![("a", 1)], vec![], vec![]]) every 1s
            |> reduce_by_key_and_window(+, 2s, 1s) |> print
    };
    let out = Harness::new(job).run_batches(4).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["(a,1)"], &["(a,2)"], &["(a,1)"], &[]]));
}

#[test]
fn e12_reduce_by_key_and_window_4s_slide_2s() {
    let input: Vec<Vec<(&str, i32)>> = (1..=6).map(|v| vec![("a", v)]).chain([vec![], vec![]]).collect();
    let job = stream! { queue(input) every 1s |> reduce_by_key_and_window(|a, b| a + b, 4s, 2s) |> print };
    let out = emitted(Harness::new(job).run_batches(8).unwrap());
    assert_eq!(sorted_records(&out), strings(&[&["(a,3)"], &["(a,10)"], &["(a,18)"], &["(a,11)"]]));
}

#[test]
fn text_keys_become_owned_when_they_enter_a_window() {
    let job = stream! {
        queue(vec![vec!["a b"], vec!["a"]]) |> flat_map(split) |> map(|w| (w, 1)) every 1s
            |> reduce_by_key_and_window(+, 2s) |> print
    };
    let out = Harness::new(job).run_batches(3).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["(a,1)", "(b,1)"], &["(a,2)", "(b,1)"], &["(a,1)"]]));
}

fn e13_big_input() -> Vec<Vec<(&'static str, i32)>> {
    let keys: [&[&str]; 12] = [
        &["a"],
        &["a", "b"],
        &["a", "b", "c"],
        &["a", "b"],
        &["a"],
        &[],
        &["a"],
        &["a", "b"],
        &["a", "b", "c"],
        &["a", "b"],
        &["a"],
        &[],
    ];
    keys.iter().map(|b| b.iter().map(|k| (*k, 1)).collect()).collect()
}

#[test]
fn e13_naive_window_drops_keys_that_leave() {
    let job = stream! { queue(e13_big_input()) every 1s |> reduce_by_key_and_window(+, 2s, 1s) |> print };
    let out = Harness::new(job).run_batches(12).unwrap();
    let six: [&[&str]; 6] = [
        &["(a,1)"],
        &["(a,2)", "(b,1)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,1)"],
        &["(a,1)"],
    ];
    let mut expected = strings(&six);
    expected.extend(strings(&six));
    assert_eq!(sorted_records(&out), expected);
}

#[test]
fn e14_group_by_key_and_window() {
    let job = stream! { queue(e13_big_input()) every 1s |> group_by_key_and_window(2s, 1s) |> print };
    let out = Harness::new(job).run_batches(6).unwrap();
    assert_eq!(
        sorted_records(&out),
        strings(&[
            &["(a,[1])"],
            &["(a,[1, 1])", "(b,[1])"],
            &["(a,[1, 1])", "(b,[1, 1])", "(c,[1])"],
            &["(a,[1, 1])", "(b,[1, 1])", "(c,[1])"],
            &["(a,[1, 1])", "(b,[1])"],
            &["(a,[1])"],
        ])
    );
}

#[test]
fn e15_count_by_window_emits_zero_for_an_empty_window() {
    let job = stream! {
        queue(vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]]) every 1s |> count_by_window(2s, 1s) |> print
    };
    let out = Harness::new(job).run_batches(6).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["1"], &["2"], &["3"], &["3"], &["1"], &["0"]]));
}

#[test]
fn e16_count_by_value_and_window() {
    let job = stream! {
        queue(vec![vec!["a"], vec!["b", "b"], vec!["a", "b"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print
    };
    let out = Harness::new(job).run_batches(3).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["(a,1)"], &["(a,1)", "(b,2)"], &["(a,1)", "(b,3)"]]));
}

#[test]
fn reduce_by_window_emits_nothing_for_an_empty_window() {
    let job = stream! {
        queue(vec![vec![1, 2], vec![3], vec![], vec![]]) every 1s |> reduce_by_window(+, 2s, 1s) |> print
    };
    let out = Harness::new(job).run_batches(4).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["3"], &["6"], &["3"], &[]]));
}

#[test]
fn e13_incremental_keeps_keys_at_zero() {
    let job = stream! {
        queue(vec![vec![("a", 1)], vec![("a", 1)], vec![], vec![]]) every 1s
            |> reduce_by_key_and_window(+, -, 2s, 1s) |> print
    };
    let out = Harness::new(job).run_batches(4).unwrap();
    assert_eq!(sorted_records(&out), strings(&[&["(a,1)"], &["(a,2)"], &["(a,1)"], &["(a,0)"]]));
}

#[test]
fn e13_incremental_big_test_without_and_with_filter() {
    let job = stream! { queue(e13_big_input()) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print };
    let out = Harness::new(job).run_batches(12).unwrap();
    let six: [&[&str]; 6] = [
        &["(a,1)"],
        &["(a,2)", "(b,1)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,1)", "(c,0)"],
        &["(a,1)", "(b,0)", "(c,0)"],
    ];
    let later: [&[&str]; 6] = [
        &["(a,1)", "(b,0)", "(c,0)"],
        &["(a,2)", "(b,1)", "(c,0)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,2)", "(c,1)"],
        &["(a,2)", "(b,1)", "(c,0)"],
        &["(a,1)", "(b,0)", "(c,0)"],
    ];
    let mut expected = strings(&six);
    expected.extend(strings(&later));
    assert_eq!(sorted_records(&out), expected);

    let filtered = stream! {
        queue(e13_big_input()) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s, |(_, v)| *v != 0) |> print
    };
    let naive = stream! { queue(e13_big_input()) every 1s |> reduce_by_key_and_window(+, 2s, 1s) |> print };
    let filtered = Harness::new(filtered).run_batches(12).unwrap();
    let naive = Harness::new(naive).run_batches(12).unwrap();
    assert_eq!(sorted_records(&filtered), sorted_records(&naive));
}

#[test]
fn e13_incremental_with_a_larger_slide_equals_naive() {
    let input: Vec<Vec<(&str, i32)>> = (1..=6).map(|v| vec![("a", v)]).chain([vec![], vec![]]).collect();
    let incremental =
        stream! { queue(input.clone()) every 1s |> reduce_by_key_and_window(+, -, 4s, 2s) |> print };
    let naive = stream! { queue(input) every 1s |> reduce_by_key_and_window(+, 4s, 2s) |> print };
    let incremental = emitted(Harness::new(incremental).run_batches(8).unwrap());
    let naive = emitted(Harness::new(naive).run_batches(8).unwrap());
    assert_eq!(sorted_records(&incremental), sorted_records(&naive));
    assert_eq!(sorted_records(&naive), strings(&[&["(a,3)"], &["(a,10)"], &["(a,18)"], &["(a,11)"]]));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Through the compiler: incremental (with the zero filter) and naive windows agree on
    /// random word batches, for two window shapes.
    #[test]
    fn incremental_and_naive_jobs_agree(
        batches in proptest::collection::vec(proptest::collection::vec(0u8..5, 0..6), 1..12)
    ) {
        let words: Vec<Vec<String>> = batches.iter().map(|b| b.iter().map(|w| format!("w{w}")).collect()).collect();
        let words2 = words.clone();
        let n = words.len();
        let incremental = stream! {
            queue(words.clone()) |> map(|w| (w, 1u32)) every 1s
                |> reduce_by_key_and_window(+, -, 3s, 1s, |(_, count)| *count != 0) |> print(100)
        };
        let naive = stream! { queue(words) |> map(|w| (w, 1u32)) every 1s |> reduce_by_key_and_window(+, 3s, 1s) |> print(100) };
        let a = Harness::new(incremental).run_batches(n + 3).unwrap();
        let b = Harness::new(naive).run_batches(n + 3).unwrap();
        proptest::prop_assert_eq!(sorted_records(&a), sorted_records(&b));

        let incremental = stream! {
            queue(words2.clone()) |> map(|w| (w, 1u32)) every 1s
                |> reduce_by_key_and_window(+, -, 4s, 2s, |(_, count)| *count != 0) |> print(100)
        };
        let naive = stream! { queue(words2) |> map(|w| (w, 1u32)) every 1s |> reduce_by_key_and_window(+, 4s, 2s) |> print(100) };
        let a = Harness::new(incremental).run_batches(n + 4).unwrap();
        let b = Harness::new(naive).run_batches(n + 4).unwrap();
        proptest::prop_assert_eq!(sorted_records(&a), sorted_records(&b));
    }
}
