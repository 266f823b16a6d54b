//! Where and how often a job checkpoints, and how it recovers (`#![checkpoint(..)]`).

use super::Job;
use crate::error::{Error, Result};
use crate::persist::batch_log::{BatchLog, Entry};
use crate::persist::checkpoint::{self, Checkpoint, OperatorState};
use crate::time::{Duration, Time};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

/// Where and how often a job checkpoints.
pub(super) struct Checkpointing {
    pub(super) dir: PathBuf,
    pub(super) interval: Duration,
    /// Writes in the background in `Job::run`; the harness writes synchronously.
    pub(super) writer: Option<checkpoint::Writer>,
    /// The checkpoint recovered at start, applied by the first batch.
    pub(super) recovered: Option<Checkpoint>,
    /// What each batch's sources took, recorded before the batch runs; opened by `recover`.
    pub(super) log: Option<BatchLog>,
    /// The logged batches after the recovered checkpoint, oldest first: they run again on
    /// the input of their first run.
    pub(super) replay: VecDeque<Entry>,
    /// The times of the last checkpoints submitted, oldest first, to trim the batch log.
    pub(super) submitted: VecDeque<Time>,
}

/// Checkpoints remembered for trimming the batch log: the [`checkpoint::KEEP`] kept on disk,
/// and three more, since the background writer may hold up to three not yet written (two
/// queued, one being written). The oldest of them may be the oldest checkpoint on disk,
/// from which a recovery needs every logged batch after it.
const LOG_RETAINED_CHECKPOINTS: usize = checkpoint::KEEP + 3;

impl Checkpointing {
    /// Notes the checkpoint of batch `time` and drops the logged batches that no recovery
    /// can run again any more (at or before the oldest checkpoint that may be on disk).
    pub(super) fn trim_log(&mut self, time: Time) -> Result<()> {
        self.submitted.push_back(time);
        if self.submitted.len() > LOG_RETAINED_CHECKPOINTS {
            self.submitted.pop_front();
        }
        match (self.submitted.front(), &mut self.log) {
            (Some(&oldest), Some(log)) if self.submitted.len() == LOG_RETAINED_CHECKPOINTS => {
                log.trim_through(oldest)
            }
            _ => Ok(()),
        }
    }
}

impl Job {
    /// Checkpoints into `dir` every `interval` (default: `B × ceil(10 s / B)`, Spark's
    /// default for stateful streams), and resumes from the newest readable checkpoint there
    /// when the job starts. Programs set this with `#![checkpoint(dir)]` or
    /// `#![checkpoint(dir, interval)]`, which also saves their operators' state.
    pub fn with_checkpoint(mut self, dir: impl Into<PathBuf>, interval: Option<Duration>) -> Job {
        let b = self.batch_interval.as_millis();
        // (A zero interval, computed by the program, is refused when the job starts.)
        let default = if b == 0 { 10_000 } else { b * 10_000u64.div_ceil(b) };
        let interval = interval.unwrap_or(Duration::from_millis(default));
        self.checkpointing = Some(Checkpointing {
            dir: dir.into(),
            interval,
            writer: None,
            recovered: None,
            log: None,
            replay: VecDeque::new(),
            submitted: VecDeque::new(),
        });
        self
    }

    /// The directory the job checkpoints into, if it checkpoints.
    #[cfg(feature = "cluster")]
    pub(crate) fn checkpoint_dir(&self) -> Option<&std::path::Path> {
        self.checkpointing.as_ref().map(|c| c.dir.as_path())
    }

    /// Checkpoints into the sub-directory `name` of the program's checkpoint directory: each
    /// process of a cluster keeps its own checkpoints and batch log (`process-<i>`).
    #[cfg(feature = "cluster")]
    pub(crate) fn checkpoint_into_sub_directory(&mut self, name: &str) {
        if let Some(checkpointing) = &mut self.checkpointing {
            checkpointing.dir = checkpointing.dir.join(name);
        }
    }

    /// Starts the background writer of [`Job::run`], which reports each checkpoint to the
    /// job's statistics.
    pub(crate) fn start_checkpoint_writer(&mut self) {
        if let Some(checkpointing) = &mut self.checkpointing {
            let monitor = self.watch.monitor.clone();
            let report = move |time: Time, outcome| monitor.checkpoint_done(time.as_millis(), outcome);
            checkpointing.writer = Some(checkpoint::Writer::reporting(checkpointing.dir.clone(), report));
        }
    }

