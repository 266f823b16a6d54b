//! A job's statistics: what each batch did (Spark's `BatchInfo`), each receiving source
//! (`ReceiverInfo`), the state of each stateful operator, checkpoints, and running figures
//! over the retained batches (`StreamingStatistics`).
//!
//! Times are wall-clock microseconds since the Unix epoch (`*_us`), so that sub-millisecond
//! batches still show a processing time; the JSON API reports milliseconds, as Spark does.

use super::stages::StageInfo;
use std::collections::VecDeque;
use std::sync::Arc;

/// Batches kept for the UI and the averages: Spark's `spark.streaming.ui.retainedBatches`.
pub const RETAINED_BATCHES: usize = 1000;

/// The records one input source delivered to a batch (Spark's `StreamInputInfo`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputInfo {
    /// The source's index in the program (Spark's stream id).
    pub source: usize,
    /// Records, if the source's batch knows its size.
    pub records: Option<u64>,
}

/// One output operation of a batch (Spark's `OutputOperationInfo`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutputOperationInfo {
    /// Its position among the batch's outputs, from 0 (Spark's `outputOpId`).
    pub id: usize,
    /// The operator as the program wrote it: `print`, `save_as_text_files`, ...
    pub name: &'static str,
    /// When its final stage started.
    pub start_us: u64,
    /// When it finished, unless it is still running or failed.
    pub end_us: Option<u64>,
    /// Why it failed.
    pub failure: Option<String>,
}

impl OutputOperationInfo {
    /// How long it took, once finished, in microseconds.
    pub fn duration_us(&self) -> Option<u64> {
        self.end_us.map(|end| end.saturating_sub(self.start_us))
    }
}

/// The size of one stateful operator's state after a batch.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StateInfo {
    /// The operator as written, with its position among the program's stateful operators:
    /// `update_state_by_key#0`, `window#1`, ...
    pub operator: String,
    /// Keys with state (`map_with_state`, `update_state_by_key`), or records kept (windows).
    pub keys: u64,
    /// An estimate of the memory held, in bytes: keys × the in-memory size of a key and its
    /// value (`size_of`), so heap data behind them (the characters of a `String`) is not
    /// counted. Cheap enough for every batch; a lower bound, not a measurement.
    pub approx_bytes: u64,
}

/// Everything known about one batch (Spark's `BatchInfo`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BatchInfo {
    /// The batch time, in milliseconds on the job's clock (the batch's id).
    pub batch_time_ms: u64,
    /// Records per input source.
    pub inputs: Vec<InputInfo>,
    /// When the batch was due: its time on the wall clock (the harness: when it was run).
    pub submission_us: u64,
    /// When processing started.
    pub processing_start_us: u64,
    /// When processing ended, once it has.
    pub processing_end_us: Option<u64>,
    /// Every stage and exchange, in the order they ran.
    pub stages: Vec<StageInfo>,
    /// Every output operation, in the order they ran.
    pub output_operations: Vec<OutputOperationInfo>,
    /// The state of every stateful operator after the batch.
    pub state: Vec<StateInfo>,
    /// Why the batch failed, if it did.
    pub failure: Option<String>,
}

impl BatchInfo {
    /// All the batch's input records (sources that do not know their size count 0).
    pub fn num_records(&self) -> u64 {
        self.inputs.iter().filter_map(|i| i.records).sum()
    }

    /// How long the batch waited for the previous one: processing start − submission.
    pub fn scheduling_delay_us(&self) -> u64 {
        self.processing_start_us.saturating_sub(self.submission_us)
    }

    /// How long processing took, once it ended.
    pub fn processing_delay_us(&self) -> Option<u64> {
        self.processing_end_us.map(|end| end.saturating_sub(self.processing_start_us))
    }

    /// Scheduling delay + processing time, once it ended.
    pub fn total_delay_us(&self) -> Option<u64> {
        self.processing_end_us.map(|end| end.saturating_sub(self.submission_us))
    }
}

