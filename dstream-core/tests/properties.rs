//! Properties of the runtime, checked on random inputs.
//!
//! The incremental window (inverse function) equals the naive one (re-reducing
//! every batch in the window) for random inputs and random window shapes, once the keys
//! whose value fell to zero are filtered out, as Spark's own suite states. Values are
//! non-negative counts: with signed values a key can sum to zero while it still has records
//! in the window, and the filtered incremental form (Spark's too) then differs by design.

// The window types are generated code's helpers, not public API.
use dstream_core::__private::{Combiner, Executor, IncrementalWindow, WindowBuffer};
use dstream_core::{Duration, Time};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// One batch's records reduced per key into `partitions` tables, as `reduce_by_key` does.
fn reduce(exec: &Executor, batch: &[(u8, i64)], partitions: usize) -> Vec<Combiner<u8, i64>> {
    let mut map_side = Combiner::new();
    for &(k, v) in batch {
        map_side.merge(k, v, |a, b| a + b);
    }
    exec.exchange_combine(vec![map_side], partitions, |a, b| a + b)
}

fn naive(parts: Vec<Vec<(u8, i64)>>) -> BTreeMap<u8, i64> {
    let mut out = BTreeMap::new();
    for (k, v) in parts.into_iter().flatten() {
        *out.entry(k).or_insert(0) += v;
    }
    out
}

proptest! {
    #[test]
    fn incremental_equals_naive(
        batches in prop::collection::vec(prop::collection::vec((0u8..6, 0i64..20), 0..8), 1..30),
        window_batches in 1u64..6,
        slide_batches in 1u64..4,
        partitions in 1usize..4,
    ) {
        let exec = Executor::new(partitions);
        let b = 1000;
        let (length, slide) = (window_batches * b, slide_batches * b);
        let mut incremental = IncrementalWindow::new(Duration::from_millis(length));
        let mut buffer = WindowBuffer::new(Duration::from_millis(length));
        for (i, batch) in batches.iter().enumerate() {
            let time = Time::from_millis((i as u64 + 1) * b);
            let tables = reduce(&exec, batch, partitions);
            let as_records: Vec<Vec<(u8, i64)>> = tables.iter().map(|t| t.iter().map(|(k, v)| (*k, *v)).collect()).collect();
            incremental.push(time, tables);
            buffer.push(time, as_records);
            if time.as_millis() % slide == 0 {
                let got = incremental.emit_filtered(&exec, time, |a, b| a + b, |a, b| a - b, |(_, v)| *v != 0);
                let got: BTreeMap<u8, i64> = got.into_iter().flatten().collect();
                let expected: BTreeMap<u8, i64> = naive(buffer.contents(&exec)).into_iter().filter(|(_, v)| *v != 0).collect();
                prop_assert_eq!(got, expected, "at {} ms, W = {} ms, S = {} ms", time.as_millis(), length, slide);
            }
        }
    }
}
