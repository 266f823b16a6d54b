//! What watching a job costs per batch, in one run:
//!
//! - statistics collection on and off: a word count with `B = 10 ms` and a trickle of input
//!   (3 lines per batch, the counts handed to a `foreach_batch` that drops them), `step()` back to back under the harness, the same job built with
//!   and without [`Job::without_statistics`] (hidden: only for this measurement), in
//!   alternating rounds; the median time of one batch of each, and their ratio;
//! - the web UI on and off: the same job on the wall clock ([`Job::start`], one batch every
//!   10 ms, 300 batches), without a UI, then with the UI on an ephemeral port and a client
//!   fetching the overview page, the batch list and `/metrics` back to back the whole time
//!   (far more than a browser's one page every 2 s); the median and 90th percentile of the
//!   batches' processing time, from the job's own statistics, and their ratio.
//!
//! Prints a table to stdout. `cargo bench --bench monitor_overhead`.

use dstream::prelude::*;
use dstream::testing::Harness;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TRICKLE: [&str; 3] = ["to be or", "not to be", "be quick"];

fn wordcount(batches: usize) -> Job {
    let input = vec![TRICKLE.to_vec(); batches];
    stream! {
        queue(input) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+) every 10ms |> foreach_batch(|counts, _| { std::hint::black_box(counts); })
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn percentile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[((xs.len() - 1) as f64 * q).round() as usize]
}

/// The time of each of `n` back-to-back batches, in µs.
fn steps(job: Job, n: usize) -> Vec<f64> {
    let mut harness = Harness::new(job);
    harness.start().expect("the queue starts");
    (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(harness.step().expect("the batch runs"));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

/// `GET path` over HTTP/1.0; the bytes of the response.
fn fetch(addr: std::net::SocketAddr, path: &str) -> usize {
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return 0 };
    let _ = write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    let mut body = Vec::new();
    let _ = stream.read_to_end(&mut body);
    body.len()
}

/// Runs `batches` batches on the wall clock; with `ui`, a client fetches pages the whole
/// time. Returns each batch's processing time (µs) and the pages fetched.
fn paced(batches: usize, ui: bool) -> (Vec<f64>, u64) {
    let job = wordcount(batches + 10).with_name("overhead").stop_after_batches(batches as u64);
    let job = if ui { job.with_ui("127.0.0.1:0") } else { job.without_ui() };
    let mut handle = job.start().expect("the job starts");
    let (done, pages) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let client = handle.ui_address().map(|addr| {
        let (done, pages) = (Arc::clone(&done), Arc::clone(&pages));
        let id = format!("local-{}", handle.statistics().start_us / 1000);
        std::thread::spawn(move || {
            let paths = [
                "/streaming/".to_string(),
                format!("/api/v1/applications/{id}/streaming/batches"),
                "/metrics".into(),
            ];
            while !done.load(Ordering::Relaxed) {
                for path in &paths {
                    if fetch(addr, path) > 0 {
                        pages.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
    });
    assert!(handle.await_termination_or_timeout(Duration::from_secs(120)).expect("the job ends well"));
    done.store(true, Ordering::Relaxed);
    if let Some(client) = client {
        let _ = client.join();
    }
    let took = handle
        .monitor()
        .batches()
        .iter()
        .filter_map(|b| b.processing_delay_us())
        .map(|us| us as f64)
        .collect();
    (took, pages.load(Ordering::Relaxed))
}

fn main() {
    // Keep the job's progress lines out of the table.
    std::env::set_var("RUST_LOG", "warn");
    let (rounds, n) = (5, 2000);
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        on.extend(steps(wordcount(n), n));
        off.extend(steps(wordcount(n).without_statistics(), n));
    }
    let (on, off) = (median(on), median(off));
    println!("== statistics collection: one batch, back to back ({rounds} x {n} batches each) ==");
    println!("{:<28} {:>12}", "", "median µs");
    println!("{:<28} {:>12.2}", "statistics off", off);
    println!("{:<28} {:>12.2}", "statistics on (default)", on);
    println!("{:<28} {:>12.2}  (ratio {:.3})", "cost of the statistics", on - off, on / off);

    let batches = 300;
    let (off_took, _) = paced(batches, false);
    let (on_took, pages) = paced(batches, true);
    println!("\n== web UI: processing time of {batches} batches at B = 10 ms on the wall clock ==");
    println!("{:<28} {:>12} {:>12}", "", "median µs", "p90 µs");
    println!(
        "{:<28} {:>12.1} {:>12.1}",
        "UI off",
        median(off_took.clone()),
        percentile(off_took.clone(), 0.9)
    );
    println!(
        "{:<28} {:>12.1} {:>12.1}  ({pages} pages served meanwhile)",
        "UI on, pages fetched",
        median(on_took.clone()),
        percentile(on_took.clone(), 0.9)
    );
    println!(
        "{:<28} {:>12.3} {:>12.3}",
        "ratio on / off",
        median(on_took.clone()) / median(off_took.clone()),
        percentile(on_took, 0.9) / percentile(off_took, 0.9)
    );
}
