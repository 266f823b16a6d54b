//! Per-batch joins of two keyed streams: `join`, `left_outer_join`, `right_outer_join`,
//! `full_outer_join` and `cogroup`.
//!
//! Spark's semantics: the RDDs of the two streams *for the same batch time* are joined, and
//! nothing is kept from one batch to the next (a join over time windows both sides first).
//! Every function here takes one batch of each stream, as partitions of `(key, value)` pairs,
//! and returns the output partitions of that batch.
//!
//! All five share one shuffle: both sides are hash-partitioned by key into `partitions`
//! reduce partitions with [`partition_of`](crate::keys::combine::partition_of), the partitioner of
//! `reduce_by_key`, so that a key's values from both sides meet in the same reduce partition
//! (like Spark's `CoGroupedRDD`, without map-side combining), each side through the executor's
//! exchange ([`Executor::exchange`]). There `cogroup` groups each
//! key's values into one `Vec` per side; the four joins allocate nothing per key. `join` and
//! `left_outer_join` are the hash join a hand-written program would be: the right values
//! chained by key behind a table from key to its first value, probed by the left records in
//! their order (pairs come out as they are found, no pass over the table; see [`probe`]). A
//! program whose join feeds one fused stage probes inside that stage's loop ([`probe::build`]
//! makes the partitions the loop iterates): no `Vec` of pairs in between. The
//! outer joins that keep right-only keys chain both sides behind one table and emit key by
//! key. Both stages run on [`Executor::run_stage`].
//!
//! What the output looks like:
//! - There are always exactly `partitions` output partitions (at least one), and partition
//!   `j` holds exactly the keys `k` with `partition_of(&k, partitions) == j`.
//! - A key's values keep their input order: by input partition, then by position in it.
//!   `join` emits a key's pairs in the order of `for v in vs { for w in ws { .. } }`.
//! - The order of keys within a partition is that of a hash table: unspecified, as in Spark.

use crate::exec::exchange::Exchange;
use crate::exec::wire::Wire;
use crate::exec::Executor;
use crate::keys::combine::{bucket_by_key, Combiner};
use hashbrown::HashMap;
use memory::BuildHome;
use rustc_hash::FxBuildHasher;
use std::hash::Hash;

pub mod lazy;
pub mod memory;
pub mod probe;

pub use probe::JoinPartition;

/// The output partitions of a join: `Vec<Vec<(K, (A, B))>>`, with `A` from the left
/// stream's values and `B` from the right's (`Joined<K, V, Option<W>>` for
/// [`left_outer_join`], `Joined<K, Vec<V>, Vec<W>>` for [`cogroup`]).
pub type Joined<K, A, B> = Vec<Vec<(K, (A, B))>>;

/// `join`: for each key present on both sides, every pair of a left value and a right
/// value, `(k, (v, w))`. A key with `m` values on the left and `n` on the right gives
/// `m × n` records; a key missing from either side gives none.
pub fn join<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, V, W>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PL::IntoIter: Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    let parts =
        probe::build::<K, V, W, probe::Inner, _, _>(exec, (left, right, partitions), &BuildHome::fresh());
    exec.run_stage(parts, |_, part| part.collect())
}

/// `leftOuterJoin`: like [`join`], and a left value whose key has no right value is kept as
/// `(k, (v, None))`. Keys only on the right give nothing.
pub fn left_outer_join<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, V, Option<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PL::IntoIter: Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    let parts =
        probe::build::<K, V, W, probe::LeftOuter, _, _>(exec, (left, right, partitions), &BuildHome::fresh());
    exec.run_stage(parts, |_, part| part.collect())
}

/// `rightOuterJoin`: like [`join`], and a right value whose key has no left value is kept
/// as `(k, (None, w))`. Keys only on the left give nothing.
pub fn right_outer_join<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Option<V>, W>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    join_into(exec, (left, right, partitions), |k, vs, ws, values, out| {
        if vs.is_empty() {
            each_with_key(k, ws, &mut values.1, |w| (None, w), out);
        } else {
            product(k, vs, ws, values, Some, |w| w, out);
        }
    })
}