/// What a receiving source is doing (Spark's `ReceiverInfo`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReceiverInfo {
    /// The source's index in the program.
    pub source: usize,
    /// Its kind: `SocketSource`, `QueueSource`, ...
    pub name: String,
    /// Whether it is receiving (started and not stopped).
    pub active: bool,
    /// The last error the job's counters saw, with when (µs since the epoch); the counters
    /// are the job's, shared by its sources.
    pub last_error: Option<(u64, String)>,
    /// Records per second over the retained batches.
    pub avg_rate: Option<f64>,
    /// Malformed records dropped (job-wide counter).
    pub malformed_records: u64,
    /// Failed or dropped connections (job-wide counter).
    pub connection_failures: u64,
}

/// The last checkpoints' fate.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointInfo {
    /// Whether the job checkpoints at all.
    pub enabled: bool,
    /// The batch time of the last checkpoint written.
    pub last_batch_ms: Option<u64>,
    /// When it was written (µs since the epoch).
    pub last_written_us: Option<u64>,
    /// How long writing it took.
    pub last_duration_us: Option<u64>,
    /// Checkpoints written.
    pub written: u64,
    /// Checkpoints that could not be written.
    pub failures: u64,
    /// The last failure's reason.
    pub last_failure: Option<String>,
}

/// Running figures over the job (Spark's `StreamingStatistics`). Averages are over the
/// retained batches, as in Spark's UI.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StreamingStatistics {
    /// When the job started (µs since the epoch).
    pub start_us: u64,
    /// The batch interval in milliseconds.
    pub batch_duration_ms: u64,
    /// Batches completed since the start.
    pub total_completed_batches: u64,
    /// Batches retained (at most [`RETAINED_BATCHES`]).
    pub retained_completed_batches: u64,
    /// Batches running now (0 or 1: batches run one at a time).
    pub active_batches: u64,
    /// Batches that failed.
    pub failed_batches: u64,
    /// Input records of all completed batches.
    pub processed_records: u64,
    /// Records the sources received (the job's counter; may run ahead of processed).
    pub received_records: u64,
    /// Input records per second over the retained batches.
    pub avg_input_rate: Option<f64>,
    /// Average scheduling delay over the retained batches, in microseconds.
    pub avg_scheduling_delay_us: Option<u64>,
    /// Average processing time over the retained batches, in microseconds.
    pub avg_processing_time_us: Option<u64>,
    /// Average total delay over the retained batches, in microseconds.
    pub avg_total_delay_us: Option<u64>,
}

/// The retained batches and sums over them, updated in O(1) per batch.
#[derive(Debug)]
pub(crate) struct History {
    retained: usize,
    batches: VecDeque<Arc<BatchInfo>>,
    /// Sums over `batches`: records, scheduling, processing and total delay (µs).
    sums: [u64; 4],
    total_completed: u64,
    failed: u64,
    processed_records: u64,
}

impl History {
    /// An empty history keeping the last `retained` batches (at least one).
    pub(crate) fn new(retained: usize) -> History {
        History {
            retained: retained.max(1),
            batches: VecDeque::new(),
            sums: [0; 4],
            total_completed: 0,
            failed: 0,
            processed_records: 0,
        }
    }

    fn figures(batch: &BatchInfo) -> [u64; 4] {
        [
            batch.num_records(),
            batch.scheduling_delay_us(),
            batch.processing_delay_us().unwrap_or(0),
            batch.total_delay_us().unwrap_or(0),
        ]
    }

    /// Adds a finished batch, forgetting the oldest beyond the retained number.
    pub(crate) fn push(&mut self, batch: Arc<BatchInfo>) {
        let figures = Self::figures(&batch);
        self.total_completed += 1;
        self.failed += u64::from(batch.failure.is_some());
        self.processed_records += figures[0];
        for (sum, figure) in self.sums.iter_mut().zip(figures) {
            *sum += figure;
        }
        self.batches.push_back(batch);
        if self.batches.len() > self.retained {
            if let Some(old) = self.batches.pop_front() {
                for (sum, figure) in self.sums.iter_mut().zip(Self::figures(&old)) {
                    *sum -= figure;
                }
            }
        }
    }

