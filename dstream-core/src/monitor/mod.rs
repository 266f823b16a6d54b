//! Watching a running job: per-batch statistics ([`stats`]), a listener for the job's
//! events ([`listener`]), the job's handle ([`handle`]), the progress log ([`progress`]),
//! and the web UI with its JSON API and Prometheus metrics (`web`, feature `ui`).
//!
//! The batch loop reports each batch once it is done ([`Monitor::batch_done`]); readers (the
//! UI, a [`JobHandle`](handle::JobHandle)) take copies of what they need under a read lock
//! held for a few microseconds, so neither side waits on the other for long.

pub mod handle;
pub mod listener;
pub(crate) mod progress;
pub(crate) mod stages;
pub mod state_size;
pub mod stats;
mod watch;
#[cfg(feature = "ui")]
pub(crate) mod web;

pub use listener::StreamingListener;
pub use stages::StageInfo;
pub use stats::{
    BatchInfo, CheckpointInfo, InputInfo, OutputOperationInfo, ReceiverInfo, StateInfo, StreamingStatistics,
    RETAINED_BATCHES,
};

#[cfg(feature = "ui")]
pub(crate) use watch::UiChoice;
pub(crate) use watch::{Ui, Watch};

use crate::ui::metrics::Metrics;
use listener::{Bus, Event};
use stats::History;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Microseconds since the Unix epoch, now.
pub(crate) fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_micros() as u64
}

/// The statistics of one job, shared by its batch loop and whoever reads them. Cheap to
/// clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct Monitor {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    name: String,
    interval_ms: u64,
    metrics: Metrics,
    state: RwLock<Recorded>,
    /// The listener bus, once the job has started with listeners.
    bus: Mutex<Option<Bus>>,
    /// Where the web UI listens, once it does.
    ui_address: Mutex<Option<std::net::SocketAddr>>,
    /// The source errors counted when the last batch was done.
    errors_seen: std::sync::atomic::AtomicU64,
}

/// What the batch loop has recorded.
#[derive(Debug)]
struct Recorded {
    start_us: u64,
    history: History,
    /// The batch being processed, if any.
    running: Option<Arc<BatchInfo>>,
    sources: Vec<Receiver>,
    checkpoint: CheckpointInfo,
}

/// A source as the statistics see it.
#[derive(Clone, Debug)]
struct Receiver {
    name: String,
    active: bool,
}