    /// Waits until the background writer has written every checkpoint submitted.
    pub(crate) fn finish_checkpoints(&mut self) {
        if let Some(writer) = self.checkpointing.as_mut().and_then(|c| c.writer.take()) {
            writer.finish();
        }
    }

    /// How often the job checkpoints, if it does.
    pub fn checkpoint_interval(&self) -> Option<Duration> {
        self.checkpointing.as_ref().map(|c| c.interval)
    }

    /// Loads the newest readable checkpoint, if checkpointing is on and one exists: restores
    /// the sources' positions and the time grid, and returns the last batch time it holds.
    /// Opens the batch log: the logged batches after the checkpoint will be re-cut from it
    /// (without a checkpoint the log starts over).
    pub(crate) fn recover(&mut self) -> Result<Option<Time>> {
        let Some(checkpointing) = &self.checkpointing else { return Ok(None) };
        let recovered = checkpoint::load_latest(&checkpointing.dir)?;
        self.resume_from(recovered)
    }

    /// Resumes from `recovered`, or starts fresh if `None` (the batch log then starts over):
    /// what [`Job::recover`] does with the newest checkpoint, and a process of a cluster with
    /// the checkpoint every process holds. Returns the last batch time it holds.
    pub(crate) fn resume_from(&mut self, recovered: Option<Checkpoint>) -> Result<Option<Time>> {
        let Some(checkpointing) = &mut self.checkpointing else { return Ok(None) };
        let log = BatchLog::open(&checkpointing.dir, recovered.is_none())?;
        if let Some(recovered) = &recovered {
            checkpointing.replay = log.after(recovered.batch_time).cloned().collect();
        }
        checkpointing.log = Some(log);
        let Some(recovered) = recovered else { return Ok(None) };
        if recovered.batch_interval_ms != self.batch_interval.as_millis() {
            return Err(Error::Checkpoint(format!(
                "the checkpoint in {} was written with a batch interval of {} ms; the program now has {}",
                checkpointing.dir.display(),
                recovered.batch_interval_ms,
                self.batch_interval
            )));
        }
        self.program.restore_positions(&recovered.sources)?;
        self.zero_time = recovered.zero_time;
        let last = recovered.batch_time;
        checkpointing.recovered = Some(recovered);
        Ok(Some(last))
    }

    /// With checkpointing on, writes the job's starting point as the checkpoint of batch
    /// `zero_time`: no operator state, the sources' positions as they start. A job killed
    /// before its first real checkpoint recovers from it and runs the batches of the batch
    /// log again on the input of their first run, instead of starting over on new batch
    /// times (where a sink that commits by batch time would see that input twice). Called once
    /// the sources have started, when nothing was recovered.
    pub(crate) fn checkpoint_start(&mut self) -> Result<()> {
        let Some(checkpointing) = &self.checkpointing else { return Ok(()) };
        let start = Checkpoint {
            batch_time: self.zero_time,
            batch_interval_ms: self.batch_interval.as_millis(),
            zero_time: self.zero_time,
            operators: BTreeMap::new(),
            sources: self.program.positions(),
        };
        checkpoint::write(&checkpointing.dir, &start)?;
        Ok(())
    }

    /// Saves the checkpoint of batch `time` with the operators' state: in the background in
    /// `Job::run`, at once in the harness.
    pub(super) fn save_checkpoint(
        &mut self,
        time: Time,
        operators: BTreeMap<String, OperatorState>,
    ) -> Result<()> {
        let Some(checkpointing) = &mut self.checkpointing else { return Ok(()) };
        let checkpoint = Checkpoint {
            batch_time: time,
            batch_interval_ms: self.batch_interval.as_millis(),
            zero_time: self.zero_time,
            operators,
            sources: self.program.positions(),
        };
        match &checkpointing.writer {
            Some(writer) => writer.submit(checkpoint),
            None => {
                let writing = std::time::Instant::now();
                let written = checkpoint::write(&checkpointing.dir, &checkpoint);
                let outcome = match &written {
                    Ok(_) => Ok(writing.elapsed().as_micros() as u64),
                    Err(e) => Err(e.to_string()),
                };
                self.watch.monitor.checkpoint_done(time.as_millis(), outcome);
                written?;
            }
        }
        checkpointing.trim_log(time)?;
        Ok(())
    }
}
