//! The word splitter behind `split`: ASCII whitespace found 64 bytes at a time.
//!
//! `str::split_ascii_whitespace` tests one byte at a time and branches at every word boundary,
//! which costs more than counting the words in word count. [`Words`] turns up to 64 bytes at
//! a time into a bit mask (one bit per byte, set for whitespace) with 16-byte vector compares
//! (the `wide` crate: SSE2 on x86-64, NEON or plain arrays elsewhere, no `unsafe` here), then
//! reads word starts and ends off the mask's transitions with `trailing_zeros`.

use super::Lines;
use wide::u8x16;

const SPACE: u8x16 = u8x16::new([b' '; 16]);
const TAB: u8x16 = u8x16::new([b'\t'; 16]);
const FOUR: u8x16 = u8x16::new([4; 16]);
const VT: u8x16 = u8x16::new([0x0B; 16]);

/// One bit per byte of 16 bytes (byte `i` to bit `i`), set where the byte is ASCII whitespace
/// as `u8::is_ascii_whitespace` (and so `str::split_ascii_whitespace`) defines it: space,
/// `\t`, `\n`, `\x0C`, `\r`, that is `' '` or `0x09..=0x0D` except `0x0B`.
#[inline(always)]
fn whitespace16(bytes: [u8; 16]) -> u64 {
    let x = u8x16::new(bytes);
    // `0x09..=0x0D` is `x - 9 <= 4` in wrapping arithmetic; `min` is an unsigned compare.
    let from_tab = x - TAB;
    let controls = from_tab.min(FOUR).cmp_eq(from_tab);
    // 0x0B lies in that range, so `^` takes it out.
    let ws = x.cmp_eq(SPACE) | (controls ^ x.cmp_eq(VT));
    u64::from(ws.move_mask() as u16)
}

/// One bit per byte of a 64-byte block (byte `i` to bit `i`), set where the byte is `byte`:
/// how [`super::TextBlock::push_text`] finds line ends, four compares per 64 bytes.
#[inline(always)]
pub(super) fn byte_mask64(block: &[u8; 64], byte: u8) -> u64 {
    let wanted = u8x16::new([byte; 16]);
    let mut mask = 0;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let x = u8x16::new(chunk.try_into().expect("16 bytes"));
        mask |= u64::from(x.cmp_eq(wanted).move_mask() as u16) << (16 * i);
    }
    mask
}

/// One bit per byte of `block` (at most 64 bytes), set where the byte is whitespace; the bits
/// past the end of a shorter block are set too, so a word at its end ends there.
#[inline(always)]
fn whitespace_mask(block: &[u8]) -> u64 {
    debug_assert!(block.len() <= 64);
    if let Ok(full) = <&[u8; 64]>::try_from(block) {
        return whitespace_mask64(full);
    }
    let mut padded = [b' '; 64];
    padded[..block.len()].copy_from_slice(block);
    whitespace_mask64(&padded)
}

#[inline(always)]
fn whitespace_mask64(block: &[u8; 64]) -> u64 {
    let mut mask = 0;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        mask |= whitespace16(chunk.try_into().expect("16 bytes")) << (16 * i);
    }
    mask
}

/// Splits a line into words on ASCII whitespace, yielding slices of the line: no `String` per
/// word. This is the `split` of `flat_map(split)`: the same words as
/// `str::split_ascii_whitespace`, found 64 bytes at a time (see [`Words`]).
///
/// ```
/// use dstream_core::text::split;
/// assert_eq!(split("to be  or\tnot").collect::<Vec<_>>(), ["to", "be", "or", "not"]);
/// ```
#[inline]
pub fn split(line: &str) -> Words<'_> {
    Words::new(line)
}

/// The words of a text (maximal runs of bytes that are not ASCII whitespace), as slices of
/// it: exactly the items of `str::split_ascii_whitespace`, found 64 bytes at a time.
///
/// ```
/// use dstream_core::text::split;
/// assert_eq!(split(" to be\tor\r\nnot ").collect::<Vec<_>>(), ["to", "be", "or", "not"]);
/// ```
#[derive(Clone, Debug)]
pub struct Words<'a>(Scan<'a>);

