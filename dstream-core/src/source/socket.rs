//! The socket text source (Spark's `socketTextStream`): connects as a TCP **client** to
//! `host:port` and produces one record per `\n`-terminated UTF-8 line.
//!
//! # Receiving and buffering
//!
//! A receiver thread reads the socket into a reusable byte buffer (64 KiB per read) and
//! appends the lines every read completes **straight to the last [`TextBlock`] of a buffer
//! shared with the batch loop** (a queue under a mutex): each line is copied once, from the
//! read buffer into the block that becomes the batch, and a cut hands that block over
//! without copying it again (with a write-ahead log, the lines of a read are first put in a
//! block of their own, which is logged, then appended). The buffer is bounded in **bytes**,
//! not in blocks or reads: [`SocketConfig::max_buffered_bytes`] (256 MiB by default). The
//! receiver stops reading only while the buffer holds that much, so a slow job pushes back
//! on the sender through TCP flow control, and a fast one is never held up by the number of
//! reads. (A channel of 256 blocks, drained once per batch, used to cap a server that writes
//! one line per `write` at about 256 reads per batch: the receiver blocked and lines
//! slipped into later batches.) The bound is also a rate: a source takes in at most about
//! `max_buffered_bytes` per batch interval.
//!
//! Finding the lines is one pass over each read: the whole read is checked to be UTF-8 at
//! once, and its `\n`s are found 8 bytes at a time; line by line only if something in it is
//! not UTF-8.
//!
//! # Which batch a line belongs to
//!
//! The lines of a read are stamped with the job's clock **when they enter the buffer, under
//! the buffer's lock**, and [`Source::cut`] takes, under the same lock, every line stamped at
//! or before the batch time, in arrival order. The batch loop cuts batch `t` once its clock
//! reads `t`, so a line that enters the buffer after the cut is stamped `t` or later: every
//! line received at or before `t` is in batch `t` or an earlier one, and no line received
//! after the cut is (a line received in the very millisecond `t`, after the cut, is in the
//! next batch). Stamps never decrease along the buffer. A block records where the lines of
//! each stamp end; a cut takes the blocks whose lines are all stamped at or before its time
//! whole, and splits the block whose later lines are not (the later lines, those received
//! after `t` but before the cut, are copied into a new block: a cut made late, by a job
//! that lags, copies what arrived since its time). Lines go to the last block until it
//! holds 32 MiB, which bounds that copy; a batch of several blocks is their concatenation.
//!
//! After [`Source::stop_receiving`], a cut hands over everything left, whatever its stamp:
//! the last batch of a graceful stop may be cut at a time before the stamps of the lines
//! read during the stop.
//!
//! # Connections and bad input
//!
//! The connection never stops the job: a refused connection, an end of stream or a read
//! error is logged, counted in [`Metrics`] and followed by a reconnection with exponential
//! backoff (Spark's receiver restarts itself the same way when its stream ends).
//!
//! Bad input is data, not a crash: a line that is not valid UTF-8 or is longer than
//! [`SocketConfig::max_line_bytes`] is dropped, counted, logged (rate-limited) and, if
//! [`SocketConfig::malformed_path`] is set, written aside to that file.
//!
//! # Stopping
//!
//! Stopping ([`Source::stop_receiving`]) is graceful. Once the receiver sees the stop flag
//! it still reads, without waiting for more, what the socket already holds (at most 4 MiB,
//! so that a server that keeps sending cannot hold up the stop) and hands it over like any
//! other read: lines the server wrote before the stop and that have reached this host are
//! in the cuts after the stop. A last line without `\n` is kept only if the server has
//! also closed the connection.
//!
//! The `bytes_received` counter of [`Metrics`] counts bytes when they are read, after every
//! line they complete is in the buffer (and, with a write-ahead log, in the log), so a cut
//! made after seeing the count holds those lines. Bytes of a line whose `\n` has not arrived
//! yet are counted as well, but that line is handed over only when its `\n` arrives or the
//! stream ends (like Java's `readLine`, a final line without terminator is a line); if the
//! connection drops, or the source is stopped, first, it is dropped and logged. So bytes
//! counted may include a partial line that no cut holds yet, or ever.
//!
//! # Write-ahead log
//!
//! Without a log, lines received since the last checkpoint are lost if the process dies
//! (nothing is lost on a graceful stop). With [`SocketConfig::write_ahead_log`] set to a
//! directory (Spark's `spark.streaming.receiver.writeAheadLog.enable`), the receiver
//! appends every block to the log and syncs it (`fdatasync`) **before** it enters the
//! buffer: a line counts as received only once it is durable. The guarantee is then **zero
//! loss, at least once**: every line counted as received reaches the job, even if the
//! process dies, and lines that a batch after the last checkpoint already saw are handed
//! over again after a crash. (Lines still in the socket, or read but not yet logged, when
//! the process dies were never received: TCP gives the sender no way to know, as with
//! Spark's socket receiver.)
//!
//! - **Records.** Every block is one record with a sequence number (1, 2, ... across
//!   restarts): `length: u32 | crc: u32 | payload`, where `crc` is the CRC-32 of the
//!   payload and the payload is `sequence: u64 | stamp (ms): u64 | line count: u32 | the
//!   line lengths, u32 each | the lines' bytes`, all integers little-endian.
//! - **Segments.** Records go to segment files `wal-<first sequence, 20 digits>.log`, each
//!   starting with the magic `DSTRWAL1`; a new segment starts when one would pass 64 MiB,
//!   and with the first block after every start (old segments are never appended to).
//! - **Position.** [`Source::position`] is the sequence number of the last block handed over
//!   by a cut; a checkpoint records it. On recovery [`Source::restore_position`] gives it
//!   back before `start`, and `start` replays, in order, every logged block with a larger
//!   number before reading the socket. The replayed blocks are handed over by the first
//!   cuts (the first one, as far as [`SocketConfig::max_buffered_bytes`] allows); new blocks
//!   are numbered after the last one in the log. A job started without a position (no
//!   checkpoint yet) replays the whole log: it may have crashed before its first
//!   checkpoint.
//! - **Torn records.** A last record that is incomplete, or fails its checksum or structure
//!   test with nothing, or only zeros, after it, is what a crash during an append leaves: it is
//!   ignored, with a warning (that block never counted as received, and its number is given
//!   to the next block, in a new segment). A bad record followed by other data is
//!   corruption: it and the rest of its segment are skipped with an error, and so is a gap
//!   in the numbers; the job still starts.
//! - **Trimming.** `start` deletes the segments all of whose blocks are at or below the
//!   restored position. While the job runs, a segment is deleted (when the log moves to a
//!   new segment) once all its blocks are at or below the position taken for the
//!   checkpoint **four checkpoints before** the newest one. A position is taken before its
//!   checkpoint is written, and the job writes checkpoints in the background, with up to two
//!   queued and one being written: when the position for checkpoint `k` is taken, only
//!   checkpoint `k - 4` is sure to be on disk, so a crash at that moment recovers from `k - 4`
//!   or later and needs every block after its position. (With one checkpoint of slack, a
//!   crash while the writer lags would find the blocks after the recovered position
//!   deleted.) The log is only trimmed by checkpoints: use it with `#![checkpoint(..)]`, and
//!   delete it together with the checkpoint directory.
//! - **Cost.** One `write` and one `fdatasync` per block. While a sync is in progress the
//!   socket keeps filling, so the next read, and block, is larger: throughput drops much
//!   less than the number of syncs suggests, but the log's disk bounds it.

