//! Keyed state across batches: `update_state_by_key` and `map_with_state`
//! (docs/semantics.md §a.5, E7–E10, E17–E20).
//!
//! State lives in one hash table per partition. Keys reach a partition through the executor's
//! hash exchange ([`Executor::hash_partition`], the partitioner of every shuffle), so each
//! key's state is always updated by the task that owns it, and the tables persist from batch
//! to batch. When the number of partitions changes, the state itself moves through the
//! exchange. Keys are stored in owned form ([`IntoOwned`]): a `&str` key from a text batch
//! becomes a `String` once, when it first gets state.

use crate::exec::wire::Wire;
use crate::exec::Executor;
use crate::keys::combine::Combiner;
use crate::keys::owned::IntoOwned;
use crate::time::{Duration, Time};
use rustc_hash::FxBuildHasher;
use std::hash::Hash;

pub(crate) mod saved;

type Table<K, S> = hashbrown::HashMap<K, S, FxBuildHasher>;

/// The state of every key, split by partition.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + Hash + Eq, S: serde::Serialize",
    deserialize = "K: serde::Deserialize<'de> + Hash + Eq, S: serde::Deserialize<'de>"
))]
pub struct StateStore<K, S> {
    partitions: Vec<Table<K, S>>,
    /// Initial state, placed into the partitions at the first batch (when their number is known).
    initial: Vec<(K, S)>,
}

impl<K, S> StateStore<K, S> {
    /// Number of keys with state.
    pub fn len(&self) -> usize {
        self.partitions.iter().map(|t| t.len()).sum::<usize>() + self.initial.len()
    }

    /// Whether no key has state.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Send, S: Send> StateStore<K, S> {
    /// An empty store that starts with `initial` (Spark's `initialRDD` / `initialState`).
    pub fn new<I: IntoIterator<Item = (K, S)>>(initial: I) -> Self {
        StateStore { partitions: Vec::new(), initial: initial.into_iter().collect() }
    }

    /// An empty store.
    pub fn empty() -> Self {
        Self::new(Vec::new())
    }

    /// Makes sure there is one table per partition, placing the initial state: when the
    /// number of partitions changes, every key's state moves to its partition through an
    /// exchange whose sources are the initial state and the old tables.
    fn prepare<'e>(&mut self, exec: &'e Executor, partitions: usize)
    where
        (K, S): Wire<'e>,
    {
        if self.partitions.len() == partitions {
            return;
        }
        // The initial state first: a key's kept state wins over it. In a cluster every
        // process has the program's initial state; the driver's copy is the one placed.
        let mut initial = std::mem::take(&mut self.initial);
        if !exec.is_driver() {
            initial.clear();
        }
        let tables = self.partitions.drain(..).map(|table| table.into_iter().collect());
        let sources: Vec<Vec<(K, S)>> = std::iter::once(initial).chain(tables).collect();
        self.partitions = exec
            .hash_partition(sources, partitions)
            .into_iter()
            .map(|buckets| buckets.into_iter().flatten().collect())
            .collect();
    }
}

impl<K: Hash + Eq + Clone + Send, S: Clone + Send> StateStore<K, S> {
    /// Every (key, state), partition by partition: Spark's state stream / `stateSnapshots`.
    pub fn snapshot(&self) -> Vec<Vec<(K, S)>> {
        let mut parts: Vec<Vec<(K, S)>> =
            self.partitions.iter().map(|t| t.iter().map(|(k, s)| (k.clone(), s.clone())).collect()).collect();
        if parts.is_empty() {
            parts.push(self.initial.clone());
        }
        parts
    }
}

