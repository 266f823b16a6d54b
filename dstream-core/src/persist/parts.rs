//! An operator's state saved part by part: its keys, its values, a window's records.
//!
//! The runtime keeps a stateful operator's state in a store of its own (`StateStore<K, S>`, a
//! window buffer), generic over the user's types. Asking `StateStore<K, S>: Serialize` where
//! the operator is written would make rustc name the store, a type of the runtime, when the
//! user's `S` lacks serde's traits. So the generated code asks each *part* type instead, by
//! passing [`Checkpointable::part`](super::checkpoint::Checkpointable::part) as a function
//! (`fn() -> Part<S>`, whose `Self` is the part): an error then names the user's type, and no
//! bound of ours adds a note. Each store is (de)serialized around its parts with the pieces of
//! this module into the same bytes and the same [schema] as its serde derive
//! (the stores' tests check both).
//!
//! A part is encoded by a postcard function of its own type, called for each value, and the
//! store writes its own structure around the parts (lengths, times) as postcard does. It is
//! read back through [`erased_serde`], since reading is generic over the deserializer:
//! postcard, and schema tracing.

use super::checkpoint::OperatorState;
use super::schema;
use crate::error::{Error, Result};
use crate::keys::combine::Combiner;
use crate::time::Time;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

/// How values of one part type of a state are saved and restored: what
/// `Checkpointable::part` gives. Not an API.
pub struct Part<T> {
    encode: fn(&T, &mut Vec<u8>) -> postcard::Result<()>,
    deserialize: for<'de> fn(&mut dyn erased_serde::Deserializer<'de>) -> Result<T, erased_serde::Error>,
}

impl<T> Clone for Part<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Part<T> {}

impl<T: Serialize + DeserializeOwned> Part<T> {
    /// The part of a serde type.
    pub(crate) fn of() -> Self {
        Part { encode: encode::<T>, deserialize: deserialize_erased::<T> }
    }
}

/// Appends `value`'s postcard encoding to `out`.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> postcard::Result<()> {
    value.serialize(&mut postcard::Serializer { output: Append(out) })
}

/// Appends a sequence's or a map's length, as postcard encodes it (a varint).
pub(crate) fn encode_len(len: usize, out: &mut Vec<u8>) -> postcard::Result<()> {
    encode(&(len as u64), out)
}

/// Appends a map, or a sequence of pairs, as postcard encodes it: its length, then each key
/// and value.
pub(crate) fn encode_pairs<'a, K: 'a, V: 'a>(
    entries: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
    (k, v): (impl Encode<K>, impl Encode<V>),
    out: &mut Vec<u8>,
) -> postcard::Result<()> {
    encode_len(entries.len(), out)?;
    for (key, value) in entries {
        k.encode(key, out)?;
        v.encode(value, out)?;
    }
    Ok(())
}

/// A postcard flavor that appends to a vector: a state is encoded in one buffer, part by part.
struct Append<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

fn deserialize_erased<T: DeserializeOwned>(
    deserializer: &mut dyn erased_serde::Deserializer<'_>,
) -> Result<T, erased_serde::Error> {
    erased_serde::deserialize(deserializer)
}

impl<'de, T> DeserializeSeed<'de> for Part<T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let mut erased = <dyn erased_serde::Deserializer>::erase(deserializer);
        (self.deserialize)(&mut erased).map_err(de::Error::custom)
    }
}

/// A way to save one part type of a state: a [`Part`], or a part with its update time.
pub(crate) trait Encode<T>: Copy + for<'de> DeserializeSeed<'de, Value = T> {
    /// Appends `value`'s postcard encoding to `out`.
    fn encode(self, value: &T, out: &mut Vec<u8>) -> postcard::Result<()>;
}

impl<T> Encode<T> for Part<T> {
    fn encode(self, value: &T, out: &mut Vec<u8>) -> postcard::Result<()> {
        (self.encode)(value, out)
    }
}

/// The part of a `map_with_state` store's values: a user's state with the time it was last
/// updated, serialized as the tuple `(S, Time)`. Not an API.
pub struct Timed<T>(pub(crate) Part<T>);

