//! A TCP line server for socket word-count benchmarks: the Spark peer's `loadgen.py`, fast.
//!
//! Listens on `127.0.0.1:PORT`, accepts one client (a receiver connects as a client), and
//! writes lines of `--words-per-line` Zipf-distributed words following a rate schedule,
//! then exits. The lines are generated once into one buffer and written from it in large
//! `write` calls, so one core sends far more than any engine here counts. A paced step
//! writes what is owed once per millisecond, as a network delivers in bursts, and costs the
//! generator a few per cent of a core at tens of millions of words/s.
//!
//! Every `--marker-ms` milliseconds, at a random phase within each such interval (so that
//! the markers fall anywhere in a batch and latency percentiles are unbiased), a one-word line
//! `zzmark<epoch_ms>` goes out between two lines; an engine's output that sees it computes
//! end-to-end latency = time seen - epoch_ms.
//!
//! ```text
//! loadgen --port 9999 --schedule 1M:20,0:5,max:10 --report loadgen.json
//! loadgen --self-test --schedule max:5       # the generator's ceiling into a reader that discards
//! ```

use dstream::feed::Rng;
use dstream_bench::args::Args;
use dstream_bench::lines::Pool;
use dstream_bench::schedule::{self, Rate, Step};
use dstream_bench::{epoch_ms, MARK_PREFIX};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: loadgen [--port 9999] [--schedule RATE:SECONDS,...] [--words-per-line 10] \
[--vocab 10000] [--zipf-s 1.0] [--seed 42] [--pool-lines 200000] [--marker-ms 200] \
[--accept-timeout 300] [--linger 5] [--report PATH] [--self-test]
  RATE: words/s (k, M suffixes), 0 = pause, max = as fast as the socket takes";

/// The pacing grain: a paced step writes what is owed once per tick, so a batch of B gets
/// B / TICK writes' worth of lines, evenly; `loadgen.py` paces by 10 ms ticks, too coarse
/// for B = 10 ms.
const TICK: Duration = Duration::from_millis(1);

/// What one step sent, for the report (the fields of `loadgen.py`'s report).
struct Sent {
    start_ms: u64,
    end_ms: u64,
    lines: u64,
    markers: u64,
}

/// Writes the pool's lines into `out` following the schedule.
struct Sender<'p> {
    pool: &'p Pool,
    next_line: usize,
    words_per_line: usize,
    marker: Option<Duration>,
    rng: Rng,
}

impl Sender<'_> {
    fn step(&mut self, out: &mut TcpStream, step: Step) -> std::io::Result<Sent> {
        let start = Instant::now();
        let start_ms = epoch_ms();
        let duration = Duration::from_secs_f64(step.seconds);
        let mut sent = Sent { start_ms, end_ms: start_ms, lines: 0, markers: 0 };
        let lines_per_sec = match step.rate {
            Rate::Max => f64::INFINITY,
            Rate::WordsPerSec(w) => w / self.words_per_line as f64,
        };
        if lines_per_sec == 0.0 {
            std::thread::sleep(duration);
            sent.end_ms = epoch_ms();
            return Ok(sent);
        }
        // At least a tick's lines per write (all that is owed, when the rate is low).
        let min_write = (lines_per_sec * TICK.as_secs_f64()).max(1.0) as usize;
        // Marker k goes out at (k + u_k) * period from the step's start, u_k uniform in [0, 1).
        let mut interval = 0u32;
        let mut next_marker = self.marker.map(|p| p.mul_f64(self.rng.unit()));
        loop {
            let elapsed = start.elapsed();
            if elapsed >= duration {
                break;
            }
            if let (Some(period), Some(at)) = (self.marker, next_marker) {
                if elapsed >= at {
                    out.write_all(format!("{MARK_PREFIX}{}\n", epoch_ms()).as_bytes())?;
                    sent.markers += 1;
                    interval += 1;
                    next_marker = Some(period * interval + period.mul_f64(self.rng.unit()));
                }
            }
            let owed = if lines_per_sec.is_infinite() {
                usize::MAX
            } else {
                ((elapsed.as_secs_f64() * lines_per_sec) as u64).saturating_sub(sent.lines) as usize
            };
            if owed < min_write {
                // Sleep until a tick's lines are due (or a marker): one write per tick, not
                // one per line due, which at millions of words/s cost the generator a whole
                // core in system calls and woke the receiver as often.
                let due = Duration::from_secs_f64((sent.lines + min_write as u64) as f64 / lines_per_sec);
                let wake = next_marker.map_or(due, |m| m.min(due)).min(duration);
                std::thread::sleep(wake.saturating_sub(elapsed).min(TICK));
                continue;
            }
            let (bytes, n) = self.pool.run(self.next_line, owed);
            out.write_all(bytes)?;
            sent.lines += n as u64;
            self.next_line = (self.next_line + n) % self.pool.lines();
        }
        sent.end_ms = epoch_ms();
        Ok(sent)
    }
}

