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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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
    /// Whether the current batch runs as one partition ([`Executor::batch_parallelism`]).
    solo: AtomicBool,
    /// Whether the current batch's hash exchanges gather into one partition
    /// ([`Executor::gathers_by_key`]).
    gathers: AtomicBool,
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
            solo: AtomicBool::new(self.solo.load(Ordering::Relaxed)),
            gathers: AtomicBool::new(self.gathers.load(Ordering::Relaxed)),
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
            solo: AtomicBool::new(false),
            gathers: AtomicBool::new(false),
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

    /// Starts a batch: no source records noted yet, no stage timed, partitioned as the job is.
    pub fn begin_batch(&self) {
        self.batch_records.store(0, Ordering::Relaxed);
        self.solo.store(false, Ordering::Relaxed);
        self.gathers.store(false, Ordering::Relaxed);
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

    /// The partitions the stages of this batch run on, given the records of each of its
    /// sources (`None`: unknown): the job's [`Executor::parallelism`], or 1 for a small batch
    /// (fewer than [`SMALL_BATCH_RECORDS`], in one process) of a program whose results do not
    /// depend on which partition a record is in. Called by generated code, for such programs
    /// only, before the batch's first stage.
    ///
    /// Why: a small batch's partitions run one after the other on the batch thread anyway,
    /// and each costs its own tables, buckets, exchange and output calls; as one partition a
    /// tiny batch costs what it costs on a one-partition job. What a user sees stays the
    /// same but for the order of records within a batch where Spark gives none (a reduce's
    /// output is in hash order either way): the outputs of such programs (`print`,
    /// `foreach_batch`, `save_as_text_files`) take the batch whole, the text files sink still
    /// writes one part file per partition of the job ([`Executor::shown_partitions`]), and the
    /// batch's statistics show its stages with the job's partitions.
    ///
    /// A larger batch of such a program runs its first stages on the job's partitions, and
    /// its hash exchanges gather ([`Executor::gathers_by_key`]).
    pub fn batch_parallelism<const N: usize>(&self, records: impl FnOnce() -> [Option<usize>; N]) -> usize {
        if self.parallelism == 1 || self.in_cluster() {
            return self.parallelism;
        }
        let total = records().into_iter().try_fold(0usize, |sum, n| n.map(|n| sum.saturating_add(n)));
        let solo = total.is_some_and(|n| n < SMALL_BATCH_RECORDS);
        self.solo.store(solo, Ordering::Relaxed);
        if solo {
            1
        } else {
            self.gather_hash_exchanges();
            self.parallelism
        }
    }

    /// Makes this batch's hash exchanges gather ([`Executor::gathers_by_key`]), in one process
    /// of a job of several partitions. Called by generated code for a program whose results do
    /// not depend on the partitioning: by [`Executor::batch_parallelism`], or, for a program
    /// whose first stage runs on pieces of its batch, at the batch's cut.
    pub fn gather_hash_exchanges(&self) {
        if self.parallelism > 1 && !self.in_cluster() {
            self.gathers.store(true, Ordering::Relaxed);
        }
    }

    /// Whether this batch runs as one partition ([`Executor::batch_parallelism`]).
    pub fn runs_solo(&self) -> bool {
        self.solo.load(Ordering::Relaxed)
    }

    /// Whether this batch's hash exchanges merge the map-side tables into one table instead of
    /// cutting them by key, after which the batch runs as one partition
    /// ([`Executor::runs_solo`]): a batch of a program whose results do not depend on the
    /// partitioning (those [`Executor::batch_parallelism`] is called for), too large to run
    /// as one partition from its start, in one process.
    ///
    /// Why: its map side runs on every partition, but the reduce side needs no partitioning.
    /// Cutting every table by key costs about 150 instructions and 5 cache misses per key
    /// moved (each half of a batch holds most of its keys), where merging the smaller tables
    /// into the largest costs one insert-or-combine per key of the smaller ones, as a
    /// hand-written loop on two threads does.
    pub fn gathers_by_key(&self) -> bool {
        self.gathers.load(Ordering::Relaxed)
    }

    /// The rest of this batch runs as one partition (its hash exchange gathered), shown with
    /// the job's partitions as a batch that ran so from its start is.
    pub(crate) fn continue_solo(&self) {
        self.solo.store(true, Ordering::Relaxed);
    }

    /// The partitions a stage of `partitions` tasks shows a user: the job's in a batch that
    /// runs as one partition (every stage of the programs that may do so has the job's
    /// partitions), else its own.
    pub fn shown_partitions(&self, partitions: usize) -> usize {
        if partitions < self.parallelism && self.runs_solo() {
            self.parallelism
        } else {
            partitions
        }
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
        self.stages.stage_done(timer, self.shown_partitions(partitions));
        outputs
    }

    /// [`Executor::run_stage`] for a stage whose partitions' results can be one (a keyed
    /// stage's map side: its table, split by destination, takes any partition's records).
    /// In a small batch, where the tasks run one after the other on the batch thread anyway,
    /// each task continues the previous one's result (`Some`) and the stage returns the last
    /// one alone: a small batch costs one map-side table, as on one partition. Otherwise each
    /// task starts from `None`. The stage feeds a hash exchange ([`Executor::exchange_combine`]):
    /// in a batch that runs as one partition, which needs none, the statistics show it after
    /// the stage, taking no time.
    pub fn run_stage_folding<I, O, F>(&self, inputs: Vec<I>, task: F) -> Vec<O>
    where
        I: Send,
        O: Send,
        F: Fn(usize, I, Option<O>) -> O + Sync,
    {
        if self.runs_solo() {
            // One partition: the stage, and the hash exchange it feeds shown as not needed.
            let timer = self.stages.start();
            let outputs = inputs.into_iter().enumerate().map(|(i, input)| task(i, input, None)).collect();
            let exchange = exchange::Exchange::HashByKey { partitions: self.parallelism }.kind();
            self.stages.stage_done_exchange_elided(timer, self.parallelism, exchange);
            return outputs;
        }
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
    fn a_small_batch_of_known_size_runs_as_one_partition_showing_the_jobs_partitions() {
        let exec = Executor::new(3);
        exec.begin_batch();
        assert_eq!(exec.batch_parallelism(|| [Some(10), Some(SMALL_BATCH_RECORDS - 11)]), 1);
        assert!(exec.runs_solo());
        assert!(!exec.gathers_by_key(), "one partition: nothing to gather");
        assert_eq!((exec.shown_partitions(1), exec.shown_partitions(3)), (3, 3));
        let out = exec.run_stage_folding(vec![vec![1, 2]], |_, part, carried: Option<Vec<i32>>| {
            assert!(carried.is_none());
            part
        });
        assert_eq!(out, [vec![1, 2]]);
        let (stages, _) = exec.stages.take();
        let shown: Vec<_> = stages.iter().map(|s| (s.kind, s.partitions, s.index)).collect();
        assert_eq!(shown, [("stage", 3, 0), ("hash by key", 3, 1)]);
        assert_eq!(stages[1].duration_us, 0, "the exchange did not run");
        // A new batch is partitioned as the job is until told otherwise.
        exec.begin_batch();
        assert!(!exec.runs_solo());
        assert!(!exec.gathers_by_key());
        assert_eq!(exec.shown_partitions(1), 1);
        for records in [[Some(SMALL_BATCH_RECORDS), Some(0)], [Some(1), None]] {
            exec.begin_batch();
            assert_eq!(exec.batch_parallelism(|| records), 3, "{records:?}");
            assert!(!exec.runs_solo());
            assert!(exec.gathers_by_key(), "a larger batch gathers its hash exchanges");
        }
        // A program that does not ask (one that depends on its partitions) never gathers.
        exec.begin_batch();
        assert!(!exec.gathers_by_key());
        let one = Executor::new(1);
        one.begin_batch();
        assert_eq!(
            one.batch_parallelism(|| -> [Option<usize>; 0] { panic!("not asked on one partition") }),
            1
        );
        assert!(!one.runs_solo());
        assert!(!one.gathers_by_key());
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
