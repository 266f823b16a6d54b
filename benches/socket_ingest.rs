//! The socket source's line rate against a plain read loop on the same socket (issue #5: "the
//! source must not be the bottleneck").
//!
//! The feeder is a separate local process: this binary run again with `--socket-feeder`. It
//! listens on `127.0.0.1:0`, prints its port, accepts one connection, writes `lines` lines of
//! 48 bytes (`00000000 lorem ipsum dolor sit amet consectetur`, numbered) and exits. Each
//! measurement starts a fresh feeder and reads everything it writes, either
//!
//! - with a plain read loop (`read` into a 64 KiB buffer, count the `\n`s), or
//! - through a [`SocketSource`] whose batches are cut every 10 ms of wall time (a manual clock
//!   set to the elapsed time), counting the lines of the batches: once with the default
//!   settings, once with `max_buffered_bytes` at 8 MiB (the default before 2026-11-25);
//!
//! the rate is lines / time from the connection to the last line, and the ratio is the
//! source's rate over the plain loop's. Two write patterns: one `write` per line (`TCP_NODELAY`;
//! the feeder's system calls bound both readers) and 64 KiB writes (the reader is the
//! bottleneck). 3 rounds each, printed to stdout; nothing is asserted on timings.
//!
//! Why two buffer sizes: the receiver stops reading while `max_buffered_bytes` of lines wait
//! for a cut (backpressure), so a source can take in at most that much per batch interval.
//! With 8 MiB and a cut every 10 ms that is about 840 MB/s, 17 M lines/s of 48 bytes: with
//! 64 KiB writes on an idle machine the plain loop is faster than that, and the 8 MiB source
//! measures its bound, not its cost (which is why the default is now 256 MiB). The default
//! source measures its cost.
//!
//! ```text
//! cargo bench --bench socket_ingest
//! cargo bench --bench socket_ingest -- bulk                        # only the 64 KiB writes (or per-line)
//! DSTREAM_BENCH_SOCKET_WAL=1 cargo bench --bench socket_ingest   # also the source with a write-ahead log
//! ```
//!
//! Under `cargo test --benches` (no `--bench` argument) it runs the same code on a few thousand
//! lines and checks every line that arrives.

use dstream::metrics::Metrics;
use dstream::source::socket::{SocketConfig, SocketSource};
use dstream::source::{Source, SourceContext};
use dstream::time::ManualClock;
use dstream::Time;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The argument that makes this binary a feeder: `--socket-feeder <per-line|bulk> <lines>`.
const FEEDER_ARG: &str = "--socket-feeder";

/// Size of the feeder's writes in bulk mode, and of the plain loop's read buffer.
const CHUNK: usize = 64 * 1024;

/// The buffer of the second source measured: the old default, whose bound this bench's
/// cadence reaches (see the module documentation).
const SMALL_BUFFER: usize = 8 * 1024 * 1024;

/// Every line: 8 digits (the line number), then this, then `\n`: 48 bytes in all.
const LINE_TAIL: &[u8] = b" lorem ipsum dolor sit amet consectetur\n";
const LINE_BYTES: usize = 8 + LINE_TAIL.len();

/// How the feeder writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// One `write` per line, `TCP_NODELAY`.
    PerLine,
    /// Writes of exactly 64 KiB (lines span writes).
    Bulk,
}

impl Pattern {
    fn arg(self) -> &'static str {
        match self {
            Pattern::PerLine => "per-line",
            Pattern::Bulk => "bulk",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Pattern::PerLine => "one write per line",
            Pattern::Bulk => "64 KiB writes",
        }
    }
}