/// `fullOuterJoin`: every pair `(k, (Some(v), Some(w)))` of a key present on both sides,
/// `(k, (Some(v), None))` for the values of a key only on the left and `(k, (None, Some(w)))`
/// for the values of a key only on the right.
pub fn full_outer_join<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Option<V>, Option<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    join_into(exec, (left, right, partitions), |k, vs, ws, values, out| {
        if vs.is_empty() {
            each_with_key(k, ws, &mut values.1, |w| (None, Some(w)), out);
        } else if ws.is_empty() {
            each_with_key(k, vs, &mut values.0, |v| (Some(v), None), out);
        } else {
            product(k, vs, ws, values, Some, Some, out);
        }
    })
}

/// `cogroup`: one record per key present on either side, `(k, (vs, ws))` with all of the
/// key's left values and all of its right values (one of the two may be empty). Values are
/// moved, never cloned, so no `Clone` bound is needed.
pub fn cogroup<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Vec<V>, Vec<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
{
    let inbound = shuffle(exec, left, right, partitions);
    exec.run_stage(inbound, |_, (lefts, rights)| {
        let left_len: usize = lefts.iter().map(Vec::len).sum();
        let right_len: usize = rights.iter().map(Vec::len).sum();
        let mut table: Combiner<K, Groups<V, W>> = Combiner::with_capacity(left_len.max(right_len));
        for (k, v) in lefts.into_iter().flatten() {
            table.fold(k, v, |v| (vec![v], Vec::new()), push_left);
        }
        for (k, w) in rights.into_iter().flatten() {
            table.fold(k, w, |w| (Vec::new(), vec![w]), push_right);
        }
        table.into_iter().collect()
    })
}

/// An input partition of the map stage: the two sides run as one stage.
enum Side<PL, PR> {
    Left(PL),
    Right(PR),
}

/// A map task's output: its records cut into one bucket per reduce partition.
enum Buckets<K, V, W> {
    Left(Vec<Vec<(K, V)>>),
    Right(Vec<Vec<(K, W)>>),
}

/// What a reduce task receives: bucket `j` of every left and of every right map task.
type Inbound<K, V, W> = (Vec<Vec<(K, V)>>, Vec<Vec<(K, W)>>);

/// A key's values from both sides, in input order.
type Groups<V, W> = (Vec<V>, Vec<W>);

/// Both sides' records cut by key into `partitions` reduce partitions: what reduce task `j`
/// receives is bucket `j` of every left and of every right map task, in input-partition order.
/// The two sides are cut in one stage (so that even one partition per side runs on two
/// threads) and moved by two exchanges, one per side, as a binary operator's two inputs.
fn shuffle<'e, K, V, W, PL, PR>(
    exec: &'e Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Vec<Inbound<K, V, W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
{
    let partitions = partitions.max(1);
    // Map side: one task per input partition of either stream.
    let inputs: Vec<Side<PL, PR>> =
        left.into_iter().map(Side::Left).chain(right.into_iter().map(Side::Right)).collect();
    let buckets: Vec<Buckets<K, V, W>> = exec.run_stage(inputs, |_, input| match input {
        Side::Left(records) => Buckets::Left(bucket_by_key(records, partitions)),
        Side::Right(records) => Buckets::Right(bucket_by_key(records, partitions)),
    });
    let (mut lefts, mut rights) = (Vec::new(), Vec::new());
    for map_task in buckets {
        match map_task {
            Buckets::Left(cut) => lefts.push(cut),
            Buckets::Right(cut) => rights.push(cut),
        }
    }
    let how = Exchange::HashByKey { partitions };
    exec.exchange(how, lefts).into_iter().zip(exec.exchange(how, rights)).collect()
}

/// The end of a chain.
const NONE: u32 = u32::MAX;

/// A key's values on one side: the index of its first value (or [`NONE`]), the others reached
/// through [`SideValues::after`], in arrival order.
#[derive(Clone, Copy, Debug)]
struct Chain(u32);

impl Chain {
    const EMPTY: Chain = Chain(NONE);

    fn is_empty(self) -> bool {
        self.0 == NONE
    }
}

/// One side's values of a reduce partition, each with the index of its key's next value on
/// that side (beside it: reading a chain costs one memory access per value, not two). A value
/// is moved out (taken) at most once, by its last use.
///
/// The records are added last to first and each becomes its key's new first value, so a chain
/// reads in arrival order without keeping its last value: a key's entry in the table is two
/// `u32`s beside the key.
struct SideValues<T> {
    entries: Vec<(u32, Option<T>)>,
}

