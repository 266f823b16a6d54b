//! The streams a `union` or a join combines, met without glue code. Streams of one record
//! (or key) type pass through untouched, so borrowed text stays borrowed. Streams whose types
//! differ only in who owns their text (`&str` words before a state store, `String` words
//! after it, or from owned text; `(&str, u32)` and `(String, u32)` keys; `Option<&str>` and
//! `Option<String>`) meet in their owned form ([`IntoOwned`]), converted record by record as
//! the step reads them. Any other difference is reported where the other stream is named,
//! with both types as the user's program has them.
//!
//! Which way a step takes is decided by method resolution on the generated call
//! `(&&&meet).union(.., UnionRecords::cast)` (stable Rust has no specialisation), each level
//! one dereference further: [`SameTypes`] is implemented for `&&Meet<T, T>` and is found
//! first; [`OwnedTypes`] for `&Meet<L, R>` when both types have an owned form; [`OtherTypes`]
//! for any `Meet<L, R>`, only to report the mismatch.
//!
//! The check is the last argument, the trait method [`UnionRecords::cast`] (or
//! [`JoinKeys::cast`]) as a function pointer whose type each way fixes: the generated code
//! names the method, so a mismatch is the unmet bound of that path on the user's branch, with
//! the trait's message (naming both types) and no note pointing into this module, where a
//! `where` clause on the step's method would add "required by a bound in `OtherTypes::union`".

use crate::keys::owned::IntoOwned;
use std::marker::PhantomData;

/// The record (or key) types of the stream before a `union` or a join, `L`, and of the
/// stream it names, `R`. Made by [`records`] or [`keys`]; its methods come from
/// [`SameTypes`], [`OwnedTypes`] or [`OtherTypes`].
pub struct Meet<L, R>(PhantomData<fn() -> (L, R)>);

impl<L, R> Meet<L, R> {
    fn new() -> Self {
        Meet(PhantomData)
    }
}

/// The [`Meet`] of a union: the records of the stream so far and of the branch.
pub fn records<L, P: IntoIterator>(_this: &[Vec<L>], _other: &[P]) -> Meet<L, P::Item> {
    Meet::new()
}

/// The [`Meet`] of a join: the keys of both streams.
pub fn keys<PL, PR>(_left: &[PL], _right: &[PR]) -> Meet<KeyOf<PL>, KeyOf<PR>>
where
    PL: IntoIterator<Item: JoinRecord>,
    PR: IntoIterator<Item: JoinRecord>,
{
    Meet::new()
}

/// The key of partitions `P`'s records.
pub type KeyOf<P> = <<P as IntoIterator>::Item as JoinRecord>::Key;
/// The value of partitions `P`'s records.
type ValueOf<P> = <<P as IntoIterator>::Item as JoinRecord>::Value;

/// How a branch's record `B` becomes the union's `T`, where the stream before has `L` records
/// and the branch `R` ([`UnionRecords::cast`] as a pointer).
pub type CastRecord<B, L, R, T> = fn(B, Meet<L, R>) -> T;
/// How the other stream's key `B` becomes the join's `K` ([`JoinKeys::cast`] as a pointer).
pub type CastKey<B, L, R, K> = fn(B, Meet<L, R>) -> K;
/// How an owned `R` becomes an owned `L` where the types meet in their owned form (either
/// cast as a pointer).
pub type CastOwned<L, R> = fn(Owned<R>, Meet<L, R>) -> Owned<L>;

/// Streams of one type: nothing to convert.
pub trait SameTypes {
    /// The records (or keys) of both streams.
    type T;

    /// `this`'s partitions followed by `other`'s (Spark's `union`).
    fn union<P: IntoIterator<Item = Self::T>>(
        &self,
        this: Vec<Vec<Self::T>>,
        other: Vec<P>,
        _same: CastRecord<Self::T, Self::T, Self::T, Self::T>,
    ) -> Vec<Vec<Self::T>> {
        let mut out = this;
        out.extend(other.into_iter().map(|p| p.into_iter().collect()));
        out
    }

    /// Both sides of a join as they are.
    fn join_sides<PL, PR>(
        &self,
        left: Vec<PL>,
        right: Vec<PR>,
        _same: CastKey<Self::T, Self::T, Self::T, Self::T>,
    ) -> (Vec<PL>, Vec<PR>) {
        (left, right)
    }
}

impl<T> SameTypes for &&Meet<T, T> {
    type T = T;
}

/// Streams of two types: both meet in the owned form of the first, which must be the owned
/// form of the second (else the user is told, on the branch, both types).
pub trait OwnedTypes {
    /// The records (or keys) of the stream before the step.
    type L: IntoOwned;
    /// The records (or keys) of the stream the step names.
    type R: IntoOwned;

