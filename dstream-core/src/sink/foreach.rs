//! `foreach_batch(|records, time| ...)`: Spark's `foreachRDD((rdd, time) => ...)`, the
//! generic output. The closure runs once per batch, after the batch's records are gathered
//! from all partitions (in partition order), and receives the batch time, so that it can
//! write exactly once into a transactional store keyed by that time.

use crate::time::Time;

/// Gathers the partitions and calls `f(records, time)`.
#[inline]
pub fn emit<T>(partitions: Vec<Vec<T>>, time: Time, f: impl FnOnce(Vec<T>, Time)) {
    let mut records = Vec::with_capacity(partitions.iter().map(Vec::len).sum());
    for part in partitions {
        records.extend(part);
    }
    f(records, time)
}