impl<T> SideValues<T> {
    fn with_capacity(n: usize) -> Self {
        SideValues { entries: Vec::with_capacity(n) }
    }

    /// Puts `value` in front of its key's `chain` (records come last to first).
    #[inline]
    fn prepend(&mut self, chain: &mut Chain, value: T) {
        let i = u32::try_from(self.entries.len()).ok().filter(|&i| i != NONE).expect("under 2^32 - 1 values");
        self.entries.push((chain.0, Some(value)));
        chain.0 = i;
    }

    /// The value after `i` in its chain, or [`NONE`].
    #[inline]
    fn after(&self, i: u32) -> u32 {
        self.entries[i as usize].0
    }

    #[inline]
    fn get(&self, i: u32) -> &T {
        self.entries[i as usize].1.as_ref().expect("a value is read before it is taken")
    }

    #[inline]
    fn take(&mut self, i: u32) -> T {
        self.entries[i as usize].1.take().expect("a value is taken once")
    }
}

/// The records of one reduce partition's buckets, last to first.
fn last_to_first<K, T>(buckets: Vec<Vec<(K, T)>>) -> impl Iterator<Item = (K, T)> {
    buckets.into_iter().rev().flat_map(|bucket| bucket.into_iter().rev())
}

/// Both sides' values of a reduce partition.
type Values<V, W> = (SideValues<V>, SideValues<W>);

/// The hash join behind `right_outer_join` and `full_outer_join`. Shuffles both sides, then
/// in each reduce partition chains every key's values per side and calls
/// `emit(key, left_chain, right_chain, values, out)` once per key.
fn join_into<'e, K, V, W, PL, PR, O, E>(
    exec: &'e Executor,
    (left, right, partitions): (Vec<PL>, Vec<PR>, usize),
    emit: E,
) -> Vec<Vec<O>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
    O: Send,
    E: Fn(K, Chain, Chain, &mut Values<V, W>, &mut Vec<O>) + Sync,
{
    let inbound = shuffle(exec, left, right, partitions);
    exec.run_stage(inbound, |_, (lefts, rights)| {
        let left_len: usize = lefts.iter().map(Vec::len).sum();
        let right_len: usize = rights.iter().map(Vec::len).sum();
        let mut keys: HashMap<K, (Chain, Chain), FxBuildHasher> =
            HashMap::with_capacity_and_hasher(left_len, FxBuildHasher);
        let mut values = (SideValues::with_capacity(left_len), SideValues::with_capacity(right_len));
        for (k, v) in last_to_first(lefts) {
            let (chain, _) = keys.entry(k).or_insert((Chain::EMPTY, Chain::EMPTY));
            values.0.prepend(chain, v);
        }
        for (k, w) in last_to_first(rights) {
            let (_, chain) = keys.entry(k).or_insert((Chain::EMPTY, Chain::EMPTY));
            values.1.prepend(chain, w);
        }
        // A guess (one output record per input record of the larger side): exact for a
        // one-to-one join, and a join's output grows like any `Vec` past it.
        let mut out = Vec::with_capacity(left_len.max(right_len));
        for (k, (vs, ws)) in keys {
            emit(k, vs, ws, &mut values, &mut out);
        }
        out
    })
}

/// Adds a left value to its key's groups.
#[inline]
fn push_left<V, W>(mut groups: Groups<V, W>, v: V) -> Groups<V, W> {
    groups.0.push(v);
    groups
}

/// Adds a right value to its key's groups.
#[inline]
fn push_right<V, W>(mut groups: Groups<V, W>, w: W) -> Groups<V, W> {
    groups.1.push(w);
    groups
}

/// Pushes `(key, (fv(v), fw(w)))` for every `v` of the chain `vs` and `w` of `ws`, in the
/// order of `for v in vs { for w in ws { .. } }`. Clones only what a further record still
/// needs: the last left value's records move the right values, and the last record moves the
/// key and both values.
fn product<K, V, W, A, B>(
    key: K,
    vs: Chain,
    ws: Chain,
    (left, right): &mut Values<V, W>,
    fv: impl Fn(V) -> A,
    fw: impl Fn(W) -> B,
    out: &mut Vec<(K, (A, B))>,
) where
    K: Clone,
    V: Clone,
    W: Clone,
{
    if vs.is_empty() || ws.is_empty() {
        return;
    }
    let mut i = vs.0;
    while left.after(i) != NONE {
        let mut j = ws.0;
        while j != NONE {
            out.push((key.clone(), (fv(left.get(i).clone()), fw(right.get(j).clone()))));
            j = right.after(j);
        }
        i = left.after(i);
    }
    let mut j = ws.0;
    while right.after(j) != NONE {
        let next = right.after(j);
        out.push((key.clone(), (fv(left.get(i).clone()), fw(right.take(j)))));
        j = next;
    }
    out.push((key, (fv(left.take(i)), fw(right.take(j)))));
}

