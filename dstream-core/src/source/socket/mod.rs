//! The socket text source (Spark's `socketTextStream`): connects as a TCP **client** to
//! `host:port` and produces one record per `\n`-terminated UTF-8 line.
//!
//! # Receiving and buffering
//!
//! A receiver thread reads the socket into a reusable byte buffer (64 KiB per read; after
//! a read that emptied the socket it waits 0.5 ms, so that a sender of many small writes
//! does not wake it at every one) and
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
//! A rate limit ([`SocketConfig::max_rate`], the job's maximum rate, or backpressure; see
//! `source::rate` and `docs/flow-control.md`) is the finer bound: the receiver takes a permit
//! per line before the line enters the buffer, and hands the lines of a read over in portions
//! as permits come, without reading the socket meanwhile (at most one read waits outside the
//! buffer). With a write-ahead log each portion is logged as a block of its own.
//!
//! Finding the lines is one pass over each read: the whole read is checked to be UTF-8 at
//! once, and its `\n`s are found with `memchr`; line by line only if something in it is not
//! UTF-8.
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
//! that lags, copies what arrived since its time). Once two cuts have shown the batch grid
//! (the last cut's time and the interval), the receiver starts a new block at the first
//! line of each batch, so that cuts take whole blocks and a batch is one block, handed over
//! without a copy however late the cut; before that, lines go to the last block until it
//! holds 32 MiB, which bounds the copy. A batch of several blocks is their concatenation.
//!
//! A job whose first stage runs on pieces ([`Source::take_piece`], `docs/operating.md`)
//! makes the receiver also close a block at a piece's size ([`SocketConfig::piece_bytes`]), and takes each
//! closed block of the batch before the cut, by the cut's own rule (all its lines stamped at
//! or before the batch time): the cut then hands over the rest. A piece's bytes count in the
//! buffer's bound until the cut.
//!
//! A block's memory goes back to the receiver when the job drops the batch (at most two
//! spare buffers are kept), and a new block is sized from the last one: at a few hundred MB
//! per 1 s batch, fresh memory cost a page fault per 4 KiB to fill and an unmap to free,
//! about a third of the job's CPU time at 40 M words/s.
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
//! loss**: every line counted as received reaches the job, even if the process dies. With
//! the job's checkpointing it is also **exactly once** for a sink that commits by batch
//! time: a batch that runs again after a crash takes exactly the blocks of its first run
//! (see "Re-cuts" below). (Lines still in the socket, or read but not yet logged, when the
//! process dies were never received: TCP gives the sender no way to know, as with Spark's
//! socket receiver.)
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
//! - **Re-cuts.** A cut takes whole logged blocks (the lines of a block share one stamp,
//!   and every logged block has a mark of its own in the buffer), so what it took is the
//!   range of block numbers `(after, through]`: its [`Source::selection`], which the job
//!   records in its batch log before the batch runs. After a crash, [`Source::recut`] takes
//!   exactly those blocks again from the replayed ones (waiting for the receiver thread if
//!   they did not all fit in the buffer at start); the blocks logged after them go to the
//!   next batches, cut afresh.
//! - **Cost.** One `write` and one `fdatasync` per block. While a sync is in progress the
//!   socket keeps filling, so the next read, and block, is larger: throughput drops much
//!   less than the number of syncs suggests, but the log's disk bounds it.
//!
//! # Modules
//!
//! This file holds the settings and the [`Source`] implementation; [`buffer`] the lines
//! shared by the receiver thread and the cuts; [`receiver`] the thread that reads the socket
//! (and the write-ahead log at start); [`lines`] the line assembly; [`malformed`] what
//! happens to bad lines. The log's format and replay are in `persist::wal`.

mod buffer;
mod lines;
mod malformed;
#[cfg(test)]
mod pacing_tests;
#[cfg(test)]
mod pieces_tests;
mod receiver;
#[cfg(test)]
mod test_support;

use super::rate::ReceiverRate;
use super::{Source, SourceContext};
use crate::error::{Error, Result};
use crate::persist::wal;
use crate::text::{TextBatch, TextBlock};
use crate::time::Time;
use crate::ui::metrics::Metrics;
use buffer::{Buffer, BufferState, Mark};
use lines::LineAssembler;
use malformed::MalformedLines;
use receiver::{SocketReceiver, Wal, READ_BUFFER_BYTES};
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the receiver thread looks at its stop flag while it waits for data, for room
/// in the buffer, or for the next connection attempt.
const POLL: Duration = Duration::from_millis(50);

