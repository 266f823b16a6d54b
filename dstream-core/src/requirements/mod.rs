//! What a `stream!` program's types must satisfy, by name: the traits its compile errors
//! mention. You never implement these (each is implemented for every type that qualifies);
//! they are here so that an error reads "the trait `ReduceByKeyInput` is not implemented for
//! `&str`" and you can look up what it asks for, rather than a path into generated code.
//!
//! | trait | asked of | holds for | the fix when it does not |
//! |---|---|---|---|
//! | [`ReduceByKeyInput`](keyed::ReduceByKeyInput), [`CombineByKeyInput`](keyed::CombineByKeyInput), [`GroupByKeyInput`](keyed::GroupByKeyInput), [`MapValuesInput`](keyed::MapValuesInput), [`FlatMapValuesInput`](keyed::FlatMapValuesInput) (in [`keyed`]) | the records of that keyed operator | `(key, value)` pairs | make pairs first: `map(\|x\| (x, 1))` |
//! | [`Plus`], [`Times`], [`Minus`] | the values a `+`, `*` or `-` shorthand combines | types with `Add`, `Mul`, `Sub` (`Output = Self`) | implement the `std::ops` trait, or write a closure |
//! | [`Ordered`] | the values a `min` or `max` shorthand combines | types with `Ord` | for floats, a closure: `\|a: f64, b: f64\| a.max(b)` |
//! | [`RuntimeDuration`] | a duration in braces: `every {interval}` | `std::time::Duration`, [`Duration`](crate::Duration), references to them | `{std::time::Duration::from_secs(2)}`, or a literal `2s` |
//! | [`BorrowBack`](crate::BorrowBack) (and [`IntoOwned`](crate::IntoOwned), its supertrait) | a window's records (an incremental window's keys and values): kept after their batch, emitted in the type they had before the window ([`window_read_back`], [`window_read_back_pairs`]) | `&str`, numbers, `String`, tuples, `Option`s and `Vec`s of such types, and every type given `owned_as_self!` | `dstream::owned_as_self!(YourType);`, or both traits by hand for a type with references |
//! | [`Checkpointable`] | the keys, values and states each stateful operator keeps (a window: its records) in a program with `#![checkpoint(..)]`; the error names the type that lacks it | types with serde's `Serialize` and `Deserialize` | `#[derive(serde::Serialize, serde::Deserialize)]` |
//! | [`Key`] (and [`KeyedRecords`], [`KeyedRecord`], [`HashEqKey`] for joins and `cogroup`) | the keys of every keyed operator | types with `Hash` and `Eq` | derive them; key floats by an integer (`f64::to_bits`) |
//! | [`ClusterRecord`] (with the `cluster` feature) | the records that cross between the processes of a cluster: a source's, a shuffle's and a join's `(key, value)`, a state store's `(key, state)`, those of `repartition` and those gathered on the driver (`reduce`, `transform`, `foreach_batch`); never the records that stay in their partition | types with serde's `Serialize` and `Deserialize` (without the feature: every `Send` type) | `#[derive(serde::Serialize, serde::Deserialize)]` |
//! | [`UnionRecords`], [`JoinKeys`] | the other stream of a `union`, or a join's keys | the same type on both sides; text as `&str` on one side and `String` on the other meets as `String` | map one stream so both carry the same type |
//!
//! # The functions you pass to operators
//!
//! Every function you write in a program (a closure, or a function's name) is passed through
//! the function here named after its operator or its argument, whose signature is the one it
//! must have: [`map`], [`flat_map`], [`filter`], [`map_values`], [`flat_map_values`],
//! [`reduce_func`] (`reduce`, `reduce_by_key`, `reduce_by_window`,
//! `reduce_by_key_and_window`), [`inv_reduce_func`] and [`filter_func`] (their inverse and
//! filter), [`create_combiner`], [`merge_value`], [`merge_combiners`] (`combine_by_key`),
//! [`update_state_by_key`], [`update_state_by_key_with_time`], [`map_with_state`],
//! [`map_partitions`], [`map_partitions_with_index`], [`transform`], [`transform_with`],
//! [`foreach_batch`], [`foreach_partition`]; and for the records themselves [`queue`],
//! [`source`], [`window_records`], [`window_read_back`] and [`window_read_back_pairs`]. A closure of the wrong type is reported on
//! the closure, with "required by a bound in `dstream::requirements::map`" (or the function's
//! name alone) and that signature.
//!
//! # Records that cross between processes
//!
//! With the `cluster` feature, the records an operator moves to another process pass through
//! the function here named after what crosses, at that operator (or source), before the
//! runtime moves them: [`crossing_records`], [`crossing_tables`], [`crossing_state`],
//! [`crossing_update`], [`crossing_update_with_time`], [`crossing_output`]. A record type
//! without serde's traits is one error there, "records of type `Order` cross between the
//! processes of a cluster here, so they must implement serde's `Serialize` and
//! `Deserialize`", with "required by a bound in `crossing_records`" (or another of them).
//! Without the feature they ask only `Send` ([`ClusterRecord`]), which every record is.

