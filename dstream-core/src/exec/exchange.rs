//! The exchange: the one way records move between the partitions of a batch.
//!
//! Every operator that moves records between partitions goes through [`Executor::exchange`]:
//! the shuffles of `reduce_by_key`, `combine_by_key`, `group_by_key` and `count_by_value`
//! ([`Executor::exchange_combine`]), the joins and `cogroup`, `map_with_state` and a state
//! store whose partition count changes ([`Executor::hash_partition`]), `repartition`
//! ([`Executor::repartition`]), the gathers of `count`, `reduce`, `transform` and
//! `transform_with` ([`Executor::gather`], [`Executor::scatter`]). A union moves no record:
//! it renumbers partitions ([`Executor::union`], for a window's batches; a program's `union`
//! does the same in `ops::branches`, where `&str` records meet `String` ones).
//!
//! An exchange has two halves:
//! 1. The map side: a stage's task cuts its source partition `i` into one bucket per
//!    destination partition, as an [`Exchange`] describes. Combining happens before the cut,
//!    on the map side: a combining table ships one entry per distinct key, never one per
//!    record.
//! 2. The move, [`Executor::exchange`]: bucket `j` of source `i` goes to destination `j`,
//!    which receives one bucket from every source, in source order. That is the whole seam:
//!    "the records of this batch leave partition `i` for partition `j`". Nothing else in the
//!    runtime hands records from one partition to another.
//!
//! In one process the move is a transpose of `Vec`s: no record is copied or touched.
//!
//! # Between processes (feature `cluster`, docs/cluster.md)
//! On a cluster the move sends bucket `j` of source `i` to the process that owns partition
//! `j`, serialised, over timely-dataflow, one epoch per exchange (`exec::cluster`); local
//! buckets still move as `Vec`s. Records therefore need [`Wire`]: `Send` in one process, also
//! serde `Serialize + Deserialize<'e>` with the feature, where `'e` is the executor's borrow:
//! text keys (`&str`, `short_keys::ShippedKey`) are deserialised borrowing the received
//! bytes, which the executor keeps until the batch ends. [`Executor::run_stage`] runs every
//! partition's task on every process; a partition another process owns is empty here.

use crate::exec::wire::Wire;
use crate::exec::Executor;
use crate::keys::combine::{bucket_by_key, CombineTable};
use crate::text::split_contiguous;
use std::hash::Hash;

/// How an exchange sends a source partition's records to the destination partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    /// Each record to the partition its key hashes to (Spark's `HashPartitioner`): equal keys
    /// from every source meet in one partition. Records and `Combiner` entries go by
    /// `partition_of(key, partitions)`; a table specialised for its key type may cut by a hash
    /// it already holds (`short_keys::StrTable` does), the same in every source.
    HashByKey {
        /// Destination partitions.
        partitions: usize,
    },
    /// Each source partition deals its records in turn to the destinations, the first to
    /// the destination of its own index (Spark's `repartition` deals from a start drawn at
    /// random per partition; the index keeps runs reproducible).
    RoundRobin {
        /// Destination partitions.
        partitions: usize,
    },
    /// Each source partition cut into contiguous runs of nearly equal length, the first run
    /// to the first destination (Spark's `parallelize`): how the records a function of the
    /// whole batch returned are spread again.
    Contiguous {
        /// Destination partitions.
        partitions: usize,
    },
    /// Every record to one partition, in source order.
    Gather,
    /// A copy of every record to every destination.
    Broadcast {
        /// Destination partitions.
        partitions: usize,
    },
}

impl Exchange {
    /// The number of destination partitions (at least one).
    pub fn destinations(self) -> usize {
        match self {
            Exchange::Gather => 1,
            Exchange::HashByKey { partitions }
            | Exchange::RoundRobin { partitions }
            | Exchange::Contiguous { partitions }
            | Exchange::Broadcast { partitions } => partitions.max(1),
        }
    }

