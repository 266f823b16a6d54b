//! The test harness: drive a job batch by batch with a manual clock, as Spark's own test
//! suites do, and get each batch's output.
//!
//! It runs the job's own compiled code and sources (the same code path as [`Job::run`]);
//! only the clock and the output destination differ.
//!
//! ```ignore
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//!
//! let job = stream! {
//!     queue(vec![vec!["a a b"], vec![]]) |> flat_map(split) |> count_by_value every 1s |> print
//! };
//! let mut harness = Harness::new(job);
//! let batches = harness.run_batches(2).unwrap();
//! assert_eq!(batches[0].time, Time::from_millis(1000));
//! assert!(batches[0].printed.contains("(a,2)"));
//! assert_eq!(batches[1].printed_records(), Vec::<&str>::new());
//! ```

use crate::error::Result;
use crate::exec::Executor;
use crate::job::Job;
use crate::time::clock::{Clock, ManualClock};
use crate::time::Time;
use crate::ui::metrics::MetricsSnapshot;
use std::sync::Arc;

/// What one batch produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchOutput {
    /// The batch time.
    pub time: Time,
    /// Everything the batch's `print` operators wrote, exactly as a terminal would show it.
    pub printed: String,
}

impl BatchOutput {
    /// The record lines of the printed output: without the header, the `...` line and the
    /// final blank line. For a job with a single `print`.
    pub fn printed_records(&self) -> Vec<&str> {
        let lines: Vec<&str> = self.printed.lines().collect();
        lines.iter().skip(3).filter(|l| !l.is_empty() && **l != "...").copied().collect()
    }
}

/// Drives a [`Job`] with a manual clock starting at 0: with `B = 1 s` the batches are at
/// 1000, 2000, ... ms. Runs stages on 2 partitions by default, as Spark's test suites do.
pub struct Harness {
    job: Job,
    clock: ManualClock,
    exec: Executor,
    next: Time,
    started: bool,
    /// Whether the job resumed from a checkpoint (else it checkpoints its start).
    recovered: bool,
    /// Every batch's output so far, for `slice`; `None` unless `remember` was called, so that
    /// stepping a job costs no copy of its output.
    history: Option<Vec<BatchOutput>>,
}

impl Harness {
    /// A harness over `job`, with 2 partitions.
    pub fn new(job: Job) -> Harness {
        Self::try_new(job).expect("recover from the job's checkpoint")
    }

    /// A harness over `job`, recovering from the job's checkpoint directory if it holds a
    /// checkpoint: the clock then resumes after the checkpointed batch. Errors if the
    /// checkpoint cannot be applied.
    pub fn try_new(mut job: Job) -> Result<Harness> {
        let interval = job.batch_interval();
        let recovered = job.recover()?;
        let next = match recovered {
            Some(last) => last.plus(interval),
            // A zero interval (computed by the program) is refused by `start`.
            None if interval.as_millis() == 0 => Time::from_millis(0),
            None => Time::from_millis(0).next_grid_point(interval),
        };
        let clock = ManualClock::new();
        clock.set(next.minus(interval));
        Ok(Harness {
            job,
            clock,
            exec: Executor::new(2),
            next,
            started: false,
            recovered: recovered.is_some(),
            history: None,
        })
    }

    /// Runs every stage on `partitions` partitions.
    pub fn with_parallelism(mut self, partitions: usize) -> Harness {
        self.exec = Executor::new(partitions);
        self
    }

    /// The job's counters.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.job.metrics()
    }

    /// The job's statistics (the harness records them as `Job::run` does; it serves no UI).
    pub fn monitor(&self) -> crate::monitor::Monitor {
        self.job.monitor()
    }

    /// Starts the job's sources (connects receivers) without running a batch. [`step`]
    /// does this itself; call it first when a test must feed a source before batch 1.
    ///
    /// [`step`]: Harness::step
    pub fn start(&mut self) -> Result<()> {
        if !self.started {
            self.started = true;
            self.job.check_start()?;
            // With `DSTREAM_PROCESSES` set, the harness is one process of a cluster
            // (docs/cluster.md); the driver starts the sources, the others only those they
            // read their share of (`text_files`).
            if let Some(exec) = crate::cluster::join_from_env(&self.job, self.exec.parallelism())? {
                self.exec = exec;
            }
            let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
            crate::cluster::start_sources(&mut self.job, &self.exec, clock)?;
            if !self.recovered {
                self.job.checkpoint_start()?;
            }
        }
        Ok(())
    }

    /// Moves the clock to the next batch time and runs that batch.
    pub fn step(&mut self) -> Result<BatchOutput> {
        self.start()?;
        let time = self.next;
        self.clock.set(time);
        let mut printed = Vec::new();
        let ran = self.job.run_batch(time, &self.exec, &mut printed, false);
        self.exec.end_batch()?;
        ran?;
        let printed = crate::cluster::driver_output(&self.exec, printed)?;
        self.next = time.plus(self.job.batch_interval());
        let output = BatchOutput { time, printed: String::from_utf8_lossy(&printed).into_owned() };
        if let Some(history) = &mut self.history {
            history.push(output.clone());
        }
        Ok(output)
    }

    /// Keeps every batch's output from now on, for [`Harness::slice`] (Spark's
    /// `ssc.remember`).
    pub fn remember(mut self) -> Harness {
        self.history.get_or_insert_with(Vec::new);
        self
    }

    /// The outputs of the batches with times in `[from, to]` (both ends included), oldest
    /// first: Spark's `DStream.slice` over what the job has produced since
    /// [`Harness::remember`]. An error before the first batch has run, as Spark's "has not
    /// been initialized", and without `remember`.
    pub fn slice(&self, from: Time, to: Time) -> Result<Vec<BatchOutput>> {
        let Some(history) = &self.history else {
            return Err(crate::error::Error::Config(
                "slice needs the batches kept: build the harness with `.remember()`".into(),
            ));
        };
        if history.is_empty() {
            return Err(crate::error::Error::Config(
                "cannot slice a job that has not been initialized: no batch has run yet".into(),
            ));
        }
        Ok(history.iter().filter(|o| o.time >= from && o.time <= to).cloned().collect())
    }

    /// Runs `n` batches and returns their outputs in order.
    pub fn run_batches(&mut self, n: usize) -> Result<Vec<BatchOutput>> {
        (0..n).map(|_| self.step()).collect()
    }

    /// Waits (polling, up to `timeout`) until `condition` holds for the job's counters;
    /// returns whether it did. For tests that feed a real source.
    pub fn wait_for(
        &self,
        timeout: std::time::Duration,
        condition: impl Fn(&MetricsSnapshot) -> bool,
    ) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if condition(&self.metrics()) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Stops gracefully: stops receiving, then runs one last batch with what was received
    /// (and checkpoints it, if the job checkpoints).
    pub fn stop(mut self) -> Result<BatchOutput> {
        self.start()?;
        self.job.stop_receiving();
        let time = self.next;
        self.clock.set(time);
        let mut printed = Vec::new();
        let ran = self.job.run_batch(time, &self.exec, &mut printed, true);
        self.exec.end_batch()?;
        ran?;
        let printed = crate::cluster::driver_output(&self.exec, printed)?;
        Ok(BatchOutput { time, printed: String::from_utf8_lossy(&printed).into_owned() })
    }
}
