//! Window buffers: what a `window(W, S)` keeps between batches (docs/semantics.md §a.4).
//!
//! Every batch, the parent's records are pushed with their batch time; at each slide time
//! `T` the window holds the batches with times in `(T - W, T]`, oldest first, as Spark's
//! `WindowedDStream` unions its parent's RDDs. Early windows are partial.

use crate::keys::combine::Combiner;
use crate::keys::owned::{BorrowBack, IntoOwned};
use crate::time::{Duration, Time};
use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxBuildHasher;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash};

pub(crate) mod back;
pub(crate) mod saved;

pub use back::{like, KeptAs, Like};

/// The batches a window still needs, with their times.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WindowBuffer<T> {
    length: Duration,
    batches: VecDeque<(Time, Vec<Vec<T>>)>,
}

impl<T: Clone> WindowBuffer<T> {
    /// A window `length` long.
    pub fn new(length: Duration) -> Self {
        WindowBuffer { length, batches: VecDeque::new() }
    }

    /// Adds the parent's batch at `time` and forgets batches no later window can contain.
    pub fn push(&mut self, time: Time, partitions: Vec<Vec<T>>) {
        self.batches.push_back((time, partitions));
        let oldest_kept = time.as_millis().saturating_sub(self.length.as_millis());
        while self.batches.front().is_some_and(|(t, _)| t.as_millis() <= oldest_kept) {
            self.batches.pop_front();
        }
    }

    /// The window ending at the last pushed time: the union of the kept batches, oldest
    /// first ([`Executor::union`](crate::exec::Executor::union)).
    pub fn contents(&self, exec: &crate::exec::Executor) -> Vec<Vec<T>> {
        exec.union(self.batches.iter().map(|(_, parts)| parts.clone()).collect())
    }

