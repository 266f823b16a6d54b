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
    f(concat(partitions), time)
}

/// The partitions' records in partition order, in the first partition's `Vec` (grown once):
/// on one partition the records are handed over without a copy.
fn concat<T>(partitions: Vec<Vec<T>>) -> Vec<T> {
    let total: usize = partitions.iter().map(Vec::len).sum();
    let mut parts = partitions.into_iter();
    let mut records = parts.next().unwrap_or_default();
    records.reserve(total - records.len());
    for part in parts {
        records.extend(part);
    }
    records
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emit_hands_over_the_records_in_partition_order() {
        let exec = Executor::new(3);
        let mut seen = Vec::new();
        emit(&exec, vec![vec![1, 2], vec![], vec![3]], Time::from_millis(5), |records, time| {
            seen = records;
            assert_eq!(time, Time::from_millis(5));
        });
        assert_eq!(seen, [1, 2, 3]);
        let one = vec![String::from("a"); 4];
        let address = one.as_ptr();
        emit(&exec, vec![one], Time::from_millis(0), |records, _| assert_eq!(records.as_ptr(), address));
        emit(&exec, Vec::<Vec<u8>>::new(), Time::from_millis(0), |records, _| assert!(records.is_empty()));
    }
}