impl<T> Clone for Timed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Timed<T> {}

impl<'de, T> DeserializeSeed<'de> for Timed<T> {
    type Value = (T, Time);

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(T, Time), D::Error> {
        tuple((self.0, PhantomData::<Time>)).deserialize(deserializer)
    }
}

impl<T> Encode<(T, Time)> for Timed<T> {
    fn encode(self, (state, time): &(T, Time), out: &mut Vec<u8>) -> postcard::Result<()> {
        self.0.encode(state, out)?;
        encode(time, out)
    }
}

/// How the generated code saves and restores one operator's state `T` from its parts `P`:
/// made by `checkpoint::state_store` and the like. Not an API.
pub struct Codec<T, P> {
    parts: P,
    save: fn(&T, P) -> Result<OperatorState>,
    restore: fn(P, &OperatorState) -> Result<T>,
}

impl<T, P: Copy> Codec<T, P> {
    pub(crate) fn new(
        parts: P,
        save: fn(&T, P) -> Result<OperatorState>,
        restore: fn(P, &OperatorState) -> Result<T>,
    ) -> Self {
        Codec { parts, save, restore }
    }

    /// Encodes `state`.
    pub fn save(&self, state: &T) -> Result<OperatorState> {
        (self.save)(state, self.parts)
    }

    /// Replaces `state` with a saved one.
    pub fn restore(&self, state: &mut T, saved: &OperatorState) -> Result<()> {
        *state = (self.restore)(self.parts, saved)?;
        Ok(())
    }
}

/// The codec of a state saved whole, for a state the generated code knows no parts of.
pub fn whole<T>(part: fn() -> Part<T>) -> Codec<T, Part<T>> {
    Codec::new(part(), |state, part| save_with(|out| part.encode(state, out), part), restore_with)
}

/// Encodes a state with `encode`, which writes it as its serde derive would (postcard: a
/// struct's fields in order, a sequence's or a map's length then its items), with the schema
/// that `seed` (what reads it back) traces.
pub(crate) fn save_with<S>(
    encode: impl FnOnce(&mut Vec<u8>) -> postcard::Result<()>,
    seed: S,
) -> Result<OperatorState>
where
    S: Copy + for<'de> DeserializeSeed<'de>,
{
    let mut bytes = Vec::new();
    encode(&mut bytes).map_err(|e| Error::Checkpoint(format!("cannot encode state: {e}")))?;
    Ok(OperatorState { schema: schema::of_seed(seed).ok(), bytes })
}

/// Decodes a saved state with `seed`, once its schema is the one `seed` traces now.
pub(crate) fn restore_with<T, S>(seed: S, saved: &OperatorState) -> Result<T>
where
    S: Copy + for<'de> DeserializeSeed<'de, Value = T>,
{
    let now = schema::of_seed(seed);
    match (&saved.schema, &now) {
        (Some(saved), Ok(now)) if saved != now => {
            return Err(Error::Checkpoint(format!(
                "its state was saved in the shape `{saved}`, but the program now keeps `{now}` ({})",
                schema::difference(saved, now)
            )))
        }
        (Some(_), Ok(_)) => {}
        (None, _) | (_, Err(_)) => {
            let why = now.err().unwrap_or_else(|| "the program that saved it could not trace it".into());
            tracing::debug!(why, "state schema not compared; the state is checked by decoding only");
        }
    }
    decode_with(seed, &saved.bytes)
}

/// Decodes a state from all of `bytes`: bytes left over mean it is not what was encoded.
fn decode_with<T, S>(seed: S, bytes: &[u8]) -> Result<T>
where
    S: for<'de> DeserializeSeed<'de, Value = T>,
{
    let cannot = |why: String| Error::Checkpoint(format!("cannot decode state: {why}"));
    let mut input = postcard::Deserializer::from_bytes(bytes);
    let state = seed.deserialize(&mut input).map_err(|e| match e {
        // What a part's error becomes on its way out of `erased_serde` (and any error of a
        // type's own `Deserialize`): postcard keeps no message for it.
        postcard::Error::SerdeDeCustom => {
            cannot("a key, value or record does not decode (its bytes are cut short, or were saved from another type)".into())
        }
        e => cannot(e.to_string()),
    })?;
    let rest = input.finalize().map_err(|e| cannot(e.to_string()))?;
    if !rest.is_empty() {
        return Err(cannot(format!("{} bytes left over", rest.len())));
    }
    Ok(state)
}