    /// The window ending at the last pushed time, oldest first, each record read back as the
    /// type `B` it entered as ([`BorrowBack`]: `&str` words borrowed from the buffer, owned
    /// records cloned). This is what a `window` emits.
    pub fn contents_as<'s, B>(&'s self, exec: &crate::exec::Executor, _like: Like<B>) -> Vec<Vec<T::Out>>
    where
        T: KeptAs<'s, B>,
    {
        let batches = self.batches.iter();
        exec.union(
            batches.map(|(_, parts)| parts.iter().map(|p| back::read_back::<B, T>(p)).collect()).collect(),
        )
    }

    /// How many records the kept batches hold (the window's state size).
    pub(crate) fn kept_records(&self) -> usize {
        self.batches.iter().flat_map(|(_, parts)| parts.iter().map(Vec::len)).sum()
    }

    /// How many batches are kept.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    /// Whether no batch is kept.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(parts: Vec<Vec<i32>>) -> Vec<i32> {
        parts.concat()
    }

    #[test]
    fn keeps_batches_in_the_half_open_window() {
        let exec = crate::exec::Executor::new(1);
        let mut w = WindowBuffer::new(Duration::from_secs(2));
        w.push(Time::from_millis(1000), vec![vec![0]]);
        assert_eq!(flat(w.contents(&exec)), [0]);
        w.push(Time::from_millis(2000), vec![vec![1]]);
        assert_eq!(flat(w.contents(&exec)), [0, 1]);
        w.push(Time::from_millis(3000), vec![vec![2], vec![]]);
        assert_eq!(flat(w.contents(&exec)), [1, 2]);
        assert_eq!(w.len(), 2);
    }

    fn table<K: Hash + Eq + Copy>(pairs: &[(K, i64)]) -> Vec<Combiner<K, i64>> {
        let mut t = Combiner::new();
        for &(k, v) in pairs {
            t.merge(k, v, |a, b| a + b);
        }
        vec![t]
    }

    fn sorted<K: Ord + Clone>(parts: Vec<Vec<(K, i64)>>) -> Vec<(K, i64)> {
        let mut all = parts.concat();
        all.sort();
        all
    }

    /// A key the filter drops leaves the window's state: the values of its earlier batches
    /// that leave later are ignored, and a batch bringing it back starts it afresh.
    #[test]
    fn filtered_key_ignores_its_leaving_values_and_re_enters() {
        let exec = crate::exec::Executor::new(1);
        let mut w = IncrementalWindow::new(Duration::from_secs(2));
        let mut slide = |secs: u64, pairs: &[(&'static str, i64)]| {
            let time = Time::from_millis(secs * 1000);
            w.push(time, table(pairs));
            sorted(w.emit_filtered(&exec, time, |a, b| a + b, |a, b| a - b, |(_, v)| *v != 0))
        };
        assert_eq!(slide(1, &[("a", 1), ("b", 1)]), [("a", 1), ("b", 1)]);
        // b falls to zero and is dropped.
        assert_eq!(slide(2, &[("b", -1)]), [("a", 1)]);
        // Batch 1 leaves: a falls to zero, b's 1 is ignored; b re-enters with 5 (not 4).
        assert_eq!(slide(3, &[("b", 5)]), [("b", 5)]);
        // Batch 2 leaves, with b's -1 from before b was dropped: taken out of the new b, as
        // in Spark (with signed values the filtered form differs from the naive one).
        assert_eq!(slide(4, &[("a", 2)]), [("a", 2), ("b", 6)]);
    }

    /// Without a filter a key stays at its "zero"; values of an existing key are merged in
    /// place and the batch tables are kept intact for their leaving.
    #[test]
    fn unfiltered_keys_stay_at_zero() {
        let exec = crate::exec::Executor::new(1);
        let mut w = IncrementalWindow::new(Duration::from_secs(2));
        let mut slide = |secs: u64, pairs: &[(&'static str, i64)]| {
            let time = Time::from_millis(secs * 1000);
            w.push(time, table(pairs));
            sorted(w.emit(&exec, time, |a, b| a + b, |a, b| a - b))
        };
        assert_eq!(slide(1, &[("a", 1), ("b", 2)]), [("a", 1), ("b", 2)]);
        assert_eq!(slide(2, &[("a", 3)]), [("a", 4), ("b", 2)]);
        assert_eq!(slide(3, &[]), [("a", 3), ("b", 0)]);
        assert_eq!(slide(4, &[]), [("a", 0), ("b", 0)]);
    }

    /// Batches pushed as borrowed text (their keys written into the lists of the batch that
    /// left) give what the same batches pushed owned give, and the window's records read back
    /// as `&str` borrowed from its state.
    #[test]
    fn borrowed_batches_reuse_the_lists_that_left_and_read_back_borrowed() {
        let exec = crate::exec::Executor::new(2);
        let text = ["a bb ccc", "dddd a", "bb", "eeeee ccc a", "", "a"];
        let mut borrowed: IncrementalWindow<String, i64> = IncrementalWindow::new(Duration::from_secs(2));
        let mut owned: IncrementalWindow<String, i64> = IncrementalWindow::new(Duration::from_secs(2));
        for (i, line) in text.iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * 1000);
            let mut words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
            words.sort();
            words.dedup();
            let parts = vec![words.iter().map(|&w| (w, w.len() as i64)).collect::<Vec<_>>(), Vec::new()];
            let like = like(&parts);
            owned.push(time, parts.iter().map(|p| p.iter().map(|&(w, n)| (w.to_string(), n))).collect());
            borrowed.push_owned(time, parts);
            let keep = |(_, n): &(String, i64)| *n != 0;
            borrowed.slide(&exec, time, |a, b| a + b, |a, b| a - b, Some(keep));
            let got: Vec<Vec<(&str, i64)>> = borrowed.records(&exec, like);
            let mut got: Vec<(String, i64)> =
                got.concat().into_iter().map(|(w, n)| (w.to_string(), n)).collect();
            got.sort();
            let expected = sorted(owned.emit_filtered(&exec, time, |a, b| a + b, |a, b| a - b, keep));
            assert_eq!(got, expected, "at {time:?}");
        }
    }

    /// The incremental window's state as it was before its batch tables became lists
    /// (`BatchTable`): what checkpoints already written hold. Same type name, so the schemas
    /// (which name types without their module) compare.
    mod before {
        use super::*;

        #[derive(serde::Serialize, serde::Deserialize)]
        #[serde(bound(
            serialize = "K: serde::Serialize + Hash + Eq",
            deserialize = "K: serde::Deserialize<'de> + Hash + Eq"
        ))]
        pub struct IncrementalWindow<K> {
            pub length: Duration,
            pub batches: VecDeque<(Time, Vec<Combiner<K, i64>>)>,
            pub current: Vec<Combiner<K, i64>>,
            pub last_emit: Option<Time>,
        }
    }

    /// A window's state written with the `Combiner` batch tables decodes and goes on as the
    /// original, its state written again decodes in that layout with the same contents, and
    /// the checkpoint's schema of the state is the same.
    #[test]
    fn window_state_decodes_from_and_encodes_to_the_combiner_layout() {
        let schema = crate::persist::schema::of::<IncrementalWindow<char, i64>>();
        assert!(schema.as_ref().is_ok_and(|s| s.contains("Map<")), "{schema:?}");
        assert_eq!(schema, crate::persist::schema::of::<before::IncrementalWindow<char>>());
        let exec = crate::exec::Executor::new(1);
        let batches: [&[(char, i64)]; 4] = [&[('a', 1), ('b', 1)], &[('b', 2), ('c', 5)], &[('a', 4)], &[]];
        let mut old = before::IncrementalWindow {
            length: Duration::from_secs(2),
            batches: VecDeque::new(),
            current: Vec::new(),
            last_emit: None,
        };
        let mut w = IncrementalWindow::new(Duration::from_secs(2));
        for (i, pairs) in batches.iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * 1000);
            w.push(time, table(pairs));
            w.emit(&exec, time, |a, b| a + b, |a, b| a - b);
            if i == 1 {
                // The state after batch 2, in the old layout, as a checkpoint held it.
                old.batches = w
                    .batches
                    .iter()
                    .map(|(t, parts)| (*t, parts.iter().flat_map(|p| table(&p.0)).collect()))
                    .collect();
                old.current =
                    w.current.iter().flat_map(|t| table(&t.iter().copied().collect::<Vec<_>>())).collect();
                old.last_emit = w.last_emit;
                let bytes = postcard::to_allocvec(&old).unwrap();
                let restored: IncrementalWindow<char, i64> = postcard::from_bytes(&bytes).unwrap();
                let again: before::IncrementalWindow<char> =
                    postcard::from_bytes(&postcard::to_allocvec(&restored).unwrap()).unwrap();
                let contents = |l: &before::IncrementalWindow<char>| {
                    let batches: Vec<(Time, Vec<(char, i64)>)> = l
                        .batches
                        .iter()
                        .map(|(t, parts)| {
                            (
                                *t,
                                sorted(
                                    parts.iter().map(|p| p.iter().map(|(k, v)| (*k, *v)).collect()).collect(),
                                ),
                            )
                        })
                        .collect();
                    let current =
                        sorted(l.current.iter().map(|p| p.iter().map(|(k, v)| (*k, *v)).collect()).collect());
                    (batches, current, l.last_emit)
                };
                assert_eq!(contents(&again), contents(&old));
                let mut restored = restored;
                let next = Time::from_millis(3000);
                restored.push(next, table(batches[2]));
                let mut original = w.clone();
                original.push(next, table(batches[2]));
                assert_eq!(
                    sorted(restored.emit(&exec, next, |a, b| a + b, |a, b| a - b)),
                    sorted(original.emit(&exec, next, |a, b| a + b, |a, b| a - b))
                );
            }
        }
    }

    /// The window's state serializes as before (each partition a map from key to value, as a
    /// `Combiner`), and a restored window goes on as the original.
    #[test]
    fn window_state_keeps_its_serialized_form() {
        let combiner = table(&[('a', 1), ('b', 2), ('c', 3)]);
        let bytes = postcard::to_allocvec(&combiner).unwrap();
        let restored: Vec<WindowTable<char, i64>> = postcard::from_bytes(&bytes).unwrap();
        let pairs: Vec<Vec<(char, i64)>> = restored.iter().map(|t| t.iter().copied().collect()).collect();
        assert_eq!(sorted(pairs), [('a', 1), ('b', 2), ('c', 3)]);
        let back: Vec<Combiner<char, i64>> =
            postcard::from_bytes(&postcard::to_allocvec(&restored).unwrap()).unwrap();
        let pairs: Vec<Vec<(char, i64)>> =
            back.iter().map(|t| t.iter().map(|(k, v)| (*k, *v)).collect()).collect();
        assert_eq!(sorted(pairs), [('a', 1), ('b', 2), ('c', 3)]);

        let exec = crate::exec::Executor::new(1);
        let batches: [&[(char, i64)]; 5] =
            [&[('a', 1), ('b', 1)], &[('b', 2)], &[('c', 3), ('a', 1)], &[('a', 4)], &[]];
        let mut w = IncrementalWindow::new(Duration::from_secs(2));
        let mut copy = None;
        for (i, pairs) in batches.iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * 1000);
            w.push(time, table(pairs));
            let got = sorted(w.emit(&exec, time, |a, b| a + b, |a, b| a - b));
            if let Some(c) = &mut copy {
                let c: &mut IncrementalWindow<char, i64> = c;
                c.push(time, table(pairs));
                assert_eq!(sorted(c.emit(&exec, time, |a, b| a + b, |a, b| a - b)), got, "at {time:?}");
            }
            if i == 1 {
                copy = Some(postcard::from_bytes(&postcard::to_allocvec(&w).unwrap()).unwrap());
            }
        }
    }
}

