//! Window states saved part by part ([`parts`]): a [`WindowBuffer`]'s records and an
//! [`IncrementalWindow`]'s keys and values through their `Checkpointable::part`, the stores
//! around them as their serde derives have them. Also the incremental window's own serde
//! form: its layout from before it kept its keys under ids ([`SavedIncremental`]).

use super::{BatchList, IncrementalWindow, WindowBuffer, WindowTable};
use crate::error::Result;
use crate::keys::combine::Combiner;
use crate::persist::checkpoint::OperatorState;
use crate::persist::parts::{self, Codec, Encode, Part};
use crate::time::{Duration, Time};
use serde::de::DeserializeSeed;
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::collections::VecDeque;
use std::hash::Hash;
use std::marker::PhantomData;

/// The codec of a window that keeps its batches' records `T` (`window` and the windows built
/// on it). The generated code passes `Checkpointable::part`.
pub fn window_buffer<T>(record: fn() -> Part<T>) -> Codec<WindowBuffer<T>, Part<T>> {
    Codec::new(record(), save_buffer, restore_buffer)
}

/// The codec of an incremental window with keys `K` and values `V`
/// (`reduce_by_key_and_window` with an inverse, and the forms lowered to it).
pub fn incremental_window<K, V>(
    key: fn() -> Part<K>,
    value: fn() -> Part<V>,
) -> Codec<IncrementalWindow<K, V>, (Part<K>, Part<V>)>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    Codec::new((key(), value()), save_incremental, restore_incremental)
}

/// Writes the buffer as its serde derive does: `length`, then `batches` (each a time and its
/// partitions' records).
fn save_buffer<T>(buffer: &WindowBuffer<T>, record: Part<T>) -> Result<OperatorState> {
    let encode = |out: &mut Vec<u8>| {
        encode_batches(buffer.length, &buffer.batches, out, |_, records, out| {
            parts::encode_len(records.len(), out)?;
            records.iter().try_for_each(|r| record.encode(r, out))
        })
    };
    parts::save_with(encode, buffer_seed(record))
}

/// Writes a window's `length` and `batches` (each a time and one `X` per partition, written
/// by `each` with the partition's index) as their serde derive does.
fn encode_batches<X>(
    length: Duration,
    batches: &VecDeque<(Time, Vec<X>)>,
    out: &mut Vec<u8>,
    mut each: impl FnMut(usize, &X, &mut Vec<u8>) -> postcard::Result<()>,
) -> postcard::Result<()> {
    parts::encode(&length, out)?;
    parts::encode_len(batches.len(), out)?;
    for (time, partitions) in batches {
        parts::encode(time, out)?;
        parts::encode_len(partitions.len(), out)?;
        partitions.iter().enumerate().try_for_each(|(p, x)| each(p, x, out))?;
    }
    Ok(())
}

fn restore_buffer<T>(record: Part<T>, saved: &OperatorState) -> Result<WindowBuffer<T>> {
    let (length, batches) = parts::restore_with(buffer_seed(record), saved)?;
    Ok(WindowBuffer { length, batches })
}

/// A [`WindowBuffer`]'s fields: `length` and `batches`.
type BufferFields<T> = (Duration, VecDeque<(Time, Vec<Vec<T>>)>);

/// What reads a [`WindowBuffer`]'s fields back.
fn buffer_seed<T>(record: Part<T>) -> impl Copy + for<'de> DeserializeSeed<'de, Value = BufferFields<T>> {
    let partitions = parts::seq_of::<_, Vec<Vec<T>>>(parts::seq_of::<_, Vec<T>>(record));
    parts::structure(
        "WindowBuffer",
        &["length", "batches"],
        (PhantomData::<Duration>, parts::seq_of(parts::tuple((PhantomData::<Time>, partitions)))),
    )
}

/// Writes the window as its serde form does: `length`, `batches` (each a time and its
/// partitions' `Combiner`s, a struct of one map), `current` (each table a map, the form of the
/// `Combiner` it replaced), `last_emit`.
fn save_incremental<K: Hash + Eq + Clone, V: Clone, CK: Encode<K>, CV: Encode<V>>(
    window: &IncrementalWindow<K, V>,
    (k, v): (CK, CV),
) -> Result<OperatorState> {
    let encode = |out: &mut Vec<u8>| {
        encode_batches(window.length, &window.batches, out, |p, list, out| {
            let keys = &window.current[p];
            parts::encode_pairs(list.iter().map(|(id, value)| (keys.key(*id), value)), (k, v), out)
        })?;
        parts::encode_len(window.current.len(), out)?;
        for table in &window.current {
            parts::encode_pairs(table.iter().map(|(key, value)| (key, value)), (k, v), out)?;
        }
        parts::encode(&window.last_emit, out)
    };
    parts::save_with(encode, incremental_seed(k, v))
}

