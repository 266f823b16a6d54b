//! The receiver thread: replays the write-ahead log at start, then connects, reads lines
//! into the buffer (logging each block first, with a log), reconnects with backoff, and
//! reads what the socket still holds at a graceful stop.

use super::buffer::Buffer;
use super::lines::LineAssembler;
use super::malformed::MalformedLines;
use super::{SocketConfig, SourceContext, POLL};
use crate::persist::wal;
use crate::source::rate::{RateLimiter, ReceiverRate};
use crate::text::TextBlock;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Size of the receiver's reusable read buffer.
pub(super) const READ_BUFFER_BYTES: usize = 64 * 1024;

/// After a read that emptied the socket, the receiver waits this long before the next
/// one, so that a sender writing small pieces often (a paced load generator writes every
/// 60-100 µs) wakes it at most about 2,000 times a second instead of at each write. In a
/// virtual machine each wake-up cost about 5-7 µs: at 10 M words/s a quarter of the
/// receiver's CPU time was switching back to it. A line waits at most this much longer.
/// Short batch intervals nap less (a hundredth of the interval, see [`read_nap`]), so the
/// pause never adds more than 1 % to a batch's latency; before the grid is known, none.
const READ_NAP: Duration = Duration::from_micros(500);

/// The pause after a read that emptied the socket, for a batch grid of `every_ms` (if known).
fn read_nap(every_ms: Option<u64>) -> Duration {
    every_ms.map_or(Duration::ZERO, |every| READ_NAP.min(Duration::from_micros(every * 10)))
}

/// Most bytes the receiver still reads from the socket after it has seen the stop flag:
/// enough for a full receive buffer, few enough that a server that keeps sending cannot
/// hold up the stop.
const DRAIN_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// Why a connection's read loop ended.
pub(super) enum SessionEnd {
    /// The stop flag was set; everything read is in the buffer.
    Stopped,
    /// The server closed the connection.
    EndOfStream,
    /// Reading failed (connection reset, ...).
    ReadError(io::Error),
}

/// The receiver's write-ahead log.
pub(super) enum Wal {
    /// No log.
    Off,
    /// Blocks logged before this start still to be replayed (before the first connection).
    Replaying(wal::Replay),
    /// Replay done: new blocks are appended.
    Writing(wal::Writer),
}

/// The receiver thread's state.
pub(super) struct SocketReceiver {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) config: SocketConfig,
    pub(super) ctx: SourceContext,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) buffer: Arc<Buffer>,
    pub(super) read_buf: Vec<u8>,
    pub(super) lines: LineAssembler,
    /// Lines assembled before they are delivered: with a log (they are logged first), at the
    /// end of a stream and when draining the socket at the stop.
    pub(super) pending: TextBlock,
    pub(super) malformed: MalformedLines,
    pub(super) wal: Wal,
    /// The rate this receiver may take in (see `source::rate`).
    pub(super) rate: ReceiverRate,
    pub(super) limiter: RateLimiter,
}

