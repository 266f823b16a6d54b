//! Map-side tables kept from one batch for the next.
//!
//! A keyed stage makes a table per partition every batch. Made fresh, a table of 100,000 text
//! keys is about 7 MB of new memory: the allocator maps it, the kernel faults in and zeroes a
//! page per 4 KiB on first write, and unmaps it when the table is dropped (with two threads,
//! each unmap also interrupts the other core to flush its address cache). A table from the
//! stage's [`TableHint`] gives its memory back when the batch is done with it (the reduce side
//! keeps using the map side's tables, see `Executor::exchange_combine`), and the next batch's
//! tables take it again: in steady state no page faults and no allocator calls for tables.
//!
//! Which tables are pooled is decided where the program compiles, by method resolution on
//! `(&&Reuse::of(&table, &value)).reuse(hint, exec)` (both traits in scope): text-key tables
//! ([`StrTable`]) whose values are plain numbers ([`Recyclable`]) come from the pool; every
//! other table is made as before ([`FreshTable`]). A pool must outlive batches, so what it
//! keeps cannot borrow from one: values that borrow (`&str` values, say) are not pooled.

use crate::exec::Executor;
use crate::keys::combine::{CombineTable, Combiner, TableSize};
use crate::keys::dense_keys::{DenseKey, DenseTable};
use crate::keys::short_keys::{slots_for, Recycle, StrSpare, StrTable};
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Spare tables kept per stage at most: a batch uses one per partition.
const MAX_SPARES: usize = 64;

/// A spare is used when it has at most this many times the slots the batch's table needs (a
/// sparser table costs its emptying and emitting, which read every slot).
const OVERSIZE_FACTOR: usize = 4;

/// How big a keyed stage's map-side tables were in the previous batch ([`TableSize`]), so that
/// the next batch's tables start at that size instead of growing from empty (each doubling
/// moves every entry and allocates), and the spare tables of earlier batches ([`TablePool`]).
/// The size is capped by the records of the current batch, so a trickle after a flood does
/// not allocate a large table.
#[derive(Debug, Default)]
pub struct TableHint {
    keys: AtomicUsize,
    apart: AtomicUsize,
    pool: Arc<TablePool>,
}

impl TableHint {
    /// The size to make a table with in the current batch.
    pub fn capacity(&self, exec: &Executor) -> TableSize {
        let records = exec.batch_records();
        TableSize {
            keys: self.keys.load(Ordering::Relaxed).min(records),
            apart: self.apart.load(Ordering::Relaxed).min(records),
        }
    }

    /// Notes the sizes of this batch's map-side tables (the largest of each part).
    pub fn remember<K, V, T: CombineTable<K, V>>(&self, tables: &[T]) {
        let sizes = tables.iter().map(CombineTable::size);
        let largest = sizes.fold(TableSize::default(), |a, b| TableSize {
            keys: a.keys.max(b.keys),
            apart: a.apart.max(b.apart),
        });
        self.keys.store(largest.keys, Ordering::Relaxed);
        self.apart.store(largest.apart, Ordering::Relaxed);
    }

    /// A text-key table for this batch, in a spare's memory when one of the right size is kept
    /// (spares of another size are freed: the batches changed size, and memory follows).
    fn str_table<'a, V: Recyclable>(&self, exec: &Executor) -> StrTable<'a, V> {
        let size = self.capacity(exec);
        let needed = slots_for(size.keys).max(1);
        let (spares, recycle) = self.pool.typed::<V>();
        let mut spares = lock(&spares);
        let mut spare = None;
        while let Some(s) = spares.pop() {
            let slots = s.short_slots();
            if slots >= needed && slots <= needed.saturating_mul(OVERSIZE_FACTOR) {
                spare = Some(s);
                break;
            }
        }
        drop(spares);
        StrTable::from_spare(spare, size, recycle)
    }

    /// Spare tables of values `V` held (for tests).
    #[cfg(test)]
    pub(crate) fn spares<V: Recyclable>(&self) -> usize {
        lock(&self.pool.typed::<V>().0).len()
    }
}

/// The spare tables of one stage (of its one table type, once its first table was made).
#[derive(Default)]
pub(crate) struct TablePool {
    typed: Mutex<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for TablePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TablePool")
    }
}

/// Spare text-key tables of values `V`.
type Spares<V> = Arc<Mutex<Vec<StrSpare<V>>>>;

/// A pool's spares of one type and the way back into them, made once per stage: taking a
/// table and giving it back allocates nothing.
struct Typed<V> {
    spares: Spares<V>,
    recycle: Recycle<V>,
}

