//! The functions a `stream!` program passes to its operators, one per kind of argument, each
//! with the signature the argument must have. The generated code hands every function you
//! write to the one here that matches where you wrote it, so a closure of the wrong type is
//! reported as "required by a bound in `dstream::requirements::map`" (naming the operator
//! or the argument, and the signature it needed), and its parameter types are inferred from
//! the records without annotations.
//!
//! Each one calls your function once with the arguments shown and returns its result; after
//! inlining nothing remains of them. You never call these yourself.

use crate::keys::owned::IntoOwned;
use crate::ops::state::State;
use crate::source::queue::QueueSource;
use crate::source::Source;
use crate::time::Time;

/// `map(func)`: `func` takes one record and returns one.
#[inline(always)]
pub fn map<T, U>(record: T, func: impl FnOnce(T) -> U) -> U {
    func(record)
}

/// `flat_map(func)`: `func` takes one record and returns any number (anything iterable).
#[inline(always)]
pub fn flat_map<T, I: IntoIterator>(record: T, func: impl FnOnce(T) -> I) -> I::IntoIter {
    func(record).into_iter()
}

/// `filter(func)`: `func` takes a reference to a record and says whether to keep it.
#[inline(always)]
pub fn filter<T>(record: &T, func: impl FnOnce(&T) -> bool) -> bool {
    func(record)
}

/// `map_values(func)`: `func` takes the value of a `(key, value)` pair and returns the new
/// value.
#[inline(always)]
pub fn map_values<V, U>(value: V, func: impl FnOnce(V) -> U) -> U {
    func(value)
}

/// `flat_map_values(func)`: `func` takes the value of a `(key, value)` pair and returns any
/// number of new values.
#[inline(always)]
pub fn flat_map_values<V, I: IntoIterator>(value: V, func: impl FnOnce(V) -> I) -> I::IntoIter {
    func(value).into_iter()
}

/// The function of `reduce`, `reduce_by_key`, `reduce_by_window`,
/// `reduce_by_key_and_window` (Spark's `reduceFunc`): combines two values into one of the
/// same type.
#[inline(always)]
pub fn reduce_func<V>(a: V, b: V, func: impl FnOnce(V, V) -> V) -> V {
    func(a, b)
}

/// The inverse function of `reduce_by_window` and `reduce_by_key_and_window` (Spark's
/// `invReduceFunc`): takes the window's value and the value of the batch that leaves it.
#[inline(always)]
pub fn inv_reduce_func<V>(a: V, b: V, func: impl FnOnce(V, V) -> V) -> V {
    func(a, b)
}

/// The filter of `reduce_by_key_and_window(.., filter)` (Spark's `filterFunc`): takes a
/// reference to a window's `(key, value)` and says whether to keep the key.
#[inline(always)]
pub fn filter_func<K, V>(pair: &(K, V), func: impl FnOnce(&(K, V)) -> bool) -> bool {
    func(pair)
}

/// The first function of `combine_by_key` (Spark's `createCombiner`): makes a key's
/// combiner from its first value in a partition.
#[inline(always)]
pub fn create_combiner<V, C>(value: V, func: impl FnOnce(V) -> C) -> C {
    func(value)
}

/// The second function of `combine_by_key` (Spark's `mergeValue`): adds a further value
/// to a key's combiner.
#[inline(always)]
pub fn merge_value<V, C>(combiner: C, value: V, func: impl FnOnce(C, V) -> C) -> C {
    func(combiner, value)
}

/// The third function of `combine_by_key` (Spark's `mergeCombiners`): merges two combiners
/// of one key from different partitions.
#[inline(always)]
pub fn merge_combiners<C>(a: C, b: C, func: impl FnOnce(C, C) -> C) -> C {
    func(a, b)
}

/// `update_state_by_key(func)`: `func` takes a key's new values of the batch and its state
/// (`None` before the first), and returns the new state (`None` removes the key).
#[inline(always)]
pub fn update_state_by_key<V, S>(
    values: Vec<V>,
    state: Option<S>,
    func: impl FnOnce(Vec<V>, Option<S>) -> Option<S>,
) -> Option<S> {
    func(values, state)
}

/// `update_state_by_key(func)` with a function of four arguments: the batch time and the key
/// come first.
#[inline(always)]
pub fn update_state_by_key_with_time<K, V, S>(
    time: Time,
    key: &K,
    values: Vec<V>,
    state: Option<S>,
    func: impl FnOnce(Time, &K, Vec<V>, Option<S>) -> Option<S>,
) -> Option<S> {
    func(time, key, values, state)
}

