//! The probe join behind `join` and `left_outer_join`, as a hand-written hash join is: the
//! right side's values chained by key behind a table from key to its first and last value
//! (so a chain reads in arrival order), then the left records probed in their order.
//!
//! The build runs in the join's own stage; the probe runs where the pairs are read. A join
//! whose pairs feed one fused stage hands that stage its [`JoinPartition`]s, and the stage's
//! loop pulls each pair as it is found (no `Vec` of pairs between the two); otherwise the
//! pairs are collected, one `Vec` per partition ([`super::join`]).
//!
//! With one reduce partition in one process nothing is cut or moved: the build reads the
//! right side's input partitions as they are and the probe the left side's, so a join whose
//! inputs are read lazily ([`super::lazy`]) fills its table straight from the records before
//! their `map` and applies the left side's `map` as it probes.
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
//! nothing is cloned that a later pair does not need. The two kinds are stored apart
//! (`Values`): a value without drop glue is never moved out, so its slot holds the link and
//! the value only (16 bytes for a `u64`, where an `Option` and a use count made 24); a value
//! with drop glue keeps the use count and an `Option` to be moved out of.

use super::memory::{Build, BuildHome};
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

/// One right value without drop glue (numbers, plain structs: read by copying): the index of
/// its key's next right value (or [`NONE`]) and the value, nothing else: 16 bytes for a `u64`
/// (an `Option` would make it 24), so the build writes and the probe reads a third less.
pub(super) struct Slot<W> {
    next: u32,
    value: W,
}

/// One right value with drop glue (moved into the pairs of its key's last left value): the
/// index of its key's next right value, in a key's first value only how many left values of
/// the key are still to be joined, and the value until it is moved out.
pub(super) struct Held<W> {
    next: u32,
    uses: u32,
    value: Option<W>,
}

/// A reduce partition's right values, in arrival order: in `plain` when `W` has no drop glue,
/// in `held` when it has (one of the two is always empty; which one is known at compile time).
pub(super) struct Values<W> {
    pub(super) plain: Vec<Slot<W>>,
    pub(super) held: Vec<Held<W>>,
}

impl<W> Values<W> {
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        if std::mem::needs_drop::<W>() {
            self.held.len()
        } else {
            self.plain.len()
        }
    }

    /// Makes `i` the next right value of the value at `last`.
    #[inline(always)]
    fn link(&mut self, last: u32, i: u32) {
        if std::mem::needs_drop::<W>() {
            self.held[last as usize].next = i;
        } else {
            self.plain[last as usize].next = i;
        }
    }

    /// Appends `w`, the last value of its key so far.
    #[inline(always)]
    fn push(&mut self, w: W) {
        if std::mem::needs_drop::<W>() {
            self.held.push(Held { next: NONE, uses: 0, value: Some(w) });
        } else {
            self.plain.push(Slot { next: NONE, value: w });
        }
    }

    /// Counts one more left value of the key whose first right value is `first` (values with
    /// drop glue only).
    #[inline(always)]
    fn count_use(&mut self, first: u32) {
        self.held[first as usize].uses += 1;
    }

    /// One left value of the key whose first right value is `first` is joined: whether it was
    /// the key's last (values with drop glue only).
    #[inline(always)]
    fn use_once(&mut self, first: u32) -> bool {
        let head = &mut self.held[first as usize];
        head.uses -= 1;
        head.uses == 0
    }
}

impl<W: Clone> Values<W> {
    /// The right value at `j` (moved out on the key's last use, else cloned) and the index of
    /// its key's next one.
    #[inline(always)]
    fn read(&mut self, j: u32, last_use: bool) -> (W, u32) {
        if std::mem::needs_drop::<W>() {
            let slot = &mut self.held[j as usize];
            let w = if last_use { slot.value.take() } else { slot.value.clone() };
            (w.expect("a right value is taken by its key's last left value only"), slot.next)
        } else {
            let slot = &self.plain[j as usize];
            (slot.value.clone(), slot.next)
        }
    }
}

/// One reduce partition of a probe join, built and not yet probed: iterating it gives its
/// pairs in the order described in the module's documentation. `I` is the type of the left
/// side's input partitions' iterators, read when it was not cut.
pub struct JoinPartition<K, V, W, J, I = std::vec::IntoIter<(K, V)>> {
    /// Key -> index of its first and last right value (empty once `matches` holds the
    /// lookups), and the right values; their memory goes back to the join's pool after the
    /// probe.
    build: Build<K, W>,
    /// The left records, as received: input partition by partition, or bucket by bucket.
    lefts: Vec<LeftPart<I, K, V>>,
    left_len: usize,
    /// For right values with drop glue: each left record's first right value, looked up
    /// during the build.
    matches: Option<Vec<u32>>,
    kind: PhantomData<fn() -> J>,
}

