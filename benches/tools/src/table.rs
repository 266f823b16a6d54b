//! The limit's word count: words found with `memchr` (SIMD where the CPU has it, safe code),
//! counted in the criterion benches' hand-written table (`benches/common/inline_counts.rs`),
//! whose 24-byte slots hold words of up to 16 bytes inline; longer words go to a side
//! `FxHashMap`.
//!
//! Words are separated by `' '` and `'\n'`, the load generator's format (the engines split on
//! all ASCII whitespace; the generator writes no other).

#[allow(dead_code)] // `to_map`, for the criterion benches' checks
#[path = "../../common/inline_counts.rs"]
mod inline_counts;

pub use inline_counts::InlineCounts as WordCounts;

/// Counts every word of `text` into `table` (all ASCII whitespace separates), with the
/// criterion benches' SWAR split: 64 bytes turned into a bit mask at a time.
pub fn count_text_swar<'a>(table: &mut WordCounts<'a>, text: &'a [u8]) {
    inline_counts::for_each_word(text, |start, end| table.add(text, start, end));
}

/// Counts every word of `text` into `table` (all ASCII whitespace separates), with the SWAR
/// split's block loop and masks made by 16-byte SSE2 compares (`wide`, safe code), as
/// dstream's word scan makes them.
pub fn count_text_sse2<'a>(table: &mut WordCounts<'a>, text: &'a [u8]) {
    inline_counts::for_each_word_with(text, whitespace_mask64_sse2, |start, end| table.add(text, start, end));
}

/// One bit per byte of a 64-byte block, set for ASCII whitespace (`' '` or `0x09..=0x0D`
/// except `0x0B`), 16 bytes per compare.
#[inline(always)]
fn whitespace_mask64_sse2(block: &[u8; 64]) -> u64 {
    use wide::u8x16;
    let mut mask = 0;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let x = u8x16::new(chunk.try_into().expect("16 bytes"));
        let from_tab = x - u8x16::new([9; 16]);
        let controls = from_tab.min(u8x16::new([4; 16])).cmp_eq(from_tab);
        let ws = x.cmp_eq(u8x16::new([b' '; 16])) | (controls ^ x.cmp_eq(u8x16::new([0x0B; 16])));
        mask |= u64::from(ws.move_mask() as u16) << (16 * i);
    }
    mask
}

/// Counts every word of `text` into `table`.
pub fn count_text<'a>(table: &mut WordCounts<'a>, text: &'a [u8]) {
    let mut start = 0;
    for sep in memchr::memchr2_iter(b' ', b'\n', text) {
        if sep > start {
            table.add(text, start, sep);
        }
        start = sep + 1;
    }
    if start < text.len() {
        table.add(text, start, text.len());
    }
}

/// Counts `text` with `split` (`count_text` or `count_text_swar`) on `threads` threads (2 at
/// most; the text cut at a line end), the halves' tables merged.
pub fn count_on<'a>(
    text: &'a [u8],
    threads: usize,
    hint: usize,
    split: fn(&mut WordCounts<'a>, &'a [u8]),
) -> WordCounts<'a> {
    if threads < 2 || text.len() < (1 << 16) {
        let mut t = WordCounts::with_capacity(hint);
        split(&mut t, text);
        return t;
    }
    let mid = memchr::memchr(b'\n', &text[text.len() / 2..]).map_or(text.len(), |i| text.len() / 2 + i + 1);
    let (left, right) = text.split_at(mid);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            let mut t = WordCounts::with_capacity(hint);
            split(&mut t, right);
            t
        });
        let mut mine = WordCounts::with_capacity(hint);
        split(&mut mine, left);
        mine.merge(&other.join().expect("the counting thread does not panic"));
        mine
    })
}

