//! Order-status counts over e-commerce events `order_id,status,timestamp_ms` (status one of
//! purchased / shipped / delivered / cancelled / returned; about 0.3% of the lines malformed),
//! in one run:
//!
//! - `dstream_fused/p1`, `dstream_fused/pN`, `dstream_unfused/p1`: the `stream!` job
//!   `flat_map(parse_event) |> map(|e| (e.status, 1)) |> reduce_by_key(+)`;
//! - `dstream_fused_schema/p1`, `/pN`: the same job with the limit's schema-aware parser
//!   (`parse_event_schema`, one line at a time): what dstream adds to the limit's own parse;
//! - `hand_written_limit`: one schema-aware pass over the raw bytes, counts in a `[u64; 5]`;
//! - `parse_event_array_loop`: a `for` loop over the lines with the same `parse_event` as the
//!   job, counts in a `[u64; 5]` (the parse without any table);
//! - `fx_hashmap_loop`: a `for` loop with `parse_event` and a `FxHashMap<Status, u64>`;
//! - `iterator_chain`: `filter_map(parse_event).map(..).fold(FxHashMap)`.
//!
//! One iteration is one full pass over the corpus; for dstream, one `Harness::step()` of a job
//! whose queued text batch (as the socket and file sources produce) holds every line. All
//! variants are checked to agree first.
//!
//! ```text
//! cargo bench --bench orders                       # 16 MB of events
//! DSTREAM_BENCH_MB=64 cargo bench --bench orders
//! ```

mod common;

use common::{
    corpus_bytes, order_corpus, parse_event, parse_event_schema, printed_counts, text_batch, Corpus, Event,
    Status,
};
use criterion::{black_box, BenchmarkId, SamplingMode, Throughput};
use dstream::prelude::*;
use dstream::source::queue::QueueSource;
use dstream::testing::Harness;
use dstream::text::TextBatch;
use rustc_hash::FxHashMap;
use std::time::Duration;

const SEED: u64 = 0x5EED_0002;

type Batches = Vec<TextBatch>;

fn fused(batches: Batches, shown: usize) -> Job {
    stream! {
        source(QueueSource::text(batches)) |> flat_map(parse_event) |> map(|e| (e.status, 1u64)) |> reduce_by_key(+)
            every 1s |> print(shown)
    }
}

/// The job with the hand-written limit's parser.
fn fused_schema(batches: Batches, shown: usize) -> Job {
    stream! {
        source(QueueSource::text(batches)) |> flat_map(parse_event_schema) |> map(|e| (e.status, 1u64))
            |> reduce_by_key(+) every 1s |> print(shown)
    }
}

fn unfused(batches: Batches, shown: usize) -> Job {
    stream! {
        #![unfused]
        source(QueueSource::text(batches)) |> flat_map(parse_event) |> map(|e| (e.status, 1u64)) |> reduce_by_key(+)
            every 1s |> print(shown)
    }
}