/// The default of [`SocketConfig::piece_bytes`], the largest piece: at B = 1 s and 50-60 M
/// words/s 2 MiB pieces (a stage on the executor's pool each, about 200 a second) fell
/// behind where 8 MiB ones kept up with an end-to-end p90 under B + 20 ms.
const PIECE_BYTES: usize = 8 * 1024 * 1024;

/// The smallest piece, and the piece size per ms of batch interval between it and the
/// largest: 2 MiB at B = 100 ms (8 MiB left for the cut was 70 ms more at 40 M words/s),
/// 8 MiB from B = 1 s.
const MIN_PIECE_BYTES: usize = 2 * 1024 * 1024;
const PIECE_BYTES_PER_MS: usize = PIECE_BYTES.div_ceil(1000);

/// The piece size for a batch interval of `every_ms` (0 while unknown), at most `largest`.
fn piece_size(largest: usize, every_ms: u64) -> usize {
    let smallest = largest.min(MIN_PIECE_BYTES);
    (every_ms as usize).saturating_mul(PIECE_BYTES_PER_MS).clamp(smallest, largest)
}

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
    /// taken as lines arrive, not reserved. See also [`SocketConfig::max_rate`], which
    /// bounds the records per batch more precisely.
    pub max_buffered_bytes: usize,
    /// Most lines per second this receiver takes in, 0 for no limit (the default): Spark's
    /// `spark.streaming.receiver.maxRate` for this source alone. The job's
    /// `Job::with_max_rate` applies too (the lower one wins), and so does backpressure
    /// (`Job::with_backpressure`). Over its rate the receiver stops reading the socket, so
    /// TCP flow control holds the sender back, and a batch holds at most about the rate
    /// times the batch interval (plus, after an idle spell, up to one more interval's
    /// worth, at most one second's). Lines replayed from the write-ahead log at a restart
    /// were received before the crash and are not paced again.
    pub max_rate: u64,
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
    /// checkpoint first replays the logged blocks after it. Guarantee: **zero loss**, and,
    /// with the job's batch log, a batch that runs again after a crash takes exactly the
    /// blocks of its first run (**exactly once** for a sink that commits by batch time).
    /// Costs one `fdatasync` per block. Use it with
    /// a checkpoint directory (`#![checkpoint(..)]`): old segments are deleted only as
    /// checkpoints advance (they keep the blocks after the position of the fourth
    /// checkpoint before the newest, which may not be written yet), and without a
    /// position a start replays the whole log. Format and recovery are described in the
    /// [module documentation](self).
    pub write_ahead_log: Option<PathBuf>,
    /// Once a job whose first stage runs on pieces of its batches asks for them
    /// ([`Source::take_piece`]), the receiver closes a block when it holds a piece, and the
    /// job runs its first stage on each closed block while the batch's interval fills, so
    /// that little is left for the cut. This is the largest piece (default 8 MiB); a piece is
    /// about 8 KiB per ms of batch interval between 2 MiB (at most this) and this: 2 MiB at
    /// B = 100 ms, 8 MiB from B = 1 s (at 40 M words/s, about 300 MB/s, a piece every 7 or
    /// 28 ms). 0: no pieces; every batch is taken whole at its cut.
    pub piece_bytes: usize,
}

