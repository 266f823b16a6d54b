//! A small line server, the `nc -lk 9999` of Spark's quick start: the embedded default input
//! of the word-count example, and a data feed for tests and benchmarks.
//!
//! [`LineServer`] listens on a TCP address and writes, to every client that connects, the
//! lines of a [`LineGenerator`] (each followed by `\n`), optionally at a fixed rate.
//! [`LoremLines`] generates deterministic, realistic text for it from the `lipsum` crate.
//!
//! ```
//! use dstream_core::feed::{LineServer, LoremLines};
//! use std::io::{BufRead, BufReader};
//!
//! let server = LineServer::start("127.0.0.1:0", LoremLines::new(42), Some(1000)).unwrap();
//! let client = std::net::TcpStream::connect(server.local_addr()).unwrap();
//! let mut first = String::new();
//! BufReader::new(client).read_line(&mut first).unwrap();
//! assert!(first.ends_with('\n'));
//! server.stop();
//! ```

use lipsum::MarkovChain;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
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

/// Fewest words in a [`LoremLines`] line.
const MIN_WORDS: u64 = 5;
/// Most words in a [`LoremLines`] line.
const MAX_WORDS: u64 = 15;

/// The order-two Markov chain of the `lipsum` crate, learned once from its lorem ipsum text
/// and Cicero's *De finibus* book I, plus every state of it, to restart from at random.
struct Corpus {
    chain: MarkovChain<'static>,
    starts: Vec<(&'static str, &'static str)>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut chain = MarkovChain::new();
        let mut starts = Vec::new();
        for text in [lipsum::LOREM_IPSUM, lipsum::LIBER_PRIMUS] {
            chain.learn(text);
            let words: Vec<&'static str> = text.split_whitespace().collect();
            starts.extend(words.windows(3).map(|w| (w[0], w[1])));
        }
        Corpus { chain, starts }
    })
}

/// Deterministic lorem ipsum lines, 5 to 15 words each: a walk over the `lipsum` crate's
/// Markov chain driven by a seeded generator, so the same seed gives the same lines.
///
/// By default words are lowercase with punctuation removed, which suits word counts;
/// [`LoremLines::verbatim`] keeps them as in the source text.
///
/// ```
/// use dstream_core::feed::LoremLines;
///
/// let lines: Vec<String> = LoremLines::new(7).take(3).collect();
/// assert_eq!(lines, LoremLines::new(7).take(3).collect::<Vec<_>>());
/// for line in &lines {
///     let words = line.split(' ').count();
///     assert!((5..=15).contains(&words));
/// }
/// ```
#[derive(Clone, Debug)]
pub struct LoremLines {
    rng: XorShift,
    state: Option<(&'static str, &'static str)>,
    verbatim: bool,
}

impl LoremLines {
    /// An endless sequence of lines determined by `seed`.
    pub fn new(seed: u64) -> LoremLines {
        LoremLines { rng: XorShift::new(seed), state: None, verbatim: false }
    }

    /// Keeps capitalisation and punctuation as in the source text.
    pub fn verbatim(mut self) -> LoremLines {
        self.verbatim = true;
        self
    }

    /// The next word of the walk, exactly as in the corpus.
    fn next_word(&mut self) -> &'static str {
        let corpus = corpus();
        loop {
            let state = match self.state {
                Some(state) => state,
                None => corpus.starts[self.rng.below(corpus.starts.len())],
            };
            match corpus.chain.words(state) {
                Some(next) if !next.is_empty() => {
                    let word = next[self.rng.below(next.len())];
                    self.state = Some((state.1, word));
                    return state.0;
                }
                // The walk reached the end of a text: restart somewhere at random.
                _ => self.state = None,
            }
        }
    }
}

impl Iterator for LoremLines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let words = MIN_WORDS + self.rng.next_u64() % (MAX_WORDS - MIN_WORDS + 1);
        let mut line = String::with_capacity(words as usize * 8);
        let mut written = 0;
        while written < words {
            let word = self.next_word();
            if !line.is_empty() {
                line.push(' ');
            }
            if self.verbatim {
                line.push_str(word);
            } else {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                if word.is_empty() {
                    if line.ends_with(' ') {
                        line.pop();
                    }
                    continue;
                }
                line.extend(word.chars().flat_map(char::to_lowercase));
            }
            written += 1;
        }
        Some(line)
    }
}

/// xorshift64*: a tiny deterministic generator (lipsum does not re-export its RNG type).
#[derive(Clone, Debug)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        // splitmix64 of the seed: well-mixed and never zero for practical seeds.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
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
    fn clients_receive_lorem_lines_of_words() {
        let server = LineServer::start("127.0.0.1:0", LoremLines::new(1), Some(2000)).unwrap();
        let mut client = connect(&server);
        let lines = read_lines(&mut client, 20);
        for line in &lines {
            let words: Vec<&str> = line.split(' ').collect();
            assert!((5..=15).contains(&words.len()), "{line:?}");
            for word in words {
                assert!(!word.is_empty(), "{line:?}");
                assert!(word.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase()), "{line:?}");
            }
        }
        assert_eq!(lines, LoremLines::new(1).take(20).collect::<Vec<_>>());
        server.stop();
    }

    #[test]
    fn lorem_lines_are_deterministic_per_seed() {
        let a: Vec<String> = LoremLines::new(3).take(50).collect();
        assert_eq!(a, LoremLines::new(3).take(50).collect::<Vec<_>>());
        assert_ne!(a, LoremLines::new(4).take(50).collect::<Vec<_>>());
        let verbatim: Vec<String> = LoremLines::new(3).verbatim().take(50).collect();
        assert!(verbatim.iter().any(|l| l.contains(|c: char| c.is_ascii_punctuation())));
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
        assert!(LineServer::start("127.0.0.1:0", LoremLines::new(0), Some(0)).is_err());
    }

    #[test]
    fn feeds_a_socket_source() {
        let lines: Vec<String> = LoremLines::new(9).take(500).collect();
        let server = LineServer::start("127.0.0.1:0", lines.clone().into_iter(), None).unwrap();
        let metrics = Metrics::new();
        let ctx = SourceContext { clock: Arc::new(ManualClock::new()), metrics: metrics.clone() };
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