    /// The exchange's name, as the job's statistics show it.
    pub fn kind(self) -> &'static str {
        match self {
            Exchange::HashByKey { .. } => "hash by key",
            Exchange::RoundRobin { .. } => "round robin",
            Exchange::Contiguous { .. } => "contiguous",
            Exchange::Gather => "gather",
            Exchange::Broadcast { .. } => "broadcast",
        }
    }
}

/// What every destination partition receives: one bucket per source partition, in source
/// order (`received[j][i]` is what source `i` sent destination `j`).
pub type Received<T> = Vec<Vec<Vec<T>>>;

impl Executor {
    /// The seam: moves `outbound[i][j]`, the records source partition `i` cut for destination
    /// `j` as `how` says, to destination `j`. Returns per destination what it received, one
    /// bucket per source, in source order. Every source must have cut exactly
    /// `how.destinations()` buckets.
    ///
    /// In one process this moves `Vec`s and copies no record; see the module documentation
    /// for what a cluster backend does here.
    pub fn exchange<'e, T: Wire<'e>>(&'e self, how: Exchange, outbound: Vec<Vec<Vec<T>>>) -> Received<T> {
        let timer = self.stages.start();
        #[cfg(feature = "cluster")]
        if let Some(cluster) = &self.cluster {
            let received = self.exchange_between_processes(cluster, how, outbound);
            self.stages.exchange_done(timer, how.kind(), how.destinations());
            return received;
        }
        let destinations = how.destinations();
        let sources = outbound.len();
        let mut received: Received<T> = (0..destinations).map(|_| Vec::with_capacity(sources)).collect();
        for (i, buckets) in outbound.into_iter().enumerate() {
            check_cut(how, i, buckets.len());
            for (to, bucket) in received.iter_mut().zip(buckets) {
                to.push(bucket);
            }
        }
        self.stages.exchange_done(timer, how.kind(), destinations);
        received
    }