/// The state of an incremental `reduce_by_key_and_window(f, inverse, W, S)`: the per-batch
/// reduced tables still inside some window, and the last window's value per key.
///
/// At each slide time the new window value is the old one with the batches that left the
/// window taken out by `inverse` and the batches that entered merged in with `f`, so the cost
/// is proportional to the batches that moved, not to the window's length. As in Spark, a key
/// is never dropped by itself (its value falls to the "zero" of `inverse`, for example
/// `(k, 0)`); pass a `filter` to drop such keys.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + Hash + Eq, V: serde::Serialize",
    deserialize = "K: serde::Deserialize<'de> + Hash + Eq, V: serde::Deserialize<'de>"
))]
pub struct IncrementalWindow<K, V> {
    length: Duration,
    batches: VecDeque<(Time, Vec<BatchTable<K, V>>)>,
    current: Vec<WindowTable<K, V>>,
    last_emit: Option<Time>,
    /// The lists of the last batch that left, whose keys' buffers the next batch's keys are
    /// written into ([`Self::push_owned`]): no allocation per key in steady state. Not state.
    #[serde(skip)]
    spare: Vec<BatchTable<K, V>>,
}

impl<K, V> IncrementalWindow<K, V>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    /// A window `length` long.
    pub fn new(length: Duration) -> Self {
        IncrementalWindow {
            length,
            batches: VecDeque::new(),
            current: Vec::new(),
            last_emit: None,
            spare: Vec::new(),
        }
    }

    /// How many (key, value) entries the window holds: its current value and the reduced
    /// batches it keeps (the window's state size).
    pub(crate) fn kept_entries(&self) -> usize {
        let kept: usize = self.batches.iter().flat_map(|(_, tables)| tables.iter().map(|t| t.0.len())).sum();
        kept + self.current.iter().map(|t| t.table.len()).sum::<usize>()
    }

    /// Adds one batch's reduced tables (one per partition, partitioned by key; each key once
    /// per partition). They are kept as lists: a window only walks them.
    pub fn push<T: IntoIterator<Item = (K, V)>>(&mut self, time: Time, tables: Vec<T>) {
        self.batches
            .push_back((time, tables.into_iter().map(|t| BatchTable(t.into_iter().collect())).collect()));
    }

    /// Adds one batch's reduced tables, made owned ([`IntoOwned`]) in the
    /// lists of the last batch that left: a key's owned form reuses the buffer of the key
    /// that was at its place there (`String`s are overwritten, not allocated and freed).
    pub fn push_owned<T, KI, VI>(&mut self, time: Time, tables: Vec<T>)
    where
        T: IntoIterator<Item = (KI, VI)>,
        KI: crate::IntoOwned<Owned = K>,
        VI: crate::IntoOwned<Owned = V>,
    {
        let mut spare = std::mem::take(&mut self.spare).into_iter();
        let lists = tables.into_iter().map(|table| {
            let mut list = spare.next().map(|t| t.0).unwrap_or_default();
            let mut n = 0;
            for (k, v) in table {
                match list.get_mut(n) {
                    Some((kept_k, kept_v)) => {
                        k.own_into(kept_k);
                        v.own_into(kept_v);
                    }
                    None => list.push((k.into_owned(), v.into_owned())),
                }
                n += 1;
            }
            list.truncate(n);
            BatchTable(list)
        });
        let lists = lists.collect();
        self.batches.push_back((time, lists));
    }

    /// The window's value after the last slide, per partition, each pair read back as the
    /// types `(KB, VB)` that entered the window ([`BorrowBack`]: `&str`
    /// keys borrowed from the window's state, numbers copied), so emitting allocates nothing
    /// per key.
    pub fn records<'s, KB, VB>(
        &'s self,
        exec: &crate::exec::Executor,
        _like: Like<(KB, VB)>,
    ) -> Vec<Vec<(KB::Borrowed, VB::Borrowed)>>
    where
        // On the types before the window (not `KeptAs` on the kept ones): a type without
        // `BorrowBack` is then the very bound `requirements::window_read_back_pairs` reported.
        KB: BorrowBack<'s> + IntoOwned<Owned = K>,
        VB: BorrowBack<'s> + IntoOwned<Owned = V>,
        KB::Borrowed: Send,
        VB::Borrowed: Send,
    {
        let tables: Vec<&'s WindowTable<K, V>> = self.current.iter().collect();
        exec.run_stage(tables, |_, table| {
            table.iter().map(|(k, v)| (KB::borrow_back(k), VB::borrow_back(v))).collect()
        })
    }

    /// The window value at `time` (a slide time), per partition, owned: [`Self::slide`]
    /// without a filter and a copy of every pair.
    pub fn emit<F, G>(
        &mut self,
        exec: &crate::exec::Executor,
        time: Time,
        reduce: F,
        inverse: G,
    ) -> Vec<Vec<(K, V)>>
    where
        F: Fn(V, V) -> V + Sync,
        G: Fn(V, V) -> V + Sync,
    {
        self.slide(exec, time, reduce, inverse, None::<fn(&(K, V)) -> bool>);
        self.owned_records()
    }

    /// The window value at `time`, keeping only the keys for which `filter` holds, owned
    /// ([`Self::slide`] and a copy of every pair).
    pub fn emit_filtered<F, G, H>(
        &mut self,
        exec: &crate::exec::Executor,
        time: Time,
        reduce: F,
        inverse: G,
        filter: H,
    ) -> Vec<Vec<(K, V)>>
    where
        F: Fn(V, V) -> V + Sync,
        G: Fn(V, V) -> V + Sync,
        H: Fn(&(K, V)) -> bool + Sync,
    {
        self.slide(exec, time, reduce, inverse, Some(filter));
        self.owned_records()
    }

    fn owned_records(&self) -> Vec<Vec<(K, V)>> {
        self.current.iter().map(|t| t.iter().cloned().collect()).collect()
    }

    /// Moves the window to `time` (a slide time): the batches that left are taken out with
    /// `inverse`, those that entered merged in with `reduce`; with a `filter`, the keys for
    /// which it does not hold are dropped from the window's state (emitted no more, as in
    /// Spark; the filter sees the kept pair). Its value is then read with [`Self::records`].
    pub fn slide<F, G, H>(
        &mut self,
        exec: &crate::exec::Executor,
        time: Time,
        reduce: F,
        inverse: G,
        filter: Option<H>,
    ) where
        F: Fn(V, V) -> V + Sync,
        G: Fn(V, V) -> V + Sync,
        H: Fn(&(K, V)) -> bool + Sync,
    {
        let start = Time::from_millis(time.as_millis().saturating_sub(self.length.as_millis()));
        let previous_start =
            self.last_emit.map(|t| Time::from_millis(t.as_millis().saturating_sub(self.length.as_millis())));
        let partitions = self.batches.iter().map(|(_, t)| t.len()).max().unwrap_or(0).max(self.current.len());
        self.current.resize_with(partitions, WindowTable::new);
        // Batches that left: in the previous window, not in this one. Batches that entered:
        // in this window, after the previous emission.
        let leaving: Vec<usize> = match (previous_start, self.last_emit) {
            (Some(prev_start), Some(prev_end)) => (0..self.batches.len())
                .filter(|&i| {
                    let t = self.batches[i].0;
                    t > prev_start && t <= prev_end && t <= start
                })
                .collect(),
            _ => Vec::new(),
        };
        let entering: Vec<usize> = (0..self.batches.len())
            .filter(|&i| {
                let t = self.batches[i].0;
                t > start && t <= time && self.last_emit.is_none_or(|last| t > last)
            })
            .collect();
        let batches = &self.batches;
        let tasks: Vec<(usize, WindowTable<K, V>)> =
            std::mem::take(&mut self.current).into_iter().enumerate().collect();
        // Each partition's task updates its table.
        self.current = exec.run_stage(tasks, |_, (p, mut table)| {
            for &b in &leaving {
                if let Some(part) = batches[b].1.get(p) {
                    for (k, v) in &part.0 {
                        // As in Spark, values leaving a key that no longer has a window value
                        // (filtered out) are ignored.
                        table.update_existing(k, |old| inverse(old, v.clone()));
                    }
                }
            }
            for &b in &entering {
                if let Some(part) = batches[b].1.get(p) {
                    for (k, v) in &part.0 {
                        // The batch's table stays for its leaving: its values are cloned, its
                        // keys only when new to the window.
                        table.merge_cloned(k, v, &reduce);
                    }
                }
            }
            if let Some(keep) = &filter {
                table.retain(keep);
            }
            table
        });
        self.last_emit = Some(time);
        while self.batches.front().is_some_and(|(t, _)| *t <= start) {
            if let Some((_, lists)) = self.batches.pop_front() {
                self.spare = lists;
            }
        }
    }
}

