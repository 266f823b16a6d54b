//! Per-stage timing: the executor's `run_stage` and `exchange` see every stage and every
//! exchange of a batch, so they time them here. One clock read at each end and a push onto
//! a vector that keeps its capacity from batch to batch: nothing per record.

use std::sync::Mutex;
use std::time::Instant;

/// What one stage or exchange of a batch took.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StageInfo {
    /// The stage's position in the batch: 0 for the first stage or exchange the batch ran.
    pub index: u32,
    /// `stage` for a stage's tasks, or the kind of an exchange (`hash by key`, `gather`, ...).
    pub kind: &'static str,
    /// Partitions: the stage's tasks, or the exchange's destinations.
    pub partitions: u32,
    /// When it started, in microseconds after the batch started.
    pub start_us: u64,
    /// How long it took, in microseconds.
    pub duration_us: u64,
}

/// The stages of the current batch and the records each source delivered to it.
#[derive(Debug, Default)]
pub(crate) struct StageClock {
    inner: Mutex<Batch>,
}

#[derive(Debug, Default)]
struct Batch {
    started: Option<Instant>,
    stages: Vec<StageInfo>,
    /// Records per source (by the source's index in the job); `None`: not known.
    inputs: Vec<Option<u64>>,
}

impl StageClock {
    /// Starts a batch: forgets the previous batch's stages (keeping the memory).
    pub(crate) fn begin_batch(&self) {
        let mut batch = self.lock();
        batch.started = Some(Instant::now());
        batch.stages.clear();
        batch.inputs.clear();
    }

    /// Times nothing more in this batch (a job measured without its statistics).
    pub(crate) fn stop_timing(&self) {
        self.lock().started = None;
    }

    /// Notes the records that source number `source` delivered to this batch.
    pub(crate) fn note_input(&self, source: usize, records: Option<usize>) {
        let mut batch = self.lock();
        if batch.inputs.len() <= source {
            batch.inputs.resize(source + 1, Some(0));
        }
        batch.inputs[source] = records.map(|n| n as u64);
    }

    /// The start of a stage or exchange.
    pub(crate) fn start(&self) -> Instant {
        Instant::now()
    }

    /// A stage of `partitions` tasks that started at `started` has finished.
    pub(crate) fn stage_done(&self, started: Instant, partitions: usize) {
        self.record(started, "stage", partitions, None);
    }

    /// An exchange of `kind` into `partitions` destinations has finished.
    pub(crate) fn exchange_done(&self, started: Instant, kind: &'static str, partitions: usize) {
        self.record(started, kind, partitions, None);
    }

    /// A stage of `partitions` tasks that started at `started` has finished, and the exchange
    /// of `kind` it feeds was not needed (the batch ran as one partition): the exchange is
    /// shown after the stage, taking no time, under the same lock and without a clock read.
    pub(crate) fn stage_done_exchange_elided(&self, started: Instant, partitions: usize, kind: &'static str) {
        self.record(started, "stage", partitions, Some(kind));
    }

    /// Pushes the stage or exchange that started at `started`, and after it the exchange of
    /// kind `elided` that did not run, if any.
    fn record(&self, started: Instant, kind: &'static str, partitions: usize, elided: Option<&'static str>) {
        let duration_us = started.elapsed().as_micros() as u64;
        let mut batch = self.lock();
        // Outside a batch (a test driving the executor by hand) there is nothing to report to.
        let Some(batch_start) = batch.started else { return };
        let start_us = started.saturating_duration_since(batch_start).as_micros() as u64;
        let partitions = partitions as u32;
        let index = batch.stages.len() as u32;
        batch.stages.push(StageInfo { index, kind, partitions, start_us, duration_us });
        if let Some(kind) = elided {
            let start_us = start_us + duration_us;
            batch.stages.push(StageInfo { index: index + 1, kind, partitions, start_us, duration_us: 0 });
        }
    }

    /// The stages and per-source records of the batch that just ran.
    pub(crate) fn take(&self) -> (Vec<StageInfo>, Vec<Option<u64>>) {
        let mut batch = self.lock();
        batch.started = None;
        (batch.stages.clone(), batch.inputs.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Batch> {
        // A panic in a task while the lock was held leaves only timings behind: keep going.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use crate::exec::Executor;

    #[test]
    fn every_stage_and_exchange_of_a_batch_is_timed_in_order() {
        let exec = Executor::new(2);
        exec.begin_batch();
        exec.note_input_records(1, Some(3));
        let combined = exec.repartition(vec![vec![1, 2], vec![3]], 2);
        assert_eq!(combined.iter().map(Vec::len).sum::<usize>(), 3);
        let (stages, inputs) = exec.stages.take();
        let kinds: Vec<&str> = stages.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["stage", "round robin", "stage"]);
        assert_eq!(stages.iter().map(|s| s.index).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(stages.windows(2).all(|w| w[0].start_us <= w[1].start_us));
        assert_eq!(inputs, [Some(0), Some(3)]);
        exec.begin_batch();
        assert_eq!(exec.stages.take(), (vec![], vec![]));
    }
}
