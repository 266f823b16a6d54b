//! The probe join behind `join` and `left_outer_join`, as a hand-written hash join is: the
//! right side's values chained by key behind a table from key to its first value (built last
//! to first, so a chain reads in arrival order), then the left records probed in their order.
//!
//! The build runs in the join's own stage; the probe runs where the pairs are read. A join
//! whose pairs feed one fused stage hands that stage its [`JoinPartition`]s, and the stage's
//! loop pulls each pair as it is found (no `Vec` of pairs between the two); otherwise the
//! pairs are collected, one `Vec` per partition ([`super::join`]).
//!
//! A left record with matches gives its pairs in its key's right-value order, so a key's pairs
//! come out in the order of `for v in vs { for w in ws { .. } }`; a left record without a
//! match gives what the join's [`ProbeKind`] says (nothing, or `(k, (v, None))`).
//!
//! Each left value and key moves into its last pair. Right values without drop glue (numbers,
//! plain structs: a clone is a copy) are copied into every pair, and each left key is looked
//! up once as it is probed. Right values that own something are moved into the pairs of their
//! key's last left value instead: the build also looks each left key up once and counts the
//! left values of each matched key, so the probe knows the last one without hashing again;
//! nothing is cloned that a later pair does not need.

use super::{shuffle, NONE};
use crate::exec::wire::Wire;
use crate::exec::Executor;
use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

/// What a probe join emits: its right side for a match, and for a left record without one.
pub trait ProbeKind<V, W> {
    /// The right side of an output pair.
    type Right;
    /// The right side of a matched pair.
    fn matched(w: W) -> Self::Right;
    /// The pair of a left value without a match, if the join keeps it.
    fn unmatched(v: V) -> Option<(V, Self::Right)>;
}

/// `join`: matched pairs only.
pub struct Inner;

/// `left_outer_join`: a left value without a match is kept as `(v, None)`.
pub struct LeftOuter;

impl<V, W> ProbeKind<V, W> for Inner {
    type Right = W;
    #[inline(always)]
    fn matched(w: W) -> W {
        w
    }
    #[inline(always)]
    fn unmatched(_: V) -> Option<(V, W)> {
        None
    }
}

impl<V, W> ProbeKind<V, W> for LeftOuter {
    type Right = Option<W>;
    #[inline(always)]
    fn matched(w: W) -> Option<W> {
        Some(w)
    }
    #[inline(always)]
    fn unmatched(v: V) -> Option<(V, Option<W>)> {
        Some((v, None))
    }
}

/// One right value: the index of its key's next right value (or [`NONE`]), and, in a key's
/// first value only, how many left values of the key are still to be joined (the last one
/// moves the right values instead of cloning them).
struct Slot<W> {
    next: u32,
    uses: u32,
    value: Option<W>,
}

/// One reduce partition of a probe join, built and not yet probed: iterating it gives its
/// pairs in the order described in the module's documentation.
pub struct JoinPartition<K, V, W, J> {
    /// Key -> index of its first right value. Empty once `matches` holds the lookups.
    heads: Heads<K>,
    slots: Vec<Slot<W>>,
    /// The left records, as received: bucket by bucket.
    lefts: Vec<Vec<(K, V)>>,
    left_len: usize,
    /// For right values with drop glue: each left record's first right value, looked up
    /// during the build.
    matches: Option<Vec<u32>>,
    kind: PhantomData<fn() -> J>,
}

/// Shuffles both sides and builds each reduce partition's table (the build runs on the
/// executor, a task per partition): the partitions, ready to be probed where they are read.
pub fn build<'e, K, V, W, J, PL, PR>(
    exec: &'e Executor,
    (left, right, partitions): (Vec<PL>, Vec<PR>, usize),
) -> Vec<JoinPartition<K, V, W, J>>
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
    exec.run_stage(inbound, |_, (lefts, rights)| JoinPartition::new(lefts, rights))
}

/// A table from each key to the index of its first right value, on the key's Fx hash. A
/// `HashTable` rather than a `HashMap`: a new key is found absent and inserted in one probe.
struct Heads<K> {
    table: HashTable<(K, u32)>,
}

impl<K: Hash + Eq> Heads<K> {
    #[inline(always)]
    fn hash(k: &K) -> u64 {
        FxBuildHasher.hash_one(k)
    }

    /// The first right value of `k`, or [`NONE`].
    #[inline(always)]
    fn get(&self, k: &K) -> u32 {
        self.table.find(Self::hash(k), |(key, _)| key == k).map_or(NONE, |&(_, first)| first)
    }

    /// Makes `i` the first right value of `k`: the previous first, or [`NONE`].
    #[inline(always)]
    fn replace(&mut self, k: K, i: u32) -> u32 {
        match self.table.entry(Self::hash(&k), |(key, _)| *key == k, |(key, _)| Self::hash(key)) {
            Entry::Occupied(mut e) => std::mem::replace(&mut e.get_mut().1, i),
            Entry::Vacant(e) => {
                e.insert((k, i));
                NONE
            }
        }
    }
}