/// The left records of a reduce partition: an input partition read as it is (one reduce
/// partition, nothing cut), or a bucket the shuffle cut.
enum LeftPart<I, K, V> {
    Whole(I),
    Cut(std::vec::IntoIter<(K, V)>),
}

impl<I: Iterator<Item = (K, V)>, K, V> Iterator for LeftPart<I, K, V> {
    type Item = (K, V);

    #[inline(always)]
    fn next(&mut self) -> Option<(K, V)> {
        match self {
            LeftPart::Whole(records) => records.next(),
            LeftPart::Cut(records) => records.next(),
        }
    }
}

/// At most how many records `records` holds (its length when it knows it).
fn at_most(records: &impl Iterator) -> usize {
    let (lower, upper) = records.size_hint();
    upper.unwrap_or(lower)
}

/// Builds each reduce partition's table (the build runs on the executor, a task per
/// partition): the partitions, ready to be probed where they are read. With one reduce
/// partition in this process the input partitions are read as they are (see the module's
/// documentation); otherwise both sides are shuffled first.
pub fn build<'e, K, V, W, J, PL, PR>(
    exec: &'e Executor,
    (left, right, partitions): (Vec<PL>, Vec<PR>, usize),
    home: &BuildHome<K, W>,
) -> Vec<JoinPartition<K, V, W, J, PL::IntoIter>>
where
    PL: IntoIterator<Item = (K, V)> + Send,
    PL::IntoIter: Send,
    PR: IntoIterator<Item = (K, W)> + Send,
    (K, V): Wire<'e>,
    (K, W): Wire<'e>,
    K: Hash + Eq + Send,
    V: Send,
    W: Send,
{
    if partitions <= 1 && !exec.in_cluster() {
        let lefts: Vec<LeftPart<PL::IntoIter, K, V>> =
            left.into_iter().map(|part| LeftPart::Whole(part.into_iter())).collect();
        return exec
            .run_stage(vec![(lefts, right)], |_, (lefts, rights)| JoinPartition::new(lefts, rights, home));
    }
    let inbound = shuffle(exec, left, right, partitions);
    exec.run_stage(inbound, |_, (lefts, rights)| {
        JoinPartition::new(
            lefts.into_iter().map(|bucket| LeftPart::Cut(bucket.into_iter())).collect(),
            rights,
            home,
        )
    })
}

/// A table from each key to the index of its first and last right value, on the key's Fx
/// hash. A `HashTable` rather than a `HashMap`: a new key is found absent and inserted in one
/// probe.
pub(super) struct Heads<K> {
    pub(super) table: HashTable<(K, u32, u32)>,
}

impl<K: Hash + Eq> Heads<K> {
    #[inline(always)]
    pub(super) fn hash(k: &K) -> u64 {
        FxBuildHasher.hash_one(k)
    }

    /// The first right value of `k`, or [`NONE`].
    #[inline(always)]
    fn get(&self, k: &K) -> u32 {
        self.table.find(Self::hash(k), |(key, _, _)| key == k).map_or(NONE, |&(_, first, _)| first)
    }

    /// Makes `i` the last right value of `k`: the previous last, or [`NONE`] for a new key.
    #[inline(always)]
    fn append(&mut self, k: K, i: u32) -> u32 {
        match self.table.entry(Self::hash(&k), |(key, _, _)| *key == k, |(key, _, _)| Self::hash(key)) {
            Entry::Occupied(mut e) => std::mem::replace(&mut e.get_mut().2, i),
            Entry::Vacant(e) => {
                e.insert((k, i, i));
                NONE
            }
        }
    }
}

