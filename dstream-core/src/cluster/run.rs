//! The batch loop of one process of a cluster.
//!
//! Process 0, the driver, owns the clock: at each batch time it tells every process the
//! batch's time and whether it is the last, in an exchange of its own; then every process runs
//! the batch (the same plan, in lockstep: each of its exchanges is one epoch of the link),
//! and reports to the driver how long it took and whether it was asked to stop; the driver
//! logs one line per batch (its delay, each process's time) and, when any process was asked
//! to stop, makes the next batch the last everywhere. The driver reads the sources that are
//! not read where assigned and writes the outputs with driver semantics.
//!
//! At start the processes exchange a hash of their compiled plan: a cluster of different
//! programs stops on every process with an error saying so. Then they agree on the checkpoint
//! to resume from and on the first batch time ([`super::recovery`]).

use super::config::ClusterConfig;
use super::link::Link;
use crate::error::{Error, Result};
use crate::exec::Executor;
use crate::job::{wait_until_or_stopped, Job};
use crate::time::clock::{Clock, SystemClock};
use crate::time::Time;
use std::io::Write;
use std::sync::Arc;

/// What the driver tells every process before a batch.
#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Eq)]
struct Batch {
    time_ms: u64,
    zero_ms: u64,
    last: bool,
}

/// What every process tells the driver after a batch: how long the batch took there, and
/// whether the process was asked to stop (Ctrl-C, SIGTERM): the driver then makes the next
/// batch the last, on every process.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default, PartialEq, Eq)]
struct Report {
    took_us: u64,
    stop: bool,
}

/// One process of a cluster, connected, its sources started, before its first batch.
pub(crate) struct Joined {
    job: Job,
    exec: Executor,
    clock: Arc<dyn Clock>,
    me: usize,
    /// The first batch's time (after the recovered checkpoint's, or the next grid point).
    first: Time,
}

/// Runs `job` as process `config.process` of the cluster until the driver stops.
pub(crate) fn run(job: Job, config: ClusterConfig) -> Result<()> {
    join(job, config)?.run()
}

/// Everything before the first batch: the start checks, the connection to the peers (and
/// the check that they run the same plan), recovery, the sources, the first batch time.
pub(crate) fn join(mut job: Job, config: ClusterConfig) -> Result<Joined> {
    crate::monitor::progress::install_default_subscriber();
    job.register_signals()?;
    job.check_start()?;
    let exec = connect(&job, &config, config.workers.unwrap_or(job.parallelism))?;
    let me = config.process;
    // Before the sources start: they resume from the recovered positions.
    let recovered = super::recovery::recover(&mut job, &exec, me)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    job.watch.wall_clock = true;
    super::start_sources(&mut job, &exec, Arc::clone(&clock))?;
    let first = super::recovery::first_batch(&mut job, &exec, me, &*clock, recovered)?;
    Ok(Joined { job, exec, clock, me, first })
}

impl Joined {
    /// The batch loop, until the driver announces the last batch.
    pub(crate) fn run(self) -> Result<()> {
        let Joined { job, exec, clock, me, first } = self;
        drive(job, exec, &*clock, me, first)
    }
}

/// Connects to the peers and checks that they run the same plan: the executor of this
/// process, with `workers` partitions of its own.
pub(crate) fn connect(job: &Job, config: &ClusterConfig, workers: usize) -> Result<Executor> {
    let started = std::time::Instant::now();
    let link = Link::start(config)?;
    let exec = Executor::in_cluster_of(config.processes * workers.max(1), link);
    agree_on_plan(&exec, job.explain.text, config.process)?;
    tracing::info!(
        process = config.process,
        processes = config.processes,
        partitions = exec.parallelism(),
        startup_ms = started.elapsed().as_millis() as u64,
        "cluster connected; the plans agree"
    );
    Ok(exec)
}