    /// The retained batches, oldest first.
    pub(crate) fn batches(&self) -> &VecDeque<Arc<BatchInfo>> {
        &self.batches
    }

    /// The running figures, for a job with batch interval `interval_ms` started at `start_us`.
    pub(crate) fn statistics(&self, start_us: u64, interval_ms: u64, received: u64) -> StreamingStatistics {
        let n = self.batches.len() as u64;
        let avg = |sum: u64| (n > 0).then(|| sum / n);
        // Spark: records of the retained batches over the time they cover.
        let covered_s = (n * interval_ms) as f64 / 1000.0;
        StreamingStatistics {
            start_us,
            batch_duration_ms: interval_ms,
            total_completed_batches: self.total_completed,
            retained_completed_batches: n,
            active_batches: 0,
            failed_batches: self.failed,
            processed_records: self.processed_records,
            received_records: received,
            avg_input_rate: (n > 0 && covered_s > 0.0).then(|| self.sums[0] as f64 / covered_s),
            avg_scheduling_delay_us: avg(self.sums[1]),
            avg_processing_time_us: avg(self.sums[2]),
            avg_total_delay_us: avg(self.sums[3]),
        }
    }

    /// Records per second of source `source` over the retained batches.
    pub(crate) fn source_rate(&self, source: usize, interval_ms: u64) -> Option<f64> {
        let n = self.batches.len() as u64;
        if n == 0 || interval_ms == 0 {
            return None;
        }
        let records: u64 = self
            .batches
            .iter()
            .filter_map(|b| b.inputs.iter().find(|i| i.source == source).and_then(|i| i.records))
            .sum();
        Some(records as f64 / ((n * interval_ms) as f64 / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(time_ms: u64, records: u64, wait_us: u64, took_us: u64) -> Arc<BatchInfo> {
        let submission_us = time_ms * 1000;
        Arc::new(BatchInfo {
            batch_time_ms: time_ms,
            inputs: vec![InputInfo { source: 0, records: Some(records) }],
            submission_us,
            processing_start_us: submission_us + wait_us,
            processing_end_us: Some(submission_us + wait_us + took_us),
            stages: vec![],
            output_operations: vec![],
            state: vec![],
            failure: None,
        })
    }

    #[test]
    fn delays_follow_sparks_definitions() {
        let b = batch(1000, 5, 30, 70);
        assert_eq!(b.scheduling_delay_us(), 30);
        assert_eq!(b.processing_delay_us(), Some(70));
        assert_eq!(b.total_delay_us(), Some(100));
        assert_eq!(b.num_records(), 5);
    }

    #[test]
    fn averages_cover_the_retained_batches_only() {
        let mut history = History::new(2);
        history.push(batch(1000, 100, 1000, 1000));
        history.push(batch(2000, 10, 10, 20));
        history.push(batch(3000, 30, 30, 40));
        let stats = history.statistics(7, 1000, 999);
        assert_eq!(stats.total_completed_batches, 3);
        assert_eq!(stats.retained_completed_batches, 2);
        assert_eq!(stats.processed_records, 140);
        assert_eq!(stats.received_records, 999);
        // (10 + 30) records over 2 batches of 1 s.
        assert_eq!(stats.avg_input_rate, Some(20.0));
        assert_eq!(stats.avg_scheduling_delay_us, Some(20));
        assert_eq!(stats.avg_processing_time_us, Some(30));
        assert_eq!(stats.avg_total_delay_us, Some(50));
        assert_eq!(history.source_rate(0, 1000), Some(20.0));
        assert_eq!(history.source_rate(1, 1000), Some(0.0));
        let times: Vec<u64> = history.batches().iter().map(|b| b.batch_time_ms).collect();
        assert_eq!(times, [2000, 3000]);
    }

    #[test]
    fn an_empty_history_has_no_averages() {
        let stats = History::new(10).statistics(0, 500, 0);
        assert_eq!(stats.avg_input_rate, None);
        assert_eq!(stats.avg_total_delay_us, None);
        assert_eq!(stats.batch_duration_ms, 500);
    }
}
