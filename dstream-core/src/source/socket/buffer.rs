//! The lines received and not yet handed over, shared by the receiver thread and the cuts:
//! blocks of lines with the stamps (and write-ahead-log numbers) of their lines, bounded in
//! bytes (see "Receiving and buffering" and "Which batch a line belongs to" in the
//! [socket source's documentation](super)).

use super::POLL;
use crate::text::TextBlock;
use crate::time::clock::Clock;
use crate::time::Time;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Lines go to the last block in the buffer until it holds this many bytes; then a new
/// block starts. Bounds what a cut that splits a block copies.
const MAX_BLOCK_BYTES: usize = 32 * 1024 * 1024;

/// Lines received and not yet handed over, shared by the receiver thread and the batch loop.
pub(super) struct Buffer {
    pub(super) state: Mutex<BufferState>,
    /// Signalled when a cut makes room.
    pub(super) room: Condvar,
    /// Signalled when the receiver thread replays logged blocks, for a re-cut waiting for them.
    pub(super) arrived: Condvar,
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
    pub(super) fn new() -> Queued {
        Queued { block: TextBlock::new(), marks: Vec::new() }
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
            }),
            room: Condvar::new(),
            arrived: Condvar::new(),
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
        let state = &mut *guard;
        if state.queue.back().is_none_or(|last| last.last().bytes >= MAX_BLOCK_BYTES) {
            state.queue.push_back(Queued::new());
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
        let stamp = now.max(state.last_stamp);
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
