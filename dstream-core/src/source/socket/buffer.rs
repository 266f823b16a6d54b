//! The lines received and not yet handed over, shared by the receiver thread and the cuts:
//! blocks of lines with the stamps (and write-ahead-log numbers) of their lines, bounded in
//! bytes (see "Receiving and buffering" and "Which batch a line belongs to" in the
//! [socket source's documentation](super)).

use super::POLL;
use crate::text::spares::Spares;
use crate::text::TextBlock;
use crate::time::clock::Clock;
use crate::time::Time;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Until the batch grid is known, lines go to the last block in the buffer until it holds
/// this many bytes; then a new block starts. Bounds what a cut that splits a block copies.
const MAX_BLOCK_BYTES: usize = 32 * 1024 * 1024;

/// Room reserved in a new block beyond the size of the block before it, in eighths: a rate
/// that rises a little still fits without the block growing (a copy).
const HEADROOM_EIGHTHS: usize = 9;

/// The batch times, as the cuts show them: the last cut's time and the interval between
/// the last two cuts. A line stamped `s` goes to the first cut after it that is at or after
/// `s` (a line stamped at the last cut's time, after it, to the next one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Grid {
    pub(super) last_cut: Time,
    pub(super) every_ms: u64,
}

impl Grid {
    /// The cut, as far as the grid tells, that takes a line stamped `stamp`.
    pub(super) fn batch_of(&self, stamp: Time) -> u64 {
        let (at, every) = (self.last_cut.as_millis(), self.every_ms.max(1));
        let after = stamp.as_millis().saturating_sub(at);
        at + after.div_ceil(every).max(1) * every
    }
}

/// Lines received and not yet handed over, shared by the receiver thread and the batch loop.
pub(super) struct Buffer {
    pub(super) state: Mutex<BufferState>,
    /// Signalled when a cut makes room.
    pub(super) room: Condvar,
    /// Signalled when the receiver thread replays logged blocks, for a re-cut waiting for them.
    pub(super) arrived: Condvar,
    /// The memory of the blocks handed over, back for new blocks once the job drops them.
    pub(super) spares: Arc<Spares>,
}

pub(super) struct BufferState {
    /// In arrival (and sequence) order, stamps never decreasing.
    pub(super) queue: VecDeque<Queued>,
    /// Bytes of the queued lines, one terminator each included.
    pub(super) bytes: usize,
    /// The stamp of the last lines queued.
    pub(super) last_stamp: Time,
    /// Write-ahead log: the positions returned for the last checkpoints, oldest first.
    pub(super) checkpoint_positions: VecDeque<u64>,
    /// Write-ahead log: segments all of whose blocks are numbered at or below this may go.
    pub(super) deletable_through: u64,
    /// Write-ahead log: every logged block to replay is in the buffer (or handed over), or
    /// the receiver stopped replaying.
    pub(super) replay_done: bool,
    /// The batch grid, once two cuts have shown it: each block then holds the lines of one
    /// batch, so that a cut hands over whole blocks (no copy), and a batch is one block.
    pub(super) grid: Option<Grid>,
    /// The text bytes and lines of the last block closed (or handed over whole), to size
    /// the next one.
    pub(super) last_block: (usize, usize),
    /// Pieces (0: off, until the job first asks for one): a block is closed once it holds
    /// this many bytes, and the closed blocks of a batch can be lent to the job before its
    /// cut (see [`BufferState::take_piece`]).
    pub(super) piece_bytes: usize,
    /// Bytes of the pieces lent since the last cut: still counted in `bytes` (the bound on
    /// what a batch holds is the same with pieces as without), released by the cut.
    pub(super) lent: usize,
}

/// A block waiting in the buffer, and the stamps of its lines.
pub(super) struct Queued {
    pub(super) block: TextBlock,
    /// Where the lines of each stamp end, stamps increasing; never empty once queued.
    pub(super) marks: Vec<Mark>,
}

/// The end of the lines of one stamp in a queued block: the block's lines and bytes up to
/// there, all stamped at or before `stamp`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Mark {
    pub(super) stamp: Time,
    /// Lines of the block before this mark.
    pub(super) lines: usize,
    /// Bytes of those lines, one terminator each included.
    pub(super) bytes: usize,
    /// The sequence number of the last logged block among those lines (0 without a log).
    pub(super) seq: u64,
}