impl Monitor {
    /// Statistics for the job `name` with batch interval `interval_ms`, reading `metrics`.
    pub(crate) fn new(name: String, interval_ms: u64, metrics: Metrics) -> Monitor {
        Monitor {
            shared: Arc::new(Shared {
                name,
                interval_ms,
                metrics,
                state: RwLock::new(Recorded {
                    start_us: now_us(),
                    history: History::new(RETAINED_BATCHES),
                    running: None,
                    sources: Vec::new(),
                    checkpoint: CheckpointInfo::default(),
                }),
                bus: Mutex::new(None),
                ui_address: Mutex::new(None),
                errors_seen: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Recorded> {
        self.shared.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Recorded> {
        self.shared.state.write().unwrap_or_else(|p| p.into_inner())
    }

    fn post(&self, event: impl FnOnce() -> Event) {
        if let Some(bus) = self.shared.bus.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            bus.post(event());
        }
    }

    /// The job's name ([`Job::with_name`](crate::Job::with_name)).
    pub fn job_name(&self) -> &str {
        &self.shared.name
    }

    /// Where the job's web UI listens, once it does (`None` without a UI).
    pub fn ui_address(&self) -> Option<std::net::SocketAddr> {
        *self.shared.ui_address.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes where the web UI listens.
    #[cfg_attr(not(feature = "ui"), allow(dead_code))]
    pub(crate) fn set_ui_address(&self, address: std::net::SocketAddr) {
        *self.shared.ui_address.lock().unwrap_or_else(|p| p.into_inner()) = Some(address);
    }

    /// The job's counters.
    pub fn metrics(&self) -> crate::ui::metrics::MetricsSnapshot {
        self.shared.metrics.snapshot()
    }

    /// The batch interval in milliseconds.
    pub fn batch_interval_ms(&self) -> u64 {
        self.shared.interval_ms
    }

    /// The running figures (Spark's `StreamingStatistics`).
    pub fn statistics(&self) -> StreamingStatistics {
        let received = self.shared.metrics.snapshot().records_received;
        let recorded = self.read();
        let mut stats = recorded.history.statistics(recorded.start_us, self.shared.interval_ms, received);
        stats.active_batches = u64::from(recorded.running.is_some());
        stats
    }

    /// The retained batches, newest first, and the running one (first) if any.
    pub fn batches(&self) -> Vec<Arc<BatchInfo>> {
        let recorded = self.read();
        let running = recorded.running.iter().cloned();
        running.chain(recorded.history.batches().iter().rev().cloned()).collect()
    }

    /// The last completed batch, if any.
    pub fn last_completed(&self) -> Option<Arc<BatchInfo>> {
        self.read().history.batches().back().cloned()
    }

    /// The batch with time `batch_time_ms`, if it is retained or running.
    pub fn batch(&self, batch_time_ms: u64) -> Option<Arc<BatchInfo>> {
        let recorded = self.read();
        let retained = recorded.history.batches().iter().rev().find(|b| b.batch_time_ms == batch_time_ms);
        retained.or(recorded.running.as_ref().filter(|b| b.batch_time_ms == batch_time_ms)).cloned()
    }

    /// The job's sources with their status and rates (Spark's `ReceiverInfo`).
    pub fn receivers(&self) -> Vec<ReceiverInfo> {
        let recorded = self.read();
        let interval = self.shared.interval_ms;
        recorded
            .sources
            .iter()
            .enumerate()
            .map(|(source, r)| {
                // Each source's own counts; the job's for a source started without them.
                let metrics =
                    self.shared.metrics.source(source).unwrap_or_else(|| self.shared.metrics.clone());
                let counters = metrics.snapshot();
                ReceiverInfo {
                    source,
                    name: r.name.clone(),
                    active: r.active,
                    last_error: metrics.last_error(),
                    avg_rate: recorded.history.source_rate(source, interval),
                    malformed_records: counters.malformed_records(),
                    connection_failures: counters.connection_failures,
                }
            })
            .collect()
    }

    /// The checkpoints' status.
    pub fn checkpoint(&self) -> CheckpointInfo {
        self.read().checkpoint.clone()
    }

    /// The state of every stateful operator after the last completed batch.
    pub fn state(&self) -> Vec<StateInfo> {
        self.read().history.batches().back().map(|b| b.state.clone()).unwrap_or_default()
    }

    /// The job started: its sources are `names` (type names), and it checkpoints if
    /// `checkpointing`. Starts the listener bus when there are listeners.
    pub(crate) fn job_started(
        &self,
        names: &[&str],
        checkpointing: bool,
        listeners: Vec<Box<dyn StreamingListener>>,
    ) {
        {
            let mut recorded = self.write();
            recorded.start_us = now_us();
            recorded.checkpoint.enabled = checkpointing;
            recorded.sources = names
                .iter()
                .map(|n| Receiver { name: short_type_name(n).to_string(), active: true })
                .collect();
        }
        if !listeners.is_empty() {
            *self.shared.bus.lock().unwrap_or_else(|p| p.into_inner()) = Some(Bus::start(listeners));
        }
        let start_us = self.read().start_us;
        self.post(|| Event::StreamingStarted(start_us));
        for receiver in self.receivers() {
            self.post(|| Event::ReceiverStarted(receiver));
        }
    }

    /// The job's sources stopped receiving.
    pub(crate) fn receivers_stopped(&self) {
        self.write().sources.iter_mut().for_each(|r| r.active = false);
        for receiver in self.receivers() {
            self.post(|| Event::ReceiverStopped(receiver));
        }
    }

    /// The batch at `batch_time_ms`, due at `submission_us`, starts processing now.
    pub(crate) fn batch_started(&self, batch_time_ms: u64, submission_us: u64) -> Arc<BatchInfo> {
        let started = Arc::new(BatchInfo {
            batch_time_ms,
            inputs: Vec::new(),
            submission_us,
            processing_start_us: now_us(),
            processing_end_us: None,
            stages: Vec::new(),
            output_operations: Vec::new(),
            state: Vec::new(),
            failure: None,
        });
        self.write().running = Some(Arc::clone(&started));
        self.post(|| Event::BatchSubmitted(Arc::clone(&started)));
        self.post(|| Event::BatchStarted(Arc::clone(&started)));
        started
    }

    /// The batch `started` has run its `stages` on the `inputs` (records per source), with
    /// the outputs and state sizes of `record`, and failed if `failure`: see `batch_done`.
    pub(crate) fn batch_finished(
        &self,
        started: &BatchInfo,
        stages: Vec<StageInfo>,
        inputs: Vec<Option<u64>>,
        mut record: BatchRecord,
        failure: Option<String>,
    ) -> Arc<BatchInfo> {
        let mut info = started.clone();
        info.stages = stages;
        info.inputs =
            inputs.into_iter().enumerate().map(|(source, records)| InputInfo { source, records }).collect();
        if let Some(reason) = &failure {
            record.failed(reason);
        }
        (info.output_operations, info.state, info.failure) = (record.outputs, record.state, failure);
        self.batch_done(info)
    }

    /// The batch is done (`batch.failure` says whether it failed): retains it and tells the
    /// listeners, with a receiver error if the sources counted errors since the last batch.
    /// Returns it.
    pub(crate) fn batch_done(&self, mut batch: BatchInfo) -> Arc<BatchInfo> {
        batch.processing_end_us = Some(now_us());
        let batch = Arc::new(batch);
        {
            let mut recorded = self.write();
            recorded.running = None;
            recorded.history.push(Arc::clone(&batch));
        }
        for op in &batch.output_operations {
            self.post(|| Event::OutputOperationStarted(batch.batch_time_ms, op.clone()));
            self.post(|| Event::OutputOperationCompleted(batch.batch_time_ms, op.clone()));
        }
        self.post(|| Event::BatchCompleted(Arc::clone(&batch)));
        let errors = self.errors();
        if errors > self.shared.errors_seen.swap(errors, std::sync::atomic::Ordering::Relaxed) {
            for receiver in self.receivers() {
                self.post(|| Event::ReceiverError(receiver));
            }
        }
        batch
    }

    /// The job-wide count of source errors, to tell the listeners of new ones.
    fn errors(&self) -> u64 {
        let counters = self.shared.metrics.snapshot();
        counters.connection_failures + counters.malformed_records()
    }

    /// The checkpoint of batch `batch_time_ms` was written in `took_us`, or failed.
    pub(crate) fn checkpoint_done(&self, batch_time_ms: u64, outcome: Result<u64, String>) {
        let mut recorded = self.write();
        let checkpoint = &mut recorded.checkpoint;
        match outcome {
            Ok(took_us) => {
                checkpoint.written += 1;
                checkpoint.last_batch_ms = Some(batch_time_ms);
                checkpoint.last_written_us = Some(now_us());
                checkpoint.last_duration_us = Some(took_us);
            }
            Err(reason) => {
                checkpoint.failures += 1;
                checkpoint.last_failure = Some(format!("batch {batch_time_ms} ms: {reason}"));
            }
        }
    }

    /// Delivers every event posted so far to the listeners and stops the bus.
    pub(crate) fn job_stopped(&self) {
        let bus = self.shared.bus.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(bus) = bus {
            bus.finish();
        }
    }
}

/// `dstream_core::source::socket::SocketSource` → `SocketSource` (generics dropped).
fn short_type_name(name: &str) -> &str {
    let base = name.split('<').next().unwrap_or(name);
    base.rsplit("::").next().unwrap_or(base)
}

/// What one batch's code reports as it runs: its output operations and its state sizes.
/// Lives in the batch's context; a few entries per batch, nothing per record.
#[derive(Debug, Default)]
pub(crate) struct BatchRecord {
    pub(crate) outputs: Vec<OutputOperationInfo>,
    pub(crate) state: Vec<StateInfo>,
}

impl BatchRecord {
    /// An output operation starts.
    pub(crate) fn output_started(&mut self, name: &'static str) {
        let id = self.outputs.len();
        self.outputs.push(OutputOperationInfo { id, name, start_us: now_us(), end_us: None, failure: None });
    }

    /// The last output operation started has finished.
    pub(crate) fn output_completed(&mut self) {
        if let Some(op) = self.outputs.last_mut() {
            op.end_us = Some(now_us());
        }
    }

    /// The batch failed with `reason`: an output that started and did not finish failed.
    pub(crate) fn failed(&mut self, reason: &str) {
        for op in self.outputs.iter_mut().filter(|op| op.end_us.is_none()) {
            op.failure = Some(reason.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name("dstream_core::source::socket::SocketSource"), "SocketSource");
        assert_eq!(
            short_type_name("dstream_core::source::queue::QueueSource<alloc::vec::Vec<i32>>"),
            "QueueSource"
        );
    }

    #[test]
    fn a_batch_is_running_until_done_then_retained() {
        let monitor = Monitor::new("t".into(), 1000, Metrics::new());
        monitor.job_started(&["a::Q"], false, Vec::new());
        let started = monitor.batch_started(1000, now_us());
        assert_eq!(monitor.statistics().active_batches, 1);
        assert_eq!(monitor.batches().len(), 1);
        let mut batch = (*started).clone();
        batch.inputs.push(InputInfo { source: 0, records: Some(4) });
        let done = monitor.batch_done(batch);
        assert!(done.processing_end_us.is_some());
        let stats = monitor.statistics();
        assert_eq!((stats.active_batches, stats.total_completed_batches, stats.processed_records), (0, 1, 4));
        assert_eq!(monitor.batch(1000).map(|b| b.num_records()), Some(4));
        assert_eq!(monitor.receivers()[0].name, "Q");
        monitor.receivers_stopped();
        assert!(!monitor.receivers()[0].active);
    }

    #[test]
    fn an_output_that_did_not_finish_failed() {
        let mut record = BatchRecord::default();
        record.output_started("print");
        record.output_completed();
        record.output_started("save_as_text_files");
        record.failed("disk full");
        assert_eq!(record.outputs[0].failure, None);
        assert_eq!(record.outputs[1].failure.as_deref(), Some("disk full"));
        assert_eq!(record.outputs[1].id, 1);
    }
}
