//! The socket text source (Spark's `socketTextStream`): connects as a TCP **client** to
//! `host:port` and produces one record per `\n`-terminated UTF-8 line.
//!
//! A receiver thread reads the socket into a reusable byte buffer, turns every read that
//! completed lines into one [`TextBlock`] stamped with the job's clock, and sends it over a
//! bounded crossbeam channel. A full channel blocks the receiver, which stops reading, so a
//! slow job pushes back on the sender through TCP flow control. [`Source::cut`] hands over,
//! in arrival order, every block stamped at or before the batch time.
//!
//! The connection never stops the job: a refused connection, an end of stream or a read
//! error is logged, counted in [`Metrics`] and followed by a reconnection with exponential
//! backoff (Spark's receiver restarts itself the same way when its stream ends).
//!
//! Bad input is data, not a crash: a line that is not valid UTF-8 or is longer than
//! [`SocketConfig::max_line_bytes`] is dropped, counted, logged (rate-limited) and, if
//! [`SocketConfig::malformed_path`] is set, written aside to that file.
//!
//! Stopping ([`Source::stop_receiving`]) is graceful. Once the receiver sees the stop flag
//! it still reads, without waiting for more, what the socket already holds (at most 4 MiB,
//! so that a server that keeps sending cannot hold up the stop) and hands it over like any
//! other read: lines the server wrote before the stop and that have reached this host are
//! in the cuts after the stop. A last line without `\n` is kept only if the server has
//! also closed the connection.
//!
//! The `bytes_received` counter of [`Metrics`] counts bytes when they are read, after every
//! line they complete has been sent to the channel (or, during a stop, kept for the cuts
//! that follow [`Source::stop_receiving`]), so a cut made after seeing the count holds those
//! lines. Bytes of a line whose `\n` has not arrived yet are counted as well, but that line
//! is handed over only when its `\n` arrives or the stream ends (like Java's `readLine`, a
//! final line without terminator is a line); if the connection drops, or the source is
//! stopped, first, it is dropped and logged. So bytes counted may include a partial line
//! that no cut holds yet, or ever.

use super::{Source, SourceContext};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::text::{TextBatch, TextBlock};
use crate::time::Time;
use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TryRecvError};
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the receiver thread looks at its stop flag while it waits for data, for a
/// free slot in the channel, or for the next connection attempt.
const POLL: Duration = Duration::from_millis(50);

/// Size of the receiver's reusable read buffer.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Most bytes the receiver still reads from the socket after it has seen the stop flag:
/// enough for a full receive buffer, few enough that a server that keeps sending cannot
/// hold up the stop.
const DRAIN_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// Malformed lines logged individually before logging becomes sparse.
const LOG_FIRST_MALFORMED: u64 = 10;

/// After the first few, one malformed line in this many is logged.
const LOG_EVERY_MALFORMED: u64 = 1000;

/// Settings of a [`SocketSource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketConfig {
    /// Longest accepted line in bytes, terminator excluded (default 1 MiB). A longer line is
    /// dropped as malformed; no more than this much of it is ever buffered.
    pub max_line_bytes: usize,
    /// Delay before the first reconnection attempt (default 100 ms). It doubles after every
    /// failed attempt and is reset by a successful connection.
    pub initial_backoff: Duration,
    /// Upper bound of the reconnection delay (default 5 s).
    pub max_backoff: Duration,
    /// Capacity, in blocks (one block per socket read), of the channel between the receiver
    /// thread and the batch loop (default 256). When it is full the receiver stops reading.
    pub channel_capacity: usize,
    /// If set, malformed lines are appended to this file ("written aside"): the line's raw
    /// bytes, without its `\n`, followed by `\n`.
    pub malformed_path: Option<PathBuf>,
    /// Timeout of one TCP connection attempt (default 1 s). A stop request that arrives
    /// during an attempt waits for it to finish.
    pub connect_timeout: Duration,
}

impl Default for SocketConfig {
    fn default() -> SocketConfig {
        SocketConfig {
            max_line_bytes: 1024 * 1024,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            channel_capacity: 256,
            malformed_path: None,
            connect_timeout: Duration::from_secs(1),
        }
    }
}

/// A block of lines and the clock time at which its read completed.
type Stamped = (Time, TextBlock);

/// Reads text lines from a TCP server, as Spark's `socketTextStream(host, port)`.
///
/// ```no_run
/// use dstream_core::source::socket::{SocketConfig, SocketSource};
///
/// let source = SocketSource::new("localhost", 9999)
///     .with_config(SocketConfig { max_line_bytes: 64 * 1024, ..SocketConfig::default() });
/// ```
pub struct SocketSource {
    host: String,
    port: u16,
    config: SocketConfig,
    stop: Arc<AtomicBool>,
    receiver: Option<JoinHandle<Vec<Stamped>>>,
    blocks: Option<Receiver<Stamped>>,
    /// Blocks taken off the channel but not yet handed over (stamped after an earlier cut's
    /// time, or collected when receiving stopped), in arrival order.
    backlog: VecDeque<Stamped>,
    /// Emptied blocks going back to the receiver so it does not allocate per read.
    recycle: Option<Sender<TextBlock>>,
    metrics: Option<Metrics>,
}

impl std::fmt::Debug for SocketSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketSource")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("config", &self.config)
            .field("receiving", &self.receiver.is_some())
            .field("backlog_blocks", &self.backlog.len())
            .finish()
    }
}

