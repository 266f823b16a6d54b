//! Per-partition hash tables that combine values by key, and the hash partitioner that
//! decides which reduce partition a key belongs to.

use hashbrown::hash_map::Entry;
use rustc_hash::FxBuildHasher;
use std::hash::{BuildHasher, Hash};

/// A hash table from key to combined value: the map side and the reduce side of
/// `reduce_by_key`. Merging moves values, so any `V` works (no `Clone` or `Default` needed).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(bound(
    serialize = "K: serde::Serialize + Hash + Eq, V: serde::Serialize",
    deserialize = "K: serde::Deserialize<'de> + Hash + Eq, V: serde::Deserialize<'de>"
))]
pub struct Combiner<K, V> {
    table: hashbrown::HashMap<K, V, FxBuildHasher>,
}

impl<K, V> Default for Combiner<K, V> {
    fn default() -> Self {
        Combiner { table: hashbrown::HashMap::with_hasher(FxBuildHasher) }
    }
}

impl<K: Hash + Eq, V> Combiner<K, V> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table with room for `n` keys.
    pub fn with_capacity(n: usize) -> Self {
        Combiner { table: hashbrown::HashMap::with_capacity_and_hasher(n, FxBuildHasher) }
    }

    /// Inserts `v` under `k`, or merges it into the value already there with `f(old, v)`.
    #[inline]
    pub fn merge<F: Fn(V, V) -> V>(&mut self, k: K, v: V, f: F) {
        match self.table.entry(k) {
            Entry::Vacant(e) => {
                e.insert(v);
            }
            Entry::Occupied(e) => {
                e.replace_entry_with(|_, old| Some(f(old, v)));
            }
        }
    }

    /// Folds `x` into the value under `k`: `create(x)` for a new key, else
    /// `merge_value(old, x)`. Spark's `createCombiner` / `mergeValue`.
    #[inline]
    pub fn fold<X>(&mut self, k: K, x: X, create: impl FnOnce(X) -> V, merge_value: impl FnOnce(V, X) -> V) {
        match self.table.entry(k) {
            Entry::Vacant(e) => {
                e.insert(create(x));
            }
            Entry::Occupied(e) => {
                e.replace_entry_with(|_, old| Some(merge_value(old, x)));
            }
        }
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Replaces the value under `k`, if there is one, with `f(value)`.
    pub fn update_existing(&mut self, k: &K, f: impl FnOnce(V) -> V) {
        if let Some((key, old)) = self.table.remove_entry(k) {
            self.table.insert(key, f(old));
        }
    }

    /// Every (key, value), borrowed.
    pub fn iter(&self) -> hashbrown::hash_map::Iter<'_, K, V> {
        self.table.iter()
    }

    /// Keeps the entries for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.table.retain(|k, v| keep(k, v))
    }

    /// The value under `k`.
    pub fn get(&self, k: &K) -> Option<&V> {
        self.table.get(k)
    }
}

/// The size of a combining table ([`CombineTable::size`]): its number of keys, and for a table
/// that keeps some keys apart in a part of their own (the long keys of
/// `short_keys::StrTable`), how many of those, so that both parts can start at their size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableSize {
    /// Keys in the main part (all keys, for most tables).
    pub keys: usize,
    /// Keys kept apart.
    pub apart: usize,
}

/// What a stage's loop folds keyed records into and an exchange merges: a [`Combiner`] for
/// any key type, or a table specialised for a key type (`crate::keys::short_keys::StrTable` for
/// text keys), picked per stage when the program compiles.
pub trait CombineTable<K, V>: Default + IntoIterator<Item = (K, V)> {
    /// One key and its value as an exchange moves them from a map-side table to a reduce-side
    /// one (the table may add what it already knows of the key, such as its hash).
    type Shipped: Send;
    /// An empty table with room for `n` keys.
    fn with_capacity(n: usize) -> Self;
    /// Empties the table into one bucket per reduce partition, keeping its memory (the
    /// exchange merges a reduce partition's keys into an emptied map-side table). Every table
    /// of one exchange uses the same partitioning, so equal keys meet in the same reduce
    /// partition.
    fn ship(&mut self, partitions: usize) -> Vec<Vec<Self::Shipped>>;
    /// Makes room for `n` keys in a table that has none allocated (a table with memory keeps
    /// it). The default does nothing: the table grows as keys arrive.
    fn reserve(&mut self, n: usize) {
        let _ = n;
    }
    /// Merges one shipped key into this table, as [`CombineTable::merge`].
    fn receive<F: Fn(V, V) -> V>(&mut self, item: Self::Shipped, f: F);
    /// Merges every key of `other` into this table, as [`CombineTable::merge`], and drops
    /// `other` (a pooled table goes back to its pool): how one process gathers a batch's
    /// map-side tables into one without an exchange (`Executor::exchange_combine_with`). One
    /// insert-or-combine per key of `other`, nothing allocated but this table's growth.
    fn absorb<F: Fn(V, V) -> V>(&mut self, other: Self, f: F) {
        for (k, v) in other {
            self.merge(k, v, &f);
        }
    }
    /// Inserts `v` under `k`, or merges it into the value already there with `f(old, v)`.
    fn merge<F: Fn(V, V) -> V>(&mut self, k: K, v: V, f: F);
    /// [`CombineTable::merge`], told the text the keys are likely slices of (the batch's text
    /// when a stage reads a text source; empty otherwise), which a table for text keys reads
    /// a key's bytes from in fixed-size loads. The result is the same as `merge`'s.
    #[inline(always)]
    fn merge_in<F: Fn(V, V) -> V>(&mut self, home: &[u8], k: K, v: V, f: F) {
        let _ = home;
        self.merge(k, v, f)
    }
    /// Number of distinct keys.
    fn len(&self) -> usize;
    /// How big the table is, for the next batch's table to start at (see
    /// `short_keys::TableHint`): its keys, unless it keeps some apart.
    fn size(&self) -> TableSize {
        TableSize { keys: self.len(), apart: 0 }
    }
    /// An empty table with room for the keys of a table of `size` before it grows.
    fn with_size(size: TableSize) -> Self {
        Self::with_capacity(size.keys + size.apart)
    }
    /// Whether the table is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Send, V: Send> CombineTable<K, V> for Combiner<K, V> {
    type Shipped = (K, V);

