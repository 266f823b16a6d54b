//! Per-batch joins of two keyed streams: `join`, `left_outer_join`, `right_outer_join`,
//! `full_outer_join` and `cogroup`.
//!
//! Spark's semantics: the RDDs of the two streams *for the same batch time* are joined, and
//! nothing is kept from one batch to the next (a join over time windows both sides first).
//! Every function here takes one batch of each stream, as partitions of `(key, value)` pairs,
//! and returns the output partitions of that batch.
//!
//! All five share one co-group: both sides are hash-partitioned by key into `partitions`
//! reduce partitions with [`partition_of`], the partitioner of `reduce_by_key`, so that a
//! key's values from both sides meet in the same reduce partition; there each key's values
//! are grouped into one `Vec` per side (like Spark's `CoGroupedRDD`, without map-side
//! combining) and turned into output records. Both stages run on [`Executor::run_stage`].
//!
//! What the output looks like:
//! - There are always exactly `partitions` output partitions (at least one), and partition
//!   `j` holds exactly the keys `k` with `partition_of(&k, partitions) == j`.
//! - A key's values keep their input order: by input partition, then by position in it.
//!   `join` emits a key's pairs in the order of `for v in vs { for w in ws { .. } }`.
//! - The order of keys within a partition is that of a hash table: unspecified, as in Spark.

use crate::combine::{partition_of, Combiner};
use crate::exec::Executor;
use std::hash::Hash;

/// The output partitions of a join: `Vec<Vec<(K, (A, B))>>`, with `A` from the left
/// stream's values and `B` from the right's (`Joined<K, V, Option<W>>` for
/// [`left_outer_join`], `Joined<K, Vec<V>, Vec<W>>` for [`cogroup`]).
pub type Joined<K, A, B> = Vec<Vec<(K, (A, B))>>;

/// `join`: for each key present on both sides, every pair of a left value and a right
/// value, `(k, (v, w))`. A key with `m` values on the left and `n` on the right gives
/// `m × n` records; a key missing from either side gives none.
pub fn join<K, V, W, PL, PR>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, V, W>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    cogroup_into(
        exec,
        left,
        right,
        partitions,
        |l, r| l.saturating_mul(r),
        |k, vs, ws, out| product(k, vs, ws, |v| v, |w| w, out),
    )
}

/// `leftOuterJoin`: like [`join`], and a left value whose key has no right value is kept as
/// `(k, (v, None))`. Keys only on the right give nothing.
pub fn left_outer_join<K, V, W, PL, PR>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, V, Option<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    cogroup_into(
        exec,
        left,
        right,
        partitions,
        |l, r| l.saturating_mul(r.max(1)),
        |k, vs, ws, out| {
            if ws.is_empty() {
                each_with_key(k, vs, |v| (v, None), out);
            } else {
                product(k, vs, ws, |v| v, Some, out);
            }
        },
    )
}

/// `rightOuterJoin`: like [`join`], and a right value whose key has no left value is kept
/// as `(k, (None, w))`. Keys only on the left give nothing.
pub fn right_outer_join<K, V, W, PL, PR>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Option<V>, W>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    cogroup_into(
        exec,
        left,
        right,
        partitions,
        |l, r| l.max(1).saturating_mul(r),
        |k, vs, ws, out| {
            if vs.is_empty() {
                each_with_key(k, ws, |w| (None, w), out);
            } else {
                product(k, vs, ws, Some, |w| w, out);
            }
        },
    )
}

/// `fullOuterJoin`: every pair `(k, (Some(v), Some(w)))` of a key present on both sides,
/// `(k, (Some(v), None))` for the values of a key only on the left and `(k, (None, Some(w)))`
/// for the values of a key only on the right.
pub fn full_outer_join<K, V, W, PL, PR>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Option<V>, Option<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Clone + Send,
    V: Clone + Send,
    W: Clone + Send,
{
    cogroup_into(
        exec,
        left,
        right,
        partitions,
        |l, r| l.max(1).saturating_mul(r.max(1)),
        |k, vs, ws, out| {
            if vs.is_empty() {
                each_with_key(k, ws, |w| (None, Some(w)), out);
            } else if ws.is_empty() {
                each_with_key(k, vs, |v| (Some(v), None), out);
            } else {
                product(k, vs, ws, Some, Some, out);
            }
        },
    )
}