    /// `this`'s partitions followed by `other`'s, all records owned.
    fn union<P>(
        &self,
        this: Vec<Vec<Self::L>>,
        other: Vec<P>,
        cast: CastOwned<Self::L, Self::R>,
    ) -> Vec<Vec<Owned<Self::L>>>
    where
        P: IntoIterator<Item = Self::R>,
    {
        let mut out: Vec<Vec<_>> =
            this.into_iter().map(|p| p.into_iter().map(IntoOwned::into_owned).collect()).collect();
        out.extend(
            other.into_iter().map(|p| p.into_iter().map(|r| cast(r.into_owned(), Meet::new())).collect()),
        );
        out
    }

    /// Both sides of a join, their keys owned as each record is read (no extra pass).
    #[allow(clippy::type_complexity)]
    fn join_sides<PL, PR>(
        &self,
        left: Vec<PL>,
        right: Vec<PR>,
        cast: CastOwned<Self::L, Self::R>,
    ) -> (Vec<OwnedLeft<PL::IntoIter>>, Vec<OwnedRight<PR::IntoIter, Self::L, Self::R>>)
    where
        PL: IntoIterator<Item: JoinRecord<Key = Self::L>>,
        PR: IntoIterator<Item: JoinRecord<Key = Self::R>>,
    {
        let left = left.into_iter().map(|p| OwnedLeft(p.into_iter())).collect();
        let right = right.into_iter().map(|p| OwnedRight { records: p.into_iter(), cast }).collect();
        (left, right)
    }
}

impl<L: IntoOwned, R: IntoOwned> OwnedTypes for &Meet<L, R> {
    type L = L;
    type R = R;
}

/// Streams of two types, one of which has no owned form ([`IntoOwned`]): they cannot meet,
/// and the check passed to each method (which never holds) says so, naming both types.
pub trait OtherTypes {
    /// The records (or keys) of the stream before the step.
    type L;
    /// The records (or keys) of the stream the step names.
    type R;

    /// Reports the mismatch (the check never holds: `L` and `R` differ).
    fn union<P>(
        &self,
        this: Vec<Vec<Self::L>>,
        other: Vec<P>,
        cast: CastRecord<Self::R, Self::L, Self::R, Self::L>,
    ) -> Vec<Vec<Self::L>>
    where
        P: IntoIterator<Item = Self::R>,
    {
        let mut out = this;
        out.extend(other.into_iter().map(|p| p.into_iter().map(|r| cast(r, Meet::new())).collect()));
        out
    }

    /// Reports the mismatch (the check never holds: `L` and `R` differ). The other side is
    /// returned keyed as this one, so that the join after it shows no error of its own.
    #[allow(clippy::type_complexity)]
    fn join_sides<PL, PR>(
        &self,
        left: Vec<PL>,
        right: Vec<PR>,
        cast: CastKey<Self::R, Self::L, Self::R, Self::L>,
    ) -> (Vec<PL>, Vec<Vec<(Self::L, ValueOf<PR>)>>)
    where
        PR: IntoIterator<Item: JoinRecord<Key = Self::R>>,
    {
        let right = right
            .into_iter()
            .map(|p| {
                p.into_iter()
                    .map(|r| {
                        let (k, v) = r.split();
                        (cast(k, Meet::new()), v)
                    })
                    .collect()
            })
            .collect();
        (left, right)
    }
}

impl<L, R> OtherTypes for Meet<L, R> {
    type L = L;
    type R = R;
}

/// The owned form of `T`.
type Owned<T> = <T as IntoOwned>::Owned;

/// A partition of a join's left side with its keys owned as the join reads each record.
pub struct OwnedLeft<I>(I);

