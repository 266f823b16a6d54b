//! A combining table for keys with few values: an array indexed by the key.
//!
//! Counting per order status, per country or per hour needs no hash table: the key has a handful
//! of values, each can be numbered, and the count lives at the key's number. A key type says so
//! by implementing [`DenseKey`] (done here for `bool`; an enum without data or a newtype around
//! a `u8` implements it in three lines), and the generated code then picks a [`DenseTable`] for
//! every `reduce_by_key` and `count_by_value` keyed by it, as it picks the text table for `&str`
//! keys (see [`crate::keys::short_keys::TableFor`]).
//!
//! Integer types themselves do not implement it: the table is picked while the program's
//! types are still being inferred, and an integer literal's type is decided last, so an
//! implementation for `u8` would make every key typed by a literal (`(n, 1)` with `n = 3`)
//! ask for a `u8` table and fail to compile as `i32`. Wrap small integers in a type of yours.
//!
//! ```
//! use dstream_core::DenseKey;
//!
//! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
//! enum Status { Purchased, Shipped, Delivered }
//!
//! impl DenseKey for Status {
//!     const CARDINALITY: usize = 3;
//!     fn index(self) -> usize {
//!         self as usize
//!     }
//! }
//! assert_eq!(Status::Delivered.index(), 2);
//! ```

use crate::keys::combine::{bucket_by_key, CombineTable};
use std::hash::Hash;

/// A key type whose values are numbered `0..CARDINALITY`, so that a table for it is an array.
pub trait DenseKey: Copy + Eq + Hash {
    /// How many values the type has.
    const CARDINALITY: usize;
    /// This value's number, below [`DenseKey::CARDINALITY`] and different for different values.
    fn index(self) -> usize;
}

impl DenseKey for bool {
    const CARDINALITY: usize = 2;
    #[inline(always)]
    fn index(self) -> usize {
        usize::from(self)
    }
}

/// A map from a [`DenseKey`] to its combined value: one slot per value of the key type, made
/// at the first key (so an empty batch allocates nothing).
#[derive(Clone, Debug)]
pub struct DenseTable<K, V> {
    slots: Vec<Option<(K, V)>>,
    len: usize,
}

impl<K, V> Default for DenseTable<K, V> {
    fn default() -> Self {
        DenseTable { slots: Vec::new(), len: 0 }
    }
}

impl<K: DenseKey, V> DenseTable<K, V> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts `v` under `k`, or merges it into the value already there with `f(old, v)`.
    ///
    /// # Panics
    ///
    /// If `k.index()` is not below `K::CARDINALITY` (a broken [`DenseKey`] implementation);
    /// the message names the key type.
    #[inline(always)]
    pub fn merge<F: Fn(V, V) -> V>(&mut self, k: K, v: V, f: F) {
        if self.slots.is_empty() {
            self.slots = std::iter::repeat_with(|| None).take(K::CARDINALITY).collect();
        }
        let index = k.index();
        let Some(slot) = self.slots.get_mut(index) else {
            panic!(
                "`DenseKey::index` of `{}` returned {index}, not below its `CARDINALITY` ({}): \
                 fix the `DenseKey` implementation",
                std::any::type_name::<K>(),
                K::CARDINALITY
            )
        };
        *slot = Some(match slot.take() {
            Some((key, old)) => (key, f(old, v)),
            None => {
                self.len += 1;
                (k, v)
            }
        });
    }

    /// The value under `k`.
    pub fn get(&self, k: K) -> Option<&V> {
        self.slots.get(k.index())?.as_ref().map(|(_, v)| v)
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<K, V> IntoIterator for DenseTable<K, V> {
    type Item = (K, V);
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Option<(K, V)>>>;

    /// The pairs in the order of the keys' numbers.
    fn into_iter(self) -> Self::IntoIter {
        self.slots.into_iter().flatten()
    }
}

impl<K: DenseKey + Send, V: Send> CombineTable<K, V> for DenseTable<K, V> {
    type Shipped = (K, V);

    fn with_capacity(_n: usize) -> Self {
        Self::default()
    }

    /// Partitions by [`partition_of`](crate::keys::combine::partition_of), as a
    /// [`crate::keys::combine::Combiner`] does.
    fn ship(&mut self, partitions: usize) -> Vec<Vec<(K, V)>> {
        bucket_by_key(std::mem::take(self), partitions)
    }

    #[inline]
    fn receive<F: Fn(V, V) -> V>(&mut self, (k, v): (K, V), f: F) {
        DenseTable::merge(self, k, v, f)
    }

    #[inline(always)]
    fn merge<F: Fn(V, V) -> V>(&mut self, k: K, v: V, f: F) {
        DenseTable::merge(self, k, v, f)
    }

    fn len(&self) -> usize {
        DenseTable::len(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::combine::partition_of;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// A byte as a key with 256 values.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    struct Byte(u8);

    impl DenseKey for Byte {
        const CARDINALITY: usize = 256;
        fn index(self) -> usize {
            usize::from(self.0)
        }
    }

    proptest! {
        /// Any keys give the same sums as a `HashMap`, and come out in their numbers' order.
        #[test]
        fn sums_match_a_hash_map(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut table = DenseTable::new();
            let mut expected: HashMap<Byte, u64> = HashMap::new();
            for (i, &b) in bytes.iter().enumerate() {
                table.merge(Byte(b), i as u64, |a, b| a + b);
                *expected.entry(Byte(b)).or_insert(0) += i as u64;
            }
            prop_assert_eq!(table.len(), expected.len());
            for (k, v) in &expected {
                prop_assert_eq!(table.get(*k), Some(v));
            }
            let pairs: Vec<(Byte, u64)> = table.into_iter().collect();
            let numbers: Vec<usize> = pairs.iter().map(|(k, _)| k.index()).collect();
            prop_assert!(numbers.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(pairs.into_iter().collect::<HashMap<_, _>>(), expected);
        }
    }

    /// A key type whose `index` breaks the contract.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    struct Broken;

    impl DenseKey for Broken {
        const CARDINALITY: usize = 1;
        fn index(self) -> usize {
            1
        }
    }

    #[test]
    #[should_panic(
        expected = "returned 1, not below its `CARDINALITY` (1): fix the `DenseKey` implementation"
    )]
    fn an_index_out_of_range_names_the_broken_implementation() {
        DenseTable::new().merge(Broken, 1u64, |a, b| a + b);
    }

    #[test]
    fn an_empty_table_allocates_nothing_and_ships_empty_buckets() {
        let mut table: DenseTable<bool, u64> = DenseTable::new();
        assert!(table.is_empty());
        assert_eq!(table.slots.capacity(), 0);
        let shipped = table.ship(3);
        assert_eq!(shipped.len(), 3);
        assert!(shipped.iter().all(Vec::is_empty));
    }

    #[test]
    fn shipped_keys_meet_in_their_partition() {
        let mut table = DenseTable::new();
        for k in 0..=255u8 {
            table.merge(Byte(k), 1u64, |a, b| a + b);
        }
        let buckets = table.ship(4);
        assert_eq!(buckets.iter().map(Vec::len).sum::<usize>(), 256);
        for (j, bucket) in buckets.into_iter().enumerate() {
            assert!(bucket.iter().all(|(k, _)| partition_of(k, 4) == j));
        }
    }
}
