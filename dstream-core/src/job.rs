//! A compiled job and its batch loop: cut the sources at each time on the grid, run the
//! batch, write its outputs, and stop gracefully on request.

use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::monitor::{self, BatchRecord, Monitor, StreamingListener};
use crate::persist::batch_log::{BatchLog, Entry};
use crate::persist::checkpoint::{self, Checkpoint, OperatorState};
use crate::source::rate::{FlowControl, RateControl};
use crate::source::set::SourceSet;
use crate::source::SourceContext;
use crate::time::clock::{Clock, SystemClock};
use crate::time::{Duration, Time};
use crate::ui::metrics::{Metrics, MetricsSnapshot};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How an operator's state is restored from a checkpoint: `Checkpointable::restore`.
pub type RestoreFn<T> = fn(&mut T, &OperatorState) -> Result<()>;
/// How an operator's state is saved into a checkpoint: `Checkpointable::save`.
pub type SaveFn<T> = fn(&T) -> Result<OperatorState>;

/// What one batch's code can see: its time, the executor, the output and the counters.
pub struct BatchContext<'c> {
    time: Time,
    started: std::time::Instant,
    zero_time: Time,
    exec: &'c Executor,
    out: &'c mut dyn Write,
    metrics: &'c Metrics,
    /// The checkpoint to restore operator state from (the first batch after recovery).
    restore_from: Option<&'c Checkpoint>,
    /// The operators restored so far, to report checkpointed state the program no longer has.
    restored: BTreeSet<String>,
    /// Where operator state goes when this batch is a checkpoint batch.
    save_into: Option<BTreeMap<String, OperatorState>>,
    /// The job's name ([`Job::name`]), for outputs that record which job wrote a batch.
    job_name: &'c str,
    /// The batch's output operations and state sizes, for its statistics.
    record: BatchRecord,
    /// The job's statistics, for outputs that show the job's health.
    monitor: Option<&'c Monitor>,
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
    /// program with a `checkpoint` setting, which passes `Checkpointable::restore` as
    /// `restore`: a state that cannot be checkpointed is then reported on the operator with the
    /// trait's message, and no note names this method (as a bound `T: Checkpointable` would).
    pub fn restore_state<T>(&mut self, id: &str, state: &mut T, restore: RestoreFn<T>) -> Result<()> {
        let Some(checkpoint) = self.restore_from else { return Ok(()) };
        self.restored.insert(id.to_string());
        match checkpoint.operators.get(id) {
            Some(saved) => restore(state, saved).map_err(|e| {
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
    /// Generated code passes `Checkpointable::save` as `save` (see [`Self::restore_state`]).
    pub fn save_state<T>(&mut self, id: &str, state: &T, save: SaveFn<T>) -> Result<()> {
        if let Some(saved) = &mut self.save_into {
            saved.insert(id.to_string(), save(state)?);
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

    /// The job's name ([`Job::name`]).
    pub fn job_name(&self) -> &str {
        self.job_name
    }
}

/// Where a batch's input comes from.
enum Input<'a> {
    /// Cut the sources afresh.
    Cut,
    /// Cut the sources afresh and record what they took in the batch log, durably, before
    /// the batch runs.
    CutAndLog(&'a mut BatchLog),
    /// Take again what the batch log recorded for this batch time on its first run.
    Recut(&'a [Option<Vec<u8>>]),
}

/// A job's program: its sources and the generated code that runs one batch.
trait Program: Send {
    fn start(&mut self, ctx: &SourceContext) -> Result<()>;
    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>) -> Result<()>;
    fn stop_receiving(&mut self);
    fn positions(&self) -> Vec<Option<Vec<u8>>>;
    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()>;
    fn batch_completed(&mut self, time: Time) -> Result<()>;
    fn source_names(&self) -> Vec<&'static str>;
}

struct Compiled<S, F> {
    sources: S,
    runner: F,
    /// Whether the sources that cannot describe their cuts have been named in the log.
    told_undescribed: bool,
}

impl<S: SourceSet, F> Compiled<S, F> {
    /// Names, once, the sources whose cuts the batch log cannot record.
    fn tell_undescribed(&mut self, selections: &[Option<Vec<u8>>]) {
        if std::mem::replace(&mut self.told_undescribed, true) {
            return;
        }
        for (index, name) in self.sources.names().into_iter().enumerate() {
            if selections.get(index).is_none_or(Option::is_none) {
                tracing::warn!(
                    source = index,
                    kind = name,
                    "this source cannot describe its cuts: after a crash, the batches that run again \
                     cut it afresh and may see other input than their first run (at least once or at \
                     most once for its records, not exactly once)"
                );
            }
        }
    }
}

impl<S, F> Program for Compiled<S, F>
where
    S: SourceSet,
    F: FnMut(&mut BatchContext<'_>, S::Batches) -> Result<()> + Send,
{
    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.sources.start(ctx)
    }

    fn run_batch(&mut self, ctx: &mut BatchContext<'_>, input: Input<'_>) -> Result<()> {
        let time = ctx.time();
        let batches = match input {
            Input::Cut => self.sources.cut(time),
            Input::Recut(selections) => self.sources.recut(time, selections)?,
            Input::CutAndLog(log) => {
                let batches = self.sources.cut(time);
                let selections = self.sources.selections();
                self.tell_undescribed(&selections);
                // Durable before any output of the batch: a re-run takes the same input.
                log.append(Entry { time, selections })?;
                batches
            }
        };
        (self.runner)(ctx, batches)
    }

    fn stop_receiving(&mut self) {
        self.sources.stop_receiving()
    }

    fn positions(&self) -> Vec<Option<Vec<u8>>> {
        self.sources.positions()
    }

    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()> {
        self.sources.restore_positions(positions)
    }

    fn batch_completed(&mut self, time: Time) -> Result<()> {
        self.sources.batch_completed(time)
    }

    fn source_names(&self) -> Vec<&'static str> {
        self.sources.names()
    }
}

/// Where and how often a job checkpoints.
struct Checkpointing {
    dir: PathBuf,
    interval: Duration,
    /// Writes in the background in `Job::run`; the harness writes synchronously.
    writer: Option<checkpoint::Writer>,
    /// The checkpoint recovered at start, applied by the first batch.
    recovered: Option<Checkpoint>,
    /// What each batch's sources took, recorded before the batch runs; opened by `recover`.
    log: Option<BatchLog>,
    /// The logged batches after the recovered checkpoint, oldest first: they run again on
    /// the input of their first run.
    replay: VecDeque<Entry>,
    /// The times of the last checkpoints submitted, oldest first, to trim the batch log.
    submitted: VecDeque<Time>,
}

/// Checkpoints remembered for trimming the batch log: the [`checkpoint::KEEP`] kept on disk,
/// and three more, since the background writer may hold up to three not yet written (two
/// queued, one being written). The oldest of them may be the oldest checkpoint on disk,
/// from which a recovery needs every logged batch after it.
const LOG_RETAINED_CHECKPOINTS: usize = checkpoint::KEEP + 3;

impl Checkpointing {
    /// Notes the checkpoint of batch `time` and drops the logged batches that no recovery
    /// can run again any more (at or before the oldest checkpoint that may be on disk).
    fn trim_log(&mut self, time: Time) -> Result<()> {
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

/// The compiled plan, described by the compiler for [`Job::explain`] and
/// [`Job::explain_mermaid`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Explain {
    /// One line per stage and exchange.
    pub text: &'static str,
    /// A Mermaid flowchart.
    pub mermaid: &'static str,
}

/// A compiled streaming job: the value of `stream! { ... }`.
///
/// Run it with [`Job::run`] (until Ctrl-C or SIGTERM), bound it with
/// [`Job::stop_after_batches`], or drive it batch by batch with
/// [`Harness`](crate::testing::Harness).
pub struct Job {
    pub(crate) batch_interval: Duration,
    pub(crate) parallelism: usize,
    pub(crate) max_batches: Option<u64>,
    pub(crate) explain: Explain,
    /// One batch interval before the first batch: windows slide from here.
    pub(crate) zero_time: Time,
    metrics: Metrics,
    pub(crate) stop: Arc<AtomicBool>,
    checkpointing: Option<Checkpointing>,
    /// The cluster this job joins, if set by the builder (else from the environment).
    cluster: Option<crate::cluster::ClusterConfig>,
    /// The program's checks of durations it computes when it runs (`every {..}`), run when
    /// the job starts, before its sources do.
    start_checks: Option<Box<dyn Fn() -> Result<()> + Send>>,
    program: Box<dyn Program>,
    /// Flow control (`source::rate`), lent to the sources and told about every batch.
    pub(crate) rate: RateControl,
    /// Its statistics, listeners and UI setting (see [`monitor`]).
    pub(crate) watch: monitor::Watch,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("batch_interval", &self.batch_interval)
            .field("parallelism", &self.parallelism)
            .field("max_batches", &self.max_batches)
            .finish_non_exhaustive()
    }
}

impl Job {
    /// Builds a job from its sources and the code of one batch. Generated by `stream!`;
    /// not meant to be called by hand.
    #[doc(hidden)]
    pub fn new<S, F>(batch_interval: Duration, explain: Explain, sources: S, runner: F) -> Job
    where
        S: SourceSet,
        F: FnMut(&mut BatchContext<'_>, S::Batches) -> Result<()> + Send + 'static,
    {
        let metrics = Metrics::new();
        Job {
            watch: monitor::Watch::new(batch_interval.as_millis(), metrics.clone()),
            batch_interval,
            parallelism: default_parallelism(),
            max_batches: None,
            explain,
            zero_time: Time::from_millis(0),
            metrics,
            stop: Arc::new(AtomicBool::new(false)),
            checkpointing: None,
            cluster: None,
            start_checks: None,
            program: Box::new(Compiled { sources, runner, told_undescribed: false }),
            rate: RateControl::from_env(batch_interval.as_millis()),
        }
    }

    /// Sets the checks the job runs when it starts, before its sources start: Spark's rules
    /// for the durations a program computes when it runs. Generated by `stream!`.
    #[doc(hidden)]
    pub fn with_start_checks(mut self, checks: impl Fn() -> Result<()> + Send + 'static) -> Job {
        self.start_checks = Some(Box::new(checks));
        self
    }

    /// Runs the start checks, if the program has any.
    pub(crate) fn check_start(&self) -> Result<()> {
        self.start_checks.as_ref().map_or(Ok(()), |checks| checks())
    }

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

    /// Runs the job as one process of a cluster (docs/cluster.md), instead of reading the
    /// cluster from `DSTREAM_PROCESSES` and the other variables when it starts.
    pub fn with_cluster(mut self, config: crate::cluster::ClusterConfig) -> Job {
        self.cluster = Some(config);
        self
    }

    /// Whether the job checkpoints.
    #[cfg(feature = "cluster")]
    pub(crate) fn checkpoints(&self) -> bool {
        self.checkpointing.is_some()
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
        let Some(checkpointing) = &mut self.checkpointing else { return Ok(None) };
        let recovered = checkpoint::load_latest(&checkpointing.dir)?;
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

    /// The batch interval `B` from the program's `every` clause.
    pub fn batch_interval(&self) -> Duration {
        self.batch_interval
    }

    /// The number of partitions of every stage (default: the number of cores).
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Sets the number of partitions of every stage (Spark's `spark.default.parallelism`).
    pub fn with_parallelism(mut self, partitions: usize) -> Job {
        self.parallelism = partitions.max(1);
        self
    }

    /// Stops gracefully after `n` batches: receiving stops at the `n`-th batch time, and that
    /// batch holds everything received up to then.
    pub fn stop_after_batches(mut self, n: u64) -> Job {
        self.max_batches = Some(n);
        self
    }

    /// The compiled plan: stages, the operators fused into each, and the shuffles between.
    pub fn explain(&self) -> &'static str {
        self.explain.text
    }

    /// The compiled plan as a Mermaid flowchart: a box per stage (with the operators fused
    /// into it), an arrow per exchange. Paste it into any Mermaid renderer.
    pub fn explain_mermaid(&self) -> &'static str {
        self.explain.mermaid
    }

    /// The job's counters (records, malformed input, connections, batches).
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// A flag that asks the running job to stop gracefully when set (as Ctrl-C does).
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stop)
    }

    pub(crate) fn register_signals(&self) -> Result<()> {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // A second signal while the first is being handled terminates the process.
            signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&self.stop))?;
            signal_hook::flag::register(signal, Arc::clone(&self.stop))?;
        }
        Ok(())
    }

    pub(crate) fn start_sources(&mut self, clock: Arc<dyn Clock>) -> Result<()> {
        self.rate.check()?;
        let ctx = SourceContext { clock, metrics: self.metrics.clone(), rate: self.rate.clone() };
        self.program.start(&ctx)?;
        let listeners = std::mem::take(&mut self.watch.listeners);
        let names = self.program.source_names();
        self.watch.monitor.job_started(&names, self.checkpointing.is_some(), listeners);
        Ok(())
    }

    pub(crate) fn stop_receiving(&mut self) {
        self.program.stop_receiving();
        self.watch.monitor.receivers_stopped();
    }

    /// The job's statistics: per batch, per source, per stateful operator, checkpoints.
    pub fn monitor(&self) -> Monitor {
        self.watch.monitor.clone()
    }

    /// Registers `listener` for the job's events (Spark's `addStreamingListener`). Call it
    /// before the job starts; listeners run on a thread of their own
    /// (see [`StreamingListener`]).
    pub fn add_listener(mut self, listener: impl StreamingListener + 'static) -> Job {
        self.watch.listeners.push(Box::new(listener));
        self
    }

    /// Runs the batch at `time`, writing its outputs to `out`, and checkpoints after it when
    /// one is due (or `force_checkpoint`). The one code path for production and the harness.
    pub(crate) fn run_batch(
        &mut self,
        time: Time,
        exec: &Executor,
        out: &mut dyn Write,
        force_checkpoint: bool,
    ) -> Result<()> {
        let recovered = self.checkpointing.as_mut().and_then(|c| c.recovered.take());
        let due = self.checkpointing.as_ref().is_some_and(|c| {
            force_checkpoint || (time.as_millis() - self.zero_time.as_millis()) % c.interval.as_millis() == 0
        });
        let replayed = self.checkpointing.as_mut().and_then(|c| {
            while c.replay.front().is_some_and(|e| e.time < time) {
                c.replay.pop_front();
            }
            c.replay.front().is_some_and(|e| e.time == time).then(|| c.replay.pop_front()).flatten()
        });
        let input = match (&replayed, self.checkpointing.as_mut().and_then(|c| c.log.as_mut())) {
            (Some(entry), _) => {
                tracing::info!(batch = %time, "running a batch again on the input of its first run (from the batch log)");
                Input::Recut(&entry.selections)
            }
            (None, Some(log)) => Input::CutAndLog(log),
            (None, None) => Input::Cut,
        };
        // On the wall clock a batch is due at its time (Spark's submission time); the harness's
        // manual clock is not the wall's, so there it is due when it runs.
        let submission_us = if self.watch.wall_clock { time.as_millis() * 1000 } else { monitor::now_us() };
        let watched =
            self.watch.collect.then(|| self.watch.monitor.batch_started(time.as_millis(), submission_us));
        exec.begin_batch();
        if watched.is_none() {
            exec.stages.stop_timing();
        }
        let mut ctx =
            BatchContext::new(time, self.zero_time, exec, out, &self.metrics, self.watch.monitor.job_name());
        // The starting point (see `checkpoint_start`) holds no state: operators keep their own.
        ctx.restore_from = recovered.as_ref().filter(|c| c.batch_time != c.zero_time);
        ctx.save_into = due.then(BTreeMap::new);
        ctx.monitor = Some(&self.watch.monitor);
        let ran = self.program.run_batch(&mut ctx, input);
        let (restored, saved) = (std::mem::take(&mut ctx.restored), ctx.save_into.take());
        let record = std::mem::take(&mut ctx.record);
        drop(ctx);
        if let Some(started) = watched {
            let (stages, inputs) = exec.stages.take();
            let failure = ran.as_ref().err().map(ToString::to_string);
            let done = self.watch.monitor.batch_finished(&started, stages, inputs, record, failure);
            self.watch.last_batch = Some(done);
        }
        ran?;
        if let Some(recovered) = &recovered {
            for id in recovered.operators.keys().filter(|id| !restored.contains(*id)) {
                tracing::warn!(operator = %id, "the checkpoint holds state for an operator the program no longer has: it is dropped");
            }
        }
        self.program.batch_completed(time)?;
        self.metrics.add_batches_completed(1);
        if let (Some(operators), Some(checkpointing)) = (saved, &mut self.checkpointing) {
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
        }
        Ok(())
    }

    /// Runs the job on the wall clock until Ctrl-C, SIGTERM, the stop handle, or the batch
    /// limit; then stops gracefully: stop receiving, run one last batch (at the next grid
    /// time, without waiting for it) with everything received, flush the outputs, return
    /// `Ok(())`. [`Job::start`] runs it on a thread of its own instead, with a handle.
    ///
    /// A second Ctrl-C while stopping exits the process at once.
    pub fn run(mut self) -> Result<()> {
        let cluster = match self.cluster.take() {
            Some(config) => Some(config.check()?),
            None => crate::cluster::ClusterConfig::from_env()?,
        };
        if let Some(config) = cluster.filter(|c| c.processes > 1) {
            return crate::cluster::run(self, config);
        }
        let started = self.prepare()?;
        self.run_batches(started, &AtomicBool::new(false))
    }

    /// Everything before the first batch: the start checks, recovery, the UI, the sources.
    pub(crate) fn prepare(&mut self) -> Result<Started> {
        monitor::progress::install_default_subscriber();
        self.register_signals()?;
        self.check_start()?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let recovered = self.recover()?;
        if let Some(checkpointing) = &mut self.checkpointing {
            let monitor = self.watch.monitor.clone();
            let report = move |time: Time, outcome| monitor.checkpoint_done(time.as_millis(), outcome);
            checkpointing.writer = Some(checkpoint::Writer::reporting(checkpointing.dir.clone(), report));
        }
        self.watch.wall_clock = true;
        self.start_sources(Arc::clone(&clock))?;
        let ui = self.watch.start_ui()?;
        let exec = Executor::new(self.parallelism);
        let time = match recovered {
            // Resume after the checkpointed batch: the batches whose times passed while the
            // job was down run at once, back to back, as Spark generates them on restart.
            Some(last) => last.plus(self.batch_interval),
            None => {
                let first = clock.now().next_grid_point(self.batch_interval);
                self.zero_time = first.minus(self.batch_interval);
                self.checkpoint_start()?;
                first
            }
        };
        Ok(Started { clock, exec, time, ui })
    }

    /// The batch loop of [`Job::run`]; `abort` set stops it after the current batch, without
    /// the last batch of a graceful stop.
    pub(crate) fn run_batches(mut self, started: Started, abort: &AtomicBool) -> Result<()> {
        let Started { clock, exec, mut time, ui: _ui } = started;
        let mut buffer = Vec::new();
        let mut done = 0u64;
        let mut progress = monitor::progress::Progress::new(self.batch_interval);
        tracing::info!(job = self.watch.monitor.job_name(), interval = %self.batch_interval, partitions = self.parallelism, first_batch = %monitor::progress::clock_time(time.as_millis()), "job started");
        loop {
            let signalled = !wait_until_or_stopped(&*clock, time, &self.stop);
            if abort.load(Ordering::SeqCst) {
                tracing::info!("stopping at once: the data received since the last batch is not processed");
                self.stop_receiving();
                break;
            }
            let last_of_limit = self.max_batches.is_some_and(|max| done + 1 >= max);
            let stopping = signalled || last_of_limit;
            if stopping {
                // Stop receiving before the cut, so this last batch holds everything received.
                tracing::info!("stopping: no longer receiving; running the last batch");
                self.stop_receiving();
            }
            let started = std::time::Instant::now();
            let scheduling = clock.now().as_millis().saturating_sub(time.as_millis());
            buffer.clear();
            // The last batch of a graceful stop always checkpoints, so a restart resumes after it.
            self.run_batch(time, &exec, &mut buffer, stopping)?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&buffer)?;
            stdout.flush()?;
            drop(stdout);
            done += 1;
            let took = started.elapsed();
            self.rate.batch_completed(
                clock.now().as_millis(),
                took,
                std::time::Duration::from_millis(scheduling),
            );
            if let Some(batch) = &self.watch.last_batch {
                progress.batch_done(batch);
            }
            if stopping {
                break;
            }
            time = time.plus(self.batch_interval);
        }
        if let Some(writer) = self.checkpointing.as_mut().and_then(|c| c.writer.take()) {
            writer.finish();
        }
        self.watch.monitor.job_stopped();
        tracing::info!(batches = done, "job stopped");
        Ok(())
    }
}