/// The batch loop: the driver decides each batch, everyone runs it and reports to the driver.
fn drive(mut job: Job, mut exec: Executor, clock: &dyn Clock, me: usize, first: Time) -> Result<()> {
    let mut time = first;
    let mut done = 0u64;
    let mut buffer = Vec::new();
    loop {
        let mut batch = None;
        if me == 0 {
            let signalled = !wait_until_or_stopped(clock, time, &job.stop);
            let last = signalled || job.max_batches.is_some_and(|max| done + 1 >= max);
            if last {
                tracing::info!("stopping: no longer receiving; running the last batch");
                job.stop_receiving();
            }
            batch = Some(Batch { time_ms: time.as_millis(), zero_ms: job.zero_time.as_millis(), last });
        }
        let batch = announce(&exec, batch)?;
        time = Time::from_millis(batch.time_ms);
        job.zero_time = Time::from_millis(batch.zero_ms);
        let started = std::time::Instant::now();
        buffer.clear();
        // The last batch checkpoints on every process, so a restart resumes after it.
        let ran = job.run_batch(time, &exec, &mut buffer, batch.last);
        exec.end_batch()?;
        ran?;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&buffer)?;
        stdout.flush()?;
        drop(stdout);
        done += 1;
        let took_us = started.elapsed().as_micros() as u64;
        tracing::debug!(process = me, batch = %time, took_us, "batch done");
        let report = Report { took_us, stop: job.stop.load(std::sync::atomic::Ordering::SeqCst) };
        if let Some(reports) = report_to_driver(&exec, &report)? {
            log_batch(clock, time, &reports);
            if let Some(process) = reports.iter().position(|r| r.stop).filter(|_| !batch.last) {
                tracing::info!(process, "a process was asked to stop: the next batch is the last");
                job.stop.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        if batch.last {
            break;
        }
        time = time.plus(job.batch_interval);
    }
    job.finish_checkpoints();
    job.watch.monitor.job_stopped();
    tracing::info!(process = me, batches = done, bytes_sent = exec.bytes_sent(), "job stopped");
    Ok(())
}

/// The driver's line for a batch: its delay behind the clock and each process's time.
fn log_batch(clock: &dyn Clock, time: Time, reports: &[Report]) {
    let delay_ms = clock.now().as_millis().saturating_sub(time.as_millis());
    let times: Vec<String> = reports
        .iter()
        .enumerate()
        .map(|(p, r)| format!("{p}: {:.1} ms", r.took_us as f64 / 1000.0))
        .collect();
    let slowest_ms = reports.iter().map(|r| r.took_us).max().unwrap_or(0) / 1000;
    tracing::info!(batch = %time, delay_ms, slowest_ms, per_process = %times.join(", "), "batch done");
}

/// Every process's report, on the driver (`None` elsewhere).
fn report_to_driver(exec: &Executor, report: &Report) -> Result<Option<Vec<Report>>> {
    let payload = postcard::to_allocvec(report).map_err(|e| Error::Cluster(e.to_string()))?;
    let me = exec.process();
    let payloads =
        (0..exec.processes()).map(|p| if p == 0 && me != 0 { payload.clone() } else { Vec::new() });
    let arrived = exec.control(payloads.collect())?;
    if me != 0 {
        return Ok(None);
    }
    let mut reports = Vec::with_capacity(arrived.len());
    for (process, bytes) in arrived.iter().enumerate() {
        reports.push(match process {
            0 => Report { took_us: report.took_us, stop: report.stop },
            _ => postcard::from_bytes(bytes).map_err(|e| {
                Error::Cluster(format!("the batch report of process {process} did not decode ({e}): do the processes run the same program?"))
            })?,
        });
    }
    Ok(Some(reports))
}

/// The driver's batch, sent to every process (`batch` is `Some` on the driver only).
fn announce(exec: &Executor, batch: Option<Batch>) -> Result<Batch> {
    let payload =
        batch.as_ref().map(postcard::to_allocvec).transpose().map_err(|e| Error::Cluster(e.to_string()))?;
    let processes = exec.processes();
    let arrived = exec.control((0..processes).map(|_| payload.clone().unwrap_or_default()).collect())?;
    match batch {
        Some(batch) => Ok(batch),
        None => postcard::from_bytes(&arrived[0]).map_err(|e| {
            Error::Cluster(format!("the driver's batch announcement did not decode ({e}): do the processes run the same program?"))
        }),
    }
}

/// Every process sends every other the hash of its plan; any difference is an error.
fn agree_on_plan(exec: &Executor, plan: &str, me: usize) -> Result<()> {
    let hash = plan_hash(plan);
    let processes = exec.processes();
    let arrived = exec.control((0..processes).map(|_| hash.to_le_bytes().to_vec()).collect())?;
    for (peer, bytes) in arrived.iter().enumerate().filter(|(p, _)| *p != me) {
        if bytes.as_slice() != hash.to_le_bytes() {
            return Err(Error::Cluster(format!(
                "process {peer} runs a different program than process {me} (their compiled plans differ): every process of a cluster must run the same build of the same program"
            )));
        }
    }
    Ok(())
}

/// FNV-1a of the plan's text: the same on every process that compiled the same program.
pub(crate) fn plan_hash(plan: &str) -> u64 {
    super::stable_hash(plan)
}
