//! Text records without a `String` per record: a batch of lines is one buffer plus line ends,
//! and every record the pipeline sees is a `&str` slice of that buffer.

pub(crate) mod spares;
// The blockwise word scan and the traits generated code picks it with.
#[doc(hidden)]
pub mod words;

use spares::Spares;
pub use spares::TextPool;
use std::sync::Arc;

/// Lines received together by a text receiver: one buffer and where each line ends. Every
/// line is valid UTF-8 and is followed in the buffer by one `\n` (the terminator it arrived
/// with is not kept, whatever it was): a `\n` is ASCII whitespace, so the words of a run of
/// lines are the words of the buffer between their ends, found in one scan without knowing
/// where the lines end ([`words::LinesWords`]), and a text of `\n`-terminated lines is
/// appended with one copy ([`TextBlock::push_text`]).
#[derive(Debug, Default)]
pub struct TextBlock {
    text: String,
    /// Where each line's text ends (its `\n` is at that offset).
    ends: Vec<usize>,
    /// A receiver's block: its buffers go back to the receiver when it is dropped.
    spares: Option<Arc<Spares>>,
}

impl Clone for TextBlock {
    /// A copy of the lines; the copy is not a receiver's block.
    fn clone(&self) -> TextBlock {
        TextBlock { text: self.text.clone(), ends: self.ends.clone(), spares: None }
    }
}

impl PartialEq for TextBlock {
    /// The same lines.
    fn eq(&self, other: &TextBlock) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Eq for TextBlock {}

impl Drop for TextBlock {
    fn drop(&mut self) {
        if let Some(spares) = self.spares.take() {
            spares.put(std::mem::take(&mut self.text), std::mem::take(&mut self.ends));
        }
    }
}

impl TextBlock {
    /// An empty block.
    pub fn new() -> TextBlock {
        TextBlock::default()
    }

    /// Appends one line (without its terminator).
    pub fn push_line(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
        self.text.push('\n');
    }

    /// Appends the lines of `text` as [`str::lines`] splits it (at `\n`, a `\r` before it
    /// dropped; a last line without a terminator counts). Without any `\r` in `text` this is
    /// one pass over its bytes from memory: piece by piece (a few KiB, in L1 cache), a `\r` is
    /// looked for, the `\n`s are found with SIMD compares and the piece is copied while still
    /// cached, with no per-line copy or call: how a receiver adds the whole lines of a read.
    /// (It was three passes, each reading the whole text from memory.)
    pub fn push_text(&mut self, text: &str) {
        let (base, lines) = (self.text.len(), self.ends.len());
        self.text.reserve(text.len() + 1);
        let mut rest = text;
        while !rest.is_empty() {
            let mut cut = PIECE.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (piece, after) = rest.split_at(cut);
            if memchr::memchr(b'\r', piece.as_bytes()).is_some() {
                // A `\r`: undo this call's lines and take them one by one.
                self.text.truncate(base);
                self.ends.truncate(lines);
                text.lines().for_each(|line| self.push_line(line));
                return;
            }
            push_newlines(&mut self.ends, piece.as_bytes(), self.text.len());
            self.text.push_str(piece);
            rest = after;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            self.ends.push(self.text.len());
            self.text.push('\n');
        }
    }

    /// Where line `i` starts (one past the previous line's `\n`).
    #[inline]
    fn start_of(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |prev| self.ends[prev] + 1)
    }

    /// Removes the last line.
    pub fn pop_line(&mut self) {
        if self.ends.pop().is_some() {
            self.text.truncate(self.start_of(self.ends.len()));
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the block holds no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of text held (terminators excluded).
    pub fn text_len(&self) -> usize {
        self.text.len() - self.ends.len()
    }

    /// The lines in order.
    pub fn lines(&self) -> Lines<'_> {
        Lines { text: &self.text, ends: &self.ends, start: 0 }
    }

    /// Empties the block and keeps its buffers for reuse.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Moves the lines from `at` on into a new block (one copy of their bytes), keeping the
    /// first `at` here: a cut that splits a block copies only what stays behind, in bulk.
    pub(crate) fn split_off(&mut self, at: usize) -> TextBlock {
        let at = at.min(self.len());
        let cut = self.start_of(at);
        // `cut` follows a `\n`: a character boundary.
        let text = self.text.split_off(cut);
        let mut ends = self.ends.split_off(at);
        for end in &mut ends {
            *end -= cut;
        }
        TextBlock { text, ends, spares: self.spares.clone() }
    }

    /// Appends all of `other`'s lines.
    pub fn append(&mut self, other: &TextBlock) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| base + end));
    }
}

