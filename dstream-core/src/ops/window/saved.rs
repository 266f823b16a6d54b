//! Window states saved part by part ([`parts`]): a [`WindowBuffer`]'s records and an
//! [`IncrementalWindow`]'s keys and values through their `Checkpointable::part`, the stores
//! around them as their serde derives have them.

use super::{BatchTable, IncrementalWindow, WindowBuffer, WindowTable};
use crate::error::Result;
use crate::keys::combine::Combiner;
use crate::persist::checkpoint::OperatorState;
use crate::persist::parts::{self, Codec, Encode, Part};
use crate::time::{Duration, Time};
use serde::de::DeserializeSeed;
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
pub fn incremental_window<K: Hash + Eq, V>(
    key: fn() -> Part<K>,
    value: fn() -> Part<V>,
) -> Codec<IncrementalWindow<K, V>, (Part<K>, Part<V>)> {
    Codec::new((key(), value()), save_incremental, restore_incremental)
}

/// Writes the buffer as its serde derive does: `length`, then `batches` (each a time and its
/// partitions' records).
fn save_buffer<T>(buffer: &WindowBuffer<T>, record: Part<T>) -> Result<OperatorState> {
    let encode = |out: &mut Vec<u8>| {
        encode_batches(buffer.length, &buffer.batches, out, |records, out| {
            parts::encode_len(records.len(), out)?;
            records.iter().try_for_each(|r| record.encode(r, out))
        })
    };
    parts::save_with(encode, buffer_seed(record))
}

/// Writes a window's `length` and `batches` (each a time and one `X` per partition, written
/// by `each`) as their serde derive does.
fn encode_batches<X>(
    length: Duration,
    batches: &VecDeque<(Time, Vec<X>)>,
    out: &mut Vec<u8>,
    mut each: impl FnMut(&X, &mut Vec<u8>) -> postcard::Result<()>,
) -> postcard::Result<()> {
    parts::encode(&length, out)?;
    parts::encode_len(batches.len(), out)?;
    for (time, partitions) in batches {
        parts::encode(time, out)?;
        parts::encode_len(partitions.len(), out)?;
        partitions.iter().try_for_each(|p| each(p, out))?;
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

/// Writes the window as its serde derive does: `length`, `batches` (each a time and its
/// partitions' `Combiner`s, a struct of one map), `current` (each table a map, the form of the
/// `Combiner` it replaced), `last_emit`.
fn save_incremental<K: Hash + Eq, V, CK: Encode<K>, CV: Encode<V>>(
    window: &IncrementalWindow<K, V>,
    (k, v): (CK, CV),
) -> Result<OperatorState> {
    let encode = |out: &mut Vec<u8>| {
        encode_batches(window.length, &window.batches, out, |table, out| {
            parts::encode_pairs(table.0.iter().map(|(key, value)| (key, value)), (k, v), out)
        })?;
        parts::encode_len(window.current.len(), out)?;
        for table in &window.current {
            parts::encode_pairs(table.iter().map(|(key, value)| (key, value)), (k, v), out)?;
        }
        parts::encode(&window.last_emit, out)
    };
    parts::save_with(encode, incremental_seed(k, v))
}

fn restore_incremental<K: Hash + Eq, V, CK: Encode<K>, CV: Encode<V>>(
    (k, v): (CK, CV),
    saved: &OperatorState,
) -> Result<IncrementalWindow<K, V>> {
    let (length, batches, current, last_emit) = parts::restore_with(incremental_seed(k, v), saved)?;
    // Each batch's tables were saved as maps (a `Combiner`'s form); the window keeps them as lists.
    let batches = batches
        .into_iter()
        .map(|(time, tables)| {
            (time, tables.into_iter().map(|c| BatchTable(c.into_iter().collect())).collect())
        })
        .collect();
    Ok(IncrementalWindow { length, batches, current, last_emit, spare: Vec::new() })
}

type IncrementalFields<K, V> =
    (Duration, VecDeque<(Time, Vec<Combiner<K, V>>)>, Vec<WindowTable<K, V>>, Option<Time>);

/// What reads an [`IncrementalWindow`]'s fields back. Its current tables are read as the
/// `Combiner`s they are saved as (their schema says so too).
fn incremental_seed<K: Hash + Eq, V, CK: Encode<K>, CV: Encode<V>>(
    k: CK,
    v: CV,
) -> impl Copy + for<'de> DeserializeSeed<'de, Value = IncrementalFields<K, V>> {
    let combiner = parts::then(
        parts::structure("Combiner", &["table"], (parts::map_of::<_, _, Combiner<K, V>>(k, v),)),
        |(combiner,): (Combiner<K, V>,)| combiner,
    );
    let table = parts::then(combiner, WindowTable::from_combiner);
    parts::structure(
        "IncrementalWindow",
        &["length", "batches", "current", "last_emit"],
        (
            PhantomData::<Duration>,
            parts::seq_of(parts::tuple((PhantomData::<Time>, parts::seq_of(combiner)))),
            parts::seq_of(table),
            PhantomData::<Option<Time>>,
        ),
    )
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
