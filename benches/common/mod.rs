//! Shared by the benches: seeded corpus generators (Zipf-distributed words, e-commerce order
//! events), the hand-written baselines ("the limit": a SWAR whitespace splitter and a counting
//! table that keeps words of up to 16 bytes inline in its entries), and the bench settings.
//!
//! Every bench includes this file with `mod common;` and uses a part of it.
#![allow(dead_code)]

use rustc_hash::FxHashMap;
use std::hash::Hash;

mod inline_counts;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// The cores of this machine: the partitions of the "all cores" variants.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The partition counts every bench compares: 1, and all cores when there are several.
pub fn partition_counts() -> Vec<usize> {
    let mut partitions = vec![1];
    if cores() > 1 {
        partitions.push(cores());
    }
    partitions
}

/// The criterion settings of every bench: `samples` samples after a 1 s warm-up, measured over
/// `measure_secs`, then the command line's options (filters, `--profile-time`, test mode).
pub fn criterion(samples: usize, measure_secs: u64) -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(samples)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(measure_secs))
        .configure_from_args()
}

/// Runs `n` batches of a built job back to back, one `step()` each, and returns how long
/// they took: the timed part of every dstream variant (building the job and its queued
/// batches, warming it up and dropping it stay outside).
pub fn timed_steps(harness: &mut dstream::testing::Harness, n: u64) -> std::time::Duration {
    harness.start().expect("queue sources start");
    let started = std::time::Instant::now();
    for _ in 0..n {
        criterion::black_box(harness.step().expect("batch runs"));
    }
    started.elapsed()
}

/// Whether the binary runs as `cargo bench` runs it (`--bench`), not as `cargo test --benches`
/// runs it (criterion's test mode: every routine once, to check that it works).
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Whether to run the measurements printed to stderr besides criterion's (allocations,
/// paced batches): under `cargo bench`, but not with criterion's `--profile-time` (profiling
/// one routine) nor with `DSTREAM_BENCH_NO_REPORTS=1`.
pub fn reports_enabled() -> bool {
    bench_mode() && !profiling() && std::env::var_os("DSTREAM_BENCH_NO_REPORTS").is_none_or(|v| v != "1")
}

/// Whether criterion runs one routine for a profiler (`--profile-time`): the checks and
/// reports are skipped then, so that the profile shows the routine only.
pub fn profiling() -> bool {
    std::env::args().any(|a| a == "--profile-time")
}

/// The corpus size in bytes: `DSTREAM_BENCH_MB` if set, else 16 MB under `cargo bench` and
/// 1 MB in test mode.
pub fn corpus_bytes() -> usize {
    let mb = match std::env::var("DSTREAM_BENCH_MB") {
        Ok(v) => v.trim().parse::<usize>().expect("DSTREAM_BENCH_MB must be a whole number of MB"),
        Err(_) if bench_mode() => 16,
        Err(_) => 1,
    };
    mb.max(1) << 20
}

/// Where criterion writes its results (`target/criterion`, or under `CARGO_TARGET_DIR`).
pub fn criterion_dir() -> std::path::PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), std::path::PathBuf::from);
    target.join("criterion")
}

/// Writes `key=value` lines that `benches/summarize.py` reads (record counts, allocation and
/// overhead measurements), as `target/criterion/<name>.dstream.txt`. Only under `cargo bench`
/// (not in test mode nor when profiling), like criterion's own results.
pub fn write_meta(name: &str, lines: &[(String, String)]) {
    if !bench_mode() || profiling() {
        return;
    }
    let dir = criterion_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let _ = std::fs::write(dir.join(format!("{name}.dstream.txt")), text);
}

// ---------------------------------------------------------------------------------------------
// Randomness: the feed generator and a Zipf sampler (inverse CDF by binary search)
// ---------------------------------------------------------------------------------------------

/// The seeded generator of every generated feed (xorshift64*).
pub use dstream::feed::Rng;

