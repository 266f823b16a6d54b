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
            assert_eq!(t.len(), reference(&text).len());
        }
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
        left.merge(right);
        // The cut at an arbitrary byte splits one word in two: the reference cuts there too.
        let mut expected = reference(a);
        for (w, n) in reference(b) {
            *expected.entry(w).or_insert(0) += n;
        }
        assert_eq!(counted(&left), expected);
        assert!(!left.is_empty());
    }
}