impl<K: Hash + Eq, V, W, J, I: Iterator<Item = (K, V)>> JoinPartition<K, V, W, J, I> {
    fn new<PR>(mut lefts: Vec<LeftPart<I, K, V>>, rights: Vec<PR>, home: &BuildHome<K, W>) -> Self
    where
        PR: IntoIterator<Item = (K, W)>,
    {
        let rights: Vec<PR::IntoIter> = rights.into_iter().map(IntoIterator::into_iter).collect();
        let right_len: usize = rights.iter().map(at_most).sum();
        // Checked once here when every part knows how many records it holds at most.
        let bounded = rights.iter().all(|part| part.size_hint().1.is_some());
        let too_many = "a join's reduce partition holds under 2^32 - 1 right values";
        assert!(!bounded || right_len < NONE as usize, "{too_many}");
        let mut build = Build::with_capacity(home, right_len);
        // Owned by the loops while they run (kept in registers), then given back.
        let (mut heads, mut slots) = build.take();
        // First to last: each value is chained behind its key's last one. A loop per part
        // (rather than one over all of them) keeps the inner loop's state in registers.
        for part in rights {
            for (k, w) in part {
                let i = slots.len() as u32;
                assert!(bounded || (slots.len() as u64) < u64::from(NONE), "{too_many}");
                let last = heads.append(k, i);
                if last != NONE {
                    slots.link(last, i);
                }
                slots.push(w);
            }
        }
        let mut matches = None;
        if std::mem::needs_drop::<W>() {
            // Count each matched key's left values, so the probe knows its last one: the left
            // records are read twice, so read from a `Vec`.
            let records: Vec<(K, V)> = std::mem::take(&mut lefts).into_iter().flatten().collect();
            let mut firsts: Vec<u32> = Vec::with_capacity(records.len());
            for (k, _) in &records {
                let first = heads.get(k);
                if first != NONE {
                    slots.count_use(first);
                }
                firsts.push(first);
            }
            heads.table.clear();
            matches = Some(firsts);
            lefts = vec![LeftPart::Cut(records.into_iter())];
        }
        build.put(heads, slots);
        let left_len = lefts.iter().map(at_most).sum();
        JoinPartition { build, lefts, left_len, matches, kind: PhantomData }
    }
}

impl<K, V, W, J, I> JoinPartition<K, V, W, J, I> {
    /// A guess at the number of pairs: one per record of the larger side (exact for a
    /// one-to-one join).
    pub fn expected_len(&self) -> usize {
        self.left_len.max(self.build.slots.len())
    }
}

impl<K, V, W, J, I> JoinPartition<K, V, W, J, I>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    I: Iterator<Item = (K, V)>,
{
    /// Every pair, in a `Vec` sized by [`Self::expected_len`].
    pub fn collect(self) -> Vec<(K, (V, J::Right))> {
        let mut out = Vec::with_capacity(self.expected_len());
        out.extend(self);
        out
    }

    /// Hands every pair to `each`, in the order the iterator gives them: the probe as nested
    /// loops, one per kind of left part, so its state stays in registers. A fused stage whose
    /// loop never stops early reads its join this way.
    #[inline(always)]
    pub fn for_each_pair<F: FnMut((K, (V, J::Right)))>(self, mut each: F) {
        let JoinPartition { mut build, lefts, matches, .. } = self;
        let (heads, mut slots) = build.take();
        // (`matches` is only made for right values with drop glue: no code for the others.)
        if let Some(matches) = matches.filter(|_| std::mem::needs_drop::<W>()) {
            // Right values with drop glue: each left key was looked up during the build.
            for ((k, v), first) in lefts.into_iter().flatten().zip(matches) {
                let last_use = first != NONE && slots.use_once(first);
                emit_pairs::<K, V, W, J, F>(&mut slots, (k, v), first, last_use, &mut each);
            }
        } else {
            for part in lefts {
                match part {
                    LeftPart::Whole(records) => {
                        probe_all::<K, V, W, J, F>(&heads, &mut slots, records, &mut each)
                    }
                    LeftPart::Cut(records) => {
                        probe_all::<K, V, W, J, F>(&heads, &mut slots, records, &mut each)
                    }
                }
            }
        }
        // The memory goes back to the join's pool (if it has one) as `build` drops.
        build.put(heads, slots);
    }
}

/// Probes every record of one left part (right values without drop glue: copied).
#[inline(always)]
fn probe_all<K, V, W, J, F>(
    heads: &Heads<K>,
    slots: &mut Values<W>,
    records: impl Iterator<Item = (K, V)>,
    each: &mut F,
) where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    F: FnMut((K, (V, J::Right))),
{
    for (k, v) in records {
        let first = heads.get(&k);
        emit_pairs::<K, V, W, J, F>(slots, (k, v), first, false, each);
    }
}

/// The pairs of one left record whose key's first right value is `first` (or [`NONE`]), as
/// [`Pairs`] makes them.
#[inline(always)]
fn emit_pairs<K, V, W, J, F>(slots: &mut Values<W>, (k, v): (K, V), first: u32, last_use: bool, each: &mut F)
where
    K: Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    F: FnMut((K, (V, J::Right))),
{
    if first == NONE {
        if let Some(pair) = J::unmatched(v) {
            each((k, pair));
        }
        return;
    }
    let mut j = first;
    loop {
        let (w, next) = slots.read(j, last_use);
        let w = J::matched(w);
        if next == NONE {
            each((k, (v, w)));
            return;
        }
        j = next;
        each((k.clone(), (v.clone(), w)));
    }
}

impl<K, V, W, J, I> IntoIterator for JoinPartition<K, V, W, J, I>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    I: Iterator<Item = (K, V)>,
{
    type Item = (K, (V, J::Right));
    type IntoIter = Pairs<K, V, W, J, I>;

