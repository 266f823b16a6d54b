//! The emission-heavy word count without a socket, for profilers (callgrind's instruction
//! counts are repeatable on a busy machine): `--batches` batches of `--mb` MB of generated
//! lines (100,000-word vocabulary), every (word, count) pair handed to an output that sums
//! them; by dstream (`stream!`, batch built from the lines as a source builds it) or by the
//! limit (the same table as `wc-limit`, `memchr` split; `limit-swar`: the criterion benches'
//! SWAR split; `limit-sse2`: that split with the masks made by SSE2 compares, as dstream's
//! scan makes them). All print the same digest when they did the same work, the wall time and
//! the CPU time of all the process's threads over the timed part, and for dstream the time
//! of each stage and exchange summed over the batches.
//!
//! dstream's batches are built inside the timing, by the source at each cut, as a socket
//! receiver builds them: `--build text` (the default) appends the lines with `push_text` to a
//! block from a [`TextPool`], so that each batch reuses the memory of the one the job
//! dropped (the receiver's spares); `--build lines` the same one `push_line` per line;
//! `--build fresh` every batch built before the first runs, each in fresh memory (how this
//! tool measured before 2026-12-05 05:00: a page fault per 4 KiB of every batch).
//!
//! `--timeline` (dstream) prints a batch's phases as a table: when each starts and how long it
//! takes, averaged over the batches after the first (see `dstream_bench::timeline`).
//!
//! ```text
//! valgrind --tool=callgrind --dump-instr=no wc-emit --engine dstream --mb 10 --batches 2
//! callgrind_annotate callgrind.out.PID
//! wc-emit --engine dstream --partitions 2 --batches 30 --timeline
//! ```

use dstream::prelude::*;
use dstream::source::queue::QueueSource;
use dstream::source::{Source, SourceContext};
use dstream::testing::Harness;
use dstream::text::{TextBatch, TextPool};
use dstream::time::Time;
use dstream_bench::args::Args;
use dstream_bench::lines::Pool;
use dstream_bench::table::{count_on, count_text, count_text_sse2, count_text_swar, Partitioned};
use dstream_bench::timeline::{self, Spans};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: wc-emit [--engine dstream|limit|limit-swar|limit-sse2|limit-par] [--mb 10] [--batches 2] [--vocab 100000] [--partitions 1] [--build text|lines|fresh] [--timeline]";

/// What the output saw: pairs, words, and a sum over the pairs that depends on which word got
/// which count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Digest {
    pairs: u64,
    words: u64,
    mix: u64,
}

impl Digest {
    #[inline]
    fn add(&mut self, word: &[u8], n: u64) {
        self.pairs += 1;
        self.words += n;
        let h = word
            .iter()
            .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x1_0000_01b3));
        self.mix = self.mix.wrapping_add(h.wrapping_mul(n | 1));
    }

    /// Adds what another output saw (of other words): the sums do not depend on the order.
    fn merge(&mut self, other: Digest) {
        self.pairs += other.pairs;
        self.words += other.words;
        self.mix = self.mix.wrapping_add(other.mix);
    }
}