impl SocketReceiver {
    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Replays the log, then connects, reads, reconnects, until stopped.
    pub(super) fn run(mut self) {
        if !self.finish_replay() {
            return;
        }
        let mut delay = self.config.initial_backoff;
        while !self.stopped() {
            match self.connect() {
                Ok((stream, addr)) => {
                    self.ctx.metrics.add_connections(1);
                    tracing::info!(host = %self.host, port = self.port, address = %addr, "socket source connected");
                    delay = self.config.initial_backoff;
                    match self.session(stream) {
                        SessionEnd::Stopped => return,
                        SessionEnd::EndOfStream => {
                            self.ctx.metrics.add_connection_failures(1);
                            self.ctx.metrics.note_error(format!("{addr}: server closed the connection"));
                            tracing::warn!(
                                address = %addr,
                                retry_in = ?delay,
                                "socket source: server closed the connection; reconnecting"
                            );
                        }
                        SessionEnd::ReadError(error) => {
                            self.ctx.metrics.add_connection_failures(1);
                            self.ctx.metrics.note_error(format!("{addr}: connection dropped: {error}"));
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
                    self.ctx
                        .metrics
                        .note_error(format!("{}:{}: cannot connect: {error}", self.host, self.port));
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
    }

    /// Hands the logged blocks that `start` had no room for to the buffer, waiting for room,
    /// and switches the log to appending. False if stopped meanwhile: the blocks not replayed
    /// stay in the log for the next start.
    pub(super) fn finish_replay(&mut self) -> bool {
        let Wal::Replaying(mut replay) = std::mem::replace(&mut self.wal, Wal::Off) else { return true };
        let mut replayed = true;
        while let Some((seq, mut block)) = replay.next_block() {
            if self.stopped() {
                replayed = false;
                break;
            }
            self.buffer.push(&mut block, seq, None, self.config.max_buffered_bytes, &self.stop);
            self.buffer.arrived.notify_all();
        }
        self.buffer.lock().replay_done = true;
        self.buffer.arrived.notify_all();
        if replayed {
            self.wal = Wal::Writing(replay.into_writer(wal::SEGMENT_BYTES));
        }
        replayed
    }

    /// Sleeps for `delay` in short slices; false if stopped meanwhile.
    pub(super) fn pause(&self, delay: Duration) -> bool {
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
    pub(super) fn connect(&self) -> io::Result<(TcpStream, SocketAddr)> {
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

    /// Makes the lines that the `n` bytes at the start of the read buffer complete received.
    /// Without a log they are appended straight to the buffer's last block (one copy of each
    /// line); with one they are assembled, logged and then delivered.
    pub(super) fn receive(&mut self, n: usize) {
        let data = &self.read_buf[..n];
        if matches!(self.wal, Wal::Off) && self.rate.limit().is_none() {
            let (lines, malformed) = (&mut self.lines, &mut self.malformed);
            let buffered = self.buffer.receive(
                0,
                Some(&*self.ctx.clock),
                self.config.max_buffered_bytes,
                &self.stop,
                |block| lines.feed(data, block, malformed),
            );
            self.rate.set_buffered_bytes(buffered as u64);
            self.malformed.flush();
        } else {
            self.lines.feed(data, &mut self.pending, &mut self.malformed);
            self.deliver();
        }
    }

    /// Makes the pending lines received, leaving them empty: appends them to the log (if
    /// any) and syncs it, then queues them for the cuts, waiting while the buffer is full
    /// (not once stopped). Under a rate limit, the lines go in portions, each waiting for
    /// its permits (one per line); each portion is a block of its own, logged and stamped
    /// when it enters the buffer, so that a line counts as received when its permit allows.
    /// Meanwhile the socket is not read.
    pub(super) fn deliver(&mut self) {
        self.malformed.flush();
        if self.pending.is_empty() {
            return;
        }
        let mut block = std::mem::take(&mut self.pending);
        let wanted = block.len() as u64;
        let granted = self.rate.acquire(&mut self.limiter, wanted, &self.stop);
        if granted >= wanted {
            self.enqueue(&mut block);
        } else {
            let mut lines = block.lines();
            let mut portion = TextBlock::new();
            let mut granted = granted;
            loop {
                for line in lines.by_ref().take(granted as usize) {
                    portion.push_line(line);
                }
                self.enqueue(&mut portion);
                let left = lines.len() as u64;
                if left == 0 {
                    break;
                }
                granted = self.rate.acquire(&mut self.limiter, left, &self.stop);
            }
            block.clear();
        }
        self.pending = block;
    }

    /// Logs `block` (if there is a log) and queues it for the cuts, leaving it empty.
    fn enqueue(&mut self, block: &mut TextBlock) {
        let seq = self.log(block);
        let buffered =
            self.buffer.push(block, seq, Some(&*self.ctx.clock), self.config.max_buffered_bytes, &self.stop);
        self.rate.set_buffered_bytes(buffered as u64);
    }

    /// Appends `block` to the write-ahead log, if there is one, and syncs it; returns its
    /// sequence number (0 without a log). While the log cannot be written the receiver
    /// retries, with backoff, and reads nothing more; once stopped it gives up, and the
    /// block is handed over without being logged.
    pub(super) fn log(&mut self, block: &TextBlock) -> u64 {
        let Wal::Writing(mut writer) = std::mem::replace(&mut self.wal, Wal::Off) else { return 0 };
        let mut delay = self.config.initial_backoff;
        let seq = loop {
            let stamp = self.ctx.clock.now();
            let buffer = &self.buffer;
            let retention = || {
                let state = buffer.lock();
                (state.deletable_through, state.checkpoint_positions.len())
            };
            match writer.append(stamp, block, retention) {
                Ok(seq) => break seq,
                Err(error) => {
                    tracing::error!(
                        host = %self.host,
                        port = self.port,
                        %error,
                        retry_in = ?delay,
                        "socket source: cannot append to the write-ahead log; not reading until it can"
                    );
                    if !self.pause(delay) {
                        tracing::warn!(
                            host = %self.host,
                            port = self.port,
                            lines = block.len(),
                            "socket source: stopping; handing over a block that is not in the write-ahead log"
                        );
                        break writer.skip();
                    }
                    delay = delay.saturating_mul(2).min(self.config.max_backoff);
                }
            }
        };
        self.wal = Wal::Writing(writer);
        seq
    }

    /// Reads one connection until it ends or the source is stopped.
    pub(super) fn session(&mut self, mut stream: TcpStream) -> SessionEnd {
        self.lines.reset();
        if let Err(error) = stream.set_read_timeout(Some(POLL)) {
            return SessionEnd::ReadError(error);
        }
        loop {
            if self.stopped() {
                // Data may have arrived since the last read returned (or before the first
                // one): it was sent before the stop, so it belongs to the last batch.
                return self.stopped_session(&mut stream);
            }
            match stream.read(&mut self.read_buf) {
                Ok(0) => {
                    // Like Java's readLine, a final line without terminator is a line.
                    self.lines.finish(&mut self.pending, &mut self.malformed);
                    self.deliver();
                    return SessionEnd::EndOfStream;
                }
                Ok(n) => {
                    self.receive(n);
                    // Counted once the lines this read completed are in the buffer, so
                    // whoever sees the bytes counted can cut them (a partial line at the
                    // end of the read is counted now but handed over when it completes).
                    self.ctx.metrics.add_bytes_received(n as u64);
                    if n < self.read_buf.len() {
                        let nap = read_nap(self.buffer.lock().grid.map(|g| g.every_ms));
                        if !nap.is_zero() {
                            std::thread::sleep(nap);
                        }
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(error) => {
                    self.lines.abandon(&mut self.malformed, "the connection dropped");
                    self.malformed.flush();
                    return SessionEnd::ReadError(error);
                }
            }
        }
    }

    /// Ends a session because the source is stopped: reads, without blocking, what the
    /// socket already holds (see [`SocketReceiver::drain`]).
    pub(super) fn stopped_session(&mut self, stream: &mut TcpStream) -> SessionEnd {
        match stream.set_nonblocking(true) {
            Ok(()) => self.drain(stream),
            Err(error) => {
                tracing::warn!(
                    host = %self.host,
                    port = self.port,
                    %error,
                    "socket source: cannot read what the socket still holds at the stop"
                );
                self.lines.abandon(&mut self.malformed, "the source was stopped");
                self.malformed.flush();
            }
        }
        SessionEnd::Stopped
    }

    /// Reads from `reader`, which does not block (it fails with `WouldBlock` when it holds no
    /// more data), until it is empty or ends or [`DRAIN_LIMIT_BYTES`] have been read. The
    /// bytes go through the same line assembly, malformed-line handling and counters as
    /// every read; a partial last line is a line only if the stream has ended. The lines
    /// read are delivered as one block, without waiting for room (the source is stopping).
    pub(super) fn drain(&mut self, reader: &mut impl Read) {
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
                    self.lines.feed(&self.read_buf[..n], &mut self.pending, &mut self.malformed);
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
            self.lines.finish(&mut self.pending, &mut self.malformed);
        } else {
            self.lines.abandon(&mut self.malformed, "the source was stopped");
        }
        self.deliver();
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::test_support::block_of;
    use crate::time::clock::ManualClock;
    use crate::time::Time;
    use crate::ui::metrics::Metrics;
    use std::collections::VecDeque;
    use std::time::Instant;

    #[test]
    fn the_read_pause_is_at_most_a_hundredth_of_the_batch_interval() {
        assert_eq!(read_nap(None), Duration::ZERO);
        assert_eq!(read_nap(Some(10)), Duration::from_micros(100));
        assert_eq!(read_nap(Some(50)), Duration::from_micros(500));
        assert_eq!(read_nap(Some(1000)), READ_NAP);
    }

    /// A receiver that the test drives itself, its buffer and its counters.
    fn bare_receiver(config: SocketConfig, stop: Arc<AtomicBool>) -> (SocketReceiver, Arc<Buffer>, Metrics) {
        let metrics = Metrics::new();
        let ctx = SourceContext::new(Arc::new(ManualClock::new()), metrics.clone());
        let buffer = Arc::new(Buffer::new(0));
        let rate = ctx.rate.register("test", config.max_rate);
        let receiver = SocketReceiver {
            limiter: rate.limiter(),
            rate,
            host: "127.0.0.1".into(),
            port: 0,
            ctx,
            stop,
            buffer: Arc::clone(&buffer),
            read_buf: vec![0; READ_BUFFER_BYTES],
            lines: LineAssembler::new(config.max_line_bytes),
            pending: TextBlock::new(),
            malformed: MalformedLines::new("test".into(), metrics.clone(), None),
            config,
            wal: Wal::Off,
        };
        (receiver, buffer, metrics)
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

    /// The lines in `buffer`, left there.
    fn peek_lines(buffer: &Buffer) -> Vec<String> {
        buffer
            .lock()
            .queue
            .iter()
            .flat_map(|q| q.block.lines().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }

    /// The race of the bug report, made deterministic: the data is in the receive buffer
    /// and the stop flag is set before the receiver's next look at the flag (here, before
    /// its first one). It used to return at once, losing the data.
    #[test]
    fn stop_reads_what_the_socket_already_holds() {
        let stop = Arc::new(AtomicBool::new(true));
        let (mut receiver, buffer, metrics) = bare_receiver(fast_config(), stop);
        let input: &[u8] = b"z z\nnot \xff utf-8\nno end yet";
        for round in 1..=50u64 {
            let (mut server, client) = connected_pair();
            client.set_read_timeout(Some(WAIT)).unwrap();
            send(&mut server, input);
            wait_readable(&client, input.len());
            assert!(
                matches!(receiver.session(client), SessionEnd::Stopped),
                "round {round}: the session did not end as stopped"
            );
            // The server has not closed the connection: the unterminated line is dropped.
            assert_eq!(lines_of(&take_all(&buffer)), ["z z"], "round {round}");
            let m = metrics.snapshot();
            assert_eq!(m.bytes_received, round * input.len() as u64, "round {round}");
            assert_eq!(m.malformed_not_utf8, round, "round {round}");
        }
    }

    /// The other place where the stop flag is seen: while the receiver waits for room in a
    /// full buffer, the socket holds more lines sent before the stop.
    #[test]
    fn stop_while_the_buffer_is_full_reads_what_the_socket_holds() {
        let stop = Arc::new(AtomicBool::new(false));
        let config = SocketConfig { max_buffered_bytes: 1, ..fast_config() };
        let (mut receiver, buffer, metrics) = bare_receiver(config, Arc::clone(&stop));
        buffer.push(&mut block_of(&["filler"]), 0, None, usize::MAX, &stop);
        let (mut server, client) = connected_pair();
        // The probe shares the receiver's socket (and its read timeout, also set to POLL).
        let probe = client.try_clone().unwrap();
        probe.set_read_timeout(Some(POLL)).unwrap();
        let session = std::thread::spawn(move || matches!(receiver.session(client), SessionEnd::Stopped));

        // The receiver reads "1" and blocks on the full buffer...
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
        // holds: then both are in the block waiting for room).
        send(&mut server, b"z z\ny\n");
        wait_readable(&probe, 6);
        assert_eq!(peek_lines(&buffer), ["filler"], "the full buffer took nothing more");
        stop.store(true, Ordering::SeqCst);

        assert!(session.join().unwrap(), "the session did not end as stopped");
        assert_eq!(lines_of(&take_all(&buffer)), ["filler", "1", "z z", "y"]);
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
            let (mut receiver, buffer, metrics) = bare_receiver(config, Arc::new(AtomicBool::new(true)));
            receiver.ctx.clock = Arc::new({
                let clock = ManualClock::new();
                clock.set(Time::from_millis(7000));
                clock
            });
            receiver.drain(&mut Scripted::new(script, eof));
            let blocks = take_all(&buffer);
            let stamps: Vec<u64> = blocks.iter().map(|(t, _)| *t).collect();
            assert_eq!(stamps, [7000], "eof: {eof}");
            let expected: &[&str] = if eof { &["a", "bc", "part"] } else { &["a", "bc"] };
            assert_eq!(lines_of(&blocks), expected, "eof: {eof}");
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
        let (mut receiver, buffer, metrics) = bare_receiver(fast_config(), Arc::new(AtomicBool::new(true)));
        receiver.drain(&mut Firehose);
        assert_eq!(metrics.snapshot().bytes_received, DRAIN_LIMIT_BYTES as u64);
        let blocks = take_all(&buffer);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].1.len(), DRAIN_LIMIT_BYTES / 1024);
        assert!(blocks[0].1.iter().all(|line| line.len() == 1023));
    }
}
