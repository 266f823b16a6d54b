//! The partition executor: runs one task per partition of a stage, and the exchanges
//! (shuffles) between stages.
//!
//! Generated code describes stages and exchanges by calling [`Executor::run_stage`] and
//! [`Executor::exchange_combine`]; it never calls rayon itself, so this type is the one place
//! that decides how tasks run (rayon here; another backend later).

use crate::combine::{partition_of, Combiner};
use rayon::prelude::*;
use std::hash::Hash;

/// Runs the tasks of a job's stages on a rayon pool.
#[derive(Clone, Debug)]
pub struct Executor {
    parallelism: usize,
}

impl Executor {
    /// An executor that cuts every stage into `parallelism` partitions.
    pub fn new(parallelism: usize) -> Executor {
        Executor { parallelism: parallelism.max(1) }
    }

    /// The number of partitions of every stage (Spark's `spark.default.parallelism`).
    pub fn parallelism(&self) -> usize {
        self.parallelism
    }

    /// Runs `task` once per input partition, in parallel, and returns the results in
    /// partition order. One partition runs on the calling thread.
    pub fn run_stage<I, O, F>(&self, inputs: Vec<I>, task: F) -> Vec<O>
    where
        I: Send,
        O: Send,
        F: Fn(usize, I) -> O + Sync,
    {
        if inputs.len() <= 1 {
            return inputs.into_iter().enumerate().map(|(i, p)| task(i, p)).collect();
        }
        inputs.into_par_iter().enumerate().map(|(i, p)| task(i, p)).collect()
    }

    /// Hash-partitions the map-side combined tables into `partitions` reduce partitions and
    /// merges equal keys with `merge`: the shuffle behind `reduce_by_key`. Each map task ships
    /// one entry per distinct key, never one per record.
    pub fn exchange_combine<K, V, M>(
        &self,
        map_outputs: Vec<Combiner<K, V>>,
        partitions: usize,
        merge: M,
    ) -> Vec<Combiner<K, V>>
    where
        K: Hash + Eq + Send,
        V: Send,
        M: Fn(V, V) -> V + Sync,
    {
        let partitions = partitions.max(1);
        if partitions == 1 {
            // One reduce partition: merge into the largest map-side table, no bucketing.
            let mut tables = map_outputs;
            let largest = (0..tables.len()).max_by_key(|&i| tables[i].len());
            let Some(largest) = largest else { return vec![Combiner::new()] };
            let mut merged = tables.swap_remove(largest);
            for (k, v) in tables.into_iter().flatten() {
                merged.merge(k, v, &merge);
            }
            return vec![merged];
        }
        // Map side: cut every table into one bucket per reduce partition.
        let buckets: Vec<Vec<Vec<(K, V)>>> = self.run_stage(map_outputs, |_, table| {
            let mut out: Vec<Vec<(K, V)>> = (0..partitions).map(|_| Vec::new()).collect();
            for (k, v) in table {
                out[partition_of(&k, partitions)].push((k, v));
            }
            out
        });
        // Transpose: reduce partition j receives bucket j of every map task.
        let mut inbound: Vec<Vec<Vec<(K, V)>>> = (0..partitions).map(|_| Vec::new()).collect();
        for map_task in buckets {
            for (j, bucket) in map_task.into_iter().enumerate() {
                inbound[j].push(bucket);
            }
        }
        // Reduce side: merge what arrived.
        self.run_stage(inbound, |_, buckets| {
            let mut table = Combiner::with_capacity(buckets.iter().map(Vec::len).max().unwrap_or(0));
            for (k, v) in buckets.into_iter().flatten() {
                table.merge(k, v, &merge);
            }
            table
        })
    }
}