impl SocketSource {
    /// A source that will connect to `host:port` when the job starts it. The host is
    /// resolved again on every connection attempt.
    pub fn new(host: impl Into<String>, port: u16) -> SocketSource {
        SocketSource {
            host: host.into(),
            port,
            config: SocketConfig::default(),
            stop: Arc::new(AtomicBool::new(false)),
            receiver: None,
            blocks: None,
            backlog: VecDeque::new(),
            recycle: None,
            metrics: None,
        }
    }

    /// Replaces the settings (call before the job starts the source).
    pub fn with_config(mut self, config: SocketConfig) -> SocketSource {
        self.config = config;
        self
    }

    /// The settings in use.
    pub fn config(&self) -> &SocketConfig {
        &self.config
    }

    /// Signals the receiver thread to stop and waits for it; the blocks it did not send (one
    /// the full channel had no room for, what it read after seeing the stop) go behind
    /// everything it sent, so that they are still handed over.
    fn join_receiver(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(handle) = self.receiver.take() else {
            return;
        };
        let leftover = match handle.join() {
            Ok(leftover) => leftover,
            Err(_) => {
                tracing::error!(host = %self.host, port = self.port, "socket receiver thread panicked");
                Vec::new()
            }
        };
        // The thread has exited, so the channel holds everything it sent: move it behind
        // the backlog, then the blocks it did not send.
        if let Some(blocks) = &self.blocks {
            self.backlog.extend(blocks.try_iter());
        }
        self.backlog.extend(leftover);
    }
}

impl Source for SocketSource {
    type Batch = TextBatch;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        if self.blocks.is_some() {
            return Err(Error::Config(format!("socket source {}:{} started twice", self.host, self.port)));
        }
        if self.config.channel_capacity == 0 {
            return Err(Error::Config("socket source: channel_capacity must be at least 1".into()));
        }
        if self.config.max_line_bytes == 0 {
            return Err(Error::Config("socket source: max_line_bytes must be at least 1".into()));
        }
        let (tx, rx) = crossbeam_channel::bounded(self.config.channel_capacity);
        let (recycle_tx, recycle_rx) = crossbeam_channel::bounded(self.config.channel_capacity);
        let label = format!("{}:{}", self.host, self.port);
        let receiver = SocketReceiver {
            host: self.host.clone(),
            port: self.port,
            config: self.config.clone(),
            ctx: ctx.clone(),
            stop: Arc::clone(&self.stop),
            blocks: tx,
            recycled: recycle_rx,
            read_buf: vec![0; READ_BUFFER_BYTES],
            lines: LineAssembler::new(self.config.max_line_bytes),
            malformed: MalformedLines::new(label, ctx.metrics.clone(), self.config.malformed_path.clone()),
        };
        let handle =
            std::thread::Builder::new().name("dstream-socket-recv".into()).spawn(move || receiver.run())?;
        self.receiver = Some(handle);
        self.blocks = Some(rx);
        self.recycle = Some(recycle_tx);
        self.metrics = Some(ctx.metrics.clone());
        Ok(())
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let mut batch = TextBatch::new();
        let take = |block: TextBlock, batch: &mut TextBatch| {
            batch.append(&block);
            if let Some(recycle) = &self.recycle {
                // A full recycle channel just means the block is freed here.
                let _ = recycle.try_send(block);
            }
        };
        // Earlier blocks first: the backlog, then the channel. The first block stamped
        // after `time` ends the cut and waits, at the backlog's front, for the next one.
        let mut later_block_seen = false;
        while let Some((stamp, _)) = self.backlog.front() {
            if *stamp > time {
                later_block_seen = true;
                break;
            }
            if let Some((_, block)) = self.backlog.pop_front() {
                take(block, &mut batch);
            }
        }
        if !later_block_seen {
            if let Some(blocks) = &self.blocks {
                loop {
                    match blocks.try_recv() {
                        Ok((stamp, block)) if stamp <= time => take(block, &mut batch),
                        Ok(later) => {
                            self.backlog.push_back(later);
                            break;
                        }
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                    }
                }
            }
        }
        if let Some(metrics) = &self.metrics {
            metrics.add_records_received(batch.len() as u64);
        }
        batch
    }

    fn stop_receiving(&mut self) {
        self.join_receiver();
    }
}

impl Drop for SocketSource {
    fn drop(&mut self) {
        self.join_receiver();
    }
}

/// Why a connection's read loop ended.
enum SessionEnd {
    /// The stop flag was set; carries the blocks not sent, in order: the one the full
    /// channel had no room for, if any, then the lines read after the stop, if any.
    Stopped(Vec<Stamped>),
    /// The server closed the connection.
    EndOfStream,
    /// Reading failed (connection reset, ...).
    ReadError(io::Error),
}

/// The receiver thread's state.
struct SocketReceiver {
    host: String,
    port: u16,
    config: SocketConfig,
    ctx: SourceContext,
    stop: Arc<AtomicBool>,
    blocks: Sender<Stamped>,
    recycled: Receiver<TextBlock>,
    read_buf: Vec<u8>,
    lines: LineAssembler,
    malformed: MalformedLines,
}

