//! Buffers of dropped text blocks, kept for the receiver that filled them.
//!
//! A fast socket fills hundreds of MB per 1 s batch. Memory fresh from the allocator costs a
//! page fault (and the kernel zeroing the page) per 4 KiB when the receiver first writes it,
//! and an unmap when the batch is dropped: measured, that was about a third of the whole
//! job's CPU at 40 M words/s. A block made by [`Spares::block`] goes back to its `Spares`
//! when dropped, and the receiver's next block reuses its memory, already mapped.

use super::TextBlock;
use std::sync::{Arc, Mutex, PoisonError};

/// At most this many spare buffers are kept: the batch being processed comes back while the
/// receiver fills the next; one more covers a job that lags by a batch. A batch taken in
/// pieces is many blocks (2-8 MiB each: 128 of 2 MiB fill the socket's default 256 MiB
/// buffer), all dropped together when it ends.
const MAX_SPARES: usize = 160;

/// A spare is freed instead of reused when it is this many times larger than needed (and
/// larger than [`KEEP_ANYWAY_BYTES`]), so memory follows the rate down.
const OVERSIZE_FACTOR: usize = 4;

/// Spares this small are always worth keeping.
const KEEP_ANYWAY_BYTES: usize = 8 << 20;

/// The spare buffers of one receiver (the text and the line ends of dropped blocks).
#[derive(Debug, Default)]
pub(crate) struct Spares {
    buffers: Mutex<Vec<(String, Vec<usize>)>>,
}

impl Spares {
    /// An empty block that returns to `spares` when dropped, with room for about
    /// `text_bytes` of text in `lines` lines (a spare buffer if one fits, else fresh memory).
    pub(crate) fn block(spares: &Arc<Spares>, text_bytes: usize, lines: usize) -> TextBlock {
        let spare = spares.buffers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let (mut text, mut ends) = spare.unwrap_or_default();
        // Without a size to go by (`text_bytes` 0), any spare is kept.
        let oversized = text_bytes > 0
            && text.capacity() > KEEP_ANYWAY_BYTES.max(text_bytes.saturating_mul(OVERSIZE_FACTOR));
        if oversized {
            (text, ends) = (String::new(), Vec::new());
        }
        text.clear();
        ends.clear();
        text.reserve(text_bytes);
        ends.reserve(lines);
        TextBlock { text, ends, spares: Some(Arc::clone(spares)) }
    }

    /// Keeps the buffers of a dropped block, if there is room for them.
    pub(super) fn put(&self, text: String, ends: Vec<usize>) {
        let mut buffers = self.buffers.lock().unwrap_or_else(PoisonError::into_inner);
        if buffers.len() < MAX_SPARES {
            buffers.push((text, ends));
        }
    }

    /// Number of spare buffers held (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.buffers.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Text buffers that come back when the blocks made from them are dropped: what a source of
/// your own uses to build each batch's [`TextBlock`] in memory already mapped, as the socket
/// receiver does (fresh memory costs a page fault per 4 KiB on first write, about as much as
/// copying the text). Clones share the pool; it keeps at most two spare buffers.
///
/// ```
/// use dstream_core::text::TextPool;
/// let pool = TextPool::new();
/// let mut batch = pool.block(64, 2);
/// batch.push_text("to be\nor not\n");
/// let memory = batch.lines().next().map(str::as_ptr);
/// drop(batch); // as the job drops a batch it has processed
/// let mut next = pool.block(64, 2);
/// next.push_text("to be\n");
/// assert_eq!(next.lines().next().map(str::as_ptr), memory, "the same buffer again");
/// ```
#[derive(Clone, Debug, Default)]
pub struct TextPool(Arc<Spares>);

impl TextPool {
    /// An empty pool.
    pub fn new() -> TextPool {
        TextPool::default()
    }

    /// An empty block with room for about `text_bytes` of text in `lines` lines, reusing a
    /// dropped block's buffers when one fits; it returns to this pool when dropped.
    pub fn block(&self, text_bytes: usize, lines: usize) -> TextBlock {
        Spares::block(&self.0, text_bytes, lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_block_lends_its_memory_to_the_next() {
        let spares = Arc::new(Spares::default());
        let mut block = Spares::block(&spares, 1000, 10);
        block.push_line("hello");
        let at = block.text.as_ptr();
        drop(block);
        assert_eq!(spares.len(), 1);
        let again = Spares::block(&spares, 500, 5);
        assert!(again.is_empty() && again.text_len() == 0, "a reused block starts empty");
        assert_eq!(again.text.as_ptr(), at, "the same memory");
        assert_eq!(spares.len(), 0);
    }

    #[test]
    fn spares_are_bounded_and_oversized_ones_are_freed() {
        let spares = Arc::new(Spares::default());
        let blocks: Vec<TextBlock> = (0..MAX_SPARES + 3).map(|_| Spares::block(&spares, 64, 1)).collect();
        drop(blocks);
        assert_eq!(spares.len(), MAX_SPARES);
        let big = Spares::block(&spares, KEEP_ANYWAY_BYTES * 2, 1);
        drop(big);
        // Needing far less than the spare holds frees it.
        let small = Spares::block(&spares, 10, 1);
        assert!(small.text.capacity() < KEEP_ANYWAY_BYTES);
    }

    #[test]
    fn clones_and_split_tails_behave_as_blocks() {
        let spares = Arc::new(Spares::default());
        let mut block = Spares::block(&spares, 64, 4);
        for line in ["a", "b", "c"] {
            block.push_line(line);
        }
        let copy = block.clone();
        let tail = block.split_off(1);
        assert_eq!(copy.lines().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(tail.lines().collect::<Vec<_>>(), ["b", "c"]);
        drop((copy, tail, block));
        // The clone is not the receiver's: only the block and its split-off tail come back.
        assert_eq!(spares.len(), 2);
    }
}
