//! Word count over a seeded in-memory corpus of Zipf-distributed words, in one run:
//!
//! - `dstream_fused/p1`, `dstream_fused/pN`: the `stream!` job, fused, on 1 partition and on
//!   all cores (N = `available_parallelism`);
//! - `dstream_unfused/p1`: the same job in `#![unfused]` mode (a `Vec` after every operator);
//! - `hand_written_limit`: one thread, SWAR whitespace splitting over the raw text and a
//!   counting table that stores words of up to 16 bytes inline (see `common`);
//! - `fx_hashmap_loop`: nested `for` loops, `split_ascii_whitespace`, `FxHashMap<&str, u64>`;
//! - `iterator_chain`: `flat_map(split_ascii_whitespace).map(|w| (w, 1)).fold(FxHashMap)`.
//!
//! One iteration is one full pass over the corpus; for dstream, one `Harness::step()` of a job
//! whose queued text batch (one buffer and line ends, as the socket and file sources produce)
//! holds every line of the corpus. Before the timings, the bench checks that
//! all variants count the same, and measures allocations per record in steady state (printed
//! to stderr and saved for `benches/summarize.py`).
//!
//! ```text
//! cargo bench --bench wordcount                       # 16 MB corpus
//! DSTREAM_BENCH_MB=64 cargo bench --bench wordcount   # 64 MB corpus
//! ```

mod common;

use common::{
    corpus_bytes, fx_word_count, owned, printed_counts, text_batch, word_corpus, Corpus, InlineCounts,
};
use criterion::{black_box, BenchmarkId, SamplingMode, Throughput};
use dstream::prelude::*;
use dstream::source::queue::QueueSource;
use dstream::testing::Harness;
use dstream::text::TextBatch;
use rustc_hash::FxHashMap;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;
use std::time::{Duration, Instant};

/// Counts every allocator call (`stats_alloc`: relaxed-cost atomic counters around `System`).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SEED: u64 = 0x5EED_0001;

type Batches = Vec<TextBatch>;

fn fused(batches: Batches, shown: usize) -> Job {
    stream! {
        source(QueueSource::text(batches)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 1s |> print(shown)
    }
}

fn unfused(batches: Batches, shown: usize) -> Job {
    stream! {
        #![unfused]
        source(QueueSource::text(batches)) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 1s |> print(shown)
    }
}

/// Every word mapped to one key: the keyed path without any table growth.
fn one_key(batches: Batches, shown: usize) -> Job {
    stream! {
        source(QueueSource::text(batches)) |> flat_map(split) |> map(|_w| ("w", 1u64)) |> reduce_by_key(+) every 1s |> print(shown)
    }
}

/// No shuffle at all: source, partitioning, one stage, a global count, print.
fn count_only(batches: Batches, shown: usize) -> Job {
    stream! {
        source(QueueSource::text(batches)) |> flat_map(split) |> count every 1s |> print(shown)
    }
}

/// Times `iters` passes of `job` over the corpus: the job is built with `iters` queued copies
/// of the corpus (outside the timing) and each pass is one `step()`.
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

fn iterator_chain<'a>(lines: &[&'a str]) -> FxHashMap<&'a str, u64> {
    lines.iter().flat_map(|l| l.split_ascii_whitespace()).map(|w| (w, 1u64)).fold(
        FxHashMap::default(),
        |mut m, (w, n)| {
            *m.entry(w).or_insert(0) += n;
            m
        },
    )
}

fn hand_written(text: &str) -> InlineCounts<'_> {
    let mut table = InlineCounts::with_capacity(1024);
    common::count_text(&mut table, text.as_bytes());
    table
}

/// Every variant counts the same words.
fn check(corpus: &Corpus) {
    common::check_splitter();
    let expected = owned(&fx_word_count(&corpus.lines));
    assert_eq!(expected.values().sum::<u64>(), corpus.records as u64);
    assert_eq!(hand_written(corpus.text).to_map(), expected, "hand-written limit");
    assert_eq!(owned(&iterator_chain(&corpus.lines)), expected, "iterator chain");
    let all = expected.len() + 1;
    for (name, job) in [("fused", fused as fn(Batches, usize) -> Job), ("unfused", unfused)] {
        for p in [1, common::cores()] {
            let mut h = Harness::new(job(vec![text_batch(&corpus.lines)], all)).with_parallelism(p);
            let got = printed_counts(&h.step().expect("batch runs").printed);
            assert_eq!(got, expected, "dstream {name} on {p} partitions");
        }
    }
    let mut h = Harness::new(fused(vec![text_batch(&corpus.lines)], 0)).with_parallelism(1);
    let printed = h.step().expect("batch runs").printed;
    assert!(printed.len() < 200, "print(0) prints the header only: {printed:?}");
}

/// Allocator calls (allocations + reallocations) and bytes per batch, measured over
/// `measured` batches after `warm` batches of the same lines.
struct AllocSample {
    calls_per_batch: f64,
    bytes_per_batch: f64,
}