fn main() {
    let args = Args::parse(USAGE, &["timeline"]);
    let mb: f64 = args.get("mb", 10.0);
    let batches: usize = args.get("batches", 2);
    let partitions: usize = args.get("partitions", 1);
    let engine = args.opt("engine").unwrap_or("dstream").to_string();
    let build = match args.opt("build").unwrap_or("text") {
        "text" => Build::Text,
        "lines" => Build::Lines,
        "fresh" => Build::Fresh,
        other => args.fail(&format!("--build {other:?}: text, lines or fresh")),
    };
    // Lines of 10 words of 2 to 9 letters: about 65 bytes each.
    let lines = ((mb * 1e6) / 65.0) as usize;
    let pool = Pool::generate(lines.max(1), 10, args.get("vocab", 100_000), 1.0, 42);
    let text = std::str::from_utf8(pool.text()).expect("generated lines are ASCII");
    // dstream's source keeps its own copy (made before the timing, as the limit's text is).
    let shared: Arc<str> = Arc::from(text);
    let started = Instant::now();
    let cpu_start = cpu_time();
    let mut phases = String::new();
    // Time spent building dstream's batches (the limit reads the text as it is).
    let mut build_time = Duration::ZERO;
    let digest = match engine.as_str() {
        "limit" | "limit-swar" | "limit-sse2" => {
            let mut total = Digest::default();
            let split = match engine.as_str() {
                "limit" => count_text,
                "limit-swar" => count_text_swar,
                _ => count_text_sse2,
            };
            for _ in 0..batches {
                // On `--partitions` threads (2 at most), the halves merged.
                let table = count_on(text.as_bytes(), partitions, 1024, split);
                table.for_each(|w, n| total.add(w, n));
            }
            total
        }
        "limit-par" => {
            // Tables kept across batches, and on two threads nothing after the split serial
            // (`Partitioned`): what two cores give this workload at best.
            let mut total = Digest::default();
            let mut tables = Partitioned::new(1024);
            for _ in 0..batches {
                let digests = tables.count(text.as_bytes(), partitions, |table| {
                    let mut d = Digest::default();
                    table.for_each(|w, n| d.add(w, n));
                    d
                });
                for d in digests {
                    total.merge(d);
                }
            }
            let [counting, output] = tables.spent.map(|d| d.as_secs_f64() * 1e3 / batches.max(1) as f64);
            phases = format!("; per batch: counting {counting:.2}ms, merging and output {output:.2}ms");
            total
        }
        "dstream" => {
            let seen = Arc::new(Mutex::new(Digest::default()));
            let out = Arc::clone(&seen);
            let building = Arc::new(Mutex::new(Duration::ZERO));
            let spans = Arc::new(Spans::default());
            let timed = Arc::clone(&spans);
            let source = Rebuilt {
                text: shared,
                batches,
                lines: build == Build::Lines,
                pool: TextPool::new(),
                building: Arc::clone(&building),
                spans: Arc::clone(&spans),
            };
            let queued: Vec<TextBatch> = match build {
                Build::Fresh => (0..batches).map(|_| source.build(TextBatch::new())).collect(),
                Build::Text | Build::Lines => Vec::new(),
            };
            build_time = started.elapsed();
            let source = if build == Build::Fresh { Rebuilt { batches: 0, ..source } } else { source };
            let job = stream! {
                source(Either { queued: QueueSource::text(queued), rebuilt: source })
                    |> flat_map(split)
                    |> map(|w| (w, 1u64))
                    |> reduce_by_key(+) every 1s
                    |> foreach_batch(move |pairs: Vec<(&str, u64)>, _| {
                        let started = timeline::now_us();
                        let mut d = out.lock().expect("no panics under the lock");
                        for (w, n) in pairs {
                            d.add(w.as_bytes(), n);
                        }
                        timeline::close(&timed.output, started);
                    })
            };
            let mut harness = Harness::new(job).with_parallelism(partitions);
            harness.run_batches(batches).expect("the batches run");
            phases = phase_times(&harness);
            if args.flag("timeline") {
                eprint!("{}", timeline::table(&harness.monitor().batches(), &spans));
            }
            // The cuts' building time, as its own phase (it is inside the batches' wall time).
            let cuts = *building.lock().expect("no panics under the lock");
            build_time += cuts;
            if build != Build::Fresh {
                phases = format!("; cuts building {:.1}ms{phases}", cuts.as_secs_f64() * 1e3);
            }
            let d = *seen.lock().expect("no panics under the lock");
            d
        }
        other => {
            args.fail(&format!("--engine {other:?}: dstream, limit, limit-swar, limit-sse2 or limit-par"))
        }
    };
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_start);
    eprintln!(
        "{engine}: {batches} batches of {:.1} MB in {:.2?} (cpu {:.2?}; building them {:.2?}{phases}): {} pairs, {} words, digest {:016x}",
        pool.text().len() as f64 / 1e6,
        wall,
        cpu,
        build_time,
        digest.pairs,
        digest.words,
        digest.mix
    );
    // For `benches/e2e/emit.sh`.
    println!(
        "engine={engine} partitions={partitions} batches={batches} wall_ms={:.3} cpu_ms={:.3} build_ms={:.3} pairs={} words={} digest={:016x}",
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3,
        build_time.as_secs_f64() * 1e3,
        digest.pairs,
        digest.words,
        digest.mix
    );
}