/// Zipf's law over ranks `0..n`: `P(rank k) ∝ 1 / (k + 1)^s`.
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for k in 0..n {
            total += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c <= u).min(self.cdf.len() - 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Corpora
// ---------------------------------------------------------------------------------------------

/// A generated corpus, leaked once so that its lines are `&'static str` as `queue` wants.
pub struct Corpus {
    /// The whole text: every line followed by `\n`.
    pub text: &'static str,
    /// The lines, without their `\n`.
    pub lines: Vec<&'static str>,
    /// Records after parsing: words for the word-count corpus, events for the orders corpus.
    pub records: usize,
}

impl Corpus {
    fn new(text: String, records: usize) -> Corpus {
        let text: &'static str = Box::leak(text.into_boxed_str());
        let lines = text.split_terminator('\n').collect();
        Corpus { text, lines, records }
    }

    pub fn bytes(&self) -> usize {
        self.text.len()
    }
}

pub const VOCABULARY: usize = 100_000;
pub const ZIPF_S: f64 = 1.0;

/// `VOCABULARY` distinct lowercase words, shortest first: rank 0 (the most frequent) is the
/// shortest, as in natural language. Lengths 1 to 24 bytes, 12.5 on average over the
/// vocabulary; about a fifth of the words (the rarest) are longer than 16 bytes, about 2% of
/// the words of the text. The text's words are about 4 bytes long on average.
pub fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut words = Vec::with_capacity(VOCABULARY);
    while words.len() < VOCABULARY {
        // 1 + the sum of three uniforms: a bell around 12.5, from 1 to 24.
        let len = (1 + rng.below(8) + rng.below(8) + rng.below(10)).clamp(1, 24) as usize;
        let w: String = (0..len).map(|_| (b'a' + rng.below(26) as u8) as char).collect();
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words.sort_by_key(String::len);
    words
}

/// About `bytes` bytes of text: lines of 4 to 20 Zipf-distributed words separated by one
/// space (one separator in a hundred is a tab or two spaces instead).
pub fn word_corpus(bytes: usize, seed: u64) -> Corpus {
    let mut rng = Rng::new(seed);
    let vocab = vocabulary(&mut rng);
    let zipf = Zipf::new(vocab.len(), ZIPF_S);
    let mut text = String::with_capacity(bytes + 256);
    let mut words = 0;
    while text.len() < bytes {
        let n = 4 + rng.below(17);
        for i in 0..n {
            if i > 0 {
                match rng.below(200) {
                    0 => text.push('\t'),
                    1 => text.push_str("  "),
                    _ => text.push(' '),
                }
            }
            text.push_str(&vocab[zipf.sample(&mut rng)]);
        }
        words += n as usize;
        text.push('\n');
    }
    Corpus::new(text, words)
}

/// The order statuses of the e-commerce events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Purchased,
    Shipped,
    Delivered,
    Cancelled,
    Returned,
}

/// The jobs' tables for status keys are arrays indexed by the status (dstream's `DenseKey`),
/// as the hand-written loops' `[u64; 5]`.
impl dstream::DenseKey for Status {
    const CARDINALITY: usize = 5;
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Purchased, Status::Shipped, Status::Delivered, Status::Cancelled, Status::Returned];

    /// A status drawn as the generated events have them: purchased 40%, shipped 25%,
    /// delivered 25%, cancelled 5%, returned 5%.
    pub fn draw(rng: &mut Rng) -> Status {
        match rng.below(100) {
            0..=39 => Status::Purchased,
            40..=64 => Status::Shipped,
            65..=89 => Status::Delivered,
            90..=94 => Status::Cancelled,
            _ => Status::Returned,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Purchased => "purchased",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
            Status::Returned => "returned",
        }
    }

    #[inline]
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "purchased" => Some(Status::Purchased),
            "shipped" => Some(Status::Shipped),
            "delivered" => Some(Status::Delivered),
            "cancelled" => Some(Status::Cancelled),
            "returned" => Some(Status::Returned),
            _ => None,
        }
    }
}