impl Queued {
    pub(super) fn new(block: TextBlock) -> Queued {
        Queued { block, marks: Vec::new() }
    }

    /// The mark of the whole block.
    pub(super) fn last(&self) -> Mark {
        self.marks.last().copied().unwrap_or_default()
    }

    /// Records that lines of `added` bytes, stamped `stamp` (not earlier than the last
    /// stamp) and logged up to block `seq`, were appended to the block. Every logged block
    /// gets a mark of its own, so that a re-cut can take blocks by number.
    pub(super) fn mark(&mut self, stamp: Time, added: usize, seq: u64) {
        let lines = self.block.len();
        match self.marks.last_mut() {
            Some(last) if last.stamp == stamp && seq == 0 => {
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

    /// Splits off the lines up to the last mark that satisfies `take` (a prefix of the
    /// marks), if any: returns them and their mark, and keeps the later ones (copied into a
    /// new block).
    pub(super) fn take_while(&mut self, take: impl Fn(&Mark) -> bool) -> Option<(TextBlock, Mark)> {
        let through = self.marks.partition_point(take);
        let head = *self.marks.get(through.checked_sub(1)?)?;
        let rest = self.block.split_off(head.lines);
        self.marks.drain(..through);
        for mark in &mut self.marks {
            mark.lines -= head.lines;
            mark.bytes -= head.bytes;
        }
        Some((std::mem::replace(&mut self.block, rest), head))
    }
}

impl Buffer {
    pub(super) fn new(deletable_through: u64) -> Buffer {
        Buffer {
            state: Mutex::new(BufferState {
                queue: VecDeque::new(),
                bytes: 0,
                last_stamp: Time::from_millis(0),
                checkpoint_positions: VecDeque::new(),
                deletable_through,
                replay_done: false,
                grid: None,
                last_block: (0, 0),
                piece_bytes: 0,
                lent: 0,
            }),
            room: Condvar::new(),
            arrived: Condvar::new(),
            spares: Arc::new(Spares::default()),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, BufferState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets `add` append lines to the last block of the buffer, under its lock, and makes
    /// them received. Waits first while the buffer holds `limit` bytes or more, unless `stop`
    /// is set (a stopping receiver hands over everything). The lines are stamped with the
    /// clock read under the lock (`None`, for a replayed block: time 0), but never earlier
    /// than the last stamp. `seq`: the log's number for these lines (0 without a log).
    /// Returns the bytes the buffer holds then.
    pub(super) fn receive(
        &self,
        seq: u64,
        clock: Option<&dyn Clock>,
        limit: usize,
        stop: &AtomicBool,
        add: impl FnOnce(&mut TextBlock),
    ) -> usize {
        let mut guard = self.lock();
        while guard.bytes >= limit && !stop.load(Ordering::SeqCst) {
            guard = self.room.wait_timeout(guard, POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
        let now = clock.map_or(Time::from_millis(0), |clock| clock.now());
        let stamp = now.max(guard.last_stamp);
        let state = &mut *guard;
        if state.needs_new_block(stamp) {
            if let Some(last) = state.queue.back() {
                state.last_block = (last.block.text_len(), last.block.len());
            }
            let (mut text, mut lines) = state.last_block;
            if state.piece_bytes > text && text > 0 {
                // With pieces a block fills up to a piece: room for one, whatever the last
                // batch's (smaller) final block held.
                (text, lines) = (state.piece_bytes, lines.saturating_mul(state.piece_bytes) / text);
            }
            let block =
                Spares::block(&self.spares, text / 8 * HEADROOM_EIGHTHS, lines / 8 * HEADROOM_EIGHTHS);
            state.queue.push_back(Queued::new(block));
        }
        let Some(tail) = state.queue.back_mut() else { return state.bytes };
        let (lines, text) = (tail.block.len(), tail.block.text_len());
        add(&mut tail.block);
        let added_lines = tail.block.len() - lines;
        if added_lines == 0 {
            if tail.block.is_empty() {
                state.queue.pop_back();
            }
            return state.bytes;
        }
        state.last_stamp = stamp;
        let added = tail.block.text_len() - text + added_lines;
        state.bytes += added;
        tail.mark(stamp, added, seq);
        state.bytes
    }

    /// Makes the lines of `block` received (see [`Buffer::receive`]), leaving it empty.
    /// Returns the bytes the buffer holds then.
    pub(super) fn push(
        &self,
        block: &mut TextBlock,
        seq: u64,
        clock: Option<&dyn Clock>,
        limit: usize,
        stop: &AtomicBool,
    ) -> usize {
        if block.is_empty() {
            return self.lock().bytes;
        }
        let buffered = self.receive(seq, clock, limit, stop, |tail| {
            if tail.is_empty() {
                std::mem::swap(tail, block);
            } else {
                tail.append(block);
            }
        });
        block.clear();
        buffered
    }
}

impl BufferState {
    /// Whether lines stamped `stamp` start a new block: the last block belongs to an earlier
    /// batch (once the grid is known), or is full (before).
    fn needs_new_block(&self, stamp: Time) -> bool {
        let Some(last) = self.queue.back().map(Queued::last) else { return true };
        if self.piece_bytes > 0 && last.bytes >= self.piece_bytes {
            return true;
        }
        match self.grid {
            Some(grid) => grid.batch_of(last.stamp) != grid.batch_of(stamp),
            None => last.bytes >= MAX_BLOCK_BYTES,
        }
    }

    /// Learns the grid from a cut at `time` after one at `previous`.
    pub(super) fn note_cut(&mut self, previous: Option<Time>, time: Time) {
        if let Some(previous) = previous.filter(|&p| p < time) {
            self.grid = Some(Grid { last_cut: time, every_ms: time.as_millis() - previous.as_millis() });
        }
    }

    /// Lends the job the first queued block, if it is closed (the receiver appends to the
    /// last block only) and all its lines are stamped at or before `time`: a piece of the
    /// batch at `time`, handed over before its cut. The cut at `time` would have taken it
    /// (it takes a prefix of the buffer by the same rule), so pieces and the cut together
    /// take exactly what the cut alone would have. Its bytes stay counted until the cut
    /// ([`BufferState::end_pieces`]). Returns the block and the largest block number in it.
    pub(super) fn take_piece(&mut self, time: Time) -> Option<(TextBlock, u64)> {
        if self.queue.len() < 2 || self.queue.front().is_none_or(|front| front.last().stamp > time) {
            return None;
        }
        let queued = self.queue.pop_front()?;
        let last = queued.last();
        self.lent += last.bytes;
        Some((queued.block, last.seq))
    }

    /// The cut releases what the pieces lent since the last one held in the buffer's bound.
    pub(super) fn end_pieces(&mut self) {
        self.bytes -= std::mem::take(&mut self.lent);
    }

    /// Moves the queued lines whose marks satisfy `take` into `into`: a prefix of the
    /// buffer, since stamps and block numbers never decrease along it. Whole blocks are
    /// moved; the block whose later marks fail `take` is split. Returns the largest block
    /// number moved (0 if none).
    pub(super) fn take(&mut self, take: impl Fn(&Mark) -> bool, into: &mut Vec<TextBlock>) -> u64 {
        let mut seq = 0;
        while let Some(front) = self.queue.front_mut() {
            if take(&front.last()) {
                let Some(queued) = self.queue.pop_front() else { break };
                let last = queued.last();
                self.last_block = (queued.block.text_len(), queued.block.len());
                self.bytes -= last.bytes;
                seq = seq.max(last.seq);
                into.push(queued.block);
                continue;
            }
            // The blocks after this one are all later: their marks fail `take` too.
            if let Some((head, last)) = front.take_while(&take) {
                self.bytes -= last.bytes;
                seq = seq.max(last.seq);
                into.push(head);
            }
            break;
        }
        seq
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::source::Source;
    use crate::test_support::block_of;
    use crate::time::clock::ManualClock;
    use crate::time::Time;
    use std::sync::Arc;
    use std::time::Duration;

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

    #[test]
    fn once_the_cuts_show_the_grid_each_batch_is_one_block_in_reused_memory() {
        let clock = ManualClock::new();
        let stop = AtomicBool::new(false);
        let buffer = Arc::new(Buffer::new(0));
        let mut source = source_over(&buffer, fast_config());
        let push = |ms: u64, lines: &[&str]| {
            clock.set(Time::from_millis(ms));
            buffer.push(&mut block_of(lines), 0, Some(&clock), usize::MAX, &stop);
        };
        let blocks = || buffer.lock().queue.len();
        let mut cut = |ms: u64| {
            let batch = source.cut(Time::from_millis(ms));
            let lines: Vec<String> = batch.lines().map(str::to_owned).collect();
            (lines, batch)
        };
        push(900, &["a"]);
        push(1000, &["b"]);
        push(1001, &["c"]);
        assert_eq!(blocks(), 1, "no grid yet: one block");
        assert_eq!(cut(1000).0, ["a", "b"]);
        push(1500, &["d"]);
        push(2000, &["e"]);
        assert_eq!(cut(2000).0, ["c", "d", "e"]);
        assert_eq!(buffer.lock().grid, Some(Grid { last_cut: Time::from_millis(2000), every_ms: 1000 }));
        // A line stamped at the cut's time after the cut goes to the next batch, with the
        // lines after it; the lines after 3000 (the job lags) start a block of their own.
        push(2000, &["f"]);
        push(2999, &["g"]);
        push(3000, &["h"]);
        push(3001, &["i"]);
        push(4200, &["j"]);
        assert_eq!(blocks(), 3);
        let (lines, batch) = cut(3000);
        assert_eq!(lines, ["f", "g", "h"]);
        assert_eq!(blocks(), 2, "whole blocks handed over");
        let memory = batch.lines().next().map(str::as_ptr);
        drop(batch);
        push(5100, &["k"]);
        assert_eq!(cut(4000).0, ["i"]);
        assert_eq!(cut(5000).0, ["j"]);
        let (lines, batch) = cut(6000);
        assert_eq!(lines, ["k"]);
        assert_eq!(batch.lines().next().map(str::as_ptr), memory, "a dropped batch's memory is reused");
    }

    #[test]
    fn pieces_are_closed_blocks_the_cut_would_take_and_stay_counted_until_it() {
        let clock = ManualClock::new();
        let stop = AtomicBool::new(false);
        let buffer = Buffer::new(0);
        buffer.lock().piece_bytes = 4;
        let push = |ms: u64, lines: &[&str]| {
            clock.set(Time::from_millis(ms));
            buffer.push(&mut block_of(lines), 0, Some(&clock), usize::MAX, &stop);
        };
        let lines = |block: &TextBlock| block.lines().map(str::to_owned).collect::<Vec<_>>();
        let at = Time::from_millis(1000);
        push(100, &["ab", "c"]);
        assert!(buffer.lock().take_piece(at).is_none(), "the block the receiver fills is not a piece");
        // The first block holds 5 bytes: the next lines start another, which takes lines
        // after the batch time too.
        push(200, &["d"]);
        push(1500, &["e", "f", "g"]);
        push(1600, &["h"]);
        let mut state = buffer.lock();
        assert_eq!(state.queue.len(), 3);
        let (piece, _) = state.take_piece(at).expect("a closed block of the batch");
        assert_eq!(lines(&piece), ["ab", "c"]);
        assert!(state.take_piece(at).is_none(), "the next block has lines after the batch time");
        assert_eq!((state.bytes, state.lent), (5 + 2 + 6 + 2, 5), "a piece counts until the cut");
        state.end_pieces();
        let mut cut = Vec::new();
        state.take(|mark| mark.stamp <= at, &mut cut);
        assert_eq!(cut.iter().map(lines).collect::<Vec<_>>(), [vec!["d"]]);
        assert_eq!((state.bytes, state.lent), (6 + 2, 0));
        let (piece, _) = state.take_piece(Time::from_millis(2000)).expect("the next batch's piece");
        assert_eq!(lines(&piece), ["e", "f", "g"]);
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
}