/// The feeder process's work: serve `lines` lines to the first client, then exit.
fn feed(pattern: &str, lines: u64) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("feeder: bind");
    let port = listener.local_addr().expect("feeder: address").port();
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{port}").and_then(|()| stdout.flush()).expect("feeder: report the port");
    let (mut conn, _) = listener.accept().expect("feeder: accept");
    conn.set_nodelay(true).expect("feeder: TCP_NODELAY");
    let mut line = [0u8; LINE_BYTES];
    line[..8].fill(b'0');
    line[8..].copy_from_slice(LINE_TAIL);
    let mut pending = Vec::with_capacity(CHUNK + LINE_BYTES);
    for i in 0..lines {
        if i > 0 {
            // Increments the 8-digit number in place (it wraps after 10^8 lines).
            for digit in line[..8].iter_mut().rev() {
                if *digit == b'9' {
                    *digit = b'0';
                } else {
                    *digit += 1;
                    break;
                }
            }
        }
        if pattern == "per-line" {
            conn.write_all(&line).expect("feeder: write");
            continue;
        }
        pending.extend_from_slice(&line);
        if pending.len() >= CHUNK {
            conn.write_all(&pending[..CHUNK]).expect("feeder: write");
            pending.drain(..CHUNK);
        }
    }
    conn.write_all(&pending).expect("feeder: write");
    // Closing the connection is the end of the stream for the reader.
}