/// Flow control (`source::rate`). The settings start from the environment
/// ([`FlowControl::from_env`]); set them before `run`.
impl Job {
    /// Caps every receiver at `records_per_sec` records per second, 0 for no cap (Spark's
    /// `spark.streaming.receiver.maxRate`).
    pub fn with_max_rate(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.max_rate = records_per_sec);
        self
    }

    /// Caps every partition of a partitioned source at `records_per_sec` records per second,
    /// 0 for no cap (`spark.streaming.kafka.maxRatePerPartition`).
    pub fn with_max_rate_per_partition(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.max_rate_per_partition = records_per_sec);
        self
    }

    /// Turns backpressure on or off (`spark.streaming.backpressure.enabled`): with it, the
    /// receivers slow down when batches take longer than the batch interval, and speed up
    /// again when they recover.
    pub fn with_backpressure(self, on: bool) -> Job {
        self.rate.update(|s| s.backpressure = on);
        self
    }

    /// With backpressure, each receiver's rate until the first estimate, records per second
    /// (`spark.streaming.backpressure.initialRate`).
    pub fn with_backpressure_initial_rate(self, records_per_sec: u64) -> Job {
        self.rate.update(|s| s.initial_rate = records_per_sec);
        self
    }

    /// Replaces every flow-control setting, the environment's included.
    pub fn with_flow_control(self, settings: FlowControl) -> Job {
        self.rate.update(|s| *s = settings);
        self
    }

    /// The job's flow control: its settings, and each receiver's rate limit and buffered
    /// bytes while it runs (keep a clone before `run`).
    pub fn flow_control(&self) -> RateControl {
        self.rate.clone()
    }
}

