//! Windowed word counts, `reduce_by_key_and_window` over the last 30 batches sliding every
//! batch (`every 1s`, a 30 s window, a 1 s slide), in steady state, in one run:
//!
//! - `dstream_incremental/p1`, `dstream_incremental/pN`: the incremental form
//!   `reduce_by_key_and_window(+, -, 30s, 1s, |(_, n)| *n != 0)` (the batch that leaves is
//!   subtracted, the one that enters added; the filter drops keys that fall to zero, so the
//!   output equals the naive form's), on 1 partition and on all cores (N =
//!   `available_parallelism`);
//! - `dstream_unfused/p1`: the incremental job in `#![unfused]` mode (a `Vec` after every
//!   operator);
//! - `dstream_naive/p1`, `dstream_naive/pN`: the naive form `reduce_by_key_and_window(+, 30s,
//!   1s)` (each slide re-reduces the window's 30 per-batch tables);
//! - `iterator_chain`: each batch counted by `flat_map(split_ascii_whitespace)` and `fold` into
//!   an `FxHashMap<&str, u64>` kept in a ring of the last 30 batches' maps, the window's result
//!   a `fold` of the 30 maps into a new map at each slide (what a program without a window
//!   operator writes first);
//! - `hand_written_ring`: one thread; words interned once into `u32` ids (an
//!   `FxHashMap<String, u32>` looked up by `&str`, a `String` allocated only for a word never
//!   seen before), each batch counted into a dense array and kept as a `Vec<(id, count)>` in a
//!   ring of the last 30 batches, the window's totals updated by adding the batch that enters
//!   and subtracting the one that leaves; the window's result, every `(id, total)` with a
//!   non-zero total, written into a reused `Vec` at each slide, as the dstream jobs emit theirs.
//!
//! The stream: the seeded Zipf word corpus of the word-count bench (`DSTREAM_BENCH_MB` MiB, 16
//! by default, 256 KiB under `cargo test --benches`), cut into 60 batches of consecutive lines that
//! the queue repeats in a cycle. One iteration is one batch in steady state: before the timing,
//! the job (or the ring) has run 30 batches, so the window is full and every timed slide has a
//! batch entering and one leaving. For dstream one `Harness::step()` of a job whose queue holds
//! the 30 warm-up batches and one batch per iteration; building it and the warm-up are outside
//! the timing. The dstream jobs end in `print(0)`; their window's records are `(&str, u64)`,
//! borrowed from the window's state (a window emits the type it was given). All variants are
//! checked against a reference (the sum of the last 30 batches' `FxHashMap` counts) at
//! several steps first.
//!
//! ```text
//! cargo bench --bench windows                       # 16 MiB corpus: 60 batches of ~270 KiB
//! DSTREAM_BENCH_MB=64 cargo bench --bench windows
//! python3 benches/summarize.py
//! # instructions of the steady slides alone (the warm-up is `warm_up`, not collected):
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='windows::steady_slides' \
//!     target/release/deps/windows-<hash> --bench --profile-time 2 'windows/dstream_incremental/p1$'
//! ```

mod common;

use common::{corpus_bytes, fx_word_count, owned, printed_counts, word_corpus};
use criterion::{black_box, BenchmarkId, SamplingMode, Throughput};
use dstream::prelude::*;
use dstream::testing::Harness;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

const SEED: u64 = 0x5EED_0003;

/// The window, in batches: the `30s` of the jobs over `every 1s`.
const WINDOW: usize = 30;

/// Distinct batches the corpus is cut into; the queue cycles through them.
const DISTINCT_BATCHES: usize = 2 * WINDOW;

/// At most this many queued batches exist at once (each is a `Vec<&str>` of a few thousand
/// lines); beyond it the timing is split into several jobs, each warmed up again.
const MAX_QUEUED: u64 = 4096;

type Batch = Vec<&'static str>;
type Batches = Vec<Batch>;

fn incremental(batches: Batches, shown: usize) -> Job {
    stream! {
        queue(batches) |> flat_map(split) |> map(|w| (w, 1u64)) every 1s
            |> reduce_by_key_and_window(+, -, 30s, 1s, |(_, n)| *n != 0) |> print(shown)
    }
}