/// `cogroup`: one record per key present on either side, `(k, (vs, ws))` with all of the
/// key's left values and all of its right values (one of the two may be empty). Values are
/// moved, never cloned, so no `Clone` bound is needed.
pub fn cogroup<K, V, W, PL, PR>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
) -> Joined<K, Vec<V>, Vec<W>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
{
    cogroup_into(exec, left, right, partitions, |_, _| 1, |k, vs, ws, out| out.push((k, (vs, ws))))
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

/// The co-group behind every function of this module. Shuffles both sides into
/// `partitions` reduce partitions by key, groups each key's values per side, and calls
/// `emit(key, left_values, right_values, out)` once per key present on either side.
/// `count(left_len, right_len)` is the number of records `emit` pushes for a key, used to
/// allocate each output partition once.
fn cogroup_into<K, V, W, PL, PR, O, N, E>(
    exec: &Executor,
    left: Vec<PL>,
    right: Vec<PR>,
    partitions: usize,
    count: N,
    emit: E,
) -> Vec<Vec<O>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
    O: Send,
    N: Fn(usize, usize) -> usize + Sync,
    E: Fn(K, Vec<V>, Vec<W>, &mut Vec<O>) + Sync,
{
    let partitions = partitions.max(1);

    // Map side: one task per input partition of either stream, each cutting its records
    // into one bucket per reduce partition.
    let inputs: Vec<Side<PL, PR>> =
        left.into_iter().map(Side::Left).chain(right.into_iter().map(Side::Right)).collect();
    let buckets: Vec<Buckets<K, V, W>> = exec.run_stage(inputs, |_, input| match input {
        Side::Left(records) => Buckets::Left(bucket(records, partitions)),
        Side::Right(records) => Buckets::Right(bucket(records, partitions)),
    });

    // Transpose: reduce partition j receives bucket j of every map task, left and right
    // apart, in input-partition order.
    let mut inbound: Vec<Inbound<K, V, W>> = (0..partitions).map(|_| (Vec::new(), Vec::new())).collect();
    for map_task in buckets {
        match map_task {
            Buckets::Left(task) => {
                for (j, b) in task.into_iter().enumerate() {
                    inbound[j].0.push(b);
                }
            }
            Buckets::Right(task) => {
                for (j, b) in task.into_iter().enumerate() {
                    inbound[j].1.push(b);
                }
            }
        }
    }

    // Reduce side: group each key's values per side, then emit.
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
        let total = table.iter().fold(0usize, |n, (_, (vs, ws))| n.saturating_add(count(vs.len(), ws.len())));
        let mut out = Vec::with_capacity(total);
        for (k, (vs, ws)) in table {
            emit(k, vs, ws, &mut out);
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

/// Cuts one input partition into one bucket per reduce partition, by [`partition_of`].
fn bucket<K: Hash, X>(records: impl IntoIterator<Item = (K, X)>, partitions: usize) -> Vec<Vec<(K, X)>> {
    let mut out: Vec<Vec<(K, X)>> = (0..partitions).map(|_| Vec::new()).collect();
    for (k, x) in records {
        out[partition_of(&k, partitions)].push((k, x));
    }
    out
}

/// Pushes `(key, (fv(v), fw(w)))` for every `v` of `vs` and `w` of `ws`, in the order of
/// `for v in vs { for w in ws { .. } }`. Clones only what a further record still needs: the
/// last record of the key takes the key, its left value and its right value by move.
fn product<K, V, W, A, B>(
    key: K,
    mut vs: Vec<V>,
    mut ws: Vec<W>,
    fv: impl Fn(V) -> A,
    fw: impl Fn(W) -> B,
    out: &mut Vec<(K, (A, B))>,
) where
    K: Clone,
    V: Clone,
    W: Clone,
{
    let (Some(last_v), Some(last_w)) = (vs.pop(), ws.pop()) else {
        return;
    };
    for v in &vs {
        for w in ws.iter().chain(std::iter::once(&last_w)) {
            out.push((key.clone(), (fv(v.clone()), fw(w.clone()))));
        }
    }
    for w in ws {
        out.push((key.clone(), (fv(last_v.clone()), fw(w))));
    }
    out.push((key, (fv(last_v), fw(last_w))));
}

/// Pushes `(key, f(x))` for every `x` of `items`, in order; the last record takes the key.
fn each_with_key<K: Clone, T, O>(key: K, mut items: Vec<T>, f: impl Fn(T) -> O, out: &mut Vec<(K, O)>) {
    let Some(last) = items.pop() else {
        return;
    };
    out.extend(items.into_iter().map(|x| (key.clone(), f(x))));
    out.push((key, f(last)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::split_contiguous;
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    /// The output partitions counts used by every test.
    const PARTITION_COUNTS: [usize; 3] = [1, 2, 3];

    fn exec() -> Executor {
        Executor::new(4)
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
            &Executor,
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
                let out = op(&exec, halves(&s1[batch]), halves(&s2[batch]), p);
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
        let grouped_sorted = |e: &Executor, l, r, p| {
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
            let out = sorted(join(&exec, left.clone(), right.clone(), p), p);
            let want: Vec<(&str, (u32, char))> =
                (0..5).flat_map(|v| "abcd".chars().map(move |w| ("k", (v, w)))).collect();
            assert_eq!(out, want, "P = {p}");

            let full = sorted(full_outer_join(&exec, left.clone(), right.clone(), p), p);
            assert_eq!(full.len(), 20 + 2 + 1);
            assert_eq!(full.iter().filter(|(k, (v, w))| *k == "k" && v.is_some() && w.is_some()).count(), 20);

            // Values keep input order: by partition, then position.
            let groups = cogroup(&exec, left.clone(), right.clone(), p);
            let (_, (vs, ws)) = groups.into_iter().flatten().find(|(k, _)| *k == "k").unwrap();
            assert_eq!(vs, vec![0, 1, 2, 3, 4]);
            assert_eq!(ws, vec!['a', 'b', 'c', 'd']);
        }
    }

    #[test]
    fn join_emits_pairs_in_nested_loop_order() {
        let out = join(&exec(), vec![vec![(1, 'a'), (1, 'b'), (1, 'c')]], vec![vec![(1, 10), (1, 20)]], 1);
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

    #[test]
    fn empty_inputs_give_p_empty_partitions() {
        let exec = exec();
        for p in [0, 1, 2, 3] {
            let out = join(&exec, Vec::<Vec<(u8, u8)>>::new(), Vec::<Vec<(u8, u8)>>::new(), p);
            assert_eq!(out.len(), p.max(1));
            assert!(out.iter().all(Vec::is_empty));
        }
    }

    #[test]
    fn cogroup_moves_values_without_clone() {
        #[derive(Debug, PartialEq)]
        struct NoClone(u8);
        let out = cogroup(&exec(), vec![vec![("a", NoClone(1))]], vec![vec![("a", NoClone(2))], vec![]], 2);
        let all: Vec<_> = out.into_iter().flatten().collect();
        assert_eq!(all, vec![("a", (vec![NoClone(1)], vec![NoClone(2)]))]);
    }

    /// All five operations against a nested-loop reference, on pseudo-random inputs with many
    /// repeated keys and uneven partitions.
    #[test]
    fn matches_a_nested_loop_reference() {
        let exec = exec();
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
            inner.sort();
            want_left.sort();
            want_right.sort();
            want_full.sort();

            for p in 1..=4 {
                let ctx = format!("round {round}, P = {p}");
                assert_eq!(sorted(join(&exec, left.clone(), right.clone(), p), p), inner, "{ctx}");
                assert_eq!(
                    sorted(left_outer_join(&exec, left.clone(), right.clone(), p), p),
                    want_left,
                    "{ctx}"
                );
                assert_eq!(
                    sorted(right_outer_join(&exec, left.clone(), right.clone(), p), p),
                    want_right,
                    "{ctx}"
                );
                assert_eq!(
                    sorted(full_outer_join(&exec, left.clone(), right.clone(), p), p),
                    want_full,
                    "{ctx}"
                );
                // Groups keep input order, so they equal the reference's without sorting.
                assert_eq!(sorted(cogroup(&exec, left.clone(), right.clone(), p), p), want_groups, "{ctx}");
            }
        }
        assert!(pairs > 300, "the inputs join: {pairs} pairs");
    }
}