/// `update_state_by_key`: applies `update(time, key, values, state)` to every key that has
/// state or values in this batch (keys without values get an empty `Vec`), keeps the returned
/// state, and removes keys for which it returns `None`. Returns the full state after the
/// batch, as Spark's `StateDStream` does. Generated code passes `Clone::clone` as
/// `clone_state`: a state type without `Clone` is then reported on the operator with no note
/// naming this function (as a bound `S: Clone` would).
pub fn update_state_by_key<'e, K, V, S, F>(
    exec: &'e Executor,
    store: &mut StateStore<K::Owned, S>,
    time: Time,
    grouped: Vec<Combiner<K, Vec<V>>>,
    clone_state: fn(&S) -> S,
    update: F,
) -> Vec<Vec<(K::Owned, S)>>
where
    K: IntoOwned + Hash + Eq + Send,
    K::Owned: Hash + Eq + Clone + Send,
    V: Send,
    S: Send,
    (K::Owned, S): Wire<'e>,
    F: Fn(Time, &K::Owned, Vec<V>, Option<S>) -> Option<S> + Sync,
{
    let partitions = grouped.len().max(1);
    store.prepare(exec, partitions);
    let mut grouped = grouped;
    grouped.resize_with(partitions, Combiner::new);
    let tasks: Vec<_> = store.partitions.iter_mut().zip(grouped).collect();
    exec.run_stage(tasks, |_, (table, batch)| {
        // Sized for the batch's keys up front: growing it would hold the old and the new
        // arrays at once (the peak of a batch of many new keys) and rehash every key.
        let mut new_values: Table<K::Owned, Vec<V>> =
            Table::with_capacity_and_hasher(batch.len(), FxBuildHasher);
        for (k, vs) in batch {
            new_values.insert(k.into_owned(), vs);
        }
        // Keys with state: update with their values (or none).
        table.retain(|k, s| {
            let values = new_values.remove(k).unwrap_or_default();
            match update(time, k, values, Some(clone_state(s))) {
                Some(next) => {
                    *s = next;
                    true
                }
                None => false,
            }
        });
        // Keys new in this batch (room made once, not by doubling).
        table.reserve(new_values.len());
        for (k, values) in new_values {
            if let Some(s) = update(time, &k, values, None) {
                table.insert(k, s);
            }
        }
        table.iter().map(|(k, s)| (k.clone(), clone_state(s))).collect()
    })
}

/// `update_state_by_key` with Spark's basic function form `update(values, state)`.
pub fn update_state_by_key_values<'e, K, V, S, F>(
    exec: &'e Executor,
    store: &mut StateStore<K::Owned, S>,
    time: Time,
    grouped: Vec<Combiner<K, Vec<V>>>,
    clone_state: fn(&S) -> S,
    update: F,
) -> Vec<Vec<(K::Owned, S)>>
where
    K: IntoOwned + Hash + Eq + Send,
    K::Owned: Hash + Eq + Clone + Send,
    V: Send,
    S: Send,
    (K::Owned, S): Wire<'e>,
    F: Fn(Vec<V>, Option<S>) -> Option<S> + Sync,
{
    update_state_by_key(exec, store, time, grouped, clone_state, |_, _, values, state| update(values, state))
}

/// The state of one key inside a `map_with_state` function (Spark's `State`).
#[derive(Debug)]
pub struct State<S> {
    value: Option<S>,
    changed: bool,
    timing_out: bool,
}

impl<S> State<S> {
    fn new(value: Option<S>, timing_out: bool) -> Self {
        State { value, changed: false, timing_out }
    }

    /// Whether the key has state.
    pub fn exists(&self) -> bool {
        self.value.is_some()
    }

    /// The key's state, if it has one.
    pub fn get(&self) -> Option<&S> {
        self.value.as_ref()
    }

    /// Sets the key's state. Has no effect while the key is timing out (it is being removed).
    pub fn update(&mut self, value: S) {
        if !self.timing_out {
            self.value = Some(value);
            self.changed = true;
        }
    }

    /// Removes the key's state.
    pub fn remove(&mut self) {
        self.value = None;
        self.changed = true;
    }

    /// Whether this call is the key's timeout call (no value; the key is removed afterwards).
    pub fn is_timing_out(&self) -> bool {
        self.timing_out
    }
}

/// The state kept by `map_with_state`: each key's state and when it was last updated.
pub type MappedStateStore<K, S> = StateStore<K, (S, Time)>;