    /// Hash-partitions `(key, value)` records by key into `partitions` partitions
    /// ([`Exchange::HashByKey`]), each source cut on its own task. A destination's records
    /// keep their order: by source partition, then by position in it.
    pub fn hash_partition<'e, P, K, V>(&'e self, sources: Vec<P>, partitions: usize) -> Received<(K, V)>
    where
        P: IntoIterator<Item = (K, V)> + Send,
        K: Hash + Send,
        V: Send,
        (K, V): Wire<'e>,
    {
        let partitions = partitions.max(1);
        let outbound = self.run_stage(sources, |_, records| bucket_by_key(records, partitions));
        self.exchange(Exchange::HashByKey { partitions }, outbound)
    }

    /// Hash-partitions the map-side combined tables into `partitions` reduce partitions and
    /// merges equal keys with `merge`: the shuffle behind `reduce_by_key`. Each map task ships
    /// one entry per distinct key, never one per record.
    /// The tables keep their type (a table specialised for the key type stays so).
    pub fn exchange_combine<'e, K, V, T, M>(
        &'e self,
        map_outputs: Vec<T>,
        partitions: usize,
        merge: M,
    ) -> Vec<T>
    where
        K: Hash + Eq + Send,
        V: Send,
        T: CombineTable<K, V> + Send,
        T::Shipped: Wire<'e>,
        M: Fn(V, V) -> V + Sync,
    {
        self.exchange_combine_with(map_outputs, partitions, merge, T::default)
    }

    /// [`Executor::exchange_combine`], where a reduce partition without a map-side table of
    /// its own to merge into (fewer map-side tables than reduce partitions: a small batch's
    /// map side folds into one table, see [`Executor::run_stage_folding`]) gets its table from
    /// `spare` (a keyed stage's pool: no allocation in steady state), on the batch thread.
    pub fn exchange_combine_with<'e, K, V, T, M>(
        &'e self,
        map_outputs: Vec<T>,
        partitions: usize,
        merge: M,
        mut spare: impl FnMut() -> T,
    ) -> Vec<T>
    where
        K: Hash + Eq + Send,
        V: Send,
        T: CombineTable<K, V> + Send,
        T::Shipped: Wire<'e>,
        M: Fn(V, V) -> V + Sync,
    {
        let partitions = partitions.max(1);
        let mut tables = map_outputs;
        if self.gathers_by_key() {
            // Nothing needs the partitioning: one table, and the batch goes on as one
            // partition. Tables merged are shown as the exchange; one table (the batch is one
            // partition already, its exchange shown by its map side's stage) merges nothing.
            let timer = self.stages.start();
            let merging = tables.len() > 1;
            let merged = absorb_into_largest(tables, &merge);
            if merging {
                self.stages.exchange_done(timer, Exchange::HashByKey { partitions }.kind(), partitions);
            }
            self.continue_solo();
            return vec![merged];
        }
        if partitions == 1 && !self.in_cluster() {
            // One reduce partition: the tables are all in this process; merge them into the
            // largest, no bucketing, nothing moves. (Between processes, the tables ship.)
            return vec![absorb_into_largest(tables, &merge)];
        }
        let outbound = self.run_stage(tables.iter_mut().collect(), |_, table| table.ship(partitions));
        let received = self.exchange(Exchange::HashByKey { partitions }, outbound);
        // Reduce partition `j` merges its keys into map-side table `j`, emptied by its cut:
        // the memory (and a pooled table's way back to its pool) is reused, not allocated.
        if tables.len() < partitions && !self.in_cluster() {
            tables.extend((tables.len()..partitions).map(|_| spare()));
        }
        let mut emptied = tables.into_iter();
        let inputs: Vec<_> = received.into_iter().map(|buckets| (buckets, emptied.next())).collect();
        drop(emptied);
        self.run_stage(inputs, |_, (buckets, table)| {
            let mut table = table.unwrap_or_default();
            table.reserve(buckets.iter().map(Vec::len).max().unwrap_or(0));
            for item in buckets.into_iter().flatten() {
                table.receive(item, &merge);
            }
            table
        })
    }

    /// `repartition(n)`: the records dealt round-robin into exactly `partitions` partitions
    /// ([`Exchange::RoundRobin`]).
    pub fn repartition<'e, T: Wire<'e>>(&'e self, sources: Vec<Vec<T>>, partitions: usize) -> Vec<Vec<T>> {
        let partitions = partitions.max(1);
        let outbound = self.run_stage(sources, |i, records| deal(i, records, partitions));
        let received = self.exchange(Exchange::RoundRobin { partitions }, outbound);
        self.run_stage(received, |_, buckets| concat(buckets))
    }

    /// Every record of every partition in one partition, in partition order
    /// ([`Exchange::Gather`]): what a function of the whole batch, or a total, reads.
    pub fn gather<'e, P, T>(&'e self, sources: Vec<P>) -> Vec<T>
    where
        P: IntoIterator<Item = T>,
        T: Wire<'e>,
    {
        let mut sources = sources;
        if sources.len() == 1 {
            // Partition 0 is already where a gather puts its records: nothing moves.
            return sources.pop().map(|records| records.into_iter().collect()).unwrap_or_default();
        }
        // Each source goes whole: its cut is no work worth a task.
        let outbound = sources.into_iter().map(|records| vec![records.into_iter().collect()]).collect();
        let received = self.exchange(Exchange::Gather, outbound);
        received.into_iter().next().map(concat).unwrap_or_default()
    }

    /// The records of one partition spread over `partitions` partitions in contiguous runs
    /// ([`Exchange::Contiguous`]): a gathered batch made partitioned again.
    pub fn scatter<'e, T: Wire<'e>>(&'e self, records: Vec<T>, partitions: usize) -> Vec<Vec<T>> {
        let partitions = partitions.max(1);
        let outbound = vec![split_contiguous(records, partitions)];
        let received = self.exchange(Exchange::Contiguous { partitions }, outbound);
        received.into_iter().map(concat).collect()
    }

    /// Every record of every partition in each of `partitions` partitions, in partition order
    /// ([`Exchange::Broadcast`]).
    pub fn broadcast<'e, T: Clone + Wire<'e>>(
        &'e self,
        sources: Vec<Vec<T>>,
        partitions: usize,
    ) -> Vec<Vec<T>> {
        let partitions = partitions.max(1);
        let outbound = self.run_stage(sources, |_, records| copies(records, partitions));
        let received = self.exchange(Exchange::Broadcast { partitions }, outbound);
        self.run_stage(received, |_, buckets| concat(buckets))
    }

    /// `union`: the partitions of every input, in order (Spark concatenates them). No record
    /// moves: each partition stays where it is under its new number.
    pub fn union<T>(&self, inputs: Vec<Vec<Vec<T>>>) -> Vec<Vec<T>> {
        inputs.into_iter().flatten().collect()
    }
}

