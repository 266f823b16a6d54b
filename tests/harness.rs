//! The spine's harness tests: word count driven by a manual clock over queued batches,
//! with `print`'s output compared byte for byte with Spark's format (docs/semantics.md E25).

use dstream::prelude::*;
use dstream::testing::Harness;
use std::collections::BTreeMap;

const DASHES: &str = "-------------------------------------------";

/// Spark's `print` output for one batch: header, records, `...` if more, blank line.
fn spark_print(time_ms: u64, records: &[&str], more: bool) -> String {
    let mut s = format!("{DASHES}\nTime: {time_ms} ms\n{DASHES}\n");
    for r in records {
        s.push_str(r);
        s.push('\n');
    }
    if more {
        s.push_str("...\n");
    }
    s.push('\n');
    s
}

/// The `(word,count)` records of a batch as a map (shuffle output order is unspecified,
/// so Spark's suites compare these as sets too).
fn counts(records: Vec<&str>) -> BTreeMap<String, u64> {
    records
        .into_iter()
        .map(|r| {
            let inner = r.strip_prefix('(').and_then(|r| r.strip_suffix(')')).expect("a pair");
            let (word, n) = inner.rsplit_once(',').expect("(word,n)");
            (word.to_string(), n.parse().expect("a count"))
        })
        .collect()
}

fn expected(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect()
}

