//! Type checks on the streams a `union` or a join combines, generated at the token that names
//! the other stream, so a mismatch is reported there with both types.

/// `union`'s other branch carries the records of this stream.
#[diagnostic::on_unimplemented(
    message = "`union` combines streams of one record type: this branch's records are `{Self}`, the stream's are `{T}`",
    label = "records of type `{Self}`, but the stream before `union` has `{T}` records",
    note = "map one of the streams so that both carry the same record type"
)]
pub trait SameRecords<T> {
    /// `T` itself.
    type Same;
    /// The record as `T`.
    fn same(self) -> Self::Same;
}

impl<T> SameRecords<T> for T {
    type Same = T;
    fn same(self) -> T {
        self
    }
}

/// A join's other branch has keys of this stream's key type.
#[diagnostic::on_unimplemented(
    message = "a join matches keys of one type: this branch's keys are `{Self}`, the stream's are `{K}`",
    label = "keys of type `{Self}`, but the stream before the join has `{K}` keys",
    note = "map one of the streams so that both key by the same type"
)]
pub trait SameKey<K> {
    /// `K` itself.
    type Same;
    /// The key as `K`.
    fn same(self) -> Self::Same;
}

impl<K> SameKey<K> for K {
    type Same = K;
    fn same(self) -> K {
        self
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
    fn split(self) -> (K, V) {
        self
    }
}

/// `other`'s partitions as `Vec`s (what `union` concatenates), checked to carry the records of
/// `this`. Their type is that of `this` through [`SameRecords`], so a mismatch is reported
/// once, here, and not again where the streams are concatenated.
pub fn union_branch<PL, PR>(
    _this: &[PL],
    other: Vec<PR>,
) -> Vec<Vec<<PR::Item as SameRecords<PL::Item>>::Same>>
where
    PL: IntoIterator,
    PR: IntoIterator,
    PR::Item: SameRecords<PL::Item>,
{
    other.into_iter().map(|p| p.into_iter().map(SameRecords::same).collect()).collect()
}

/// `other`'s partitions checked to be keyed like `this`: the join's right side. Its key type
/// is that of `this` through [`SameKey`], so a mismatch is reported once, here, and not again
/// in the join.
#[allow(clippy::type_complexity)]
pub fn join_branch<PL, PR>(
    _this: &[PL],
    other: Vec<PR>,
) -> Vec<
    Vec<(
        <<PR::Item as JoinRecord>::Key as SameKey<<PL::Item as JoinRecord>::Key>>::Same,
        <PR::Item as JoinRecord>::Value,
    )>,
>
where
    PL: IntoIterator,
    PR: IntoIterator,
    PL::Item: JoinRecord,
    PR::Item: JoinRecord,
    <PR::Item as JoinRecord>::Key: SameKey<<PL::Item as JoinRecord>::Key>,
{
    other
        .into_iter()
        .map(|p| {
            p.into_iter()
                .map(|r| {
                    let (k, v) = r.split();
                    (SameKey::same(k), v)
                })
                .collect()
        })
        .collect()
}