/// The `filter` of an [`IncrementalWindow::slide`]: a function of the kept pair, given the
/// signature `Fn(&(K, V)) -> bool` where it is written (so a closure's parameter borrows any
/// pair, which `Some(closure)` alone would not say).
pub fn keep_if<K, V, H: Fn(&(K, V)) -> bool>(filter: H) -> Option<H> {
    Some(filter)
}

/// One partition of an [`IncrementalWindow`]'s value: its `(key, value)` pairs in a hash
/// table on the key's Fx hash. Kept as pairs so a filter borrows each `&(K, V)` as it is
/// stored; each key is changed in place with one lookup (a value that owns memory is taken
/// out of its slot and put back in the same slot), and cloned only when it enters the window.
///
/// Serialized as a map from key to value, exactly as the [`Combiner`] it replaced, so the
/// checkpoint format is unchanged (deserialized through a `Combiner`).
#[derive(Clone, Debug)]
struct WindowTable<K, V> {
    table: HashTable<(K, V)>,
}

impl<K: Hash + Eq, V> WindowTable<K, V> {
    fn new() -> Self {
        WindowTable { table: HashTable::new() }
    }

    fn hash(k: &K) -> u64 {
        FxBuildHasher.hash_one(k)
    }

    /// Merges a clone of `v` into the value under `k` with `reduce(old, v)`, or inserts clones
    /// of `k` and `v` if `k` is new.
    fn merge_cloned(&mut self, k: &K, v: &V, reduce: impl FnOnce(V, V) -> V)
    where
        K: Clone,
        V: Clone,
    {
        match self.table.entry(Self::hash(k), |(key, _)| key == k, |(key, _)| Self::hash(key)) {
            Entry::Occupied(mut e) if !std::mem::needs_drop::<V>() => {
                let old = &mut e.get_mut().1;
                *old = reduce(old.clone(), v.clone());
            }
            Entry::Occupied(e) => {
                let ((key, old), slot) = e.remove();
                slot.insert((key, reduce(old, v.clone())));
            }
            Entry::Vacant(e) => {
                e.insert((k.clone(), v.clone()));
            }
        }
    }