impl dstream::Render for Status {
    fn render(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

/// One parsed event line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub order_id: u64,
    pub status: Status,
    pub timestamp_ms: u64,
}

/// Parses `order_id,status,timestamp_ms`: two unsigned decimal numbers (digits only, no sign,
/// fitting in a `u64`) around one of the five statuses; anything else is malformed (`None`).
/// Written as a dstream user would write it, on `&str`.
#[inline]
pub fn parse_event(line: &str) -> Option<Event> {
    let (id, rest) = line.split_once(',')?;
    let (status, ts) = rest.split_once(',')?;
    Some(Event { order_id: parse_u64(id)?, status: Status::parse(status)?, timestamp_ms: parse_u64(ts)? })
}

/// Digits only, at least one, no overflow.
#[inline]
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s.as_bytes() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// About `bytes` bytes of `order_id,status,timestamp_ms` lines. Statuses: purchased 40%,
/// shipped 25%, delivered 25%, cancelled 5%, returned 5%; about one line in a thousand is
/// malformed (an unknown status, a missing field, or a non-numeric field).
pub fn order_corpus(bytes: usize, seed: u64) -> Corpus {
    use std::fmt::Write;
    let mut rng = Rng::new(seed);
    let mut text = String::with_capacity(bytes + 256);
    let mut events = 0;
    let mut order_id: u64 = 10_000_000;
    let mut ts: u64 = 1_700_000_000_000;
    while text.len() < bytes {
        order_id += 1 + rng.below(3);
        ts += rng.below(50);
        let status = Status::draw(&mut rng);
        // Orders are referred to again later (shipped, delivered, ...): ids repeat.
        let id =
            if status == Status::Purchased { order_id } else { order_id - rng.below(order_id.min(5000)) };
        match rng.below(1000) {
            0 => {
                let _ = writeln!(text, "{id},unknown,{ts}");
            }
            1 => {
                let _ = writeln!(text, "{id},{}", status.as_str());
            }
            2 => {
                let _ = writeln!(text, "{id}x,{},{ts}", status.as_str());
            }
            _ => {
                let _ = writeln!(text, "{id},{},{ts}", status.as_str());
                events += 1;
            }
        }
    }
    Corpus::new(text, events)
}

// ---------------------------------------------------------------------------------------------
// The hand-written word count ("the limit")
// ---------------------------------------------------------------------------------------------

use inline_counts::eq_bytes;
pub use inline_counts::{for_each_word, InlineCounts};

/// Counts every word of `text` (the SWAR split above) into `table`.
pub fn count_text<'a>(table: &mut InlineCounts<'a>, text: &'a [u8]) {
    for_each_word(text, |start, end| table.add(text, start, end));
}

// ---------------------------------------------------------------------------------------------
// The hand-written order-status count
// ---------------------------------------------------------------------------------------------

/// Schema-aware parse-and-count over the raw text, one pass over the bytes: digits of the
/// order id up to `,`, the status recognised by its first byte and length and checked, `,`,
/// digits of the timestamp up to `\n`. Same acceptance as [`parse_event`]; returns the counts
/// per status (in [`Status::ALL`] order) and the number of malformed lines.
pub fn count_statuses(text: &[u8]) -> ([u64; 5], u64) {
    let mut counts = [0u64; 5];
    let mut malformed = 0;
    let mut pos = 0;
    while pos < text.len() {
        let line_end = match memchr_newline(&text[pos..]) {
            Some(i) => pos + i,
            None => text.len(),
        };
        match parse_line_bytes(&text[pos..line_end]) {
            Some(e) => counts[e.status as usize] += 1,
            None => malformed += 1,
        }
        pos = line_end + 1;
    }
    (counts, malformed)
}