/// `iters` passes of `job`, one `step()` each, over a job built outside the timing.
fn time_steps(
    lines: &[&'static str],
    iters: u64,
    partitions: usize,
    job: fn(Batches, usize) -> Job,
) -> Duration {
    let batches = vec![text_batch(lines); iters as usize];
    let mut harness = Harness::new(job(batches, 0)).with_parallelism(partitions);
    common::timed_steps(&mut harness, iters)
}

fn parse_event_array_loop(lines: &[&str]) -> [u64; 5] {
    let mut counts = [0u64; 5];
    for line in lines {
        if let Some(e) = parse_event(line) {
            counts[e.status as usize] += 1;
        }
    }
    counts
}

fn fx_hashmap_loop(lines: &[&str]) -> FxHashMap<Status, u64> {
    let mut map = FxHashMap::default();
    for line in lines {
        if let Some(e) = parse_event(line) {
            *map.entry(e.status).or_insert(0) += 1;
        }
    }
    map
}

fn iterator_chain(lines: &[&str]) -> FxHashMap<Status, u64> {
    lines.iter().filter_map(|l| parse_event(l)).map(|e: Event| (e.status, 1u64)).fold(
        FxHashMap::default(),
        |mut m, (s, n)| {
            *m.entry(s).or_insert(0) += n;
            m
        },
    )
}

fn as_map(counts: [u64; 5]) -> FxHashMap<String, u64> {
    Status::ALL.iter().zip(counts).filter(|(_, n)| *n > 0).map(|(s, n)| (s.as_str().to_string(), n)).collect()
}

/// Every variant counts the same.
fn check(corpus: &Corpus) {
    let (counts, malformed) = common::count_statuses(corpus.text.as_bytes());
    assert_eq!(counts.iter().sum::<u64>(), corpus.records as u64);
    assert_eq!(malformed as usize, corpus.lines.len() - corpus.records);
    let expected = as_map(counts);
    assert_eq!(as_map(parse_event_array_loop(&corpus.lines)), expected, "parse_event loop");
    let strings = |m: FxHashMap<Status, u64>| -> FxHashMap<String, u64> {
        m.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect()
    };
    assert_eq!(strings(fx_hashmap_loop(&corpus.lines)), expected, "FxHashMap loop");
    assert_eq!(strings(iterator_chain(&corpus.lines)), expected, "iterator chain");
    let jobs =
        [("fused", fused as fn(Batches, usize) -> Job), ("fused_schema", fused_schema), ("unfused", unfused)];
    for (name, job) in jobs {
        for p in [1, common::cores()] {
            let mut h = Harness::new(job(vec![text_batch(&corpus.lines)], 10)).with_parallelism(p);
            let got = printed_counts(&h.step().expect("batch runs").printed);
            assert_eq!(got, expected, "dstream {name} on {p} partitions");
        }
    }
}

fn main() {
    let corpus = order_corpus(corpus_bytes(), SEED);
    let bytes = corpus.bytes();
    eprintln!(
        "orders corpus: {:.1} MB, {} lines, {} valid events, {} malformed",
        bytes as f64 / 1048576.0,
        corpus.lines.len(),
        corpus.records,
        corpus.lines.len() - corpus.records
    );
    if !common::profiling() {
        check(&corpus);
    }
    common::write_meta(
        "orders",
        &[
            ("bytes".to_string(), bytes.to_string()),
            ("lines".to_string(), corpus.lines.len().to_string()),
            ("records".to_string(), corpus.records.to_string()),
            ("record_unit".to_string(), "events".to_string()),
        ],
    );

    let mut c = common::criterion(10, 5);
    let mut group = c.benchmark_group("orders");
    group.sampling_mode(SamplingMode::Flat).throughput(Throughput::Bytes(bytes as u64));
    let lines: &[&'static str] = &corpus.lines;
    let partitions = common::partition_counts();
    for &p in &partitions {
        group.bench_function(BenchmarkId::new("dstream_fused", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(lines, iters, p, fused))
        });
    }
    for &p in &partitions {
        group.bench_function(BenchmarkId::new("dstream_fused_schema", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(lines, iters, p, fused_schema))
        });
    }
    group.bench_function(BenchmarkId::new("dstream_unfused", "p1"), |b| {
        b.iter_custom(|iters| time_steps(lines, iters, 1, unfused))
    });
    group.bench_function("hand_written_limit", |b| {
        b.iter(|| common::count_statuses(black_box(corpus.text.as_bytes())))
    });
    group.bench_function("parse_event_array_loop", |b| b.iter(|| parse_event_array_loop(black_box(lines))));
    group.bench_function("fx_hashmap_loop", |b| b.iter(|| fx_hashmap_loop(black_box(lines))));
    group.bench_function("iterator_chain", |b| b.iter(|| iterator_chain(black_box(lines))));
    group.finish();
    c.final_summary();
}