impl<'a> Words<'a> {
    /// The words of `text`.
    #[inline]
    pub fn new(text: &'a str) -> Words<'a> {
        Words(Scan::new(text, 0, text.len()))
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    // Always: a loop over a line's words (`flat_map(split)` over a queue's `&str` lines)
    // then keeps the scan's state in registers instead of calling out for every word.
    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        self.0.next()
    }
}

impl std::iter::FusedIterator for Words<'_> {}

/// The words of every line of a partition of a text batch, found block by block over the
/// partition's text rather than line by line: `flat_map(split)` as one scan. Each line is
/// followed in the batch's buffer by a `\n`, which is whitespace, so the words of the
/// partition's bytes are the words of its lines, and the scan never looks at the line ends.
#[derive(Clone, Debug)]
pub struct LinesWords<'a>(Scan<'a>);

impl<'a> LinesWords<'a> {
    /// The words of the lines of `lines`.
    pub fn new(lines: Lines<'a>) -> LinesWords<'a> {
        let end = lines.ends.last().copied().unwrap_or(lines.start);
        LinesWords(Scan::new(lines.text, lines.start, end))
    }
}

impl<'a> Iterator for LinesWords<'a> {
    type Item = &'a str;

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        self.0.next()
    }
}

impl std::iter::FusedIterator for LinesWords<'_> {}

/// The word scan behind [`Words`] and [`LinesWords`]: `text[base..end]` in blocks of 64
/// bytes.
#[derive(Clone, Debug)]
struct Scan<'a> {
    text: &'a str,
    end: usize,
    /// Offset of the block the masks describe.
    base: usize,
    /// Bits of word starts (and ends) in the block not returned yet.
    starts: u64,
    ends: u64,
    /// 1 if the byte before the block is whitespace (or the block is the first).
    whitespace_before: u64,
}

impl<'a> Scan<'a> {
    #[inline(always)]
    fn new(text: &'a str, start: usize, end: usize) -> Scan<'a> {
        let mut scan = Scan { text, end, base: start, starts: 0, ends: 0, whitespace_before: 1 };
        if start < end {
            scan.load_block();
        }
        scan
    }

    /// Computes the masks of the block at `self.base`.
    #[inline(always)]
    fn load_block(&mut self) {
        let block_end = self.end.min(self.base + 64);
        let ws = whitespace_mask(&self.text.as_bytes()[self.base..block_end]);
        let shifted = (ws << 1) | self.whitespace_before;
        self.starts = !ws & shifted;
        self.ends = ws & !shifted;
        self.whitespace_before = ws >> 63;
    }

    /// Moves to the next block; false at the end of the text (and at every call after it).
    #[inline]
    fn next_block(&mut self) -> bool {
        let next = self.base + 64;
        if next >= self.end {
            self.base = self.end;
            return false;
        }
        self.base = next;
        self.load_block();
        true
    }

    /// The next word. In a block, start and end bits pair up in order, except a last start
    /// whose word goes on into later blocks ([`Scan::rest_of_word`]): the common path is two
    /// bit scans and the slice.
    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            if self.starts != 0 {
                let start = self.base + self.starts.trailing_zeros() as usize;
                self.starts &= self.starts - 1;
                if self.ends == 0 {
                    return Some(self.rest_of_word(start));
                }
                let end = self.base + self.ends.trailing_zeros() as usize;
                self.ends &= self.ends - 1;
                // Ends sit next to ASCII whitespace: character boundaries.
                return Some(&self.text[start..end]);
            }
            if !self.next_block() {
                return None;
            }
        }
    }

    /// A word from `start` that reaches past its block: it ends at the first end bit of a
    /// later block (its bytes there follow no whitespace, so they set no start bit), or at
    /// the end of the text. About one word in nine here, so not out of line.
    #[inline]
    fn rest_of_word(&mut self, start: usize) -> &'a str {
        while self.next_block() {
            if self.ends != 0 {
                let end = self.base + self.ends.trailing_zeros() as usize;
                self.ends &= self.ends - 1;
                return &self.text[start..end];
            }
        }
        &self.text[start..self.end]
    }
}

