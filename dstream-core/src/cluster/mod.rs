//! Running one compiled job on N cooperating processes (issue #14, `docs/cluster.md`).
//!
//! Every process runs the same plan over the same global partitions: `P` processes of `w`
//! partitions each, process `p` owning partitions `[p·w, (p+1)·w)`. A partition's records
//! live on its owner after an exchange; the executor's exchange seam sends the buckets bound
//! for another process's partitions over the link (`cluster::link`, feature `cluster`), serialised, and keeps the
//! local ones as they are. Process 0 is the driver: it owns the batch clock, reads the
//! sources that are not partitioned and spreads their records over every process
//! (`exec::scatter`), and writes the outputs with driver semantics (`print`,
//! `foreach_batch`, `save_as_text_files`, `dashboard`). A partitioned source (`text_files`)
//! is read by every process, each its own share.

mod config;
#[cfg(feature = "cluster")]
pub(crate) mod connect;
#[cfg(feature = "cluster")]
pub(crate) mod link;

pub use config::{read_hostfile, ClusterConfig, DEFAULT_CONNECT_TIMEOUT};
#[cfg(feature = "cluster")]
mod recovery;
#[cfg(feature = "cluster")]
mod run;

/// FNV-1a of `text`: the same on every process, every run and every build.
pub(crate) fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Runs `job` as one process of the cluster `config`.
#[cfg(feature = "cluster")]
pub(crate) fn run(job: crate::job::Job, config: ClusterConfig) -> crate::error::Result<()> {
    run::run(job, config)
}

/// Joins the cluster `config` (connects, checks the plans, starts the sources) and returns
/// the batch loop, to run on a thread of its own ([`Job::start`](crate::job::Job::start)).
#[cfg(feature = "cluster")]
pub(crate) fn join(
    job: crate::job::Job,
    config: ClusterConfig,
) -> crate::error::Result<impl FnOnce() -> crate::error::Result<()> + Send> {
    let joined = run::join(job, config)?;
    Ok(move || joined.run())
}

/// Without the `cluster` feature a cluster setting is an error that says how to get one.
#[cfg(not(feature = "cluster"))]
pub(crate) fn join(
    _job: crate::job::Job,
    config: ClusterConfig,
) -> crate::error::Result<impl FnOnce() -> crate::error::Result<()> + Send> {
    Err::<fn() -> crate::error::Result<()>, _>(without_feature(&config))
}

/// Without the `cluster` feature a cluster setting is an error that says how to get one.
#[cfg(not(feature = "cluster"))]
pub(crate) fn run(_job: crate::job::Job, config: ClusterConfig) -> crate::error::Result<()> {
    Err(without_feature(&config))
}

#[cfg(not(feature = "cluster"))]
fn without_feature(config: &ClusterConfig) -> crate::error::Error {
    crate::error::Error::Config(format!(
        "DSTREAM_PROCESSES is {} but this program was built without dstream's `cluster` feature: add `features = [\"cluster\"]` to its dstream dependency",
        config.processes
    ))
}

/// The executor of one process of the cluster the environment describes, connected and
/// checked (the same plan everywhere), for a job the test harness drives: `None` when
/// `DSTREAM_PROCESSES` is unset or 1. `parallelism` is the partitions per process unless
/// `DSTREAM_WORKERS` says otherwise. The batch times need no agreement: the harness's clock
/// is the same manual clock on every process.
pub(crate) fn join_from_env(
    job: &crate::job::Job,
    parallelism: usize,
) -> crate::error::Result<Option<crate::exec::Executor>> {
    let Some(config) = ClusterConfig::from_env()?.filter(|c| c.processes > 1) else { return Ok(None) };
    #[cfg(feature = "cluster")]
    {
        if job.checkpoint_dir().is_some() {
            // The harness recovers before it joins; a cluster must agree on what to resume from.
            return Err(crate::error::Error::Config(
                "the test harness does not checkpoint on a cluster: run the job with `Job::run` (docs/cluster.md), or drop its `checkpoint(..)` setting".into(),
            ));
        }
        run::connect(job, &config, config.workers.unwrap_or(parallelism)).map(Some)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = (job, parallelism);
        Err(without_feature(&config))
    }
}

/// Starts the job's sources on this process: every source on the driver (and in one
/// process), only those read where they are assigned on the others; and tells the executor
/// which those are, so that their batches are not spread from the driver.
pub(crate) fn start_sources(
    job: &mut crate::job::Job,
    exec: &crate::exec::Executor,
    clock: std::sync::Arc<dyn crate::time::clock::Clock>,
) -> crate::error::Result<()> {
    #[cfg(feature = "cluster")]
    if exec.in_cluster() {
        exec.assign_sources(job.sources_read_where_assigned());
        return job.start_sources_of(clock, exec.process(), exec.processes());
    }
    let _ = exec;
    job.start_sources(clock)
}

/// What the driver printed in a batch, on every process: the harness's output is then the
/// same on each, so a test checks it wherever it runs. Outside a cluster, `printed` itself.
pub(crate) fn driver_output(exec: &crate::exec::Executor, printed: Vec<u8>) -> crate::error::Result<Vec<u8>> {
    #[cfg(feature = "cluster")]
    if exec.in_cluster() {
        let driver = exec.is_driver();
        let payloads =
            (0..exec.processes()).map(|_| if driver { printed.clone() } else { Vec::new() }).collect();
        let mut arrived = exec.control(payloads)?;
        return Ok(if driver { printed } else { std::mem::take(&mut arrived[0]) });
    }
    let _ = exec;
    Ok(printed)
}
