//! A socket word count whose first stage runs on pieces of each batch while its interval fills
//! (`job/pieces.rs`): the same input through a real socket gives the same output per batch
//! with pieces as without, and with them the job really absorbed pieces.
//!
//! The harness drives the batches on a manual clock, so which batch a line belongs to is
//! decided by when it is sent (between two steps), not by timing; each write is waited for
//! until the job's counters show it read, so each is a read (and, with small pieces, a piece)
//! of its own.

use dstream::metrics::MetricsSnapshot;
use dstream::prelude::*;
use dstream::source::socket::SocketConfig;
use dstream::testing::Harness;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration as StdDuration, Instant};

const WAIT: StdDuration = StdDuration::from_secs(10);

/// The lines of batch `b`: words from a small vocabulary, some longer than 16 bytes (table
/// keys that borrow the text of their piece rather than sit inline), some lines empty.
fn lines_of_batch(b: usize) -> Vec<String> {
    let words =
        ["to", "be", "or", "not", "é", "a-rather-long-word-of-a-piece", "another-word-longer-than-sixteen"];
    (0..60)
        .map(|i| {
            let n = (i * 7 + b * 3) % 5;
            (0..n).map(|j| words[(i + j * 3 + b) % words.len()]).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// Per batch: the kind and partitions of every stage and exchange its statistics show.
type Shown = Vec<Vec<(&'static str, u32)>>;

/// Runs the word count over 4 batches of lines with `piece_bytes` on `partitions`, then stops
/// it gracefully; returns each batch's sorted printed records, the job's counters and the
/// stages the batches showed.
fn word_count(piece_bytes: usize, partitions: usize) -> (Vec<Vec<String>>, MetricsSnapshot, Shown) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let config = SocketConfig { piece_bytes, ..SocketConfig::default() };
    let job = stream! {
        socket("127.0.0.1", port, config) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    assert!(job.explain().contains("runs on the batch's pieces"), "{}", job.explain());
    let mut harness = Harness::new(job).with_parallelism(partitions);
    let records = |out: dstream::testing::BatchOutput| -> Vec<String> {
        out.printed_records().into_iter().map(String::from).collect()
    };
    let mut outputs = vec![records(harness.step().expect("first batch"))];
    let (mut conn, _) = listener.accept().expect("the source connects");
    let mut sent = 0u64;
    for b in 0..4 {
        for chunk in lines_of_batch(b).chunks(5) {
            let text: String = chunk.iter().map(|l| format!("{l}\n")).collect();
            conn.write_all(text.as_bytes()).expect("send");
            sent += text.len() as u64;
            let deadline = Instant::now() + WAIT;
            while harness.metrics().bytes_received < sent {
                assert!(Instant::now() < deadline, "the job never read {sent} bytes");
                std::thread::sleep(StdDuration::from_millis(2));
            }
        }
        outputs.push(records(harness.step().expect("batch")));
    }
    outputs.push(records(harness.step().expect("an empty batch")));
    let metrics = harness.metrics();
    let batches = harness.monitor().batches();
    let shown =
        batches.iter().rev().map(|b| b.stages.iter().map(|s| (s.kind, s.partitions)).collect()).collect();
    outputs.push(records(harness.stop().expect("stop")));
    for batch in &mut outputs {
        batch.sort();
    }
    (outputs, metrics, shown)
}

/// What a word count of batch `b` prints, sorted.
fn expected(b: usize) -> Vec<String> {
    let mut counts = BTreeMap::new();
    for line in lines_of_batch(b) {
        for word in line.split_whitespace() {
            *counts.entry(word.to_string()).or_insert(0) += 1;
        }
    }
    let mut printed: Vec<String> = counts.iter().map(|(w, n)| format!("({w},{n})")).collect();
    printed.sort();
    printed
}

#[test]
fn a_word_count_prints_the_same_batches_with_and_without_pieces() {
    let (whole, whole_metrics, _) = word_count(0, 2);
    let (pieced, pieced_metrics, shown) = word_count(48, 2);
    let (pieced_1, _, _) = word_count(48, 1);
    let mut wanted = vec![Vec::new()];
    wanted.extend((0..4).map(expected));
    wanted.extend([Vec::new(), Vec::new()]);
    assert_eq!(whole, wanted, "without pieces");
    assert_eq!(pieced, whole, "with pieces");
    assert_eq!(pieced_1, whole, "with pieces, on one partition");
    // On two partitions the batches' map-side tables were gathered into one, the rest of the
    // batch shown with the job's partitions.
    let gathered = [("stage", 2), ("hash by key", 2), ("stage", 2)];
    assert!(!shown.is_empty() && shown.iter().all(|s| s == &gathered), "{shown:?}");
    assert_eq!(whole_metrics.pieces, 0);
    // 12 reads a batch, most of them closing their block: pieces of every batch.
    assert!(pieced_metrics.pieces >= 4 * 5, "{pieced_metrics:?}");
    assert_eq!(pieced_metrics.records_received, whole_metrics.records_received);
    assert_eq!(pieced_metrics.records_received, 4 * 60);
}