impl TablePool {
    /// The spares of text-key tables of values `V`, and the way back into them.
    fn typed<V: Recyclable>(&self) -> (Spares<V>, Recycle<V>) {
        let mut typed = lock(&self.typed);
        if let Some(t) = typed.as_ref().and_then(|t| t.downcast_ref::<Typed<V>>()) {
            return (Arc::clone(&t.spares), t.recycle.clone());
        }
        let spares: Spares<V> = Arc::default();
        let back = Arc::clone(&spares);
        let recycle = Recycle(Arc::new(move |spare: StrSpare<V>| {
            let mut spares = lock(&back);
            if spares.len() < MAX_SPARES {
                spares.push(spare);
            }
        }));
        *typed = Some(Box::new(Typed { spares: Arc::clone(&spares), recycle: recycle.clone() }));
        (spares, recycle)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Value types whose tables are pooled: types that borrow nothing, so that a table's memory
/// can outlive its batch. Numbers and pairs of them (sums, counts, averages).
pub trait Recyclable: Send + 'static {}

macro_rules! recyclable {
    ($($t:ty),*) => { $(impl Recyclable for $t {})* };
}
recyclable!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, bool, char);
impl<A: Recyclable, B: Recyclable> Recyclable for (A, B) {}

/// Picks how a keyed stage's table is made, by method resolution on
/// `(&&Reuse::of(&empty, &value)).reuse(hint, exec)`, where `empty` is a table of the stage's
/// type made with [`TableSize::default`] (which allocates nothing) and `value` a value of the
/// stage (so that the value type is known where the method is picked, not inferred later):
/// the impl of [`PooledTable`] for `&Reuse<StrTable<V>, V>` with [`Recyclable`] values matches
/// without auto-deref and takes the table from the pool; any other table reaches
/// [`FreshTable`] after one deref.
pub struct Reuse<'t, T, W>(std::marker::PhantomData<Chooses<'t, T, W>>);

/// What a [`Reuse`] is about: a table type and a value type (it holds neither).
type Chooses<'t, T, W> = (&'t T, fn() -> W);

impl<'t, T, W> Reuse<'t, T, W> {
    /// The chooser for the type of `table`, whose values are of the type of `value`.
    #[inline(always)]
    pub fn of(_table: &'t T, _value: &W) -> Self {
        Reuse(std::marker::PhantomData)
    }

    /// The chooser for the type of `tables`, combining tables of values `W`, where no value
    /// is at hand (after a stage's loop); it does not keep `tables` borrowed.
    #[inline(always)]
    pub fn of_tables<K>(_tables: &[T]) -> Self
    where
        T: CombineTable<K, W>,
    {
        Reuse(std::marker::PhantomData)
    }
}

/// A table from the stage's pool.
pub trait PooledTable {
    /// The table.
    type Table;
    /// This batch's table, with room for the keys `hint` remembers.
    fn reuse(&self, hint: &TableHint, exec: &Executor) -> Self::Table;
}

impl<'a, V: Recyclable> PooledTable for &Reuse<'_, StrTable<'a, V>, V> {
    type Table = StrTable<'a, V>;

    #[inline]
    fn reuse(&self, hint: &TableHint, exec: &Executor) -> StrTable<'a, V> {
        hint.str_table(exec)
    }
}

/// A table made fresh every batch.
pub trait FreshTable {
    /// The table.
    type Table;
    /// This batch's table, with room for the keys `hint` remembers.
    fn reuse(&self, hint: &TableHint, exec: &Executor) -> Self::Table;
}

impl<T: SizedTable, W> FreshTable for Reuse<'_, T, W> {
    type Table = T;

    #[inline]
    fn reuse(&self, hint: &TableHint, exec: &Executor) -> T {
        T::sized(hint.capacity(exec))
    }
}

/// A table made with room for the keys of a table of `size`.
pub trait SizedTable {
    /// The table.
    fn sized(size: TableSize) -> Self;
}

impl<V> SizedTable for StrTable<'_, V> {
    fn sized(size: TableSize) -> Self {
        StrTable::with_size(size)
    }
}

impl<K: std::hash::Hash + Eq, V> SizedTable for Combiner<K, V> {
    fn sized(size: TableSize) -> Self {
        Combiner::with_capacity(size.keys + size.apart)
    }
}