/// How a fused stage runs a leading `flat_map(f)`, chosen where the program compiles by
/// method resolution on `(&&(part, f)).flat_map_kind()` (the "autoref" pattern): text lines
/// with a function returning [`Words`] get [`Blockwise`] (impl on `&(Lines, F)`, matched
/// without auto-deref); everything else [`PerRecord`] (impl on `(P, F)`). Both traits must be in
/// scope.
pub trait BlockwiseKind {
    /// The blockwise runner.
    #[inline(always)]
    fn flat_map_kind(&self) -> Blockwise {
        Blockwise
    }
}

impl<'a, F: Fn(&'a str) -> Words<'a>> BlockwiseKind for &(Lines<'a>, F) {}

/// See [`BlockwiseKind`].
pub trait PerRecordKind {
    /// The per-record runner.
    #[inline(always)]
    fn flat_map_kind(&self) -> PerRecord {
        PerRecord
    }
}

impl<P, F> PerRecordKind for (P, F) {}

/// Runs `flat_map(f)` over a partition one record at a time.
pub struct PerRecord;

impl PerRecord {
    /// `part.flat_map(f)`.
    #[inline(always)]
    pub fn flat_map<P, F, I>(
        self,
        part: P,
        f: F,
    ) -> SplitRun<std::iter::Empty<I::Item>, std::iter::FlatMap<P::IntoIter, I, F>>
    where
        P: IntoIterator,
        F: FnMut(P::Item) -> I,
        I: IntoIterator,
    {
        SplitRun::Other(part.into_iter().flat_map(f))
    }
}

/// Runs `flat_map(split)` over text lines as one block scan ([`LinesWords`]), when `f` is
/// dstream's own `split` (checked by type, once per partition); any other function returning
/// [`Words`] runs line by line.
pub struct Blockwise;

impl Blockwise {
    /// The words of `lines`.
    #[inline(always)]
    pub fn flat_map<'a, F>(
        self,
        lines: Lines<'a>,
        f: F,
    ) -> SplitRun<LinesWords<'a>, std::iter::FlatMap<Lines<'a>, Words<'a>, F>>
    where
        F: Fn(&'a str) -> Words<'a> + 'static,
    {
        fn type_of<T: 'static>(_: &T) -> std::any::TypeId {
            std::any::TypeId::of::<T>()
        }
        if std::any::TypeId::of::<F>() == type_of(&split) {
            SplitRun::Blockwise(LinesWords::new(lines))
        } else {
            SplitRun::Other(lines.flat_map(f))
        }
    }
}