impl<I> Iterator for OwnedLeft<I>
where
    I: Iterator<Item: JoinRecord<Key: IntoOwned>>,
{
    type Item = (Owned<<I::Item as JoinRecord>::Key>, <I::Item as JoinRecord>::Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = self.0.next()?.split();
        Some((k.into_owned(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// A partition of a join's right side with its keys owned and cast to the owned form of the
/// left side's key `L` as the join reads each record.
pub struct OwnedRight<I, L: IntoOwned, R: IntoOwned> {
    records: I,
    cast: CastOwned<L, R>,
}

impl<I, L, R> Iterator for OwnedRight<I, L, R>
where
    I: Iterator<Item: JoinRecord<Key = R>>,
    L: IntoOwned,
    R: IntoOwned,
{
    type Item = (Owned<L>, <I::Item as JoinRecord>::Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (k, v) = self.records.next()?.split();
        Some(((self.cast)(k.into_owned(), Meet::new()), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

/// The check that a `union`'s branch has the stream's record type, up to who owns the text
/// (`Self` and `B` are both streams' owned record types; `L` and `R` what the user's
/// program has).
#[diagnostic::on_unimplemented(
    message = "`union` combines streams of one record type: this branch's records are `{R}`, the stream's are `{L}`",
    label = "records of type `{R}`, but the stream before `union` has `{L}` records",
    note = "map one of the streams so that both carry the same record type (text meets text: `&str` and `String` combine as `String`)"
)]
pub trait UnionRecords<L, R, B> {
    /// The branch's record, as the union's.
    #[doc(hidden)]
    fn cast(record: B, types: Meet<L, R>) -> Self;
}

impl<T, L, R> UnionRecords<L, R, T> for T {
    #[inline(always)]
    fn cast(record: T, _: Meet<L, R>) -> T {
        record
    }
}

/// The check that a join's other stream has the stream's key type, up to who owns the text
/// (as [`UnionRecords`]).
#[diagnostic::on_unimplemented(
    message = "a join matches keys of one type: this branch's keys are `{R}`, the stream's are `{L}`",
    label = "keys of type `{R}`, but the stream before the join has `{L}` keys",
    note = "map one of the streams so that both key by the same type (text meets text: `&str` and `String` keys match as `String`)"
)]
pub trait JoinKeys<L, R, B> {
    /// The other stream's key, as the join's.
    #[doc(hidden)]
    fn cast(key: B, types: Meet<L, R>) -> Self;
}

impl<T, L, R> JoinKeys<L, R, T> for T {
    #[inline(always)]
    fn cast(key: T, _: Meet<L, R>) -> T {
        key
    }
}

/// A record a join can key: a `(key, value)` pair.
#[diagnostic::on_unimplemented(
    message = "a join needs `(key, value)` records, not `{Self}`",
    label = "records of type `{Self}`",
    note = "map the stream to pairs first, for example `map(|r| (key_of(r), r))`"
)]
pub trait JoinRecord {
    /// The key.
    type Key;
    /// The value.
    type Value;
    /// The pair.
    fn split(self) -> (Self::Key, Self::Value);
}

impl<K, V> JoinRecord for (K, V) {
    type Key = K;
    type Value = V;
    #[inline(always)]
    fn split(self) -> (K, V) {
        self
    }
}

#[cfg(test)]
// The calls borrow thrice, as the generated ones do: that is what picks the way.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    #[test]
    fn text_meets_text_as_string() {
        let words: Vec<Vec<&str>> = vec![vec!["a"], vec!["b"]];
        let owned = vec![vec!["c".to_string()]];
        let meet = records(&words, &owned);
        assert_eq!(
            (&&&meet).union(words.clone(), owned.clone(), UnionRecords::cast),
            [vec!["a"], vec!["b"], vec!["c"]]
        );
        let meet = records(&owned, &words);
        assert_eq!(
            (&&&meet).union(owned, words.clone(), UnionRecords::cast),
            [vec!["c"], vec!["a"], vec!["b"]]
        );
        let meet = records(&words, &words);
        let same: Vec<Vec<&str>> = (&&&meet).union(words.clone(), words, UnionRecords::cast);
        assert_eq!(same, [vec!["a"], vec!["b"], vec!["a"], vec!["b"]]);
    }

    #[test]
    fn composite_join_keys_meet_owned() {
        let (l, r) = (vec![vec![(("a", 1u32), 1)]], vec![vec![(("a".to_string(), 1u32), 'x')]]);
        let meet = keys(&l, &r);
        let (left, right) = (&&&meet).join_sides(l, r, JoinKeys::cast);
        let left: Vec<Vec<((String, u32), i32)>> = left.into_iter().map(Iterator::collect).collect();
        let right: Vec<Vec<((String, u32), char)>> = right.into_iter().map(Iterator::collect).collect();
        assert_eq!(left, [vec![(("a".to_string(), 1), 1)]]);
        assert_eq!(right, [vec![(("a".to_string(), 1), 'x')]]);
    }

    #[test]
    fn keys_of_one_type_stay_borrowed() {
        let (l, r) = (vec![vec![(Some("a"), 1)]], vec![vec![(Some("a"), 2)]]);
        let meet = keys(&l, &r);
        let (left, right) = (&&&meet).join_sides(l, r, JoinKeys::cast);
        let borrowed: Vec<Vec<(Option<&str>, i32)>> = left;
        assert_eq!((borrowed, right), (vec![vec![(Some("a"), 1)]], vec![vec![(Some("a"), 2)]]));
    }
}