    /// Replaces the value under `k`, if there is one, with `f(value)`. A value without drop
    /// glue (a clone is a copy) is changed where it is; one that owns memory is taken out of
    /// its slot and put back.
    fn update_existing(&mut self, k: &K, f: impl FnOnce(V) -> V)
    where
        V: Clone,
    {
        if !std::mem::needs_drop::<V>() {
            if let Some((_, old)) = self.table.find_mut(Self::hash(k), |(key, _)| key == k) {
                *old = f(old.clone());
            }
            return;
        }
        if let Ok(e) = self.table.find_entry(Self::hash(k), |(key, _)| key == k) {
            let ((key, old), slot) = e.remove();
            slot.insert((key, f(old)));
        }
    }

    /// Keeps the pairs for which `keep` holds.
    fn retain(&mut self, mut keep: impl FnMut(&(K, V)) -> bool) {
        self.table.retain(|pair| keep(pair));
    }

    /// Every pair, borrowed.
    fn iter(&self) -> hashbrown::hash_table::Iter<'_, (K, V)> {
        self.table.iter()
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for WindowTable<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.table.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, K, V> serde::Deserialize<'de> for WindowTable<K, V>
where
    K: serde::Deserialize<'de> + Hash + Eq,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Combiner::<K, V>::deserialize(deserializer).map(Self::from_combiner)
    }
}

impl<K: Hash + Eq, V> WindowTable<K, V> {
    /// The table of a deserialized [`Combiner`], the form it is saved in.
    fn from_combiner(map: Combiner<K, V>) -> Self {
        let mut table = HashTable::with_capacity(map.len());
        for (k, v) in map {
            table.insert_unique(Self::hash(&k), (k, v), |(key, _)| Self::hash(key));
        }
        WindowTable { table }
    }
}

/// One batch's reduced table in an [`IncrementalWindow`]: its `(key, value)` pairs, each key
/// once, walked when the batch enters and when it leaves (never looked up).
///
/// Serialized as a map from key to value, exactly as the [`Combiner`] it replaced, so the
/// checkpoint format is unchanged.
#[derive(Clone, Debug)]
struct BatchTable<K, V>(Vec<(K, V)>);

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for BatchTable<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, K, V> serde::Deserialize<'de> for BatchTable<K, V>
where
    K: serde::Deserialize<'de> + Hash + Eq,
    V: serde::Deserialize<'de>,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(BatchTable(Combiner::<K, V>::deserialize(deserializer)?.into_iter().collect()))
    }
}