impl<K: Hash + Eq, V, W, J> JoinPartition<K, V, W, J> {
    fn new(lefts: Vec<Vec<(K, V)>>, rights: Vec<Vec<(K, W)>>) -> Self {
        let left_len: usize = lefts.iter().map(Vec::len).sum();
        let right_len: usize = rights.iter().map(Vec::len).sum();
        assert!(right_len < NONE as usize, "a join's reduce partition holds under 2^32 - 1 right values");
        let mut heads = Heads { table: HashTable::with_capacity(right_len) };
        let mut slots: Vec<Slot<W>> = Vec::with_capacity(right_len);
        // Last to first, so that each value becomes its key's new first one.
        for bucket in rights.into_iter().rev() {
            for (k, w) in bucket.into_iter().rev() {
                let i = slots.len() as u32;
                let next = heads.replace(k, i);
                slots.push(Slot { next, uses: 0, value: Some(w) });
            }
        }
        let mut matches = None;
        if std::mem::needs_drop::<W>() {
            // Count each matched key's left values, so the probe knows its last one.
            let mut firsts: Vec<u32> = Vec::with_capacity(left_len);
            for (k, _) in lefts.iter().flatten() {
                let first = heads.get(k);
                if first != NONE {
                    slots[first as usize].uses += 1;
                }
                firsts.push(first);
            }
            heads = Heads { table: HashTable::new() };
            matches = Some(firsts);
        }
        JoinPartition { heads, slots, lefts, left_len, matches, kind: PhantomData }
    }

    /// A guess at the number of pairs: one per record of the larger side (exact for a
    /// one-to-one join).
    pub fn expected_len(&self) -> usize {
        self.left_len.max(self.slots.len())
    }
}

impl<K, V, W, J> JoinPartition<K, V, W, J>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
{
    /// Every pair, in a `Vec` sized by [`Self::expected_len`].
    pub fn collect(self) -> Vec<(K, (V, J::Right))> {
        let mut out = Vec::with_capacity(self.expected_len());
        out.extend(self);
        out
    }
}

impl<K, V, W, J> IntoIterator for JoinPartition<K, V, W, J>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
{
    type Item = (K, (V, J::Right));
    type IntoIter = Pairs<K, V, W, J>;

    fn into_iter(self) -> Pairs<K, V, W, J> {
        let mut buckets = self.lefts.into_iter();
        let bucket = buckets.next().unwrap_or_default().into_iter();
        Pairs {
            heads: self.heads,
            slots: self.slots,
            buckets,
            bucket,
            matches: self.matches.map(Vec::into_iter),
            pending: None,
            kind: PhantomData,
        }
    }
}

/// The pairs of a [`JoinPartition`], found as they are read.
pub struct Pairs<K, V, W, J> {
    heads: Heads<K>,
    slots: Vec<Slot<W>>,
    buckets: std::vec::IntoIter<Vec<(K, V)>>,
    bucket: std::vec::IntoIter<(K, V)>,
    matches: Option<std::vec::IntoIter<u32>>,
    /// A left record whose chain has more right values: its key, value, the next right value
    /// and whether the right values move.
    pending: Option<(K, V, u32, bool)>,
    kind: PhantomData<fn() -> J>,
}

impl<K, V, W, J> Pairs<K, V, W, J>
where
    K: Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
{
    /// The next left record, across buckets.
    #[inline(always)]
    fn next_left(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(record) = self.bucket.next() {
                return Some(record);
            }
            self.bucket = self.buckets.next()?.into_iter();
        }
    }

    /// The pair of `(k, v)` with right value `j`; if its chain goes on, the originals wait in
    /// `pending` and the pair gets clones.
    #[inline(always)]
    fn pair(&mut self, k: K, v: V, j: u32, last_use: bool) -> (K, (V, J::Right)) {
        let slot = &mut self.slots[j as usize];
        let w = if last_use { slot.value.take() } else { slot.value.clone() };
        let w = J::matched(w.expect("a right value is taken by its key's last left value only"));
        if slot.next == NONE {
            return (k, (v, w));
        }
        let pair = (k.clone(), (v.clone(), w));
        self.pending = Some((k, v, slot.next, last_use));
        pair
    }
}

impl<K, V, W, J> Iterator for Pairs<K, V, W, J>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
{
    type Item = (K, (V, J::Right));

    // Inlined into the loop that reads the pairs, so the probe's state stays in registers.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some((k, v, j, last_use)) = self.pending.take() {
            return Some(self.pair(k, v, j, last_use));
        }
        loop {
            let (k, v) = self.next_left()?;
            let (first, last_use) = match &mut self.matches {
                None => (self.heads.get(&k), false),
                Some(matches) => {
                    let first = matches.next().unwrap_or(NONE);
                    let last_use = first != NONE && {
                        let head = &mut self.slots[first as usize];
                        head.uses -= 1;
                        head.uses == 0
                    };
                    (first, last_use)
                }
            };
            if first != NONE {
                return Some(self.pair(k, v, first, last_use));
            }
            if let Some(pair) = J::unmatched(v) {
                return Some((k, pair));
            }
        }
    }
}
