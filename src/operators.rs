//! The operators of the `stream!` language: a reference, one page per operator.
//!
//! The modules below hold no code. Each documents one operator of the language: what it
//! does, the Spark Streaming operation it corresponds to, its exact semantics including
//! edge cases, and an example that runs as a test under
//! [`Harness`](crate::testing::Harness).
//!
//! # Programs
//!
//! [`stream!`](crate::stream) compiles a program into a [`Job`](crate::Job) at compile
//! time. A program is one or more statements separated by `;`. A statement is a
//! *pipeline*: a source, then operators joined by `|>`, ending in an output operation.
//!
//! ```
//! use dstream::prelude::*;
//!
//! let job: Job = stream! {
//!     queue(vec![vec!["to be or", "not to be"]])
//!         |> flat_map(split)
//!         |> map(|w| (w, 1))
//!         |> reduce_by_key(+) every 1s
//!         |> print
//! };
//! assert_eq!(job.batch_interval(), Duration::from_millis(1000));
//! ```
//!
//! * **`every <duration>`** sets the batch interval `B`. It may follow any operator, and a
//!   program has exactly one. Units: `ms`, `s`, `min`, `h` (`500ms`, `1s`, `1.5s`, `15min`).
//!   Batch times are the multiples of `B`: with the harness's manual clock starting at 0 and
//!   `every 1s`, the batches are at 1000, 2000, 3000 ms, as in Spark's test suites.
//! * **Named streams.** `let name = pipeline;` names a stream that does not end in an output.
//!   A later statement can start from it (`name |> ...`), and the operators over several
//!   streams ([`union`], [`transform_with`], the joins and [`cogroup`]) take it as an
//!   argument. A named stream used more than once is computed once per batch and its records
//!   are kept for every user, so they must be `Clone`.
//! * **Several outputs.** Each statement that ends in an output is one pipeline. Within a
//!   batch the outputs run one after another, in the order written (Spark's job order).
//! * **Nothing runs without an output**: a pipeline that does not end in an output operation
//!   is a compile error, as is an unknown operator (with a suggestion), a wrong number of
//!   arguments, a source in the middle of a pipeline, an operator after an output or an unused
//!   named stream. All errors are reported at once, each on the tokens it is about.
//! * **Settings** such as `#![checkpoint(dir)]` may open a program: see
//!   [Program settings](#program-settings).
//!
//! ```
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//!
//! let job = stream! {
//!     let lines = queue(vec![vec!["a b", "b c d"]]);
//!     lines |> flat_map(split) |> count every 1s |> print;
//!     lines |> count |> print
//! };
//! let dashes = "-".repeat(43);
//! let batch = |n: u64| format!("{dashes}\nTime: 1000 ms\n{dashes}\n{n}\n\n");
//! let out = Harness::new(job).step().unwrap();
//! assert_eq!(out.printed, format!("{}{}", batch(5), batch(2))); // words, then lines
//! ```
//!
//! # Arguments
//!
//! | Kind | Accepts | Evaluated |
//! |---|---|---|
//! | function | a closure (`\|w\| (w, 1)`, with or without `move`) or a path (`split`, `str::len`) | a closure is inlined where it is used; any other expression once, when the job is built |
//! | reducer | a closure of two values (`\|a, b\| a + b`) or a shorthand: `+`, `*`, `min`, `max`; and `-` as the inverse of [`reduce_by_key_and_window`] and [`reduce_by_window`] | as for a function |
//! | value | any expression (`queue`'s batches, `socket`'s host and port, file prefixes, initial state) | once, when the job is built |
//! | count | a `usize` expression (partitions, `print`'s number of records) | once, when the job is built |
//! | duration | a duration literal: `10s`, `500ms`, `1.5s`, `2min` (a window's length and slide, a timeout); or `{expr}`, any `std::time::Duration` or `dstream::Duration` expression (a variable, a `const`, a computation) | a literal at compile time, with its checks; `{expr}` once when the job is built, its checks when the job starts |
//! | stream | the name of a `let` stream ([`union`]'s, [`transform_with`]'s and the joins' first argument) | |
//!
//! A duration literal binds to the next duration parameter and any other argument to the next
//! other parameter, skipping optional parameters of the other class; so
//! `reduce_by_key_and_window(+, 10s)`, `reduce_by_key_and_window(+, -, 10s, 2s)` and
//! `map_with_state(f, 30s)` (a timeout without initial state) all read as written. `_` leaves
//! out the optional parameter at its position.
//!
//! A `{expr}` argument is a duration where a duration parameter can take it, else an ordinary
//! expression: `update_state_by_key(f, {initial})` passes an initial state. Where it could be
//! either, a duration literal after it decides: `reduce_by_key_and_window(+, {inverse}, 10s)`
//! passes an inverse function, `reduce_by_key_and_window(+, {length}, {slide})` a computed
//! window, and `reduce_by_key_and_window(+, _, {length}, 2s)` a computed length with a literal
//! slide and no inverse. A function never needs braces: `reduce_by_key_and_window(+, inverse,
//! 10s)` reads the same.
//!
//! **Durations from the running program.** `every {interval}` and `window({length}, {slide})`
//! take a `Duration` the program computes, so one binary serves several intervals:
//!
//! ```
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//!
//! fn counts(interval: std::time::Duration) -> Job {
//!     let length = 3 * interval;
//!     stream! { queue(vec![vec!["a"], vec!["a"]]) every {interval} |> count_by_window({length}) |> print }
//! }
//! for ms in [500, 1000] {
//!     let out = Harness::new(counts(std::time::Duration::from_millis(ms))).run_batches(2).unwrap();
//!     assert_eq!(out[1].printed_records(), ["2"]);
//! }
//! ```
//!
//! Literal durations are checked at compile time; a rule that involves a `{expr}` (Spark's:
//! a window's length and slide are multiples of the stream's slide, streams combined by
//! `union` or a join slide together, the batch interval is positive) is checked when the job
//! starts, before its sources connect or read anything, and a broken one stops the job there
//! with [`Error::Config`](crate::Error::Config) naming the operator and both durations.
//!
//! Closures may use the variables around the `stream!` invocation; the job takes ownership
//! of them. The closures of the transformations run in partition tasks, several at once, so
//! they cannot mutate what they capture (use atomics or a `Mutex` for shared state);
//! [`foreach_batch`]'s closure runs once per batch on the batch loop's thread and can.
//!
//! # Partitions, stages and record order
//!
//! A source's batch is cut into the job's number of partitions
//! ([`Job::with_parallelism`](crate::Job::with_parallelism), by default the number of cores;
//! the [`Harness`](crate::testing::Harness) uses 2, like Spark's test suites), contiguously
//! as Spark's `parallelize` does: with 2 partitions `[1, 2, 3, 4]` becomes `[1, 2]` and
//! `[3, 4]`.
//!
//! * The **narrow** operators ([`map`], [`flat_map`], [`filter`], [`map_values`],
//!   [`flat_map_values`]) work record by record and are fused into one loop per partition.
//!   They keep the order of records within a partition, and the outputs read partitions in
//!   order, so a pipeline of narrow operators outputs its records in input order.
//! * [`union`] concatenates the partitions of its inputs, so it keeps that order too.
//! * The **shuffle** operators ([`reduce_by_key`], [`combine_by_key`], [`group_by_key`],
//!   [`count_by_value`], [`count`], [`reduce`]) need all records of a key, or of the whole
//!   batch, together: the compiler ends a stage there. The keyed ones hash-partition their
//!   output by key (into their optional `partitions` argument, else the job's number of
//!   partitions), so **the order of their output records is unspecified**; compare it as a
//!   multiset, as Spark's suites do. [`count`] and [`reduce`] gather into one partition.
//! * The **reshaping** operators ([`glom`], [`map_partitions`], [`repartition`],
//!   [`transform`]) need a whole partition or the whole batch at once, and also end a stage.
//! * The operators over **two streams** ([`transform_with`], [`join`], [`left_outer_join`],
//!   [`right_outer_join`], [`full_outer_join`], [`cogroup`]) combine the two streams' batches
//!   of the same batch time. The joins hash-partition by key: their order is unspecified.
//!   A chain of [`map`], [`map_values`] and [`filter`] whose records only a join reads runs
//!   inside the join, as it reads each record (with one partition, a `join` fills its table
//!   straight from the records before their `map`); a [`join`] or [`left_outer_join`] read
//!   by the next stage is probed inside that stage's loop. Neither writes its records into
//!   a `Vec` in between; [`Job::explain`](crate::Job::explain) shows what runs where.
//! * The **window** and **state** operators keep data from one batch to the next: see below.
//!
//! All other operators are per batch: their result for a batch depends only on that batch's
//! records. [`Job::explain`](crate::Job::explain) shows the stages the compiler made.
//!
//! # Windows and state
//!
//! A [`window`] of length `W` sliding every `S` has a batch only at its *slide times*, the
//! batch times `T` with `T - zero` a multiple of `S`, where `zero` is one batch interval before
//! the job's first batch (Spark's `zeroTime`); under the harness with `every 1s`, a slide of
//! `2s` gives 2000, 4000, 6000 ms. Its batch at `T` holds the parent's batches with times in
//! `(T - W, T]`, so early windows are partial. `W` and `S` must be multiples of the parent
//! stream's slide (the batch interval, or the slide of a window before it): anything else is
//! a compile error, as Spark rejects it at construction. At the other batch times the
//! windowed stream has no batch: the operators after it do not run, and [`print`](mod@print)
//! prints nothing for it, not even a header. The composite window operators
//! ([`reduce_by_key_and_window`], [`reduce_by_window`], [`count_by_window`],
//! [`count_by_value_and_window`], [`group_by_key_and_window`]) are compiled, as Spark defines
//! them, into a per-batch operator, a `window`, and an operator that merges the window.
//!
//! The state operators ([`update_state_by_key`], [`map_with_state`] and its
//! [`state_snapshots`]) keep a state per key, in one hash table per partition, that persists
//! from batch to batch.
//!
//! **Records that enter a window or a state store are kept owned.** A record must outlive
//! its batch there, so it is converted with [`IntoOwned`](crate::IntoOwned): a `&str` (a
//! word of a text line) becomes a `String`, tuples, `Option`s and `Vec`s convert element by
//! element, numbers stay as they are. So the keys of `update_state_by_key` are `String`s.
//! **A window emits its records in the type they had before it** ([`BorrowBack`](crate::BorrowBack)):
//! `queue(lines) |> flat_map(split) |> window(2s)` gives `&str` words, borrowed from the
//! window's state for the batch (no copy per record); `(&str, u32)` stays `(&str, u32)` and
//! `Option<&str>` stays `Option<&str>`. For your own record types that hold no references,
//! implement both with `dstream::owned_as_self!(MyType);` (records of those types are cloned
//! out of a window).
//!
//! Borrowed and owned streams still combine without glue: a `union` or a join of a stream of
//! `&str` words (or `(&str, u32)` keys, `Option<&str>` keys, ...) with one of their owned
//! form (`String`, `(String, u32)`, `Option<String>`) meets in the owned form, converted as the
//! step reads each record; streams of one type combine untouched, so borrowed text stays
//! borrowed. A closure after a state store takes the owned form: write `|w: String|` there,
//! not `|w: &str|` (the compiler says so, on the annotation); after a window, the type before
//! it.
//!
//! ```
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//!
//! // serde's derives: with the `cluster` feature, source records cross between processes.
//! #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
//! struct Reading {
//!     sensor: u32,
//!     celsius: f64,
//! }
//! dstream::owned_as_self!(Reading);
//!
//! let batches = vec![
//!     vec![Reading { sensor: 1, celsius: 20.5 }],
//!     vec![Reading { sensor: 1, celsius: 21.5 }],
//! ];
//! let job = stream! {
//!     queue(batches) every 1s |> window(2s) |> map(|r| (r.sensor, r.celsius))
//!         |> reduce_by_key(+) |> print
//! };
//! let out = Harness::new(job).run_batches(2).unwrap();
//! assert_eq!(out[1].printed_records(), ["(1,42.0)"]);
//! ```
//!
//! # Program settings
//!
//! Settings are inner attributes at the start of a program, before its first statement:
//!
//! * **`#![unfused]`** makes every operator materialise its output in a `Vec` instead of
//!   fusing the narrow operators into one loop; the results are the same. It exists to
//!   measure what fusion buys. `#![fused]` is the default.
//! * **`#![checkpoint(dir)]`** and **`#![checkpoint(dir, 10s)]`** make the job checkpoint into
//!   the directory `dir` (any expression of a type that is `Into<PathBuf>`, evaluated when
//!   the job is built), and resume from it when it starts.
//! * **`#![crate = path]`** says where the `dstream` crate is, for a crate that re-exports it
//!   (as serde's `#[serde(crate = "...")]`): with `pub use dstream as engine;` in a crate
//!   `platform`, a program written `#![crate = platform::engine]` compiles without a direct
//!   dependency on `dstream`. The default is `::dstream`.
//!
//! A **checkpoint** is the file `dir/checkpoint-<ms>`, written after the batch at `<ms>`. It
//! holds that batch time, the batch interval, the time grid's zero time, the state of every
//! stateful operator (window buffers, incremental window tables, the state stores of
//! [`update_state_by_key`] and [`map_with_state`]) and the position of every source:
//! [`queue`]'s is the number of batches it has handed out, [`text_files`]' the names of the
//! files it has read; [`socket`] has none, so what it received after the checkpoint is lost.
//!
//! * **When.** After every batch whose time (less the zero time) is a multiple of the
//!   checkpoint interval: the second argument, which must be a positive multiple of the
//!   batch interval (a compile error otherwise), by default `B × ceil(10 s / B)` (Spark's
//!   default for stateful streams: 10 s for `every 1s`). The last batch of a graceful stop is
//!   always checkpointed. [`Job::run`](crate::Job::run) writes on a background thread, the
//!   [`Harness`](crate::testing::Harness) before `step` returns. A checkpoint is written to a
//!   temporary file, synced and renamed into place, with a length and a CRC-32 in its header;
//!   the newest 10 are kept.
//! * **Recovery.** When a job with a checkpoint setting starts ([`Job::run`](crate::Job::run),
//!   [`Harness::new`](crate::testing::Harness::new)), it loads the newest readable checkpoint
//!   in `dir`, if there is one: the operators get their state back, the sources their
//!   positions, and the job **resumes with the batch after the checkpointed one**, so the
//!   batches that ran after the last checkpoint run again (their outputs are written twice:
//!   make outputs idempotent, as [`save_as_text_files`] is, or key them by batch time). Under
//!   `Job::run`, the batch times that passed while the job was down then run back to back.
//! * **Corruption.** A truncated or corrupted checkpoint fails its length or checksum test,
//!   and recovery falls back to the previous one with a warning in the log. If no checkpoint
//!   in `dir` is readable, starting fails: it never silently starts empty.
//! * **Program changes.** State is saved under a stable id made from the operator's name as
//!   written and its position among the operators of that name, such as
//!   `update_state_by_key#0` or `reduce_by_key_and_window#1`, so editing the rest of the program
//!   keeps it. An operator whose state type changed fails the first batch with an error that
//!   names it: ``operator `update_state_by_key#0` cannot resume from the checkpoint of batch
//!   ...``. A new operator starts empty and the state of a removed one is dropped, each with a
//!   warning. A different batch interval cannot resume at all.
//! * **Types.** In a program with a checkpoint setting, the keys, values and states of every
//!   stateful operator, and the records a window keeps, must implement serde's `Serialize` and
//!   `Deserialize` (derive them for your own types); otherwise the program does not compile,
//!   with the error on the operator.
//!
//! The job below is stopped (its harness dropped, as if the process died) after the batch at
//! 3000 ms; its last checkpoint is the one of 2000 ms. The rebuilt job resumes from it and runs
//! the batch at 3000 ms again:
//!
//! ```
//! use dstream::prelude::*;
//! use dstream::testing::Harness;
//! use std::path::{Path, PathBuf};
//!
//! let dir = std::env::temp_dir().join(format!("dstream-doc-checkpoint-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir);
//! let job = |dir: &Path| {
//!     let dir: PathBuf = dir.to_path_buf();
//!     stream! {
//!         #![checkpoint(dir, 2s)]
//!         queue(vec![vec!["a"]; 10]) |> map(|w| (w, 1))
//!             |> update_state_by_key(|ones, n| {
//!                 Some(n.unwrap_or(0) + ones.len() as i32)
//!             })
//!             every 1s |> print
//!     }
//! };
//! let first = Harness::new(job(&dir)).run_batches(3).unwrap();
//! assert_eq!(first[2].printed_records(), ["(a,3)"]);
//! assert!(dir.join("checkpoint-2000").exists());
//! assert!(!dir.join("checkpoint-3000").exists()); // 3000 ms is not a checkpoint batch
//!
//! let mut resumed = Harness::new(job(&dir));
//! let out = resumed.run_batches(2).unwrap();
//! assert_eq!(out[0].time, Time::from_millis(3000)); // the batch after the checkpoint, again
//! assert_eq!(out[0].printed_records(), ["(a,3)"]); // from the state (a,2) of 2000 ms
//! assert_eq!(out[1].printed_records(), ["(a,4)"]);
//! drop(resumed);
//!
//! // A corrupt newest checkpoint: recovery falls back to the previous one.
//! let newest = dir.join("checkpoint-4000");
//! let bytes = std::fs::read(&newest).unwrap();
//! std::fs::write(&newest, &bytes[..bytes.len() / 2]).unwrap();
//! let out = Harness::new(job(&dir)).step().unwrap();
//! assert_eq!((out.time.as_millis(), out.printed_records()), (3000, vec!["(a,3)"]));
//!
//! // The same operator with another state type cannot resume, and says which operator.
//! let d = dir.clone();
//! let changed = stream! {
//!     #![checkpoint(d, 2s)]
//!     queue(vec![vec!["a"]; 10]) |> map(|w| (w, 1))
//!         |> update_state_by_key(|ones: Vec<i32>, s: Option<String>| {
//!             Some(format!("{}{}", s.unwrap_or_default(), ones.len()))
//!         })
//!         every 1s |> print
//! };
//! let error = Harness::new(changed).step().unwrap_err().to_string();
//! assert!(error.contains("operator `update_state_by_key#0` cannot resume"), "{error}");
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! # Differences from Spark
//!
//! dstream follows Spark Streaming's semantics and test vectors; where it differs, on purpose:
//!
//! * **Timeouts are eager.** [`map_with_state`] evicts a key at the first batch past its
//!   timeout; Spark evicts lazily, at the next batch whose state it checkpoints.
//! * **State needs no checkpoint.** Spark requires a checkpoint directory for
//!   `updateStateByKey`, `mapWithState` and the incremental windows (`countByWindow` uses one);
//!   here checkpointing is optional, and [`count_by_window`] is computed without an inverse.
//! * **Groups print as lists**: [`group_by_key`] prints `(a,[1, 1])`, where Spark prints
//!   `(a,CompactBuffer(1, 1))`; likewise [`group_by_key_and_window`] and [`cogroup`].
//! * **Queue sources are checkpointable**: a [`queue`]'s position is the number of batches it
//!   has handed out, and a recovered job skips them (Spark cannot checkpoint a `queueStream`).
//! * **Records are kept owned** in a window or a state store, through
//!   [`IntoOwned`](crate::IntoOwned): `&str` is kept as a `String` (a window emits it as
//!   `&str` again, [`BorrowBack`](crate::BorrowBack)); implement both for your own types
//!   with `dstream::owned_as_self!(MyType)`.
//! * **Closures get values, not RDDs**: [`transform`], [`transform_with`] and
//!   [`foreach_batch`] receive the batch's records as a `Vec`.
//! * **No exceptions from `State`**: updating a key while it times out is ignored, and
//!   updating after `remove` is allowed, where Spark throws.
//!
//! # The operators
//!
//! Each operator's page below comes from its module in the compiler (`dstream-macros`'s
//! `ops/defs/<name>.rs`), next to its code.
//!
#![doc = dstream_macros::__operator_overview!()]

dstream_macros::__operator_pages!();