    fn with_capacity(n: usize) -> Self {
        Combiner::with_capacity(n)
    }

    /// Partitions by [`partition_of`], Spark's `HashPartitioner`.
    fn ship(&mut self, partitions: usize) -> Vec<Vec<(K, V)>> {
        bucket_by_key(self.table.drain(), partitions)
    }

    fn reserve(&mut self, n: usize) {
        if self.table.capacity() == 0 {
            self.table.reserve(n);
        }
    }

    #[inline]
    fn receive<F: Fn(V, V) -> V>(&mut self, (k, v): (K, V), f: F) {
        Combiner::merge(self, k, v, f)
    }

    #[inline]
    fn merge<F: Fn(V, V) -> V>(&mut self, k: K, v: V, f: F) {
        Combiner::merge(self, k, v, f)
    }

    fn len(&self) -> usize {
        Combiner::len(self)
    }
}

impl<K, V> IntoIterator for Combiner<K, V> {
    type Item = (K, V);
    type IntoIter = hashbrown::hash_map::IntoIter<K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.table.into_iter()
    }
}

/// Cuts `records` into one bucket per reduce partition by [`partition_of`] of their keys, in
/// order. One partition takes the records as they are (a `Vec` without a copy).
pub(crate) fn bucket_by_key<K: Hash, X>(
    records: impl IntoIterator<Item = (K, X)>,
    partitions: usize,
) -> Vec<Vec<(K, X)>> {
    if partitions <= 1 {
        return vec![records.into_iter().collect()];
    }
    let records = records.into_iter();
    // Sized for an even spread plus slack, so the buckets rarely reallocate.
    let n = records.size_hint().0;
    let expected = n / partitions + n / (8 * partitions) + 16;
    let mut out: Vec<Vec<(K, X)>> = (0..partitions).map(|_| Vec::with_capacity(expected)).collect();
    for (k, x) in records {
        out[partition_of(&k, partitions)].push((k, x));
    }
    out
}

/// The reduce partition of `key` among `partitions`, the same on every thread and in every
/// run (a fixed hash, unlike `std`'s randomly seeded one), as Spark's `HashPartitioner`.
#[inline]
pub fn partition_of<K: Hash + ?Sized>(key: &K, partitions: usize) -> usize {
    if partitions <= 1 {
        return 0;
    }
    let h = FxBuildHasher.hash_one(key);
    // Multiply-shift maps the hash onto 0..partitions using its well-mixed high bits.
    ((u128::from(h) * partitions as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_combines_equal_keys() {
        let mut c = Combiner::new();
        for w in ["a", "b", "a", "a"] {
            c.merge(w, 1, |x, y| x + y);
        }
        assert_eq!(c.get(&"a"), Some(&3));
        assert_eq!(c.get(&"b"), Some(&1));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn merge_moves_values_without_clone() {
        let mut c = Combiner::new();
        c.merge(1, vec![1], |mut a: Vec<i32>, b| {
            a.extend(b);
            a
        });
        c.merge(1, vec![2], |mut a: Vec<i32>, b| {
            a.extend(b);
            a
        });
        assert_eq!(c.get(&1), Some(&vec![1, 2]));
    }

    #[test]
    fn partitioning_is_stable_and_in_range() {
        for p in 1..9 {
            for k in 0..1000u32 {
                let part = partition_of(&k, p);
                assert!(part < p);
                assert_eq!(part, partition_of(&k, p));
            }
        }
        // Keys spread over all partitions.
        let mut seen = [false; 4];
        for k in 0..100u32 {
            seen[partition_of(&k.to_string().as_str(), 4)] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