fn unfused(batches: Batches, shown: usize) -> Job {
    stream! {
        #![unfused]
        queue(batches) |> flat_map(split) |> map(|w| (w, 1u64)) every 1s
            |> reduce_by_key_and_window(+, -, 30s, 1s, |(_, n)| *n != 0) |> print(shown)
    }
}

fn naive(batches: Batches, shown: usize) -> Job {
    stream! {
        queue(batches) |> flat_map(split) |> map(|w| (w, 1u64)) every 1s
            |> reduce_by_key_and_window(+, 30s, 1s) |> print(shown)
    }
}

/// The queue of a job that runs batches `0..len` of the cycle.
fn cycle(batches: &[Batch], len: usize) -> Batches {
    (0..len).map(|i| batches[i % batches.len()].clone()).collect()
}

/// `iters` slides of `job` in steady state, one `step()` each: every job is built and warmed
/// up with `WINDOW` batches outside the timing.
fn time_steps(batches: &[Batch], iters: u64, partitions: usize, job: fn(Batches, usize) -> Job) -> Duration {
    let mut took = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(MAX_QUEUED);
        left -= n;
        let mut harness =
            Harness::new(job(cycle(batches, WINDOW + n as usize), 0)).with_parallelism(partitions);
        warm_up(&mut harness);
        took += steady_slides(&mut harness, n);
    }
    took
}

/// The `WINDOW` batches that fill the window, untimed. A function of its own (as is
/// [`steady_slides`]) so that a profile tells the two apart: `callgrind_annotate` gives
/// `steady_slides`' instructions and its calls of `Harness::step`, the slides in steady state.
#[inline(never)]
fn warm_up(harness: &mut Harness) {
    for _ in 0..WINDOW {
        black_box(harness.step().expect("batch runs"));
    }
}

/// `n` timed slides in steady state (see [`warm_up`]).
#[inline(never)]
fn steady_slides(harness: &mut Harness, n: u64) -> Duration {
    common::timed_steps(harness, n)
}

/// The hand-written sliding window (see the file's documentation).
struct RingWindow {
    /// Word -> id.
    ids: FxHashMap<String, u32>,
    /// Id -> word.
    words: Vec<String>,
    /// Id -> count in the batch being counted (zero between batches).
    scratch: Vec<u32>,
    /// Id -> count over the window.
    totals: Vec<u64>,
    /// The last `WINDOW` batches' counts, oldest first.
    ring: VecDeque<Vec<(u32, u32)>>,
    /// The window's result after the last batch: `(id, total)` for every non-zero total.
    result: Vec<(u32, u64)>,
}

impl RingWindow {
    fn new() -> RingWindow {
        RingWindow {
            ids: FxHashMap::default(),
            words: Vec::new(),
            scratch: Vec::new(),
            totals: Vec::new(),
            ring: VecDeque::with_capacity(WINDOW + 1),
            result: Vec::new(),
        }
    }

    /// Adds a batch, drops the one that leaves the window, and updates the result.
    fn slide(&mut self, lines: &[&str]) {
        let mut counts = if self.ring.len() == WINDOW {
            let mut oldest = self.ring.pop_front().expect("a full ring");
            for &(id, n) in &oldest {
                self.totals[id as usize] -= u64::from(n);
            }
            oldest.clear();
            oldest
        } else {
            Vec::new()
        };
        for line in lines {
            for word in line.split_ascii_whitespace() {
                let id = match self.ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = self.words.len() as u32;
                        self.ids.insert(word.to_string(), id);
                        self.words.push(word.to_string());
                        self.scratch.push(0);
                        self.totals.push(0);
                        id
                    }
                };
                let n = &mut self.scratch[id as usize];
                if *n == 0 {
                    counts.push((id, 0));
                }
                *n += 1;
            }
        }
        for (id, n) in &mut counts {
            *n = std::mem::take(&mut self.scratch[*id as usize]);
            self.totals[*id as usize] += u64::from(*n);
        }
        self.ring.push_back(counts);
        self.result.clear();
        self.result
            .extend(self.totals.iter().enumerate().filter(|(_, &t)| t > 0).map(|(id, &t)| (id as u32, t)));
    }

    fn result_map(&self) -> FxHashMap<String, u64> {
        self.result.iter().map(|&(id, t)| (self.words[id as usize].clone(), t)).collect()
    }
}