impl Default for SocketConfig {
    fn default() -> SocketConfig {
        SocketConfig {
            max_line_bytes: 1024 * 1024,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_buffered_bytes: 256 * 1024 * 1024,
            max_rate: 0,
            malformed_path: None,
            connect_timeout: Duration::from_secs(1),
            write_ahead_log: None,
            piece_bytes: PIECE_BYTES,
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
    /// With a write-ahead log: the blocks the last cut took, `(after, through]` by number
    /// (its selection).
    last_cut: (u64, u64),
    /// Where the source reports to the job's flow control; `Some` once started.
    rate: Option<ReceiverRate>,
    /// The time of the last cut: with the one before, it shows the receiver the batch grid.
    last_cut_time: Option<Time>,
    /// With pieces taken since the last cut: the last block handed over before the first of
    /// them, where the next cut's selection starts.
    batch_after: Option<u64>,
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
            last_cut: (0, 0),
            rate: None,
            last_cut_time: None,
            batch_after: None,
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

    /// Moves the queued lines whose marks satisfy `take` into `self.taken` (see
    /// [`BufferState::take`]) and makes room for the receiver.
    fn take(&mut self, state: &mut BufferState, take: impl Fn(&Mark) -> bool) {
        let before = self.taken.len();
        self.handed_over = self.handed_over.max(state.take(take, &mut self.taken));
        if let Some(rate) = &self.rate {
            rate.set_buffered_bytes(state.bytes as u64);
        }
        if self.taken.len() > before {
            if let Some(buffer) = &self.buffer {
                buffer.room.notify_all();
            }
        }
    }

    /// The blocks taken, as one batch; counts its records.
    fn hand_over(&mut self) -> TextBatch {
        let mut batch = TextBatch::new();
        for block in self.taken.drain(..) {
            if batch.is_empty() {
                batch = block;
            } else {
                batch.append(&block);
            }
        }
        self.count(&batch);
        batch
    }

    /// Counts the records of `batch`, handed over, as received.
    fn count(&self, batch: &TextBatch) {
        if let Some(metrics) = &self.metrics {
            metrics.add_records_received(batch.len() as u64);
        }
        if let Some(rate) = &self.rate {
            rate.add_records(batch.len() as u64);
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
        let rate = ctx.rate.register(format!("socket {label}"), self.config.max_rate);
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
            limiter: rate.limiter(),
            rate: rate.clone(),
        };
        let handle =
            std::thread::Builder::new().name("dstream-socket-recv".into()).spawn(move || receiver.run())?;
        self.receiver = Some(handle);
        self.buffer = Some(buffer);
        self.rate = Some(rate);
        self.metrics = Some(ctx.metrics.clone());
        Ok(())
    }

    fn cut(&mut self, time: Time) -> TextBatch {
        let Some(buffer) = self.buffer.clone() else { return TextBatch::new() };
        let after = self.batch_after.take().unwrap_or(self.handed_over);
        let stopped = self.receiving_stopped;
        let mut state = buffer.lock();
        if state.lent > 0 {
            state.end_pieces();
            buffer.room.notify_all();
        }
        self.take(&mut state, |mark| mark.stamp <= time || stopped);
        state.note_cut(self.last_cut_time.replace(time), time);
        drop(state);
        self.last_cut = (after, self.handed_over);
        self.hand_over()
    }

    /// A closed block of the batch at `time` (the receiver closes blocks at a piece's size,
    /// see [`SocketConfig::piece_bytes`], once asked for pieces), all of whose lines the cut at `time` would take. Its bytes still count
    /// in [`SocketConfig::max_buffered_bytes`] until the cut, so the bound and the flow
    /// control are the same as without pieces; with a write-ahead log, the cut's selection
    /// covers the pieces too.
    fn take_piece(&mut self, time: Time) -> Option<TextBatch> {
        if self.receiving_stopped {
            return None;
        }
        let buffer = self.buffer.as_ref().filter(|_| self.config.piece_bytes > 0)?;
        let mut state = buffer.lock();
        state.piece_bytes = piece_size(self.config.piece_bytes, state.grid.map_or(0, |g| g.every_ms));
        let (piece, seq) = state.take_piece(time)?;
        drop(state);
        self.batch_after.get_or_insert(self.handed_over);
        self.handed_over = self.handed_over.max(seq);
        self.count(&piece);
        if let Some(metrics) = &self.metrics {
            metrics.add_pieces(1);
        }
        Some(piece)
    }

    /// Takes again the logged blocks `(after, through]` of the selection, waiting while the
    /// receiver thread still replays the log (the blocks are at the front of the buffer,
    /// replayed in order). Blocks the log no longer holds are reported as missing.
    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<TextBatch> {
        let bad =
            || Error::Checkpoint(format!("bad socket source selection in the batch log for batch {time}"));
        let after =
            selection.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).ok_or_else(bad)?;
        let through =
            selection.get(8..).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).ok_or_else(bad)?;
        let Some(buffer) = self.buffer.clone().filter(|_| self.config.write_ahead_log.is_some()) else {
            // The log is now off (`restore_position` said so): nothing to take again from.
            return Ok(self.cut(time));
        };
        if after != self.handed_over {
            tracing::warn!(
                host = %self.host,
                port = self.port,
                batch = %time,
                logged_after = after,
                handed_over = self.handed_over,
                "socket source: the batch log and the checkpoint disagree on the last block handed over"
            );
        }
        let start = self.handed_over;
        let mut state = buffer.lock();
        loop {
            self.take(&mut state, |mark| mark.seq <= through);
            if self.handed_over >= through || state.replay_done || self.receiving_stopped {
                break;
            }
            state = buffer.arrived.wait_timeout(state, POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
        drop(state);
        if self.handed_over < through {
            tracing::error!(
                host = %self.host,
                port = self.port,
                batch = %time,
                first = self.handed_over + 1,
                last = through,
                "socket source: blocks this batch took on its first run are missing from the write-ahead log: \
                 its re-run lacks their lines"
            );
        }
        self.last_cut = (start, through.max(self.handed_over));
        Ok(self.hand_over())
    }

    /// With a write-ahead log, the numbers of the blocks the last cut took: `after` and
    /// `through` (8 bytes each, little-endian), the blocks `(after, through]`. A cut takes
    /// whole logged blocks (a block's lines share one stamp). `None` without a log.
    fn selection(&self) -> Option<Vec<u8>> {
        self.config.write_ahead_log.as_ref()?;
        let (after, through) = self.last_cut;
        Some([after.to_le_bytes(), through.to_le_bytes()].concat())
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

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::test_support::{block_of, TempDir};
    use crate::time::clock::ManualClock;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

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
        let ctx = SourceContext::new(Arc::new(clock.clone()), metrics.clone());
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

    /// A batch run again after a crash takes exactly the logged blocks of its first run, not
    /// every block logged since the checkpoint; it waits for blocks that the receiver thread
    /// replays only as room appears in the buffer.
    #[test]
    fn wal_recut_takes_the_blocks_of_the_first_cut() {
        let dir = TempDir::new("recut");
        let config = SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() };
        let (listener, port) = listener();
        let mut f = Fixture::start(port, config.clone());
        let mut conn = accept(&listener);
        f.clock.set(Time::from_millis(500));
        send(&mut conn, b"a\n");
        f.wait_bytes(2);
        assert_eq!(f.cut(1000), ["a"]);
        let position = f.source.position().unwrap();
        f.clock.set(Time::from_millis(1500));
        send(&mut conn, b"c\n");
        f.wait_bytes(4);
        send(&mut conn, b"d\n");
        f.wait_bytes(6);
        assert_eq!(f.cut(2000), ["c", "d"]);
        let selection = f.source.selection().unwrap();
        assert_eq!(selection, [1u64.to_le_bytes(), 3u64.to_le_bytes()].concat(), "blocks 2 (c) and 3 (d)");
        f.clock.set(Time::from_millis(2500));
        send(&mut conn, b"e\n");
        f.wait_bytes(8);
        // The process "dies" after batch 2000 ran, before its checkpoint.
        drop(f);
        drop(conn);
        drop(listener);

        // The buffer holds one block at a time: the thread replays "d" and "e" as room appears.
        let config = SocketConfig { max_buffered_bytes: 1, ..config };
        let clock = ManualClock::new();
        clock.set(Time::from_millis(1000));
        let ctx = SourceContext::new(Arc::new(clock.clone()), Metrics::new());
        let mut source = SocketSource::new("127.0.0.1", port).with_config(config);
        source.restore_position(&position).unwrap();
        source.start(&ctx).unwrap();
        let again = source.recut(Time::from_millis(2000), &selection).unwrap();
        assert_eq!(again.lines().collect::<Vec<_>>(), ["c", "d"]);
        assert_eq!(source.selection().unwrap(), selection);
        let buffer = Arc::clone(source.buffer.as_ref().unwrap());
        wait_for("the end of the replay", || buffer.lock().replay_done);
        assert_eq!(source.cut(Time::from_millis(3000)).lines().collect::<Vec<_>>(), ["e"]);
        assert!(source.recut(Time::from_millis(2000), b"short").is_err());
    }
}
