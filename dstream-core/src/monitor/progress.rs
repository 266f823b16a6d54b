//! The progress log: one readable line per batch, or per few seconds when batches are
//! shorter than a second, and a warning when a batch's total delay exceeds the batch
//! interval (the job is falling behind). Times are wall-clock (UTC), counts carry units.
//!
//! A job that runs installs a default `tracing` subscriber when the program has none:
//! standard error, filtered by `RUST_LOG` (default `info`), without ANSI colours unless
//! standard error is a terminal.

use super::BatchInfo;
use crate::time::Duration;
use std::io::IsTerminal;

/// Installs the default subscriber unless the program has installed one.
pub fn install_default_subscriber() {
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Another thread may have won the race: theirs stays.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Summarises batches into log lines.
#[derive(Debug)]
pub struct Progress {
    interval_ms: u64,
    /// Batch time covered by one line: the interval, or 2 s for shorter intervals.
    every_ms: u64,
    pending: Summary,
}

/// The batches not logged yet.
#[derive(Debug, Default)]
struct Summary {
    first_ms: Option<u64>,
    last_ms: u64,
    batches: u64,
    records: u64,
    max_processing_us: u64,
    max_total_us: u64,
    behind: u64,
}

impl Progress {
    /// Progress lines for a job with batch interval `interval`.
    pub fn new(interval: Duration) -> Progress {
        let interval_ms = interval.as_millis().max(1);
        // A line per batch from one second up; below, a line per two seconds of batches.
        let every_ms = if interval_ms >= 1000 { interval_ms } else { 2000 };
        Progress { interval_ms, every_ms, pending: Summary::default() }
    }

    /// Takes a finished batch; logs a line when one is due.
    pub fn batch_done(&mut self, batch: &BatchInfo) {
        if let Some(line) = self.line_for(batch) {
            if line.behind {
                tracing::warn!("{}", line.text);
            } else {
                tracing::info!("{}", line.text);
            }
        }
    }

    /// The line to log after `batch`, if one is due.
    fn line_for(&mut self, batch: &BatchInfo) -> Option<Line> {
        let total_us = batch.total_delay_us().unwrap_or(0);
        let p = &mut self.pending;
        p.first_ms.get_or_insert(batch.batch_time_ms);
        p.last_ms = batch.batch_time_ms;
        p.batches += 1;
        p.records += batch.num_records();
        p.max_processing_us = p.max_processing_us.max(batch.processing_delay_us().unwrap_or(0));
        p.max_total_us = p.max_total_us.max(total_us);
        p.behind += u64::from(total_us > self.interval_ms * 1000);
        let first = p.first_ms.unwrap_or(batch.batch_time_ms);
        if batch.batch_time_ms + self.interval_ms < first + self.every_ms && batch.failure.is_none() {
            return None;
        }
        let p = std::mem::take(&mut self.pending);
        let rate = p.records as f64 * 1000.0 / (p.batches * self.interval_ms) as f64;
        let mut text = if p.batches == 1 {
            format!(
                "batch {}: {} records ({} records/s), processing {}, total delay {}",
                clock_time(p.last_ms),
                count(p.records as f64),
                count(rate),
                millis(p.max_processing_us),
                millis(p.max_total_us)
            )
        } else {
            format!(
                "batches {}–{} ({}): {} records ({} records/s), processing up to {}, total delay up to {}",
                clock_time(first),
                clock_time(p.last_ms),
                p.batches,
                count(p.records as f64),
                count(rate),
                millis(p.max_processing_us),
                millis(p.max_total_us)
            )
        };
        if p.behind > 0 {
            text.push_str(&format!(
                "; total delay above the {} batch interval in {} of {} batches: the job is falling behind",
                millis(self.interval_ms * 1000),
                p.behind,
                p.batches
            ));
        }
        if let Some(failure) = &batch.failure {
            text.push_str(&format!("; batch failed: {failure}"));
        }
        Some(Line { text, behind: p.behind > 0 || batch.failure.is_some() })
    }
}

struct Line {
    text: String,
    behind: bool,
}

/// `12:04:05.000`: the wall-clock time (UTC) of `epoch_ms`.
pub fn clock_time(epoch_ms: u64) -> String {
    let day_ms = epoch_ms % 86_400_000;
    let (h, m, s, ms) = (day_ms / 3_600_000, day_ms / 60_000 % 60, day_ms / 1000 % 60, day_ms % 1000);
    format!("{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// `950`, `1.2 k`, `34 k`, `1.2 M`, `3.4 G`: a count with a unit, two or three digits.
pub fn count(n: f64) -> String {
    let (value, unit) = match n {
        n if n >= 1e9 => (n / 1e9, " G"),
        n if n >= 1e6 => (n / 1e6, " M"),
        n if n >= 1e3 => (n / 1e3, " k"),
        n => (n, ""),
    };
    if unit.is_empty() {
        format!("{value:.0}")
    } else if value < 10.0 {
        format!("{value:.1}{unit}")
    } else {
        format!("{value:.0}{unit}")
    }
}

/// `0.42 ms`, `12 ms`, `1.5 s`: a duration given in microseconds.
pub fn millis(us: u64) -> String {
    match us {
        us if us < 1_000 => format!("{:.2} ms", us as f64 / 1000.0),
        us if us < 10_000 => format!("{:.1} ms", us as f64 / 1000.0),
        us if us < 1_000_000 => format!("{} ms", us / 1000),
        us => format!("{:.1} s", us as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::InputInfo;

    fn batch(time_ms: u64, records: u64, took_us: u64) -> BatchInfo {
        let at = time_ms * 1000;
        BatchInfo {
            batch_time_ms: time_ms,
            inputs: vec![InputInfo { source: 0, records: Some(records) }],
            submission_us: at,
            processing_start_us: at + 500,
            processing_end_us: Some(at + 500 + took_us),
            stages: vec![],
            output_operations: vec![],
            state: vec![],
            failure: None,
        }
    }

    #[test]
    fn units_read_well() {
        assert_eq!(clock_time(43_445_000), "12:04:05.000");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(1_234.0), "1.2 k");
        assert_eq!(count(34_000.0), "34 k");
        assert_eq!(count(1_200_000.0), "1.2 M");
        assert_eq!(millis(420), "0.42 ms");
        assert_eq!(millis(12_300), "12 ms");
        assert_eq!(millis(1_500_000), "1.5 s");
    }

    #[test]
    fn one_line_per_batch_at_a_second_and_a_warning_when_behind() {
        let mut progress = Progress::new(Duration::from_millis(1000));
        let line = progress.line_for(&batch(43_445_000, 1_200, 11_500)).unwrap();
        assert_eq!(
            line.text,
            "batch 12:04:05.000: 1.2 k records (1.2 k records/s), processing 11 ms, total delay 12 ms"
        );
        assert!(!line.behind);
        let late = progress.line_for(&batch(43_446_000, 10, 1_500_000)).unwrap();
        assert!(late.behind);
        assert!(late.text.contains("falling behind"), "{}", late.text);
    }

    #[test]
    fn short_intervals_are_summed_over_two_seconds() {
        let mut progress = Progress::new(Duration::from_millis(500));
        let lines: Vec<String> =
            (1..=8).filter_map(|n| progress.line_for(&batch(n * 500, 100, 1000))).map(|l| l.text).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("batches 00:00:00.500–00:00:02.000 (4): 400 records (200 records/s)"),
            "{lines:?}"
        );
    }
}