/// The iterator-chain window (see the file's documentation): the last `WINDOW` batches'
/// counts, and the window's result.
struct ChainWindow {
    ring: VecDeque<FxHashMap<&'static str, u64>>,
    result: FxHashMap<&'static str, u64>,
}

impl ChainWindow {
    fn new() -> ChainWindow {
        ChainWindow { ring: VecDeque::with_capacity(WINDOW + 1), result: FxHashMap::default() }
    }

    fn slide(&mut self, lines: &[&'static str]) {
        if self.ring.len() == WINDOW {
            self.ring.pop_front();
        }
        let counts =
            lines.iter().flat_map(|l| l.split_ascii_whitespace()).fold(FxHashMap::default(), |mut m, w| {
                *m.entry(w).or_insert(0) += 1;
                m
            });
        self.ring.push_back(counts);
        self.result = self.ring.iter().flatten().fold(FxHashMap::default(), |mut m, (w, n)| {
            *m.entry(*w).or_insert(0) += n;
            m
        });
    }
}

/// `iters` slides of a hand-made window (the ring or the iterator chain) kept from one call to
/// the next (warmed up before the first): the batches continue the cycle. `slide` adds a batch
/// and returns the size of the window's result.
fn time_slides<W>(
    window: &mut W,
    slide: fn(&mut W, &[&'static str]) -> usize,
    next: &mut usize,
    batches: &[Batch],
    iters: u64,
) -> Duration {
    let started = Instant::now();
    for _ in 0..iters {
        black_box(slide(window, black_box(&batches[*next % batches.len()])));
        *next += 1;
    }
    started.elapsed()
}

/// The window's counts after batch `step` (1-based) of the cycle: the sum of the last
/// `WINDOW` batches' counts.
fn reference(per_batch: &[FxHashMap<&'static str, u64>], step: usize) -> FxHashMap<String, u64> {
    let mut sum: FxHashMap<&str, u64> = FxHashMap::default();
    for i in step.saturating_sub(WINDOW)..step {
        for (w, n) in &per_batch[i % per_batch.len()] {
            *sum.entry(w).or_insert(0) += n;
        }
    }
    owned(&sum)
}

/// Every variant gives the reference's counts at the first slides, when the window fills,
/// and when the first batches leave it.
fn check(batches: &[Batch]) -> usize {
    let per_batch: Vec<FxHashMap<&'static str, u64>> = batches.iter().map(|b| fx_word_count(b)).collect();
    let steps = WINDOW + 6;
    let checked = |step: usize| step <= 2 || step >= WINDOW - 1;
    let expected: Vec<Option<FxHashMap<String, u64>>> =
        (1..=steps).map(|s| checked(s).then(|| reference(&per_batch, s))).collect();
    let shown = expected.iter().flatten().map(|m| m.len()).max().unwrap_or(0) + 1;

    let mut ring = RingWindow::new();
    let mut chain = ChainWindow::new();
    for step in 1..=steps {
        ring.slide(&batches[(step - 1) % batches.len()]);
        chain.slide(&batches[(step - 1) % batches.len()]);
        if let Some(e) = &expected[step - 1] {
            assert_eq!(&ring.result_map(), e, "hand-written ring, batch {step}");
            assert_eq!(&owned(&chain.result), e, "iterator chain, batch {step}");
        }
    }
    let jobs = [
        ("incremental", incremental as fn(Batches, usize) -> Job, vec![1, common::cores()]),
        ("unfused", unfused, vec![1]),
        ("naive", naive, vec![1, common::cores()]),
    ];
    for (name, job, partition_counts) in jobs {
        for p in partition_counts {
            let mut h = Harness::new(job(cycle(batches, steps), shown)).with_parallelism(p);
            for step in 1..=steps {
                let out = h.step().expect("batch runs");
                if let Some(e) = &expected[step - 1] {
                    assert_eq!(
                        &printed_counts(&out.printed),
                        e,
                        "dstream {name} on {p} partitions, batch {step}"
                    );
                }
            }
        }
    }
    expected[steps - 1].as_ref().map_or(0, |m| m.len())
}

fn ring_slide(ring: &mut RingWindow, batch: &[&'static str]) -> usize {
    ring.slide(batch);
    ring.result.len()
}

fn chain_slide(chain: &mut ChainWindow, batch: &[&'static str]) -> usize {
    chain.slide(batch);
    chain.result.len()
}

fn main() {
    // Under `cargo test --benches` (an unoptimised build), a quarter of the 1 MiB default: the
    // check runs 36 batches through each of the five jobs.
    let test_mode = !common::bench_mode() && std::env::var_os("DSTREAM_BENCH_MB").is_none();
    let corpus = word_corpus(if test_mode { 256 << 10 } else { corpus_bytes() }, SEED);
    let per_batch_lines = corpus.lines.len().div_ceil(DISTINCT_BATCHES);
    let batches: Vec<Batch> = corpus.lines.chunks(per_batch_lines).map(<[&str]>::to_vec).collect();
    assert_eq!(batches.len(), DISTINCT_BATCHES, "the corpus has too few lines");
    let n = batches.len() as f64;
    let bytes = batches.iter().flatten().map(|l| l.len() + 1).sum::<usize>() as f64 / n;
    let words = corpus.records as f64 / n;
    let distinct = batches.iter().map(|b| fx_word_count(b).len()).sum::<usize>() as f64 / n;
    eprintln!(
        "windows: {DISTINCT_BATCHES} batches of {:.0} KiB, {per_batch_lines} lines, {words:.0} words \
         ({distinct:.0} distinct) on average; window {WINDOW} batches",
        bytes / 1024.0
    );
    let in_window = if common::profiling() { 0 } else { check(&batches) };
    if in_window > 0 {
        eprintln!("distinct words in a full window: {in_window}");
    }
    common::write_meta(
        "windows",
        &[
            ("bytes".to_string(), format!("{bytes:.0}")),
            ("lines".to_string(), per_batch_lines.to_string()),
            ("records".to_string(), format!("{words:.0}")),
            ("record_unit".to_string(), "words".to_string()),
            ("distinct_per_batch".to_string(), format!("{distinct:.0}")),
            ("distinct_in_window".to_string(), in_window.to_string()),
            ("window_batches".to_string(), WINDOW.to_string()),
        ],
    );

    let mut c = common::criterion(10, 4);
    let mut group = c.benchmark_group("windows");
    group.sampling_mode(SamplingMode::Flat).throughput(Throughput::Bytes(bytes as u64));
    let batches: &[Batch] = &batches;
    let partitions = common::partition_counts();
    for (name, job) in
        [("dstream_incremental", incremental as fn(Batches, usize) -> Job), ("dstream_naive", naive)]
    {
        for &p in &partitions {
            group.bench_function(BenchmarkId::new(name, format!("p{p}")), |b| {
                b.iter_custom(|iters| time_steps(batches, iters, p, job))
            });
        }
    }
    group.bench_function(BenchmarkId::new("dstream_unfused", "p1"), |b| {
        b.iter_custom(|iters| time_steps(batches, iters, 1, unfused))
    });
    let mut ring = RingWindow::new();
    let mut next = 0;
    for batch in &batches[..WINDOW] {
        ring.slide(batch);
        next += 1;
    }
    group.bench_function("hand_written_ring", |b| {
        b.iter_custom(|iters| time_slides(&mut ring, ring_slide, &mut next, batches, iters))
    });
    let mut chain = ChainWindow::new();
    let mut next = 0;
    for batch in &batches[..WINDOW] {
        chain.slide(batch);
        next += 1;
    }
    group.bench_function("iterator_chain", |b| {
        b.iter_custom(|iters| time_slides(&mut chain, chain_slide, &mut next, batches, iters))
    });
    group.finish();
    c.final_summary();
}
