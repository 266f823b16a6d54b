//! The limit: a hand-written socket word count, what the hardware does without an engine.
//!
//! A receiver thread reads the socket in 1 MiB reads (waiting 0.5 ms after a read that
//! emptied the socket, as dstream's receiver does) and appends to a shared buffer (the last
//! batch's memory, reused); the
//! batch thread, at every multiple of the batch interval (epoch ms, the grid dstream uses),
//! takes the buffer up to its last complete line, counts its words (`memchr` split, a table
//! with keys of up to 16 bytes inline, on `--threads` threads, halves merged), and hands every
//! (word, count) pair to its output, which counts keys, words and markers. It writes what
//! the other engines write (`dstream_bench::record`).
//!
//! ```text
//! wc-limit --port 9999 --batch-ms 1000 --out results/limit --seconds 60 [--threads 2]
//! ```

use dstream_bench::args::Args;
use dstream_bench::record::{stop_requested, BatchCounts, Recorder};
use dstream_bench::table::{count_on, count_text};
use dstream_bench::{epoch_ms, marker_time};
use std::io::Read;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const USAGE: &str =
    "usage: wc-limit --out DIR [--port 9999] [--batch-ms 1000] [--seconds 600] [--threads 2] [--max-buffered-mb 2048]";

/// Connects, retrying with backoff (the generator may not listen yet); logs each failure.
fn connect(port: u16, stop: &AtomicBool) -> Option<TcpStream> {
    let mut backoff = Duration::from_millis(50);
    while !stop.load(Ordering::Relaxed) {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return Some(s),
            Err(e) => {
                eprintln!("wc-limit: connecting to 127.0.0.1:{port}: {e}; retrying in {backoff:?}");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    None
}

/// Reads the socket until it closes, appending every read to `shared`; while `shared` holds
/// `max_buffered` bytes or more it stops reading (TCP flow control then slows the sender, as
/// dstream's socket source does at its `max_buffered_bytes`).
fn receive(port: u16, shared: Arc<Mutex<Vec<u8>>>, stop: Arc<AtomicBool>, max_buffered: usize) {
    let Some(mut socket) = connect(port, &stop) else { return };
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        if shared.lock().expect("no panics under the lock").len() >= max_buffered {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        match socket.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                shared.lock().expect("no panics under the lock").extend_from_slice(&chunk[..n]);
                // As dstream's receiver: after a read that emptied the socket, let a sender of
                // many small writes fill it for 0.5 ms instead of waking this thread at each.
                if n < chunk.len() {
                    std::thread::sleep(Duration::from_micros(500));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("wc-limit: reading the socket: {e}");
                break;
            }
        }
    }
    eprintln!("wc-limit: the generator closed the connection");
}

/// Takes the complete lines received so far, leaving an incomplete last line in `shared`,
/// which continues in `spare` (the last batch's buffer: memory already mapped, so the
/// receiver does not fault in fresh pages for every batch, as dstream's receiver reuses its
/// blocks).
fn cut(shared: &Mutex<Vec<u8>>, spare: Vec<u8>) -> Vec<u8> {
    let mut rest = spare;
    rest.clear();
    let mut buf = shared.lock().expect("no panics under the lock");
    let whole = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
    rest.extend_from_slice(&buf[whole..]);
    let mut batch = std::mem::replace(&mut *buf, rest);
    batch.truncate(whole);
    batch
}

fn main() {
    let args = Args::parse(USAGE, &[]);
    let out: PathBuf = args.opt("out").unwrap_or_else(|| args.fail("--out DIR is required")).into();
    let port: u16 = args.get("port", 9999);
    let batch_ms: u64 = args.get("batch-ms", 1000);
    let threads: usize = args.get("threads", 2);
    let max_buffered = args.get::<usize>("max-buffered-mb", 2048) << 20;
    if batch_ms == 0 {
        args.fail("--batch-ms must be positive");
    }
    let deadline = epoch_ms() + (args.get::<f64>("seconds", 600.0) * 1000.0) as u64;
    let mut recorder = Recorder::create(&out).unwrap_or_else(|e| args.fail(&format!("--out {out:?}: {e}")));
    let shared = Arc::new(Mutex::new(Vec::with_capacity(64 << 20)));
    let stop = Arc::new(AtomicBool::new(false));
    let receiver = {
        let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
        std::thread::spawn(move || receive(port, shared, stop, max_buffered))
    };
    let mut t = (epoch_ms() / batch_ms + 1) * batch_ms;
    let mut hint = 1024;
    let mut spare = Vec::new();
    while !stop_requested(&out, deadline) {
        let now = epoch_ms();
        if now < t {
            std::thread::sleep(Duration::from_millis((t - now).min(20)));
            continue;
        }
        let start = epoch_ms();
        let batch = cut(&shared, std::mem::take(&mut spare));
        let table = count_on(&batch, threads, hint, count_text);
        hint = table.len().max(1024);
        let mut c = BatchCounts::default();
        let mut seen = Vec::new();
        table.for_each(|word, n| {
            c.keys += 1;
            match marker_time(word) {
                Some(sent) => {
                    c.markers += n;
                    seen.push(sent);
                }
                None => c.words += n,
            }
        });
        let end = epoch_ms();
        for sent in seen {
            recorder.marker(sent, end);
        }
        drop(table);
        spare = batch;
        if let Err(e) = recorder.batch(t, Some(start), end, c) {
            eprintln!("wc-limit: writing {out:?}: {e}");
            std::process::exit(1);
        }
        t += batch_ms;
    }
    stop.store(true, Ordering::Relaxed);
    drop(receiver); // a receiver blocked in `read` ends with the process
    if let Err(e) = recorder.finish() {
        eprintln!("wc-limit: writing {out:?}: {e}");
        std::process::exit(1);
    }
}