fn restore_incremental<K, V, CK: Encode<K>, CV: Encode<V>>(
    (k, v): (CK, CV),
    saved: &OperatorState,
) -> Result<IncrementalWindow<K, V>>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    let (length, batches, current, last_emit) = parts::restore_with(incremental_seed(k, v), saved)?;
    Ok(IncrementalWindow::from_saved(SavedIncremental { length, batches, current, last_emit }))
}

type IncrementalFields<K, V> =
    (Duration, VecDeque<(Time, Vec<Combiner<K, V>>)>, Vec<Combiner<K, V>>, Option<Time>);

/// What reads an [`IncrementalWindow`]'s fields back: each batch table and each partition's
/// window value as the `Combiner` it is saved as (the schema says so too).
fn incremental_seed<K: Hash + Eq, V, CK: Encode<K>, CV: Encode<V>>(
    k: CK,
    v: CV,
) -> impl Copy + for<'de> DeserializeSeed<'de, Value = IncrementalFields<K, V>> {
    let combiner = parts::then(
        parts::structure("Combiner", &["table"], (parts::map_of::<_, _, Combiner<K, V>>(k, v),)),
        |(combiner,): (Combiner<K, V>,)| combiner,
    );
    parts::structure(
        "IncrementalWindow",
        &["length", "batches", "current", "last_emit"],
        (
            PhantomData::<Duration>,
            parts::seq_of(parts::tuple((PhantomData::<Time>, parts::seq_of(combiner)))),
            parts::seq_of(combiner),
            PhantomData::<Option<Time>>,
        ),
    )
}

/// An [`IncrementalWindow`] as it is saved: its layout before keys were kept under ids, each
/// batch table and each partition's window value a map from key to value (a `Combiner`).
/// Checkpoints of either version read the same.
#[derive(serde::Deserialize)]
#[serde(
    rename = "IncrementalWindow",
    bound(deserialize = "K: serde::Deserialize<'de> + Hash + Eq, V: serde::Deserialize<'de>")
)]
pub(super) struct SavedIncremental<K, V> {
    length: Duration,
    batches: VecDeque<(Time, Vec<Combiner<K, V>>)>,
    current: Vec<Combiner<K, V>>,
    last_emit: Option<Time>,
}

impl<K, V> IncrementalWindow<K, V>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
{
    /// The window whose state was saved: the window values first, then each batch's keys
    /// looked up (or kept) under ids, oldest batch first.
    fn from_saved(saved: SavedIncremental<K, V>) -> Self {
        let mut window = IncrementalWindow::new(saved.length);
        window.grow_to(saved.current.len());
        for (table, values) in window.current.iter_mut().zip(saved.current) {
            values.into_iter().for_each(|(k, v)| table.insert_live(k, v));
        }
        for (time, tables) in saved.batches {
            window.push(time, tables);
        }
        window.last_emit = saved.last_emit;
        window
    }
}

impl<'de, K, V> serde::Deserialize<'de> for IncrementalWindow<K, V>
where
    K: serde::Deserialize<'de> + Hash + Eq + Clone + Send + Sync,
    V: serde::Deserialize<'de> + Clone + Send + Sync,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        <SavedIncremental<K, V> as serde::Deserialize>::deserialize(deserializer).map(Self::from_saved)
    }
}

impl<K: Serialize + Hash + Eq + Clone, V: Serialize + Clone> Serialize for IncrementalWindow<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let batches = self.batches.iter().map(|(time, lists)| (time, Lists { lists, keys: &self.current }));
        let current = self.current.iter().map(|table| Pairs(table.iter().map(|(k, v)| (k, v))));
        let mut s = serializer.serialize_struct("IncrementalWindow", 4)?;
        s.serialize_field("length", &self.length)?;
        s.serialize_field("batches", &Seq(batches))?;
        s.serialize_field("current", &Seq(current))?;
        s.serialize_field("last_emit", &self.last_emit)?;
        s.end()
    }
}

/// A sequence, serialized from a clonable iterator.
struct Seq<I>(I);

impl<I: Iterator<Item: Serialize> + Clone> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

/// A map, serialized from a clonable iterator of pairs.
struct Pairs<I>(I);

impl<I, K: Serialize, V: Serialize> Serialize for Pairs<I>
where
    I: Iterator<Item = (K, V)> + Clone,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.clone())
    }
}

/// A kept batch's lists, one per partition, each saved as a map from key to value.
struct Lists<'a, K, V> {
    lists: &'a [BatchList<V>],
    keys: &'a [WindowTable<K, V>],
}