impl<K: DenseKey, V> SizedTable for DenseTable<K, V> {
    /// The table has a slot for every value of `K` from its first key on.
    fn sized(_size: TableSize) -> Self {
        DenseTable::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(records: usize) -> Executor {
        let exec = Executor::new(2);
        exec.begin_batch();
        exec.note_source_records(Some(records));
        exec
    }

    /// Counts `words` in a table from `hint`, as a stage's map side does.
    fn counted<'a>(hint: &TableHint, exec: &Executor, words: &[&'a str]) -> StrTable<'a, u64> {
        let empty: StrTable<'_, u64> = StrTable::default();
        #[allow(clippy::needless_borrow)] // the double borrow is how the table is made
        let mut table = (&&Reuse::of(&empty, &1u64)).reuse(hint, exec);
        for w in words {
            table.merge(w, 1, |a, b| a + b);
        }
        table
    }

    #[test]
    fn a_dropped_table_lends_its_memory_to_the_next_batch() {
        let hint = TableHint::default();
        let exec = batch(10_000);
        let words: Vec<String> = (0..5_000).map(|i| format!("w{i}")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let first = counted(&hint, &exec, &words);
        hint.remember(std::slice::from_ref(&first));
        let memory = first.short_slots_ptr();
        assert_eq!(first.into_iter().map(|(_, n)| n).sum::<u64>(), 5_000);
        assert_eq!(hint.spares::<u64>(), 1, "emptied by its reader, back in the pool");

        let exec = batch(10_000);
        let second = counted(&hint, &exec, &words[..100]);
        assert_eq!(second.short_slots_ptr(), memory, "the same memory");
        assert_eq!(second.len(), 100, "and none of the last batch's keys");
        let mut pairs: Vec<(&str, u64)> = second.into_iter().collect();
        pairs.sort();
        let mut expected: Vec<(&str, u64)> = words[..100].iter().map(|w| (*w, 1)).collect();
        expected.sort();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn a_half_read_table_goes_back_clean_and_a_far_larger_one_is_freed() {
        let hint = TableHint::default();
        let words: Vec<String> = (0..2_000).map(|i| format!("w{i}")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let table = counted(&hint, &batch(10_000), &words);
        hint.remember(std::slice::from_ref(&table));
        let mut pairs = table.into_iter();
        pairs.next();
        drop(pairs);
        assert_eq!(hint.spares::<u64>(), 1);
        // A trickle: the kept table has far more slots than 3 keys need; it is freed.
        let trickle = counted(&hint, &batch(3), &["a", "b", "a"]);
        assert_eq!(hint.spares::<u64>(), 0);
        assert_eq!(trickle.get("a"), Some(&2));
        drop(trickle);
        let again = counted(&hint, &batch(3), &["c"]);
        assert_eq!(again.into_iter().collect::<Vec<_>>(), [("c", 1)], "nothing left from before");
    }

    #[test]
    fn a_spare_chosen_from_a_tables_type_comes_from_the_pool() {
        let hint = TableHint::default();
        let words = ["a", "b", "a"];
        let table = counted(&hint, &batch(10), &words);
        let tables = vec![table];
        #[allow(clippy::needless_borrow)] // the double borrow is how the table is made
        let spare = (&&Reuse::of_tables(&tables)).reuse(&hint, &batch(10));
        drop(spare);
        assert_eq!(hint.spares::<u64>(), 1, "a pooled table, given back");
        let fresh: Vec<Combiner<u32, u64>> = vec![Combiner::new()];
        #[allow(clippy::needless_borrow)]
        let other = (&&Reuse::of_tables(&fresh)).reuse(&hint, &batch(10));
        assert!(other.is_empty());
        drop((other, tables));
        assert_eq!(hint.spares::<u64>(), 2);
    }

    #[test]
    fn tables_of_borrowed_values_and_other_keys_are_made_fresh() {
        /// A value type of a user's.
        #[derive(Debug, PartialEq)]
        struct Score(u32);
        let hint = TableHint::default();
        let exec = batch(10);
        let text = String::from("w");
        // The value types are left to inference until the values are seen, as in a program.
        let borrowed = StrTable::default();
        #[allow(clippy::needless_borrow)]
        let mut table = (&&Reuse::of(&borrowed, &text.as_str())).reuse(&hint, &exec);
        table.merge(&text, text.as_str(), |a, _| a);
        drop(table);
        let scores = StrTable::default();
        #[allow(clippy::needless_borrow)]
        let mut table = (&&Reuse::of(&scores, &Score(1))).reuse(&hint, &exec);
        table.merge("s", Score(1), |a, b| Score(a.0 + b.0));
        assert_eq!(table.get("s"), Some(&Score(1)));
        drop(table);
        let empty: Combiner<u32, u64> = Combiner::default();
        #[allow(clippy::needless_borrow)]
        let combiner = (&&Reuse::of(&empty, &1u64)).reuse(&hint, &exec);
        drop(combiner);
        assert_eq!(hint.spares::<u64>(), 0);
        // An integer literal's type is still open where the table is picked: pooled.
        let counts = StrTable::default();
        #[allow(clippy::needless_borrow)]
        let mut table = (&&Reuse::of(&counts, &1)).reuse(&hint, &exec);
        table.merge("n", 1, |a, b| a + b);
        drop(table);
        assert_eq!(hint.spares::<i32>(), 1);
    }
}
