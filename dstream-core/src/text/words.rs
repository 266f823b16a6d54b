//! The word splitter behind `split`: ASCII whitespace found 64 bytes at a time.
//!
//! `str::split_ascii_whitespace` tests one byte at a time and branches at every word boundary,
//! which costs more than counting the words in word count. [`Words`] turns up to 64 bytes at
//! a time into a bit mask (one bit per byte, set for whitespace) with 8-byte SWAR arithmetic,
//! then reads word starts and ends off the mask's transitions with `trailing_zeros`. No
//! `unsafe`, no target features: plain `u64` arithmetic that every target has.

use super::Lines;

/// `0x01` in every byte.
const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit of each byte of `x` that equals `c`; exact (no false positives from borrows).
#[inline(always)]
fn eq_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (LO * u64::from(c));
    !(((y & !HI).wrapping_add(!HI)) | y) & HI
}

/// High bit of each byte of `x` that is below `n` (`n <= 0x80`); exact.
#[inline(always)]
fn below_bytes(x: u64, n: u8) -> u64 {
    !((x | HI).wrapping_sub(LO * u64::from(n))) & !x & HI
}

/// High bit of each byte of `x` that is ASCII whitespace as `u8::is_ascii_whitespace` (and so
/// `str::split_ascii_whitespace`) defines it: space, `\t`, `\n`, `\x0C`, `\r`.
#[inline(always)]
fn whitespace_bytes(x: u64) -> u64 {
    let controls = below_bytes(x, 0x0E) & !below_bytes(x, 0x09) & !eq_bytes(x, 0x0B);
    eq_bytes(x, b' ') | controls
}

/// The high bits of the 8 bytes gathered into the low 8 bits (byte `i` to bit `i`).
#[inline(always)]
fn movemask(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// One bit per byte of `block` (at most 64 bytes), set where the byte is whitespace; the bits
/// past the end of a shorter block are set too, so a word at its end ends there.
#[inline(always)]
fn whitespace_mask(block: &[u8]) -> u64 {
    debug_assert!(block.len() <= 64);
    let mut mask = 0;
    let mut chunks = block.chunks_exact(8);
    let mut shift = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        mask |= movemask(whitespace_bytes(x)) << shift;
        shift += 8;
    }
    let rest = chunks.remainder();
    if shift < 64 {
        let mut padded = [b' '; 8];
        padded[..rest.len()].copy_from_slice(rest);
        mask |= movemask(whitespace_bytes(u64::from_le_bytes(padded))) << shift;
        if shift + 8 < 64 {
            mask |= !0 << (shift + 8);
        }
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
        Words(Scan::new(text, 0, text.len(), &[]))
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        self.0.next()
    }
}

impl std::iter::FusedIterator for Words<'_> {}

/// The words of every line of a partition of a text batch, found block by block over the
/// partition's text rather than line by line: `flat_map(split)` as one scan. Lines lie back to
/// back in the batch's buffer without terminators, so a line end is a word boundary the
/// whitespace mask does not show; the scan ORs the line ends into it as "break" bits.
#[derive(Clone, Debug)]
pub struct LinesWords<'a>(Scan<'a>);

impl<'a> LinesWords<'a> {
    /// The words of the lines of `lines`.
    pub fn new(lines: Lines<'a>) -> LinesWords<'a> {
        let end = lines.ends.last().copied().unwrap_or(lines.start);
        LinesWords(Scan::new(lines.text, lines.start, end, lines.ends))
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
/// bytes, with word boundaries also at the given line ends.
#[derive(Clone, Debug)]
struct Scan<'a> {
    text: &'a str,
    end: usize,
    /// Line ends not yet folded into a block's masks.
    line_ends: &'a [usize],
    /// Offset of the block the masks describe.
    base: usize,
    /// Bits of word starts (and ends) in the block not returned yet.
    starts: u64,
    ends: u64,
    /// 1 if the byte before the block is whitespace (or the block is the first).
    whitespace_before: u64,
    /// The start of a word whose end lies in a later block.
    open: Option<usize>,
}

impl<'a> Scan<'a> {
    #[inline(always)]
    fn new(text: &'a str, start: usize, end: usize, line_ends: &'a [usize]) -> Scan<'a> {
        let mut scan =
            Scan { text, end, line_ends, base: start, starts: 0, ends: 0, whitespace_before: 1, open: None };
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
        let mut breaks = 0u64;
        while let Some((&line_end, rest)) = self.line_ends.split_first() {
            if line_end >= block_end {
                break;
            }
            breaks |= 1 << (line_end - self.base);
            self.line_ends = rest;
        }
        let shifted = (ws << 1) | self.whitespace_before;
        self.starts = !ws & (shifted | breaks);
        self.ends = (ws | breaks) & !shifted;
        self.whitespace_before = ws >> 63;
    }

    /// Moves to the next block; false at the end of the text.
    #[inline]
    fn next_block(&mut self) -> bool {
        self.base += 64;
        if self.base >= self.end {
            return false;
        }
        self.load_block();
        true
    }

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        if self.base >= self.end {
            return None;
        }
        loop {
            let start = match self.open {
                Some(start) => start,
                None if self.starts != 0 => {
                    let start = self.base + self.starts.trailing_zeros() as usize;
                    self.starts &= self.starts - 1;
                    start
                }
                None => {
                    if !self.next_block() {
                        return None;
                    }
                    continue;
                }
            };
            if self.ends != 0 {
                let end = self.base + self.ends.trailing_zeros() as usize;
                self.ends &= self.ends - 1;
                self.open = None;
                // Ends sit next to ASCII whitespace or at line ends: character boundaries.
                return Some(&self.text[start..end]);
            }
            self.open = Some(start);
            if !self.next_block() {
                self.open = None;
                return Some(&self.text[start..self.end]);
            }
        }
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
