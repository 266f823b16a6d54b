//! The fixed cost of one batch: `B = 10 ms` and a trickle of input (3 lines, 8 words per
//! batch), word count, default `print` (its 5 records are written to the harness's buffer).
//!
//! - criterion group `batch_overhead`: `step()` back to back (the pool's threads are still
//!   awake from the previous batch): `trickle_wordcount/p2`, `/p1`, and `empty_batch/p2`;
//! - before that, a paced run printed to stderr: 300 batches at the real cadence (one batch
//!   every 10 ms of wall time, the pool's threads idle in between as in production), with the
//!   median, 90th and 99th percentile of one `step()`, on 2 partitions (all cores) and on 1.
//!
//! ```text
//! cargo bench --bench batch_overhead
//! ```

mod common;

use criterion::{black_box, BenchmarkId};
use dstream::prelude::*;
use dstream::testing::Harness;
use std::time::{Duration, Instant};

type Batches = Vec<Vec<&'static str>>;

const TRICKLE: [&str; 3] = ["to be or", "not to be", "be quick"];

fn wordcount(batches: Batches) -> Job {
    stream! {
        queue(batches) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 10ms |> print
    }
}

fn trickle(n: usize) -> Batches {
    vec![TRICKLE.to_vec(); n]
}

/// `iters` back-to-back `step()`s of a job whose queue holds `batches(iters)`.
fn time_steps(iters: u64, partitions: usize, batches: fn(usize) -> Batches) -> Duration {
    let mut harness = Harness::new(wordcount(batches(iters as usize))).with_parallelism(partitions);
    common::timed_steps(&mut harness, iters)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// `n` batches, one every 10 ms of wall time; returns each `step()`'s duration, sorted.
fn paced(partitions: usize, n: usize) -> Vec<Duration> {
    let mut harness = Harness::new(wordcount(trickle(n))).with_parallelism(partitions);
    harness.start().expect("queue sources start");
    let mut took = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let tick = start + Duration::from_millis(10 * (i as u64 + 1));
        if let Some(wait) = tick.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        black_box(harness.step().expect("batch runs"));
        took.push(t.elapsed());
    }
    took.sort();
    took
}

fn main() {
    // The output of one trickle batch, for the record.
    let first = Harness::new(wordcount(trickle(1))).step().expect("batch runs");
    assert!(first.printed.contains("(be,3)"), "{}", first.printed);

    let mut meta = Vec::new();
    if common::reports_enabled() {
        eprintln!("\n== per-batch overhead, paced: 300 batches, one every 10 ms, 3 lines / 8 words each ==");
        eprintln!("{:>4} {:>10} {:>10} {:>10} {:>10}", "p", "median", "p90", "p99", "max");
        let mut ps = vec![common::cores()];
        if common::cores() > 1 {
            ps.push(1);
        }
        for p in ps {
            let took = paced(p, 300);
            let (med, p90, p99, max) = (
                percentile(&took, 0.5),
                percentile(&took, 0.9),
                percentile(&took, 0.99),
                took[took.len() - 1],
            );
            eprintln!("{p:>4} {med:>10.1?} {p90:>10.1?} {p99:>10.1?} {max:>10.1?}");
            meta.push((format!("paced_median_us.p{p}"), format!("{:.1}", med.as_secs_f64() * 1e6)));
            meta.push((format!("paced_p90_us.p{p}"), format!("{:.1}", p90.as_secs_f64() * 1e6)));
            meta.push((format!("paced_p99_us.p{p}"), format!("{:.1}", p99.as_secs_f64() * 1e6)));
        }
        eprintln!();
    }
    common::write_meta("batch_overhead", &meta);

    let mut c = common::criterion(20, 3);
    let mut group = c.benchmark_group("batch_overhead");
    let mut ps = vec![common::cores()];
    if common::cores() > 1 {
        ps.push(1);
    }
    for &p in &ps {
        group.bench_function(BenchmarkId::new("trickle_wordcount", format!("p{p}")), |b| {
            b.iter_custom(|iters| time_steps(iters, p, trickle))
        });
    }
    group.bench_function(BenchmarkId::new("empty_batch", format!("p{}", common::cores())), |b| {
        b.iter_custom(|iters| time_steps(iters, common::cores(), |n| vec![Vec::new(); n]))
    });
    group.finish();
    c.final_summary();
}
