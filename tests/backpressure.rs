//! Backpressure end to end: a real socket job whose processing is about twice as slow as its
//! input, run twice, with and without backpressure.
//!
//! A line server offers `OFFERED` lines per second; the job's `map` sleeps `PER_RECORD` per
//! line on one partition, so it processes about half of that, and a batch of the offered
//! rate takes about twice the batch interval. Without backpressure every batch holds the
//! offered lines and the delay grows batch after batch; with it, the PID estimator lowers
//! the receiver's rate below the processing rate until the delay is worked off, and the
//! receiver stops reading the socket (TCP holds the server back), so its buffer stays small.
//!
//! The last batch of each run is left out of the figures: at the graceful stop the receiver
//! hands over, unpaced, whatever the socket already holds (see the socket source's
//! "Stopping"), and the job processes it at full speed, so that the test ends quickly.
//!
//! Only directions are asserted, with wide margins; the figures are printed
//! (`cargo test --test backpressure -- --nocapture`).

use dstream::feed::LineServer;
use dstream::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

/// Lines per second the server offers.
const OFFERED: u32 = 2000;
/// Processing cost of one line: about 1000 lines/s on one partition, half the offered rate.
const PER_RECORD: StdDuration = StdDuration::from_millis(1);
/// Batches per run.
const BATCHES: u64 = 20;

/// One batch as the sink saw it.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// The batch time, ms since the epoch.
    time: u64,
    records: usize,
    /// Wall clock when the batch's output ran (its end), ms since the epoch.
    end: u64,
    /// Bytes the receiver held then.
    buffered: u64,
    /// The receiver's rate limit then, lines per second.
    limit: Option<f64>,
}

impl Seen {
    /// Batch time to end of output.
    fn total_delay(&self) -> u64 {
        self.end.saturating_sub(self.time)
    }
}

struct Run {
    /// Every batch but the last (the stop's).
    batches: Vec<Seen>,
}

impl Run {
    /// Scheduling delay of each batch: a batch starts at its time or when the one before
    /// ended, whichever is later (the sink runs at the end of a batch).
    fn scheduling_delays(&self) -> Vec<u64> {
        let mut delays = vec![0];
        for pair in self.batches.windows(2) {
            delays.push(pair[0].end.saturating_sub(pair[1].time));
        }
        delays
    }

    /// The mean total delay of the last third of the batches.
    fn late_delay(&self) -> u64 {
        let last = &self.batches[self.batches.len() * 2 / 3..];
        last.iter().map(Seen::total_delay).sum::<u64>() / last.len() as u64
    }

    /// The lowest rate limit the receiver had at the end of a batch.
    fn lowest_limit(&self) -> Option<f64> {
        self.batches.iter().filter_map(|b| b.limit).reduce(f64::min)
    }

    /// The most bytes the receiver held at the end of a batch.
    fn peak_buffered(&self) -> u64 {
        self.batches.iter().map(|b| b.buffered).max().unwrap_or(0)
    }

    fn print(&self, label: &str) {
        println!("{label}: batch (ms after the first), records, scheduling delay ms, total delay ms, buffered bytes, rate limit lines/s");
        let first = self.batches[0].time;
        for (seen, scheduling) in self.batches.iter().zip(self.scheduling_delays()) {
            println!(
                "  {:>6} {:>6} {:>6} {:>6} {:>8} {:>8}",
                seen.time - first,
                seen.records,
                scheduling,
                seen.total_delay(),
                seen.buffered,
                seen.limit.map_or("-".to_string(), |l| format!("{l:.0}"))
            );
        }
        println!(
            "  peak buffered at a batch's end {} bytes; lowest rate limit {:?} lines/s (offered {OFFERED})",
            self.peak_buffered(),
            self.lowest_limit()
        );
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Runs the slow job against a fresh line server for `BATCHES` batches.
fn run(backpressure: bool) -> Run {
    let lines = (0u64..).map(|n| format!("line {n}"));
    let server = LineServer::start("127.0.0.1:0", lines, Some(OFFERED)).expect("start the line server");
    let port = server.local_addr().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    // Set once the last batch is due: it is processed at full speed.
    let finishing = Arc::new(AtomicBool::new(false));
    let flow_of_sink = Arc::new(Mutex::new(None::<dstream::source::rate::RateControl>));
    let sink = {
        let (seen, finishing, flow) = (Arc::clone(&seen), Arc::clone(&finishing), Arc::clone(&flow_of_sink));
        move |records: Vec<usize>, time: Time| {
            let receivers = flow.lock().unwrap().as_ref().map(|f| f.receivers()).unwrap_or_default();
            let (buffered, limit) = receivers.first().map_or((0, None), |r| (r.buffered_bytes, r.limit));
            let mut seen = seen.lock().unwrap();
            seen.push(Seen {
                time: time.as_millis(),
                records: records.len(),
                end: now_ms(),
                buffered,
                limit,
            });
            if seen.len() as u64 + 1 >= BATCHES {
                finishing.store(true, Ordering::SeqCst);
            }
        }
    };
    let slow = move |line: &str| {
        if !finishing.load(Ordering::SeqCst) {
            std::thread::sleep(PER_RECORD);
        }
        line.len()
    };
    let job = stream! {
        socket("127.0.0.1", port) |> map(slow) every 200ms |> foreach_batch(sink)
    }
    .with_parallelism(1)
    .with_backpressure(backpressure)
    .stop_after_batches(BATCHES);
    let flow = job.flow_control();
    *flow_of_sink.lock().unwrap() = Some(flow.clone());
    job.run().expect("the job runs");
    server.stop();
    assert_eq!(flow.receivers().len(), 1, "the socket receiver registered");
    let mut batches = seen.lock().unwrap().clone();
    batches.pop();
    Run { batches }
}

#[test]
fn backpressure_bounds_the_delay_and_the_buffer_of_a_job_slower_than_its_input() {
    let without = run(false);
    without.print("without backpressure");
    let with = run(true);
    with.print("with backpressure");
    for run in [&without, &with] {
        assert_eq!(run.batches.len() as u64, BATCHES - 1);
        assert!(run.batches.iter().map(|b| b.records).sum::<usize>() > 0, "no line was received");
    }

    // Without backpressure the job falls behind: the delay grows.
    let early = without.batches[1].total_delay();
    assert!(
        without.late_delay() > early,
        "without backpressure the delay did not grow: {early} ms, then {} ms",
        without.late_delay()
    );
    assert_eq!(without.lowest_limit(), None);

    // With it, the rate falls below what is offered, and the delay and buffer stay lower.
    let limit = with.lowest_limit().expect("backpressure set a rate");
    assert!(limit < f64::from(OFFERED), "rate {limit} lines/s, offered {OFFERED}");
    assert!(
        with.late_delay() < without.late_delay(),
        "delay at the end: {} ms with backpressure, {} ms without",
        with.late_delay(),
        without.late_delay()
    );
    assert!(
        with.peak_buffered() < without.peak_buffered(),
        "peak buffered: {} bytes with backpressure, {} without",
        with.peak_buffered(),
        without.peak_buffered()
    );
}
