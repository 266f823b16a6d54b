//! dstream's socket word count for the end-to-end benchmark: Spark's quick-start job with
//! every (word, count) pair handed to a `foreach_batch` output, which counts keys, words and
//! markers and writes what the other engines write (`dstream_bench::record`).
//!
//! ```text
//! wc-dstream --port 9999 --batch-ms 1000 --out results/dstream --seconds 60 [--partitions 2]
//!     [--piece-kb 8192]
//! ```
//!
//! `--piece-kb 0` turns off pieces (the first stage then runs at the cut, on the whole batch).
//!
//! The batch's processing time is measured from its start (its time, or the previous batch's
//! end when the job is behind) to the end of its output, as Spark's `processingDelay`.

use dstream::prelude::*;
use dstream::source::socket::SocketConfig;
use dstream_bench::args::Args;
use dstream_bench::record::{stop_requested, BatchCounts, Recorder};
use dstream_bench::{epoch_ms, marker_time};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const USAGE: &str =
    "usage: wc-dstream --out DIR [--port 9999] [--batch-ms 1000] [--seconds 600] [--partitions N] \
[--max-buffered-mb 256] [--piece-kb 8192]";

fn main() {
    let args = Args::parse(USAGE, &[]);
    let out: PathBuf = args.opt("out").unwrap_or_else(|| args.fail("--out DIR is required")).into();
    let port: u16 = args.get("port", 9999);
    let batch_ms: u64 = args.get("batch-ms", 1000);
    if batch_ms == 0 {
        args.fail("--batch-ms must be positive");
    }
    let deadline = epoch_ms() + (args.get::<f64>("seconds", 600.0) * 1000.0) as u64;
    let recorder = Recorder::create(&out).unwrap_or_else(|e| args.fail(&format!("--out {out:?}: {e}")));
    let recorder = Arc::new(Mutex::new(recorder));
    let interval = Duration::from_millis(batch_ms);
    let output = Arc::clone(&recorder);
    // The socket source's buffer bound is also a rate: about this much per batch interval.
    let config = SocketConfig {
        max_buffered_bytes: args.get::<usize>("max-buffered-mb", 256) << 20,
        piece_bytes: args.get::<usize>("piece-kb", 8192) << 10,
        ..SocketConfig::default()
    };
    let mut job = stream! {
        socket("127.0.0.1", port, config)
            |> flat_map(split)
            |> map(|w| (w, 1u64))
            |> reduce_by_key(+) every {interval}
            |> foreach_batch(move |pairs: Vec<(&str, u64)>, time: Time| {
                let mut c = BatchCounts::default();
                let mut seen = Vec::new();
                for (word, n) in pairs {
                    c.keys += 1;
                    match marker_time(word.as_bytes()) {
                        Some(sent) => {
                            c.markers += n;
                            seen.push(sent);
                        }
                        None => c.words += n,
                    }
                }
                let end = epoch_ms();
                let mut r = output.lock().expect("no panics under the lock");
                for sent in seen {
                    r.marker(sent, end);
                }
                if let Err(e) = r.batch(time.as_millis(), None, end, c) {
                    eprintln!("wc-dstream: writing the batch record: {e}");
                }
            })
    };
    if let Some(p) = args.opt("partitions") {
        job = job.with_parallelism(p.parse().unwrap_or_else(|_| args.fail("--partitions must be a number")));
    }
    let stop = job.stop_handle();
    let watcher = {
        let out = out.clone();
        std::thread::spawn(move || {
            while !stop_requested(&out, deadline) {
                std::thread::sleep(Duration::from_millis(50));
            }
            stop.store(true, Ordering::SeqCst);
        })
    };
    if let Err(e) = job.run() {
        eprintln!("wc-dstream: {e}");
        std::process::exit(1);
    }
    let _ = watcher.join();
    let recorder =
        Arc::try_unwrap(recorder).ok().expect("the job has ended").into_inner().expect("no panics");
    if let Err(e) = recorder.finish() {
        eprintln!("wc-dstream: writing {out:?}: {e}");
        std::process::exit(1);
    }
}