#[test]
fn word_count_over_queued_batches_at_one_second() {
    let job = stream! {
        queue(vec![vec!["to be or", "not to be"], vec!["be quick"], vec!["or not"]])
            |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let out = Harness::new(job).run_batches(3).unwrap();
    let times: Vec<u64> = out.iter().map(|o| o.time.as_millis()).collect();
    assert_eq!(times, [1000, 2000, 3000]);
    assert_eq!(counts(out[0].printed_records()), expected(&[("to", 2), ("be", 2), ("or", 1), ("not", 1)]));
    assert_eq!(counts(out[1].printed_records()), expected(&[("be", 1), ("quick", 1)]));
    assert_eq!(counts(out[2].printed_records()), expected(&[("or", 1), ("not", 1)]));
    for o in &out {
        assert!(o.printed.starts_with(&format!("{DASHES}\nTime: {} ms\n{DASHES}\n", o.time.as_millis())));
        assert!(o.printed.ends_with("\n\n"));
    }
}

#[test]
fn single_partition_output_matches_spark_byte_for_byte() {
    // One partition makes the record order deterministic for a byte-for-byte comparison.
    let job = stream! {
        queue(vec![vec![("hello", 1), ("world", 1)]]) |> map(|p| p) every 1s |> print
    };
    let out = Harness::new(job).with_parallelism(1).run_batches(1).unwrap();
    assert_eq!(out[0].printed, spark_print(1000, &["(hello,1)", "(world,1)"], false));
}

#[test]
fn empty_batch_prints_header_and_empty_line_only() {
    let job = stream! {
        queue(vec![Vec::<&str>::new()]) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let mut harness = Harness::new(job);
    // The queued empty batch, then a batch past the end of the queue: both print nothing.
    for t in [1000, 2000] {
        assert_eq!(harness.step().unwrap().printed, spark_print(t, &[], false));
    }
}

#[test]
fn more_than_ten_records_prints_ten_and_an_ellipsis() {
    let line = "k1 k2 k3 k4 k5 k6 k7 k8 k9 k10 k11 k12";
    let job = stream! {
        queue(vec![vec![line]]) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    let lines: Vec<&str> = out[0].printed.lines().collect();
    assert_eq!(lines.len(), 3 + 10 + 1 + 1, "{}", out[0].printed);
    assert_eq!(lines[13], "...");
    assert_eq!(lines[14], "");
    let shown = counts(lines[3..13].to_vec());
    assert_eq!(shown.len(), 10);
    assert!(shown.iter().all(|(w, n)| w.starts_with('k') && *n == 1));
}

#[test]
fn print_n_shows_n_records() {
    let job = stream! {
        queue(vec![vec![1, 2, 3, 4, 5]]) |> map(|x| x * 10) every 1s |> print(3)
    };
    let out = Harness::new(job).with_parallelism(1).run_batches(1).unwrap();
    assert_eq!(out[0].printed, spark_print(1000, &["10", "20", "30"], true));
}

#[test]
fn counts_are_the_same_on_any_number_of_partitions() {
    let text: Vec<String> = (0..200).map(|i| format!("w{} w{} common", i % 7, i % 13)).collect();
    let mut results = Vec::new();
    for partitions in [1, 2, 3, 8] {
        let lines = text.clone();
        let job = stream! {
            queue(vec![lines]) |> flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 1s |> print(100)
        };
        let out = Harness::new(job).with_parallelism(partitions).run_batches(1).unwrap();
        results.push(counts(out[0].printed_records()));
    }
    assert_eq!(results[0]["common"], 200);
    assert_eq!(results[0]["w0"], 200 / 7 + 1 + 200 / 13 + 1);
    assert!(results.iter().all(|r| r == &results[0]));
}

/// A batch above `SMALL_BATCH_RECORDS` runs its partitions on the thread pool, a smaller one on
/// the batch thread: the counts are the same on any number of partitions either way.
#[test]
fn large_batches_on_the_pool_count_as_small_ones_inline() {
    let small = dstream::__private::SMALL_BATCH_RECORDS;
    for lines in [small / 2, small * 3] {
        let text: Vec<String> = (0..lines).map(|i| format!("w{} w{} common", i % 7, i % 13)).collect();
        let mut results = Vec::new();
        for partitions in [1, 2, 3] {
            let batch = text.clone();
            let job = stream! {
                queue(vec![batch]) |> flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                    |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 1s |> print(100)
            };
            let out = Harness::new(job).with_parallelism(partitions).run_batches(1).unwrap();
            results.push(counts(out[0].printed_records()));
        }
        assert_eq!(results[0]["common"], lines as u64, "{lines} lines");
        assert!(results.iter().all(|r| r == &results[0]), "{lines} lines");
    }
}

#[test]
fn closures_capture_their_environment() {
    let stop_words = ["the", "a"];
    let minimum = 2;
    let job = stream! {
        queue(vec![vec!["the cat saw a cat and the dog"]])
            |> flat_map(split) |> filter(|w| !stop_words.contains(w)) |> map(|w| (w, 1))
            |> reduce_by_key(|a, b| a + b) |> filter(|(_, n)| *n >= minimum) every 1s |> print
    };
    let out = Harness::new(job).run_batches(1).unwrap();
    assert_eq!(counts(out[0].printed_records()), expected(&[("cat", 2)]));
}

#[test]
fn harness_reports_the_batch_interval_grid_and_metrics() {
    let job = stream! { queue(vec![vec![1, 2], vec![3]]) |> map(|x| x) every 500ms |> print };
    let mut harness = Harness::new(job);
    let out = harness.run_batches(3).unwrap();
    let times: Vec<u64> = out.iter().map(|o| o.time.as_millis()).collect();
    assert_eq!(times, [500, 1000, 1500]);
    assert_eq!(harness.metrics().records_received, 3);
    assert_eq!(harness.metrics().batches_completed, 3);
}

#[test]
fn unfused_mode_gives_the_same_results_as_fused() {
    let lines = vec![vec!["a b a", "c a"], vec!["b"]];
    let fused = stream! {
        queue(lines.clone()) |> flat_map(split) |> filter(|w| *w != "c") |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let unfused = stream! {
        #![unfused]
        queue(lines) |> flat_map(split) |> filter(|w| *w != "c") |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    assert!(unfused.explain().contains("mode: unfused"));
    assert!(fused.explain().contains("mode: fused"));
    let fused = Harness::new(fused).run_batches(2).unwrap();
    let unfused = Harness::new(unfused).run_batches(2).unwrap();
    for (f, u) in fused.iter().zip(&unfused) {
        assert_eq!(counts(f.printed_records()), counts(u.printed_records()));
    }
    assert_eq!(counts(fused[0].printed_records()), expected(&[("a", 3), ("b", 1)]));
}