impl<K: Serialize + Hash + Eq + Clone, V: Serialize + Clone> Serialize for Lists<'_, K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let maps = self
            .lists
            .iter()
            .zip(self.keys)
            .map(|(list, keys)| Pairs(list.iter().map(|(id, value)| (keys.key(*id), value))));
        serializer.collect_seq(maps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::checkpoint::Checkpointable;

    #[test]
    fn a_window_buffer_is_saved_as_its_serde_derive() {
        let mut buffer = WindowBuffer::new(Duration::from_secs(3));
        buffer.push(Time::from_millis(1000), vec![vec![("a".to_string(), 1u32)], vec![]]);
        buffer.push(Time::from_millis(2000), vec![vec![("b".to_string(), 2)], vec![("c".to_string(), 3)]]);
        let codec = window_buffer(Checkpointable::part);
        let saved = codec.save(&buffer).unwrap();
        assert_eq!(saved, Checkpointable::save(&buffer).unwrap());
        assert!(saved.schema.as_deref().unwrap().starts_with("WindowBuffer { length: Duration"), "{saved:?}");
        let mut back = WindowBuffer::new(Duration::from_secs(1));
        codec.restore(&mut back, &saved).unwrap();
        let exec = crate::exec::Executor::new(1);
        assert_eq!(back.contents(&exec), buffer.contents(&exec));
        assert_eq!(back.length, buffer.length);
    }

    #[test]
    fn an_incremental_window_is_saved_as_its_serde_derive() {
        let exec = crate::exec::Executor::new(1);
        let mut window = IncrementalWindow::new(Duration::from_secs(2));
        for (i, pairs) in [&[("a", 1i64), ("b", 2)][..], &[("a", 3)], &[("c", 4)]].iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * 1000);
            let mut table = Combiner::new();
            for &(k, v) in pairs.iter() {
                table.merge(k.to_string(), v, |a, b| a + b);
            }
            window.push(time, vec![table]);
            if i < 2 {
                window.emit(&exec, time, |a, b| a + b, |a, b| a - b);
            }
        }
        let codec = incremental_window(Checkpointable::part, Checkpointable::part);
        let saved = codec.save(&window).unwrap();
        assert_eq!(saved, Checkpointable::save(&window).unwrap());
        let schema = saved.schema.as_deref().unwrap();
        assert!(
            schema.contains("current: Seq<Combiner>") || schema.contains("current: Seq<Combiner {"),
            "{schema}"
        );
        let mut back = IncrementalWindow::new(Duration::from_secs(1));
        codec.restore(&mut back, &saved).unwrap();
        let time = Time::from_millis(3000);
        let sorted = |w: &mut IncrementalWindow<String, i64>| {
            let mut all = w.emit(&exec, time, |a, b| a + b, |a, b| a - b).concat();
            all.sort();
            all
        };
        assert_eq!(sorted(&mut back), sorted(&mut window));
    }

    /// A checkpoint written before the window kept its keys under ids (each batch table and
    /// window value a map) restores through the codec the generated code uses, and the window
    /// goes on as one that never stopped.
    #[test]
    fn an_incremental_window_restores_from_the_layout_before_ids() {
        use crate::ops::window::tests::before;
        let batch = |pairs: &[(char, i64)]| {
            let mut table = Combiner::new();
            pairs.iter().for_each(|&(k, v)| table.merge(k, v, |a, b| a + b));
            table
        };
        // After slides at 1 s and 2 s over [a:1, b:1] and [b:2, c:5], a 2 s window.
        let old = before::IncrementalWindow {
            length: Duration::from_secs(2),
            batches: [(1000, &[('a', 1), ('b', 1)][..]), (2000, &[('b', 2), ('c', 5)])]
                .into_iter()
                .map(|(t, pairs)| (Time::from_millis(t), vec![batch(pairs)]))
                .collect(),
            current: vec![batch(&[('a', 1), ('b', 3), ('c', 5)])],
            last_emit: Some(Time::from_millis(2000)),
        };
        let saved = Checkpointable::save(&old).unwrap();
        let mut window: IncrementalWindow<char, i64> = IncrementalWindow::new(Duration::from_secs(1));
        incremental_window(Checkpointable::part, Checkpointable::part).restore(&mut window, &saved).unwrap();
        let exec = crate::exec::Executor::new(1);
        let time = Time::from_millis(3000);
        window.push(time, vec![batch(&[('a', 4)])]);
        let mut got = window.emit(&exec, time, |a, b| a + b, |a, b| a - b).concat();
        got.sort();
        assert_eq!(got, [('a', 4), ('b', 2), ('c', 5)]);
    }

    proptest::proptest! {
        /// Any bytes: an error or a window, never a panic or a huge allocation.
        #[test]
        fn any_bytes_restore_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let saved = OperatorState { schema: None, bytes };
            let mut window: IncrementalWindow<String, i64> = IncrementalWindow::new(Duration::from_secs(1));
            let _ = incremental_window(Checkpointable::part, Checkpointable::part).restore(&mut window, &saved);
            let mut buffer: WindowBuffer<(String, u32)> = WindowBuffer::new(Duration::from_secs(1));
            let _ = window_buffer(Checkpointable::part).restore(&mut buffer, &saved);
        }
    }
}