/// A word count with its tables kept from batch to batch (cleared, not freed), as an engine
/// keeps its state's memory, on one thread or on two from the split to the output:
/// `tables[t][p]` is thread `t`'s table of partition `p` (the words' hashes choose it).
pub struct Partitioned<'a> {
    tables: [[WordCounts<'a>; 2]; 2],
    /// Wall time spent counting, and merging and handing to the output, over all batches.
    pub spent: [std::time::Duration; 2],
}

impl<'a> Partitioned<'a> {
    pub fn new(hint: usize) -> Partitioned<'a> {
        let table = || WordCounts::with_capacity(hint);
        Partitioned { tables: [[table(), table()], [table(), table()]], spent: Default::default() }
    }

    /// Counts `text` and hands the counts to `output`: on one thread, one table; on two, each
    /// half of the text into its thread's two partition tables, then each thread merges one
    /// partition's tables and hands it to `output`, so that nothing after the split is serial.
    /// Returns `output`'s results (one per thread).
    pub fn count<R: Send>(
        &mut self,
        text: &'a [u8],
        threads: usize,
        output: impl Fn(&WordCounts<'a>) -> R + Sync,
    ) -> Vec<R> {
        let started = std::time::Instant::now();
        if threads < 2 {
            let table = &mut self.tables[0][0];
            table.clear();
            count_text_sse2(table, text);
            let counted = std::time::Instant::now();
            let out = vec![output(table)];
            self.spent[0] += counted - started;
            self.spent[1] += counted.elapsed();
            return out;
        }
        let mid =
            memchr::memchr(b'\n', &text[text.len() / 2..]).map_or(text.len(), |i| text.len() / 2 + i + 1);
        let (left, right) = text.split_at(mid);
        let count = |tables: &mut [WordCounts<'a>; 2], half: &'a [u8]| {
            tables.iter_mut().for_each(WordCounts::clear);
            inline_counts::for_each_word_with(half, whitespace_mask64_sse2, |start, end| {
                WordCounts::add_routed(tables, half, start, end)
            });
        };
        let [a, b] = &mut self.tables;
        std::thread::scope(|s| {
            let other = s.spawn(|| count(b, right));
            count(a, left);
            other.join().expect("the counting thread does not panic");
        });
        let ([a0, a1], [b0, b1]) = (a, b);
        let output = &output;
        let counted = std::time::Instant::now();
        self.spent[0] += counted - started;
        let out = std::thread::scope(|s| {
            let other = s.spawn(move || {
                b1.merge(a1);
                output(b1)
            });
            a0.merge(b0);
            let first = output(a0);
            vec![first, other.join().expect("the output thread does not panic")]
        });
        self.spent[1] += counted.elapsed();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dstream::feed::Rng;

    use rustc_hash::FxHashMap;

    fn reference(text: &str) -> FxHashMap<String, u64> {
        let mut m = FxHashMap::default();
        for w in text.split([' ', '\n']).filter(|w| !w.is_empty()) {
            *m.entry(w.to_string()).or_insert(0) += 1;
        }
        m
    }

    fn counted(t: &WordCounts<'_>) -> FxHashMap<String, u64> {
        let mut m = FxHashMap::default();
        t.for_each(|w, n| {
            assert!(m.insert(String::from_utf8(w.to_vec()).unwrap(), n).is_none(), "a word twice");
        });
        m
    }

    #[test]
    fn counts_as_a_plain_split_does_with_short_long_and_edge_words() {
        let mut rng = Rng::new(3);
        for case in 0..200 {
            let len = rng.below(400) as usize;
            let text: String =
                (0..len).map(|_| ['a', 'b', ' ', '\n', 'c'][rng.below(5) as usize]).collect::<String>()
                    + if case % 2 == 0 { "abcdefghijklmnopq" } else { "" };
            let mut t = WordCounts::with_capacity(1);
            count_text(&mut t, text.as_bytes());
            assert_eq!(counted(&t), reference(&text), "{text:?}");
            let mut swar = WordCounts::with_capacity(1);
            count_text_swar(&mut swar, text.as_bytes());
            assert_eq!(counted(&swar), reference(&text), "swar: {text:?}");
            let mut sse2 = WordCounts::with_capacity(1);
            count_text_sse2(&mut sse2, text.as_bytes());
            assert_eq!(counted(&sse2), reference(&text), "sse2: {text:?}");
            assert_eq!(t.len(), reference(&text).len());
        }
    }

    #[test]
    fn a_partitioned_count_keeps_each_word_in_one_partition_and_counts_the_whole() {
        let mut rng = Rng::new(7);
        let text: String = (0..(1 << 17))
            .map(|_| {
                ["alpha", "be", "c", "delta", "a_word_longer_than_sixteen", " ", "\n"][rng.below(7) as usize]
            })
            .collect();
        let mut kept = Partitioned::new(4);
        let one = kept.count(text.as_bytes(), 1, |t| counted(t));
        assert_eq!(one.len(), 1);
        // Twice: the second count starts from the first's cleared tables.
        kept.count(text.as_bytes(), 2, |t| counted(t));
        let parts = kept.count(text.as_bytes(), 2, |t| counted(t));
        assert_eq!(one[0], reference(&text));
        let mut whole = parts[0].clone();
        for (w, n) in &parts[1] {
            assert!(whole.insert(w.clone(), *n).is_none(), "{w:?} in both partitions");
        }
        let mut expected = reference(&text);
        // The halves are cut at a line end, so no word is split.
        expected.retain(|_, n| *n > 0);
        assert_eq!(whole, expected);
        assert!(!parts[0].is_empty() && !parts[1].is_empty());
    }

    #[test]
    fn merging_two_halves_counts_the_whole() {
        let text = "to be or not to be that is the question whether tis nobler in the mind\n".repeat(50)
            + "a_word_longer_than_sixteen_bytes zzmark1733350000123\n";
        let (a, b) = text.split_at(text.len() / 2 + 3);
        let mut left = WordCounts::with_capacity(4);
        count_text(&mut left, a.as_bytes());
        let mut right = WordCounts::with_capacity(4);
        count_text(&mut right, b.as_bytes());
        left.merge(&right);
        // The cut at an arbitrary byte splits one word in two: the reference cuts there too.
        let mut expected = reference(a);
        for (w, n) in reference(b) {
            *expected.entry(w).or_insert(0) += n;
        }
        assert_eq!(counted(&left), expected);
        assert!(!left.is_empty());
    }
}
