//! A small line server, the `nc -lk 9999` of Spark's quick start: the embedded default input
//! of the word-count example, and a data feed for tests and benchmarks.
//!
//! [`LineServer`] listens on a TCP address and writes, to every client that connects, the
//! lines of a [`LineGenerator`] (each followed by `\n`), optionally at a fixed rate.
//! `LoremLines` (with the `generate` feature) generates deterministic, realistic text for it
//! from the `lipsum` crate; [`Rng`] is the seeded generator behind every generated feed.
//!
//! ```
//! use dstream_core::feed::LineServer;
//! use std::io::{BufRead, BufReader};
//!
//! let lines = (0..).map(|i| format!("line {i}"));
//! let server = LineServer::start("127.0.0.1:0", lines, Some(1000)).unwrap();
//! let client = std::net::TcpStream::connect(server.local_addr()).unwrap();
//! let mut first = String::new();
//! BufReader::new(client).read_line(&mut first).unwrap();
//! assert_eq!(first, "line 0\n");
//! server.stop();
//! ```

#[cfg(feature = "generate")]
mod lorem;
mod rng;

#[cfg(feature = "generate")]
pub use lorem::LoremLines;
pub use rng::Rng;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the server's threads look at their stop flag while idle or blocked.
const POLL: Duration = Duration::from_millis(20);

/// Bytes of lines a client thread prepares before writing them in one go.
const WRITE_BATCH_BYTES: usize = 64 * 1024;

/// What a [`LineServer`] sends: any cloneable iterator of lines (without terminators).
///
/// Every client gets its own clone, so each one receives the whole sequence from its start.
/// When a client's copy is exhausted the server keeps that connection open, idle, until the
/// client hangs up or the server stops (so a reconnecting reader does not receive the lines
/// twice).
pub trait LineGenerator: Iterator<Item = String> + Clone + Send + 'static {}

impl<T: Iterator<Item = String> + Clone + Send + 'static> LineGenerator for T {}

/// A TCP server that writes generated lines to every client.
///
/// ```
/// use dstream_core::feed::LineServer;
/// use std::io::{BufRead, BufReader};
///
/// let lines = vec!["to be or".to_string(), "not to be".to_string()];
/// let server = LineServer::start("127.0.0.1:0", lines.into_iter(), None).unwrap();
/// let client = std::net::TcpStream::connect(server.local_addr()).unwrap();
/// let got: Vec<String> = BufReader::new(client).lines().take(2).map(Result::unwrap).collect();
/// assert_eq!(got, ["to be or", "not to be"]);
/// ```
#[derive(Debug)]
pub struct LineServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    lines_sent: Arc<AtomicU64>,
    acceptor: Option<JoinHandle<()>>,
}

impl LineServer {
    /// Binds `addr` (use port 0 for any free port) and starts accepting clients on a
    /// background thread. Each client receives the lines of its own clone of `lines`, at
    /// `lines_per_sec` lines per second, or as fast as it reads them if `None`.
    ///
    /// Fails if the address cannot be bound or `lines_per_sec` is `Some(0)`.
    pub fn start<A, G>(addr: A, lines: G, lines_per_sec: Option<u32>) -> io::Result<LineServer>
    where
        A: ToSocketAddrs,
        G: LineGenerator,
    {
        if lines_per_sec == Some(0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "lines_per_sec must be positive (use None for no limit)",
            ));
        }
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let lines_sent = Arc::new(AtomicU64::new(0));
        let acceptor = {
            let stop = Arc::clone(&stop);
            let lines_sent = Arc::clone(&lines_sent);
            std::thread::Builder::new()
                .name("dstream-feed-accept".into())
                .spawn(move || accept_loop(listener, lines, lines_per_sec, stop, lines_sent))?
        };
        tracing::info!(address = %addr, ?lines_per_sec, "line server listening");
        Ok(LineServer { addr, stop, lines_sent, acceptor: Some(acceptor) })
    }

    /// The address the server listens on (with the actual port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Lines written so far, over all clients (counted as `\n` bytes handed to the OS).
    pub fn lines_sent(&self) -> u64 {
        self.lines_sent.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes every connection and waits for the server's threads.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            if acceptor.join().is_err() {
                tracing::error!(address = %self.addr, "line server thread panicked");
            }
        }
    }
}

impl Drop for LineServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Accepts clients until stopped, one writer thread per client; joins them on stop.
fn accept_loop<G: LineGenerator>(
    listener: TcpListener,
    lines: G,
    lines_per_sec: Option<u32>,
    stop: Arc<AtomicBool>,
    lines_sent: Arc<AtomicU64>,
) {
    let mut clients: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, peer)) => {
                tracing::debug!(%peer, "line server: client connected");
                let lines = lines.clone();
                let stop = Arc::clone(&stop);
                let lines_sent = Arc::clone(&lines_sent);
                let spawned =
                    std::thread::Builder::new().name("dstream-feed-client".into()).spawn(move || {
                        let result = serve(stream, lines, lines_per_sec, &stop, &lines_sent);
                        match result {
                            Ok(()) => tracing::debug!(%peer, "line server: connection closed"),
                            Err(error) => {
                                tracing::debug!(%peer, %error, "line server: client went away")
                            }
                        }
                    });
                match spawned {
                    Ok(handle) => clients.push(handle),
                    Err(error) => {
                        tracing::warn!(%error, "line server: cannot start a client thread")
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                tracing::warn!(%error, "line server: accept failed");
                std::thread::sleep(POLL);
            }
        }
        clients.retain(|client| !client.is_finished());
    }
    for client in clients {
        let _ = client.join();
    }
}