/// The largest of `tables` with every other table's keys merged into it by `merge` (an
/// empty table when there are none).
fn absorb_into_largest<K, V, T: CombineTable<K, V>>(mut tables: Vec<T>, merge: impl Fn(V, V) -> V) -> T {
    let largest = (0..tables.len()).max_by_key(|&i| tables[i].len());
    let Some(largest) = largest else { return T::default() };
    let mut merged = tables.swap_remove(largest);
    for table in tables {
        merged.absorb(table, &merge);
    }
    merged
}

/// Refuses a cut that disagrees with its description: a bug in the runtime, since delivering
/// fewer buckets would lose records without a trace.
pub(super) fn check_cut(how: Exchange, source: usize, buckets: usize) {
    assert_eq!(
        buckets,
        how.destinations(),
        "exchange {how:?}: source partition {source} was cut into {buckets} buckets"
    );
}

/// [`Exchange::RoundRobin`]'s cut of source partition `source`.
fn deal<T>(source: usize, records: Vec<T>, partitions: usize) -> Vec<Vec<T>> {
    let each = records.len() / partitions + 1;
    let mut out: Vec<Vec<T>> = (0..partitions).map(|_| Vec::with_capacity(each)).collect();
    let mut to = source % partitions;
    for record in records {
        out[to].push(record);
        to = if to + 1 == partitions { 0 } else { to + 1 };
    }
    out
}

/// [`Exchange::Broadcast`]'s cut: a copy per destination (the last takes the records).
fn copies<T: Clone>(records: Vec<T>, partitions: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = (1..partitions).map(|_| records.clone()).collect();
    out.push(records);
    out
}