fn accept(listener: &TcpListener, timeout: Duration) -> std::io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false)?;
                return Ok(stream);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A client that reads and discards everything (the `--self-test` receiver); returns the
/// bytes and lines it read.
fn drain(port: u16) -> std::thread::JoinHandle<(u64, u64)> {
    std::thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects to the generator");
        let mut buf = vec![0u8; 4 << 20];
        let (mut bytes, mut lines) = (0u64, 0u64);
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return (bytes, lines),
                Ok(n) => {
                    bytes += n as u64;
                    lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                }
            }
        }
    })
}

fn json_rate(rate: Rate) -> String {
    match rate {
        Rate::Max => "\"max\"".to_string(),
        Rate::WordsPerSec(w) => format!("{w}"),
    }
}

fn main() {
    let args = Args::parse(USAGE, &["self-test"]);
    let self_test = args.flag("self-test");
    let schedule_text =
        args.opt("schedule").unwrap_or(if self_test { "max:5" } else { "50000:30" }).to_string();
    let steps = schedule::parse(&schedule_text).unwrap_or_else(|e| args.fail(&format!("--schedule: {e}")));
    let words_per_line: usize = args.get("words-per-line", 10);
    let vocab: usize = args.get("vocab", 10_000);
    if words_per_line == 0 || vocab == 0 {
        args.fail("--words-per-line and --vocab must be positive");
    }
    let generated = Instant::now();
    let pool = Pool::generate(
        args.get("pool-lines", 200_000).max(1),
        words_per_line,
        vocab,
        args.get("zipf-s", 1.0),
        args.get("seed", 42),
    );
    eprintln!(
        "loadgen: generated {} lines ({:.1} MB) in {:.1?}",
        pool.lines(),
        pool.text().len() as f64 / 1e6,
        generated.elapsed()
    );
    let port: u16 = if self_test { 0 } else { args.get("port", 9999) };
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| {
        eprintln!("loadgen: cannot listen on 127.0.0.1:{port}: {e}");
        std::process::exit(1)
    });
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    eprintln!("loadgen: listening on 127.0.0.1:{port}");
    let drained = self_test.then(|| drain(port));
    let mut conn = match accept(&listener, Duration::from_secs_f64(args.get("accept-timeout", 300.0))) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("loadgen: no client connected: {e}");
            std::process::exit(1)
        }
    };
    let _ = conn.set_nodelay(true);
    eprintln!("loadgen: client connected");
    let marker_ms: u64 = args.get("marker-ms", 200);
    let mut sender = Sender {
        pool: &pool,
        next_line: 0,
        words_per_line,
        marker: (marker_ms > 0).then(|| Duration::from_millis(marker_ms)),
        rng: Rng::new(args.get::<u64>("seed", 42) ^ 0x4D41_524B),
    };
    let mut report = Vec::new();
    let mut error = None;
    for step in &steps {
        match sender.step(&mut conn, *step) {
            Ok(sent) => {
                let secs = (sent.end_ms - sent.start_ms) as f64 / 1000.0;
                let words = sent.lines * words_per_line as u64;
                let achieved = if secs > 0.0 { words as f64 / secs } else { 0.0 };
                eprintln!(
                    "loadgen: step rate={} {}s sent {words} words ({achieved:.0} w/s, {:.0} MB/s), {} markers",
                    json_rate(step.rate),
                    step.seconds,
                    sent.lines as f64 * pool.text().len() as f64 / pool.lines() as f64 / secs.max(1e-9) / 1e6,
                    sent.markers
                );
                report.push(format!(
                    "{{\"rate\": {}, \"planned_s\": {}, \"start\": {:.3}, \"end\": {:.3}, \"lines\": {}, \"markers\": {}, \
                     \"words\": {words}, \"achieved_words_per_s\": {achieved:.0}}}",
                    json_rate(step.rate),
                    step.seconds,
                    sent.start_ms as f64 / 1000.0,
                    sent.end_ms as f64 / 1000.0,
                    sent.lines,
                    sent.markers
                ));
            }
            Err(e) => {
                eprintln!("loadgen: client went away: {e}");
                error = Some(e.to_string());
                break;
            }
        }
    }
    if !self_test && error.is_none() {
        std::thread::sleep(Duration::from_secs_f64(args.get("linger", 5.0)));
    }
    drop(conn);
    if let Some(handle) = drained {
        let (bytes, lines) = handle.join().expect("the drain thread ends");
        eprintln!("loadgen: self-test reader got {bytes} bytes, {lines} lines");
    }
    if let Some(path) = args.opt("report") {
        let error = error.map_or(String::new(), |e| format!(", \"error\": {e:?}"));
        let json = format!(
            "{{\"schedule\": {schedule_text:?}, \"words_per_line\": {words_per_line}, \"vocab\": {vocab}, \"steps\": [\n {}\n]{error}}}\n",
            report.join(",\n ")
        );
        if let Err(e) = std::fs::write(path, json) {
            eprintln!("loadgen: cannot write the report {path}: {e}");
            std::process::exit(1);
        }
    }
}