/// The position of the first `\n`, 8 bytes at a time.
#[inline(always)]
fn memchr_newline(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= s.len() {
        let x = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let m = eq_bytes(x, b'\n');
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// The same parse as [`parse_event`], schema-aware on bytes (the hand-written limit's parser,
/// one line at a time): for a job that parses as the limit does.
#[inline]
pub fn parse_event_schema(line: &str) -> Option<Event> {
    parse_line_bytes(line.as_bytes())
}

/// `order_id,status,timestamp_ms`, validating the numbers as [`parse_u64`].
#[inline(always)]
fn parse_line_bytes(line: &[u8]) -> Option<Event> {
    let mut i = 0;
    // Order id.
    let mut id: u64 = 0;
    while i < line.len() && line[i] != b',' {
        let d = line[i].wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        id = id.checked_mul(10)?.checked_add(u64::from(d))?;
        i += 1;
    }
    if i == 0 || i == line.len() {
        return None;
    }
    let rest = &line[i + 1..];
    // Status: by first byte, then the exact name and the comma after it.
    let (status, name): (Status, &[u8]) = match rest.first()? {
        b'p' => (Status::Purchased, b"purchased,"),
        b's' => (Status::Shipped, b"shipped,"),
        b'd' => (Status::Delivered, b"delivered,"),
        b'c' => (Status::Cancelled, b"cancelled,"),
        b'r' => (Status::Returned, b"returned,"),
        _ => return None,
    };
    if !rest.starts_with(name) {
        return None;
    }
    // Timestamp.
    let ts = &rest[name.len()..];
    if ts.is_empty() {
        return None;
    }
    let mut t: u64 = 0;
    for &b in ts {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        t = t.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(Event { order_id: id, status, timestamp_ms: t })
}

// ---------------------------------------------------------------------------------------------
// Plain Rust baselines and checks
// ---------------------------------------------------------------------------------------------

/// Reference word count: `split_ascii_whitespace` into a `FxHashMap<&str, u64>`.
pub fn fx_word_count<'a>(lines: &[&'a str]) -> FxHashMap<&'a str, u64> {
    let mut map: FxHashMap<&str, u64> = FxHashMap::default();
    for line in lines {
        for w in line.split_ascii_whitespace() {
            *map.entry(w).or_insert(0) += 1;
        }
    }
    map
}

/// Parses the `(key,count)` lines a dstream `print` wrote.
pub fn printed_counts(printed: &str) -> FxHashMap<String, u64> {
    printed
        .lines()
        .skip(3)
        .filter(|l| l.starts_with('('))
        .map(|r| {
            let inner = r.strip_prefix('(').and_then(|r| r.strip_suffix(')')).expect("a pair");
            let (k, n) = inner.rsplit_once(',').expect("(key,n)");
            (k.to_string(), n.parse().expect("a count"))
        })
        .collect()
}

/// Converts a map keyed by anything printable to owned strings (for comparisons).
pub fn owned<K: ToString + Hash + Eq>(m: &FxHashMap<K, u64>) -> FxHashMap<String, u64> {
    m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// Checks the SWAR splitter against `split_ascii_whitespace` on tricky and random inputs.
pub fn check_splitter() {
    let mut rng = Rng::new(7);
    let alphabet = b"ab \t\n\x0B\x0C\r\x00\x1F!\x7F\xC3\xA9";
    let mut cases: Vec<Vec<u8>> = vec![b"".to_vec(), b" ".to_vec(), b"a".to_vec(), b"  a  b  ".to_vec()];
    for len in 0..300 {
        let s: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
        cases.push(s);
    }
    for case in cases {
        let text = String::from_utf8_lossy(&case).into_owned();
        let bytes = text.as_bytes();
        let expected: Vec<&str> = text.split_ascii_whitespace().collect();
        let mut got = Vec::new();
        for_each_word(bytes, |s, e| got.push(&text[s..e]));
        assert_eq!(got, expected, "splitter disagrees on {text:?}");
    }
}

/// One text batch (one buffer and line ends, as the socket and file sources produce) holding
/// `lines`.
pub fn text_batch(lines: &[&str]) -> dstream::text::TextBatch {
    let mut batch = dstream::text::TextBatch::new();
    for line in lines {
        batch.push_line(line);
    }
    batch
}