/// A destination's buckets as one partition, in source order. When at most one bucket holds
/// records it is taken as it is, without a copy.
fn concat<T>(mut buckets: Vec<Vec<T>>) -> Vec<T> {
    let mut filled = buckets.iter().enumerate().filter(|(_, b)| !b.is_empty()).map(|(i, _)| i);
    match (filled.next(), filled.next()) {
        (None, _) => Vec::new(),
        (Some(only), None) => buckets.swap_remove(only),
        _ => {
            let mut out = Vec::with_capacity(buckets.iter().map(Vec::len).sum());
            for bucket in buckets {
                out.extend(bucket);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::combine::{partition_of, Combiner};

    /// An executor whose stages run on the pool (the batch is not small), so that tasks and
    /// the exchange really cross threads.
    fn pooled(parallelism: usize) -> Executor {
        let exec = Executor::new(parallelism);
        exec.begin_batch();
        exec.note_source_records(None);
        exec
    }

    /// Source partitions of `(key, (source, position))` records with repeated keys.
    fn tagged(sources: usize, per_source: usize) -> Vec<Vec<(u32, (usize, usize))>> {
        (0..sources)
            .map(|s| (0..per_source).map(|i| (((s * 7 + i * 13) % 23) as u32, (s, i))).collect())
            .collect()
    }

    #[test]
    fn the_move_delivers_bucket_j_of_every_source_to_j_in_source_order() {
        let exec = Executor::new(2);
        let outbound = vec![vec![vec!["0>0"], vec!["0>1"]], vec![vec![], vec!["1>1", "1>1 again"]]];
        let received = exec.exchange(Exchange::HashByKey { partitions: 2 }, outbound);
        assert_eq!(received, vec![vec![vec!["0>0"], vec![]], vec![vec!["0>1"], vec!["1>1", "1>1 again"]]]);
    }

    #[test]
    #[should_panic(expected = "source partition 1 was cut into 1 buckets")]
    fn a_cut_with_the_wrong_number_of_buckets_is_refused() {
        let outbound = vec![vec![vec![1], vec![2]], vec![vec![3]]];
        Executor::new(2).exchange(Exchange::RoundRobin { partitions: 2 }, outbound);
    }

    #[test]
    fn hash_partition_delivers_every_record_once_to_its_keys_partition_in_order() {
        let exec = pooled(3);
        for partitions in [1, 2, 3, 5] {
            let sources = tagged(4, 50);
            let received = exec.hash_partition(sources.clone(), partitions);
            assert_eq!(received.len(), partitions);
            let mut arrived = Vec::new();
            for (j, buckets) in received.into_iter().enumerate() {
                assert_eq!(buckets.len(), sources.len(), "one bucket per source");
                for (i, bucket) in buckets.into_iter().enumerate() {
                    for &(k, (s, pos)) in &bucket {
                        assert_eq!(partition_of(&k, partitions), j, "key {k} in partition {j}");
                        assert_eq!(s, i, "a record arrives in its source's bucket");
                        arrived.push((s, pos));
                    }
                    // Within a bucket, the source's order.
                    assert!(bucket.windows(2).all(|w| w[0].1 .1 < w[1].1 .1));
                }
            }
            arrived.sort();
            let sent: Vec<(usize, usize)> = sources.iter().flatten().map(|&(_, tag)| tag).collect();
            assert_eq!(arrived, sent, "every record exactly once, P = {partitions}");
        }
    }

    #[test]
    fn exchange_combine_merges_each_key_once_in_its_partition() {
        let exec = pooled(2);
        for partitions in [1, 2, 3] {
            let tables: Vec<Combiner<u32, u64>> = tagged(3, 40)
                .into_iter()
                .map(|part| {
                    let mut t = Combiner::new();
                    for (k, _) in part {
                        t.merge(k, 1, |a, b| a + b);
                    }
                    t
                })
                .collect();
            let out = exec.exchange_combine(tables, partitions, |a, b| a + b);
            assert_eq!(out.len(), partitions);
            let mut total = 0;
            for (j, table) in out.iter().enumerate() {
                for (k, n) in table.iter() {
                    assert_eq!(partition_of(k, partitions), j);
                    total += n;
                }
            }
            assert_eq!(total, 120, "every record counted once, P = {partitions}");
            assert_eq!(out.iter().map(Combiner::len).sum::<usize>(), 23, "every key once");
        }
    }

    #[test]
    fn a_folded_map_side_gets_spare_tables_for_the_other_reduce_partitions() {
        let exec = pooled(2);
        let mut folded = Combiner::new();
        for (k, _) in tagged(2, 40).into_iter().flatten() {
            folded.merge(k, 1u64, |a, b| a + b);
        }
        let made = std::cell::Cell::new(0);
        let spare = || {
            made.set(made.get() + 1);
            Combiner::with_capacity(8)
        };
        let out = exec.exchange_combine_with(vec![folded], 3, |a, b| a + b, spare);
        assert_eq!(made.get(), 2, "a spare for each reduce partition beyond the one table");
        assert_eq!(out.len(), 3);
        for (j, table) in out.iter().enumerate() {
            assert!(table.iter().all(|(k, _)| partition_of(k, 3) == j));
        }
        assert_eq!(out.iter().flat_map(Combiner::iter).map(|(_, n)| n).sum::<u64>(), 80);
    }

    #[test]
    fn a_gathering_batch_merges_its_map_side_tables_into_the_largest() {
        use crate::keys::short_keys::StrTable;
        let exec = Executor::new(2);
        exec.begin_batch();
        assert_eq!(exec.batch_parallelism(|| [Some(crate::exec::SMALL_BATCH_RECORDS)]), 2);
        let text: Vec<String> = (0..300).map(|i| format!("key-{}", i % 70)).collect();
        let long: Vec<String> =
            (0..20).map(|i| format!("a key longer than sixteen bytes {}", i % 7)).collect();
        let mut tables: Vec<StrTable<u64>> = vec![StrTable::default(), StrTable::default()];
        for (i, word) in text.iter().chain(&long).enumerate() {
            // The first table gets the first 60 records (60 keys), the second the rest (77).
            tables[usize::from(i >= 60)].merge(word, 1, |a, b| a + b);
        }
        let largest = tables[1].short_slots_ptr();
        assert!(tables[1].len() > tables[0].len());
        let out = exec.exchange_combine(tables, 2, |a, b| a + b);
        assert_eq!(out.len(), 1, "one reduce table");
        assert_eq!(out[0].short_slots_ptr(), largest, "the largest table adopted, not copied");
        let mut counts: Vec<(&str, u64)> = out.into_iter().flatten().collect();
        counts.sort();
        let mut expected: std::collections::BTreeMap<&str, u64> = Default::default();
        for word in text.iter().chain(&long) {
            *expected.entry(word.as_str()).or_default() += 1;
        }
        assert_eq!(counts, expected.into_iter().collect::<Vec<_>>());
        // The rest of the batch runs as one partition; the exchange is shown with the job's.
        assert!(exec.runs_solo());
        let (stages, _) = exec.stages.take();
        let shown: Vec<_> = stages.iter().map(|s| (s.kind, s.partitions)).collect();
        assert_eq!(shown, [("hash by key", 2)]);
    }

    #[test]
    fn repartition_deals_each_source_round_robin_from_its_own_index() {
        let exec = pooled(2);
        let out = exec.repartition(vec![(1..=7).collect(), vec![11, 12, 13], vec![21]], 3);
        // Source 0 starts at partition 0, source 1 at 1, source 2 at 2; a destination holds
        // its records by source, then in order.
        assert_eq!(out, vec![vec![1, 4, 7, 13], vec![2, 5, 11], vec![3, 6, 12, 21]]);
        assert_eq!(exec.repartition(Vec::<Vec<u8>>::new(), 0), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn gather_keeps_partition_order() {
        let exec = pooled(3);
        assert_eq!(exec.gather(vec![vec![1, 2], vec![], vec![3], vec![4, 5]]), [1, 2, 3, 4, 5]);
        assert_eq!(exec.gather(vec![Some('a'), None, Some('b')]), ['a', 'b']);
        assert_eq!(exec.gather(Vec::<Vec<u8>>::new()), Vec::<u8>::new());
    }

    #[test]
    fn a_gather_of_one_filled_partition_moves_its_vec() {
        let records = vec![String::from("x"); 3];
        let address = records.as_ptr();
        let gathered = Executor::new(2).gather(vec![Vec::new(), records, Vec::new()]);
        assert_eq!(gathered.as_ptr(), address, "the records were not copied");
        let gathered = Executor::new(2).gather(vec![gathered]);
        assert_eq!(gathered.as_ptr(), address, "a lone partition stays as it is");
    }

    #[test]
    fn scatter_cuts_contiguous_runs() {
        let exec = pooled(2);
        assert_eq!(exec.scatter((1..=5).collect(), 2), vec![vec![1, 2], vec![3, 4, 5]]);
        assert_eq!(exec.scatter(vec![1], 3), vec![vec![], vec![], vec![1]]);
    }

    #[test]
    fn broadcast_gives_every_partition_a_copy() {
        let exec = pooled(2);
        let out = exec.broadcast(vec![vec!["a", "b"], vec![], vec!["c"]], 3);
        assert_eq!(out, vec![vec!["a", "b", "c"]; 3]);
    }

    #[test]
    fn union_concatenates_partitions() {
        let exec = Executor::new(2);
        assert_eq!(exec.union(vec![vec![vec![1], vec![2]], vec![vec![3]]]), vec![vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn destinations_are_at_least_one() {
        assert_eq!(Exchange::Gather.destinations(), 1);
        assert_eq!(Exchange::HashByKey { partitions: 0 }.destinations(), 1);
        assert_eq!(Exchange::Broadcast { partitions: 4 }.destinations(), 4);
    }
}
