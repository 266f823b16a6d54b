//! `foreach_partition(|records, time, partition| ...)`: Spark's `foreachPartition` inside
//! `foreachRDD`, the output that scales: each partition's records go to the closure on the
//! worker that holds them, in parallel, and never to the driver.
//!
//! `foreach_batch(|records, time| ...)`: Spark's `foreachRDD((rdd, time) => ...)`, the
//! generic output. The closure runs once per batch, after the batch's records are gathered
//! from all partitions (in partition order), and receives the batch time, so that it can
//! write exactly once into a transactional store keyed by that time.

use crate::exec::wire::Wire;

use crate::exec::Executor;
use crate::time::Time;

/// Gathers the partitions and calls `f(records, time)`. In a cluster the records are
/// gathered on the driver, where `f` runs; the other processes only send their share.
#[inline]
pub fn emit<'e, T: Wire<'e>>(
    exec: &'e Executor,
    partitions: Vec<Vec<T>>,
    time: Time,
    f: impl FnOnce(Vec<T>, Time),
) {
    if exec.in_cluster() {
        let records = exec.gather(partitions);
        if exec.is_driver() && !exec.batch_failed() {
            f(records, time);
        }
        return;
    }
    let mut records = Vec::with_capacity(partitions.iter().map(Vec::len).sum());
    for part in partitions {
        records.extend(part);
    }
    f(records, time)
}

/// Calls `f(records, time, partition)` once per partition, on the stage's workers, in
/// parallel. In a cluster a process calls it for the partitions it owns, and for any other
/// partition it holds records of (the driver holds the first stage's).
#[inline]
pub fn each_partition<T: Send>(
    exec: &Executor,
    partitions: Vec<Vec<T>>,
    time: Time,
    f: impl Fn(Vec<T>, Time, usize) + Sync,
) {
    let n = partitions.len();
    exec.run_stage(partitions, |i, records| {
        if exec.owns(i, n) || !records.is_empty() {
            f(records, time, i)
        }
    });
}