impl SocketReceiver {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Connects, reads, reconnects, until stopped. Returns the blocks it did not send.
    fn run(mut self) -> Vec<Stamped> {
        let mut delay = self.config.initial_backoff;
        while !self.stopped() {
            match self.connect() {
                Ok((stream, addr)) => {
                    self.ctx.metrics.add_connections(1);
                    tracing::info!(host = %self.host, port = self.port, address = %addr, "socket source connected");
                    delay = self.config.initial_backoff;
                    match self.session(stream) {
                        SessionEnd::Stopped(leftover) => return leftover,
                        SessionEnd::EndOfStream => {
                            self.ctx.metrics.add_connection_failures(1);
                            tracing::warn!(
                                address = %addr,
                                retry_in = ?delay,
                                "socket source: server closed the connection; reconnecting"
                            );
                        }
                        SessionEnd::ReadError(error) => {
                            self.ctx.metrics.add_connection_failures(1);
                            tracing::warn!(
                                address = %addr,
                                %error,
                                retry_in = ?delay,
                                "socket source: connection dropped; reconnecting"
                            );
                        }
                    }
                }
                Err(error) => {
                    self.ctx.metrics.add_connection_failures(1);
                    tracing::warn!(
                        address = %format_args!("{}:{}", self.host, self.port),
                        %error,
                        retry_in = ?delay,
                        "socket source: cannot connect; retrying"
                    );
                }
            }
            if !self.pause(delay) {
                break;
            }
            delay = delay.saturating_mul(2).min(self.config.max_backoff);
        }
        Vec::new()
    }

    /// Sleeps for `delay` in short slices; false if stopped meanwhile.
    fn pause(&self, delay: Duration) -> bool {
        let deadline = std::time::Instant::now() + delay;
        loop {
            if self.stopped() {
                return false;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(POLL));
        }
    }

    /// One connection attempt: resolves the host and tries each of its addresses.
    fn connect(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let mut last_error = None;
        for addr in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.config.connect_timeout) {
                Ok(stream) => return Ok((stream, addr)),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error
            .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "host resolved to no address")))
    }

    /// An empty block, reusing one the batch loop has handed back when possible.
    fn fresh_block(&self) -> TextBlock {
        match self.recycled.try_recv() {
            Ok(mut block) => {
                block.clear();
                block
            }
            Err(_) => TextBlock::new(),
        }
    }

    /// Reads one connection until it ends or the source is stopped.
    fn session(&mut self, mut stream: TcpStream) -> SessionEnd {
        self.lines.reset();
        if let Err(error) = stream.set_read_timeout(Some(POLL)) {
            return SessionEnd::ReadError(error);
        }
        let mut block = self.fresh_block();
        loop {
            if self.stopped() {
                // Data may have arrived since the last read returned (or before the first
                // one): it was sent before the stop, so it belongs to the last batch.
                return self.stopped_session(&mut stream, block, Vec::new());
            }
            match stream.read(&mut self.read_buf) {
                Ok(0) => {
                    // Like Java's readLine, a final line without terminator is a line.
                    self.lines.finish(&mut block, &mut self.malformed);
                    if !block.is_empty() {
                        if let Err(leftover) = self.send(block) {
                            return SessionEnd::Stopped(vec![leftover]);
                        }
                    }
                    return SessionEnd::EndOfStream;
                }
                Ok(n) => {
                    self.lines.feed(&self.read_buf[..n], &mut block, &mut self.malformed);
                    if !block.is_empty() {
                        let next = self.fresh_block();
                        if let Err(leftover) = self.send(std::mem::replace(&mut block, next)) {
                            self.ctx.metrics.add_bytes_received(n as u64);
                            // Stopped while the channel was full: what the socket holds
                            // behind this read was sent before the stop too.
                            return self.stopped_session(&mut stream, block, vec![leftover]);
                        }
                    }
                    // Counted once the lines this read completed are in the channel, so
                    // whoever sees the bytes counted can cut them (a partial line at the
                    // end of the read is counted now but handed over when it completes).
                    self.ctx.metrics.add_bytes_received(n as u64);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(error) => {
                    self.lines.abandon(&mut self.malformed, "the connection dropped");
                    return SessionEnd::ReadError(error);
                }
            }
        }
    }

    /// Ends a session because the source is stopped: reads, without blocking, what the
    /// socket already holds (see [`SocketReceiver::drain`]). `block` is the empty block
    /// in use, `unsent` the block the channel had no room for, if any.
    fn stopped_session(
        &mut self,
        stream: &mut TcpStream,
        block: TextBlock,
        unsent: Vec<Stamped>,
    ) -> SessionEnd {
        match stream.set_nonblocking(true) {
            Ok(()) => SessionEnd::Stopped(self.drain(stream, block, unsent)),
            Err(error) => {
                tracing::warn!(
                    host = %self.host,
                    port = self.port,
                    %error,
                    "socket source: cannot read what the socket still holds at the stop"
                );
                self.lines.abandon(&mut self.malformed, "the source was stopped");
                SessionEnd::Stopped(unsent)
            }
        }
    }

    /// Reads from `reader`, which does not block (it fails with `WouldBlock` when it holds no
    /// more data), until it is empty or ends or [`DRAIN_LIMIT_BYTES`] have been read. The
    /// bytes go through the same line assembly, malformed-line handling and counters as
    /// every read; a partial last line is a line only if the stream has ended. Returns
    /// `unsent` followed by the lines read, if any, as one block stamped now (they are not
    /// sent: the channel may be full, and the stopping source collects them from the thread).
    fn drain(
        &mut self,
        reader: &mut impl Read,
        mut block: TextBlock,
        mut unsent: Vec<Stamped>,
    ) -> Vec<Stamped> {
        let mut drained = 0;
        let end_of_stream = loop {
            if drained >= DRAIN_LIMIT_BYTES {
                tracing::warn!(
                    host = %self.host,
                    port = self.port,
                    bytes = drained,
                    "socket source: the server is still sending; stopped reading at the stop's limit"
                );
                break false;
            }
            let want = self.read_buf.len().min(DRAIN_LIMIT_BYTES - drained);
            match reader.read(&mut self.read_buf[..want]) {
                Ok(0) => break true,
                Ok(n) => {
                    self.lines.feed(&self.read_buf[..n], &mut block, &mut self.malformed);
                    self.ctx.metrics.add_bytes_received(n as u64);
                    drained += n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    break false;
                }
                Err(error) => {
                    tracing::warn!(
                        host = %self.host,
                        port = self.port,
                        %error,
                        "socket source: reading what the socket still held at the stop failed"
                    );
                    break false;
                }
            }
        };
        if end_of_stream {
            // Like Java's readLine, a final line without terminator is a line.
            self.lines.finish(&mut block, &mut self.malformed);
        } else {
            self.lines.abandon(&mut self.malformed, "the source was stopped");
        }
        if !block.is_empty() {
            unsent.push((self.ctx.clock.now(), block));
        }
        unsent
    }

    /// Stamps `block` and sends it, blocking while the channel is full. Gives the block back
    /// if the source is stopped (or dropped) meanwhile.
    fn send(&self, block: TextBlock) -> std::result::Result<(), Stamped> {
        let mut item = (self.ctx.clock.now(), block);
        loop {
            match self.blocks.send_timeout(item, POLL) {
                Ok(()) => return Ok(()),
                Err(SendTimeoutError::Timeout(back)) => {
                    if self.stopped() {
                        return Err(back);
                    }
                    item = back;
                }
                Err(SendTimeoutError::Disconnected(back)) => return Err(back),
            }
        }
    }
}