use super::{Source, SourceContext};
use crate::error::{Error, Result};
use crate::persist::wal;
use crate::text::{TextBatch, TextBlock};
use crate::time::clock::Clock;
use crate::time::Time;
use crate::ui::metrics::Metrics;
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the receiver thread looks at its stop flag while it waits for data, for room
/// in the buffer, or for the next connection attempt.
const POLL: Duration = Duration::from_millis(50);

/// Size of the receiver's reusable read buffer.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// Most bytes the receiver still reads from the socket after it has seen the stop flag:
/// enough for a full receive buffer, few enough that a server that keeps sending cannot
/// hold up the stop.
const DRAIN_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// Lines go to the last block in the buffer until it holds this many bytes; then a new
/// block starts. Bounds what a cut that splits a block copies.
const MAX_BLOCK_BYTES: usize = 32 * 1024 * 1024;

/// Malformed lines logged individually before logging becomes sparse.
const LOG_FIRST_MALFORMED: u64 = 10;

/// After the first few, one malformed line in this many is logged.
const LOG_EVERY_MALFORMED: u64 = 1000;

/// Positions of this many checkpoints (the newest and the four before it) are kept before
/// write-ahead-log segments are trimmed: see "Trimming" in the module documentation.
const RETAINED_CHECKPOINTS: usize = 5;

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
    /// Bytes of received lines (terminators included) held between the receiver thread and
    /// the batch loop, not yet handed over by a cut (default 256 MiB). While the buffer holds
    /// this much the receiver stops reading, and TCP flow control slows the sender; it may
    /// exceed the bound by one read (64 KiB), and by what is read during a stop (4 MiB).
    /// Since only a cut makes room, a source takes in at most about this much per batch
    /// interval (256 MiB: about 256 MiB/s with 1 s batches; 8 MiB would cap a 1 s job at
    /// 8 MiB/s): set it to at least the expected rate times the batch interval. Memory is
    /// taken as lines arrive, not reserved.
    pub max_buffered_bytes: usize,
    /// If set, malformed lines are appended to this file ("written aside"): the line's raw
    /// bytes, without its `\n`, followed by `\n`.
    pub malformed_path: Option<PathBuf>,
    /// Timeout of one TCP connection attempt (default 1 s). A stop request that arrives
    /// during an attempt waits for it to finish.
    pub connect_timeout: Duration,
    /// A directory for a write-ahead log (default `None`: no log), Spark's
    /// `spark.streaming.receiver.writeAheadLog.enable`. Every block of lines is appended to
    /// the log and synced before it counts as received; the source's checkpoint position is
    /// the number of the last block handed to a batch, and a job recovering from a
    /// checkpoint first replays the logged blocks after it. Guarantee: **zero loss, at least
    /// once** (lines received after the last checkpoint are handed over again after a
    /// crash, so a batch may see them twice). Costs one `fdatasync` per block. Use it with
    /// a checkpoint directory (`#![checkpoint(..)]`): old segments are deleted only as
    /// checkpoints advance (they keep the blocks after the position of the fourth
    /// checkpoint before the newest, which may not be written yet), and without a
    /// position a start replays the whole log. Format and recovery are described in the
    /// [module documentation](self).
    pub write_ahead_log: Option<PathBuf>,
}

impl Default for SocketConfig {
    fn default() -> SocketConfig {
        SocketConfig {
            max_line_bytes: 1024 * 1024,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_buffered_bytes: 256 * 1024 * 1024,
            malformed_path: None,
            connect_timeout: Duration::from_secs(1),
            write_ahead_log: None,
        }
    }
}

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
    receiver: Option<JoinHandle<()>>,
    /// The blocks received and not yet handed over; `Some` once started.
    buffer: Option<Arc<Buffer>>,
    /// Set by [`Source::stop_receiving`]: from then on a cut takes everything left.
    receiving_stopped: bool,
    metrics: Option<Metrics>,
    /// With a write-ahead log: the sequence number of the last block handed over by a cut
    /// (before `start`, the restored position; 0 for none).
    handed_over: u64,
    /// Whether `restore_position` gave a position.
    restored: bool,
    /// The blocks a cut takes, kept to reuse its allocation.
    taken: Vec<TextBlock>,
}

impl std::fmt::Debug for SocketSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketSource")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("config", &self.config)
            .field("receiving", &self.receiver.is_some())
            .field("buffered_bytes", &self.buffer.as_ref().map(|b| b.lock().bytes))
            .field("handed_over", &self.handed_over)
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
            buffer: None,
            receiving_stopped: false,
            metrics: None,
            handed_over: 0,
            restored: false,
            taken: Vec::new(),
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

    /// Signals the receiver thread to stop and waits for it. Everything it read, including
    /// what it read after seeing the stop, is in the buffer when it exits.
    fn join_receiver(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let Some(handle) = self.receiver.take() else {
            return;
        };
        if handle.join().is_err() {
            tracing::error!(host = %self.host, port = self.port, "socket receiver thread panicked");
        }
    }
}

