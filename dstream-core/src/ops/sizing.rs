//! How many records a stage's input partition holds, where its type says so: a fused stage
//! whose operators are all one-to-one (`map`, `map_values`) sizes its output `Vec` from it
//! instead of growing the `Vec` by doubling. A shuffle's reduce side (a keyed table per
//! partition) counts too: the stage after `reduce_by_key` grew its `Vec` of pairs from empty
//! every batch (14 reallocations a batch for 24,000 keys).
//!
//! Generated code calls `(&&CountOf(&partition)).count()` with both traits in scope: method
//! resolution picks [`KnownCount`] for the partition types that know their length and falls
//! back to [`UnknownCount`] (0: the `Vec` grows as before) for the others.

use crate::keys::combine::Combiner;
use crate::keys::dense_keys::{DenseKey, DenseTable};
use crate::keys::short_keys::StrTable;
use crate::ops::join::JoinPartition;

/// A stage's input partition, borrowed for [`KnownCount::count`] / [`UnknownCount::count`].
pub struct CountOf<'a, P>(pub &'a P);

/// A partition type that knows how many records it holds.
pub trait KnownCount {
    /// The number of records (for a join, its guess: see [`JoinPartition::expected_len`]).
    fn count(&self) -> usize;
}

impl<T> KnownCount for &CountOf<'_, Vec<T>> {
    #[inline]
    fn count(&self) -> usize {
        self.0.len()
    }
}

impl<K, V, W, J, I> KnownCount for &CountOf<'_, JoinPartition<K, V, W, J, I>> {
    #[inline]
    fn count(&self) -> usize {
        self.0.expected_len()
    }
}

/// A reduce side's table: one record per key.
impl<V> KnownCount for &CountOf<'_, StrTable<'_, V>> {
    #[inline]
    fn count(&self) -> usize {
        self.0.len()
    }
}

impl<K: std::hash::Hash + Eq, V> KnownCount for &CountOf<'_, Combiner<K, V>> {
    #[inline]
    fn count(&self) -> usize {
        self.0.len()
    }
}

impl<K: DenseKey, V> KnownCount for &CountOf<'_, DenseTable<K, V>> {
    #[inline]
    fn count(&self) -> usize {
        self.0.len()
    }
}

/// Any other partition: its count is not known without reading it.
pub trait UnknownCount {
    /// 0.
    #[inline]
    fn count(&self) -> usize {
        0
    }
}

impl<P> UnknownCount for CountOf<'_, P> {}

#[cfg(test)]
mod tests {
    use super::*;

    // The borrows are the point: method resolution picks `KnownCount` through them.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn vecs_know_their_count_and_other_partitions_do_not() {
        #[allow(unused_imports)]
        use super::{KnownCount as _, UnknownCount as _};
        let part = vec![1, 2, 3];
        assert_eq!((&&CountOf(&part)).count(), 3);
        let lines = ["a b", "c"];
        assert_eq!((&&CountOf(&lines.iter())).count(), 0);
        let mut text_keys = StrTable::default();
        let mut keys = Combiner::new();
        for (i, w) in ["a", "b", "a"].into_iter().enumerate() {
            text_keys.merge(w, 1u64, |a, b| a + b);
            keys.merge(i % 2, 1u64, |a, b| a + b);
        }
        assert_eq!((&&CountOf(&text_keys)).count(), 2, "one record per key");
        assert_eq!((&&CountOf(&keys)).count(), 2);
    }
}