/// Bytes [`TextBlock::push_text`] scans and copies at a time: small enough to stay in L1
/// cache between the scan and the copy, large enough that the per-piece work is negligible.
const PIECE: usize = 4096;

/// Pushes `base +` the offset of every `\n` in `text` onto `ends`, in order: 64 bytes at a
/// time as a bit mask (a `memchr` call per line cost about 70 instructions a line).
fn push_newlines(ends: &mut Vec<usize>, text: &[u8], base: usize) {
    let mut blocks = text.chunks_exact(64);
    let mut at = base;
    for block in &mut blocks {
        let mut mask = words::byte_mask64(block.try_into().expect("64 bytes"), b'\n');
        while mask != 0 {
            ends.push(at + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
        at += 64;
    }
    let rest = blocks.remainder();
    ends.extend(rest.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| at + i));
}

/// One batch of text from a source: every line that arrived in the batch's interval.
pub type TextBatch = TextBlock;

impl TextBlock {
    /// Splits the lines into `n` contiguous partitions of nearly equal line count,
    /// the way Spark's `parallelize` slices a sequence (partition `i` holds lines
    /// `i*len/n .. (i+1)*len/n`). Always returns `n` partitions, some possibly empty.
    pub fn partitions(&self, n: usize) -> Vec<Lines<'_>> {
        let n = n.max(1);
        let len = self.ends.len();
        (0..n)
            .map(|i| {
                let (from, to) = (i * len / n, (i + 1) * len / n);
                Lines { text: &self.text, ends: &self.ends[from..to], start: self.start_of(from) }
            })
            .collect()
    }
}

/// An iterator over lines of a [`TextBlock`], yielding slices of its buffer.
#[derive(Clone, Debug, Default)]
pub struct Lines<'a> {
    pub(crate) text: &'a str,
    pub(crate) ends: &'a [usize],
    pub(crate) start: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let (&end, rest) = self.ends.split_first()?;
        let line = &self.text[self.start..end];
        self.start = end + 1;
        self.ends = rest;
        Some(line)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl ExactSizeIterator for Lines<'_> {}

/// The text a stage's keys are likely slices of, for [`CombineTable::merge_in`]: a partition
/// of a text batch has its batch's buffer; any other partition none. Chosen in generated code
/// by method resolution on `(&&HomeOf(&partition)).home()` (both traits in scope): the impl
/// for `&HomeOf<Lines>` matches without auto-deref, every other type reaches [`NoHome`].
///
/// [`CombineTable::merge_in`]: crate::keys::combine::CombineTable::merge_in
#[doc(hidden)]
pub struct HomeOf<'p, P>(pub &'p P);

/// A text partition's home: its batch's buffer.
#[doc(hidden)]
pub trait LinesHome<'a> {
    /// The batch's text.
    fn home(&self) -> &'a [u8];
}

impl<'a> LinesHome<'a> for &HomeOf<'_, Lines<'a>> {
    #[inline(always)]
    fn home(&self) -> &'a [u8] {
        self.0.text.as_bytes()
    }
}

/// Any other partition: no home text.
#[doc(hidden)]
pub trait NoHome {
    /// Empty.
    #[inline(always)]
    fn home(&self) -> &'static [u8] {
        &[]
    }
}

impl<P> NoHome for HomeOf<'_, P> {}

pub use words::{split, Words};
// For generated code.
#[doc(hidden)]
pub use words::{Blockwise, BlockwiseKind, LinesWords, PerRecord, PerRecordKind, SplitRun};

