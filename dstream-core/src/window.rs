//! Window buffers: what a `window(W, S)` keeps between batches (spark-semantics.md §a.4).
//!
//! Every batch, the parent's records are pushed with their batch time; at each slide time
//! `T` the window holds the batches with times in `(T - W, T]`, oldest first, as Spark's
//! `WindowedDStream` unions its parent's RDDs. Early windows are partial.

use crate::time::{Duration, Time};
use std::collections::VecDeque;

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

    /// The window ending at the last pushed time: every kept batch's partitions, oldest
    /// first (the partitions of a union of the batches).
    pub fn contents(&self) -> Vec<Vec<T>> {
        self.batches.iter().flat_map(|(_, parts)| parts.iter().cloned()).collect()
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
        let mut w = WindowBuffer::new(Duration::from_secs(2));
        w.push(Time::from_millis(1000), vec![vec![0]]);
        assert_eq!(flat(w.contents()), [0]);
        w.push(Time::from_millis(2000), vec![vec![1]]);
        assert_eq!(flat(w.contents()), [0, 1]);
        w.push(Time::from_millis(3000), vec![vec![2], vec![]]);
        assert_eq!(flat(w.contents()), [1, 2]);
        assert_eq!(w.len(), 2);
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
    serialize = "K: serde::Serialize + std::hash::Hash + Eq, V: serde::Serialize",
    deserialize = "K: serde::Deserialize<'de> + std::hash::Hash + Eq, V: serde::Deserialize<'de>"
))]
pub struct IncrementalWindow<K, V> {
    length: Duration,
    batches: VecDeque<(Time, Vec<crate::combine::Combiner<K, V>>)>,
    current: Vec<crate::combine::Combiner<K, V>>,
    last_emit: Option<Time>,
}

impl<K, V> IncrementalWindow<K, V>
where
    K: std::hash::Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    /// A window `length` long.
    pub fn new(length: Duration) -> Self {
        IncrementalWindow { length, batches: VecDeque::new(), current: Vec::new(), last_emit: None }
    }

    /// Adds one batch's reduced tables (one per partition, partitioned by key).
    pub fn push(&mut self, time: Time, tables: Vec<crate::combine::Combiner<K, V>>) {
        self.batches.push_back((time, tables));
    }

    /// The window value at `time` (a slide time), per partition.
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
        self.emit_impl(exec, time, reduce, inverse, None::<fn(&(K, V)) -> bool>)
    }

    /// The window value at `time`, keeping only the keys for which `filter` holds (they are
    /// dropped from the window's state too, as in Spark).
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
        self.emit_impl(exec, time, reduce, inverse, Some(filter))
    }

    fn emit_impl<F, G, H>(
        &mut self,
        exec: &crate::exec::Executor,
        time: Time,
        reduce: F,
        inverse: G,
        filter: Option<H>,
    ) -> Vec<Vec<(K, V)>>
    where
        F: Fn(V, V) -> V + Sync,
        G: Fn(V, V) -> V + Sync,
        H: Fn(&(K, V)) -> bool + Sync,
    {
        let start = Time::from_millis(time.as_millis().saturating_sub(self.length.as_millis()));
        let previous_start =
            self.last_emit.map(|t| Time::from_millis(t.as_millis().saturating_sub(self.length.as_millis())));
        let partitions = self.batches.iter().map(|(_, t)| t.len()).max().unwrap_or(0).max(self.current.len());
        self.current.resize_with(partitions, crate::combine::Combiner::new);
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
        let tasks: Vec<(usize, crate::combine::Combiner<K, V>)> =
            std::mem::take(&mut self.current).into_iter().enumerate().collect();
        let updated: Vec<crate::combine::Combiner<K, V>> = exec.run_stage(tasks, |_, (p, mut table)| {
            for &b in &leaving {
                if let Some(part) = batches[b].1.get(p) {
                    for (k, v) in part.iter() {
                        // As in Spark, values leaving a key that no longer has a window value
                        // (filtered out) are ignored.
                        table.update_existing(k, |old| inverse(old, v.clone()));
                    }
                }
            }
            for &b in &entering {
                if let Some(part) = batches[b].1.get(p) {
                    for (k, v) in part.iter() {
                        table.merge(k.clone(), v.clone(), &reduce);
                    }
                }
            }
            if let Some(keep) = &filter {
                table.retain(|k, v| keep(&(k.clone(), v.clone())));
            }
            table
        });
        self.current = updated;
        self.last_emit = Some(time);
        while self.batches.front().is_some_and(|(t, _)| *t <= start) {
            self.batches.pop_front();
        }
        self.current.iter().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).collect()
    }
}

/// One batch's reduced tables with owned keys and values, for a window that keeps them.
pub fn own_tables<K, V, T>(tables: Vec<T>) -> Vec<crate::combine::Combiner<K::Owned, V::Owned>>
where
    T: IntoIterator<Item = (K, V)>,
    K: crate::owned::IntoOwned,
    V: crate::owned::IntoOwned,
    K::Owned: std::hash::Hash + Eq,
{
    tables
        .into_iter()
        .map(|t| {
            let t = t.into_iter();
            let mut owned = crate::combine::Combiner::with_capacity(t.size_hint().0);
            for (k, v) in t {
                owned.merge(
                    crate::owned::IntoOwned::into_owned(k),
                    crate::owned::IntoOwned::into_owned(v),
                    |_, new| new,
                );
            }
            owned
        })
        .collect()
}
