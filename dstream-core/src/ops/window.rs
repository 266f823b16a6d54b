//! Window buffers: what a `window(W, S)` keeps between batches (docs/semantics.md §a.4).
//!
//! Every batch, the parent's records are pushed with their batch time; at each slide time
//! `T` the window holds the batches with times in `(T - W, T]`, oldest first, as Spark's
//! `WindowedDStream` unions its parent's RDDs. Early windows are partial.

use crate::keys::owned::{BorrowBack, IntoOwned};
use crate::time::{Duration, Time};
use std::collections::VecDeque;
use std::hash::Hash;
use table::{Id, WindowTable};

pub(crate) mod back;
pub(crate) mod saved;
mod table;

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
    /// type `B` it entered as ([`BorrowBack`](crate::BorrowBack): `&str` words borrowed from the buffer, owned
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
    use crate::keys::combine::Combiner;

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

    /// Batches pushed as borrowed text (each key looked up through one reused buffer, the
    /// lists those of a batch that left) give what the same batches pushed owned give, and the
    /// window's records read back as `&str` borrowed from its state.
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

    /// The incremental window's state as it was before its batch tables became lists of ids:
    /// what checkpoints already written hold, and what the window still saves. Same type
    /// name, so the schemas (which name types without their module) compare.
    pub(super) mod before {
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
                    .map(|(t, lists)| {
                        let pairs = lists.iter().zip(&w.current).map(|(list, keys)| {
                            list.iter().map(|(id, v)| (*keys.key(*id), *v)).collect::<Vec<_>>()
                        });
                        (*t, pairs.flat_map(|pairs| table(&pairs)).collect())
                    })
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
    /// `Combiner`), with each kept batch's keys, also where a freed key's id was taken by
    /// another key; and a restored window goes on as the original.
    #[test]
    fn window_state_keeps_its_serialized_form() {
        let exec = crate::exec::Executor::new(1);
        let mut w = IncrementalWindow::new(Duration::from_secs(2));
        let steps: [&[(char, i64)]; 5] =
            [&[('a', 1)], &[('a', -1), ('b', 1)], &[('c', 5)], &[('d', 7)], &[('e', 2)]];
        for (i, pairs) in steps.iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * 1000);
            w.push(time, table(pairs));
            w.emit_filtered(&exec, time, |a, b| a + b, |a, b| a - b, |(_, v)| *v != 0);
        }
        // `a` was dropped at 2 s and left with batch 2 at 4 s: `e` took its id at 5 s.
        let saved: before::IncrementalWindow<char> =
            postcard::from_bytes(&postcard::to_allocvec(&w).unwrap()).unwrap();
        let batches: Vec<(u64, Vec<(char, i64)>)> = saved
            .batches
            .iter()
            .map(|(t, parts)| {
                (
                    t.as_millis(),
                    sorted(parts.iter().map(|p| p.iter().map(|(k, v)| (*k, *v)).collect()).collect()),
                )
            })
            .collect();
        assert_eq!(batches, [(4000, vec![('d', 7)]), (5000, vec![('e', 2)])]);
        let current =
            sorted(saved.current.iter().map(|p| p.iter().map(|(k, v)| (*k, *v)).collect()).collect());
        assert_eq!(current, [('d', 7), ('e', 2)]);

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
///
/// Each key is kept once per partition, in a [`WindowTable`] under an id; a kept batch is a
/// list of `(id, value)` per partition. Saved as before ids (each batch table and each
/// partition's window value a map from key to value, the `Combiner`s they were), so
/// checkpoints written by earlier versions load and those written now read as before.
#[derive(Clone, Debug)]
pub struct IncrementalWindow<K, V> {
    length: Duration,
    batches: VecDeque<(Time, Vec<BatchList<V>>)>,
    current: Vec<WindowTable<K, V>>,
    last_emit: Option<Time>,
    /// Per partition, a list of a batch that left, reused for the next batch's list. Not state.
    spare: Vec<BatchList<V>>,
    /// A key made owned ([`IntoOwned::own_into`]) to be looked up: its buffer is reused from
    /// key to key, so looking up a borrowed key allocates nothing. Not state.
    scratch: Option<K>,
}

