//! The generated lines of the load generator and of the emission profile: Zipf-distributed
//! words from a vocabulary of random lowercase words, as the Spark peer's `loadgen.py` makes
//! them.

use crate::MARK_PREFIX;
use dstream::feed::Rng;

/// The most bytes one `write` call takes from the pool.
const MAX_WRITE: usize = 4 << 20;

/// Pre-generated lines in one buffer: line `i` is `text[starts[i]..starts[i + 1]]`, with its
/// `\n`.
pub struct Pool {
    text: Vec<u8>,
    starts: Vec<usize>,
}

impl Pool {
    /// `lines` lines of `words_per_line` words drawn from a vocabulary of `vocab` words with
    /// Zipf's law (exponent `zipf_s`, the shortest ranks not favoured: lengths are uniform).
    pub fn generate(lines: usize, words_per_line: usize, vocab: usize, zipf_s: f64, seed: u64) -> Pool {
        let mut rng = Rng::new(seed);
        let words = vocabulary(vocab, &mut rng);
        let mut cdf = Vec::with_capacity(vocab);
        let mut total = 0.0;
        for k in 0..vocab {
            total += 1.0 / ((k + 1) as f64).powf(zipf_s);
            cdf.push(total);
        }
        let mut text = Vec::with_capacity(lines * words_per_line * 7);
        let mut starts = Vec::with_capacity(lines + 1);
        for _ in 0..lines {
            starts.push(text.len());
            for i in 0..words_per_line {
                if i > 0 {
                    text.push(b' ');
                }
                let u = rng.unit() * total;
                let rank = cdf.partition_point(|&c| c <= u).min(vocab - 1);
                text.extend_from_slice(words[rank].as_bytes());
            }
            text.push(b'\n');
        }
        starts.push(text.len());
        Pool { text, starts }
    }

    /// The number of lines.
    pub fn lines(&self) -> usize {
        self.starts.len() - 1
    }

    /// All the lines, each with its `\n`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The bytes of at most `n` lines from line `from`, up to the pool's end and `MAX_WRITE`
    /// (at least one line).
    pub fn run(&self, from: usize, n: usize) -> (&[u8], usize) {
        let mut to = from.saturating_add(n).min(self.lines());
        let limit = self.starts[from] + MAX_WRITE;
        if self.starts[to] > limit {
            to = from + 1 + self.starts[from + 1..=to].partition_point(|&s| s <= limit).saturating_sub(1);
        }
        (&self.text[self.starts[from]..self.starts[to]], to - from)
    }
}

/// `n` distinct words of 2 to 9 lowercase letters, as `loadgen.py` draws them; none is a marker.
fn vocabulary(n: usize, rng: &mut Rng) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut words = Vec::with_capacity(n);
    while words.len() < n {
        let len = 2 + rng.below(8) as usize;
        let w: String = (0..len).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
        if !w.starts_with(MARK_PREFIX) && seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}