/// `map_with_state`: for each record `(k, v)` of the batch, in order, calls
/// `f(&k, Some(v), &mut state)` and emits what it returns; only keys present in the batch are
/// called. With a `timeout`, every key not updated for longer than `timeout` is then called
/// once with `None` and `is_timing_out() == true`, its result emitted, and its state removed.
///
/// Unlike Spark, which evicts lazily at its next checkpoint, keys are evicted at the first
/// batch past their timeout.
#[allow(clippy::too_many_arguments)]
pub fn map_with_state<'e, K, V, S, T, P, F>(
    exec: &'e Executor,
    store: &mut MappedStateStore<K::Owned, S>,
    time: Time,
    timeout: Option<Duration>,
    parts: Vec<P>,
    f: F,
) -> Vec<Vec<T>>
where
    P: IntoIterator<Item = (K, V)> + Send,
    K: IntoOwned + Hash + Eq + Send,
    K::Owned: Hash + Eq + Clone + Send,
    V: Send,
    S: Clone + Send,
    T: Send,
    (K, V): Wire<'e>,
    (K::Owned, (S, Time)): Wire<'e>,
    F: Fn(&K::Owned, Option<V>, &mut State<S>) -> T + Sync,
{
    let partitions = exec.parallelism();
    store.prepare(exec, partitions);
    // Records go to the partition that owns their key, in their original order.
    let received = exec.hash_partition(parts, partitions);
    let tasks: Vec<_> = store.partitions.iter_mut().zip(received).collect();
    exec.run_stage(tasks, |_, (table, buckets)| {
        let mut out = Vec::new();
        for (k, v) in buckets.into_iter().flatten() {
            let k = k.into_owned();
            let old = table.get(&k).map(|(s, _)| s.clone());
            let mut state = State::new(old, false);
            out.push(f(&k, Some(v), &mut state));
            match (state.changed, state.value) {
                (true, Some(s)) => {
                    table.insert(k, (s, time));
                }
                (true, None) => {
                    table.remove(&k);
                }
                (false, Some(s)) if timeout.is_some() => {
                    // Spark refreshes the last-updated time of a key that was called.
                    table.insert(k, (s, time));
                }
                _ => {}
            }
        }
        if let Some(timeout) = timeout {
            let expired: Vec<K::Owned> = table
                .iter()
                .filter(|(_, (_, updated))| updated.as_millis() + timeout.as_millis() < time.as_millis())
                .map(|(k, _)| k.clone())
                .collect();
            for k in expired {
                let (s, _) = table.remove(&k).expect("listed above");
                let mut state = State::new(Some(s), true);
                out.push(f(&k, None, &mut state));
            }
        }
        out
    })
}

/// A `map_with_state` store holding `initial` state. As in Spark, initial state does not
/// time out until its key is first called.
pub fn initial_mapped_state<K, S, I>(initial: I) -> MappedStateStore<K, S>
where
    K: Hash + Eq + Clone + Send,
    S: Clone + Send,
    I: IntoIterator<Item = (K, S)>,
{
    StateStore::new(initial.into_iter().map(|(k, s)| (k, (s, NEVER_UPDATED))))
}

/// The update time of initial state: so far ahead that it never times out.
const NEVER_UPDATED: Time = Time::from_millis(u64::MAX / 2);

