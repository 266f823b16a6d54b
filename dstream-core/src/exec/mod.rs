//! The partition executor: runs one task per partition of a stage, and the exchanges
//! (shuffles) between stages ([`exchange`]).
//!
//! Generated code describes stages and exchanges by calling [`Executor::run_stage`] and the
//! exchange's methods ([`Executor::exchange_combine`], ...); it never calls rayon itself, so
//! this type is the one place that decides how tasks run (rayon here; another backend later).

#[cfg(feature = "cluster")]
pub(crate) mod cluster;
pub mod exchange;
pub mod partition;
#[cfg(feature = "cluster")]
mod scatter;
pub mod wire;

use crate::monitor::stages::StageClock;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A batch whose sources delivered fewer records than this runs its stages' partitions one
/// after the other on the batch thread: handing a task to the pool and waiting for it costs
/// about 50 µs here when the pool's threads sleep between batches (they do at any batch
/// interval worth having), more than a few thousand records take to process. The partitions
/// and their results are the same either way.
pub const SMALL_BATCH_RECORDS: usize = 1024;

/// Runs the tasks of a job's stages on a rayon pool.
#[derive(Debug)]
pub struct Executor {
    parallelism: usize,
    /// Records the sources delivered in the current batch (`usize::MAX`: unknown).
    batch_records: AtomicUsize,
    /// The link to the other processes, when the job runs in a cluster.
    #[cfg(feature = "cluster")]
    cluster: Option<std::sync::Arc<cluster::ClusterExec>>,
    /// The payloads received from other processes in this batch (records borrow them).
    #[cfg(feature = "cluster")]
    kept: cluster::Kept,
    /// Times every stage and exchange of the current batch, for the job's statistics.
    pub(crate) stages: StageClock,
}

impl Clone for Executor {
    fn clone(&self) -> Executor {
        Executor {
            parallelism: self.parallelism,
            batch_records: AtomicUsize::new(self.batch_records.load(Ordering::Relaxed)),
            #[cfg(feature = "cluster")]
            cluster: self.cluster.clone(),
            #[cfg(feature = "cluster")]
            kept: cluster::Kept::default(),
            stages: StageClock::default(),
        }
    }
}

impl Executor {
    /// An executor that cuts every stage into `parallelism` partitions.
    pub fn new(parallelism: usize) -> Executor {
        Executor {
            parallelism: parallelism.max(1),
            batch_records: AtomicUsize::new(usize::MAX),
            #[cfg(feature = "cluster")]
            cluster: None,
            #[cfg(feature = "cluster")]
            kept: cluster::Kept::default(),
            stages: StageClock::default(),
        }
    }

    /// An executor for one process of a cluster: `parallelism` global partitions, spread
    /// evenly over the processes of `link`.
    #[cfg(feature = "cluster")]
    pub(crate) fn in_cluster_of(parallelism: usize, link: crate::cluster::link::Link) -> Executor {
        let mut exec = Executor::new(parallelism);
        exec.cluster = Some(std::sync::Arc::new(cluster::ClusterExec::new(link)));
        exec
    }

    /// Whether this process holds partition 0, where gathered results are and the outputs
    /// with driver semantics run: always in one process; process 0 of a cluster.
    pub fn is_driver(&self) -> bool {
        #[cfg(feature = "cluster")]
        if let Some(cluster) = &self.cluster {
            return cluster.link.process() == 0;
        }
        true
    }

    /// Whether partition `i` of `n` is this process's (always, in one process).
    pub fn owns(&self, i: usize, n: usize) -> bool {
        #[cfg(feature = "cluster")]
        if let Some(cluster) = &self.cluster {
            return cluster::owner(i, n, cluster.link.processes()) == cluster.link.process();
        }
        let _ = (i, n);
        true
    }

    /// Whether every process of a cluster reads its own share of source `source` (never
    /// outside a cluster).
    #[cfg(not(feature = "cluster"))]
    pub(crate) fn read_where_assigned(&self, _source: usize) -> bool {
        false
    }

    /// Every process's records summed on the driver (outside a cluster, `records`).
    #[cfg(not(feature = "cluster"))]
    pub(crate) fn records_on_driver(&self, records: Option<usize>) -> Option<usize> {
        records
    }

    /// Whether this executor runs one process of a cluster.
    pub fn in_cluster(&self) -> bool {
        #[cfg(feature = "cluster")]
        return self.cluster.is_some();
        #[cfg(not(feature = "cluster"))]
        false
    }

    /// Whether an exchange of the current batch failed: its outputs must not be written.
    pub fn batch_failed(&self) -> bool {
        #[cfg(feature = "cluster")]
        return self.cluster.as_ref().is_some_and(|c| c.failed());
        #[cfg(not(feature = "cluster"))]
        false
    }

    /// Ends a batch: drops what was received for it, and returns the failure of one of its
    /// exchanges (a lost peer), if there was one.
    pub(crate) fn end_batch(&mut self) -> crate::error::Result<()> {
        #[cfg(feature = "cluster")]
        {
            self.kept.clear();
            if let Some(failure) = self.cluster.as_ref().and_then(|c| c.take_failure()) {
                return Err(crate::error::Error::Cluster(failure));
            }
        }
        Ok(())
    }

    /// Bytes this process has sent to the others of its cluster (0 in one process).
    pub fn bytes_sent(&self) -> u64 {
        #[cfg(feature = "cluster")]
        return self.cluster.as_ref().map_or(0, |c| c.link.bytes_sent());
        #[cfg(not(feature = "cluster"))]
        0
    }