impl Source for SocketSource {
    type Batch = TextBatch;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        if self.buffer.is_some() {
            return Err(Error::Config(format!("socket source {}:{} started twice", self.host, self.port)));
        }
        if self.config.max_buffered_bytes == 0 {
            return Err(Error::Config("socket source: max_buffered_bytes must be at least 1".into()));
        }
        if self.config.max_line_bytes == 0 {
            return Err(Error::Config("socket source: max_line_bytes must be at least 1".into()));
        }
        if self.config.write_ahead_log.is_some() && self.config.max_line_bytes > wal::MAX_LOGGED_LINE_BYTES {
            return Err(Error::Config(format!(
                "socket source: with a write-ahead log, max_line_bytes can be at most {}",
                wal::MAX_LOGGED_LINE_BYTES
            )));
        }
        let buffer = Arc::new(Buffer::new(self.handed_over));
        let wal = match &self.config.write_ahead_log {
            None => Wal::Off,
            Some(dir) => {
                let mut replay = wal::Replay::open(dir, self.handed_over, self.restored).map_err(|e| {
                    Error::Io(io::Error::new(
                        e.kind(),
                        format!("socket source: write-ahead log {}: {e}", dir.display()),
                    ))
                })?;
                // What fits in the buffer is handed to the first cut; the receiver thread
                // replays the rest, as room appears, before it connects.
                while buffer.lock().bytes < self.config.max_buffered_bytes {
                    let Some((seq, mut block)) = replay.next_block() else { break };
                    buffer.push(&mut block, seq, None, usize::MAX, &self.stop);
                }
                Wal::Replaying(replay)
            }
        };
        let label = format!("{}:{}", self.host, self.port);
        let receiver = SocketReceiver {
            host: self.host.clone(),
            port: self.port,
            config: self.config.clone(),
            ctx: ctx.clone(),
            stop: Arc::clone(&self.stop),
            buffer: Arc::clone(&buffer),
            read_buf: vec![0; READ_BUFFER_BYTES],
            lines: LineAssembler::new(self.config.max_line_bytes),
            pending: TextBlock::new(),
            malformed: MalformedLines::new(label, ctx.metrics.clone(), self.config.malformed_path.clone()),
            wal,
        };
        let handle =
            std::thread::Builder::new().name("dstream-socket-recv".into()).spawn(move || receiver.run())?;
        self.receiver = Some(handle);
        self.buffer = Some(buffer);
        self.metrics = Some(ctx.metrics.clone());
        Ok(())
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let mut batch = TextBatch::new();
        let Some(buffer) = &self.buffer else { return batch };
        {
            let mut guard = buffer.lock();
            let state = &mut *guard;
            while let Some(front) = state.queue.front_mut() {
                if front.stamp() <= time || self.receiving_stopped {
                    let Some(queued) = state.queue.pop_front() else { break };
                    let last = queued.last();
                    state.bytes -= last.bytes;
                    self.handed_over = self.handed_over.max(last.seq);
                    self.taken.push(queued.block);
                    continue;
                }
                // Stamps never decrease: the blocks after this one are all stamped later.
                if let Some((head, last)) = front.take_through(time) {
                    state.bytes -= last.bytes;
                    self.handed_over = self.handed_over.max(last.seq);
                    self.taken.push(head);
                }
                break;
            }
        }
        if !self.taken.is_empty() {
            buffer.room.notify_all();
        }
        for block in self.taken.drain(..) {
            if batch.is_empty() {
                batch = block;
            } else {
                batch.append(&block);
            }
        }
        if let Some(metrics) = &self.metrics {
            metrics.add_records_received(batch.len() as u64);
        }
        batch
    }

    fn stop_receiving(&mut self) {
        self.join_receiver();
        self.receiving_stopped = true;
    }

    /// With a write-ahead log, the sequence number of the last block handed over (8 bytes,
    /// little-endian); `None` without one. Meant to be called once per checkpoint: the log
    /// is trimmed by the positions of the last checkpoints.
    fn position(&self) -> Option<Vec<u8>> {
        self.config.write_ahead_log.as_ref()?;
        if let Some(buffer) = &self.buffer {
            let mut state = buffer.lock();
            state.checkpoint_positions.push_back(self.handed_over);
            if state.checkpoint_positions.len() > RETAINED_CHECKPOINTS {
                state.checkpoint_positions.pop_front();
            }
            if state.checkpoint_positions.len() == RETAINED_CHECKPOINTS {
                let oldest = state.checkpoint_positions.front().copied().unwrap_or(0);
                state.deletable_through = state.deletable_through.max(oldest);
            }
        }
        Some(self.handed_over.to_le_bytes().to_vec())
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        if self.buffer.is_some() {
            return Err(Error::Config("socket source: restore_position after start".into()));
        }
        let bytes: [u8; 8] = position.try_into().map_err(|_| {
            Error::Checkpoint(format!("bad socket source position: {} bytes, expected 8", position.len()))
        })?;
        if self.config.write_ahead_log.is_none() {
            tracing::warn!(
                host = %self.host,
                port = self.port,
                "socket source: the checkpoint has a write-ahead-log position but the log is now off; \
                 lines logged after the checkpoint are not replayed"
            );
            return Ok(());
        }
        self.handed_over = u64::from_le_bytes(bytes);
        self.restored = true;
        Ok(())
    }
}

impl Drop for SocketSource {
    fn drop(&mut self) {
        self.join_receiver();
    }
}

/// Lines received and not yet handed over, shared by the receiver thread and the batch loop.
struct Buffer {
    state: Mutex<BufferState>,
    /// Signalled when a cut makes room.
    room: Condvar,
}

struct BufferState {
    /// In arrival (and sequence) order, stamps never decreasing.
    queue: VecDeque<Queued>,
    /// Bytes of the queued lines, one terminator each included.
    bytes: usize,
    /// The stamp of the last lines queued.
    last_stamp: Time,
    /// Write-ahead log: the positions returned for the last checkpoints, oldest first.
    checkpoint_positions: VecDeque<u64>,
    /// Write-ahead log: segments all of whose blocks are numbered at or below this may go.
    deletable_through: u64,
}

/// A block waiting in the buffer, and the stamps of its lines.
struct Queued {
    block: TextBlock,
    /// Where the lines of each stamp end, stamps increasing; never empty once queued.
    marks: Vec<Mark>,
}