/// Splits a byte stream into lines, validating each one, without allocating per line.
struct LineAssembler {
    max_line_bytes: usize,
    /// The start of a line whose end has not arrived yet (at most `max_line_bytes + 1`
    /// bytes, which leaves room for a `\r` before the `\n`).
    carry: Vec<u8>,
    /// Inside a too-long line: its bytes are skipped until the next `\n`.
    discarding: bool,
}

impl LineAssembler {
    fn new(max_line_bytes: usize) -> LineAssembler {
        LineAssembler { max_line_bytes, carry: Vec::new(), discarding: false }
    }

    /// Forgets any partial line (a new connection starts at a line boundary).
    fn reset(&mut self) {
        self.carry.clear();
        self.discarding = false;
    }

    /// Consumes `data`, pushing every completed valid line into `block`.
    fn feed(&mut self, data: &[u8], block: &mut TextBlock, bad: &mut MalformedLines) {
        let mut rest = data;
        while let Some(pos) = rest.iter().position(|&b| b == b'\n') {
            let segment = &rest[..pos];
            rest = &rest[pos + 1..];
            if self.discarding {
                bad.too_long_more(segment);
                bad.too_long_end();
                self.discarding = false;
            } else if self.carry.is_empty() {
                complete_line(self.max_line_bytes, segment, block, bad);
            } else if self.carry.len() + segment.len() > self.max_line_bytes + 1 {
                bad.too_long_start(&self.carry, self.carry.len() + segment.len());
                bad.too_long_more(segment);
                bad.too_long_end();
                self.carry.clear();
            } else {
                self.carry.extend_from_slice(segment);
                complete_line(self.max_line_bytes, &self.carry, block, bad);
                self.carry.clear();
            }
        }
        if rest.is_empty() {
            return;
        }
        if self.discarding {
            bad.too_long_more(rest);
        } else if self.carry.len() + rest.len() > self.max_line_bytes + 1 {
            bad.too_long_start(&self.carry, self.carry.len() + rest.len());
            bad.too_long_more(rest);
            self.carry.clear();
            self.discarding = true;
        } else {
            self.carry.extend_from_slice(rest);
        }
    }

    /// End of stream: a pending partial line is delivered as a line.
    fn finish(&mut self, block: &mut TextBlock, bad: &mut MalformedLines) {
        if self.discarding {
            bad.too_long_end();
        } else if !self.carry.is_empty() {
            complete_line(self.max_line_bytes, &self.carry, block, bad);
        }
        self.reset();
    }

    /// The connection ended abnormally: a partial line is dropped, and said so.
    fn abandon(&mut self, bad: &mut MalformedLines, why: &str) {
        if self.discarding {
            bad.too_long_end();
        } else if !self.carry.is_empty() {
            tracing::warn!(
                source = %bad.label,
                bytes = self.carry.len(),
                "socket source: dropped an incomplete line because {why}"
            );
        }
        self.reset();
    }
}

/// Checks one complete line (its `\n` removed) and pushes it or reports it.
fn complete_line(max_line_bytes: usize, line: &[u8], block: &mut TextBlock, bad: &mut MalformedLines) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > max_line_bytes {
        bad.too_long_start(line, line.len());
        bad.too_long_end();
        return;
    }
    match std::str::from_utf8(line) {
        Ok(text) => block.push_line(text),
        Err(error) => bad.not_utf8(line, error),
    }
}

/// Counts, logs and writes aside the lines a receiver drops.
struct MalformedLines {
    label: String,
    metrics: Metrics,
    path: Option<PathBuf>,
    file: Option<File>,
    /// Malformed lines seen by this receiver, for the log.
    count: u64,
}

