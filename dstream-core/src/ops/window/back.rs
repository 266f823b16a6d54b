//! A window's output in the type of its input ([`BorrowBack`]): the generated code takes a
//! [`Like`] of the records that enter a window and passes it where the window emits, so the
//! window knows which type to read its kept (owned) records back as. `&str` words come out as
//! `&str` borrowed from the window's state for the batch, instead of a `String` per record.

use crate::keys::owned::{BorrowBack, IntoOwned};
use std::marker::PhantomData;

/// The record type `T` of a window's input, carried without a value.
pub struct Like<T>(PhantomData<fn() -> T>);

impl<T> Clone for Like<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Like<T> {}

impl<T> Like<T> {
    /// The marker of `T`.
    pub fn new() -> Self {
        Like(PhantomData)
    }
}

impl<T> Default for Like<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The record type of `parts` (a stream's partitions), before they are kept.
pub fn like<P: IntoIterator>(parts: &[P]) -> Like<P::Item> {
    let _ = parts;
    Like::new()
}

/// A kept record (`Self`, an owned form) read back as the record type `B` it was made from
/// ([`BorrowBack`] with `Owned = Self`). The windows ask for this of the kept type rather
/// than `BorrowBack` of `B`: where `B` has no owned form, the kept type is unknown and rustc
/// reports `B` once, where the window keeps it, not again where it emits.
pub trait KeptAs<'a, B> {
    /// `B`, borrowing from the kept record.
    type Out;
    /// The record `self` was made from.
    fn read(&'a self) -> Self::Out;
}

impl<'a, B: BorrowBack<'a>> KeptAs<'a, B> for <B as IntoOwned>::Owned {
    type Out = B::Borrowed;
    #[inline]
    fn read(&'a self) -> B::Borrowed {
        B::borrow_back(self)
    }
}

/// Each of a partition's kept records read back as `B`.
pub(crate) fn read_back<'a, B, K>(records: &'a [K]) -> Vec<K::Out>
where
    K: KeptAs<'a, B>,
{
    records.iter().map(K::read).collect()
}
