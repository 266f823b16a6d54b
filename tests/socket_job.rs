//! End-to-end tests of a `stream!` word count reading a real TCP socket, driven batch by
//! batch by the [`Harness`].
//!
//! Each test runs its own line server on `127.0.0.1:0` in a thread it controls through a
//! command channel (accept, send, close). Between batches the test waits, bounded and
//! asserted, until the job's counters show the data was received; it never sleeps for a
//! fixed time and never asserts on timings.

use dstream::metrics::MetricsSnapshot;
use dstream::prelude::*;
use dstream::source::socket::SocketConfig;
use dstream::testing::{BatchOutput, Harness};
use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration as StdDuration, Instant};

/// Upper bound of every wait: generous, for a loaded 2-core CI machine.
const WAIT: StdDuration = StdDuration::from_secs(10);

/// The 43-dash line around a batch header.
const DASHES: &str = "-------------------------------------------";

// ---------------------------------------------------------------------------------------
// The test server: a thread owning the listener and the current client connection.

enum Command {
    /// Accept the next connection (waiting up to `WAIT`).
    Accept,
    /// Write these bytes to the current connection.
    Send(Vec<u8>),
    /// Close the current connection.
    Close,
}

struct LineServer {
    port: u16,
    commands: Option<mpsc::Sender<Command>>,
    replies: mpsc::Receiver<Result<(), String>>,
    thread: Option<JoinHandle<()>>,
}

impl LineServer {
    /// A server on a fresh port of 127.0.0.1.
    fn bind() -> LineServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the test server");
        LineServer::serve(listener)
    }

    /// A server on `listener` (already bound).
    fn serve(listener: TcpListener) -> LineServer {
        let port = listener.local_addr().expect("local address").port();
        listener.set_nonblocking(true).expect("non-blocking listener");
        let (commands, inbox) = mpsc::channel::<Command>();
        let (reply, replies) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("test-line-server-{port}"))
            .spawn(move || {
                let mut conn: Option<TcpStream> = None;
                for command in inbox {
                    let result = match command {
                        Command::Accept => accept(&listener).map(|stream| {
                            conn = Some(stream);
                        }),
                        Command::Send(bytes) => match conn.as_mut() {
                            Some(stream) => stream
                                .write_all(&bytes)
                                .and_then(|()| stream.flush())
                                .map_err(|e| format!("server write failed: {e}")),
                            None => Err("server: send without a connection".to_owned()),
                        },
                        Command::Close => match conn.take() {
                            Some(stream) => {
                                // Dropping the stream closes it; shut down first so the
                                // client sees the end of stream at once.
                                let _ = stream.shutdown(std::net::Shutdown::Both);
                                drop(stream);
                                Ok(())
                            }
                            None => Err("server: close without a connection".to_owned()),
                        },
                    };
                    if reply.send(result).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the test server");
        LineServer { port, commands: Some(commands), replies, thread: Some(thread) }
    }

    fn run(&self, what: &str, command: Command) {
        self.commands
            .as_ref()
            .expect("server running")
            .send(command)
            .unwrap_or_else(|_| panic!("test server thread is gone ({what})"));
        match self.replies.recv_timeout(WAIT + StdDuration::from_secs(5)) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!("test server: {what}: {error}"),
            Err(error) => panic!("test server did not answer {what}: {error}"),
        }
    }

    /// Accepts the source's next connection (fails the test if none comes within `WAIT`).
    fn accept(&self) {
        self.run("accept", Command::Accept);
    }

    /// Writes `bytes` to the current connection.
    fn send(&self, bytes: &[u8]) {
        self.run("send", Command::Send(bytes.to_vec()));
    }

    /// Closes the current connection (the listener stays open).
    fn close(&self) {
        self.run("close", Command::Close);
    }
}

impl Drop for LineServer {
    fn drop(&mut self) {
        // Closing the command channel ends the thread's loop.
        self.commands.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Polls the non-blocking `listener` for a connection for up to `WAIT`.
fn accept(listener: &TcpListener) -> Result<TcpStream, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).map_err(|e| format!("blocking stream: {e}"))?;
                return Ok(stream);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                if Instant::now() >= deadline {
                    return Err(format!("the source did not connect within {WAIT:?}"));
                }
                std::thread::sleep(StdDuration::from_millis(2));
            }
            Err(e) => return Err(format!("accept failed: {e}")),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Helpers for the harness.

