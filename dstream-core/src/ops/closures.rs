//! Helpers that generated code calls around user functions: folding a partition for
//! `reduce`, gathering partials, `group_by_key`'s groups, whole-partition and whole-batch
//! steps. A user's function reaches them wrapped in a closure that passes it through its
//! requirement in [`crate::requirements`], so that a closure of the wrong type is reported
//! there, by a public name, and never names a function of this module.
//!
//! Everything small here is `#[inline(always)]`: after inlining, a fused stage is one plain
//! loop.

use crate::exec::wire::Wire;
use crate::exec::Executor;
use crate::time::Time;
use std::ops::{Add, Mul};

/// `reduce(f)` within a partition: folds `record` into `acc`.
#[inline(always)]
pub fn reduce_into<T>(acc: &mut Option<T>, record: T, f: impl FnOnce(T, T) -> T) {
    *acc = Some(match acc.take() {
        Some(old) => f(old, record),
        None => record,
    });
}

/// `reduce(f)` across partitions: the partials gathered into one partition holding the
/// result, or nothing for an empty batch (Spark's `reduce` emits no record then).
/// In a cluster the result is on the driver; the other processes hold partition 0 empty.
pub fn gather_reduce<'e, T: Wire<'e>>(
    exec: &'e Executor,
    partials: Vec<Option<T>>,
    f: impl Fn(T, T) -> T,
) -> Vec<Vec<T>> {
    let total = exec.gather(partials).into_iter().reduce(f);
    vec![total.into_iter().collect()]
}

/// `count` across partitions: the partials gathered into one partition holding the total,
/// `0` for an empty batch.
pub fn gather_count(exec: &Executor, partials: Vec<u64>) -> Vec<Vec<u64>> {
    let partials: Vec<[u64; 1]> = partials.into_iter().map(|n| [n]).collect();
    let total: u64 = exec.gather(partials).into_iter().sum();
    // In a cluster the total is the driver's; another process's partition 0 stays empty.
    vec![if exec.is_driver() { vec![total] } else { Vec::new() }]
}

/// `group_by_key`: a key's first value starts its group.
#[inline(always)]
pub fn singleton<V>(v: V) -> Vec<V> {
    vec![v]
}

/// `group_by_key`: a further value joins its key's group.
#[inline(always)]
pub fn push<V>(mut group: Vec<V>, v: V) -> Vec<V> {
    group.push(v);
    group
}

/// `group_by_key`: groups of one key from two partitions are joined.
#[inline]
pub fn concat<V>(mut a: Vec<V>, b: Vec<V>) -> Vec<V> {
    a.extend(b);
    a
}

/// `glom`: each partition becomes one record, the `Vec` of its records.
pub fn glom<T>(parts: Vec<Vec<T>>) -> Vec<Vec<Vec<T>>> {
    parts.into_iter().map(|p| vec![p]).collect()
}

/// `map_partitions(f)`: `f` gets an iterator over one partition's records and returns the
/// partition's new records.
#[inline]
pub fn map_partition<T, I: IntoIterator>(
    records: Vec<T>,
    f: impl FnOnce(std::vec::IntoIter<T>) -> I,
) -> Vec<I::Item> {
    f(records.into_iter()).into_iter().collect()
}

/// `transform(f)`: `f` gets all records of the batch, gathered, and its time, and returns the
/// new records, which are scattered into `partitions` contiguous partitions.
/// In a cluster, `f` runs on the driver only.
pub fn transform<'e, T: Wire<'e>, I>(
    exec: &'e Executor,
    parts: Vec<Vec<T>>,
    time: Time,
    partitions: usize,
    f: impl FnOnce(Vec<T>, Time) -> I,
) -> Vec<Vec<I::Item>>
where
    I: IntoIterator<Item: Wire<'e>>,
{
    let records = exec.gather(parts);
    let out = if exec.is_driver() { f(records, time).into_iter().collect() } else { Vec::new() };
    exec.scatter(out, partitions)
}

/// `transform_with(other, f)`: `f` gets all records of both streams' batches, gathered, and
/// the time; its records are scattered as `transform`'s.
pub fn transform_with<'e, T: Wire<'e>, U: Wire<'e>, I>(
    exec: &'e Executor,
    left: Vec<Vec<T>>,
    right: Vec<Vec<U>>,
    time: Time,
    partitions: usize,
    f: impl FnOnce(Vec<T>, Vec<U>, Time) -> I,
) -> Vec<Vec<I::Item>>
where
    I: IntoIterator<Item: Wire<'e>>,
{
    let (left, right) = (exec.gather(left), exec.gather(right));
    let out = if exec.is_driver() { f(left, right, time).into_iter().collect() } else { Vec::new() };
    exec.scatter(out, partitions)
}

/// A stream's partitions as vectors, so that streams of different partition types can be
/// concatenated by `union`.
pub fn to_vecs<P: IntoIterator>(parts: Vec<P>) -> Vec<Vec<P::Item>> {
    parts.into_iter().map(|p| p.into_iter().collect()).collect()
}

/// The values of a shorthand `reduce_by_key(+)` / `reduce(+)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be combined with `+`",
    label = "`+` adds two values: it needs `{Self}: Add<Output = {Self}>`",
    note = "implement `std::ops::Add` for `{Self}`, or write a closure instead of `+`: `|a, b| ...` returning the combined value"
)]
pub trait Plus: Sized {
    /// `a + b`.
    #[doc(hidden)]
    fn plus(a: Self, b: Self) -> Self;
}