/// The end of the lines of one stamp in a queued block: the block's lines and bytes up to
/// there, all stamped at or before `stamp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Mark {
    stamp: Time,
    /// Lines of the block before this mark.
    lines: usize,
    /// Bytes of those lines, one terminator each included.
    bytes: usize,
    /// The sequence number of the last logged block among those lines (0 without a log).
    seq: u64,
}

impl Queued {
    fn new() -> Queued {
        Queued { block: TextBlock::new(), marks: Vec::new() }
    }

    /// The mark of the whole block.
    fn last(&self) -> Mark {
        self.marks.last().copied().unwrap_or_default()
    }

    /// The stamp of the block's last line.
    fn stamp(&self) -> Time {
        self.last().stamp
    }

    /// Records that lines of `added` bytes, stamped `stamp` (not earlier than the last
    /// stamp) and logged up to block `seq`, were appended to the block.
    fn mark(&mut self, stamp: Time, added: usize, seq: u64) {
        let lines = self.block.len();
        match self.marks.last_mut() {
            Some(last) if last.stamp == stamp => {
                last.lines = lines;
                last.bytes += added;
                last.seq = last.seq.max(seq);
            }
            _ => {
                let last = self.last();
                self.marks.push(Mark { stamp, lines, bytes: last.bytes + added, seq: last.seq.max(seq) });
            }
        }
    }

    /// Splits off the lines stamped at or before `time`, if any: returns them and their mark,
    /// and keeps the later ones (copied into a new block).
    fn take_through(&mut self, time: Time) -> Option<(TextBlock, Mark)> {
        let through = self.marks.partition_point(|mark| mark.stamp <= time);
        let head = *self.marks.get(through.checked_sub(1)?)?;
        let mut rest = TextBlock::new();
        for line in self.block.lines().skip(head.lines) {
            rest.push_line(line);
        }
        while self.block.len() > head.lines {
            self.block.pop_line();
        }
        self.marks.drain(..through);
        for mark in &mut self.marks {
            mark.lines -= head.lines;
            mark.bytes -= head.bytes;
        }
        Some((std::mem::replace(&mut self.block, rest), head))
    }
}