fn alloc_sample(lines: &[&'static str], partitions: usize, job: fn(Batches, usize) -> Job) -> AllocSample {
    let (warm, measured) = (3, 5);
    let batches = vec![text_batch(lines); warm + measured];
    let mut harness = Harness::new(job(batches, 0)).with_parallelism(partitions);
    for _ in 0..warm {
        black_box(harness.step().expect("batch runs"));
    }
    let region = Region::new(GLOBAL);
    for _ in 0..measured {
        black_box(harness.step().expect("batch runs"));
    }
    let change = region.change();
    AllocSample {
        calls_per_batch: (change.allocations + change.reallocations) as f64 / measured as f64,
        bytes_per_batch: change.bytes_allocated as f64 / measured as f64,
    }
}

/// Allocations per input record of fused word count in steady state, for several batch sizes,
/// with a breakdown by experiment: `count_only` (source, partitioning, stages, print),
/// `one_key` (+ the keyed shuffle's fixed cost), full word count (+ growth with distinct keys).
fn alloc_report(corpus: &Corpus, meta: &mut Vec<(String, String)>) {
    let words_per_line = corpus.records as f64 / corpus.lines.len() as f64;
    eprintln!(
        "\n== allocations per record, fused word count, steady state (3 warm-up batches, 5 measured) =="
    );
    eprintln!(
        "{:>9} {:>10} {:>4} | {:>12} {:>12} {:>12} {:>10} | {:>10} {:>10} {:>10}",
        "lines/bat",
        "MB/batch",
        "p",
        "allocs/batch",
        "allocs/line",
        "allocs/word",
        "KB/batch",
        "count_only",
        "one_key",
        "wordcount"
    );
    let full = corpus.lines.len();
    for size in [1_000, 10_000, 100_000, full] {
        if size > full {
            continue;
        }
        let lines = &corpus.lines[..size];
        let mb = lines.iter().map(|l| l.len() + 1).sum::<usize>() as f64 / 1048576.0;
        for p in [1, common::cores()] {
            let wc = alloc_sample(lines, p, fused);
            let base = alloc_sample(lines, p, count_only);
            let keyed = alloc_sample(lines, p, one_key);
            let per_line = wc.calls_per_batch / size as f64;
            eprintln!(
                "{:>9} {:>10.2} {:>4} | {:>12.1} {:>12.6} {:>12.7} {:>10.1} | {:>10.1} {:>10.1} {:>10.1}",
                size,
                mb,
                p,
                wc.calls_per_batch,
                per_line,
                per_line / words_per_line,
                wc.bytes_per_batch / 1024.0,
                base.calls_per_batch,
                keyed.calls_per_batch,
                wc.calls_per_batch,
            );
            let key = if size == full { "full".to_string() } else { size.to_string() };
            meta.push((format!("allocs_per_batch.lines{key}.p{p}"), format!("{:.1}", wc.calls_per_batch)));
            meta.push((format!("allocs_per_line.lines{key}.p{p}"), format!("{per_line:.7}")));
            meta.push((
                format!("allocs_breakdown.lines{key}.p{p}"),
                format!(
                    "count_only={:.1} one_key={:.1} wordcount={:.1} kb_per_batch={:.1}",
                    base.calls_per_batch,
                    keyed.calls_per_batch,
                    wc.calls_per_batch,
                    wc.bytes_per_batch / 1024.0
                ),
            ));
        }
    }
    eprintln!("(allocs = allocation + reallocation calls; count_only / one_key / wordcount: allocs per batch of those jobs)\n");
}

fn main() {
    let generated = Instant::now();
    let corpus = word_corpus(corpus_bytes(), SEED);
    let bytes = corpus.bytes();
    eprintln!(
        "word-count corpus: {:.1} MB, {} lines, {} words, vocabulary {} (Zipf s = {}), generated in {:.2?}",
        bytes as f64 / 1048576.0,
        corpus.lines.len(),
        corpus.records,
        common::VOCABULARY,
        common::ZIPF_S,
        generated.elapsed()
    );
    if !common::profiling() {
        check(&corpus);
    }
    let mut meta = vec![
        ("bytes".to_string(), bytes.to_string()),
        ("lines".to_string(), corpus.lines.len().to_string()),
        ("records".to_string(), corpus.records.to_string()),
        ("record_unit".to_string(), "words".to_string()),
        ("distinct".to_string(), fx_word_count(&corpus.lines).len().to_string()),
    ];
    if common::reports_enabled() {
        alloc_report(&corpus, &mut meta);
    }
    common::write_meta("wordcount", &meta);

    let mut c = common::criterion(10, 5);
    let mut group = c.benchmark_group("wordcount");
    group.sampling_mode(SamplingMode::Flat).throughput(Throughput::Bytes(bytes as u64));
    let lines: &[&'static str] = &corpus.lines;
    let partitions = common::partition_counts();
    for &p in &partitions {
        group.bench_function(BenchmarkId::new("dstream_fused", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(lines, iters, p, fused))
        });
    }
    group.bench_function(BenchmarkId::new("dstream_unfused", "p1"), |b| {
        b.iter_custom(|iters| time_steps(lines, iters, 1, unfused))
    });
    group.bench_function("hand_written_limit", |b| b.iter(|| hand_written(black_box(corpus.text))));
    group.bench_function("fx_hashmap_loop", |b| b.iter(|| fx_word_count(black_box(lines))));
    group.bench_function("iterator_chain", |b| b.iter(|| iterator_chain(black_box(lines))));
    group.finish();
    c.final_summary();
}
