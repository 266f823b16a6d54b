//! What one batch's generated code sees: [`BatchContext`].

use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::monitor::{self, BatchRecord, Monitor};
use crate::persist::checkpoint::{self, Checkpoint, OperatorState};
use crate::persist::parts::Codec;
use crate::time::{Duration, Time};
use crate::ui::metrics::Metrics;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

/// What one batch's code can see: its time, the executor, the output and the counters.
pub struct BatchContext<'c> {
    pub(super) time: Time,
    pub(super) started: std::time::Instant,
    pub(super) zero_time: Time,
    pub(super) exec: &'c Executor,
    pub(super) out: &'c mut dyn Write,
    pub(super) metrics: &'c Metrics,
    /// The checkpoint to restore operator state from (the first batch after recovery).
    pub(super) restore_from: Option<&'c Checkpoint>,
    /// The operators restored so far, to report checkpointed state the program no longer has.
    pub(super) restored: BTreeSet<String>,
    /// Where operator state goes when this batch is a checkpoint batch.
    pub(super) save_into: Option<BTreeMap<String, OperatorState>>,
    /// The job's name ([`Job::with_name`](crate::job::Job::with_name)), for outputs that record which job wrote a batch.
    pub(super) job_name: &'c str,
    /// The batch's output operations and state sizes, for its statistics.
    pub(super) record: BatchRecord,
    /// The job's statistics, for outputs that show the job's health.
    pub(super) monitor: Option<&'c Monitor>,
}

impl<'c> BatchContext<'c> {
    /// A context for the batch at `time`. The batch loop and the test harness make these.
    pub fn new(
        time: Time,
        zero_time: Time,
        exec: &'c Executor,
        out: &'c mut dyn Write,
        metrics: &'c Metrics,
        job_name: &'c str,
    ) -> Self {
        BatchContext {
            time,
            started: std::time::Instant::now(),
            zero_time,
            exec,
            out,
            metrics,
            restore_from: None,
            restored: BTreeSet::new(),
            save_into: None,
            job_name,
            record: BatchRecord::default(),
            monitor: None,
        }
    }

    /// The last batch the job completed before this one, with its delays (none in the first
    /// batch), and the batch interval in ms: what an output shows as the job's health.
    pub fn job_health(&self) -> Option<(Arc<monitor::BatchInfo>, u64)> {
        let monitor = self.monitor?;
        Some((monitor.last_completed()?, monitor.batch_interval_ms()))
    }

    /// The output operation `name` (as the program wrote it) starts: its final stage and
    /// its write are timed for the batch's statistics. Generated around every output.
    pub fn output_started(&mut self, name: &'static str) {
        self.record.output_started(name);
    }

    /// The output operation started last has finished. Generated after every output.
    pub fn output_completed(&mut self) {
        self.record.output_completed();
    }

    /// Notes the size of the stateful operator `operator`'s state after this batch.
    /// Generated for every stateful operator, at the end of the batch.
    pub fn note_state(&mut self, operator: &str, state: &impl monitor::state_size::StateSize) {
        self.record.state.push(monitor::StateInfo {
            operator: operator.to_string(),
            keys: state.state_keys(),
            approx_bytes: state.state_bytes(),
        });
    }

    /// On the first batch after recovery, replaces `state` with what the checkpoint holds for
    /// the operator `id`; otherwise does nothing. Generated for every stateful operator of a
    /// program with a `checkpoint` setting, with the `codec` of its kind of store made from
    /// `Checkpointable::part` of each part type: a part that cannot be checkpointed is then
    /// reported on the operator by its own type, with the trait's message, and no note names
    /// this method or the store (see `persist::parts`).
    pub fn restore_state<T, P: Copy>(&mut self, id: &str, state: &mut T, codec: Codec<T, P>) -> Result<()> {
        let Some(checkpoint) = self.restore_from else { return Ok(()) };
        self.restored.insert(id.to_string());
        match checkpoint.operators.get(id) {
            Some(saved) => codec.restore(state, saved).map_err(|e| {
                Error::Checkpoint(format!(
                    "operator `{id}` cannot resume from the checkpoint of batch {} ({}): {}. Change the state back, or start from a new checkpoint directory (the saved state is then lost)",
                    checkpoint.batch_time,
                    checkpoint::operator_as_written(id),
                    checkpoint::reason(e),
                ))
            }),
            None => {
                tracing::warn!(operator = id, "the checkpoint holds no state for this operator (new in the program?): it starts empty");
                Ok(())
            }
        }
    }

    /// On a checkpoint batch, saves `state` as the operator `id`'s; otherwise does nothing.
    /// Generated with the operator's `codec` (see [`Self::restore_state`]).
    pub fn save_state<T, P: Copy>(&mut self, id: &str, state: &T, codec: Codec<T, P>) -> Result<()> {
        if let Some(saved) = &mut self.save_into {
            saved.insert(id.to_string(), codec.save(state)?);
        }
        Ok(())
    }

    /// Whether a stream with slide `slide` has a batch at this time: `(time - zero) % slide
    /// == 0`, with `zero` one batch interval before the first batch (Spark's `zeroTime`).
    pub fn is_slide_time(&self, slide: Duration) -> bool {
        (self.time.as_millis() - self.zero_time.as_millis()) % slide.as_millis() == 0
    }

    /// The batch time.
    pub fn time(&self) -> Time {
        self.time
    }

    /// How long this batch has been processing (Spark's processing time, so far).
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// The executor that runs this batch's stages.
    pub fn exec(&self) -> &'c Executor {
        self.exec
    }

    /// Where `print` writes: standard output in production, a buffer in the harness.
    pub fn out(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// The job's counters.
    pub fn metrics(&self) -> &Metrics {
        self.metrics
    }

    /// The job's name ([`Job::with_name`](crate::job::Job::with_name)).
    pub fn job_name(&self) -> &str {
        self.job_name
    }
}
