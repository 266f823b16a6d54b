//! Text batches (one buffer and line ends, as `socket` and `text_files` produce) through
//! `flat_map(split)`: the fused stage scans a partition's text as one block, and must find
//! exactly the words that splitting line by line finds, on any number of partitions, with
//! lines that end without whitespace, empty lines and lines longer than a 64-byte block.

use dstream::prelude::*;
use dstream::source::queue::QueueSource;
use dstream::testing::Harness;
use dstream::text::TextBatch;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

fn lines() -> Vec<String> {
    let mut lines: Vec<String> = (0..3000).map(|i| format!("w{} x{}\tw{}", i % 7, i % 131, i % 13)).collect();
    lines.extend(["", "   ", "end", "start", &"long".repeat(40), " é ü ", "tail "].map(String::from));
    lines
}

fn text_batch(lines: &[String]) -> TextBatch {
    let mut batch = TextBatch::new();
    for line in lines {
        batch.push_line(line);
    }
    batch
}

/// The word counts of one batch, as `foreach_batch` sees them.
type Counts = Arc<Mutex<BTreeMap<String, u64>>>;

#[test]
fn blockwise_split_counts_the_same_words_as_line_by_line() {
    let lines = lines();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for word in lines.iter().flat_map(|l| l.split_ascii_whitespace()) {
        *expected.entry(word.to_string()).or_default() += 1;
    }
    for partitions in [1, 2, 3] {
        let seen: Counts = Arc::default();
        let sink = Arc::clone(&seen);
        let batches = vec![text_batch(&lines)];
        let job = stream! {
            source(QueueSource::text(batches)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
                every 1s |> foreach_batch(move |records, _| {
                    let mut counts = sink.lock().unwrap();
                    for (w, n) in records {
                        *counts.entry(w.to_string()).or_default() += n;
                    }
                })
        };
        Harness::new(job).with_parallelism(partitions).run_batches(1).unwrap();
        assert_eq!(*seen.lock().unwrap(), expected, "{partitions} partitions");
    }
}

mod own {
    /// A `split` of the program's own, with the same signature as dstream's: it must run as
    /// written, not be replaced by the blockwise scan.
    pub fn split(line: &str) -> dstream::text::Words<'_> {
        dstream::text::split(line.get(1..).unwrap_or(""))
    }
}

#[test]
fn a_split_of_your_own_runs_as_written() {
    use own::split;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let batches = vec![text_batch(&["abc de".to_string(), "fg".to_string()])];
    let job = stream! {
        source(QueueSource::text(batches)) |> flat_map(split) every 1s
            |> foreach_batch(move |records, _| sink.lock().unwrap().extend(records.iter().map(|w| w.to_string())))
    };
    Harness::new(job).with_parallelism(1).run_batches(1).unwrap();
    assert_eq!(*seen.lock().unwrap(), ["bc", "de", "g"]);
}