/// Splits `items` into `n` contiguous partitions as Spark's `parallelize` does
/// (partition `i` holds `i*len/n .. (i+1)*len/n`). Always returns `n` vectors.
pub(crate) fn split_contiguous<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let n = n.max(1);
    if n == 1 {
        return vec![items];
    }
    // Cut from the end, so the first partition keeps the input's buffer: only the others'
    // records are moved.
    let len = items.len();
    let mut first = items;
    let mut parts = Vec::with_capacity(n);
    for i in (1..n).rev() {
        parts.push(first.split_off(i * len / n));
    }
    parts.push(first);
    parts.reverse();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(lines: &[&str]) -> TextBlock {
        let mut b = TextBlock::new();
        for l in lines {
            b.push_line(l);
        }
        b
    }

    #[test]
    fn split_off_moves_the_later_lines_and_keeps_the_earlier() {
        let lines = ["to be", "", "or not é", "to be"];
        for at in 0..=lines.len() + 1 {
            let mut head = block(&lines);
            let tail = head.split_off(at);
            let at = at.min(lines.len());
            assert_eq!(head, block(&lines[..at]), "head at {at}");
            assert_eq!(tail, block(&lines[at..]), "tail at {at}");
        }
    }

    #[test]
    fn lines_are_slices_in_order() {
        let b = block(&["a b", "", "c"]);
        assert_eq!(b.lines().collect::<Vec<_>>(), ["a b", "", "c"]);
    }

    #[test]
    fn partitions_are_contiguous_and_cover_everything() {
        let b = block(&["1", "2", "3", "4", "5"]);
        let parts: Vec<Vec<&str>> = b.partitions(2).into_iter().map(|p| p.collect()).collect();
        assert_eq!(parts, vec![vec!["1", "2"], vec!["3", "4", "5"]]);
        let parts: Vec<Vec<&str>> = b.partitions(7).into_iter().map(|p| p.collect()).collect();
        assert_eq!(parts.len(), 7);
        assert_eq!(parts.concat(), ["1", "2", "3", "4", "5"]);
    }

    #[test]
    fn push_text_adds_the_lines_str_lines_finds() {
        let long: String = (0..300).map(|i| if i % 7 == 0 || i % 64 == 63 { '\n' } else { 'w' }).collect();
        // Longer than a piece, with two-byte characters across the pieces' edges, and with a
        // `\r` only in a later piece (the earlier pieces' lines are undone and pushed again).
        let wide: String = (0..5000).map(|i| if i % 11 == 0 { '\n' } else { 'é' }).collect();
        let late_return = format!("{wide}\r\nend");
        let texts = [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a b\n\nc d\n",
            "x\r\ny\r\n",
            "x\r",
            "é\r\r\nü\n\r",
            "\n\n",
            &long,
            &wide,
            &late_return,
        ];
        for text in texts {
            let mut bulk = block(&["before"]);
            bulk.push_text(text);
            let mut expected = vec!["before"];
            expected.extend(text.lines());
            assert_eq!(bulk, block(&expected), "{text:?}");
            assert_eq!(bulk.text_len(), expected.iter().map(|l| l.len()).sum::<usize>(), "{text:?}");
            bulk.push_line("after");
            assert_eq!(bulk.lines().last(), Some("after"), "{text:?}");
        }
    }

    #[test]
    fn pop_line_removes_the_last_line_only() {
        let mut b = block(&["one", "", "three"]);
        b.pop_line();
        assert_eq!(b, block(&["one", ""]));
        b.pop_line();
        b.pop_line();
        b.pop_line();
        assert_eq!(b, TextBlock::new());
        assert_eq!(b.text_len(), 0);
    }

    #[test]
    fn append_keeps_line_boundaries() {
        let mut a = block(&["x"]);
        a.append(&block(&["y", "zz"]));
        assert_eq!(a.lines().collect::<Vec<_>>(), ["x", "y", "zz"]);
        assert_eq!(a.partitions(3)[2].clone().collect::<Vec<_>>(), ["zz"]);
    }

    #[test]
    fn split_contiguous_matches_spark_slicing() {
        assert_eq!(split_contiguous(vec![1, 2, 3, 4], 2), vec![vec![1, 2], vec![3, 4]]);
        assert_eq!(split_contiguous(vec![1, 2, 3], 2), vec![vec![1], vec![2, 3]]);
        assert_eq!(split_contiguous(Vec::<u8>::new(), 2), vec![Vec::<u8>::new(), Vec::new()]);
    }
}
