//! # Fault tolerance: checkpoints, recovery and delivery guarantees
//!
//! A program with `#![checkpoint("dir")]` (or `#![checkpoint("dir", 10s)]`) writes, at batch
//! boundaries, everything it needs to resume: the last completed batch time, the time grid,
//! every stateful operator's state under a stable id taken from the program text
//! (`update_state_by_key#0`, `reduce_by_key_and_window#0`, ...), and every source's position.
//! The default interval is `B × ceil(10 s / B)` (Spark's default for stateful streams); a
//! graceful stop always writes one. Each checkpoint file has a format version and a CRC-32
//! and is written to a temporary file, synced and renamed, by a background thread: the batch
//! loop only pays for encoding the state (about 24 ms for 1 M `String` keys, see
//! `benches/checkpoint.rs`).
//!
//! A job started on a directory that holds a checkpoint resumes from it, as Spark's
//! `getOrCreate`: sources go back to their positions, operators get their state back, and the
//! batches after the checkpoint — the one in flight when the job died and those whose times
//! passed while it was down — run again, back to back. A truncated or corrupt checkpoint is
//! skipped with a warning for the previous one; if none is readable the job refuses to start
//! rather than silently starting empty. Because state is keyed by operator ids, not by
//! closure identity, a checkpoint survives changes to the rest of the program; an operator
//! whose state type changed is reported by name at start.
//!
//! ## A batch time always means the same input
//!
//! Running the batches after the checkpoint again is only safe if each one takes the same
//! input as its first run: a store that commits by batch time (below) skips a batch it has
//! already committed, so a record that lands in a re-run batch but was not in its first run
//! would be lost. So, with checkpointing on, the job records what every source's cut took
//! (`Source::selection`: the files read, a range of write-ahead-log blocks, a queue index)
//! in a **batch log**, `batches.log` in the checkpoint directory, and syncs it **before the
//! batch runs its stages and outputs** (Spark's direct Kafka approach: offset ranges are
//! fixed before a batch runs). On recovery, the batches after the checkpoint that the log
//! holds are re-cut from their records (`Source::recut`), in order; later batches are cut
//! afresh. A torn last record (a crash during its append) means that batch never ran its
//! outputs: it is cut afresh. The log is trimmed as checkpoints advance.
//!
//! The guarantee holds from the first batch: when its sources have started, a job with
//! checkpointing writes its starting point as the checkpoint of its zero time (no operator
//! state, the sources' starting positions). A job killed before its first batch's
//! checkpoint recovers from it, on the same time grid, and runs its logged batches again.
//!
//! A source that cannot describe its cuts (a custom `source(..)` that keeps the default
//! `selection`, or `socket` without a write-ahead log) is cut afresh when its batches run
//! again; the job names it in a warning at its first checkpointed batch.
//!
//! ## Delivery guarantees
//!
//! "Exactly once" below is for a sink that commits by batch time (`save_as_text_files`, or
//! `foreach_batch` with the recipe below); state and windows are exactly once in effect for
//! the same sources.
//!
//! | where | guarantee | how |
//! |---|---|---|
//! | `text_files(dir)` | exactly once | the names of the files read are in the checkpoint, and each batch's files are in the batch log: a re-run batch reads exactly the files of its first run (a file that appeared since, modified before the batch's time, goes to the next batch cut afresh). A recorded file deleted or rewritten before the re-run is reported; its records are then missing or changed |
//! | `socket(..)` | at most once | lines received since the last checkpoint are lost if the process dies (nothing is lost on a graceful stop); the batches run again after a crash take lines received after the restart, which a store that already committed those batch times skips |
//! | `socket(..)` with `SocketConfig::write_ahead_log` | exactly once, no loss | every block is synced to the log before it counts as received; a re-run batch takes exactly the logged blocks of its first run, and the blocks logged after them go to the next batches. Blocks lost to a corrupt log are reported |
//! | `queue(..)` | exactly once | the number of batches taken is the position, the index of each batch's queued batch its selection |
//! | `kafka(..)` | exactly once | each batch's offset ranges are in the batch log and the next offsets in the checkpoint: a re-run batch reads exactly the messages of its first run (if retention deleted them meanwhile, the job stops with an error naming the ranges). Tested by killing a Kafka → `reduce_by_key` → batch-time store job 24 times (`tests/kafka.rs`). Group offsets, if a group is set, are committed after the batch's outputs, for monitoring only |
//! | `nats(..)` | exactly once | each batch's stream sequences are in the batch log and the last one taken in the checkpoint; a re-run batch gets the same messages from the stream by sequence, the consumer restarts after the last one taken, and messages are acknowledged only after the batch's outputs ran. If the stream's limits deleted a logged message, the job stops with an error. Tested by killing a NATS → `reduce_by_key` → batch-time store job 24 times (`tests/nats.rs`) |
//! | `to_kafka(..)` | at least once | a batch's output returns only once the brokers acknowledged every message; a batch run again after a crash writes its messages again. Kafka transactions are not used: they would make a batch all-or-nothing, not stop a re-run batch from writing again |
//! | `source(..)` | exactly once if the source implements `selection` and `recut`; otherwise as its `position` / `restore_position` allow (at least once, or at most once), with a warning at the first checkpointed batch | |
//! | transformations, windows, state | exactly once in effect | state comes back from the checkpoint and the batches after it run again on the same input (for the sources above that replay) |
//! | `print` | at least once | a re-run batch prints again |
//! | `save_as_text_files` | exactly once in the files | a batch's directory is replaced atomically with the same content when the batch runs again |
//! | `save_as_text_files("s3://bucket/prefix", ..)` (feature `s3`) | exactly once in the objects, once `_SUCCESS` is there | each object is replaced atomically; a batch that runs again deletes its `_SUCCESS`, puts the same parts, deletes parts an earlier copy had beyond this one's, and puts `_SUCCESS` last. While a re-run is under way a reader can see a mix of old and new parts without `_SUCCESS`; readers must wait for it (as Spark's do) |
//! | `foreach_batch` | at least once; exactly once with a store that commits by batch time | see below |
//! | `to_sql("sqlite://..", table)` | exactly once | each batch's rows and its marker `(job, table_name, batch_time)` in `dstream_batches` commit in one SQLite transaction (WAL, `synchronous = FULL`); the transaction writes nothing when the marker is there. Killed 20 times at random moments in `tests/to_sql_kill.rs`, and with Kafka and NATS sources in `tests/connectors_kill.rs`. Two jobs with the same name writing one table would count as one |
//! | `to_sql("postgres://..", table)` | exactly once | the same in one PostgreSQL transaction; a commit whose answer was lost (connection cut) is retried and then finds its marker. Killed 20 times in `tests/to_sql_kill.rs`, and with a Kafka source in `tests/connectors_kill.rs` |
//!
//! What this does not cover: a batch log or
//! write-ahead log corrupted on disk (reported at start; the batches it no longer describes
//! are cut afresh), and a recovery that falls back
//! to a checkpoint older than the last ten (the number kept) + 3 written
//! (the log no longer holds the batches after it).
//!
//! ## On a cluster
//!
//! With the `cluster` feature and several processes, each process checkpoints its own share
//! (its partitions' state, its sources' positions, its batch log) under
//! `<dir>/process-<i>/`, at the same batch times, and a restarted cluster resumes every
//! process from the newest batch time that all of them hold; the guarantees above carry over
//! (tested by SIGKILLing one of two processes at random moments, `tests/cluster_kill.rs`).
//! See "Checkpoints and recovery" in `docs/cluster.md`.
//!
//! ## Exactly-once output with `foreach_batch`
//!
//! `foreach_batch` gets the batch time. Commit the batch's effect and that time in one
//! transaction, and skip a batch whose time is already committed: a batch that runs again
//! after a crash then changes nothing. Here the "store" is a file replaced atomically; a
//! database transaction works the same way.
//!
//! ```
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//! use std::path::{Path, PathBuf};
//!
//! /// Totals per key plus the last committed batch time, replaced atomically as a whole.
//! fn commit(store: &Path, time: Time, records: Vec<(&str, u64)>) {
//!     let text = std::fs::read_to_string(store).unwrap_or_default();
//!     let mut lines = text.lines();
//!     let last: u64 = lines.next().and_then(|l| l.parse().ok()).unwrap_or(0);
//!     if time.as_millis() <= last {
//!         return; // already committed: this batch is running again after a restart
//!     }
//!     let mut totals: std::collections::BTreeMap<String, u64> =
//!         lines.filter_map(|l| l.split_once(' ')).map(|(k, n)| (k.to_string(), n.parse().unwrap())).collect();
//!     for (k, n) in records {
//!         *totals.entry(k.to_string()).or_default() += n;
//!     }
//!     let mut out = format!("{}\n", time.as_millis());
//!     for (k, n) in &totals {
//!         out.push_str(&format!("{k} {n}\n"));
//!     }
//!     let temp = store.with_extension("tmp");
//!     std::fs::write(&temp, out).unwrap();
//!     std::fs::rename(&temp, store).unwrap(); // the transaction's commit
//! }
//!
//! let dir = std::env::temp_dir().join(format!("dstream-exactly-once-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir);
//! std::fs::create_dir_all(&dir).unwrap();
//! let store = dir.join("totals");
//! let job = |checkpoints: PathBuf, store: PathBuf| {
//!     stream! {
//!         #![checkpoint(checkpoints, 3s)]
//!         queue(vec![vec!["a b"]; 6]) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key(+)
//!             every 1s |> foreach_batch(move |records, time| commit(&store, time, records))
//!     }
//! };
//! // Four batches, then the process "dies": the last checkpoint is batch 3's.
//! Harness::new(job(dir.join("checkpoints"), store.clone())).run_batches(4).unwrap();
//! // The restart runs batch 4 again (the store skips it), then batches 5 and 6.
//! Harness::new(job(dir.join("checkpoints"), store.clone())).run_batches(3).unwrap();
//! assert_eq!(std::fs::read_to_string(&store).unwrap(), "6000\na 6\nb 6\n");
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