impl MalformedLines {
    fn new(label: String, metrics: Metrics, path: Option<PathBuf>) -> MalformedLines {
        MalformedLines { label, metrics, path, file: None, count: 0 }
    }

    /// Counts one more malformed line; whether this one should be logged.
    fn next_should_log(&mut self) -> bool {
        self.count += 1;
        self.count <= LOG_FIRST_MALFORMED || self.count % LOG_EVERY_MALFORMED == 0
    }

    fn not_utf8(&mut self, line: &[u8], error: std::str::Utf8Error) {
        self.metrics.add_malformed_not_utf8(1);
        if self.next_should_log() {
            tracing::warn!(
                source = %self.label,
                line_bytes = line.len(),
                valid_up_to = error.valid_up_to(),
                malformed_so_far = self.count,
                "socket source: dropped a line that is not valid UTF-8"
            );
        }
        self.write_aside(line);
        self.write_aside(b"\n");
    }

    /// A line turned out longer than the limit; `seen` is how many of its bytes are known.
    fn too_long_start(&mut self, start: &[u8], seen: usize) {
        self.metrics.add_malformed_too_long(1);
        if self.next_should_log() {
            tracing::warn!(
                source = %self.label,
                bytes_at_least = seen,
                malformed_so_far = self.count,
                "socket source: dropped a line longer than max_line_bytes"
            );
        }
        self.write_aside(start);
    }

    /// More bytes of the too-long line being skipped.
    fn too_long_more(&mut self, bytes: &[u8]) {
        self.write_aside(bytes);
    }

    /// The too-long line being skipped has ended.
    fn too_long_end(&mut self) {
        self.write_aside(b"\n");
    }

    fn write_aside(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.file.is_none() {
            let Some(path) = &self.path else { return };
            match OpenOptions::new().create(true).append(true).open(path) {
                Ok(file) => self.file = Some(file),
                Err(error) => {
                    tracing::error!(
                        path = %path.display(),
                        %error,
                        "socket source: cannot open the malformed-lines file; not writing them aside"
                    );
                    self.path = None;
                    return;
                }
            }
        }
        if let Some(file) = &mut self.file {
            if let Err(error) = file.write_all(bytes) {
                tracing::error!(%error, "socket source: cannot write a malformed line aside; not writing them aside");
                self.file = None;
                self.path = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::net::TcpListener;
    use std::time::Instant;

    const WAIT: Duration = Duration::from_secs(5);

    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn fast_config() -> SocketConfig {
        SocketConfig {
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(40),
            ..SocketConfig::default()
        }
    }

    struct Fixture {
        source: SocketSource,
        clock: ManualClock,
        metrics: Metrics,
    }

    impl Fixture {
        fn start(port: u16, config: SocketConfig) -> Fixture {
            let clock = ManualClock::new();
            let metrics = Metrics::new();
            let ctx = SourceContext { clock: Arc::new(clock.clone()), metrics: metrics.clone() };
            let mut source = SocketSource::new("127.0.0.1", port).with_config(config);
            source.start(&ctx).expect("start");
            Fixture { source, clock, metrics }
        }

        fn cut(&mut self, ms: u64) -> Vec<String> {
            self.source.cut(Time::from_millis(ms)).lines().map(str::to_owned).collect()
        }

        /// Waits until the receiver has read (and sent on) `total` bytes.
        fn wait_bytes(&self, total: u64) {
            wait_for(&format!("{total} bytes"), || self.metrics.snapshot().bytes_received >= total);
            assert_eq!(self.metrics.snapshot().bytes_received, total);
        }
    }

    fn accept(listener: &TcpListener) -> TcpStream {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    return stream;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "the source never connected");
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }

    fn send(stream: &mut TcpStream, bytes: &[u8]) {
        stream.write_all(bytes).unwrap();
        stream.flush().unwrap();
    }

    fn listener() -> (TcpListener, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        (listener, port)
    }

    #[test]
    fn lines_split_across_reads_arrive_in_the_batch_that_completes_them() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut conn = accept(&listener);

        f.clock.set(Time::from_millis(500));
        send(&mut conn, b"hel");
        f.wait_bytes(3);
        assert!(f.cut(1000).is_empty());

        f.clock.set(Time::from_millis(1500));
        send(&mut conn, b"lo\nwor");
        f.wait_bytes(9);
        assert_eq!(f.cut(2000), ["hello"]);

        f.clock.set(Time::from_millis(2500));
        send(&mut conn, b"ld\n\nlast one\n");
        f.wait_bytes(22);
        assert_eq!(f.cut(3000), ["world", "", "last one"]);
        assert!(f.cut(4000).is_empty());

        let m = f.metrics.snapshot();
        assert_eq!(m.records_received, 4);
        assert_eq!(m.connections, 1);
        assert_eq!(m.malformed_records(), 0);
    }

    #[test]
    fn crlf_terminators_are_accepted() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut conn = accept(&listener);
        let input = b"a b\r\nc\n\r\nx\ry\r\n";
        send(&mut conn, input);
        f.wait_bytes(input.len() as u64);
        assert_eq!(f.cut(0), ["a b", "c", "", "x\ry"]);
    }

