//! [`LoremLines`]: lorem ipsum lines for the examples' embedded feeds (the `generate`
//! feature, which brings in the `lipsum` crate).

use super::Rng;
use lipsum::MarkovChain;
use std::sync::OnceLock;

/// Fewest words in a [`LoremLines`] line.
const MIN_WORDS: u64 = 5;
/// Most words in a [`LoremLines`] line.
const MAX_WORDS: u64 = 15;

/// The order-two Markov chain of the `lipsum` crate, learned once from its lorem ipsum text
/// and Cicero's *De finibus* book I, plus every state of it, to restart from at random.
struct Corpus {
    chain: MarkovChain<'static>,
    starts: Vec<(&'static str, &'static str)>,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut chain = MarkovChain::new();
        let mut starts = Vec::new();
        for text in [lipsum::LOREM_IPSUM, lipsum::LIBER_PRIMUS] {
            chain.learn(text);
            let words: Vec<&'static str> = text.split_whitespace().collect();
            starts.extend(words.windows(3).map(|w| (w[0], w[1])));
        }
        Corpus { chain, starts }
    })
}

/// Deterministic lorem ipsum lines, 5 to 15 words each: a walk over the `lipsum` crate's
/// Markov chain driven by a seeded generator, so the same seed gives the same lines.
///
/// By default words are lowercase with punctuation removed, which suits word counts;
/// [`LoremLines::verbatim`] keeps them as in the source text.
///
/// ```
/// use dstream_core::feed::LoremLines;
///
/// let lines: Vec<String> = LoremLines::new(7).take(3).collect();
/// assert_eq!(lines, LoremLines::new(7).take(3).collect::<Vec<_>>());
/// for line in &lines {
///     let words = line.split(' ').count();
///     assert!((5..=15).contains(&words));
/// }
/// ```
#[derive(Clone, Debug)]
pub struct LoremLines {
    rng: Rng,
    state: Option<(&'static str, &'static str)>,
    verbatim: bool,
}

impl LoremLines {
    /// An endless sequence of lines determined by `seed`.
    pub fn new(seed: u64) -> LoremLines {
        LoremLines { rng: Rng::new(seed), state: None, verbatim: false }
    }

    /// Keeps capitalisation and punctuation as in the source text.
    pub fn verbatim(mut self) -> LoremLines {
        self.verbatim = true;
        self
    }

    /// The next word of the walk, exactly as in the corpus.
    fn next_word(&mut self) -> &'static str {
        let corpus = corpus();
        loop {
            let state = match self.state {
                Some(state) => state,
                None => self.rng.pick(&corpus.starts),
            };
            match corpus.chain.words(state) {
                Some(next) if !next.is_empty() => {
                    let word = self.rng.pick(next);
                    self.state = Some((state.1, word));
                    return state.0;
                }
                // The walk reached the end of a text: restart somewhere at random.
                _ => self.state = None,
            }
        }
    }
}

impl Iterator for LoremLines {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let words = MIN_WORDS + self.rng.next_u64() % (MAX_WORDS - MIN_WORDS + 1);
        let mut line = String::with_capacity(words as usize * 8);
        let mut written = 0;
        while written < words {
            let word = self.next_word();
            if !line.is_empty() {
                line.push(' ');
            }
            if self.verbatim {
                line.push_str(word);
            } else {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                if word.is_empty() {
                    if line.ends_with(' ') {
                        line.pop();
                    }
                    continue;
                }
                line.extend(word.chars().flat_map(char::to_lowercase));
            }
            written += 1;
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::LineServer;
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;
    use std::time::Duration;

    fn read_lines(server: &LineServer, n: usize) -> Vec<String> {
        let stream = TcpStream::connect(server.local_addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        BufReader::new(stream).lines().take(n).map(|line| line.expect("a line within 5 s")).collect()
    }

    #[test]
    fn clients_receive_lorem_lines_of_words() {
        let server = LineServer::start("127.0.0.1:0", LoremLines::new(1), Some(2000)).unwrap();
        let lines = read_lines(&server, 20);
        for line in &lines {
            let words: Vec<&str> = line.split(' ').collect();
            assert!((5..=15).contains(&words.len()), "{line:?}");
            for word in words {
                assert!(!word.is_empty(), "{line:?}");
                assert!(word.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase()), "{line:?}");
            }
        }
        assert_eq!(lines, LoremLines::new(1).take(20).collect::<Vec<_>>());
        server.stop();
    }

    #[test]
    fn lorem_lines_are_deterministic_per_seed() {
        let a: Vec<String> = LoremLines::new(3).take(50).collect();
        assert_eq!(a, LoremLines::new(3).take(50).collect::<Vec<_>>());
        assert_ne!(a, LoremLines::new(4).take(50).collect::<Vec<_>>());
        let verbatim: Vec<String> = LoremLines::new(3).verbatim().take(50).collect();
        assert!(verbatim.iter().any(|l| l.contains(|c: char| c.is_ascii_punctuation())));
    }
}