/// The records of a leading `flat_map`, as one of two iterators. The generated loop matches
/// once per partition and runs a loop for each arm, so the hot loop drives one concrete
/// iterator (an iterator that matched on the variant for every word was a third slower).
pub enum SplitRun<A, B> {
    /// One scan over the partition's text.
    Blockwise(A),
    /// The function, record by record.
    Other(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> SplitRun<A, B> {
    /// All the records, whichever the arm (for tests and callers that do not care).
    pub fn collect_vec(self) -> Vec<T> {
        match self {
            SplitRun::Blockwise(words) => words.collect(),
            SplitRun::Other(records) => records.collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same_as_std(text: &str) {
        let ours: Vec<&str> = Words::new(text).collect();
        let std: Vec<&str> = text.split_ascii_whitespace().collect();
        assert_eq!(ours, std, "text {text:?}");
    }

    #[test]
    fn every_byte_value_is_classified_as_u8_is_ascii_whitespace() {
        for b in 0..=255u8 {
            let mut bytes = [b'x'; 16];
            bytes[b as usize % 16] = b;
            let expected = if b.is_ascii_whitespace() { 1 << (b % 16) } else { 0 };
            assert_eq!(whitespace16(bytes), expected, "byte {b:#04x}");
        }
    }

    #[test]
    fn edge_cases_match_split_ascii_whitespace() {
        for text in ["", " ", "a", " a ", "a b", "\x0Ba\x0Bb", "a\x0C\rb", "é ü", "\u{a0}x\u{a0}"] {
            same_as_std(text);
        }
        // Words ending at, crossing and starting on 64-byte block edges.
        for len in [62, 63, 64, 65, 127, 128, 129] {
            let word = "x".repeat(len);
            same_as_std(&word);
            same_as_std(&format!("{word} y"));
            same_as_std(&format!("ab {word}"));
            same_as_std(&format!("{} {word} {}", "q".repeat(len / 2), "z".repeat(len)));
        }
    }

    /// The lines of `text` split on `|` as a text batch.
    fn batch(text: &str) -> crate::text::TextBlock {
        let mut b = crate::text::TextBlock::new();
        for line in text.split('|') {
            b.push_line(line);
        }
        b
    }

    #[test]
    fn line_ends_break_words_in_every_partition() {
        let long = "y".repeat(70);
        for text in ["ab|cd", "a |b", "a| b", "||a||b c|", "", "x", &format!("{long}|{long} z|q{long}")] {
            let b = batch(text);
            for n in 1..4 {
                for part in b.partitions(n) {
                    let expected: Vec<&str> = part.clone().flat_map(str::split_ascii_whitespace).collect();
                    assert_eq!(LinesWords::new(part).collect::<Vec<_>>(), expected, "{text:?} in {n}");
                }
            }
        }
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the double borrow is how the table is chosen
    fn only_dstreams_split_runs_blockwise() {
        fn my_split(line: &str) -> Words<'_> {
            split(&line[1..])
        }
        let b = batch("ab cd|ef");
        let part = || b.partitions(1).pop().unwrap();
        let pair = (part(), split);
        let words = (&&pair).flat_map_kind().flat_map(pair.0, pair.1);
        assert!(matches!(words, SplitRun::Blockwise(_)));
        assert_eq!(words.collect_vec(), ["ab", "cd", "ef"]);
        let pair = (part(), my_split);
        let words = (&&pair).flat_map_kind().flat_map(pair.0, pair.1);
        assert!(matches!(words, SplitRun::Other(_)));
        assert_eq!(words.collect_vec(), ["b", "cd", "f"]);
        let pair = (vec!["a b"], |l: &'static str| l.split(' '));
        let words = (&&pair).flat_map_kind().flat_map(pair.0, pair.1);
        assert!(matches!(words, SplitRun::Other(_)));
        assert_eq!(words.collect_vec(), ["a", "b"]);
    }

    proptest! {
        /// Random lines split as line-by-line `split_ascii_whitespace` splits them, for
        /// every partitioning.
        #[test]
        fn lines_words_match_per_line_splitting(text in "[ a\t\x0B|é]{0,300}", n in 1usize..4) {
            let b = batch(&text);
            for part in b.partitions(n) {
                let expected: Vec<&str> = part.clone().flat_map(str::split_ascii_whitespace).collect();
                prop_assert_eq!(LinesWords::new(part).collect::<Vec<_>>(), expected);
            }
        }

        /// Random bytes (whitespace of every kind, look-alike controls, non-ASCII) split as
        /// `split_ascii_whitespace` splits them.
        #[test]
        fn matches_split_ascii_whitespace(text in "[ a\t\n\x0B\x0C\r\x08\x0E\u{85}\u{a0}é-]{0,300}") {
            let ours: Vec<&str> = Words::new(&text).collect();
            let std: Vec<&str> = text.split_ascii_whitespace().collect();
            prop_assert_eq!(ours, std);
        }
    }
}