    /// Starts a batch: no source records noted yet, no stage timed.
    pub fn begin_batch(&self) {
        self.batch_records.store(0, Ordering::Relaxed);
        self.stages.begin_batch();
    }

    /// Adds the records of the job's source number `source` for this batch (`None`: unknown,
    /// so the batch is not small), and keeps the count for the batch's statistics.
    pub fn note_input_records(&self, source: usize, records: Option<usize>) {
        self.stages.note_input(source, records);
        self.note_source_records(records);
    }

    /// Adds a source's records for this batch (`None`: unknown, so the batch is not small).
    pub fn note_source_records(&self, records: Option<usize>) {
        let add = records.unwrap_or(usize::MAX);
        let noted = self.batch_records.load(Ordering::Relaxed);
        self.batch_records.store(noted.saturating_add(add), Ordering::Relaxed);
    }

    /// Records the sources delivered in the current batch so far (`usize::MAX`: unknown).
    pub fn batch_records(&self) -> usize {
        self.batch_records.load(Ordering::Relaxed)
    }

    /// Whether this batch's stages run on the batch thread (see [`SMALL_BATCH_RECORDS`]).
    fn small_batch(&self) -> bool {
        self.batch_records() < SMALL_BATCH_RECORDS
    }

    /// The number of partitions of every stage (Spark's `spark.default.parallelism`).
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Runs `task` once per input partition, in parallel, and returns the results in
    /// partition order. One partition, or a small batch, runs on the calling thread.
    pub fn run_stage<I, O, F>(&self, inputs: Vec<I>, task: F) -> Vec<O>
    where
        I: Send,
        O: Send,
        F: Fn(usize, I) -> O + Sync,
    {
        let timer = self.stages.start();
        let partitions = inputs.len();
        let outputs = if partitions <= 1 || self.small_batch() {
            inputs.into_iter().enumerate().map(|(i, p)| task(i, p)).collect()
        } else {
            inputs.into_par_iter().enumerate().map(|(i, p)| task(i, p)).collect()
        };
        self.stages.stage_done(timer, partitions);
        outputs
    }

    /// [`Executor::run_stage`] for a stage whose partitions' results can be one (a keyed
    /// stage's map side: its table, split by destination, takes any partition's records).
    /// In a small batch, where the tasks run one after the other on the batch thread anyway,
    /// each task continues the previous one's result (`Some`) and the stage returns the last
    /// one alone: a small batch costs one map-side table, as on one partition. Otherwise each
    /// task starts from `None`.
    pub fn run_stage_folding<I, O, F>(&self, inputs: Vec<I>, task: F) -> Vec<O>
    where
        I: Send,
        O: Send,
        F: Fn(usize, I, Option<O>) -> O + Sync,
    {
        if inputs.len() <= 1 || !self.small_batch() || self.in_cluster() {
            return self.run_stage(inputs, |i, input| task(i, input, None));
        }
        let timer = self.stages.start();
        let partitions = inputs.len();
        let mut carried = None;
        for (i, input) in inputs.into_iter().enumerate() {
            carried = Some(task(i, input, carried));
        }
        self.stages.stage_done(timer, partitions);
        carried.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The threads the tasks of one stage ran on.
    fn task_threads(exec: &Executor) -> Vec<std::thread::ThreadId> {
        exec.run_stage(vec![(); 4], |_, ()| std::thread::current().id())
    }

    #[test]
    fn small_batches_run_on_the_calling_thread_and_large_ones_on_the_pool() {
        let exec = Executor::new(4);
        let me = std::thread::current().id();
        exec.begin_batch();
        exec.note_source_records(Some(SMALL_BATCH_RECORDS - 1));
        assert!(task_threads(&exec).iter().all(|t| *t == me));
        exec.note_source_records(Some(1));
        assert!(task_threads(&exec).iter().all(|t| *t != me), "the test thread is not a pool thread");
        exec.begin_batch();
        exec.note_source_records(None);
        assert!(task_threads(&exec).iter().all(|t| *t != me), "unknown size: the pool");
    }

    #[test]
    fn a_small_batch_folds_its_partitions_into_one_result_and_a_large_one_does_not() {
        let exec = Executor::new(3);
        let fold = |exec: &Executor| {
            exec.run_stage_folding(
                vec![vec![1, 2], vec![3], vec![4]],
                |i, part, carried: Option<Vec<(usize, i32)>>| {
                    let mut out = carried.unwrap_or_default();
                    out.extend(part.into_iter().map(|x| (i, x)));
                    out
                },
            )
        };
        exec.begin_batch();
        exec.note_source_records(Some(4));
        assert_eq!(fold(&exec), [vec![(0, 1), (0, 2), (1, 3), (2, 4)]]);
        exec.begin_batch();
        exec.note_source_records(None);
        assert_eq!(fold(&exec), [vec![(0, 1), (0, 2)], vec![(1, 3)], vec![(2, 4)]]);
    }

    #[test]
    fn results_come_back_in_partition_order_either_way() {
        let exec = Executor::new(3);
        for records in [Some(0), None] {
            exec.begin_batch();
            exec.note_source_records(records);
            assert_eq!(exec.run_stage(vec![10, 20, 30], |i, x| (i, x + 1)), [(0, 11), (1, 21), (2, 31)]);
        }
    }
}