/// Waits (bounded by `WAIT`) until `condition` holds for the job's counters; fails the test
/// with `what` and the last counters otherwise.
fn wait_until(harness: &Harness, what: &str, condition: impl Fn(&MetricsSnapshot) -> bool) {
    assert!(
        harness.wait_for(WAIT, condition),
        "timed out after {WAIT:?} waiting for {what}; metrics: {:?}",
        harness.metrics()
    );
}

/// Waits until the source has read exactly `total` bytes since the job started.
fn wait_bytes(harness: &Harness, total: u64) {
    wait_until(harness, &format!("{total} bytes received"), |m| m.bytes_received >= total);
    assert_eq!(harness.metrics().bytes_received, total, "the source read more bytes than were sent");
}

/// The printed output of a batch with no records.
fn empty_batch_output(ms: u64) -> String {
    format!("{DASHES}\nTime: {ms} ms\n{DASHES}\n\n")
}

/// Parses the `(word,n)` records of a batch's `print` into a map, after checking the
/// header, that no word appears twice and that nothing was cut off by `...`.
fn word_counts(batch: &BatchOutput, ms: u64) -> BTreeMap<String, u64> {
    assert_eq!(batch.time, Time::from_millis(ms), "batch time");
    let header = format!("{DASHES}\nTime: {ms} ms\n{DASHES}\n");
    assert!(
        batch.printed.starts_with(&header) && batch.printed.ends_with("\n\n"),
        "unexpected print layout:\n{}",
        batch.printed
    );
    assert!(
        !batch.printed.lines().any(|l| l == "..."),
        "print truncated the batch (more than 10 records):\n{}",
        batch.printed
    );
    let mut counts = BTreeMap::new();
    for record in batch.printed_records() {
        let inner = record
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("not a (word,n) record: {record:?}"));
        let (word, n) = inner.rsplit_once(',').unwrap_or_else(|| panic!("not a (word,n) record: {record:?}"));
        let n: u64 = n.parse().unwrap_or_else(|e| panic!("bad count in {record:?}: {e}"));
        assert!(
            counts.insert(word.to_owned(), n).is_none(),
            "word {word:?} printed twice in one batch:\n{}",
            batch.printed
        );
    }
    counts
}

fn expected(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|&(w, n)| (w.to_owned(), n)).collect()
}

/// A path in the temp dir that no other test (or run) uses.
fn unique_temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    std::env::temp_dir().join(format!("dstream-socket-job-{name}-{}-{nanos}.txt", std::process::id()))
}

/// Removes the file when dropped, also when the test fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---------------------------------------------------------------------------------------
// The tests.