/// Pushes `(key, f(x))` for every `x` of the chain `items`, in order, moving the values; the
/// last record takes the key.
fn each_with_key<K: Clone, T, O>(
    key: K,
    items: Chain,
    side: &mut SideValues<T>,
    f: impl Fn(T) -> O,
    out: &mut Vec<(K, O)>,
) {
    if items.is_empty() {
        return;
    }
    let mut i = items.0;
    while side.after(i) != NONE {
        let next = side.after(i);
        out.push((key.clone(), f(side.take(i))));
        i = next;
    }
    out.push((key, f(side.take(i))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::combine::partition_of;
    use crate::text::split_contiguous;
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    /// The output partitions counts used by every test.
    const PARTITION_COUNTS: [usize; 3] = [1, 2, 3];

    /// The tests' executor, borrowed for `'static`: their records borrow `'static` text, and
    /// with the `cluster` feature a record's borrow must not outlive the executor's.
    fn exec() -> &'static Executor {
        Box::leak(Box::new(Executor::new(4)))
    }

    /// A batch cut into two contiguous halves, as two input partitions.
    fn halves<T: Clone>(batch: &[T]) -> Vec<Vec<T>> {
        split_contiguous(batch.to_vec(), 2)
    }

    /// Checks the partitioning of `out` (exactly `p` partitions, every key in its
    /// `partition_of` partition) and returns its records sorted.
    fn sorted<K: Hash + Ord + Debug, O: Ord>(out: Vec<Vec<(K, O)>>, p: usize) -> Vec<(K, O)> {
        assert_eq!(out.len(), p, "output partition count");
        for (j, part) in out.iter().enumerate() {
            for (k, _) in part {
                assert_eq!(partition_of(k, p), j, "key {k:?} in the wrong partition");
            }
        }
        let mut all: Vec<(K, O)> = out.into_iter().flatten().collect();
        all.sort();
        all
    }

    fn ones<'a>(batches: &[&[&'a str]]) -> Vec<Vec<(&'a str, i32)>> {
        batches.iter().map(|b| b.iter().map(|x| (*x, 1)).collect()).collect()
    }

    fn exes<'a>(batches: &[&[&'a str]]) -> Vec<Vec<(&'a str, &'static str)>> {
        batches.iter().map(|b| b.iter().map(|x| (*x, "x")).collect()).collect()
    }

    /// E6's streams: s1 = `[["a","b"],["a",""],[""],[]]` as `(x,1)`, s2 =
    /// `[["a","b"],["b",""],[],[""]]` as `(x,"x")`.
    type S1 = Vec<Vec<(&'static str, i32)>>;
    type S2 = Vec<Vec<(&'static str, &'static str)>>;
    fn e6_streams() -> (S1, S2) {
        (ones(&[&["a", "b"], &["a", ""], &[""], &[]]), exes(&[&["a", "b"], &["b", ""], &[], &[""]]))
    }

    /// Runs `op` on every batch of `s1` and `s2`, each cut into two halves, for every
    /// partition count, and compares each batch's output with `expected` as a multiset.
    fn check_batches<O, F>(s1: &S1, s2: &S2, op: F, expected: &[Vec<(&'static str, O)>])
    where
        O: Ord + Debug + Clone,
        F: Fn(
            &'static Executor,
            Vec<Vec<(&'static str, i32)>>,
            Vec<Vec<(&'static str, &'static str)>>,
            usize,
        ) -> Vec<Vec<(&'static str, O)>>,
    {
        assert_eq!(s1.len(), expected.len());
        assert_eq!(s2.len(), expected.len());
        let exec = exec();
        for p in PARTITION_COUNTS {
            for (batch, want) in expected.iter().enumerate() {
                let out = op(exec, halves(&s1[batch]), halves(&s2[batch]), p);
                let mut want = want.clone();
                want.sort();
                assert_eq!(sorted(out, p), want, "batch {} with P = {p}", batch + 1);
            }
        }
    }

    #[test]
    fn e6_join() {
        let (s1, s2) = e6_streams();
        let expected = vec![vec![("a", (1, "x")), ("b", (1, "x"))], vec![("", (1, "x"))], vec![], vec![]];
        check_batches(&s1, &s2, join, &expected);
    }

    #[test]
    fn e6_left_outer_join() {
        let (s1, s2) = e6_streams();
        let expected = vec![
            vec![("a", (1, Some("x"))), ("b", (1, Some("x")))],
            vec![("", (1, Some("x"))), ("a", (1, None))],
            vec![("", (1, None))],
            vec![],
        ];
        check_batches(&s1, &s2, left_outer_join, &expected);
    }

    #[test]
    fn e6_right_outer_join() {
        let (s1, s2) = e6_streams();
        let expected = vec![
            vec![("a", (Some(1), "x")), ("b", (Some(1), "x"))],
            vec![("", (Some(1), "x")), ("b", (None, "x"))],
            vec![],
            vec![("", (None, "x"))],
        ];
        check_batches(&s1, &s2, right_outer_join, &expected);
    }

    #[test]
    fn e6_full_outer_join() {
        let (s1, s2) = e6_streams();
        let expected = vec![
            vec![("a", (Some(1), Some("x"))), ("b", (Some(1), Some("x")))],
            vec![("", (Some(1), Some("x"))), ("a", (Some(1), None)), ("b", (None, Some("x")))],
            vec![("", (Some(1), None))],
            vec![("", (None, Some("x")))],
        ];
        check_batches(&s1, &s2, full_outer_join, &expected);
    }

    #[test]
    fn e6_cogroup() {
        // cogroup's own inputs: s1 = [["a","a","b"],["a",""],[""],[]],
        // s2 = [["a","a","b"],["b",""],[],[]].
        let s1 = ones(&[&["a", "a", "b"], &["a", ""], &[""], &[]]);
        let s2 = exes(&[&["a", "a", "b"], &["b", ""], &[], &[]]);
        let expected = vec![
            vec![("a", (vec![1, 1], vec!["x", "x"])), ("b", (vec![1], vec!["x"]))],
            vec![("a", (vec![1], vec![])), ("b", (vec![], vec!["x"])), ("", (vec![1], vec!["x"]))],
            vec![("", (vec![1], vec![]))],
            vec![],
        ];
        // Groups compared as multisets too.
        let grouped_sorted = |e: &'static Executor, l, r, p| {
            let mut out = cogroup(e, l, r, p);
            for part in &mut out {
                for (_, (vs, ws)) in part.iter_mut() {
                    vs.sort();
                    ws.sort();
                }
            }
            out
        };
        check_batches(&s1, &s2, grouped_sorted, &expected);
    }

    #[test]
    fn cartesian_product_of_a_repeated_key() {
        // "k" 5 times on the left over 3 partitions, 4 times on the right over 2: 20 pairs.
        let left: Vec<Vec<(&str, u32)>> =
            vec![vec![("k", 0), ("l", 100)], vec![("k", 1), ("k", 2)], vec![("k", 3), ("k", 4), ("l", 101)]];
        let right: Vec<Vec<(&str, char)>> =
            vec![vec![("k", 'a'), ("k", 'b'), ("r", 'z')], vec![("k", 'c'), ("k", 'd')]];
        let exec = exec();
        for p in PARTITION_COUNTS {
            let out = sorted(join(exec, left.clone(), right.clone(), p), p);
            let want: Vec<(&str, (u32, char))> =
                (0..5).flat_map(|v| "abcd".chars().map(move |w| ("k", (v, w)))).collect();
            assert_eq!(out, want, "P = {p}");

            let full = sorted(full_outer_join(exec, left.clone(), right.clone(), p), p);
            assert_eq!(full.len(), 20 + 2 + 1);
            assert_eq!(full.iter().filter(|(k, (v, w))| *k == "k" && v.is_some() && w.is_some()).count(), 20);

            // Values keep input order: by partition, then position.
            let groups = cogroup(exec, left.clone(), right.clone(), p);
            let (_, (vs, ws)) = groups.into_iter().flatten().find(|(k, _)| *k == "k").unwrap();
            assert_eq!(vs, vec![0, 1, 2, 3, 4]);
            assert_eq!(ws, vec!['a', 'b', 'c', 'd']);
        }
    }

    #[test]
    fn join_emits_pairs_in_nested_loop_order() {
        let out = join(exec(), vec![vec![(1, 'a'), (1, 'b'), (1, 'c')]], vec![vec![(1, 10), (1, 20)]], 1);
        assert_eq!(
            out,
            vec![vec![
                (1, ('a', 10)),
                (1, ('a', 20)),
                (1, ('b', 10)),
                (1, ('b', 20)),
                (1, ('c', 10)),
                (1, ('c', 20))
            ]]
        );
    }

    /// A value that counts its clones.
    #[derive(Debug)]
    struct Counted(&'static std::sync::atomic::AtomicUsize);

    /// Exchanges need serde with the `cluster` feature; these never leave the process.
    impl serde::Serialize for Counted {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_unit()
        }
    }

    impl<'de> serde::Deserialize<'de> for Counted {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Err(serde::de::Error::custom("a test's clone counter stays in its process"))
        }
    }

    /// Drop glue, as a value that owns memory has: the join moves such values into their last
    /// pair rather than copying them (values without it are copied).
    impl Drop for Counted {
        fn drop(&mut self) {}
    }

    impl Clone for Counted {
        fn clone(&self) -> Self {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Counted(self.0)
        }
    }

    #[test]
    fn join_clones_only_what_a_later_pair_needs() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static LEFT: AtomicUsize = AtomicUsize::new(0);
        static RIGHT: AtomicUsize = AtomicUsize::new(0);
        // 3 left values by 4 right values of one key: 12 pairs. Each left value moves into its
        // last pair; the last left value's four pairs move the right values.
        let left = vec![vec![(1, Counted(&LEFT)), (1, Counted(&LEFT))], vec![(1, Counted(&LEFT))]];
        let right = vec![(0..4).map(|_| (1, Counted(&RIGHT))).collect::<Vec<_>>()];
        let out = join(exec(), left, right, 1);
        assert_eq!(out[0].len(), 12);
        assert_eq!(LEFT.load(Ordering::Relaxed), 9, "left values: every pair but each value's last");
        assert_eq!(RIGHT.load(Ordering::Relaxed), 8, "right values: the pairs of the first two left values");
    }

    #[test]
    fn a_join_probed_as_read_clones_only_what_a_later_pair_needs() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static LEFT: AtomicUsize = AtomicUsize::new(0);
        static RIGHT: AtomicUsize = AtomicUsize::new(0);
        let left = vec![
            vec![(1, Counted(&LEFT)), (2, Counted(&LEFT)), (1, Counted(&LEFT))],
            vec![(1, Counted(&LEFT))],
        ];
        let right = vec![(0..4).map(|_| (1, Counted(&RIGHT))).collect::<Vec<_>>()];
        let parts: Vec<JoinPartition<_, _, _, probe::LeftOuter>> =
            probe::build(exec(), (left, right, 1), &BuildHome::fresh());
        assert_eq!(parts.iter().map(JoinPartition::expected_len).sum::<usize>(), 4);
        let pairs: Vec<_> = parts.into_iter().flatten().collect();
        assert_eq!(pairs.len(), 13, "3 left values of key 1 by 4 right values, and key 2 unmatched");
        assert_eq!(LEFT.load(Ordering::Relaxed), 9, "left values: every pair but each value's last");
        assert_eq!(RIGHT.load(Ordering::Relaxed), 8, "right values: the pairs of the first two left values");
        assert!(pairs.iter().filter(|(k, _)| *k == 2).all(|(_, (_, w))| w.is_none()));
        // Probed in nested loops: as many clones.
        let (left_before, right_before) = (LEFT.load(Ordering::Relaxed), RIGHT.load(Ordering::Relaxed));
        let left = vec![
            vec![(1, Counted(&LEFT)), (2, Counted(&LEFT)), (1, Counted(&LEFT))],
            vec![(1, Counted(&LEFT))],
        ];
        let right = vec![(0..4).map(|_| (1, Counted(&RIGHT))).collect::<Vec<_>>()];
        let parts: Vec<JoinPartition<_, _, _, probe::LeftOuter>> =
            probe::build(exec(), (left, right, 1), &BuildHome::fresh());
        let mut pairs = Vec::new();
        parts.into_iter().for_each(|part| part.for_each_pair(|pair| pairs.push(pair)));
        assert_eq!(pairs.len(), 13);
        assert_eq!(LEFT.load(Ordering::Relaxed) - left_before, 9);
        assert_eq!(RIGHT.load(Ordering::Relaxed) - right_before, 8);
    }

    #[test]
    fn empty_inputs_give_p_empty_partitions() {
        let exec = exec();
        for p in [0, 1, 2, 3] {
            let out = join(exec, Vec::<Vec<(u8, u8)>>::new(), Vec::<Vec<(u8, u8)>>::new(), p);
            assert_eq!(out.len(), p.max(1));
            assert!(out.iter().all(Vec::is_empty));
        }
    }

    #[test]
    fn cogroup_moves_values_without_clone() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct NoClone(u8);
        let out = cogroup(exec(), vec![vec![("a", NoClone(1))]], vec![vec![("a", NoClone(2))], vec![]], 2);
        let all: Vec<_> = out.into_iter().flatten().collect();
        assert_eq!(all, vec![("a", (vec![NoClone(1)], vec![NoClone(2)]))]);
    }

    /// All five operations against a nested-loop reference, on pseudo-random inputs with many
    /// repeated keys and uneven partitions.
    #[test]
    fn matches_a_nested_loop_reference() {
        let exec = exec();
        // One join node's pool, reused by every round's builds of `u64` values (of any size).
        let memory = memory::JoinMemory::default();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut pairs = 0;
        for round in 0..30 {
            let keys = 1 + round % 7;
            let mut side = || -> Vec<Vec<(u64, u64)>> {
                (0..next(4)).map(|_| (0..next(8)).map(|_| (next(keys), next(1000))).collect()).collect()
            };
            let left = side();
            let right = side();
            let l: Vec<(u64, u64)> = left.iter().flatten().copied().collect();
            let r: Vec<(u64, u64)> = right.iter().flatten().copied().collect();
            let has = |side: &[(u64, u64)], k: u64| side.iter().any(|(k2, _)| *k2 == k);

            let mut inner = Vec::new();
            for (k, v) in &l {
                for (k2, w) in &r {
                    if k == k2 {
                        inner.push((*k, (*v, *w)));
                    }
                }
            }
            let lonely_l: Vec<(u64, u64)> = l.iter().copied().filter(|(k, _)| !has(&r, *k)).collect();
            let lonely_r: Vec<(u64, u64)> = r.iter().copied().filter(|(k, _)| !has(&l, *k)).collect();
            let some_some = inner.iter().map(|(k, (v, w))| (*k, (Some(*v), Some(*w))));
            let mut want_left: Vec<_> = inner.iter().map(|(k, (v, w))| (*k, (*v, Some(*w)))).collect();
            want_left.extend(lonely_l.iter().map(|(k, v)| (*k, (*v, None))));
            let mut want_right: Vec<_> = inner.iter().map(|(k, (v, w))| (*k, (Some(*v), *w))).collect();
            want_right.extend(lonely_r.iter().map(|(k, w)| (*k, (None, *w))));
            let mut want_full: Vec<_> = some_some.collect();
            want_full.extend(lonely_l.iter().map(|(k, v)| (*k, (Some(*v), None))));
            want_full.extend(lonely_r.iter().map(|(k, w)| (*k, (None, Some(*w)))));
            let mut want_groups: BTreeMap<u64, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
            for (k, v) in &l {
                want_groups.entry(*k).or_default().0.push(*v);
            }
            for (k, w) in &r {
                want_groups.entry(*k).or_default().1.push(*w);
            }
            let want_groups: Vec<_> = want_groups.into_iter().collect();
            pairs += inner.len();
            // Each key's pairs in nested-loop order (the reference's order, kept by key).
            let by_key = |pairs: Vec<(u64, (u64, u64))>| {
                let mut keyed: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
                for (k, pair) in pairs {
                    keyed.entry(k).or_default().push(pair);
                }
                keyed
            };
            let want_order = by_key(inner.clone());
            // The same joins with right values that own memory (moved, not copied, by the join).
            let right_owned: Vec<Vec<(u64, String)>> =
                right.iter().map(|b| b.iter().map(|(k, w)| (*k, w.to_string())).collect()).collect();
            let owned = |pairs: &[(u64, (u64, Option<u64>))]| {
                let mut out: Vec<_> =
                    pairs.iter().map(|(k, (v, w))| (*k, (*v, w.map(|w| w.to_string())))).collect();
                out.sort();
                out
            };
            let want_owned_inner =
                owned(&inner.iter().map(|(k, (v, w))| (*k, (*v, Some(*w)))).collect::<Vec<_>>());
            let want_owned_left = owned(&want_left);
            inner.sort();
            want_left.sort();
            want_right.sort();
            want_full.sort();

            for p in 1..=4 {
                let ctx = format!("round {round}, P = {p}");
                let joined = join(exec, left.clone(), right.clone(), p);
                assert_eq!(by_key(joined.iter().flatten().copied().collect()), want_order, "{ctx}");
                assert_eq!(sorted(joined, p), inner, "{ctx}");
                let joined = join(exec, left.clone(), right_owned.clone(), p);
                let joined: Vec<_> =
                    sorted(joined, p).into_iter().map(|(k, (v, w))| (k, (v, Some(w)))).collect();
                assert_eq!(joined, want_owned_inner, "{ctx}, owned right values");
                assert_eq!(
                    sorted(left_outer_join(exec, left.clone(), right_owned.clone(), p), p),
                    want_owned_left,
                    "{ctx}, owned right values"
                );
                assert_eq!(
                    sorted(left_outer_join(exec, left.clone(), right.clone(), p), p),
                    want_left,
                    "{ctx}"
                );
                assert_eq!(
                    sorted(right_outer_join(exec, left.clone(), right.clone(), p), p),
                    want_right,
                    "{ctx}"
                );
                assert_eq!(
                    sorted(full_outer_join(exec, left.clone(), right.clone(), p), p),
                    want_full,
                    "{ctx}"
                );
                // Probed as they are read: the same records, in the same order.
                let read = |parts: Vec<JoinPartition<u64, u64, String, probe::LeftOuter>>| -> Vec<Vec<_>> {
                    parts.into_iter().map(|part| part.into_iter().collect()).collect()
                };
                assert_eq!(
                    read(probe::build(exec, (left.clone(), right_owned.clone(), p), &BuildHome::fresh())),
                    left_outer_join(exec, left.clone(), right_owned.clone(), p),
                    "{ctx}, left outer join probed as read"
                );
                use memory::PooledBuild as _;
                #[allow(clippy::needless_borrow)] // the double borrow is how the memory is picked
                let home = (&&memory::BuildFor::of(right.as_slice())).home(&memory);
                let read: Vec<Vec<_>> = probe::build::<_, _, _, probe::Inner, _, _>(
                    exec,
                    (left.clone(), right.clone(), p),
                    &home,
                )
                .into_iter()
                .map(JoinPartition::into_iter)
                .map(Iterator::collect)
                .collect();
                assert_eq!(read, join(exec, left.clone(), right.clone(), p), "{ctx}, join probed as read");
                // Probed in nested loops (`for_each_pair`): the same again.
                fn each_pair<K: Hash + Eq + Clone, V: Clone, W: Clone, J: probe::ProbeKind<V, W>>(
                    parts: Vec<JoinPartition<K, V, W, J>>,
                ) -> Joined<K, V, J::Right> {
                    let read = |part: JoinPartition<K, V, W, J>| {
                        let mut out = Vec::new();
                        part.for_each_pair(|pair| out.push(pair));
                        out
                    };
                    parts.into_iter().map(read).collect()
                }
                assert_eq!(
                    each_pair(probe::build::<_, _, _, probe::Inner, _, _>(
                        exec,
                        (left.clone(), right.clone(), p),
                        &home
                    )),
                    join(exec, left.clone(), right.clone(), p),
                    "{ctx}, join probed in nested loops"
                );
                assert_eq!(
                    each_pair(probe::build::<_, _, _, probe::LeftOuter, _, _>(
                        exec,
                        (left.clone(), right_owned.clone(), p),
                        &BuildHome::fresh()
                    )),
                    left_outer_join(exec, left.clone(), right_owned.clone(), p),
                    "{ctx}, left outer join of owned values probed in nested loops"
                );
                // Groups keep input order, so they equal the reference's without sorting.
                assert_eq!(sorted(cogroup(exec, left.clone(), right.clone(), p), p), want_groups, "{ctx}");
            }
        }
        assert!(pairs > 300, "the inputs join: {pairs} pairs");
    }
}
