//! What a checkpoint costs the batch loop with a state of 1 M keys (`update_state_by_key`
//! counts per `String` key):
//!
//! - `save_state`: encoding the state on the batch thread (what the loop waits for);
//! - `write`: writing the encoded checkpoint (temp file, fsync, rename, directory fsync),
//!   done by the background writer thread in `Job::run`, so the loop does not wait for it;
//! - `restore_state`: decoding it again at recovery.
//!
//! ```text
//! cargo bench --bench checkpoint
//! ```
//!
//! Format 1 (bincode 1.3) against format 2 (postcard on the shared record framing), on the
//! 2-core machine shared with other builds (load average 11–13, so ranges over 2–3 runs):
//!
//! | | format 1 | format 2 |
//! |---|---|---|
//! | encoded state | 25.7 MiB | 14.3 MiB |
//! | `save_state` | 13–15 ms | 22–31 ms (varints cost on the batch thread) |
//! | `write` | 246–251 ms | 38–45 ms (format 1 encoded the whole checkpoint again, state bytes as a sequence of `u8`s) |
//! | `restore_state` | 189–235 ms | 92–231 ms |
//!
//! The generated code saves a state "by parts" (`persist::parts`: each key and state type
//! through its own `Checkpointable::part`, so a compile error names the user's type, not the
//! store), to the same bytes. Against the serde derive, 1 M keys, best of 9 per round, 4
//! rounds of a plain timing loop (not criterion) on the same shared machine (load 4–5), with the keys in the initial-state `Vec` as
//! here / in 4 partitions' hash tables:
//!
//! | | serde derive | by parts | by parts / derive, same round |
//! |---|---|---|---|
//! | `save_state`, `Vec` | 8.5–11 ms | 10–16 ms | 1.1–1.5 |
//! | `save_state`, tables | 64–169 ms | 71–193 ms | 0.7–1.2 |
//! | `restore_state`, `Vec` | 47–75 ms | 77–131 ms | 1.4–1.8 |
//! | `restore_state`, tables | 139–323 ms | 153–356 ms | 0.75–1.2 |
//!
//! Saving calls each part's postcard encoder directly; reading goes through `erased_serde`
//! (generic over postcard and schema tracing), which boxes each key it reads: the cost is at
//! recovery only.

use criterion::{criterion_group, criterion_main, Criterion};
use dstream::__private::checkpoint::{self, Checkpoint, Checkpointable};
use dstream::__private::state::StateStore;
use dstream::Time;
use std::collections::BTreeMap;

const KEYS: usize = 1_000_000;

fn store() -> StateStore<String, u64> {
    StateStore::new((0..KEYS).map(|i| (format!("key-{i:07}"), i as u64)))
}

fn bench(c: &mut Criterion) {
    let state = store();
    let saved = state.save().unwrap();
    eprintln!("1 M keys: encoded state is {:.1} MiB", saved.bytes.len() as f64 / (1024.0 * 1024.0));
    let dir = std::env::temp_dir().join(format!("dstream-bench-checkpoint-{}", std::process::id()));
    let mut group = c.benchmark_group("checkpoint_1m_keys");
    group.sample_size(10);
    group.bench_function("save_state (batch thread)", |b| b.iter(|| state.save().unwrap()));
    // What the generated code runs: the store saved around its parts (`persist::parts`).
    let codec = || checkpoint::state_store(Checkpointable::part, Checkpointable::part);
    assert_eq!(codec().save(&state).unwrap(), saved, "the codec writes the serde derive's bytes");
    group.bench_function("save_state by parts (batch thread)", |b| b.iter(|| codec().save(&state).unwrap()));
    group.bench_function("write (background thread)", |b| {
        let mut operators = BTreeMap::new();
        operators.insert("update_state_by_key#0".to_string(), saved.clone());
        let mut t = 0;
        b.iter(|| {
            t += 1000;
            let c = Checkpoint {
                batch_time: Time::from_millis(t),
                batch_interval_ms: 1000,
                zero_time: Time::from_millis(0),
                operators: operators.clone(),
                sources: vec![None],
            };
            checkpoint::write(&dir, &c).unwrap()
        })
    });
    group.bench_function("restore_state (recovery)", |b| {
        b.iter(|| {
            let mut restored: StateStore<String, u64> = StateStore::empty();
            restored.restore(&saved).unwrap();
            restored
        })
    });
    group.bench_function("restore_state by parts (recovery)", |b| {
        b.iter(|| {
            let mut restored: StateStore<String, u64> = StateStore::empty();
            codec().restore(&mut restored, &saved).unwrap();
            restored
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