/// How dstream's batches are built (`--build`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Build {
    /// At each cut, `push_text` into a block from a [`TextPool`] (memory reused).
    Text,
    /// At each cut, one `push_line` per line into a block from the pool.
    Lines,
    /// All before the first batch, each in fresh memory (`push_text`).
    Fresh,
}

/// A source that builds each of `batches` batches from `text` when it is cut, in a block of
/// its `pool`, as a socket receiver fills a block from its spares; the time spent building
/// is added to `building`.
struct Rebuilt {
    text: Arc<str>,
    batches: usize,
    lines: bool,
    pool: TextPool,
    building: Arc<Mutex<Duration>>,
    spans: Arc<Spans>,
}

impl Rebuilt {
    /// Fills `block` with the lines of the text (as a receiver adds the whole lines of a read)
    /// and returns it.
    fn build(&self, mut block: TextBatch) -> TextBatch {
        if self.lines {
            for line in self.text.lines() {
                block.push_line(line);
            }
        } else {
            block.push_text(&self.text);
        }
        block
    }
}

/// The queued batches (`--build fresh`), then the rebuilt ones: one source either way, so
/// that the job is the same program.
struct Either {
    queued: QueueSource<TextBatch>,
    rebuilt: Rebuilt,
}

impl Source for Either {
    type Batch = TextBatch;

    fn start(&mut self, ctx: &SourceContext) -> dstream::error::Result<()> {
        self.queued.start(ctx)
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let queued = self.queued.cut(time);
        let r = &mut self.rebuilt;
        if !queued.is_empty() || r.batches == 0 {
            return queued;
        }
        r.batches -= 1;
        let started = Instant::now();
        let started_us = timeline::now_us();
        let batch = r.build(r.pool.block(r.text.len(), r.text.len() / 64));
        *r.building.lock().expect("no panics under the lock") += started.elapsed();
        timeline::close(&r.spans.build, started_us);
        batch
    }

    fn stop_receiving(&mut self) {}
}

/// CPU time (user and system) of the process so far, threads that ended included (the
/// limit's second thread ends with each batch): `/proc/self/stat`'s `utime` and `stime`, in
/// clock ticks of 10 ms (`getconf CLK_TCK` is 100 on Linux), so runs should last a second
/// or more.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return Duration::ZERO };
    // The fields after the command name (which is in parentheses and may hold spaces):
    // `utime` and `stime` are the 12th and 13th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 =
        after_name.split_whitespace().skip(11).take(2).filter_map(|t| t.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

/// The time of each stage and exchange, summed over the batches, in order: "; stage 1.2ms,
/// hash by key 0.1ms, ...".
fn phase_times(harness: &Harness) -> String {
    let mut phases: Vec<(u32, &'static str, u64)> = Vec::new();
    for batch in harness.monitor().batches() {
        for stage in &batch.stages {
            match phases.iter_mut().find(|(i, _, _)| *i == stage.index) {
                Some(phase) => phase.2 += stage.duration_us,
                None => phases.push((stage.index, stage.kind, stage.duration_us)),
            }
        }
    }
    phases.iter().map(|(_, kind, us)| format!("; {kind} {:.1}ms", *us as f64 / 1e3)).collect()
}
