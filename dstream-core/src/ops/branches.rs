//! The streams a `union` or a join combines: their types are checked where the other stream is
//! named (so a mismatch is reported on that token, with both types), and text meets text
//! without glue code: a stream of `&str` and one of `String` (words before and after a window
//! or a state store) combine as `String`, and so do `(&str, V)` and `(String, V)` records and
//! keys. Streams of the same type pass through untouched, so borrowed text stays borrowed.

/// How the records of a `union`'s branch meet the records of the stream before it.
#[diagnostic::on_unimplemented(
    message = "`union` combines streams of one record type: this branch's records are `{R}`, the stream's are `{Self}`",
    label = "records of type `{R}`, but the stream before `union` has `{Self}` records",
    note = "map one of the streams so that both carry the same record type (text meets text: `&str` and `String` combine as `String`)"
)]
pub trait UnionRecords<R> {
    /// The records of the union.
    type Out;
    /// A record of the stream before `union`.
    fn left(record: Self) -> Self::Out;
    /// A record of the branch.
    fn right(record: R) -> Self::Out;
}

/// How the keys of a join's other stream meet the keys of the stream before it.
#[diagnostic::on_unimplemented(
    message = "a join matches keys of one type: this branch's keys are `{R}`, the stream's are `{Self}`",
    label = "keys of type `{R}`, but the stream before the join has `{Self}` keys",
    note = "map one of the streams so that both key by the same type (text meets text: `&str` and `String` keys match as `String`)"
)]
pub trait JoinKeys<R> {
    /// The keys of the join's output: both sides' keys are `Into` it.
    type Out;
}

impl<K> JoinKeys<K> for K {
    type Out = K;
}

impl JoinKeys<String> for &str {
    type Out = String;
}

impl JoinKeys<&str> for String {
    type Out = String;
}

impl<T> UnionRecords<T> for T {
    type Out = T;
    #[inline(always)]
    fn left(record: T) -> T {
        record
    }
    #[inline(always)]
    fn right(record: T) -> T {
        record
    }
}

impl<'a> UnionRecords<String> for &'a str {
    type Out = String;
    #[inline]
    fn left(text: &'a str) -> String {
        text.to_owned()
    }
    #[inline(always)]
    fn right(text: String) -> String {
        text
    }
}

impl<'a> UnionRecords<&'a str> for String {
    type Out = String;
    #[inline(always)]
    fn left(text: String) -> String {
        text
    }
    #[inline]
    fn right(text: &'a str) -> String {
        text.to_owned()
    }
}

impl<'a, V> UnionRecords<(String, V)> for (&'a str, V) {
    type Out = (String, V);
    #[inline]
    fn left((k, v): (&'a str, V)) -> (String, V) {
        (k.to_owned(), v)
    }
    #[inline(always)]
    fn right(record: (String, V)) -> (String, V) {
        record
    }
}

impl<'a, V> UnionRecords<(&'a str, V)> for (String, V) {
    type Out = (String, V);
    #[inline(always)]
    fn left(record: (String, V)) -> (String, V) {
        record
    }
    #[inline]
    fn right((k, v): (&'a str, V)) -> (String, V) {
        (k.to_owned(), v)
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

/// `this`'s partitions followed by `other`'s (Spark's `union`), their records met as
/// [`UnionRecords`] says.
pub fn union_branch<L, PR>(this: Vec<Vec<L>>, other: Vec<PR>) -> Vec<Vec<<L as UnionRecords<PR::Item>>::Out>>
where
    PR: IntoIterator,
    L: UnionRecords<PR::Item>,
{
    let mut out: Vec<Vec<L::Out>> = this.into_iter().map(|p| p.into_iter().map(L::left).collect()).collect();
    out.extend(other.into_iter().map(|p| p.into_iter().map(L::right).collect()));
    out
}

/// Left and right partitions of a join with their keys met as [`JoinKeys`] says, each
/// record converted as the join reads it (no extra pass; nothing to do for keys of one type).
/// The key type is spelled through `JoinKeys`, so a mismatch is reported once, here.
#[allow(clippy::type_complexity)]
pub fn join_sides<PL, PR>(
    left: Vec<PL>,
    right: Vec<PR>,
) -> (Vec<Keyed<PL::IntoIter, JoinKey<PL, PR>>>, Vec<Keyed<PR::IntoIter, JoinKey<PL, PR>>>)
where
    PL: IntoIterator,
    PR: IntoIterator,
    PL::Item: JoinRecord,
    PR::Item: JoinRecord,
    <PL::Item as JoinRecord>::Key: JoinKeys<<PR::Item as JoinRecord>::Key>,
{
    let keyed = |p: PL| Keyed { records: p.into_iter(), key: std::marker::PhantomData };
    let left = left.into_iter().map(keyed).collect();
    let right =
        right.into_iter().map(|p| Keyed { records: p.into_iter(), key: std::marker::PhantomData }).collect();
    (left, right)
}

/// A partition of a join's input with its keys converted to `K`, record by record.
pub struct Keyed<I, K> {
    records: I,
    key: std::marker::PhantomData<fn() -> K>,
}

impl<I, K> Iterator for Keyed<I, K>
where
    I: Iterator,
    I::Item: JoinRecord,
    <I::Item as JoinRecord>::Key: Into<K>,
{
    type Item = (K, <I::Item as JoinRecord>::Value);

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        self.records.next().map(|r| {
            let (k, v) = r.split();
            (k.into(), v)
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

/// The key type of a join of partitions `PL` with partitions `PR`.
pub type JoinKey<PL, PR> = <<<PL as IntoIterator>::Item as JoinRecord>::Key as JoinKeys<
    <<PR as IntoIterator>::Item as JoinRecord>::Key,
>>::Out;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_meets_text_as_string() {
        let words: Vec<Vec<&str>> = vec![vec!["a"], vec!["b"]];
        let owned = vec![vec!["c".to_string()]];
        assert_eq!(union_branch(words.clone(), owned.clone()), [vec!["a"], vec!["b"], vec!["c"]]);
        assert_eq!(union_branch(owned, words), [vec!["c"], vec!["a"], vec!["b"]]);
        let same: Vec<Vec<&str>> = union_branch(vec![vec!["a"]], vec![vec!["b"]]);
        assert_eq!(same, [vec!["a"], vec!["b"]]);
    }

    #[test]
    fn join_keys_meet_as_string() {
        let (left, right) = join_sides(vec![vec![("a", 1)]], vec![vec![("a".to_string(), 'x')]]);
        let left: Vec<Vec<(String, i32)>> = left.into_iter().map(Iterator::collect).collect();
        let right: Vec<Vec<(String, char)>> = right.into_iter().map(Iterator::collect).collect();
        assert_eq!((left, right), (vec![vec![("a".to_string(), 1)]], vec![vec![("a".to_string(), 'x')]]));
    }
}
