//! A [`StateStore`] saved part by part ([`parts`]): the keys and the states through their
//! `Checkpointable::part`, the store around them as its serde derive has it.

use super::{StateStore, Table};
use crate::error::Result;
use crate::persist::checkpoint::OperatorState;
use crate::persist::parts::{self, Codec, Encode, Part, Timed};
use crate::time::Time;
use serde::de::DeserializeSeed;
use std::hash::Hash;

/// The codec of an `update_state_by_key` store with keys `K` and states `S`. The generated
/// code passes `Checkpointable::part` for both.
pub fn state_store<K: Hash + Eq, S>(
    key: fn() -> Part<K>,
    state: fn() -> Part<S>,
) -> Codec<StateStore<K, S>, (Part<K>, Part<S>)> {
    Codec::new((key(), state()), save, restore)
}

/// A `map_with_state` store: each state with the time it was last updated.
type MappedStore<K, S> = StateStore<K, (S, Time)>;

/// The codec of a `map_with_state` store with keys `K` and states `S` (kept with the time they
/// were last updated).
pub fn mapped_state_store<K: Hash + Eq, S>(
    key: fn() -> Part<K>,
    state: fn() -> Part<S>,
) -> Codec<MappedStore<K, S>, (Part<K>, Timed<S>)> {
    Codec::new((key(), Timed(state())), save, restore)
}

/// Writes the store as its serde derive does: `partitions` (each a map from key to state),
/// then `initial` (a sequence of pairs).
fn save<K: Hash + Eq, S, CK: Encode<K>, CS: Encode<S>>(
    store: &StateStore<K, S>,
    (k, s): (CK, CS),
) -> Result<OperatorState> {
    let encode = |out: &mut Vec<u8>| {
        parts::encode_len(store.partitions.len(), out)?;
        for table in &store.partitions {
            parts::encode_pairs(table.iter(), (k, s), out)?;
        }
        parts::encode_pairs(store.initial.iter().map(|(key, state)| (key, state)), (k, s), out)
    };
    parts::save_with(encode, seed(k, s))
}

fn restore<K: Hash + Eq, S, CK: Encode<K>, CS: Encode<S>>(
    (k, s): (CK, CS),
    saved: &OperatorState,
) -> Result<StateStore<K, S>> {
    let (partitions, initial) = parts::restore_with(seed(k, s), saved)?;
    Ok(StateStore { partitions, initial })
}

/// The store's fields: `partitions` and `initial`.
type Fields<K, S> = (Vec<Table<K, S>>, Vec<(K, S)>);

/// What reads the store's fields back.
fn seed<K: Hash + Eq, S, CK: Encode<K>, CS: Encode<S>>(
    k: CK,
    s: CS,
) -> impl Copy + for<'de> DeserializeSeed<'de, Value = Fields<K, S>> {
    parts::structure(
        "StateStore",
        &["partitions", "initial"],
        (parts::seq_of(parts::map_of(k, s)), parts::seq_of(parts::tuple((k, s)))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::checkpoint::Checkpointable;

    fn store() -> StateStore<String, (u64, Option<String>)> {
        let mut store =
            StateStore::new(vec![("z".to_string(), (9, None)), ("y".to_string(), (1, Some("x".into())))]);
        store.partitions = (0..3u64)
            .map(|i| (0..=i).map(|j| (format!("k{i}{j}"), (j, Some("s".repeat(j as usize))))).collect())
            .collect();
        store
    }

    /// Every (key, state), partition by partition, sorted within each.
    fn sorted<K: Hash + Eq + Clone + Send + Ord, S: Clone + Send + Ord>(
        store: &StateStore<K, S>,
    ) -> Vec<Vec<(K, S)>> {
        let mut parts = store.snapshot();
        parts.iter_mut().for_each(|p| p.sort());
        parts.push(store.initial.clone());
        parts
    }

    /// The same bytes and schema as the store's serde derive, and the same store back.
    #[test]
    fn saved_as_its_serde_derive() {
        let store = store();
        let codec = state_store(Checkpointable::part, Checkpointable::part);
        let saved = codec.save(&store).unwrap();
        assert_eq!(saved, Checkpointable::save(&store).unwrap());
        assert!(
            saved
                .schema
                .as_deref()
                .unwrap()
                .starts_with("StateStore { partitions: Seq<Map<Str, Tuple<U64, Option<Str>>>>"),
            "{saved:?}"
        );
        let mut back = StateStore::empty();
        codec.restore(&mut back, &saved).unwrap();
        assert_eq!(sorted(&back), sorted(&store));
    }

    #[test]
    fn a_mapped_store_saved_as_its_serde_derive() {
        let store: StateStore<String, (i32, Time)> =
            super::super::initial_mapped_state(vec![("a".to_string(), 1), ("b".to_string(), 2)]);
        let codec = mapped_state_store(Checkpointable::part, Checkpointable::part);
        let saved = codec.save(&store).unwrap();
        assert_eq!(saved, Checkpointable::save(&store).unwrap());
        let mut back = StateStore::empty();
        codec.restore(&mut back, &saved).unwrap();
        assert_eq!(sorted(&back), sorted(&store));
    }

    /// A state saved in another shape is refused with both shapes; bytes that are not a state
    /// say why.
    #[test]
    fn another_shape_and_bad_bytes_are_refused() {
        let saved = state_store(Checkpointable::part, Checkpointable::part).save(&store()).unwrap();
        let mut wrong: StateStore<String, (i64, Option<String>)> = StateStore::empty();
        let err =
            state_store(Checkpointable::part, Checkpointable::part).restore(&mut wrong, &saved).unwrap_err();
        assert!(
            err.to_string().contains("now keeps `StateStore { partitions: Seq<Map<Str, Tuple<I64"),
            "{err}"
        );
        let mut same: StateStore<String, (u64, Option<String>)> = StateStore::empty();
        let codec = state_store(Checkpointable::part, Checkpointable::part);
        let cut = OperatorState { schema: None, bytes: saved.bytes[..saved.bytes.len() - 1].to_vec() };
        let err = codec.restore(&mut same, &cut).unwrap_err().to_string();
        assert!(err.contains("cannot decode state: a key, value or record does not decode"), "{err}");
        let mut longer = saved.bytes.clone();
        longer.push(0);
        let err = codec.restore(&mut same, &OperatorState { schema: None, bytes: longer }).unwrap_err();
        assert!(err.to_string().contains("1 bytes left over"), "{err}");
    }

    proptest::proptest! {
        /// Any bytes (a bug, or a crafted file): an error or a store, never a panic or a huge
        /// allocation.
        #[test]
        fn any_bytes_restore_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let mut store: StateStore<String, (u64, Option<String>)> = StateStore::empty();
            let codec = state_store(Checkpointable::part, Checkpointable::part);
            let _ = codec.restore(&mut store, &OperatorState { schema: None, bytes });
        }
    }
}
