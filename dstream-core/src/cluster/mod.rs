//! Running one compiled job on N cooperating processes (issue #14, `docs/cluster.md`).
//!
//! Every process runs the same plan over the same global partitions: `P` processes of `w`
//! partitions each, process `p` owning partitions `[p·w, (p+1)·w)`. A partition's records
//! live on its owner after an exchange; the executor's exchange seam sends the buckets bound
//! for another process's partitions over the [`link`](self::link), serialised, and keeps the
//! local ones as they are. Process 0 is the driver: it owns the batch clock, reads the
//! sources, and writes the outputs with driver semantics (`print`, `foreach_batch`,
//! `save_as_text_files`).

mod config;
#[cfg(feature = "cluster")]
pub(crate) mod connect;
#[cfg(feature = "cluster")]
pub(crate) mod link;

pub use config::{read_hostfile, ClusterConfig, DEFAULT_CONNECT_TIMEOUT};
#[cfg(feature = "cluster")]
mod run;

/// Runs `job` as one process of the cluster `config`.
#[cfg(feature = "cluster")]
pub(crate) fn run(job: crate::job::Job, config: ClusterConfig) -> crate::error::Result<()> {
    run::run(job, config)
}

/// Without the `cluster` feature a cluster setting is an error that says how to get one.
#[cfg(not(feature = "cluster"))]
pub(crate) fn run(_job: crate::job::Job, config: ClusterConfig) -> crate::error::Result<()> {
    Err(crate::error::Error::Config(format!(
        "DSTREAM_PROCESSES is {} but this program was built without dstream's `cluster` feature: add `features = [\"cluster\"]` to its dstream dependency",
        config.processes
    )))
}