/// The `(key, state)` pairs of a `map_with_state` store, without update times.
pub fn mapped_snapshot<K: Hash + Eq + Clone + Send, S: Clone + Send>(
    store: &MappedStateStore<K, S>,
) -> Vec<Vec<(K, S)>> {
    store.snapshot().into_iter().map(|p| p.into_iter().map(|(k, (s, _))| (k, s)).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouped(exec: &'static Executor, batch: &[&'static str]) -> Vec<Combiner<&'static str, Vec<i32>>> {
        let mut c = Combiner::new();
        for k in batch {
            c.fold(*k, 1, crate::ops::closures::singleton, crate::ops::closures::push);
        }
        exec.exchange_combine(vec![c], exec.parallelism(), crate::ops::closures::concat)
    }

    fn sorted<K: Ord + Clone, S: Ord + Clone>(parts: Vec<Vec<(K, S)>>) -> Vec<(K, S)> {
        let mut all: Vec<(K, S)> = parts.concat();
        all.sort();
        all
    }

    #[test]
    fn e7_running_sum_emits_full_state_every_batch() {
        let exec: &'static Executor = Box::leak(Box::new(Executor::new(2)));
        let mut store = StateStore::empty();
        let input: [&[&str]; 6] = [&["a"], &["a", "b"], &["a", "b", "c"], &["a", "b"], &["a"], &[]];
        let mut out = Vec::new();
        for (i, batch) in input.iter().enumerate() {
            let time = Time::from_millis(1000 * (i as u64 + 1));
            let state = update_state_by_key(
                exec,
                &mut store,
                time,
                grouped(exec, batch),
                Clone::clone,
                |_, _, vs, s| Some(vs.iter().sum::<i32>() + s.unwrap_or(0)),
            );
            out.push(sorted(state));
        }
        let s = |v: &[(&str, i32)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect::<Vec<_>>();
        assert_eq!(out[2], s(&[("a", 3), ("b", 2), ("c", 1)]));
        assert_eq!(out[5], s(&[("a", 5), ("b", 3), ("c", 1)]));
    }

    #[test]
    fn initial_state_appears_at_the_first_batch() {
        let exec: &'static Executor = Box::leak(Box::new(Executor::new(3)));
        let mut store = StateStore::new(vec![("a".to_string(), 1), ("c".to_string(), 2)]);
        let state = update_state_by_key(
            exec,
            &mut store,
            Time::from_millis(1000),
            grouped(exec, &["a"]),
            Clone::clone,
            |_, _, vs, s| Some(vs.iter().sum::<i32>() + s.unwrap_or(0)),
        );
        assert_eq!(sorted(state), vec![("a".to_string(), 2), ("c".to_string(), 2)]);
    }

    #[test]
    fn state_moves_to_its_keys_partitions_when_their_number_changes() {
        let sum = |_, _: &String, vs: Vec<i32>, s: Option<i32>| Some(vs.iter().sum::<i32>() + s.unwrap_or(0));
        let mut store = StateStore::new(vec![("z".to_string(), 10)]);
        let two: &'static Executor = Box::leak(Box::new(Executor::new(2)));
        update_state_by_key(
            two,
            &mut store,
            Time::from_millis(1000),
            grouped(two, &["a", "b", "c", "a"]),
            Clone::clone,
            sum,
        );
        let three: &'static Executor = Box::leak(Box::new(Executor::new(3)));
        let state = update_state_by_key(
            three,
            &mut store,
            Time::from_millis(2000),
            grouped(three, &["a", "e"]),
            Clone::clone,
            sum,
        );
        assert_eq!(state.len(), 3);
        for (j, part) in state.iter().enumerate() {
            for (k, _) in part {
                assert_eq!(crate::keys::combine::partition_of(k, 3), j, "{k} in partition {j}");
            }
        }
        let s = |v: &[(&str, i32)]| v.iter().map(|(k, n)| (k.to_string(), *n)).collect::<Vec<_>>();
        assert_eq!(sorted(state), s(&[("a", 3), ("b", 1), ("c", 1), ("e", 1), ("z", 10)]));
    }

    #[test]
    fn timeout_evicts_idle_keys_once() {
        let exec: &'static Executor = Box::leak(Box::new(Executor::new(2)));
        let mut store: MappedStateStore<String, i32> = StateStore::empty();
        let timeout = Some(Duration::from_secs(3));
        let mut emitted = Vec::new();
        for t in 1..=8u64 {
            let batch: Vec<(&str, i32)> = if t == 1 { vec![("a", 1), ("b", 1)] } else { vec![("a", 1)] };
            let out = map_with_state(
                exec,
                &mut store,
                Time::from_millis(t * 1000),
                timeout,
                vec![batch],
                |k, v, s| {
                    if v.is_some() {
                        s.update(1);
                    }
                    s.is_timing_out().then(|| k.clone())
                },
            );
            emitted.extend(out.into_iter().flatten().flatten().map(|k| (t, k)));
        }
        // b was last updated at 1000; 1000 + 3000 < 5000, so it times out at batch 5.
        assert_eq!(emitted, vec![(5, "b".to_string())]);
        assert_eq!(sorted(mapped_snapshot(&store)), vec![("a".to_string(), 1)]);
    }
}