    fn into_iter(self) -> Pairs<K, V, W, J, I> {
        let mut parts = self.lefts.into_iter();
        let part = parts.next().unwrap_or(LeftPart::Cut(Vec::new().into_iter()));
        Pairs {
            build: self.build,
            parts,
            part,
            matches: self.matches.map(Vec::into_iter),
            pending: None,
            kind: PhantomData,
        }
    }
}

/// The pairs of a [`JoinPartition`], found as they are read.
pub struct Pairs<K, V, W, J, I> {
    build: Build<K, W>,
    parts: std::vec::IntoIter<LeftPart<I, K, V>>,
    part: LeftPart<I, K, V>,
    matches: Option<std::vec::IntoIter<u32>>,
    /// A left record whose chain has more right values: its key, value, the next right value
    /// and whether the right values move.
    pending: Option<(K, V, u32, bool)>,
    kind: PhantomData<fn() -> J>,
}

impl<K, V, W, J, I> Pairs<K, V, W, J, I>
where
    K: Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    I: Iterator<Item = (K, V)>,
{
    /// The next left record, across parts.
    #[inline(always)]
    fn next_left(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(record) = self.part.next() {
                return Some(record);
            }
            self.part = self.parts.next()?;
        }
    }

    /// The pair of `(k, v)` with right value `j`; if its chain goes on, the originals wait in
    /// `pending` and the pair gets clones.
    #[inline(always)]
    fn pair(&mut self, k: K, v: V, j: u32, last_use: bool) -> (K, (V, J::Right)) {
        let (w, next) = self.build.slots.read(j, last_use);
        let w = J::matched(w);
        if next == NONE {
            return (k, (v, w));
        }
        let pair = (k.clone(), (v.clone(), w));
        self.pending = Some((k, v, next, last_use));
        pair
    }
}

impl<K, V, W, J, I> Iterator for Pairs<K, V, W, J, I>
where
    K: Hash + Eq + Clone,
    V: Clone,
    W: Clone,
    J: ProbeKind<V, W>,
    I: Iterator<Item = (K, V)>,
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
                None => (self.build.heads.get(&k), false),
                Some(matches) => {
                    let first = matches.next().unwrap_or(NONE);
                    let last_use = first != NONE && self.build.slots.use_once(first);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `u64` right value takes 16 bytes with its link (no `Option`, no use count); a value
    /// with drop glue keeps both, to be moved out once.
    #[test]
    fn plain_slots_hold_a_link_and_the_value_only() {
        assert_eq!(std::mem::size_of::<Slot<u64>>(), 16);
        assert_eq!(std::mem::size_of::<Slot<u32>>(), 8);
        assert_eq!(std::mem::size_of::<Held<String>>(), 32);
    }

    /// Values without drop glue that are not `Copy` are cloned into every pair; values with
    /// drop glue are moved into their key's last left value's pairs: both read the same.
    #[test]
    fn plain_and_held_values_give_the_same_pairs() {
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        struct Plain(u16, char);
        let exec = Executor::new(1);
        let left = vec![vec![(1u8, 'a'), (2, 'b'), (1, 'c'), (3, 'd')]];
        let plain = vec![vec![(1u8, Plain(10, 'x')), (1, Plain(11, 'y')), (2, Plain(20, 'z'))]];
        let held: Vec<Vec<(u8, String)>> =
            plain.iter().map(|p| p.iter().map(|(k, w)| (*k, format!("{}{}", w.0, w.1))).collect()).collect();
        assert!(!std::mem::needs_drop::<Plain>() && std::mem::needs_drop::<String>());
        let pairs = |parts: Vec<JoinPartition<u8, char, Plain, LeftOuter>>| -> Vec<_> {
            parts
                .into_iter()
                .flatten()
                .map(|(k, (v, w))| (k, (v, w.map(|w| format!("{}{}", w.0, w.1)))))
                .collect()
        };
        let from_plain = pairs(build(&exec, (left.clone(), plain, 1), &BuildHome::fresh()));
        let from_held: Vec<_> =
            build::<_, _, _, LeftOuter, _, _>(&exec, (left, held, 1), &BuildHome::fresh())
                .into_iter()
                .flatten()
                .collect();
        let s = |t: &str| Some(t.to_string());
        let want = [
            (1, ('a', s("10x"))),
            (1, ('a', s("11y"))),
            (2, ('b', s("20z"))),
            (1, ('c', s("10x"))),
            (1, ('c', s("11y"))),
            (3, ('d', None)),
        ];
        assert_eq!(from_plain, want);
        assert_eq!(from_held, want);
    }
}