    #[test]
    fn malformed_lines_are_counted_skipped_and_written_aside() {
        let aside = std::env::temp_dir().join(format!(
            "dstream-socket-malformed-{}-{}.txt",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
        ));
        let (listener, port) = listener();
        let config =
            SocketConfig { max_line_bytes: 16, malformed_path: Some(aside.clone()), ..fast_config() };
        let mut f = Fixture::start(port, config);
        let mut conn = accept(&listener);

        let long = "y".repeat(100);
        let mut input = Vec::new();
        input.extend_from_slice(b"good 1\n\xff\xfex\n");
        input.extend_from_slice(long.as_bytes());
        input.extend_from_slice(b"\ngood 2\n");
        input.extend_from_slice(b"exactly sixteen!\r\n");
        send(&mut conn, &input);
        let mut total = input.len() as u64;
        f.wait_bytes(total);
        // A too-long line arriving in pieces is recognised before its end arrives.
        send(&mut conn, b"zzzzzzzzzz");
        total += 10;
        f.wait_bytes(total);
        send(&mut conn, b"zzzzzzzzzz");
        total += 10;
        f.wait_bytes(total);
        assert_eq!(f.metrics.snapshot().malformed_too_long, 2);
        send(&mut conn, b"zzz\ngood 3\n");
        total += 11;
        f.wait_bytes(total);

        assert_eq!(f.cut(0), ["good 1", "good 2", "exactly sixteen!", "good 3"]);
        let m = f.metrics.snapshot();
        assert_eq!(m.malformed_not_utf8, 1);
        assert_eq!(m.malformed_too_long, 2);
        assert_eq!(m.records_received, 4);

        f.source.stop_receiving();
        let written = std::fs::read(&aside).expect("malformed lines written aside");
        let mut expected = b"\xff\xfex\n".to_vec();
        expected.extend_from_slice(long.as_bytes());
        expected.extend_from_slice(b"\n");
        expected.extend_from_slice(&[b'z'; 23]);
        expected.extend_from_slice(b"\n");
        assert_eq!(written, expected);
        let _ = std::fs::remove_file(&aside);
    }

    #[test]
    fn reconnects_after_the_server_drops_the_connection() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut first = accept(&listener);
        send(&mut first, b"one\n");
        f.wait_bytes(4);
        drop(first);

