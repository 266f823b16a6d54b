//! `flat_map(split)` over records that are not `&str`. `split` borrows its words from the
//! line, which is sound for `&str` records (slices of the batch's text, the fast path) and
//! for `&String`; a `String` record is consumed by `flat_map`, so its words are copied out as
//! `String`s. The generated code picks the runner where the program compiles, by method
//! resolution on `(&&(record, f)).flat_map_record_kind()` (the "autoref" pattern), so any other
//! function runs as a plain `flat_map`.

use crate::text::{SplitRun, Words};

/// The runner for a `String` record and a function like `split`.
pub trait OwnedSplitKind {
    /// See [`OwnedSplit`].
    #[inline(always)]
    fn flat_map_record_kind(&self) -> OwnedSplit {
        OwnedSplit
    }
}

impl<F: for<'a> Fn(&'a str) -> Words<'a>> OwnedSplitKind for &(String, F) {}

/// The runner for a `&String` record and a function like `split`.
pub trait BorrowedSplitKind {
    /// See [`BorrowedSplit`].
    #[inline(always)]
    fn flat_map_record_kind(&self) -> BorrowedSplit {
        BorrowedSplit
    }
}

impl<'r, F: Fn(&'r str) -> Words<'r>> BorrowedSplitKind for &(&'r String, F) {}

/// The runner for everything else.
pub trait AnyFlatMapKind {
    /// See [`AnyFlatMap`].
    #[inline(always)]
    fn flat_map_record_kind(&self) -> AnyFlatMap {
        AnyFlatMap
    }
}

impl<R, F> AnyFlatMapKind for (R, F) {}

/// `split` over a `String` record: its words, owned.
pub struct OwnedSplit;

impl OwnedSplit {
    /// The words of `record`.
    #[inline]
    pub fn run<F: for<'a> Fn(&'a str) -> Words<'a>>(
        self,
        (record, f): (String, F),
    ) -> std::vec::IntoIter<String> {
        f(&record).map(str::to_owned).collect::<Vec<_>>().into_iter()
    }
}

/// `split` over a `&String` record: its words, borrowed from it.
pub struct BorrowedSplit;

impl BorrowedSplit {
    /// The words of `record`.
    #[inline(always)]
    pub fn run<'r, F: Fn(&'r str) -> Words<'r>>(self, (record, f): (&'r String, F)) -> Words<'r> {
        f(record.as_str())
    }
}

/// Any other `flat_map(f)`.
pub struct AnyFlatMap;

impl AnyFlatMap {
    /// `f(record)`'s items.
    #[inline(always)]
    pub fn run<R, F, I>(self, (record, f): (R, F)) -> I::IntoIter
    where
        F: FnOnce(R) -> I,
        I: IntoIterator,
    {
        f(record).into_iter()
    }
}

/// The runner of a stage that starts with `flat_map(split)` over a partition of `String`
/// records (see `text::BlockwiseKind` for `&str` lines).
pub trait OwnedLinesKind {
    /// See [`OwnedLines`].
    #[inline(always)]
    fn flat_map_kind(&self) -> OwnedLines {
        OwnedLines
    }
}

impl<P: IntoIterator<Item = String>, F: for<'a> Fn(&'a str) -> Words<'a>> OwnedLinesKind for &(P, F) {}

/// Runs `flat_map(split)` over a partition of `String` records: each record's words, owned.
pub struct OwnedLines;

impl OwnedLines {
    /// The words of every record of `part`.
    #[inline(always)]
    pub fn flat_map<P, F>(
        self,
        part: P,
        f: F,
    ) -> SplitRun<std::iter::Empty<String>, impl Iterator<Item = String>>
    where
        P: IntoIterator<Item = String>,
        F: for<'a> Fn(&'a str) -> Words<'a>,
    {
        SplitRun::Other(part.into_iter().flat_map(move |line| OwnedSplit.run((line, &f))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::split;

    #[test]
    #[allow(clippy::needless_borrow)] // the autoref pattern needs the borrows
    fn split_takes_owned_and_borrowed_text() {
        let owned = ("to be".to_string(), &split);
        assert_eq!((&&owned).flat_map_record_kind().run(owned).collect::<Vec<_>>(), ["to", "be"]);
        let line = "or not".to_string();
        let borrowed = (&line, &split);
        assert_eq!((&&borrowed).flat_map_record_kind().run(borrowed).collect::<Vec<_>>(), ["or", "not"]);
        let other = (3, |n: i32| 0..n);
        assert_eq!((&&other).flat_map_record_kind().run(other).count(), 3);
    }
}
