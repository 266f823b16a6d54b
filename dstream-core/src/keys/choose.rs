//! Which combining table a keyed stage uses, picked where the program compiles from the key's
//! type: [`StrTable`] for text keys, [`DenseTable`] for [`DenseKey`] types, a [`Combiner`]
//! for any other key.

use crate::keys::combine::{Combiner, TableSize};
use crate::keys::dense_keys::{DenseKey, DenseTable};
use crate::keys::short_keys::StrTable;

/// Picks the combining table for a key type in generated code, by method resolution on
/// `(&&TableFor::of(&key)).new_table()`: the impls for `&TableFor<&str>` and for
/// `&TableFor<K: DenseKey>` ([`SpecialKeyTable`]) match the receiver without auto-deref and win
/// for text keys ([`StrTable`]) and keys with few values ([`DenseTable`]); every other key type
/// reaches the impl for `TableFor<K>` after one deref and gets a [`Combiner`] ([`AnyKeyTable`]).
/// Both traits must be in scope. Integer types do not implement [`DenseKey`]: an integer
/// literal's type is still open when the table is picked (see [`crate::keys::dense_keys`]).
pub struct TableFor<K>(std::marker::PhantomData<fn() -> K>);

impl<K> TableFor<K> {
    /// The chooser for the type of `key`.
    #[inline(always)]
    pub fn of(_key: &K) -> Self {
        TableFor(std::marker::PhantomData)
    }
}

/// Key types with a table of their own: `&str` ([`StrTable`]) and [`DenseKey`] types
/// ([`DenseTable`]). One trait for both, so that a key whose type is an error (in a program
/// that does not compile) matches one trait, not two, and adds no error of its own.
pub trait SpecialKeyTable {
    /// The table for values of type `V`.
    type Table<V>;
    /// A new, empty table with room for the keys of a table of `size`.
    fn new_table<V>(&self, size: TableSize) -> Self::Table<V>;
}

impl<'a> SpecialKeyTable for &TableFor<&'a str> {
    type Table<V> = StrTable<'a, V>;

    #[inline(always)]
    fn new_table<V>(&self, size: TableSize) -> StrTable<'a, V> {
        StrTable::with_size(size)
    }
}

impl<K: DenseKey> SpecialKeyTable for &TableFor<K> {
    type Table<V> = DenseTable<K, V>;

    /// The table has a slot for every value of `K` from its first key on.
    #[inline(always)]
    fn new_table<V>(&self, _size: TableSize) -> DenseTable<K, V> {
        DenseTable::new()
    }
}

/// Any other key type: a [`Combiner`].
pub trait AnyKeyTable<K> {
    /// A new, empty table with room for the keys of a table of `size`.
    fn new_table<V>(&self, size: TableSize) -> Combiner<K, V>;
}

impl<K: std::hash::Hash + Eq> AnyKeyTable<K> for TableFor<K> {
    #[inline(always)]
    fn new_table<V>(&self, size: TableSize) -> Combiner<K, V> {
        Combiner::with_capacity(size.keys + size.apart)
    }
}