/// One partition of a kept batch: its keys' ids in the partition's [`WindowTable`] and its
/// values, each key once, walked when the batch enters and when it leaves.
type BatchList<V> = Vec<(Id, V)>;

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
            scratch: None,
        }
    }

    /// How many (key, value) entries the window holds: its current value and the reduced
    /// batches it keeps (the window's state size).
    pub(crate) fn kept_entries(&self) -> usize {
        let kept: usize = self.batches.iter().flat_map(|(_, lists)| lists.iter().map(Vec::len)).sum();
        kept + self.current.iter().map(WindowTable::len).sum::<usize>()
    }

    /// Adds one batch's reduced tables (one per partition, partitioned by key; each key once
    /// per partition).
    pub fn push<T: IntoIterator<Item = (K, V)>>(&mut self, time: Time, tables: Vec<T>) {
        self.grow_to(tables.len());
        let lists = tables
            .into_iter()
            .zip(&mut self.current)
            .map(|(table, keys)| table.into_iter().map(|(k, v)| (keys.id_for_list(&k, &v), v)).collect());
        let lists = lists.collect();
        self.batches.push_back((time, lists));
    }

    /// Adds one batch's reduced tables, whose keys and values are made owned
    /// ([`IntoOwned`](crate::IntoOwned)): each key is looked up in the window's keys through
    /// one reused buffer and kept only if new; the lists reuse those of a batch that left.
    pub fn push_owned<T, KI, VI>(&mut self, time: Time, tables: Vec<T>)
    where
        T: IntoIterator<Item = (KI, VI)>,
        KI: crate::IntoOwned<Owned = K>,
        VI: crate::IntoOwned<Owned = V>,
    {
        self.grow_to(tables.len());
        let mut lists = Vec::with_capacity(tables.len());
        for (p, (table, keys)) in tables.into_iter().zip(&mut self.current).enumerate() {
            let mut list = self.spare.get_mut(p).map(std::mem::take).unwrap_or_default();
            for (k, v) in table {
                let key = match &mut self.scratch {
                    Some(key) => {
                        k.own_into(key);
                        key
                    }
                    None => self.scratch.insert(k.into_owned()),
                };
                let v = v.into_owned();
                list.push((keys.id_for_list(key, &v), v));
            }
            lists.push(list);
        }
        self.batches.push_back((time, lists));
    }

    /// Makes sure each of `partitions` partitions has its table of keys.
    fn grow_to(&mut self, partitions: usize) {
        if self.current.len() < partitions {
            self.current.resize_with(partitions, WindowTable::new);
        }
    }

    /// The window's value after the last slide, per partition, each pair read back as the
    /// types `(KB, VB)` that entered the window ([`BorrowBack`](crate::BorrowBack): `&str`
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
            let mut out = Vec::with_capacity(table.len());
            out.extend(table.iter().map(|(k, v)| (KB::borrow_back(k), VB::borrow_back(v))));
            out
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
        let previous = self
            .last_emit
            .map(|end| (Time::from_millis(end.as_millis().saturating_sub(self.length.as_millis())), end));
        let partitions = self.batches.iter().map(|(_, t)| t.len()).max().unwrap_or(0);
        self.grow_to(partitions);
        // The batches no window from this one on contains go, per partition: those that were
        // in the previous window leave it (`true`); the others never entered one.
        let mut gone: Vec<Vec<(bool, BatchList<V>)>> = (0..self.current.len()).map(|_| Vec::new()).collect();
        while self.batches.front().is_some_and(|(t, _)| *t <= start) {
            let Some((t, lists)) = self.batches.pop_front() else { break };
            let left = previous.is_some_and(|(prev_start, prev_end)| t > prev_start && t <= prev_end);
            for (p, list) in lists.into_iter().enumerate() {
                gone[p].push((left, list));
            }
        }
        // Batches that entered: in this window, after the previous emission.
        let last_emit = self.last_emit;
        let entering: Vec<usize> = (0..self.batches.len())
            .filter(|&i| {
                let t = self.batches[i].0;
                t <= time && last_emit.is_none_or(|last| t > last)
            })
            .collect();
        let batches = &self.batches;
        let tasks: Vec<_> = std::mem::take(&mut self.current).into_iter().zip(gone).enumerate().collect();
        // Each partition's task updates its table and hands back a list to reuse.
        let done = exec.run_stage(tasks, |_, (p, (mut table, gone))| {
            let mut spare = None;
            for (left, mut list) in gone {
                for (id, v) in list.drain(..) {
                    if left {
                        table.leave(id, v, &inverse);
                    }
                    table.release(id);
                }
                spare = Some(list);
            }
            for &b in &entering {
                if let Some(list) = batches[b].1.get(p) {
                    for (id, v) in list {
                        table.enter(*id, v, &reduce);
                    }
                }
            }
            if let Some(keep) = &filter {
                table.retain(keep);
            }
            (table, spare)
        });
        let mut kept = std::mem::take(&mut self.spare).into_iter();
        for (table, list) in done {
            self.current.push(table);
            self.spare.push(list.or(kept.next()).unwrap_or_default());
        }
        self.last_emit = Some(time);
    }
}

/// The `filter` of an [`IncrementalWindow::slide`]: a function of the kept pair, given the
/// signature `Fn(&(K, V)) -> bool` where it is written (so a closure's parameter borrows any
/// pair, which `Some(closure)` alone would not say).
pub fn keep_if<K, V, H: Fn(&(K, V)) -> bool>(filter: H) -> Option<H> {
    Some(filter)
}