/// What a sequence or a map is read into.
pub(crate) trait Collect<T> {
    /// Empty, with room for `n` items.
    fn with_room(n: usize) -> Self;
    /// Adds an item (a map's later entry for a key replaces the earlier, as serde's maps do).
    fn put(&mut self, item: T);
}

impl<T> Collect<T> for Vec<T> {
    fn with_room(n: usize) -> Self {
        Vec::with_capacity(n)
    }
    fn put(&mut self, item: T) {
        self.push(item);
    }
}

impl<T> Collect<T> for VecDeque<T> {
    fn with_room(n: usize) -> Self {
        VecDeque::with_capacity(n)
    }
    fn put(&mut self, item: T) {
        self.push_back(item);
    }
}

impl<K: Hash + Eq, V, H: BuildHasher + Default> Collect<(K, V)> for hashbrown::HashMap<K, V, H> {
    fn with_room(n: usize) -> Self {
        hashbrown::HashMap::with_capacity_and_hasher(n, H::default())
    }
    fn put(&mut self, (k, v): (K, V)) {
        self.insert(k, v);
    }
}

impl<K: Hash + Eq, V> Collect<(K, V)> for Combiner<K, V> {
    fn with_room(n: usize) -> Self {
        Combiner::with_capacity(n)
    }
    fn put(&mut self, (k, v): (K, V)) {
        self.merge(k, v, |_, new| new);
    }
}

/// Room to make for `hint` items of `T` up front: at most 1 MiB, as serde's own collections
/// do, so a corrupt length cannot make a huge allocation.
fn room<T>(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min((1 << 20) / std::mem::size_of::<T>().max(1))
}

/// Reads a sequence of what `S` reads into a `C`.
pub(crate) struct SeqOf<S, C>(S, PhantomData<fn() -> C>);

/// A sequence of what `seed` reads, into a `C`.
pub(crate) fn seq_of<S, C>(seed: S) -> SeqOf<S, C> {
    SeqOf(seed, PhantomData)
}

impl<S: Copy, C> Clone for SeqOf<S, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Copy, C> Copy for SeqOf<S, C> {}

impl<'de, S, C> DeserializeSeed<'de> for SeqOf<S, C>
where
    S: DeserializeSeed<'de> + Copy,
    C: Collect<S::Value>,
{
    type Value = C;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<C, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S, C> Visitor<'de> for SeqOf<S, C>
where
    S: DeserializeSeed<'de> + Copy,
    C: Collect<S::Value>,
{
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<C, A::Error> {
        let mut out = C::with_room(room::<S::Value>(items.size_hint()));
        while let Some(item) = items.next_element_seed(self.0)? {
            out.put(item);
        }
        Ok(out)
    }
}

/// Reads a map of what `K` and `V` read into a `C`.
pub(crate) struct MapOf<K, V, C>(K, V, PhantomData<fn() -> C>);

/// A map of what `key` and `value` read, into a `C`.
pub(crate) fn map_of<K, V, C>(key: K, value: V) -> MapOf<K, V, C> {
    MapOf(key, value, PhantomData)
}

impl<K: Copy, V: Copy, C> Clone for MapOf<K, V, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Copy, V: Copy, C> Copy for MapOf<K, V, C> {}

impl<'de, K, V, C> DeserializeSeed<'de> for MapOf<K, V, C>
where
    K: DeserializeSeed<'de> + Copy,
    V: DeserializeSeed<'de> + Copy,
    C: Collect<(K::Value, V::Value)>,
{
    type Value = C;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<C, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, K, V, C> Visitor<'de> for MapOf<K, V, C>
where
    K: DeserializeSeed<'de> + Copy,
    V: DeserializeSeed<'de> + Copy,
    C: Collect<(K::Value, V::Value)>,
{
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<C, A::Error> {
        let mut out = C::with_room(room::<(K::Value, V::Value)>(entries.size_hint()));
        while let Some(k) = entries.next_key_seed(self.0)? {
            let v = entries.next_value_seed(self.1)?;
            out.put((k, v));
        }
        Ok(out)
    }
}

/// A tuple of seeds read as consecutive elements: a tuple's or a struct's fields.
pub(crate) trait Fields<'de>: Copy {
    type Value;
    const LEN: usize;
    fn read<Q: SeqAccess<'de>>(
        self,
        seq: &mut Q,
        expected: &dyn de::Expected,
    ) -> Result<Self::Value, Q::Error>;
}

