//! The socket receiver under a rate limit: lines enter the buffer no faster than the rate,
//! in order, all of them, with or without a write-ahead log.

use super::test_support::*;
use super::SocketConfig;
use crate::source::Source;
use crate::test_support::TempDir;
use std::time::{Duration, Instant};

const RATE: u64 = 2000;
const LINES: u64 = 3000;

/// Sends `LINES` lines at once to a source limited to `RATE` lines/s and cuts every few
/// milliseconds: at every cut, the lines received so far are at most what the rate allows
/// since the source started (the limiter starts empty), and in the end every line arrives in
/// order. Returns the number of non-empty cuts.
fn paced(config: SocketConfig) -> usize {
    let (listener, port) = listener();
    let started = Instant::now();
    let mut f = Fixture::start(port, SocketConfig { max_rate: RATE, ..config });
    let mut conn = accept(&listener);
    let text: String = (0..LINES).map(|n| format!("{n}\n")).collect();
    send(&mut conn, text.as_bytes());
    let mut got: Vec<String> = Vec::new();
    let mut cuts = 0;
    let deadline = Instant::now() + WAIT;
    while (got.len() as u64) < LINES {
        assert!(Instant::now() < deadline, "only {} of {LINES} lines arrived", got.len());
        std::thread::sleep(Duration::from_millis(5));
        let cut = f.cut(u64::MAX / 2);
        cuts += usize::from(!cut.is_empty());
        got.extend(cut);
        let allowed = RATE as f64 * started.elapsed().as_secs_f64() + 1.0;
        assert!(
            got.len() as f64 <= allowed,
            "{} lines after {:?}: over the rate",
            got.len(),
            started.elapsed()
        );
    }
    let expected: Vec<String> = (0..LINES).map(|n| n.to_string()).collect();
    assert!(got == expected, "the lines arrive in order, each once");
    let flow = f.source.rate.as_ref().map(|rate| rate.limit());
    assert_eq!(flow, Some(Some(RATE as f64)));
    f.source.stop_receiving();
    cuts
}

#[test]
fn a_rate_limit_paces_the_lines_into_the_buffer() {
    let cuts = paced(fast_config());
    assert!(cuts > 1, "the lines came in {cuts} cut(s)");
}

#[test]
fn a_rate_limit_with_a_write_ahead_log_logs_each_portion_as_a_block() {
    let dir = TempDir::new("paced-wal");
    let cuts = paced(SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() });
    assert!(cuts > 1, "the lines came in {cuts} cut(s)");
    // Every line is in the log, in order, in more than one block.
    let mut replay = crate::persist::wal::Replay::open(&dir.0, 0, false).unwrap();
    let mut logged = Vec::new();
    let mut blocks = 0;
    while let Some((_, block)) = replay.next_block() {
        blocks += 1;
        logged.extend(block.lines().map(str::to_owned));
    }
    let expected: Vec<String> = (0..LINES).map(|n| n.to_string()).collect();
    assert_eq!(logged, expected);
    assert!(blocks > 1, "{blocks} block(s)");
}

/// Over its rate the receiver stops reading: a server that writes as fast as it can is held
/// back by TCP once the kernel's buffers are full, and what the receiver has read stays
/// within what its permits allow plus one read.
#[test]
fn over_its_rate_the_receiver_stops_reading_and_tcp_holds_the_sender() {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;

    const PACED: u64 = 1000;
    const LINE: &[u8] = &[b'x'; 99];
    /// Far more than the kernel buffers of a loopback connection.
    const OFFERED_BYTES: u64 = 256 * 1024 * 1024;
    let (listener, port) = listener();
    let started = Instant::now();
    let f = Fixture::start(port, SocketConfig { max_rate: PACED, ..fast_config() });
    let mut conn = accept(&listener);
    conn.set_write_timeout(Some(Duration::from_millis(20))).unwrap();
    let (written, done) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
    let writer = {
        let (written, done) = (Arc::clone(&written), Arc::clone(&done));
        std::thread::spawn(move || {
            let chunk: Vec<u8> = std::iter::repeat_n([LINE, b"\n"].concat(), 640).flatten().collect();
            while !done.load(Ordering::SeqCst) && written.load(Ordering::SeqCst) < OFFERED_BYTES {
                match conn.write(&chunk) {
                    Ok(n) => {
                        written.fetch_add(n as u64, Ordering::SeqCst);
                    }
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(e) => panic!("write: {e}"),
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1000));
    let read = f.metrics.snapshot().bytes_received;
    let elapsed = started.elapsed().as_secs_f64();
    let sent = written.load(Ordering::SeqCst);
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    // Lines read are lines granted (at most rate × time + 1), plus one 64 KiB read.
    let allowed = (PACED as f64 * elapsed + 1.0) * (LINE.len() + 1) as f64 + super::READ_BUFFER_BYTES as f64;
    println!("read {read} bytes in {elapsed:.2} s (allowed {allowed:.0}); the server wrote {sent} of {OFFERED_BYTES}");
    assert!((read as f64) <= allowed, "read {read} bytes, allowed {allowed:.0}");
    assert!(sent < OFFERED_BYTES, "the server was never held back");
}