/// `map_with_state(func)`: `func` takes a key, its value (`None` when the key timed out) and
/// its [`State`], and returns the record to emit.
#[inline(always)]
pub fn map_with_state<K, V, S, T>(
    key: &K,
    value: Option<V>,
    state: &mut State<S>,
    func: impl FnOnce(&K, Option<V>, &mut State<S>) -> T,
) -> T {
    func(key, value, state)
}

/// `map_partitions(func)`: `func` takes an iterator over one partition's records and returns
/// the partition's new records (anything iterable).
#[inline(always)]
pub fn map_partitions<T, I>(
    records: std::vec::IntoIter<T>,
    func: impl FnOnce(std::vec::IntoIter<T>) -> I,
) -> I {
    func(records)
}

/// `map_partitions_with_index(func)`: as `map_partitions`, with the partition's index first.
#[inline(always)]
pub fn map_partitions_with_index<T, I>(
    index: usize,
    records: std::vec::IntoIter<T>,
    func: impl FnOnce(usize, std::vec::IntoIter<T>) -> I,
) -> I {
    func(index, records)
}

/// `transform(func)`: `func` takes all records of the batch and its time, and returns the
/// new records (anything iterable).
#[inline(always)]
pub fn transform<T, I>(records: Vec<T>, time: Time, func: impl FnOnce(Vec<T>, Time) -> I) -> I {
    func(records, time)
}

/// `transform_with(other, func)`: `func` takes all records of both streams' batches and the
/// time, and returns the new records.
#[inline(always)]
pub fn transform_with<T, U, I>(
    records: Vec<T>,
    other: Vec<U>,
    time: Time,
    func: impl FnOnce(Vec<T>, Vec<U>, Time) -> I,
) -> I {
    func(records, other, time)
}

/// `foreach_batch(func)`: `func` takes all records of the batch and its time.
#[inline(always)]
pub fn foreach_batch<T>(records: Vec<T>, time: Time, func: impl FnOnce(Vec<T>, Time)) {
    func(records, time)
}

/// `foreach_partition(func)`: `func` takes one partition's records, the batch time and the
/// partition's index.
#[inline(always)]
pub fn foreach_partition<T>(
    records: Vec<T>,
    time: Time,
    partition: usize,
    func: impl FnOnce(Vec<T>, Time, usize),
) {
    func(records, time, partition)
}

/// `queue(batches)`: `batches` is a list of batches, each a list of records (a
/// `Vec<Vec<T>>`, or anything iterable of iterables).
pub fn queue<T, B, I>(batches: B) -> QueueSource<Vec<T>>
where
    B: IntoIterator<Item = I>,
    I: IntoIterator<Item = T>,
{
    QueueSource::new(batches)
}

/// `source(value)`: `value` is any [`Source`].
pub fn source<S: Source>(source: S) -> S {
    source
}

/// A window's records, read back after the window in the type they had before it: each must
/// have [`BorrowBack`](crate::BorrowBack) (every type without references has it, through
/// `owned_as_self!`, and so have `&str`, tuples, `Option`s and `Vec`s of such types). Returns
/// the marker of that type, which the window's output is read back as.
pub fn window_read_back<P>(parts: &[P]) -> crate::ops::window::Like<P::Item>
where
    P: IntoIterator,
    P::Item: for<'a> crate::BorrowBack<'a>,
{
    crate::ops::window::like(parts)
}

/// [`window_read_back`] for the `(key, value)` tables of an incremental window: the key and
/// the value each on its own, so a mistake names the one that lacks it.
pub fn window_read_back_pairs<P, K, V>(parts: &[P]) -> crate::ops::window::Like<(K, V)>
where
    P: IntoIterator<Item = (K, V)>,
    K: for<'a> crate::BorrowBack<'a>,
    V: for<'a> crate::BorrowBack<'a>,
{
    crate::ops::window::like(parts)
}

/// A window's records, kept after their batch ends: each must have an owned form
/// (`IntoOwned`: every type without references has one, and text keeps its `String`).
pub fn window_records<P>(parts: Vec<P>) -> Vec<Vec<<P::Item as IntoOwned>::Owned>>
where
    P: IntoIterator,
    P::Item: IntoOwned,
{
    crate::keys::owned::own_partitions(parts)
}