macro_rules! fields {
    ($len:literal; $($seed:ident $i:tt),*) => {
        impl<'de, $($seed: DeserializeSeed<'de> + Copy),*> Fields<'de> for ($($seed,)*) {
            type Value = ($($seed::Value,)*);
            const LEN: usize = $len;
            fn read<Q: SeqAccess<'de>>(self, seq: &mut Q, expected: &dyn de::Expected) -> Result<Self::Value, Q::Error> {
                Ok(($(seq.next_element_seed(self.$i)?.ok_or_else(|| de::Error::invalid_length($i, expected))?,)*))
            }
        }
    };
}

fields!(1; A 0);
fields!(2; A 0, B 1);
fields!(4; A 0, B 1, C 2, D 3);

/// Reads a tuple of what its seeds read.
#[derive(Clone, Copy)]
pub(crate) struct Tuple<F>(F);

/// A tuple of what `seeds` read.
pub(crate) fn tuple<F>(seeds: F) -> Tuple<F> {
    Tuple(seeds)
}

impl<'de, F: Fields<'de>> DeserializeSeed<'de> for Tuple<F> {
    type Value = F::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<F::Value, D::Error> {
        deserializer.deserialize_tuple(F::LEN, self)
    }
}

impl<'de, F: Fields<'de>> Visitor<'de> for Tuple<F> {
    type Value = F::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a tuple of {}", F::LEN)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<F::Value, A::Error> {
        self.0.read(&mut seq, &self)
    }
}

/// Reads a struct `name` whose fields, in order, are read by `seeds`: as its serde derive, for
/// formats that give a struct's fields in order (postcard, schema tracing).
#[derive(Clone, Copy)]
pub(crate) struct Struct<F> {
    name: &'static str,
    fields: &'static [&'static str],
    seeds: F,
}

/// A struct `name` with `fields`, read by `seeds`.
pub(crate) fn structure<F>(name: &'static str, fields: &'static [&'static str], seeds: F) -> Struct<F> {
    Struct { name, fields, seeds }
}

impl<'de, F: Fields<'de>> DeserializeSeed<'de> for Struct<F> {
    type Value = F::Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<F::Value, D::Error> {
        deserializer.deserialize_struct(self.name, self.fields, self)
    }
}

impl<'de, F: Fields<'de>> Visitor<'de> for Struct<F> {
    type Value = F::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<F::Value, A::Error> {
        self.seeds.read(&mut seq, &self)
    }
}

/// Reads what `S` reads and turns it into a `U` with `then`.
pub(crate) struct Then<S, A, U> {
    seed: S,
    then: fn(A) -> U,
}

/// What `seed` reads, turned into a `U` by `then`.
pub(crate) fn then<S, A, U>(seed: S, then: fn(A) -> U) -> Then<S, A, U> {
    Then { seed, then }
}

impl<S: Copy, A, U> Clone for Then<S, A, U> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Copy, A, U> Copy for Then<S, A, U> {}

impl<'de, S: DeserializeSeed<'de, Value = A>, A, U> DeserializeSeed<'de> for Then<S, A, U> {
    type Value = U;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<U, D::Error> {
        self.seed.deserialize(deserializer).map(self.then)
    }
}