/// A job that has started and not yet run its first batch.
pub(crate) struct Started {
    clock: Arc<dyn Clock>,
    exec: Executor,
    /// The first batch's time.
    time: Time,
    /// The web UI, served while the job runs (or, after `Job::start`, while its handle lives).
    pub(crate) ui: Option<monitor::Ui>,
}

/// Waits for `t`; returns `false` early if a stop was requested.
pub(crate) fn wait_until_or_stopped(clock: &dyn Clock, t: Time, stop: &AtomicBool) -> bool {
    while clock.now() < t {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let slice = (t.as_millis() - clock.now().as_millis()).clamp(1, 20);
        clock.wait_until(clock.now().plus(Duration::from_millis(slice)).min(t));
    }
    !stop.load(Ordering::SeqCst)
}

/// The number of cores, Spark's local-mode default parallelism.
pub fn default_parallelism() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::batch_log::BatchLog;
    use crate::source::queue::QueueSource;
    use crate::test_support::TempDir;
    use crate::testing::Harness;

    /// A queue job that checkpoints every batch into `dir`.
    fn job(dir: &std::path::Path) -> Job {
        let queue = QueueSource::new((0..100).map(|n| vec![n]));
        Job::new(Duration::from_millis(1000), Explain::default(), (queue,), |_, (_batch,)| Ok(()))
            .with_checkpoint(dir, Some(Duration::from_millis(1000)))
    }

    #[test]
    fn every_batch_is_logged_and_the_log_keeps_what_a_recovery_may_need() {
        let dir = TempDir::new("job-batch-log");
        Harness::new(job(&dir.0)).run_batches(5).unwrap();
        assert_eq!(BatchLog::open(&dir.0, false).unwrap().times(), [1000, 2000, 3000, 4000, 5000]);
        Harness::new(job(&dir.0)).run_batches(25).unwrap();
        // Checkpoints at 1000 .. 30000: the log keeps every batch after the oldest one that
        // may still be on disk, the 13th newest (18000), and drops the older ones once they
        // are half the log.
        let times = BatchLog::open(&dir.0, false).unwrap().times();
        let needed: Vec<u64> = (19..=30).map(|n| n * 1000).collect();
        assert!(times.ends_with(&needed), "{times:?}");
        let dead = times.len() - needed.len();
        assert!(dead < needed.len(), "{times:?}");
        assert!(times.windows(2).all(|w| w[1] == w[0] + 1000), "{times:?}");
    }
}