mod crossing;
mod functions;

pub use crate::ops::branches::{JoinKeys, UnionRecords};
pub use crate::ops::closures::keyed;
pub use crate::ops::closures::{Minus, Ordered, Plus, Times};
pub use crate::ops::durations::RuntimeDuration;
pub use crate::persist::checkpoint::Checkpointable;
pub use crossing::*;
pub use functions::*;

/// A key of a keyed operator (`reduce_by_key`, `group_by_key`, `count_by_value`, windows and
/// state by key): keys are hashed and compared, so they must implement `Hash` and `Eq`.
///
/// Generated code checks each key with a method of this wrapper (the wrapper stops rustc
/// from looking through a `Deref` to another type). Without `Hash` and `Eq` the method does
/// not resolve: one error on the operator, "the method `__dstream_checked` exists for struct
/// `Key<f64>`, but its trait bounds were not satisfied", listing the missing traits; the
/// key's type is then unknown to the rest of the code, so nothing else is reported.
pub struct Key<K>(#[doc(hidden)] pub K);

impl<K: std::hash::Hash + Eq> Key<K> {
    /// The key itself.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __dstream_checked(self) -> K {
        self.0
    }
}

/// The partitions of a stream a join or `cogroup` reads: `(key, value)` records whose keys
/// implement `Hash` and `Eq` ([`HashEqKey`]); checked like [`Key`].
pub struct KeyedRecords<P>(#[doc(hidden)] pub Vec<P>);

impl<P> KeyedRecords<P>
where
    P: IntoIterator,
    P::Item: HashEqKey,
{
    /// The partitions themselves.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __dstream_checked(self) -> Vec<P> {
        self.0
    }
}

/// One record of a stream that a join reads as it joins (the `map`s, `map_values` and
/// `filter`s before the join run inside it): a `(key, value)` record whose key implements
/// `Hash` and `Eq` ([`HashEqKey`]); checked like [`Key`], on the join.
pub struct KeyedRecord<T>(#[doc(hidden)] pub T);

impl<T: HashEqKey> KeyedRecord<T> {
    /// The record itself.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __dstream_checked(self) -> T {
        self.0
    }
}

/// A `(key, value)` record whose key implements `Hash` and `Eq`.
pub trait HashEqKey {}

impl<K: std::hash::Hash + Eq, V> HashEqKey for (K, V) {}

/// A record a function of yours makes (in `map`, `flat_map`, `map_values`,
/// `flat_map_values`): partitions run on threads, so it must be `Send` (an `Rc` is not; an
/// `Arc` is). Checked like [`Key`]: a record that is not `Send` is one error on the operator.
pub struct Record<T>(#[doc(hidden)] pub T);

impl<T: Send> Record<T> {
    /// The record itself.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __dstream_checked(self) -> T {
        self.0
    }
}