        let mut second = accept(&listener);
        send(&mut second, b"two\n");
        f.wait_bytes(8);
        assert_eq!(f.cut(0), ["one", "two"]);
        let m = f.metrics.snapshot();
        assert_eq!(m.connections, 2);
        assert!(m.connection_failures >= 1);
    }

    #[test]
    fn a_partial_last_line_at_end_of_stream_is_a_line() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut conn = accept(&listener);
        send(&mut conn, b"full\npartial");
        drop(conn);
        f.wait_bytes(12);
        wait_for("the end of stream", || f.metrics.snapshot().connection_failures >= 1);
        assert_eq!(f.cut(0), ["full", "partial"]);
    }

    #[test]
    fn retries_a_refused_connection_until_the_server_appears() {
        // Find a free port, then release it so that connecting is refused.
        let port = listener().1;
        let mut f = Fixture::start(port, fast_config());
        wait_for("refused attempts", || f.metrics.snapshot().connection_failures >= 2);
        assert_eq!(f.metrics.snapshot().connections, 0);

        let listener = TcpListener::bind(("127.0.0.1", port)).expect("rebind the free port");
        let mut conn = accept(&listener);
        send(&mut conn, b"late\n");
        f.wait_bytes(5);
        assert_eq!(f.cut(0), ["late"]);
        assert_eq!(f.metrics.snapshot().connections, 1);
    }

    #[test]
    fn blocks_stamped_after_the_cut_wait_for_the_next_cut() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut conn = accept(&listener);

        f.clock.set(Time::from_millis(500));
        send(&mut conn, b"a\n");
        f.wait_bytes(2);
        f.clock.set(Time::from_millis(1500));
        send(&mut conn, b"b\n");
        f.wait_bytes(4);
        f.clock.set(Time::from_millis(2500));
        send(&mut conn, b"c\n");
        f.wait_bytes(6);

        assert_eq!(f.cut(1000), ["a"]);
        assert_eq!(f.cut(2000), ["b"]);
        assert_eq!(f.cut(3000), ["c"]);
        assert!(f.cut(4000).is_empty());
        assert_eq!(f.metrics.snapshot().records_received, 3);
    }

    #[test]
    fn stop_keeps_what_was_received_even_when_the_channel_is_full() {
        let (listener, port) = listener();
        let config = SocketConfig { channel_capacity: 1, ..fast_config() };
        let mut f = Fixture::start(port, config);
        let mut conn = accept(&listener);
        conn.set_write_timeout(Some(Duration::from_millis(20))).unwrap();
        // The first line goes into the channel and fills it.
        send(&mut conn, b"0\n");
        f.wait_bytes(2);
        // Then one line at a time until the receiver stops counting bytes: it is blocked on
        // the full channel (or merely slow — the checks below hold either way).
        let mut wire = 2u64;
        for next in 1..10_000u32 {
            let line = format!("{next}\n");
            if conn.write_all(line.as_bytes()).is_err() {
                break;
            }
            wire += line.len() as u64;
            let deadline = Instant::now() + Duration::from_millis(200);
            while f.metrics.snapshot().bytes_received < wire && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if f.metrics.snapshot().bytes_received < wire {
                break;
            }
        }
        f.source.stop_receiving();

        // Whatever was received comes out in order, without gaps, and nothing after stop.
        let got = f.cut(0);
        assert!(!got.is_empty());
        for (i, line) in got.iter().enumerate() {
            assert_eq!(line, &i.to_string());
        }
        assert!(f.cut(1000).is_empty());
        assert_eq!(f.metrics.snapshot().records_received, got.len() as u64);
    }

    #[test]
    fn stop_and_drop_end_the_receiver_thread_while_disconnected() {
        let port = listener().1;
        let mut f = Fixture::start(port, fast_config());
        wait_for("a refused attempt", || f.metrics.snapshot().connection_failures >= 1);
        f.source.stop_receiving();
        assert!(f.source.receiver.is_none());
        assert!(f.cut(0).is_empty());
        // Dropping a running source also stops its thread.
        let g = Fixture::start(port, fast_config());
        drop(g);
    }

    // -----------------------------------------------------------------------------------
    // Stopping: what the socket already holds when the stop flag is seen is still read.

    /// A receiver for `port` that the test drives itself, its channel's other end and its
    /// counters.
    fn bare_receiver(
        config: SocketConfig,
        stop: Arc<AtomicBool>,
    ) -> (SocketReceiver, Receiver<Stamped>, Metrics) {
        let metrics = Metrics::new();
        let ctx = SourceContext { clock: Arc::new(ManualClock::new()), metrics: metrics.clone() };
        let (tx, rx) = crossbeam_channel::bounded(config.channel_capacity);
        let (_, recycled) = crossbeam_channel::bounded(1);
        let receiver = SocketReceiver {
            host: "127.0.0.1".into(),
            port: 0,
            ctx,
            stop,
            blocks: tx,
            recycled,
            read_buf: vec![0; READ_BUFFER_BYTES],
            lines: LineAssembler::new(config.max_line_bytes),
            malformed: MalformedLines::new("test".into(), metrics.clone(), None),
            config,
        };
        (receiver, rx, metrics)
    }

    /// A connected pair on 127.0.0.1: (server side, client side).
    fn connected_pair() -> (TcpStream, TcpStream) {
        let (listener, port) = listener();
        let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (server, _) = listener.accept().unwrap();
        (server, client)
    }

    /// Waits until `client`'s receive buffer holds at least `len` bytes (without taking them).
    fn wait_readable(client: &TcpStream, len: usize) {
        let mut buf = vec![0; len + 1];
        let deadline = Instant::now() + WAIT;
        loop {
            match client.peek(&mut buf) {
                Ok(n) if n >= len => return,
                Ok(0) => panic!("end of stream while waiting for {len} bytes"),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("peek: {e}"),
            }
            assert!(Instant::now() < deadline, "{len} bytes never arrived");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn lines_of(blocks: &[Stamped]) -> Vec<String> {
        blocks.iter().flat_map(|(_, block)| block.lines().map(str::to_owned)).collect()
    }

    fn block_of(lines: &[&str]) -> TextBlock {
        let mut block = TextBlock::new();
        for line in lines {
            block.push_line(line);
        }
        block
    }

    /// The race of the bug report, made deterministic: the data is in the receive buffer
    /// and the stop flag is set before the receiver's next look at the flag (here, before
    /// its first one). It used to return at once, losing the data.
    #[test]
    fn stop_reads_what_the_socket_already_holds() {
        let stop = Arc::new(AtomicBool::new(true));
        let (mut receiver, rx, metrics) = bare_receiver(fast_config(), stop);
        let input: &[u8] = b"z z\nnot \xff utf-8\nno end yet";
        for round in 1..=50u64 {
            let (mut server, client) = connected_pair();
            client.set_read_timeout(Some(WAIT)).unwrap();
            send(&mut server, input);
            wait_readable(&client, input.len());
            match receiver.session(client) {
                // The server has not closed the connection: the unterminated line is dropped.
                SessionEnd::Stopped(blocks) => assert_eq!(lines_of(&blocks), ["z z"], "round {round}"),
                _ => panic!("round {round}: the session did not end as stopped"),
            }
            assert!(rx.is_empty(), "round {round}: a block was sent although the source is stopped");
            let m = metrics.snapshot();
            assert_eq!(m.bytes_received, round * input.len() as u64, "round {round}");
            assert_eq!(m.malformed_not_utf8, round, "round {round}");
        }
    }

    /// The other place where the stop flag is seen: while the receiver waits for room in a
    /// full channel, the socket holds more lines sent before the stop.
    #[test]
    fn stop_while_the_channel_is_full_reads_what_the_socket_holds() {
        let stop = Arc::new(AtomicBool::new(false));
        let config = SocketConfig { channel_capacity: 1, ..fast_config() };
        let (mut receiver, rx, metrics) = bare_receiver(config, Arc::clone(&stop));
        receiver.blocks.send((Time::from_millis(0), block_of(&["filler"]))).unwrap();
        let (mut server, client) = connected_pair();
        // The probe shares the receiver's socket (and its read timeout, also set to POLL).
        let probe = client.try_clone().unwrap();
        probe.set_read_timeout(Some(POLL)).unwrap();
        let session = std::thread::spawn(move || match receiver.session(client) {
            SessionEnd::Stopped(blocks) => lines_of(&blocks),
            _ => panic!("the session did not end as stopped"),
        });

        // The receiver reads "1" and blocks on the full channel...
        send(&mut server, b"1\n");
        let deadline = Instant::now() + WAIT;
        let mut buf = [0; 8];
        loop {
            match probe.peek(&mut buf) {
                Ok(0) => panic!("unexpected end of stream"),
                Ok(_) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break,
                Err(e) => panic!("peek: {e}"),
            }
            assert!(Instant::now() < deadline, "the receiver never read the first line");
        }
        // ... so these stay in the socket (even if the receiver read both at once, the test
        // holds: then both are in the block it could not send).
        send(&mut server, b"z z\ny\n");
        wait_readable(&probe, 6);
        stop.store(true, Ordering::SeqCst);

        assert_eq!(session.join().unwrap(), ["1", "z z", "y"]);
        assert_eq!(lines_of(&rx.try_iter().collect::<Vec<_>>()), ["filler"]);
        assert_eq!(metrics.snapshot().bytes_received, 8);
    }

    /// A non-blocking reader following a script: hands out `chunks` (`None` is an
    /// interrupted read), then ends if `eof`, else would block.
    struct Scripted {
        chunks: VecDeque<Option<&'static [u8]>>,
        eof: bool,
    }

    impl Scripted {
        fn new(chunks: &[Option<&'static [u8]>], eof: bool) -> Scripted {
            Scripted { chunks: chunks.iter().copied().collect(), eof }
        }
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.chunks.pop_front() {
                Some(Some(chunk)) => {
                    let n = chunk.len().min(buf.len());
                    buf[..n].copy_from_slice(&chunk[..n]);
                    if n < chunk.len() {
                        self.chunks.push_front(Some(&chunk[n..]));
                    }
                    Ok(n)
                }
                Some(None) => Err(io::ErrorKind::Interrupted.into()),
                None if self.eof => Ok(0),
                None => Err(io::ErrorKind::WouldBlock.into()),
            }
        }
    }

    #[test]
    fn drain_processes_bytes_like_reads_and_keeps_a_partial_line_only_at_end_of_stream() {
        let script: &[Option<&'static [u8]>] =
            &[Some(b"a\nb"), None, Some(b"c\r\n\xff\n"), Some(b"0123456789abcdefXYZ\n"), Some(b"part")];
        let total: u64 = script.iter().flatten().map(|c| c.len() as u64).sum();
        for eof in [false, true] {
            let config = SocketConfig { max_line_bytes: 16, ..fast_config() };
            let (mut receiver, rx, metrics) = bare_receiver(config, Arc::new(AtomicBool::new(true)));
            receiver.ctx.clock = Arc::new({
                let clock = ManualClock::new();
                clock.set(Time::from_millis(7000));
                clock
            });
            let unsent = vec![(Time::from_millis(5000), block_of(&["unsent"]))];
            let blocks = receiver.drain(&mut Scripted::new(script, eof), TextBlock::new(), unsent);
            let stamps: Vec<u64> = blocks.iter().map(|(t, _)| t.as_millis()).collect();
            assert_eq!(stamps, [5000, 7000], "eof: {eof}");
            let expected: &[&str] = if eof { &["unsent", "a", "bc", "part"] } else { &["unsent", "a", "bc"] };
            assert_eq!(lines_of(&blocks), expected, "eof: {eof}");
            assert!(rx.is_empty());
            let m = metrics.snapshot();
            assert_eq!(m.bytes_received, total, "eof: {eof}");
            assert_eq!((m.malformed_not_utf8, m.malformed_too_long), (1, 1), "eof: {eof}");
            assert!(receiver.lines.carry.is_empty() && !receiver.lines.discarding);
        }
    }

    #[test]
    fn drain_is_bounded_when_the_server_keeps_sending() {
        /// Endless lines of 1023 `x`s.
        struct Firehose;
        impl Read for Firehose {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                // The receiver reads whole multiples of 1 KiB, so every read starts a line.
                assert_eq!(buf.len() % 1024, 0);
                for line in buf.chunks_mut(1024) {
                    line.fill(b'x');
                    line[1023] = b'\n';
                }
                Ok(buf.len())
            }
        }
        let (mut receiver, _rx, metrics) = bare_receiver(fast_config(), Arc::new(AtomicBool::new(true)));
        let blocks = receiver.drain(&mut Firehose, TextBlock::new(), Vec::new());
        assert_eq!(metrics.snapshot().bytes_received, DRAIN_LIMIT_BYTES as u64);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].1.len(), DRAIN_LIMIT_BYTES / 1024);
        assert_eq!(blocks[0].1.text_len(), DRAIN_LIMIT_BYTES / 1024 * 1023);
    }

    /// The bug report's reproduction through the source: accept, wait for the connection,
    /// write a line, stop at once; the last cut must hold the line. 50 rounds, run 10 at a
    /// time (each stop may wait up to `POLL` for the receiver's pending read).
    #[test]
    fn a_line_written_just_before_the_stop_is_in_the_last_cut() {
        std::thread::scope(|scope| {
            for worker in 0..10 {
                scope.spawn(move || {
                    for round in 0..5 {
                        let (listener, port) = listener();
                        let mut f = Fixture::start(port, fast_config());
                        let mut conn = accept(&listener);
                        wait_for("the connection", || f.metrics.snapshot().connections == 1);
                        send(&mut conn, b"z z\n");
                        f.source.stop_receiving();
                        assert_eq!(f.cut(0), ["z z"], "worker {worker}, round {round}");
                        assert!(f.cut(1000).is_empty());
                        assert_eq!(f.metrics.snapshot().bytes_received, 4);
                    }
                });
            }
        });
    }
}
