//! End-to-end benchmark tools for `benches/e2e/run.sh`, next to real Spark
//! (`../shared/spark-peer`):
//!
//! - `loadgen`: a TCP line server that is never the bottleneck (pre-generated lines written in
//!   large `write` calls), with the Spark peer's line format and `zzmark<epoch_ms>` latency
//!   markers at random phases of each marker interval;
//! - `wc-limit`: the hand-written socket word count (read loop, `memchr` split, a table that
//!   keeps keys of up to 16 bytes inline), the limit the engines are compared with;
//! - `wc-dstream`: the `stream!` socket word count, every (word, count) pair handed to a
//!   `foreach_batch` output.
//!
//! The two word counts write what the Spark peer's Scala job writes (`batches.jsonl`, one
//! JSON object per batch, and `markers.json`, `[[sent_ms, seen_ms], ...]`), so one analysis
//! (`benches/e2e/analyze.py`) reads all three engines.

pub mod args;
pub mod lines;
pub mod record;
pub mod schedule;
pub mod table;
pub mod timeline;

/// The first bytes of a latency marker line: `zzmark<epoch_ms>`.
pub const MARK_PREFIX: &str = "zzmark";

/// The send time of a marker word `zzmark<epoch_ms>`, or `None` for any other word.
pub fn marker_time(word: &[u8]) -> Option<u64> {
    let digits = word.strip_prefix(MARK_PREFIX.as_bytes())?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Milliseconds since the Unix epoch, the clock of the markers and of the batch grid.
pub fn epoch_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_recognised_and_other_words_are_not() {
        assert_eq!(marker_time(b"zzmark1733350000123"), Some(1_733_350_000_123));
        assert_eq!(marker_time(b"zzmark"), None);
        assert_eq!(marker_time(b"zzmarkx1"), None);
        assert_eq!(marker_time(b"hello"), None);
    }
}