/// A feeder process, started and listening: (the process, its port).
fn start_feeder(pattern: Pattern, lines: u64) -> (Child, u16) {
    let exe = std::env::current_exe().expect("this binary's path");
    let mut child = Command::new(exe)
        .args([FEEDER_ARG, pattern.arg(), &lines.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the feeder process");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("the feeder's stdout"))
        .read_line(&mut first)
        .expect("read the feeder's port");
    let port = first.trim().parse().unwrap_or_else(|_| panic!("the feeder printed {first:?}, not a port"));
    (child, port)
}

fn wait_feeder(mut child: Child) {
    let status = child.wait().expect("wait for the feeder");
    assert!(status.success(), "the feeder failed: {status}");
}

/// One measurement: the time from the connection to the last line, and the CPU time of the
/// threads that read (where `/proc/self/task/*/schedstat` exists).
struct Run {
    took: Duration,
    /// The plain loop's thread, or the source's receiver thread.
    reader_cpu: Option<Duration>,
    /// The thread that cuts the batches (and counts their lines).
    cutter_cpu: Option<Duration>,
}

/// The time a thread has run, from the `schedstat` in its `/proc` directory.
fn cpu_of(thread: &Path) -> Option<Duration> {
    let stat = std::fs::read_to_string(thread.join("schedstat")).ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

/// The time the calling thread has run.
fn own_cpu() -> Option<Duration> {
    cpu_of(Path::new("/proc/thread-self"))
}

/// The time the running socket source's receiver thread has run.
fn receiver_cpu() -> Option<Duration> {
    for thread in std::fs::read_dir("/proc/self/task").ok()? {
        let path = thread.ok()?.path();
        // `dstream-socket-recv`, cut to 15 bytes.
        if std::fs::read_to_string(path.join("comm")).is_ok_and(|comm| comm.starts_with("dstream-socket")) {
            return cpu_of(&path);
        }
    }
    None
}

/// A plain read loop over a fresh feeder's lines.
fn plain(pattern: Pattern, lines: u64) -> Run {
    let (feeder, port) = start_feeder(pattern, lines);
    let cpu_before = own_cpu();
    let started = Instant::now();
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("connect to the feeder");
    let mut buf = vec![0u8; CHUNK];
    let mut seen = 0u64;
    while seen < lines {
        let n = conn.read(&mut buf).expect("read");
        assert!(n > 0, "the feeder closed after {seen} of {lines} lines");
        seen += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let took = started.elapsed();
    let reader_cpu = own_cpu().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    assert_eq!(seen, lines);
    wait_feeder(feeder);
    Run { took, reader_cpu, cutter_cpu: None }
}

/// The same through a socket source with `config`, cut every 10 ms (the time counts from its
/// start). With `check`, every line's text is checked too.
fn through_source(pattern: Pattern, lines: u64, config: SocketConfig, check: bool) -> Run {
    let (feeder, port) = start_feeder(pattern, lines);
    let clock = ManualClock::new();
    let ctx = SourceContext::new(Arc::new(clock.clone()), Metrics::new());
    let mut source = SocketSource::new("127.0.0.1", port).with_config(config);
    let cpu_before = own_cpu();
    let started = Instant::now();
    source.start(&ctx).expect("start the socket source");
    let (mut seen, mut text_bytes) = (0u64, 0u64);
    while seen < lines {
        std::thread::sleep(Duration::from_millis(10));
        let now = Time::from_millis(started.elapsed().as_millis() as u64);
        clock.set(now);
        let batch = source.cut(now);
        if check {
            for (i, line) in (seen..).zip(batch.lines()) {
                let expected =
                    format!("{:08}{}", i % 100_000_000, std::str::from_utf8(LINE_TAIL).unwrap_or(""));
                assert_eq!(line, expected.trim_end_matches('\n'), "line {i}");
            }
        }
        seen += batch.len() as u64;
        text_bytes += batch.text_len() as u64;
        assert!(started.elapsed() < Duration::from_secs(600), "only {seen} of {lines} lines arrived");
    }
    let took = started.elapsed();
    let cutter_cpu = own_cpu().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
    let reader_cpu = receiver_cpu();
    assert_eq!((seen, text_bytes), (lines, lines * (LINE_BYTES as u64 - 1)), "lines and their bytes");
    source.stop_receiving();
    drop(source);
    wait_feeder(feeder);
    Run { took, reader_cpu, cutter_cpu }
}

/// A fresh directory for a write-ahead log, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("dstream-bench-socket-wal-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the log directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == FEEDER_ARG) {
        let pattern = args.get(at + 1).expect("feeder: a pattern");
        let lines = args.get(at + 2).and_then(|n| n.parse().ok()).expect("feeder: a line count");
        feed(pattern, lines);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a quick check.
    let full = args.iter().any(|a| a == "--bench");
    let with_wal = std::env::var_os("DSTREAM_BENCH_SOCKET_WAL").is_some_and(|v| v != "0");
    let lines_of = |pattern: Pattern| match (pattern, full) {
        (Pattern::PerLine, true) => 1_000_000,
        (Pattern::Bulk, true) => 10_000_000,
        (Pattern::PerLine, false) => 2_000,
        (Pattern::Bulk, false) => 20_000,
    };
    println!(
        "socket_ingest: {} lines of {LINE_BYTES} bytes from a feeder process",
        if full { "full" } else { "test-mode" }
    );
    // Any other argument that names a pattern (`per-line`, `bulk`) runs only the patterns named.
    let named: Vec<Pattern> =
        [Pattern::PerLine, Pattern::Bulk].into_iter().filter(|p| args.iter().any(|a| a == p.arg())).collect();
    // A long backoff: after the feeder closes, the receiver does not keep reconnecting.
    let default = SocketConfig { initial_backoff: Duration::from_secs(5), ..SocketConfig::default() };
    let small = SocketConfig { max_buffered_bytes: SMALL_BUFFER, ..default.clone() };
    for pattern in [Pattern::PerLine, Pattern::Bulk] {
        if !named.is_empty() && !named.contains(&pattern) {
            continue;
        }
        let lines = lines_of(pattern);
        let per_line = |cpu: Option<Duration>, lines: u64| {
            cpu.map_or("?".to_string(), |cpu| format!("{:.0}", cpu.as_nanos() as f64 / lines as f64))
        };
        for round in 1..=3 {
            let plain_run = plain(pattern, lines);
            let plain_rate = lines as f64 / plain_run.took.as_secs_f64();
            println!(
                "{} round {round}: plain read loop {:.2} M lines/s (reader {} ns/line)",
                pattern.label(),
                plain_rate / 1e6,
                per_line(plain_run.reader_cpu, lines),
            );
            let mut sources =
                vec![("source", default.clone(), lines), ("source, 8 MiB buffer", small.clone(), lines)];
            let dir = with_wal.then(TempDir::new);
            if let Some(dir) = &dir {
                // Every read is one synced record: fewer lines, or the round takes minutes.
                let config = SocketConfig { write_ahead_log: Some(dir.0.clone()), ..default.clone() };
                sources.push(("source + write-ahead log", config, lines.min(1_000_000)));
            }
            for (name, config, lines) in sources {
                let run = through_source(pattern, lines, config, !full);
                let rate = lines as f64 / run.took.as_secs_f64();
                println!(
                    "{} round {round}: {name} {:.2} M lines/s ({:.2}x; receiver {} ns/line, cuts {} ns/line)",
                    pattern.label(),
                    rate / 1e6,
                    rate / plain_rate,
                    per_line(run.reader_cpu, lines),
                    per_line(run.cutter_cpu, lines),
                );
            }
        }
    }
}