/// Several batches of data, malformed lines, a dropped and re-accepted connection with an
/// empty batch in between, and a graceful stop that hands over the last lines.
#[test]
fn word_count_over_a_real_socket_across_batches_reconnects_and_stop() {
    let server = LineServer::bind();
    let port = server.port;
    let aside = TempFile(unique_temp_path("malformed"));
    let config = SocketConfig {
        max_line_bytes: 64,
        initial_backoff: StdDuration::from_millis(10),
        max_backoff: StdDuration::from_millis(100),
        malformed_path: Some(aside.0.clone()),
        ..SocketConfig::default()
    };
    let job = stream! {
        socket("127.0.0.1", port, config) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let mut harness = Harness::new(job);
    harness.start().expect("start the job's sources");
    server.accept();
    wait_until(&harness, "the first connection", |m| m.connections == 1);

    // Bytes the server has written so far; the source must read exactly these.
    let mut sent = 0u64;
    let mut send = |bytes: &[u8]| {
        server.send(bytes);
        sent += bytes.len() as u64;
        sent
    };

    // Batch 1 (1000 ms).
    let total = send(b"a b a\n");
    wait_bytes(&harness, total);
    let batch = harness.step().expect("batch 1");
    assert_eq!(word_counts(&batch, 1000), expected(&[("a", 2), ("b", 1)]));
    assert_eq!(harness.metrics().records_received, 1);

    // Batch 2 (2000 ms): good lines around a non-UTF-8 line and a 200-byte line (limit 64),
    // the long one split across two writes. Also valid non-ASCII UTF-8 and a CRLF line.
    let long_line = vec![b'x'; 200];
    let mut first = b"b c\n\xff\xfe\n".to_vec();
    first.extend_from_slice(&long_line[..120]);
    send(&first);
    let mut second = long_line[120..].to_vec();
    second.extend_from_slice("\nc d\n\u{e9}t\u{e9} c\r\n".as_bytes());
    let total = send(&second);
    wait_bytes(&harness, total);
    let m = harness.metrics();
    assert_eq!(m.malformed_not_utf8, 1, "non-UTF-8 lines counted: {m:?}");
    assert_eq!(m.malformed_too_long, 1, "too-long lines counted: {m:?}");
    let batch = harness.step().expect("batch 2");
    assert_eq!(word_counts(&batch, 2000), expected(&[("b", 1), ("c", 3), ("d", 1), ("\u{e9}t\u{e9}", 1)]));
    assert_eq!(harness.metrics().records_received, 1 + 3);

    // The server drops the connection. While it has not accepted again, batch 3 (3000 ms)
    // is empty and prints only its header and the blank line.
    server.close();
    wait_until(&harness, "the dropped connection to be noticed", |m| m.connection_failures >= 1);
    let batch = harness.step().expect("batch 3");
    assert_eq!(batch.time, Time::from_millis(3000));
    assert_eq!(batch.printed, empty_batch_output(3000));
    assert!(batch.printed_records().is_empty());

    // The source reconnects (backoff 10 ms); the server accepts again and sends more.
    server.accept();
    wait_until(&harness, "the second connection", |m| m.connections == 2);
    let total = send(b"d e\ne f e\n");
    wait_bytes(&harness, total);
    let batch = harness.step().expect("batch 4");
    assert_eq!(word_counts(&batch, 4000), expected(&[("d", 1), ("e", 3), ("f", 1)]));

    // Lines sent just before the graceful stop are in the final batch (5000 ms). The test
    // waits until the receiver has read them: bytes still unread in the socket when the stop
    // flag is seen are not drained by the receiver (rare, but observed under load).
    let total = send(b"g h g\ng\n");
    wait_bytes(&harness, total);
    let m = harness.metrics();
    assert_eq!(m.connections, 2, "connections: {m:?}");
    assert!(m.connection_failures >= 1, "connection failures: {m:?}");
    assert_eq!(m.malformed_records(), 2, "malformed: {m:?}");
    assert_eq!(m.records_received, 1 + 3 + 2, "records: {m:?}");
    assert_eq!(m.batches_completed, 4, "batches: {m:?}");
    let last = harness.stop().expect("graceful stop");
    assert_eq!(word_counts(&last, 5000), expected(&[("g", 3), ("h", 1)]));

    // The receiver thread has been joined: the malformed lines are all written aside, raw,
    // each followed by `\n`.
    let written =
        std::fs::read(&aside.0).unwrap_or_else(|e| panic!("malformed lines file {}: {e}", aside.0.display()));
    let mut want = b"\xff\xfe\n".to_vec();
    want.extend_from_slice(&long_line);
    want.push(b'\n');
    assert_eq!(
        written,
        want,
        "malformed lines file {} holds {:?}",
        aside.0.display(),
        String::from_utf8_lossy(&written)
    );
    drop(server);
}

/// The first connection attempts are refused (nothing listens yet); the source retries with
/// backoff, the job keeps producing (empty) batches, and the data arrives once the server
/// listens.
#[test]
fn refused_connection_is_retried_until_the_server_listens() {
    // A free port: bind, note it, release it, so that connecting is refused.
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind a probe listener");
        probe.local_addr().expect("local address").port()
    };
    let config = SocketConfig {
        initial_backoff: StdDuration::from_millis(10),
        max_backoff: StdDuration::from_millis(100),
        ..SocketConfig::default()
    };
    let job = stream! {
        socket("127.0.0.1", port, config) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
    };
    let mut harness = Harness::new(job);
    harness.start().expect("start the job's sources");
    wait_until(&harness, "two refused connection attempts", |m| m.connection_failures >= 2);
    assert_eq!(harness.metrics().connections, 0);

    // The job runs while nothing listens: batch 1 is empty.
    let batch = harness.step().expect("batch 1");
    assert_eq!(batch.printed, empty_batch_output(1000));

    let listener = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("rebind the released port {port}: {e}"));
    let server = LineServer::serve(listener);
    server.accept();
    wait_until(&harness, "the connection after the retries", |m| m.connections == 1);
    let line = b"late data late\n";
    server.send(line);
    wait_bytes(&harness, line.len() as u64);
    let batch = harness.step().expect("batch 2");
    assert_eq!(word_counts(&batch, 2000), expected(&[("late", 2), ("data", 1)]));
    let m = harness.metrics();
    assert_eq!(m.connections, 1, "connections: {m:?}");
    assert!(m.connection_failures >= 2, "connection failures: {m:?}");
    assert_eq!(m.records_received, 1, "records: {m:?}");

    let last = harness.stop().expect("graceful stop");
    assert_eq!(last.printed, empty_batch_output(3000));
    drop(server);
}