impl<T: Add<Output = T>> Plus for T {
    #[inline(always)]
    fn plus(a: T, b: T) -> T {
        a + b
    }
}

/// The values of a shorthand `reduce_by_key(*)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be combined with `*`",
    label = "`*` multiplies two values: it needs `{Self}: Mul<Output = {Self}>`",
    note = "implement `std::ops::Mul` for `{Self}`, or write a closure instead of `*`: `|a, b| ...` returning the combined value"
)]
pub trait Times: Sized {
    /// `a * b`.
    #[doc(hidden)]
    fn times(a: Self, b: Self) -> Self;
}

impl<T: Mul<Output = T>> Times for T {
    #[inline(always)]
    fn times(a: T, b: T) -> T {
        a * b
    }
}

/// The values of a shorthand `reduce_by_key(min)` / `reduce_by_key(max)`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be combined with `min` or `max`",
    label = "`min` and `max` compare two values: they need `{Self}: Ord`",
    note = "write a closure instead: for floats `|a: f64, b: f64| a.max(b)`, else any `|a, b| ...` returning the value to keep"
)]
pub trait Ordered: Sized {
    /// The smaller of `a` and `b` (`a` when equal).
    #[doc(hidden)]
    fn min(a: Self, b: Self) -> Self;
    /// The larger of `a` and `b` (`b` when equal).
    #[doc(hidden)]
    fn max(a: Self, b: Self) -> Self;
}

impl<T: Ord> Ordered for T {
    #[inline(always)]
    fn min(a: T, b: T) -> T {
        std::cmp::min(a, b)
    }

    #[inline(always)]
    fn max(a: T, b: T) -> T {
        std::cmp::max(a, b)
    }
}

/// The values of a shorthand `-` (the inverse of `+` in `reduce_by_key_and_window`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be combined with `-`",
    label = "the `-` shorthand needs values that implement `Sub<Output = Self>`",
    note = "pass a closure instead, for example `reduce_by_key_and_window(|a, b| ..., |a, b| ..., 30s)`"
)]
pub trait Minus: Sized {
    /// `a - b`.
    #[doc(hidden)]
    fn minus(a: Self, b: Self) -> Self;
}

impl<T: std::ops::Sub<Output = T>> Minus for T {
    #[inline(always)]
    fn minus(a: T, b: T) -> T {
        a - b
    }
}

/// `+` as a function, for the counts of `count_by_value` (always `u64`). A shorthand the
/// user writes calls the trait method instead (`<_ as Plus>::plus`), so that a type without
/// `+` is reported on the shorthand with no "required by a bound" note naming this function.
#[inline(always)]
pub fn plus<V: Plus>(a: V, b: V) -> V {
    V::plus(a, b)
}

/// Declares, for each keyed operator, a trait that only `(key, value)` pairs implement, with
/// a message that names the operator. Generated code splits a record with the trait's method
/// (`<_ as ReduceByKeyInput>::into_pair(record)`): a record that is not a pair is then reported
/// on the operator with the message alone, where a generic function would add a "required by
/// a bound in" note naming the function's internal path.
macro_rules! keyed_operators {
    ($($op:ident => $trait_name:ident, $message:literal, $note:literal;)*) => {$(
        #[doc = concat!("Records that `", stringify!($op), "` accepts: `(key, value)` pairs. Every \
            2-tuple is one; a stream of other records is mapped to pairs first, for example with \
            `map(|x| (x, 1))`.")]
        #[diagnostic::on_unimplemented(message = $message, label = "not a `(key, value)` pair", note = $note)]
        pub trait $trait_name {
            /// The key.
            type Key;
            /// The value.
            type Value;
            /// Splits the record.
            #[doc(hidden)]
            fn into_pair(self) -> (Self::Key, Self::Value);
        }

        // Not listed under the error as "implemented for `(K, V)`": the message says it.
        #[diagnostic::do_not_recommend]
        impl<K, V> $trait_name for (K, V) {
            type Key = K;
            type Value = V;
            #[inline(always)]
            fn into_pair(self) -> (K, V) {
                self
            }
        }
    )*};
}

/// The records each keyed operator accepts: one trait per operator, so that its message names
/// the operator.
pub mod keyed {
    keyed_operators! {
        combine_by_key => CombineByKeyInput,
            "`combine_by_key` needs `(key, value)` pairs, but the records here are `{Self}`",
            "make pairs first, for example with `map(|x| (x, 1))` before `combine_by_key`";
        reduce_by_key => ReduceByKeyInput,
            "`reduce_by_key` needs `(key, value)` pairs, but the records here are `{Self}`",
            "make pairs first, for example with `map(|x| (x, 1))` before `reduce_by_key`";
        group_by_key => GroupByKeyInput,
            "`group_by_key` needs `(key, value)` pairs, but the records here are `{Self}`",
            "make pairs first, for example with `map(|x| (x, 1))` before `group_by_key`";
        map_values => MapValuesInput,
            "`map_values` needs `(key, value)` pairs, but the records here are `{Self}`",
            "make pairs first, for example with `map(|x| (x, 1))` before `map_values`";
        flat_map_values => FlatMapValuesInput,
            "`flat_map_values` needs `(key, value)` pairs, but the records here are `{Self}`",
            "make pairs first, for example with `map(|x| (x, 1))` before `flat_map_values`";
    }
}