impl Buffer {
    fn new(deletable_through: u64) -> Buffer {
        Buffer {
            state: Mutex::new(BufferState {
                queue: VecDeque::new(),
                bytes: 0,
                last_stamp: Time::from_millis(0),
                checkpoint_positions: VecDeque::new(),
                deletable_through,
            }),
            room: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BufferState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets `add` append lines to the last block of the buffer, under its lock, and makes
    /// them received. Waits first while the buffer holds `limit` bytes or more, unless `stop`
    /// is set (a stopping receiver hands over everything). The lines are stamped with the
    /// clock read under the lock (`None`, for a replayed block: time 0), but never earlier
    /// than the last stamp. `seq`: the log's number for these lines (0 without a log).
    fn receive(
        &self,
        seq: u64,
        clock: Option<&dyn Clock>,
        limit: usize,
        stop: &AtomicBool,
        add: impl FnOnce(&mut TextBlock),
    ) {
        let mut guard = self.lock();
        while guard.bytes >= limit && !stop.load(Ordering::SeqCst) {
            guard = self.room.wait_timeout(guard, POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
        let now = clock.map_or(Time::from_millis(0), |clock| clock.now());
        let state = &mut *guard;
        if state.queue.back().is_none_or(|last| last.last().bytes >= MAX_BLOCK_BYTES) {
            state.queue.push_back(Queued::new());
        }
        let Some(tail) = state.queue.back_mut() else { return };
        let (lines, text) = (tail.block.len(), tail.block.text_len());
        add(&mut tail.block);
        let added_lines = tail.block.len() - lines;
        if added_lines == 0 {
            if tail.block.is_empty() {
                state.queue.pop_back();
            }
            return;
        }
        let stamp = now.max(state.last_stamp);
        state.last_stamp = stamp;
        let added = tail.block.text_len() - text + added_lines;
        state.bytes += added;
        tail.mark(stamp, added, seq);
    }

    /// Makes the lines of `block` received (see [`Buffer::receive`]), leaving it empty.
    fn push(
        &self,
        block: &mut TextBlock,
        seq: u64,
        clock: Option<&dyn Clock>,
        limit: usize,
        stop: &AtomicBool,
    ) {
        if block.is_empty() {
            return;
        }
        self.receive(seq, clock, limit, stop, |tail| {
            if tail.is_empty() {
                std::mem::swap(tail, block);
            } else {
                tail.append(block);
            }
        });
        block.clear();
    }
}

/// Why a connection's read loop ended.
enum SessionEnd {
    /// The stop flag was set; everything read is in the buffer.
    Stopped,
    /// The server closed the connection.
    EndOfStream,
    /// Reading failed (connection reset, ...).
    ReadError(io::Error),
}

/// The receiver's write-ahead log.
enum Wal {
    /// No log.
    Off,
    /// Blocks logged before this start still to be replayed (before the first connection).
    Replaying(wal::Replay),
    /// Replay done: new blocks are appended.
    Writing(wal::Writer),
}

/// The receiver thread's state.
struct SocketReceiver {
    host: String,
    port: u16,
    config: SocketConfig,
    ctx: SourceContext,
    stop: Arc<AtomicBool>,
    buffer: Arc<Buffer>,
    read_buf: Vec<u8>,
    lines: LineAssembler,
    /// Lines assembled before they are delivered: with a log (they are logged first), at the
    /// end of a stream and when draining the socket at the stop.
    pending: TextBlock,
    malformed: MalformedLines,
    wal: Wal,
}

impl SocketReceiver {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Replays the log, then connects, reads, reconnects, until stopped.
    fn run(mut self) {
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
    }

    /// Hands the logged blocks that `start` had no room for to the buffer, waiting for room,
    /// and switches the log to appending. False if stopped meanwhile: the blocks not replayed
    /// stay in the log for the next start.
    fn finish_replay(&mut self) -> bool {
        let Wal::Replaying(mut replay) = std::mem::replace(&mut self.wal, Wal::Off) else { return true };
        while let Some((seq, mut block)) = replay.next_block() {
            if self.stopped() {
                return false;
            }
            self.buffer.push(&mut block, seq, None, self.config.max_buffered_bytes, &self.stop);
        }
        self.wal = Wal::Writing(replay.into_writer(wal::SEGMENT_BYTES));
        true
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

    /// Makes the lines that the `n` bytes at the start of the read buffer complete received.
    /// Without a log they are appended straight to the buffer's last block (one copy of each
    /// line); with one they are assembled, logged and then delivered.
    fn receive(&mut self, n: usize) {
        let data = &self.read_buf[..n];
        if matches!(self.wal, Wal::Off) {
            let (lines, malformed) = (&mut self.lines, &mut self.malformed);
            self.buffer.receive(
                0,
                Some(&*self.ctx.clock),
                self.config.max_buffered_bytes,
                &self.stop,
                |block| lines.feed(data, block, malformed),
            );
            self.malformed.flush();
        } else {
            self.lines.feed(data, &mut self.pending, &mut self.malformed);
            self.deliver();
        }
    }

    /// Makes the pending lines received, leaving them empty: appends them to the log (if
    /// any) and syncs it, then queues them for the cuts, waiting while the buffer is full
    /// (not once stopped).
    fn deliver(&mut self) {
        self.malformed.flush();
        if self.pending.is_empty() {
            return;
        }
        let mut block = std::mem::take(&mut self.pending);
        let seq = self.log(&block);
        self.buffer.push(&mut block, seq, Some(&*self.ctx.clock), self.config.max_buffered_bytes, &self.stop);
        self.pending = block;
    }

    /// Appends `block` to the write-ahead log, if there is one, and syncs it; returns its
    /// sequence number (0 without a log). While the log cannot be written the receiver
    /// retries, with backoff, and reads nothing more; once stopped it gives up, and the
    /// block is handed over without being logged.
    fn log(&mut self, block: &TextBlock) -> u64 {
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
    fn session(&mut self, mut stream: TcpStream) -> SessionEnd {
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
    fn stopped_session(&mut self, stream: &mut TcpStream) -> SessionEnd {
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
    fn drain(&mut self, reader: &mut impl Read) {
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
        // The line in progress (or being skipped) ends at the first `\n`.
        if self.discarding || !self.carry.is_empty() {
            let Some(pos) = find_newline(rest) else {
                self.keep_partial(rest, bad);
                return;
            };
            self.complete_pending(&rest[..pos], block, bad);
            rest = &rest[pos + 1..];
        }
        // The whole lines that follow: validated in one go and split with a fast search
        // (a `\n` never occurs inside a multi-byte character, so the lines of valid text are
        // valid); line by line only if something in them is not UTF-8.
        if let Some(last) = rfind_newline(rest) {
            let lines = &rest[..last];
            match std::str::from_utf8(&rest[..=last]) {
                Ok(text) => {
                    let mut start = 0;
                    for_each_newline(text.as_bytes(), |end| {
                        push_valid_line(self.max_line_bytes, &text[start..end], block, bad);
                        start = end + 1;
                    });
                }
                Err(_) => {
                    for segment in lines.split(|&b| b == b'\n') {
                        complete_line(self.max_line_bytes, segment, block, bad);
                    }
                }
            }
            rest = &rest[last + 1..];
        }
        self.keep_partial(rest, bad);
    }

    /// The end of the line in progress (or being skipped) has arrived: `segment` is its rest.
    fn complete_pending(&mut self, segment: &[u8], block: &mut TextBlock, bad: &mut MalformedLines) {
        if self.discarding {
            bad.too_long_more(segment);
            bad.too_long_end();
            self.discarding = false;
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

    /// `rest`, which holds no `\n`, starts or continues the line in progress.
    fn keep_partial(&mut self, rest: &[u8], bad: &mut MalformedLines) {
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

/// The bytes of `word` that are `\n` with their high bit set, the other bits clear (exact:
/// the sum cannot carry from one byte into the next).
#[inline]
fn newline_bits(word: [u8; 8]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = u64::from_le_bytes(word) ^ 0x0a0a_0a0a_0a0a_0a0a;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The eight bytes of a chunk of `chunks_exact(8)` or `rchunks_exact(8)`.
#[inline]
fn word(chunk: &[u8]) -> [u8; 8] {
    chunk.try_into().unwrap_or_default()
}

/// Calls `found` with the position of every `\n` in `bytes`, in order: a memchr-style scan,
/// 8 bytes at a time.
#[inline]
fn for_each_newline(bytes: &[u8], mut found: impl FnMut(usize)) {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let mut bits = newline_bits(word(chunk));
        while bits != 0 {
            found(at + bits.trailing_zeros() as usize / 8);
            bits &= bits - 1;
        }
        at += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b'\n' {
            found(at + i);
        }
    }
}

/// The position of the first `\n` in `bytes`.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let bits = newline_bits(word(chunk));
        if bits != 0 {
            return Some(at + bits.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&b| b == b'\n').map(|i| at + i)
}

/// The position of the last `\n` in `bytes`.
fn rfind_newline(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.rchunks_exact(8);
    let mut end = bytes.len();
    for chunk in chunks.by_ref() {
        let bits = newline_bits(word(chunk));
        if bits != 0 {
            return Some(end - 8 + (63 - bits.leading_zeros() as usize) / 8);
        }
        end -= 8;
    }
    chunks.remainder().iter().rposition(|&b| b == b'\n')
}

/// Checks the length of one complete line already known to be UTF-8 (its `\n` removed) and
/// pushes it or reports it.
#[inline]
fn push_valid_line(max_line_bytes: usize, line: &str, block: &mut TextBlock, bad: &mut MalformedLines) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() > max_line_bytes {
        bad.too_long_start(line.as_bytes(), line.len());
        bad.too_long_end();
    } else {
        block.push_line(line);
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

/// Counts, logs and writes aside the lines a receiver drops. What is written aside is
/// collected while the receiver holds the buffer's lock and written by [`MalformedLines::flush`].
struct MalformedLines {
    label: String,
    metrics: Metrics,
    path: Option<PathBuf>,
    file: Option<File>,
    /// Bytes to write aside at the next flush.
    aside: Vec<u8>,
    /// Malformed lines seen by this receiver, for the log.
    count: u64,
}

impl MalformedLines {
    fn new(label: String, metrics: Metrics, path: Option<PathBuf>) -> MalformedLines {
        MalformedLines { label, metrics, path, file: None, aside: Vec::new(), count: 0 }
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
        if self.path.is_some() {
            self.aside.extend_from_slice(bytes);
        }
    }

    /// Writes aside what was collected.
    fn flush(&mut self) {
        if self.aside.is_empty() {
            return;
        }
        if self.file.is_none() {
            let Some(path) = &self.path else {
                self.aside.clear();
                return;
            };
            match OpenOptions::new().create(true).append(true).open(path) {
                Ok(file) => self.file = Some(file),
                Err(error) => {
                    tracing::error!(
                        path = %path.display(),
                        %error,
                        "socket source: cannot open the malformed-lines file; not writing them aside"
                    );
                    self.path = None;
                    self.aside = Vec::new();
                    return;
                }
            }
        }
        if let Some(file) = &mut self.file {
            if let Err(error) = file.write_all(&self.aside) {
                tracing::error!(%error, "socket source: cannot write a malformed line aside; not writing them aside");
                self.file = None;
                self.path = None;
                self.aside = Vec::new();
                return;
            }
        }
        self.aside.clear();
        if self.aside.capacity() > READ_BUFFER_BYTES {
            self.aside.shrink_to(READ_BUFFER_BYTES);
        }
    }
}

impl Drop for MalformedLines {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The write-ahead log: its record format, its replay at start and its appends (see
/// "Write-ahead log" in the module documentation).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{block_of, TempDir};
    use crate::time::clock::ManualClock;
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
    fn stop_keeps_what_was_received_even_when_the_buffer_is_full() {
        let (listener, port) = listener();
        let config = SocketConfig { max_buffered_bytes: 1, ..fast_config() };
        let mut f = Fixture::start(port, config);
        let mut conn = accept(&listener);
        conn.set_write_timeout(Some(Duration::from_millis(20))).unwrap();
        // The first line goes into the buffer and fills it.
        send(&mut conn, b"0\n");
        f.wait_bytes(2);
        // Then one line at a time until the receiver stops counting bytes: it is blocked on
        // the full buffer (or merely slow — the checks below hold either way).
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

    /// A receiver that the test drives itself, its buffer and its counters.
    fn bare_receiver(config: SocketConfig, stop: Arc<AtomicBool>) -> (SocketReceiver, Arc<Buffer>, Metrics) {
        let metrics = Metrics::new();
        let ctx = SourceContext { clock: Arc::new(ManualClock::new()), metrics: metrics.clone() };
        let buffer = Arc::new(Buffer::new(0));
        let receiver = SocketReceiver {
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

    /// Takes everything out of `buffer`: (stamp in ms, lines) per stamp of each queued block.
    fn take_all(buffer: &Buffer) -> Vec<(u64, Vec<String>)> {
        let mut state = buffer.lock();
        state.bytes = 0;
        let mut runs = Vec::new();
        for queued in state.queue.drain(..) {
            let lines: Vec<String> = queued.block.lines().map(str::to_owned).collect();
            let mut from = 0;
            for mark in &queued.marks {
                runs.push((mark.stamp.as_millis(), lines[from..mark.lines].to_vec()));
                from = mark.lines;
            }
            assert_eq!(from, lines.len(), "the marks cover the block");
        }
        runs
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

    fn lines_of(blocks: &[(u64, Vec<String>)]) -> Vec<String> {
        blocks.iter().flat_map(|(_, lines)| lines.iter().cloned()).collect()
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

    // -----------------------------------------------------------------------------------
    // Buffering: bounded in bytes, stamped under the lock, everything handed over at the stop.

    /// A source that never started, cutting `buffer` (filled by the test).
    fn source_over(buffer: &Arc<Buffer>, config: SocketConfig) -> SocketSource {
        let mut source = SocketSource::new("127.0.0.1", 0).with_config(config);
        source.buffer = Some(Arc::clone(buffer));
        source
    }

    #[test]
    fn lines_are_stamped_when_queued_and_go_to_the_last_block() {
        let clock = ManualClock::new();
        let stop = AtomicBool::new(false);
        let buffer = Buffer::new(0);
        let push = |lines: &[&str]| {
            buffer.push(&mut block_of(lines), 0, Some(&clock), usize::MAX, &stop);
        };
        clock.set(Time::from_millis(1000));
        push(&["a"]);
        push(&["b", "c"]);
        clock.set(Time::from_millis(1500));
        push(&["d"]);
        // A clock that goes back does not make stamps go back.
        clock.set(Time::from_millis(1200));
        push(&["e"]);
        assert_eq!(buffer.lock().queue.len(), 1, "one block");
        // Once the last block holds MAX_BLOCK_BYTES, lines go to a new one.
        let long = "x".repeat(MAX_BLOCK_BYTES);
        push(&[long.as_str()]);
        push(&["f"]);
        assert_eq!(buffer.lock().queue.len(), 2);
        assert_eq!(buffer.lock().bytes, 6 + 2 + 2 + MAX_BLOCK_BYTES + 1 + 2);
        let runs = take_all(&buffer);
        let expected: Vec<(u64, Vec<String>)> = vec![
            (1000, vec!["a".into(), "b".into(), "c".into()]),
            (1500, vec!["d".into(), "e".into(), long.clone()]),
            (1500, vec!["f".into()]),
        ];
        assert_eq!(runs, expected);
    }

    /// A cut takes the lines stamped through its time, also from the middle of a block, and
    /// leaves the later ones for the next cut; the position is that of the last block taken.
    #[test]
    fn a_cut_splits_a_block_at_its_time() {
        let clock = ManualClock::new();
        let stop = AtomicBool::new(false);
        let buffer = Arc::new(Buffer::new(0));
        let push = |seq: u64, ms: u64, lines: &[&str]| {
            clock.set(Time::from_millis(ms));
            buffer.push(&mut block_of(lines), seq, Some(&clock), usize::MAX, &stop);
        };
        push(1, 1000, &["a", "b"]);
        push(2, 1500, &["c"]);
        push(3, 2000, &["dd", "e"]);
        assert_eq!(buffer.lock().queue.len(), 1, "one block");
        let config = SocketConfig { write_ahead_log: Some(PathBuf::from("unused")), ..fast_config() };
        let mut source = source_over(&buffer, config);
        let mut cut = |ms: u64| -> (Vec<String>, Option<Vec<u8>>) {
            let lines = source.cut(Time::from_millis(ms)).lines().map(str::to_owned).collect();
            (lines, source.position())
        };
        let position = |seq: u64| Some(seq.to_le_bytes().to_vec());
        assert_eq!(cut(999), (vec![], position(0)));
        assert_eq!(cut(1499), (vec!["a".into(), "b".into()], position(1)));
        assert_eq!(buffer.lock().bytes, 2 + 3 + 2);
        push(4, 2500, &["f"]);
        assert_eq!(cut(2000), (vec!["c".into(), "dd".into(), "e".into()], position(3)));
        assert_eq!(buffer.lock().bytes, 2);
        assert_eq!(take_all(&buffer), vec![(2500, vec!["f".to_string()])]);
    }

    #[test]
    fn a_full_buffer_holds_the_receiver_until_a_cut_makes_room() {
        let buffer = Arc::new(Buffer::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let limit = 4;
        buffer.push(&mut block_of(&["one", "two"]), 0, None, limit, &stop);
        let pusher = {
            let (buffer, stop) = (Arc::clone(&buffer), Arc::clone(&stop));
            std::thread::spawn(move || {
                buffer.push(&mut block_of(&["three"]), 0, None, limit, &stop);
            })
        };
        std::thread::sleep(Duration::from_millis(150));
        assert!(!pusher.is_finished(), "the receiver went on although the buffer is full");
        let mut source = source_over(&buffer, fast_config());
        assert_eq!(source.cut(Time::from_millis(0)).lines().collect::<Vec<_>>(), ["one", "two"]);
        pusher.join().unwrap();
        assert_eq!(source.cut(Time::from_millis(0)).lines().collect::<Vec<_>>(), ["three"]);
        assert_eq!(buffer.lock().bytes, 0);
    }

    #[test]
    fn after_the_stop_a_cut_takes_everything_whatever_its_stamp() {
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let mut conn = accept(&listener);
        f.clock.set(Time::from_millis(5000));
        send(&mut conn, b"late\n");
        f.wait_bytes(5);
        assert!(f.cut(1000).is_empty(), "stamped 5000: not in the batch of 1000 while receiving");
        f.source.stop_receiving();
        assert_eq!(f.cut(1000), ["late"]);
    }

    /// Writes lines "0", "1", ... one `write` each, in `phases` phases of `per_phase` lines:
    /// after each phase it reports the bytes written so far and waits for a go. Odd phases
    /// write as fast as they can (the reads coalesce lines); even phases pause briefly after
    /// each line, so that about every line is a read of its own.
    fn phased_writer(
        mut conn: TcpStream,
        phases: u32,
        per_phase: u32,
    ) -> (std::thread::JoinHandle<()>, std::sync::mpsc::Receiver<u64>, std::sync::mpsc::Sender<()>) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            conn.set_nodelay(true).unwrap();
            let mut total = 0;
            for phase in 0..phases {
                for i in phase * per_phase..(phase + 1) * per_phase {
                    let line = format!("{i}\n");
                    conn.write_all(line.as_bytes()).unwrap();
                    total += line.len() as u64;
                    if phase % 2 == 1 {
                        std::thread::sleep(Duration::from_micros(20));
                    }
                }
                done_tx.send(total).unwrap();
                if go_rx.recv().is_err() {
                    return;
                }
            }
        });
        (thread, done_rx, go_tx)
    }

    /// The bug: every read is a block, and a channel of 256 blocks, drained only by the
    /// cuts, stopped the receiver after 256 reads in a batch: the lines behind them waited
    /// in the socket and landed in later batches. Here a server writes 20,000 lines, one
    /// `write` each, in four phases, while the clock steps 100 ms every 100 ms of wall time
    /// without a cut (a long batch): after each phase, everything written is read without a
    /// cut making room, and the cut at the clock's time holds exactly that phase's lines.
    #[test]
    fn a_server_writing_one_line_per_write_is_never_held_up() {
        const PHASES: u32 = 4;
        const PER_PHASE: u32 = 5_000;
        let (listener, port) = listener();
        let mut f = Fixture::start(port, fast_config());
        let conn = accept(&listener);
        let (writer, done, go) = phased_writer(conn, PHASES, PER_PHASE);
        let mut now = 0;
        for phase in 0..PHASES {
            let total = loop {
                match done.recv_timeout(Duration::from_millis(100)) {
                    Ok(total) => break total,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        now += 100;
                        f.clock.set(Time::from_millis(now));
                    }
                    Err(e) => panic!("writer: {e}"),
                }
            };
            f.wait_bytes(total);
            now += 100;
            f.clock.set(Time::from_millis(now));
            let got = f.cut(now);
            let expected: Vec<String> =
                (phase * PER_PHASE..(phase + 1) * PER_PHASE).map(|i| i.to_string()).collect();
            assert!(got == expected, "phase {phase}: {} lines, expected {}", got.len(), expected.len());
            let _ = go.send(());
        }
        writer.join().unwrap();
        assert!(f.cut(now + 100).is_empty());
        assert_eq!(f.metrics.snapshot().records_received, u64::from(PHASES * PER_PHASE));
    }

    // -----------------------------------------------------------------------------------
    // Line splitting: the word-at-a-time search and the one-pass assembly against byte loops.

    /// A deterministic byte generator (xorshift).
    struct Bytes(u64);

    impl Bytes {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// `len` bytes drawn from `alphabet`.
        fn pick(&mut self, alphabet: &[&[u8]], len: usize) -> Vec<u8> {
            let mut out = Vec::new();
            while out.len() < len {
                out.extend_from_slice(alphabet[self.below(alphabet.len())]);
            }
            out
        }
    }

    #[test]
    fn newline_search_matches_a_byte_loop() {
        // Bytes next to `\n` in value or in their high bit, to catch a wrong mask.
        let alphabet: &[&[u8]] = &[
            b"\n",
            b"\x0b",
            b"\x09",
            b"\x8a",
            b"\x0a\x0a",
            b"\xff",
            b"\x00",
            b"\x80",
            b"\x7f",
            b"ab",
            b"\r",
        ];
        let mut gen = Bytes(0x9e37_79b9_7f4a_7c15);
        for round in 0..2000 {
            let len = gen.below(80);
            let bytes = gen.pick(alphabet, len);
            let expected: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'\n').collect();
            let mut found = Vec::new();
            for_each_newline(&bytes, |i| found.push(i));
            assert_eq!(found, expected, "round {round}: {bytes:?}");
            assert_eq!(find_newline(&bytes), expected.first().copied(), "round {round}: {bytes:?}");
            assert_eq!(rfind_newline(&bytes), expected.last().copied(), "round {round}: {bytes:?}");
        }
    }

    /// Random streams of good, long, non-UTF-8 and `\r\n`-terminated lines, cut into random
    /// reads: the lines and the malformed counts are those of a line-by-line reference.
    #[test]
    fn line_assembly_matches_a_line_by_line_reference() {
        let alphabet: &[&[u8]] = &[
            b"\n",
            b"\n",
            b"\r\n",
            b"\r",
            b"a",
            b"bc",
            b"def ",
            b"\xc3\xa9",
            b"\xe2\x82\xac",
            b"\xff",
            b"\xc3",
        ];
        let mut gen = Bytes(0x2545_f491_4f6c_dd1d);
        for round in 0..300 {
            let max_line_bytes = 1 + gen.below(24);
            let len = gen.below(600);
            let stream = gen.pick(alphabet, len);
            let end_of_stream = gen.below(2) == 0;

            // The reference: every `\n`-terminated line (and, at the end of the stream, the rest).
            let mut pieces: Vec<&[u8]> = stream.split(|&b| b == b'\n').collect();
            let last = pieces.pop().unwrap_or_default();
            let (mut lines, mut too_long, mut not_utf8) = (Vec::new(), 0, 0);
            if end_of_stream && !last.is_empty() {
                pieces.push(last);
            } else if last.len() > max_line_bytes + 1 {
                // A partial line is known to be too long (room is left for a `\r`) before it ends.
                too_long += 1;
            }
            for piece in pieces {
                let line = piece.strip_suffix(b"\r").unwrap_or(piece);
                if line.len() > max_line_bytes {
                    too_long += 1;
                } else {
                    match std::str::from_utf8(line) {
                        Ok(line) => lines.push(line.to_owned()),
                        Err(_) => not_utf8 += 1,
                    }
                }
            }

            let metrics = Metrics::new();
            let mut bad = MalformedLines::new("test".into(), metrics.clone(), None);
            let mut assembler = LineAssembler::new(max_line_bytes);
            let mut block = TextBlock::new();
            let mut rest = &stream[..];
            while !rest.is_empty() {
                let n = 1 + gen.below(rest.len().min(90));
                assembler.feed(&rest[..n], &mut block, &mut bad);
                rest = &rest[n..];
            }
            if end_of_stream {
                assembler.finish(&mut block, &mut bad);
            }
            let got: Vec<String> = block.lines().map(str::to_owned).collect();
            let m = metrics.snapshot();
            let context =
                format!("round {round}, max {max_line_bytes}: {:?}", String::from_utf8_lossy(&stream));
            assert_eq!(got, lines, "{context}");
            assert_eq!((m.malformed_too_long, m.malformed_not_utf8), (too_long, not_utf8), "{context}");
        }
    }

    #[test]
    fn wal_positions_trim_the_log_four_checkpoints_behind() {
        let buffer = Arc::new(Buffer::new(3));
        let dir = TempDir::new("positions");
        let mut source =
            source_over(&buffer, SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() });
        let mut deletable = Vec::new();
        for position in [10, 20, 30, 40, 50, 60, 60] {
            source.handed_over = position;
            assert_eq!(source.position(), Some(position.to_le_bytes().to_vec()));
            deletable.push(buffer.lock().deletable_through);
        }
        assert_eq!(deletable, [3, 3, 3, 3, 10, 20, 30]);
        // Without a log there is no position.
        let plain = source_over(&buffer, fast_config());
        assert_eq!(plain.position(), None);
    }

    #[test]
    fn wal_position_round_trips_and_rejects_bad_bytes() {
        let dir = TempDir::new("restore");
        let config = SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() };
        let mut source = SocketSource::new("127.0.0.1", 0).with_config(config);
        source.restore_position(&42u64.to_le_bytes()).unwrap();
        assert_eq!((source.handed_over, source.restored), (42, true));
        assert!(source.restore_position(&[1, 2, 3]).is_err());
        // Without a log a position is ignored.
        let mut plain = SocketSource::new("127.0.0.1", 0);
        plain.restore_position(&42u64.to_le_bytes()).unwrap();
        assert_eq!((plain.handed_over, plain.restored), (0, false));
    }

    #[test]
    fn wal_source_hands_over_logged_blocks_after_its_position_at_the_next_start() {
        let dir = TempDir::new("source");
        let config = SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() };
        let (listener, port) = listener();
        let mut f = Fixture::start(port, config.clone());
        let mut conn = accept(&listener);
        send(&mut conn, b"a\nb\n");
        f.wait_bytes(4);
        f.clock.set(Time::from_millis(1000));
        assert_eq!(f.cut(1000), ["a", "b"]);
        let position = f.source.position().unwrap();
        f.clock.set(Time::from_millis(1500));
        send(&mut conn, b"c\n");
        f.wait_bytes(6);
        send(&mut conn, b"d\n");
        f.wait_bytes(8);
        // The process "dies": no cut, no checkpoint after the one that took `position`.
        drop(f);
        drop(conn);
        drop(listener);

        let metrics = Metrics::new();
        let clock = ManualClock::new();
        clock.set(Time::from_millis(1000));
        let ctx = SourceContext { clock: Arc::new(clock.clone()), metrics: metrics.clone() };
        let mut source = SocketSource::new("127.0.0.1", port).with_config(config);
        source.restore_position(&position).unwrap();
        source.start(&ctx).unwrap();
        // Replayed at start: the first cut holds them, whatever its time.
        let first: Vec<String> = source.cut(Time::from_millis(0)).lines().map(str::to_owned).collect();
        assert_eq!(first, ["c", "d"]);
        assert_eq!(source.position(), Some(3u64.to_le_bytes().to_vec()), "blocks 1 (a b), 2 (c), 3 (d)");
        source.stop_receiving();
        drop(source);
        // A restart from the position before the replay replays them again (at least once).
        let mut again = SocketSource::new("127.0.0.1", port)
            .with_config(SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() });
        again.restore_position(&position).unwrap();
        again.start(&ctx).unwrap();
        assert_eq!(again.cut(Time::from_millis(0)).lines().collect::<Vec<_>>(), ["c", "d"]);
    }
}