/// Writes `lines` to one client until the client leaves or the server stops.
fn serve<G: LineGenerator>(
    stream: TcpStream,
    mut lines: G,
    lines_per_sec: Option<u32>,
    stop: &AtomicBool,
    lines_sent: &AtomicU64,
) -> io::Result<()> {
    let mut stream = stream;
    // Accepted sockets may inherit the listener's non-blocking mode on some platforms.
    stream.set_nonblocking(false)?;
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(POLL))?;
    stream.set_read_timeout(Some(POLL))?;
    let started = Instant::now();
    let mut produced: u64 = 0;
    let mut exhausted = false;
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BATCH_BYTES + 1024);
    let mut written = 0;
    while !stop.load(Ordering::SeqCst) {
        if written == buf.len() {
            buf.clear();
            written = 0;
            if !exhausted {
                // Lines due so far: all of them without a rate, else one more every 1/rate s
                // (the first one immediately).
                let due = match lines_per_sec {
                    None => u64::MAX,
                    Some(rate) => (started.elapsed().as_secs_f64() * f64::from(rate)) as u64 + 1,
                };
                while produced < due && buf.len() < WRITE_BATCH_BYTES {
                    match lines.next() {
                        Some(line) => {
                            buf.extend_from_slice(line.as_bytes());
                            buf.push(b'\n');
                            produced += 1;
                        }
                        None => {
                            exhausted = true;
                            break;
                        }
                    }
                }
            }
        }
        if written < buf.len() {
            match stream.write(&buf[written..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    let newlines = buf[written..written + n].iter().filter(|&&b| b == b'\n').count();
                    lines_sent.fetch_add(newlines as u64, Ordering::Relaxed);
                    written += n;
                }
                Err(e) if is_timeout(&e) => {}
                Err(e) => return Err(e),
            }
        } else if exhausted {
            // Nothing more to send: keep the connection until the client hangs up.
            let mut scratch = [0u8; 512];
            match stream.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(e) => return Err(e),
            }
        } else if let Some(rate) = lines_per_sec {
            // Wait for the next line to fall due.
            let next_due = Duration::from_secs_f64(produced as f64 / f64::from(rate));
            let wait = next_due.saturating_sub(started.elapsed()).min(POLL);
            std::thread::sleep(wait);
        }
    }
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::socket::SocketSource;
    use crate::source::{Source, SourceContext};
    use crate::time::clock::ManualClock;
    use crate::time::Time;
    use crate::ui::metrics::Metrics;
    use std::io::{BufRead, BufReader};

    fn connect(server: &LineServer) -> BufReader<TcpStream> {
        let stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        BufReader::new(stream)
    }

    fn read_lines(reader: &mut BufReader<TcpStream>, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                let mut line = String::new();
                reader.read_line(&mut line).expect("a line within 5 s");
                assert!(line.ends_with('\n'), "line {line:?} is terminated");
                line.pop();
                line
            })
            .collect()
    }

    #[test]
    fn every_client_gets_the_whole_sequence_and_a_leaving_client_is_dropped() {
        let lines: Vec<String> = (0..100).map(|i| format!("line {i}")).collect();
        let server = LineServer::start("127.0.0.1:0", lines.clone().into_iter(), None).unwrap();
        let mut first = connect(&server);
        assert_eq!(read_lines(&mut first, 3), lines[..3]);
        drop(first);
        let mut second = connect(&server);
        assert_eq!(read_lines(&mut second, 100), lines);
        server.stop();
    }

    #[test]
    fn zero_rate_is_rejected() {
        assert!(LineServer::start("127.0.0.1:0", std::iter::empty::<String>(), Some(0)).is_err());
    }

    #[test]
    fn feeds_a_socket_source() {
        let lines: Vec<String> = (0..500).map(|i| format!("line {i} of the feed")).collect();
        let server = LineServer::start("127.0.0.1:0", lines.clone().into_iter(), None).unwrap();
        let metrics = Metrics::new();
        let ctx = SourceContext::new(Arc::new(ManualClock::new()), metrics.clone());
        let mut source = SocketSource::new("127.0.0.1", server.local_addr().port());
        source.start(&ctx).unwrap();
        let mut got: Vec<String> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while got.len() < lines.len() {
            assert!(Instant::now() < deadline, "only {} lines arrived", got.len());
            got.extend(source.cut(Time::from_millis(0)).lines().map(str::to_owned));
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(got, lines);
        source.stop_receiving();
        server.stop();
        assert_eq!(metrics.snapshot().records_received, 500);
    }
}
