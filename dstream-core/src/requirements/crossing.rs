//! Where records cross between the processes of a cluster (feature `cluster`, see
//! `docs/cluster.md`): [`ClusterRecord`], and the functions generated code passes a stream's
//! records through, at the source or operator that makes them cross, before the runtime moves
//! them. A record type without serde is then reported once, on your source or operator, by
//! [`ClusterRecord`]'s message and "required by a bound in `crossing_records`" (or
//! `crossing_tables`, `crossing_state`, `crossing_update`, `crossing_output`).
//!
//! Why that is one error: the runtime function that moves the records asks less of them
//! (`Wire`, `ClusterRecord`'s supertrait), on the same token, and rustc does not report an
//! unsatisfied bound that an error it reported on that token implies. The check must fail
//! first, so it comes before the runtime's call, or, when the records' type is known only from
//! a function of yours (`transform`, `update_state_by_key`), types that function.
//!
//! Without the feature nothing crosses and [`ClusterRecord`] asks only `Send`, which every
//! record of a program already is: these functions hand their argument back, rejecting
//! nothing.

use crate::exec::wire::Wire;
use crate::keys::combine::{CombineTable, Combiner};
use crate::keys::owned::IntoOwned;
use crate::ops::state::StateStore;
use crate::time::Time;

/// A record that can cross between the processes of a cluster: with the `cluster` feature,
/// one that implements serde's `Serialize` and `Deserialize` (and `Send`); without it, any
/// `Send` record. Implemented for every type that qualifies: derive serde's traits on your own
/// types, `#[derive(serde::Serialize, serde::Deserialize)]`.
///
/// It is asked of the records that cross: a source's (except text from a text source, which
/// always can), the `(key, value)` pairs of every shuffle by key and join, the `(key, state)`
/// of every state store, the records of `repartition`, and the records gathered on the driver
/// (`reduce`, `transform`, `transform_with`, `foreach_batch`) and those its function hands
/// back. A record that stays in its partition (`map`, `filter`, windows of what a partition
/// holds, `foreach_partition`) needs nothing.
#[cfg_attr(
    feature = "cluster",
    diagnostic::on_unimplemented(
        message = "records of type `{Self}` cross between the processes of a cluster here, so they must implement serde's `Serialize` and `Deserialize`",
        label = "records of type `{Self}` cross between processes here",
        note = "add `#[derive(serde::Serialize, serde::Deserialize)]` to your type (with the `cluster` feature a source's records, and those of every shuffle, join, state, `repartition` and gather to the driver, cross between processes)"
    )
)]
#[cfg_attr(
    not(feature = "cluster"),
    diagnostic::on_unimplemented(
        message = "records of type `{Self}` move between threads here, so they must be `Send`",
        label = "records of type `{Self}` move between threads here"
    )
)]
pub trait ClusterRecord<'de>: Wire<'de> {}

// Implemented from serde's traits, not through `Wire`: what it leaves unproven is then its
// own, never the very `Wire` obligation a runtime call left (seen reported as the runtime's).
#[cfg(feature = "cluster")]
#[diagnostic::do_not_recommend]
impl<'de, T: Send + serde::Serialize + serde::Deserialize<'de>> ClusterRecord<'de> for T {}

#[cfg(not(feature = "cluster"))]
#[diagnostic::do_not_recommend]
impl<T: Send> ClusterRecord<'_> for T {}

/// The partitions of a stream whose records cross: a source's batch, which the driver reads
/// and sends to the processes that own its partitions; the two streams of a join or
/// `cogroup`; the records of `repartition` and `map_with_state`; the records gathered on the
/// driver.
#[inline(always)]
pub fn crossing_records<'e, P, T>(parts: Vec<P>) -> Vec<P>
where
    P: IntoIterator<Item = T>,
    T: ClusterRecord<'e>,
{
    parts
}

/// The map-side tables of a shuffle by key (`reduce_by_key`, `combine_by_key`,
/// `group_by_key`, `count_by_value` and the windowed forms): each `(key, value)` they ship
/// crosses.
#[inline(always)]
pub fn crossing_tables<'e, K, V, T>(tables: Vec<T>) -> Vec<T>
where
    T: CombineTable<K, V>,
    T::Shipped: ClusterRecord<'e>,
{
    tables
}

/// The store of `map_with_state`: each `(key, (state, time))` crosses when the store is
/// placed on the partitions that own its keys.
#[inline(always)]
pub fn crossing_state<'e, K, S>(store: &StateStore<K, S>)
where
    (K, S): ClusterRecord<'e>,
{
    let _ = store;
}

/// The function of `update_state_by_key(|values, state| ..)`, which makes the states its
/// store keeps: each `(key, state)` crosses when the store is placed on the partitions that
/// own its keys. Asked here, with `func` and the batch's groups, so that a state type known
/// from `func` alone is reported by this name before the runtime sees it.
#[inline(always)]
pub fn crossing_update<'e, K, V, S, F>(
    store: &StateStore<K::Owned, S>,
    groups: &[Combiner<K, Vec<V>>],
    func: F,
) -> F
where
    K: IntoOwned,
    F: Fn(Vec<V>, Option<S>) -> Option<S>,
    (K::Owned, S): ClusterRecord<'e>,
{
    let _ = (store, groups);
    func
}

/// [`crossing_update`] for `update_state_by_key(|time, key, values, state| ..)`.
#[inline(always)]
pub fn crossing_update_with_time<'e, K, V, S, F>(
    store: &StateStore<K::Owned, S>,
    groups: &[Combiner<K, Vec<V>>],
    func: F,
) -> F
where
    K: IntoOwned,
    F: Fn(Time, &K::Owned, Vec<V>, Option<S>) -> Option<S>,
    (K::Owned, S): ClusterRecord<'e>,
{
    let _ = (store, groups);
    func
}

/// What the function of `transform` or `transform_with` returns: the driver sends its records
/// back to the partitions.
#[inline(always)]
pub fn crossing_output<'e, I>(records: I) -> I
where
    I: IntoIterator<Item: ClusterRecord<'e>>,
{
    records
}
