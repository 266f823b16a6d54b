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
//! **Records that enter a window or a state store become owned.** A record must outlive its
//! batch there, so it is converted with [`IntoOwned`](crate::IntoOwned): a `&str` (a
//! word of a text line) becomes a `String`, tuples, `Option`s and `Vec`s convert element by
//! element, numbers stay as they are. So `queue(lines) |> flat_map(split) |> window(2s)` gives
//! `String` records, and the keys of `update_state_by_key` are `String`s. For your own record
//! types that hold no references, implement it with `dstream::owned_as_self!(MyType);`.
//!
//! Borrowed and owned streams still combine without glue: a `union` or a join of a stream of
//! `&str` words (or `(&str, u32)` keys, `Option<&str>` keys, ...) with one of their owned
//! form (`String`, `(String, u32)`, `Option<String>`) meets in the owned form, converted as the
//! step reads each record; streams of one type combine untouched, so borrowed text stays
//! borrowed. A closure after a window or a state store takes the owned form: write
//! `|w: String|` there, not `|w: &str|` (the compiler says so, on the annotation).
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
//! * **Records become owned** when they enter a window or a state store, through
//!   [`IntoOwned`](crate::IntoOwned): `&str` becomes `String`; implement it for your
//!   own types with `dstream::owned_as_self!(MyType)`.
//! * **Closures get values, not RDDs**: [`transform`], [`transform_with`] and
//!   [`foreach_batch`] receive the batch's records as a `Vec`.
//! * **No exceptions from `State`**: updating a key while it times out is ignored, and
//!   updating after `remove` is allowed, where Spark throws.
//!
//! # The operators
//!
//! | Operator | Spark | Kind | Output per batch |
//! |---|---|---|---|
//! | [`socket(host, port, [config])`](socket) | `socketTextStream` | source | the lines received, as `&str` |
//! | [`queue(batches)`](queue) | `queueStream` | source | the next queued batch, then empty batches |
//! | [`text_files(dir)`](text_files) | `textFileStream` | source | the lines of the files new in `dir`, as `&str` |
//! | [`source(value)`](source) | `receiverStream` | source | what the source received |
//! | [`kafka(brokers, topic, [options])`](kafka) | `KafkaUtils.createDirectStream` | source | the message values, as `String` |
//! | [`nats(url, subject, [options])`](nats) | — | source | the JetStream payloads, as `String` |
//! | [`map(func)`](map) | `map` | narrow | `func(x)` for each record `x` |
//! | [`flat_map(func)`](flat_map) | `flatMap` | narrow | every item of `func(x)` |
//! | [`filter(predicate)`](filter) | `filter` | narrow | the records `x` with `predicate(&x)` |
//! | [`map_values(func)`](map_values) | `mapValues` | narrow | `(k, func(v))` |
//! | [`flat_map_values(func)`](flat_map_values) | `flatMapValues` | narrow | `(k, w)` for every `w` of `func(v)` |
//! | [`union(other, ...)`](union) | `union` | union | this stream's records, then each other stream's |
//! | [`glom`] | `glom` | reshape | one `Vec` per partition |
//! | [`map_partitions(func)`](map_partitions) | `mapPartitions` | reshape | `func(partition)`'s records, per partition |
//! | [`repartition(partitions)`](repartition) | `repartition` | reshape | the records, dealt into `partitions` partitions |
//! | [`transform(func)`](transform) | `transform` | reshape | `func(records, time)`'s records |
//! | [`reduce_by_key(func, [partitions])`](reduce_by_key) | `reduceByKey` | shuffle | one `(k, v)` per distinct key |
//! | [`combine_by_key(create, merge_value, merge_combiners, [partitions])`](combine_by_key) | `combineByKey` | shuffle | one `(k, combiner)` per distinct key |
//! | [`group_by_key([partitions])`](group_by_key) | `groupByKey` | shuffle | one `(k, Vec<v>)` per distinct key |
//! | [`count_by_value([partitions])`](count_by_value) | `countByValue` | shuffle | one `(x, u64)` per distinct record |
//! | [`count`] | `count` | shuffle | one `u64`, `0` for an empty batch |
//! | [`reduce(func)`](reduce) | `reduce` | shuffle | one record, none for an empty batch |
//! | [`transform_with(other, func)`](transform_with) | `transformWith` | two streams | `func(records, other_records, time)`'s records |
//! | [`join(other, [partitions])`](join) | `join` | two streams | `(k, (v, w))` for every pair of values of a key in both |
//! | [`left_outer_join(other, [partitions])`](left_outer_join) | `leftOuterJoin` | two streams | `(k, (v, Option<w>))` for every `v` |
//! | [`right_outer_join(other, [partitions])`](right_outer_join) | `rightOuterJoin` | two streams | `(k, (Option<v>, w))` for every `w` |
//! | [`full_outer_join(other, [partitions])`](full_outer_join) | `fullOuterJoin` | two streams | `(k, (Option<v>, Option<w>))` for every value of either |
//! | [`cogroup(other, [partitions])`](cogroup) | `cogroup` | two streams | one `(k, (Vec<v>, Vec<w>))` per key of either |
//! | [`window(length, [slide])`](window) | `window` | window | at each slide, the records of the last `length` |
//! | [`reduce_by_key_and_window(func, [inverse], length, [slide], [filter])`](reduce_by_key_and_window) | `reduceByKeyAndWindow` | window | at each slide, one `(k, v)` per key of the window |
//! | [`reduce_by_window(func, [inverse], length, [slide])`](reduce_by_window) | `reduceByWindow` | window | at each slide, one record; none for an empty window (with `inverse`: the inverse's zero once a record was seen) |
//! | [`count_by_window(length, [slide])`](count_by_window) | `countByWindow` | window | at each slide, one `u64`, `0` for an empty window |
//! | [`count_by_value_and_window(length, [slide])`](count_by_value_and_window) | `countByValueAndWindow` | window | at each slide, one `(x, u64)` per distinct record |
//! | [`group_by_key_and_window(length, [slide])`](group_by_key_and_window) | `groupByKeyAndWindow` | window | at each slide, one `(k, Vec<v>)` per key |
//! | [`update_state_by_key(func, [initial])`](update_state_by_key) | `updateStateByKey` | state | every key's state, `(k, s)` |
//! | [`map_with_state(func, [initial], [timeout])`](map_with_state) | `mapWithState` | state | what `func(k, value, state)` returns, per record |
//! | [`state_snapshots`] | `stateSnapshots` | state | every key's state after the batch, `(k, s)` |
//! | [`print([num])`](mod@print) | `print` | output | prints the batch as Spark does |
//! | [`foreach_batch(func)`](foreach_batch) | `foreachRDD` | output | calls `func(records, time)` |
//! | [`foreach_partition(func)`](foreach_partition) | `foreachRDD` + `foreachPartition` | output | calls `func(records, time, partition)` per partition |
//! | [`save_as_text_files(prefix, [suffix])`](save_as_text_files) | `saveAsTextFiles` | output | writes the directory `prefix-<ms>[.suffix]` |
//! | [`dashboard(address)`](dashboard) | none | output | serves a live web page of the `(label, number)` records |
//! | [`to_kafka(brokers, topic)`](to_kafka) | `foreachRDD` + a producer | output | writes the records as messages of `topic`, at least once |

pub mod socket {
    //! `socket(host, port, [config])`: the lines of text a TCP server sends, one record per
    //! line.
    //!
    //! **Spark:** `StreamingContext.socketTextStream(host, port)`.
    //!
    //! # Semantics
    //!
    //! * The job connects as a TCP **client** to `host:port` (`host`: anything
    //!   `Into<String>`; `port`: a `u16`) when it starts, and reads on a receiver thread of
    //!   its own.
    //! * Every `\n`-terminated line is one record of type `&str` (a slice of the batch's
    //!   buffer, without the `\n` and without a `\r` before it). A final line without a
    //!   terminator counts when the server closes the connection.
    //! * The batch at time `T` holds every line received after the previous batch's cut and
    //!   up to `T`, in arrival order. An interval in which nothing arrived gives an empty
    //!   batch.
    //! * The connection never stops the job: a refused connection, an end of stream or a read
    //!   error is logged, counted in the job's [metrics](crate::metrics) and followed by a
    //!   reconnection with exponential backoff, as Spark's receiver restarts itself.
    //! * Bad input is dropped, not fatal: a line that is not valid UTF-8, or is longer than
    //!   `max_line_bytes`, is dropped, counted (`malformed_not_utf8`, `malformed_too_long`),
    //!   logged and, if `malformed_path` is set, appended to that file.
    //! * Backpressure: the receiver hands blocks to the batch loop through a buffer bounded in
    //!   bytes (`max_buffered_bytes`); when the job falls behind, the receiver stops reading
    //!   and TCP flow control slows the sender.
    //!
    //! Differences from Spark, whose receiver reads with Java's `BufferedReader.readLine`: a
    //! lone `\r` does not end a line here, and invalid UTF-8 is dropped and counted rather
    //! than decoded to `U+FFFD`.
    //!
    //! # Configuration
    //!
    //! The optional third argument is a
    //! [`SocketConfig`](crate::source::socket::SocketConfig):
    //!
    //! | Field | Default | Meaning |
    //! |---|---|---|
    //! | `max_line_bytes` | 1 MiB | longest accepted line (terminator excluded); longer lines are dropped |
    //! | `initial_backoff` | 100 ms | delay before the first reconnection; doubles after each failure |
    //! | `max_backoff` | 5 s | upper bound of the reconnection delay |
    //! | `max_buffered_bytes` | 256 MiB | received bytes waiting for the batch loop; past this the receiver stops reading (backpressure onto TCP), so it also caps the intake at about this much per batch interval |
    //! | `write_ahead_log` | `None` | directory of a write-ahead log: every block is synced there before it counts as received and replayed after a crash (no loss; with `#![checkpoint]`, which trims it, a batch that runs again takes exactly the blocks of its first run) |
    //! | `malformed_path` | `None` | file to which dropped lines are appended |
    //! | `connect_timeout` | 1 s | timeout of one connection attempt |
    //!
    //! # Example
    //!
    //! Spark's quick-start word count, reading what you type into `nc -lk 9999`:
    //!
    //! ```no_run
    //! use dstream::prelude::*;
    //! use dstream::source::socket::SocketConfig;
    //!
    //! fn main() -> dstream::Result<()> {
    //!     let config = SocketConfig {
    //!         max_line_bytes: 64 * 1024,
    //!         max_backoff: std::time::Duration::from_secs(1),
    //!         malformed_path: Some("malformed-lines.txt".into()),
    //!         ..SocketConfig::default()
    //!     };
    //!     let job = stream! {
    //!         socket("localhost", 9999, config)
    //!             |> flat_map(split)
    //!             |> map(|w| (w, 1))
    //!             |> reduce_by_key(+) every 1s
    //!             |> print
    //!     };
    //!     job.run() // until Ctrl-C
    //! }
    //! ```
    //!
    //! The same job under the test harness, against a
    //! [`LineServer`](crate::feed::LineServer) on a free local port:
    //!
    //! ```
    //! use dstream::feed::LineServer;
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let lines = vec!["to be or".to_string(), "not to be".to_string()];
    //! let server = LineServer::start("127.0.0.1:0", lines.into_iter(), None).unwrap();
    //! let port = server.local_addr().port();
    //! let job = stream! {
    //!     socket("127.0.0.1", port) |> flat_map(split) |> map(|w| (w, 1))
    //!         |> reduce_by_key(+) every 1s |> print
    //! };
    //! let mut harness = Harness::new(job);
    //! harness.start().unwrap();
    //! // Both lines (9 + 10 bytes) have arrived before the first batch at 1000 ms.
    //! let arrived = harness.wait_for(std::time::Duration::from_secs(10), |m| {
    //!     m.bytes_received >= 19
    //! });
    //! assert!(arrived);
    //! let out = harness.step().unwrap();
    //! let mut counts = out.printed_records();
    //! counts.sort();
    //! assert_eq!(counts, ["(be,2)", "(not,1)", "(or,1)", "(to,2)"]);
    //! server.stop();
    //! ```
}

pub mod queue {
    //! `queue(batches)`: a fixed list of batches, one per batch time, then empty batches.
    //!
    //! **Spark:** `StreamingContext.queueStream(queue, oneAtATime = true)`.
    //!
    //! # Semantics
    //!
    //! * `batches` is any expression whose value is an `IntoIterator` of `IntoIterator`s of
    //!   records (for example a `Vec<Vec<T>>`). It is evaluated once, when the job is built;
    //!   the records are owned values of type `T`.
    //! * The batch at the `k`-th batch time (1000, 2000, ... ms with `every 1s` under the
    //!   [`Harness`](crate::testing::Harness)) holds the `k`-th queued batch. A queued empty
    //!   batch is an empty batch. When the queue runs out, every later batch is empty (Spark
    //!   returns an empty RDD then).
    //! * Each batch is cut into the job's partitions contiguously, as Spark's `parallelize`
    //!   does.
    //!
    //! Unlike Spark's `queueStream`, whose queue the program can keep filling while the job
    //! runs, the batches are fixed when the job is built. The source is meant for tests and
    //! demonstrations.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3], vec![], vec![4]]) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let times: Vec<u64> = out.iter().map(|b| b.time.as_millis()).collect();
    //! assert_eq!(times, [1000, 2000, 3000, 4000]);
    //! assert_eq!(out[0].printed_records(), ["1", "2", "3"]);
    //! assert!(out[1].printed_records().is_empty()); // a queued empty batch
    //! assert_eq!(out[2].printed_records(), ["4"]);
    //! assert!(out[3].printed_records().is_empty()); // the queue has run out
    //! ```
}

pub mod text_files {
    //! `text_files(dir)`: the lines of the new files that appear in a directory, one record per
    //! line.
    //!
    //! **Spark:** `StreamingContext.textFileStream(directory)`.
    //!
    //! # Semantics
    //!
    //! * `dir` is any expression of a type that is `Into<PathBuf>`, evaluated once when the job is
    //!   built. Every batch, the source lists the directory (not its sub-directories) and reads
    //!   the files that are new. It needs no receiver thread: the listing happens when the batch
    //!   is cut.
    //! * Every line of a new file is one record of type `&str`, without its `\n` and without a
    //!   `\r` before it; a final line without a terminator counts. A line that is not valid UTF-8
    //!   is dropped, counted (`malformed_not_utf8` in the job's [metrics](crate::metrics)) and
    //!   logged. The files of a batch are read oldest first (by modification time, then name),
    //!   each in order.
    //! * Spark's rules, which users rely on:
    //!   * A file belongs to a batch by its **modification time**, not by when it was created:
    //!     the batch at time `T` reads the new files modified at or before `T`. Setting a file's
    //!     modification time can therefore move it into a later batch.
    //!   * Files should appear **atomically**: write them elsewhere (or under an ignored name),
    //!     then rename them into `dir`. A file that was read is never read again, so appending to
    //!     it or rewriting it later is ignored.
    //!   * Names starting with `.` are ignored, and so are names ending in `.tmp` or `_COPYING_`
    //!     and sub-directories.
    //!   * Files modified more than 60 seconds (Spark's `minRememberDuration`) before the batch are
    //!     ignored, and so are the files that were already there when the job first started
    //!     (Spark's `newFilesOnly`).
    //! * A directory that cannot be listed, or a file that cannot be read, is logged and tried
    //!   again at the next batch.
    //! * **Exactly once across crashes**, with a checkpoint (see
    //!   [Program settings](super#program-settings)): the names of the files read are the
    //!   source's checkpoint position. A restarted job reads none of the files it had read by the
    //!   checkpoint, and a batch that runs again after the crash reads the files it read the first
    //!   time, so no line is lost or read twice. This is the only source for which Spark promises
    //!   it too.
    //!
    //! # Example
    //!
    //! A job that counts the words of the files dropped into a directory, until Ctrl-C:
    //!
    //! ```no_run
    //! use dstream::prelude::*;
    //!
    //! fn main() -> dstream::Result<()> {
    //!     let job = stream! {
    //!         #![checkpoint("/var/lib/wordcount/checkpoints")]
    //!         text_files("/var/lib/wordcount/incoming")
    //!             |> flat_map(split) |> map(|w| (w, 1))
    //!             |> reduce_by_key(+) every 10s
    //!             |> print
    //!     };
    //!     job.run()
    //! }
    //! ```
    //!
    //! Under the [`Harness`](crate::testing::Harness), whose clock starts at 0, the example sets
    //! the files' modification times to place them in batches; a real job sees files written now,
    //! at the current batch. The job is then dropped and rebuilt from its checkpoint, and reads
    //! only the file that is new:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::path::{Path, PathBuf};
    //! use std::time::{Duration as StdDuration, UNIX_EPOCH};
    //!
    //! let root = std::env::temp_dir().join(format!("dstream-doc-files-{}", std::process::id()));
    //! let (input, checkpoints) = (root.join("in"), root.join("checkpoints"));
    //! let _ = std::fs::remove_dir_all(&root);
    //! std::fs::create_dir_all(&input).unwrap();
    //! // Writes a file and sets its modification time to `ms` after the epoch.
    //! let put = |name: &str, text: &str, ms: u64| {
    //!     std::fs::write(input.join(name), text).unwrap();
    //!     let file = std::fs::File::options().write(true).open(input.join(name)).unwrap();
    //!     file.set_modified(UNIX_EPOCH + StdDuration::from_millis(ms)).unwrap();
    //! };
    //! let job = |input: &Path, checkpoints: &Path| {
    //!     let (input, checkpoints): (PathBuf, PathBuf) = (input.into(), checkpoints.into());
    //!     stream! {
    //!         #![checkpoint(checkpoints, 1s)]
    //!         text_files(input) every 1s |> print
    //!     }
    //! };
    //!
    //! put("a.txt", "one\ntwo\n", 1500); // modified at 1500 ms: the batch at 2000 ms
    //! put(".a.txt.swp", "hidden\n", 1500); // ignored: a hidden name
    //! put("b.txt", "three\r\nfour", 2500); // the batch at 3000 ms
    //! let out = Harness::new(job(&input, &checkpoints)).run_batches(3).unwrap();
    //! assert!(out[0].printed_records().is_empty());
    //! assert_eq!(out[1].printed_records(), ["one", "two"]);
    //! assert_eq!(out[2].printed_records(), ["three", "four"]);
    //!
    //! // The job is gone. A new file arrives, and a file already read is rewritten.
    //! put("c.txt", "five\n", 3500);
    //! put("a.txt", "one\ntwo\nsix\n", 3600);
    //! let out = Harness::new(job(&input, &checkpoints)).step().unwrap();
    //! assert_eq!(out.time, Time::from_millis(4000));
    //! assert_eq!(out.printed_records(), ["five"]); // a.txt is not read again
    //! std::fs::remove_dir_all(&root).unwrap();
    //! ```
}

pub mod source {
    //! `source(value)`: any value implementing [`Source`](crate::source::Source) as the start
    //! of a pipeline: your own receiver, or a source built outside the program.
    //!
    //! **Spark:** `StreamingContext.receiverStream(receiver)` (a custom receiver) and the input
    //! streams of connectors.
    //!
    //! # Semantics
    //!
    //! * `value` is evaluated once, when the job is built, and moved into the job. Its batches
    //!   are cut like every source's: what arrived in `(t - B, t]` is batch `t`, split into the
    //!   job's partitions.
    //! * A source that records durably what each batch holds (files, offsets, a write-ahead log)
    //!   gives exactly-once recovery; see [`fault_tolerance`](crate::fault_tolerance).
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let built_outside = dstream::source::queue::QueueSource::new(vec![vec![1, 2], vec![3]]);
    //! let job = stream! { source(built_outside) |> map(|x| x * 10) every 1s |> print };
    //! let out = Harness::new(job).with_parallelism(1).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["10", "20"]);
    //! assert_eq!(out[1].printed_records(), ["30"]);
    //! ```
}

pub mod map {
    //! `map(func)`: one record out per record in.
    //!
    //! **Spark:** `DStream.map`.
    //!
    //! # Semantics
    //!
    //! * Each record `x` becomes `func(x)`; `func` takes the record by value and may change
    //!   its type.
    //! * Narrow: fused into the surrounding loop, partition order kept. An empty batch gives
    //!   an empty batch.
    //!
    //! # Example
    //!
    //! Spark's `map(toString)` vector (docs/semantics.md E1). The records keep their order
    //! across the harness's 2 partitions:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
    //!         |> map(|x: i32| format!("<{x}>")) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["<1>", "<2>", "<3>", "<4>"]);
    //! assert_eq!(out[1].printed_records(), ["<5>", "<6>", "<7>", "<8>"]);
    //! ```
}

pub mod flat_map {
    //! `flat_map(func)`: any number of records out per record in.
    //!
    //! **Spark:** `DStream.flatMap`.
    //!
    //! # Semantics
    //!
    //! * `func(x)` returns anything iterable (`Vec`, array, `Option`, an iterator); each of
    //!   its items is a record, in the iterator's order. A record for which it yields nothing
    //!   disappears.
    //! * `flat_map(split)` splits `&str` lines into words on ASCII whitespace without
    //!   allocating ([`split`](crate::text::split), in the prelude), 64 bytes at a time. When
    //!   it is the first operator after a text source (`socket`, `text_files`,
    //!   `QueueSource::text`), the whole partition's text is scanned as one block, with the
    //!   same words as line by line; a `split` of your own runs line by line as written.
    //! * Narrow: fused, partition order kept.
    //!
    //! # Example
    //!
    //! Spark's `flatMap(x => Seq(x, x * 2))` vector (E1):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4]]) |> flat_map(|x| [x, 2 * x]) every 1s |> print(100)
    //! };
    //! let out = Harness::new(job).run_batches(1).unwrap();
    //! assert_eq!(
    //!     out[0].printed_records(),
    //!     ["1", "2", "2", "4", "3", "6", "4", "8"]
    //! );
    //!
    //! let words = stream! {
    //!     queue(vec![vec!["to be", "", "  or not "]]) |> flat_map(split) every 1s |> print
    //! };
    //! let out = Harness::new(words).run_batches(1).unwrap();
    //! assert_eq!(out[0].printed_records(), ["to", "be", "or", "not"]);
    //! ```
}

pub mod filter {
    //! `filter(predicate)`: keeps the records for which the predicate holds.
    //!
    //! **Spark:** `DStream.filter`.
    //!
    //! # Semantics
    //!
    //! * `predicate` takes the record **by reference** (`&T`) and returns `bool`; the
    //!   records for which it returns `true` pass unchanged, the others are dropped.
    //! * Narrow: fused, partition order kept.
    //!
    //! # Example
    //!
    //! Spark's `filter(_ % 2 == 0)` vector (E1):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
    //!         |> filter(|x| x % 2 == 0) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["2", "4"]);
    //! assert_eq!(out[1].printed_records(), ["6", "8"]);
    //! ```
}

pub mod map_values {
    //! `map_values(func)`: maps the value of each `(key, value)` pair, keeping the key.
    //!
    //! **Spark:** `PairDStreamFunctions.mapValues`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` (anything else is a compile error that says so);
    //!   each `(k, v)` becomes `(k, func(v))`. `func` takes the value by value.
    //! * Narrow: fused, partition order kept. After a keyed shuffle it keeps that shuffle's
    //!   partitioning.
    //!
    //! # Example
    //!
    //! Spark's `reduceByKey(_ + _).mapValues(_ + 10)` vector (E4); the output of
    //! `reduce_by_key` has no order, so it is compared sorted:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a", "a", "b"]]) |> map(|x| (x, 1)) |> reduce_by_key(+)
    //!         |> map_values(|v| v + 10) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(1).unwrap();
    //! let mut records = out[0].printed_records();
    //! records.sort();
    //! assert_eq!(records, ["(a,12)", "(b,11)"]);
    //! ```
}

pub mod flat_map_values {
    //! `flat_map_values(func)`: any number of values per `(key, value)` pair, each paired with
    //! the key.
    //!
    //! **Spark:** `PairDStreamFunctions.flatMapValues`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)`; `func(v)` returns anything iterable, and each
    //!   of its items `w` gives a record `(k, w)` (the key is cloned, so `K: Clone`). A pair
    //!   for which `func` yields nothing disappears.
    //! * Narrow: fused, partition order kept.
    //!
    //! # Example
    //!
    //! Spark's `reduceByKey(_ + _).flatMapValues(x => Seq(x, x + 10))` vector (E4), with
    //! the empty-string key, which prints as `(,2)`:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a", "a", "b"], vec!["", ""]]) |> map(|x| (x, 1))
    //!         |> reduce_by_key(+) |> flat_map_values(|v| [v, v + 10]) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! let mut first = out[0].printed_records();
    //! first.sort();
    //! assert_eq!(first, ["(a,12)", "(a,2)", "(b,1)", "(b,11)"]);
    //! // The values of one pair keep their order: (,2) comes before (,12).
    //! assert_eq!(out[1].printed_records(), ["(,2)", "(,12)"]);
    //! ```
}

pub mod union {
    //! `union(other, ...)`: the records of this stream, then those of each named stream.
    //!
    //! **Spark:** `DStream.union(other)`, `StreamingContext.union(streams)`.
    //!
    //! # Semantics
    //!
    //! * The arguments are one or more names of `let` streams (`union(b)`, `union(b, c)`);
    //!   any other argument is a compile error. All streams must have the same record type.
    //! * The batch's partitions are this stream's partitions followed by each argument's, in
    //!   the order written, as Spark concatenates them: a stream of `n` partitions united
    //!   with one of `m` has `n + m`. No records are moved or merged; duplicates stay.
    //! * All streams of a program share the batch interval, so their batches always line up
    //!   (Spark requires equal slide durations).
    //!
    //! # Example
    //!
    //! Spark's `union` vector (E5): `s.union(s.map(_ + 4))`, self first, ordered:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let input = vec![vec![1, 2, 3, 4], vec![101, 102, 103, 104]];
    //! let job = stream! {
    //!     let shifted = queue(input.clone()) |> map(|x| x + 4);
    //!     queue(input) |> union(shifted) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["1", "2", "3", "4", "5", "6", "7", "8"]);
    //! assert_eq!(
    //!     out[1].printed_records(),
    //!     ["101", "102", "103", "104", "105", "106", "107", "108"]
    //! );
    //! ```
}

pub mod glom {
    //! `glom`: each partition becomes one record, the `Vec` of its records.
    //!
    //! **Spark:** `DStream.glom()`.
    //!
    //! # Semantics
    //!
    //! * Takes no arguments (write `glom` or `glom()`). Every partition of the batch becomes one
    //!   record `Vec<T>` holding its records in order, in a partition of its own; an empty
    //!   partition gives an empty `Vec`. The output depends on the partitioning, as in Spark.
    //! * It needs whole partitions, so it ends a stage; the narrow operators before it are fused
    //!   into that stage.
    //! * A `Vec` prints as `[1, 2]`.
    //!
    //! # Example
    //!
    //! Spark's `glom` vector (E2): the harness's 2 partitions cut each batch of 4 in halves.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![]]) |> glom every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! assert_eq!(out[0].printed_records(), ["[1, 2]", "[3, 4]"]);
    //! assert_eq!(out[1].printed_records(), ["[5, 6]", "[7, 8]"]);
    //! assert_eq!(out[2].printed_records(), ["[]", "[]"]); // an empty batch: two empty partitions
    //! ```
}

pub mod map_partitions {
    //! `map_partitions(func)`: `func` gets one partition's records and returns its new records.
    //!
    //! **Spark:** `DStream.mapPartitions(func)`.
    //!
    //! # Semantics
    //!
    //! * `func` is called once per partition with an iterator over the partition's records (a
    //!   `std::vec::IntoIter<T>`, records by value, in order) and returns anything iterable; its
    //!   items are the partition's new records, in the iterator's order. The number of partitions
    //!   does not change; an empty partition calls `func` with an empty iterator.
    //! * Use it to pay a cost once per partition rather than once per record (a connection, a
    //!   buffer, a model), as in Spark.
    //! * It needs whole partitions, so it ends a stage. The partitions run as tasks in parallel.
    //!
    //! # Example
    //!
    //! Spark's `mapPartitions(_.sum)` vector (E2):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
    //!         |> map_partitions(|records| std::iter::once(records.sum::<i32>())) every 1s
    //!         |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["3", "7"]); // [1, 2] and [3, 4]
    //! assert_eq!(out[1].printed_records(), ["11", "15"]);
    //! ```
}

pub mod repartition {
    //! `repartition(partitions)`: deals the records of the batch into exactly `partitions`
    //! partitions.
    //!
    //! **Spark:** `DStream.repartition(numPartitions)`.
    //!
    //! # Semantics
    //!
    //! * `partitions` is a `usize` expression, evaluated once when the job is built (`0` counts as
    //!   `1`). Every batch, including an empty one, then has exactly that many partitions.
    //! * Each input partition deals its records round-robin, in order, starting at the partition
    //!   of its own index: the `k`-th record of input partition `i` goes to partition
    //!   `(i + k) % partitions`, and a partition holds its records by input partition, then in
    //!   order. Spark deals the same way but starts each input partition at a random position,
    //!   so which record lands where is not deterministic there; it is here. An input partition
    //!   is dealt without knowing the others' sizes, so the deal is one exchange.
    //! * Use it to spread a batch over more tasks before expensive narrow operators, or to gather
    //!   it into fewer. The shuffles after it still use their own partition count (their
    //!   `partitions` argument or the job's number).
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![(1..=10).collect::<Vec<i32>>(), vec![]]) |> repartition(3) |> glom every 1s
    //!         |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! // The batch arrives in two partitions, [1..=5] and [6..=10]: the first deals from
    //! // partition 0, the second from partition 1.
    //! assert_eq!(out[0].printed_records(), ["[1, 4, 8]", "[2, 5, 6, 9]", "[3, 7, 10]"]);
    //! assert_eq!(out[1].printed_records(), ["[]", "[]", "[]"]);
    //! ```
}

pub mod transform {
    //! `transform(func)`: `func(records, time)` gets all records of the batch and returns the new
    //! ones.
    //!
    //! **Spark:** `DStream.transform((rdd, time) => ...)`.
    //!
    //! # Semantics
    //!
    //! * Once per batch, including an empty one, the batch's records are gathered from all
    //!   partitions, in partition order, into a `Vec<T>`, and `func(records, time)` is called with
    //!   it and the batch [`Time`](crate::Time). It returns anything iterable; its items are the
    //!   new records, in order, cut again into the job's number of partitions contiguously. So
    //!   the order `func` gives is the order an output sees.
    //! * `func` takes both arguments; write `|records, _| ...` when the time is not needed. It is
    //!   called on the batch loop's thread, between the stages before and after it (Spark calls
    //!   its function on the driver every batch).
    //! * It is the escape hatch for what no operator does: sorting a batch, taking its top
    //!   records, joining it with a static table.
    //! * Unlike Spark's `transform`, whose function maps an RDD to another RDD, `func` receives the
    //!   records themselves.
    //!
    //! # Example
    //!
    //! Sorting each batch, and tagging the records with the batch time:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![3, 1, 2], vec![5, 4]])
    //!         |> transform(|mut records, time| {
    //!             records.sort();
    //!             records.into_iter().map(move |x| (time.as_millis(), x))
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["(1000,1)", "(1000,2)", "(1000,3)"]);
    //! assert_eq!(out[1].printed_records(), ["(2000,4)", "(2000,5)"]);
    //! ```
    //!
    //! Spark's stream–dataset join, `transform(rdd => rdd.join(table))`, with a table captured by
    //! the closure:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::collections::HashMap;
    //!
    //! let names: HashMap<u32, &str> = HashMap::from([(1, "ada"), (2, "grace")]);
    //! let job = stream! {
    //!     queue(vec![vec![(2, 10), (3, 5), (1, 7)]])
    //!         |> transform(|records, _| {
    //!             records.into_iter().filter_map(|(id, n)| Some((*names.get(&id)?, n))).collect::<Vec<_>>()
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).step().unwrap();
    //! assert_eq!(out.printed_records(), ["(grace,10)", "(ada,7)"]);
    //! ```
}

pub mod reduce_by_key {
    //! `reduce_by_key(func, [partitions])`: combines the values of each key in the batch.
    //!
    //! **Spark:** `PairDStreamFunctions.reduceByKey(func[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
    //!   `(k, v)` per distinct key of the batch, where `v` combines all of the key's values
    //!   in the batch with `func`.
    //! * `func` is a closure `|a, b| ...` of two values returning a value of the same type,
    //!   or a shorthand: `+`, `*`, `min`, `max` (the value type must then implement `Add`,
    //!   `Mul` or `Ord`; the compiler says so if it does not). It should be associative and
    //!   commutative, as in Spark: values are combined within each partition first
    //!   (map-side), then across partitions.
    //! * An empty batch gives an empty output, not a record per key seen before: there is no
    //!   state across batches.
    //! * Shuffle: the output is hash-partitioned by key into `partitions` partitions (a
    //!   `usize` expression; by default the job's number of partitions). The order of the
    //!   output records is unspecified.
    //! * The table that combines a partition's values is picked from the key's type when the
    //!   program compiles: `&str` keys get a table that keeps short keys inline
    //!   (`short_keys::StrTable`); a key type that implements
    //!   [`DenseKey`](crate::DenseKey) (`bool`, or an enum or a small-integer
    //!   newtype of yours) an array indexed by the key; any other key a hash table. The
    //!   results are the same.
    //!
    //! # Example
    //!
    //! Spark's `reduceByKey(_ + _)` vector (E4):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a", "a", "b"], vec!["", ""], vec![]])
    //!         |> map(|x| (x, 1)) |> reduce_by_key(+) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! let mut first = out[0].printed_records();
    //! first.sort();
    //! assert_eq!(first, ["(a,2)", "(b,1)"]);
    //! assert_eq!(out[1].printed_records(), ["(,2)"]);
    //! assert!(out[2].printed_records().is_empty());
    //! ```
    //!
    //! An enum key numbered by [`DenseKey`](crate::DenseKey): counted in an array,
    //! as a hand-written loop would:
    //!
    //! ```
    //! use dstream::DenseKey;
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! // Serde: records that cross an exchange need it with the `cluster` feature.
    //! #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    //! enum Status { Purchased, Shipped }
    //!
    //! impl DenseKey for Status {
    //!     const CARDINALITY: usize = 2;
    //!     fn index(self) -> usize {
    //!         self as usize
    //!     }
    //! }
    //!
    //! impl Render for Status {
    //!     fn render(&self, out: &mut String) {
    //!         out.push_str(&format!("{self:?}"));
    //!     }
    //! }
    //!
    //! let events = vec![vec![Status::Shipped, Status::Purchased, Status::Shipped]];
    //! let job = stream! {
    //!     queue(events) |> map(|s| (s, 1)) |> reduce_by_key(+) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(1).unwrap();
    //! let mut records = out[0].printed_records();
    //! records.sort();
    //! assert_eq!(records, ["(Purchased,1)", "(Shipped,2)"]);
    //! ```
    //!
    //! The `max` shorthand with an explicit partition count, and a closure:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let readings = vec![vec![("x", 3), ("y", 1), ("x", 7), ("y", 4), ("x", 5)]];
    //! let job = stream! {
    //!     queue(readings) |> reduce_by_key(max, 4) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(1).unwrap();
    //! let mut records = out[0].printed_records();
    //! records.sort();
    //! assert_eq!(records, ["(x,7)", "(y,4)"]);
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("x", 2), ("x", 3), ("y", 4)]])
    //!         |> reduce_by_key(|a, b| a * b) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(1).unwrap();
    //! let mut records = out[0].printed_records();
    //! records.sort();
    //! assert_eq!(records, ["(x,6)", "(y,4)"]); // a key with one value: `func` is not called
    //! ```
}

pub mod combine_by_key {
    //! `combine_by_key(create_combiner, merge_value, merge_combiners, [partitions])`: combines the
    //! values of each key in the batch into a value of another type.
    //!
    //! **Spark:** `PairDStreamFunctions.combineByKey(createCombiner, mergeValue, mergeCombiners,
    //! partitioner)`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
    //!   `(k, c)` per distinct key of the batch, where the combiner `c` may have any type `C`:
    //!   * within each partition, a key's first value `v` becomes `create_combiner(v)`, and each
    //!     next value is folded in with `merge_value(c, v)`;
    //!   * across partitions, the combiners of a key are merged with `merge_combiners(c1, c2)`.
    //! * So `create_combiner` may be called several times for one key, once per partition that
    //!   holds it; `merge_combiners` should be associative and commutative, as in Spark. It is
    //!   [`reduce_by_key`](super::reduce_by_key) with a combiner type of its own (`reduce_by_key(f)`
    //!   is `combine_by_key(|v| v, f, f)`), and what [`group_by_key`](super::group_by_key) is made
    //!   of.
    //! * An empty batch gives an empty output. Shuffle: hash-partitioned by key into `partitions`
    //!   partitions (by default the job's number); the order of the output records is
    //!   unspecified.
    //!
    //! # Example
    //!
    //! The average per key, with a `(sum, count)` combiner:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1.0), ("b", 4.0), ("a", 3.0)]])
    //!         |> combine_by_key(
    //!             |v| (v, 1),
    //!             |(sum, n), v| (sum + v, n + 1),
    //!             |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2)
    //!         )
    //!         |> map_values(|(sum, n)| sum / f64::from(n)) every 1s
    //!         |> print
    //! };
    //! let out = Harness::new(job).step().unwrap();
    //! let mut averages = out.printed_records();
    //! averages.sort();
    //! assert_eq!(averages, ["(a,2.0)", "(b,4.0)"]);
    //! ```
    //!
    //! Which function sees which value: the harness's 2 partitions are `[(a,1), (a,2)]` and
    //! `[(b,3), (a,4)]`, so `a` gets a combiner in each and they are merged:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1), ("a", 2), ("b", 3), ("a", 4)]])
    //!         |> combine_by_key(
    //!             |v| v.to_string(),
    //!             |c, v| format!("{c}+{v}"),
    //!             |c1, c2| format!("({c1}) ({c2})")
    //!         ) every 1s
    //!         |> print
    //! };
    //! let out = Harness::new(job).step().unwrap();
    //! let mut records = out.printed_records();
    //! records.sort();
    //! assert_eq!(records, ["(a,(1+2) (4))", "(b,3)"]);
    //! ```
}

pub mod group_by_key {
    //! `group_by_key([partitions])`: collects the values of each key in the batch.
    //!
    //! **Spark:** `PairDStreamFunctions.groupByKey([numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
    //!   `(k, Vec<V>)` per distinct key of the batch, holding all of the key's values in the
    //!   batch. The order of the values within a group is unspecified, as in Spark.
    //! * An empty batch gives an empty output.
    //! * Shuffle: hash-partitioned by key into `partitions` partitions (by default the job's
    //!   number); the order of the output records is unspecified.
    //! * A group prints as a list, `(a,[1, 1])`; Spark prints its `Iterable` as
    //!   `(a,CompactBuffer(1, 1))`.
    //!
    //! Prefer [`reduce_by_key`](super::reduce_by_key) when the values are only combined: it
    //! combines them before the shuffle instead of moving every value.
    //!
    //! # Example
    //!
    //! Spark's `groupByKey` vector (E4); the groups are sorted before printing, to compare
    //! them as Spark's suite does:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1), ("b", 1), ("a", 1)], vec![("", 1), ("", 1)], vec![]])
    //!         |> group_by_key
    //!         |> map_values(|mut values: Vec<i32>| { values.sort(); values }) every 1s
    //!         |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! let mut first = out[0].printed_records();
    //! first.sort();
    //! assert_eq!(first, ["(a,[1, 1])", "(b,[1])"]);
    //! assert_eq!(out[1].printed_records(), ["(,[1, 1])"]);
    //! assert!(out[2].printed_records().is_empty());
    //! ```
}

pub mod count_by_value {
    //! `count_by_value([partitions])`: counts each distinct record in the batch.
    //!
    //! **Spark:** `DStream.countByValue([numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * The records must be `Hash + Eq`. The output has one record `(x, n)` per distinct
    //!   record `x` of the batch, with `n: u64` its number of occurrences (Spark's `Long`).
    //!   It is `map(|x| (x, 1u64)) |> reduce_by_key(+)`, as in Spark.
    //! * An empty batch gives an empty output.
    //! * Shuffle: hash-partitioned into `partitions` partitions (by default the job's
    //!   number); the order of the output records is unspecified.
    //!
    //! # Example
    //!
    //! Spark's `countByValue` vector (E3):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1], vec![1, 1, 1], vec![1, 2], vec![1, 1, 2, 2]])
    //!         |> count_by_value every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(5).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(1,1)"]);
    //! assert_eq!(sorted(1), ["(1,3)"]);
    //! assert_eq!(sorted(2), ["(1,1)", "(2,1)"]);
    //! assert_eq!(sorted(3), ["(1,2)", "(2,2)"]);
    //! assert!(sorted(4).is_empty()); // past the queue: an empty batch
    //! ```
}

pub mod count {
    //! `count`: the number of records in the batch.
    //!
    //! **Spark:** `DStream.count()`.
    //!
    //! # Semantics
    //!
    //! * Takes no arguments (write `count` or `count()`). The output of every batch is
    //!   exactly one record, a `u64` (Spark's `Long`), in a single partition.
    //! * **An empty batch gives `0`**, not an empty output (Spark unions in a zero count to
    //!   get the same). Compare [`reduce`](super::reduce), which gives nothing for an empty
    //!   batch.
    //! * Shuffle: per-partition counts are gathered and summed.
    //!
    //! # Example
    //!
    //! Spark's `count()` vector (E3):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![], vec![1], vec![1, 2], vec![1, 2, 3], vec![1, 2, 3, 4]])
    //!         |> count every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(5).unwrap();
    //! let counts: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
    //! assert_eq!(counts, [["0"], ["1"], ["2"], ["3"], ["4"]]);
    //! ```
}

pub mod reduce {
    //! `reduce(func)`: combines all records of the batch into one.
    //!
    //! **Spark:** `DStream.reduce(func)`.
    //!
    //! # Semantics
    //!
    //! * `func` is a closure `|a, b| ...` of two records returning a record of the same type,
    //!   or a shorthand: `+`, `*`, `min`, `max`. It should be associative and commutative, as
    //!   in Spark: each partition is reduced first, then the partitions' results.
    //! * A batch with records gives exactly one record, in a single partition; a batch with
    //!   one record gives that record (`func` is not called).
    //! * **An empty batch gives an empty output**, not a value (Spark's `reduce` gives an
    //!   empty RDD). Compare [`count`](super::count), which gives `0`.
    //!
    //! # Example
    //!
    //! Spark's `reduce(_ + _)` vector (E3), then an empty batch past the end of the queue:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11, 12]])
    //!         |> reduce(+) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! assert_eq!(out[0].printed_records(), ["10"]);
    //! assert_eq!(out[1].printed_records(), ["26"]);
    //! assert_eq!(out[2].printed_records(), ["42"]);
    //! assert!(out[3].printed_records().is_empty());
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["pear", "fig", "banana"]])
    //!         |> reduce(|a, b| if b.len() > a.len() { b } else { a }) every 1s
    //!         |> print
    //! };
    //! assert_eq!(Harness::new(job).step().unwrap().printed_records(), ["banana"]);
    //! ```
}

pub mod transform_with {
    //! `transform_with(other, func)`: `func(records, other_records, time)` gets the batches of both
    //! streams and returns the new records.
    //!
    //! **Spark:** `DStream.transformWith(other, (rdd1, rdd2, time) => ...)`.
    //!
    //! # Semantics
    //!
    //! * `other` is the name of a `let` stream. Every batch, this stream's records and `other`'s
    //!   records of the same batch time are each gathered into a `Vec`, in partition order, and
    //!   `func(records, other_records, time)` is called with them and the batch
    //!   [`Time`](crate::Time). Its items are the new records, in order, cut again into the job's
    //!   number of partitions contiguously.
    //! * Both streams may have different record types. Either batch may be empty; `func` is still
    //!   called.
    //! * `func` runs on the batch loop's thread. It is the binary form of
    //!   [`transform`](super::transform): the joins are special cases of it, as in Spark.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let words = queue(vec![vec!["a", "b"], vec!["c"], vec![]]);
    //!     queue(vec![vec![1, 2], vec![3], vec![4]])
    //!         |> transform_with(words, |numbers, words, _| {
    //!             numbers.into_iter().zip(words).map(|(n, w)| format!("{w}{n}")).collect::<Vec<_>>()
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! assert_eq!(out[0].printed_records(), ["a1", "b2"]);
    //! assert_eq!(out[1].printed_records(), ["c3"]);
    //! assert!(out[2].printed_records().is_empty()); // `words` is empty at 3000 ms
    //! ```
}

pub mod join {
    //! `join(other, [partitions])`: per batch, `(k, (v, w))` for every pair of values of a key
    //! present in both streams.
    //!
    //! **Spark:** `PairDStreamFunctions.join(other[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * Both streams carry pairs with the same key type `K: Hash + Eq + Clone`: this stream
    //!   `(K, V)` and `other`, the name of a `let` stream, `(K, W)`; `V` and `W` must be `Clone`.
    //! * **Per batch only**, as in Spark: this stream's batch is joined with `other`'s batch of
    //!   the same time, and nothing is kept from one batch to the next. To join over time, window
    //!   one side or both first, as in the second example.
    //! * For each key present on both sides, every pair of a left value `v` and a right value `w`
    //!   gives `(k, (v, w))`: a key with `m` values on the left and `n` on the right gives
    //!   `m × n` records; a key missing from either side gives none.
    //! * Shuffle: both sides are hash-partitioned by key into `partitions` partitions (a `usize`
    //!   expression; by default the job's number), so the output has exactly that many and its
    //!   order is unspecified. Within a key, the pairs follow the values' input order, left
    //!   values outer.
    //! * The two streams must slide together, as Spark requires: joining streams with different
    //!   slides (for example a stream with a window sliding slower than the batch interval) is
    //!   a compile error on the operator.
    //!
    //! The outer joins [`left_outer_join`](super::left_outer_join),
    //! [`right_outer_join`](super::right_outer_join) and [`full_outer_join`](super::full_outer_join),
    //! and [`cogroup`](super::cogroup), work the same way and differ in what they emit for a key
    //! missing from one side.
    //!
    //! # Example
    //!
    //! Spark's `join` vector (E6):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    //!     queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
    //!         |> join(right) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,(1,x))", "(b,(1,x))"]);
    //! assert_eq!(sorted(1), ["(,(1,x))"]); // `a` is only on the left, `b` only on the right
    //! assert!(sorted(2).is_empty());
    //! assert!(sorted(3).is_empty());
    //! ```
    //!
    //! A key with two values on each side gives four records; and each batch joined with the
    //! other stream's last 2 seconds, through a [`window`](super::window):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let right = queue(vec![vec![(1, "x"), (1, "y")]]);
    //!     queue(vec![vec![(1, 10), (1, 20), (2, 30)]]) |> join(right, 1) every 1s |> print
    //! };
    //! let out = Harness::new(job).step().unwrap();
    //! assert_eq!(out.printed_records(), ["(1,(10,x))", "(1,(10,y))", "(1,(20,x))", "(1,(20,y))"]);
    //!
    //! let job = stream! {
    //!     let recent = queue(vec![vec![(1, "x")], vec![(2, "y")], vec![]]) |> window(2s);
    //!     queue(vec![vec![(1, 10)], vec![(1, 20), (2, 30)], vec![(1, 40), (2, 50)]]) every 1s
    //!         |> join(recent) |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(1,(10,x))"]);
    //! assert_eq!(sorted(1), ["(1,(20,x))", "(2,(30,y))"]);
    //! assert_eq!(sorted(2), ["(2,(50,y))"]); // (1, x) has left the window
    //! ```
}

pub mod left_outer_join {
    //! `left_outer_join(other, [partitions])`: per batch, `(k, (v, Option<w>))` for every value of
    //! this stream.
    //!
    //! **Spark:** `PairDStreamFunctions.leftOuterJoin(other[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! As [`join`](super::join) (per batch, the same types, shuffle and partitions), and a left
    //! value whose key has no value in `other`'s batch is kept as `(k, (v, None))`; the pairs of a
    //! key on both sides are `(k, (v, Some(w)))`. Keys only in `other` give nothing.
    //!
    //! # Example
    //!
    //! Spark's `leftOuterJoin` vector (E6):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    //!     queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
    //!         |> left_outer_join(right) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,(1,Some(x)))", "(b,(1,Some(x)))"]);
    //! assert_eq!(sorted(1), ["(,(1,Some(x)))", "(a,(1,None))"]);
    //! assert_eq!(sorted(2), ["(,(1,None))"]);
    //! assert!(sorted(3).is_empty()); // only the right side has a record
    //! ```
}

pub mod right_outer_join {
    //! `right_outer_join(other, [partitions])`: per batch, `(k, (Option<v>, w))` for every value of
    //! `other`.
    //!
    //! **Spark:** `PairDStreamFunctions.rightOuterJoin(other[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! As [`join`](super::join) (per batch, the same types, shuffle and partitions), and a value of
    //! `other` whose key has no value in this stream's batch is kept as `(k, (None, w))`; the pairs
    //! of a key on both sides are `(k, (Some(v), w))`. Keys only in this stream give nothing.
    //!
    //! # Example
    //!
    //! Spark's `rightOuterJoin` vector (E6):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    //!     queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
    //!         |> right_outer_join(right) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,(Some(1),x))", "(b,(Some(1),x))"]);
    //! assert_eq!(sorted(1), ["(,(Some(1),x))", "(b,(None,x))"]);
    //! assert!(sorted(2).is_empty()); // only the left side has a record
    //! assert_eq!(sorted(3), ["(,(None,x))"]);
    //! ```
}

pub mod full_outer_join {
    //! `full_outer_join(other, [partitions])`: per batch, `(k, (Option<v>, Option<w>))` for every
    //! value of either stream.
    //!
    //! **Spark:** `PairDStreamFunctions.fullOuterJoin(other[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! As [`join`](super::join) (per batch, the same types, shuffle and partitions), with every
    //! key of either side: the pairs of a key on both sides are `(k, (Some(v), Some(w)))`, the
    //! values of a key only in this stream give `(k, (Some(v), None))` and those of a key only in
    //! `other` give `(k, (None, Some(w)))`.
    //!
    //! # Example
    //!
    //! Spark's `fullOuterJoin` vector (E6), into 3 partitions:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    //!     queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
    //!         |> full_outer_join(right, 3) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,(Some(1),Some(x)))", "(b,(Some(1),Some(x)))"]);
    //! assert_eq!(sorted(1), ["(,(Some(1),Some(x)))", "(a,(Some(1),None))", "(b,(None,Some(x)))"]);
    //! assert_eq!(sorted(2), ["(,(Some(1),None))"]);
    //! assert_eq!(sorted(3), ["(,(None,Some(x)))"]);
    //! ```
}

pub mod cogroup {
    //! `cogroup(other, [partitions])`: per batch, one `(k, (Vec<v>, Vec<w>))` for every key of
    //! either stream.
    //!
    //! **Spark:** `PairDStreamFunctions.cogroup(other[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * As [`join`](super::join) (per batch, the same key type, shuffle and partitions), but one
    //!   record per key present in this stream's batch or `other`'s: `(k, (vs, ws))` with all of
    //!   the key's values in this stream and all of them in `other`. One of the two `Vec`s may be
    //!   empty, never both.
    //! * The values keep their input order within each side. They are moved, not cloned, so they
    //!   need not be `Clone`.
    //! * A group prints as a list, `(a,([1, 1],[x]))`; Spark prints
    //!   `(a,(CompactBuffer(1, 1),CompactBuffer(x)))`.
    //!
    //! # Example
    //!
    //! Spark's `cogroup` vector (E6):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     let other = queue(vec![vec!["a", "a", "b"], vec!["b", ""], vec![], vec![]]) |> map(|x| (x, "x"));
    //!     queue(vec![vec!["a", "a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
    //!         |> cogroup(other) every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,([1, 1],[x, x]))", "(b,([1],[x]))"]);
    //! assert_eq!(sorted(1), ["(,([1],[x]))", "(a,([1],[]))", "(b,([],[x]))"]);
    //! assert_eq!(sorted(2), ["(,([1],[]))"]);
    //! assert!(sorted(3).is_empty());
    //! ```
}

pub mod window {
    //! `window(length, [slide])`: at every slide, the records of the batches in the last `length`.
    //!
    //! **Spark:** `DStream.window(windowDuration[, slideDuration])`.
    //!
    //! # Semantics
    //!
    //! * `length` (`W`) and `slide` (`S`) are duration literals; `S` defaults to the parent
    //!   stream's slide (the batch interval `B`, or the slide of a window before this one). Both
    //!   must be multiples of the parent's slide, else the program does not compile, as Spark
    //!   rejects them. A slide longer than the window compiles with a warning: the batches
    //!   between windows are never seen.
    //! * The windowed stream has a batch only at its slide times, the times `T` with `T - zero` a
    //!   multiple of `S` (`zero` is one batch interval before the first batch: 0 under the
    //!   harness). Its batch at `T` holds every record of the parent's batches with times in
    //!   `(T - W, T]`, so **the first windows are partial**: `window(2s, 1s)`'s first batch holds
    //!   batch 1 only. At other times it has no batch: what follows does not run, and `print`
    //!   prints nothing.
    //! * The partitions of the window are those of its batches, oldest batch first (a union of
    //!   the batches, as in Spark): a pipeline of narrow operators after it sees the records in
    //!   arrival order.
    //! * The window keeps the parent's batches it still needs, as owned records (`&str` becomes
    //!   `String`: see [Windows and state](super#windows-and-state)); the records must be `Clone`.
    //!   With a checkpoint, the kept batches are saved too.
    //!
    //! # Example
    //!
    //! Spark's `window` vectors (E11): a 2 s window sliding every second, then a 4 s window
    //! sliding every 2 s.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let input: Vec<Vec<i32>> = (0..6).map(|i| vec![i]).collect(); // one record per batch
    //! let job = stream! { queue(input.clone()) every 1s |> window(2s) |> print };
    //! let out = Harness::new(job).run_batches(6).unwrap();
    //! let windows: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
    //! assert_eq!(windows[0], ["0"]); // partial
    //! assert_eq!(windows[1..], [["0", "1"], ["1", "2"], ["2", "3"], ["3", "4"], ["4", "5"]]);
    //!
    //! let job = stream! { queue(input) every 1s |> window(4s, 2s) |> print };
    //! let out = Harness::new(job).run_batches(8).unwrap();
    //! assert_eq!(out[0].printed, ""); // 1000 ms is not a slide time: nothing at all
    //! assert_eq!(out[1].printed_records(), ["0", "1"]);
    //! assert_eq!(out[3].printed_records(), ["0", "1", "2", "3"]);
    //! assert_eq!(out[5].printed_records(), ["2", "3", "4", "5"]);
    //! assert_eq!(out[7].printed_records(), ["4", "5"]);
    //! ```
    //!
    //! Words become `String`s in a window:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["to be"], vec!["or"]]) |> flat_map(split) every 1s |> window(2s)
    //!         |> map(|word| word.to_uppercase()) |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! assert_eq!(out[1].printed_records(), ["TO", "BE", "OR"]);
    //! assert_eq!(out[2].printed_records(), ["OR"]);
    //! ```
    //!
    //! A length that is not a multiple of the batch interval is a compile error:
    //!
    //! ```compile_fail
    //! use dstream::prelude::*;
    //!
    //! let job = stream! { queue(vec![vec![1]]) every 1s |> window(1500ms) |> print };
    //! ```
}

pub mod reduce_by_key_and_window {
    //! `reduce_by_key_and_window(func, [inverse], length, [slide], [filter])`: at every slide,
    //! combines the values of each key over the window.
    //!
    //! **Spark:** `PairDStreamFunctions.reduceByKeyAndWindow(func, windowDuration[, slideDuration])`
    //! and `reduceByKeyAndWindow(func, invFunc, windowDuration, slideDuration[, numPartitions,
    //! filterFunc])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. `func` is a reducer as for
    //!   [`reduce_by_key`](super::reduce_by_key) (a closure of two values, or `+`, `*`, `min`,
    //!   `max`); `length` and `slide` are as for [`window`](super::window): multiples of the
    //!   parent's slide, `slide` by default the parent's. The output exists at slide times only.
    //!   Its keys and values are owned (`&str` becomes `String`).
    //! * **Naive form**, `reduce_by_key_and_window(func, length, [slide])`: exactly
    //!   `reduce_by_key(func) |> window(length, slide) |> reduce_by_key(func)`, as Spark defines
    //!   it: one `(k, v)` per key with values in the window, `v` combining all of them. A key
    //!   whose values have all left the window disappears. Each slide re-reduces the whole
    //!   window's per-batch results.
    //! * **Incremental form**, `reduce_by_key_and_window(func, inverse, length, [slide],
    //!   [filter])`: `inverse` undoes `func` (`inverse(func(a, b), b) == a`; `-` for `+`). At each
    //!   slide time the window's value per key is the previous one, with the values of the
    //!   batches that left the window taken out by `inverse(value, leaving)` and those of the
    //!   batches that entered merged in with `func`; a key with no previous value takes the
    //!   combined value of its entering batches. Each slide costs the batches that moved, not the
    //!   window's length. It keeps a per-key window value and the per-batch reduced tables the
    //!   window still needs (all saved by a checkpoint).
    //! * **Keys stay at zero**: as in Spark, the incremental form never drops a key by itself.
    //!   A key whose values have all left the window keeps being emitted with the "zero" that
    //!   `inverse` leaves, such as `(a,0)`. Pass a `filter` (a function of `&(K, V)` returning
    //!   `bool`; only with an inverse, else a compile error) to keep only the keys for which it
    //!   holds: the others are emitted no more and dropped from the window's state, and later
    //!   leaving values of a dropped key are ignored. With `|(_, v)| *v != 0` the output equals
    //!   the naive form's.
    //! * The output is hash-partitioned by key into the job's number of partitions; its order is
    //!   unspecified. An empty window gives an empty output (naive form).
    //!
    //! # Example
    //!
    //! Spark's vector (E12) in both forms: a key that leaves a 2 s window.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let input = vec![vec![("a", 1)], vec![("a", 1)], vec![], vec![]];
    //! let records = |job: Job| -> Vec<Vec<String>> {
    //!     let out = Harness::new(job).run_batches(4).unwrap();
    //!     out.iter().map(|b| b.printed_records().into_iter().map(str::to_owned).collect()).collect()
    //! };
    //!
    //! let naive = stream! { queue(input.clone()) every 1s |> reduce_by_key_and_window(+, 2s, 1s) |> print };
    //! assert_eq!(records(naive), [vec!["(a,1)"], vec!["(a,2)"], vec!["(a,1)"], vec![]]);
    //!
    //! let incremental = stream! {
    //!     queue(input.clone()) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print
    //! };
    //! // The key stays, at zero.
    //! assert_eq!(records(incremental), [["(a,1)"], ["(a,2)"], ["(a,1)"], ["(a,0)"]]);
    //!
    //! let filtered = stream! {
    //!     queue(input) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s, |(_, n)| *n != 0) |> print
    //! };
    //! assert_eq!(records(filtered), [vec!["(a,1)"], vec!["(a,2)"], vec!["(a,1)"], vec![]]);
    //! ```
    //!
    //! A 4 s window sliding every 2 s over the values 1 to 6, one per batch (E12); it emits at
    //! 2000, 4000, 6000 and 8000 ms only:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let input: Vec<Vec<(&str, i32)>> = (1..=6).map(|v| vec![("a", v)]).chain([vec![], vec![]]).collect();
    //! let job = stream! {
    //!     queue(input) every 1s |> reduce_by_key_and_window(|a, b| a + b, |a, b| a - b, 4s, 2s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(8).unwrap();
    //! let emitted: Vec<(u64, Vec<&str>)> = out
    //!     .iter()
    //!     .filter(|b| !b.printed.is_empty())
    //!     .map(|b| (b.time.as_millis(), b.printed_records()))
    //!     .collect();
    //! assert_eq!(
    //!     emitted,
    //!     [(2000, vec!["(a,3)"]), (4000, vec!["(a,10)"]), (6000, vec!["(a,18)"]), (8000, vec!["(a,11)"])]
    //! );
    //! ```
    //!
    //! Word counts over the last 3 seconds, with text keys (they become `String`s):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a b"], vec!["a"], vec!["b b"]]) |> flat_map(split) |> map(|w| (w, 1))
    //!         every 1s |> reduce_by_key_and_window(+, 3s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! let mut last = out[2].printed_records();
    //! last.sort();
    //! assert_eq!(last, ["(a,2)", "(b,3)"]);
    //! ```
}

pub mod reduce_by_window {
    //! `reduce_by_window(func, [inverse], length, [slide])`: at every slide, combines all
    //! records of the window into one; with `inverse`, incrementally.
    //!
    //! **Spark:** `DStream.reduceByWindow(func, windowDuration, slideDuration)` and
    //! `DStream.reduceByWindow(func, invFunc, windowDuration, slideDuration)`.
    //!
    //! # Semantics
    //!
    //! * `func` is a reducer as for [`reduce`](super::reduce) (associative and commutative);
    //!   `length` and `slide` are as for [`window`](super::window). Without `inverse` it is
    //!   `reduce(func) |> window(length, slide) |> reduce(func)`, as Spark defines it: each batch
    //!   is reduced once, and each slide combines the window's per-batch results.
    //! * Without `inverse`, at a slide time a window with records gives one record; **an empty
    //!   window gives an empty output**, not a value, as [`reduce`](super::reduce) does for an
    //!   empty batch. Compare [`count_by_window`](super::count_by_window), which gives `0`.
    //! * **With `inverse`** (`inverse(a, b)` undoes `func`: `-` for `+`) it is Spark's
    //!   incremental form, which Spark defines as
    //!   `map((1, _)).reduceByKeyAndWindow(func, invFunc, W, S, 1).map(_._2)`, and so is ours:
    //!   each slide takes the batches that left the window out of the last value with
    //!   `inverse` and merges those that entered with `func`. As in Spark, once a record has
    //!   been seen the window always has a value: **an empty window gives `inverse`'s zero**
    //!   (`0` for `+`/`-`), and nothing is emitted before the first record. Its state is
    //!   checkpointed with `#![checkpoint(..)]`.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1, 2], vec![3], vec![], vec![]]) every 1s |> reduce_by_window(+, 2s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! assert_eq!(out[0].printed_records(), ["3"]);
    //! assert_eq!(out[1].printed_records(), ["6"]);
    //! assert_eq!(out[2].printed_records(), ["3"]);
    //! assert!(out[3].printed_records().is_empty()); // an empty window
    //! ```
    //!
    //! The incremental form, on Spark's `countByWindow` vector (`countByWindow` is
    //! `map(_ => 1L).reduceByWindow(_ + _, _ - _, W, S)` in Spark):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]])
    //!         |> map(|_| 1i64) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(6).unwrap();
    //! let values: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
    //! assert_eq!(values, [["1"], ["2"], ["3"], ["3"], ["1"], ["0"]]);
    //! ```
}

pub mod count_by_window {
    //! `count_by_window(length, [slide])`: at every slide, the number of records in the window.
    //!
    //! **Spark:** `DStream.countByWindow(windowDuration, slideDuration)`.
    //!
    //! # Semantics
    //!
    //! * `length` and `slide` are as for [`window`](super::window). At each slide time the output
    //!   is exactly one record, a `u64`: the number of records of the batches in the window.
    //! * **An empty window gives `0`**, as in Spark, not an empty output.
    //! * It is `count |> window(length, slide) |> reduce(+)`: each batch is counted once. Spark
    //!   computes it incrementally with an inverse and therefore requires a checkpoint; the result
    //!   is the same.
    //!
    //! # Example
    //!
    //! Spark's `countByWindow` vector (E15):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]]) every 1s
    //!         |> count_by_window(2s, 1s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(6).unwrap();
    //! let counts: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
    //! assert_eq!(counts, [["1"], ["2"], ["3"], ["3"], ["1"], ["0"]]);
    //! ```
}

pub mod count_by_value_and_window {
    //! `count_by_value_and_window(length, [slide])`: at every slide, counts each distinct record
    //! of the window.
    //!
    //! **Spark:** `DStream.countByValueAndWindow(windowDuration, slideDuration[, numPartitions])`.
    //!
    //! # Semantics
    //!
    //! * The records must be `Hash + Eq`; `length` and `slide` are as for
    //!   [`window`](super::window). At each slide time the output has one record `(x, n)` per
    //!   distinct record `x` of the window, with `n: u64` its number of occurrences in the
    //!   window. The records are owned (`&str` becomes `String`).
    //! * A record absent from the window is absent from the output: there are no zero counts,
    //!   as in Spark (which filters them out).
    //! * It is `count_by_value |> window(length, slide) |> reduce_by_key(+)`. The output is
    //!   hash-partitioned; its order is unspecified.
    //!
    //! # Example
    //!
    //! Spark's `countByValueAndWindow` vector (E16):
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a"], vec!["b", "b"], vec!["a", "b"], vec![]]) every 1s
    //!         |> count_by_value_and_window(2s, 1s) |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,1)"]);
    //! assert_eq!(sorted(1), ["(a,1)", "(b,2)"]);
    //! assert_eq!(sorted(2), ["(a,1)", "(b,3)"]);
    //! assert_eq!(sorted(3), ["(a,1)", "(b,1)"]); // the first `b, b` has left
    //! ```
}

pub mod group_by_key_and_window {
    //! `group_by_key_and_window(length, [slide])`: at every slide, collects the values of each key
    //! over the window.
    //!
    //! **Spark:** `PairDStreamFunctions.groupByKeyAndWindow(windowDuration[, slideDuration])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`; `length` and `slide` are as for
    //!   [`window`](super::window). At each slide time the output has one record `(k, Vec<V>)`
    //!   per key with values in the window, holding all of them; keys and values are owned. The
    //!   order of the values within a group is unspecified, as in Spark.
    //! * It is `group_by_key |> window(length, slide) |>` a merge of each key's groups. The output
    //!   is hash-partitioned; its order is unspecified. An empty window gives an empty output.
    //! * A group prints as a list, `(a,[1, 1])`; Spark prints `(a,CompactBuffer(1, 1))`.
    //!
    //! # Example
    //!
    //! Spark's `groupByKeyAndWindow` vector (E14), with the groups sorted before printing:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let input = vec![
    //!     vec![("a", 1)],
    //!     vec![("a", 1), ("b", 1)],
    //!     vec![("a", 1), ("b", 1), ("c", 1)],
    //!     vec![],
    //! ];
    //! let job = stream! {
    //!     queue(input) every 1s |> group_by_key_and_window(2s, 1s)
    //!         |> map_values(|mut values: Vec<i32>| { values.sort(); values }) |> print
    //! };
    //! let out = Harness::new(job).run_batches(5).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,[1])"]);
    //! assert_eq!(sorted(1), ["(a,[1, 1])", "(b,[1])"]);
    //! assert_eq!(sorted(2), ["(a,[1, 1])", "(b,[1, 1])", "(c,[1])"]);
    //! assert_eq!(sorted(3), ["(a,[1])", "(b,[1])", "(c,[1])"]);
    //! assert!(sorted(4).is_empty());
    //! ```
}

pub mod update_state_by_key {
    //! `update_state_by_key(func, [initial])`: keeps a state per key, updated every batch from the
    //! key's new values; emits every key's state.
    //!
    //! **Spark:** `PairDStreamFunctions.updateStateByKey(updateFunc[, partitioner, initialRDD])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. The state of a key has any type
    //!   `S: Clone`. `func` has one of Spark's two forms:
    //!   * **basic**, `|values: Vec<V>, state: Option<S>| -> Option<S>`;
    //!   * **time-aware**, `|time: Time, key: &K, values: Vec<V>, state: Option<S>| -> Option<S>`,
    //!     chosen when `func` is a closure of four parameters (a path is always the basic form).
    //! * Every batch, each key's new values are grouped (their order within `values` is
    //!   unspecified), and `func` is called **for every key that has state or new values**, even
    //!   in an empty batch: a key without new values gets an empty `Vec`, a key without state
    //!   gets `None`. What it returns is the key's new state; **`None` removes the key**.
    //! * The output of every batch is **the full state**: one `(k, s)` per key that has state
    //!   after the batch, whether or not it changed, as Spark's state stream. Its order is
    //!   unspecified (the state is hash-partitioned by key into the job's number of partitions).
    //! * `initial` (optional) is any `IntoIterator` of `(K, S)` pairs, with owned keys (`String`
    //!   for text keys), evaluated once when the job is built (Spark's `initialRDD`). Its keys
    //!   have that state from the first batch, where `func` is called for them like for any key.
    //! * The keys are stored owned: `&str` keys become `String`, and the output's keys are
    //!   `String`s (see [Windows and state](super#windows-and-state)).
    //! * Cost is proportional to the number of keys with state, not to the batch, as in Spark.
    //!   Spark requires a checkpoint directory; here it is optional (see
    //!   [Program settings](super#program-settings)); with one, the state is saved under the id
    //!   `update_state_by_key#<n>` and its types must be serde-serialisable.
    //!
    //! # Example
    //!
    //! Spark's running count (E7): the full state every batch, including the empty last one.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a"], vec!["a", "b"], vec!["a", "b", "c"], vec![]]) |> map(|k| (k, 1))
    //!         |> update_state_by_key(|values, count| {
    //!             Some(count.unwrap_or(0) + values.iter().sum::<i32>())
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,1)"]);
    //! assert_eq!(sorted(1), ["(a,2)", "(b,1)"]);
    //! assert_eq!(sorted(2), ["(a,3)", "(b,2)", "(c,1)"]);
    //! assert_eq!(sorted(3), ["(a,3)", "(b,2)", "(c,1)"]); // no values: the state stays
    //! ```
    //!
    //! The time-aware form with initial state: the state is the time a key was last seen, and a
    //! key idle for 2 seconds is removed by returning `None`.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a", "b"], vec!["a"], vec![], vec![]]) |> map(|k| (k, 1))
    //!         |> update_state_by_key(
    //!             |time, _key, values, last_seen| {
    //!                 let now = time.as_millis();
    //!                 if values.is_empty() {
    //!                     last_seen.filter(|&t| now - t < 2000)
    //!                 } else {
    //!                     Some(now)
    //!                 }
    //!             },
    //!             vec![("c".to_string(), 0)]
    //!         )
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(4).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,1000)", "(b,1000)", "(c,0)"]);
    //! assert_eq!(sorted(1), ["(a,2000)", "(b,1000)"]); // c: idle since 0
    //! assert_eq!(sorted(2), ["(a,2000)"]);
    //! assert!(sorted(3).is_empty());
    //! ```
}

pub mod map_with_state {
    //! `map_with_state(func, [initial], [timeout])`: calls `func(key, value, state)` for each
    //! record, with the key's state; emits what it returns.
    //!
    //! **Spark:** `PairDStreamFunctions.mapWithState(StateSpec.function(func)[.initialState(rdd)]
    //! [.timeout(duration)])`.
    //!
    //! # Semantics
    //!
    //! * The records must be pairs `(K, V)` with `K: Hash + Eq`. `func` is
    //!   `|key: &K, value: Option<V>, state: &mut State<S>| -> T` for a state type `S: Clone`
    //!   and any output type `T`. Keys are stored owned, so `key` is a `&String` for text keys.
    //! * For **each record** `(k, v)` of the batch, in order within its key, `func(&k, Some(v),
    //!   state)` is called with the key's [`State`](crate::prelude::State) and its result is
    //!   emitted: one output record per input record, not per key. Keys without records in the
    //!   batch are not called (unless they time out). To emit nothing for some records, return an
    //!   `Option` and follow with `flat_map(|x| x)`.
    //! * The state handle, Spark's `State`:
    //!   * `exists()`: whether the key has state;
    //!   * `get()`: the state, as `Option<&S>` (Spark's `getOption`);
    //!   * `update(s)`: sets it;
    //!   * `remove()`: removes it;
    //!   * `is_timing_out()`: whether this is the key's timeout call.
    //!
    //!   A state that `func` neither updates nor removes stays as it was.
    //! * `initial` (optional) is any `IntoIterator` of `(K, S)` pairs, with owned keys, evaluated
    //!   once when the job is built (Spark's `initialState`); those keys have that state from the
    //!   first batch.
    //! * `timeout` (optional, a duration literal such as `30s`; write `map_with_state(func, 30s)`
    //!   without initial state) removes idle keys. A key is idle from the last batch in which it
    //!   was called (updated or not). At the **first batch more than `timeout` after that**, its
    //!   key is called once more with `func(&k, None, state)`, `state.is_timing_out()` true and
    //!   `state.get()` its last state; the result is emitted and the key removed. As in Spark,
    //!   initial state does not time out until its key is first called.
    //! * **Eager timeouts**: keys are evicted at exactly that batch. Spark evicts lazily, at the
    //!   next batch whose state it checkpoints (by default every 10 batches), so its timeout calls
    //!   come later and at batches that depend on the checkpoint interval.
    //! * Spark throws when `update` is called while timing out, or after `remove`; here the first
    //!   is ignored and the second sets the state again.
    //! * The output is partitioned by key into the job's number of partitions; its order across
    //!   keys is unspecified. [`state_snapshots`](super::state_snapshots) gives the state itself.
    //!   There is no time-aware form of `func`.
    //!
    //! # Example
    //!
    //! A running count per key (Spark's E17), emitting each record's count so far:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec!["a"], vec!["a", "b", "a"], vec![]]) |> map(|k| (k, 1))
    //!         |> map_with_state(|key, value: Option<i32>, state| {
    //!             let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
    //!             state.update(count);
    //!             format!("{key}:{count}")
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(3).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["a:1"]);
    //! assert_eq!(sorted(1), ["a:2", "a:3", "b:1"]); // one output per record
    //! assert!(sorted(2).is_empty()); // no records: no calls
    //! ```
    //!
    //! `exists` and `remove`: each record of the key toggles its state.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1)], vec![("a", 1), ("a", 1)]])
    //!         |> map_with_state(|_key, _value: Option<i32>, state| {
    //!             if state.exists() {
    //!                 state.remove();
    //!                 "removed"
    //!             } else {
    //!                 state.update(());
    //!                 "added"
    //!             }
    //!         })
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["added"]);
    //! assert_eq!(out[1].printed_records(), ["removed", "added"]);
    //! ```
    //!
    //! A 2 s timeout: `b`, last called at 1000 ms, times out at 4000 ms, the first batch more
    //! than 2 s later; `a`, last called at 2000 ms, at 5000 ms.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1), ("b", 1)], vec![("a", 1)]])
    //!         |> map_with_state(|key, value: Option<i32>, state| {
    //!             if state.is_timing_out() {
    //!                 return format!("{key} timed out with {}", state.get().unwrap());
    //!             }
    //!             let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
    //!             state.update(count);
    //!             format!("{key}={count}")
    //!         }, 2s)
    //!         every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(6).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["a=1", "b=1"]);
    //! assert_eq!(sorted(1), ["a=2"]);
    //! assert!(sorted(2).is_empty());
    //! assert_eq!(sorted(3), ["b timed out with 1"]);
    //! assert_eq!(sorted(4), ["a timed out with 2"]);
    //! assert!(sorted(5).is_empty());
    //! ```
}

pub mod state_snapshots {
    //! `state_snapshots`: after a `map_with_state`, every `(key, state)` after each batch.
    //!
    //! **Spark:** `MapWithStateDStream.stateSnapshots()`.
    //!
    //! # Semantics
    //!
    //! * Takes no arguments, and must directly follow `map_with_state(..)` (else a compile error);
    //!   to use both the mapped records and the snapshots, name the `map_with_state` stream with
    //!   `let` and start two pipelines from it.
    //! * Every batch, the output is one `(k, s)` per key with state after the batch, whether or
    //!   not the batch called it: the initial state from the first batch on, without the keys
    //!   removed or timed out in the batch. Its order is unspecified.
    //!
    //! # Example
    //!
    //! The state of a running sum with initial state and a 2 s timeout: `c` has initial state and
    //! is never called, so it never times out; `b` times out at 4000 ms and `a` at 5000 ms.
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let job = stream! {
    //!     queue(vec![vec![("a", 1), ("b", 1)], vec![("a", 1)]])
    //!         |> map_with_state(|_key, value: Option<i32>, state| {
    //!             if let Some(v) = value {
    //!                 let sum = state.get().copied().unwrap_or(0) + v;
    //!                 state.update(sum);
    //!             }
    //!         }, vec![("c".to_string(), 100)], 2s)
    //!         |> state_snapshots every 1s |> print
    //! };
    //! let out = Harness::new(job).run_batches(5).unwrap();
    //! let sorted = |i: usize| {
    //!     let mut records = out[i].printed_records();
    //!     records.sort();
    //!     records
    //! };
    //! assert_eq!(sorted(0), ["(a,1)", "(b,1)", "(c,100)"]);
    //! assert_eq!(sorted(1), ["(a,2)", "(b,1)", "(c,100)"]);
    //! assert_eq!(sorted(2), ["(a,2)", "(b,1)", "(c,100)"]);
    //! assert_eq!(sorted(3), ["(a,2)", "(c,100)"]);
    //! assert_eq!(sorted(4), ["(c,100)"]);
    //! ```
    //!
    //! The mapped records and the snapshots of one `map_with_state`:
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::sync::{Arc, Mutex};
    //!
    //! let snapshots: Arc<Mutex<Vec<Vec<(String, i32)>>>> = Arc::default();
    //! let sink = Arc::clone(&snapshots);
    //! let job = stream! {
    //!     let counted = queue(vec![vec!["a", "a"], vec!["b"]]) |> map(|k| (k, 1))
    //!         |> map_with_state(|_key, value: Option<i32>, state| {
    //!             let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
    //!             state.update(count);
    //!             count
    //!         });
    //!     counted every 1s |> print;
    //!     counted |> state_snapshots |> foreach_batch(move |mut records, _| {
    //!         records.sort();
    //!         sink.lock().unwrap().push(records)
    //!     })
    //! };
    //! let out = Harness::new(job).run_batches(2).unwrap();
    //! assert_eq!(out[0].printed_records(), ["1", "2"]);
    //! assert_eq!(out[1].printed_records(), ["1"]);
    //! assert_eq!(
    //!     *snapshots.lock().unwrap(),
    //!     [vec![("a".to_string(), 2)], vec![("a".to_string(), 2), ("b".to_string(), 1)]]
    //! );
    //! ```
}

pub mod print {
    //! `print([num])`: prints each batch's time and first `num` records (10 by default),
    //! byte for byte as Spark does.
    //!
    //! **Spark:** `DStream.print([num])`.
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline, and nothing can follow it. For every batch,
    //! including an empty one, it writes:
    //!
    //! 1. a line of 43 `-`;
    //! 2. `Time: <batch time in ms> ms`;
    //! 3. the line of dashes again;
    //! 4. the first `num` records, one per line, taken from the partitions in order;
    //! 5. `...` if the batch has more than `num` records;
    //! 6. an empty line.
    //!
    //! * `num` is a `usize` expression, evaluated once when the job is built.
    //! * Records print as Scala's `toString` shows them: `(hello,1)` for a pair, strings
    //!   without quotes, `Some(x)` / `None`, floats with a fractional part (`1.0`), and a
    //!   `Vec` as `[1, 2]`. The record type must implement [`Render`](crate::Render);
    //!   implement it for your own types.
    //! * Like Spark's `take(num + 1)`, each partition stops rendering once it has `num + 1`
    //!   records.
    //! * [`Job::run`](crate::Job::run) writes to standard output; the
    //!   [`Harness`](crate::testing::Harness) captures the text in
    //!   [`BatchOutput::printed`](crate::testing::BatchOutput::printed).
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let dashes = "-".repeat(43);
    //! let job = stream! {
    //!     queue(vec![vec![("hello", 1), ("world", 1)]]) every 1s |> print
    //! };
    //! let mut harness = Harness::new(job);
    //! assert_eq!(
    //!     harness.step().unwrap().printed,
    //!     format!("{dashes}\nTime: 1000 ms\n{dashes}\n(hello,1)\n(world,1)\n\n")
    //! );
    //! // An empty batch: the header and the empty line.
    //! assert_eq!(
    //!     harness.step().unwrap().printed,
    //!     format!("{dashes}\nTime: 2000 ms\n{dashes}\n\n")
    //! );
    //!
    //! let job = stream! { queue(vec![(1..=5).collect::<Vec<i32>>()]) every 1s |> print(3) };
    //! let out = Harness::new(job).step().unwrap();
    //! assert_eq!(
    //!     out.printed,
    //!     format!("{dashes}\nTime: 1000 ms\n{dashes}\n1\n2\n3\n...\n\n")
    //! );
    //! ```
}

pub mod foreach_batch {
    //! `foreach_batch(func)`: calls `func(records, time)` once per batch with all of the
    //! batch's records.
    //!
    //! **Spark:** `DStream.foreachRDD((rdd, time) => ...)`, the generic output operation.
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline.
    //!
    //! * Once per batch, **including an empty batch**, the batch's records are gathered from
    //!   all partitions, in partition order, into a `Vec<T>`, and `func(records, time)` is
    //!   called with it and the batch [`Time`](crate::Time).
    //! * `func` runs on the batch loop's thread, after the stages that feed it and in the
    //!   order the outputs are written. It may mutate what it captures.
    //! * The batch time identifies the batch: writing into a store keyed by it, in one
    //!   transaction with the data, makes the output exactly-once (Spark's recipe).
    //! * Unlike Spark's `foreachRDD`, whose closure receives a distributed RDD and runs its
    //!   actions on executors, `func` receives the records themselves.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::sync::{Arc, Mutex};
    //!
    //! let seen: Arc<Mutex<Vec<(u64, Vec<i32>)>>> = Arc::default();
    //! let sink = Arc::clone(&seen);
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4], vec![], vec![5]]) |> map(|x| x * 10) every 1s
    //!         |> foreach_batch(move |records, time| {
    //!             sink.lock().unwrap().push((time.as_millis(), records))
    //!         })
    //! };
    //! Harness::new(job).run_batches(3).unwrap();
    //! assert_eq!(
    //!     *seen.lock().unwrap(),
    //!     [(1000, vec![10, 20, 30, 40]), (2000, vec![]), (3000, vec![50])]
    //! );
    //! ```
}

pub mod output {
    //! `output(sink)`: writes each batch to any value implementing
    //! [`Sink`](crate::sink::Sink) — your own output with its own connection or state.
    //!
    //! **Spark:** `DStream.foreachRDD` with a connection kept across batches (the "design
    //! patterns for using foreachRDD" of Spark's guide), as a value.
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline.
    //!
    //! * `sink` is evaluated once when the job is built and kept for the job's life; it must
    //!   implement `Sink<T>` for the stream's record type `T` (a compile error on `output`
    //!   says so otherwise).
    //! * Once per batch, **including an empty batch**, the batch's records are gathered from
    //!   all partitions, in partition order, and [`Sink::write_batch`](crate::sink::Sink::write_batch)
    //!   is called with them and a [`SinkBatch`](crate::sink::SinkBatch): the batch time and the
    //!   job's name. An error it returns stops the job with that error.
    //! * After a crash, the batches after the last checkpoint run again with the same times:
    //!   an exactly-once sink commits the batch time with the data, atomically, and skips a
    //!   batch it already holds.
    //! * The connectors' outputs (`to_sql`, `to_kafka`, …) are `Sink`s built by the
    //!   operator of that name.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::sink::{Sink, SinkBatch};
    //! use dstream::testing::Harness;
    //! use std::sync::{Arc, Mutex};
    //!
    //! /// Keeps each batch's total, as a store would.
    //! struct Totals(Arc<Mutex<Vec<(u64, i32)>>>);
    //!
    //! impl Sink<i32> for Totals {
    //!     fn write_batch(&mut self, batch: &SinkBatch<'_>, records: Vec<i32>) -> dstream::Result<()> {
    //!         self.0.lock().unwrap().push((batch.time.as_millis(), records.iter().sum()));
    //!         Ok(())
    //!     }
    //! }
    //!
    //! let totals: Arc<Mutex<Vec<(u64, i32)>>> = Arc::default();
    //! let my_sink = Totals(Arc::clone(&totals));
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3], vec![], vec![5]]) every 1s |> output(my_sink)
    //! };
    //! Harness::new(job).run_batches(3).unwrap();
    //! assert_eq!(*totals.lock().unwrap(), [(1000, 6), (2000, 0), (3000, 5)]);
    //! ```
}

pub mod foreach_partition {
    //! `foreach_partition(func)`: calls `func(records, time, partition)` once per partition,
    //! with that partition's records, on the worker that holds them.
    //!
    //! **Spark:** `DStream.foreachRDD(rdd => rdd.foreachPartition(...))`, the output that
    //! scales: a partition's records never travel to the driver.
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline.
    //!
    //! * Once per batch and per partition, **including empty ones**, `func(records, time,
    //!   partition)` is called with the partition's records (a `Vec<T>`, in order), the batch
    //!   [`Time`](crate::Time) and the partition's index (`0` to the number of partitions - 1).
    //! * The calls of one batch run in parallel, on the partitions' workers: `func` must be
    //!   `Fn + Sync` (share what it writes to behind a `Mutex` or a channel), and nothing
    //!   orders the calls of different partitions.
    //! * On a cluster (docs/cluster.md) each process calls `func` for the partitions it owns:
    //!   the records are written where they are, never gathered on the driver. Between the
    //!   sources and the first exchange the records are on the driver, which then calls
    //!   `func` for them (and their owner for its empty share).
    //! * The batch time and the partition index identify a partition's output: a store that
    //!   commits by both is exactly-once per partition.
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::sync::{Arc, Mutex};
    //!
    //! let seen: Arc<Mutex<Vec<(u64, usize, Vec<i32>)>>> = Arc::default();
    //! let sink = Arc::clone(&seen);
    //! let job = stream! {
    //!     queue(vec![vec![1, 2, 3, 4]]) |> map(|x| x * 10) every 1s
    //!         |> foreach_partition(move |records, time, partition| {
    //!             sink.lock().unwrap().push((time.as_millis(), partition, records))
    //!         })
    //! };
    //! Harness::new(job).with_parallelism(2).run_batches(1).unwrap();
    //! let mut seen = seen.lock().unwrap().clone();
    //! seen.sort();
    //! assert_eq!(seen, [(1000, 0, vec![10, 20]), (1000, 1, vec![30, 40])]);
    //! ```
}

pub mod kafka {
    //! `kafka(brokers, topic, [options])`: the message values of a Kafka topic, one `String`
    //! record per message (feature `kafka`).
    //!
    //! **Spark:** `KafkaUtils.createDirectStream` (the direct approach of
    //! `spark-streaming-kafka-0-10`).
    //!
    //! # Semantics
    //!
    //! * At each batch the job asks the brokers for every partition's latest offset and takes
    //!   one offset range `[from, until)` per partition: from where the previous batch stopped
    //!   up to that offset, at most `max_records_per_partition` messages. It then reads exactly
    //!   those messages (an assign-based consumer: no group membership, no rebalancing).
    //!   Records are in partition order, and in offset order within a partition.
    //! * With `#![checkpoint]`, the ranges of each batch are logged before its outputs run and
    //!   the next offsets are in every checkpoint: a batch run again after a crash reads
    //!   exactly the same messages, so an output that commits by batch time is exactly once
    //!   (see [`fault_tolerance`](crate::fault_tolerance)).
    //! * With a `group`, the offsets of a batch are committed to that consumer group after the
    //!   batch's outputs ran (as Spark's `commitAsync`), for monitoring tools. The job itself
    //!   resumes from its checkpoint, never from the group's offsets.
    //! * A value that is not valid UTF-8 is dropped, counted (`malformed_not_utf8` in the
    //!   job's [metrics](crate::metrics)) and logged; its offset is consumed. A message
    //!   without a value is an empty record.
    //! * Brokers that do not answer never stop the job: the failure is logged and counted
    //!   (`connection_failures`), the batch takes nothing, and later batches retry with an
    //!   exponential backoff (0.5 s doubling to 30 s). A cut waits at most 5 s for its
    //!   messages; what did not arrive goes to the next batch. A batch run again after a
    //!   crash must read its whole ranges: it retries for up to two minutes, then stops the
    //!   job with an error naming the ranges (for example, deleted by retention).
    //! * Kafka partitions are not the job's partitions: a batch's records are cut into the
    //!   job's partitions like any source's.
    //! * On a cluster (`docs/cluster.md`) every process reads the Kafka partitions assigned
    //!   to it, `partition % processes == process`, into its own partitions; its ranges are
    //!   in its own batch log and checkpoint, and it commits its partitions' offsets to the
    //!   group. With one process nothing changes.
    //!
    //! # Options
    //!
    //! The optional third argument is a [`KafkaOptions`](crate::source::kafka::KafkaOptions):
    //!
    //! | Option | Default | Meaning |
    //! |---|---|---|
    //! | `group(id)` | none | consumer group the completed batches' offsets are committed to |
    //! | `starting_offsets(..)` | `Latest` | where a job without a checkpoint starts: `Earliest` or `Latest` (partitions added later start at their earliest) |
    //! | `max_records_per_partition(n)` | no cap | at most `n` messages of each partition per batch (Spark's `maxRatePerPartition` × interval) |
    //! | `client_property(k, v)` | | any librdkafka property (`security.protocol`, …) |
    //!
    //! The feature builds librdkafka (the C client) from source: it needs a C compiler and
    //! `make`.
    //! A test broker: `scripts/services up kafka` (tansu at `127.0.0.1:9092`).
    //!
    //! # Example
    //!
    //! ```no_run
    //! # #[cfg(feature = "kafka")] {
    //! use dstream::prelude::*;
    //! use dstream::source::kafka::{KafkaOptions, StartingOffsets};
    //!
    //! let options = KafkaOptions::new()
    //!     .group("wordcount")
    //!     .starting_offsets(StartingOffsets::Earliest)
    //!     .max_records_per_partition(100_000);
    //! let job = stream! {
    //!     #![checkpoint("/tmp/wordcount-checkpoints", 10s)]
    //!     kafka("127.0.0.1:9092", "lines", options)
    //!         |> flat_map(|line| line.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    //!         |> map(|w| (w, 1))
    //!         |> reduce_by_key(+) every 1s
    //!         |> print
    //! };
    //! job.run().unwrap();
    //! # }
    //! ```
}

pub mod nats {
    //! `nats(url, subject, [options])`: the payloads of a NATS JetStream subject, one
    //! `String` record per message (feature `nats`).
    //!
    //! **Spark:** no built-in counterpart (a custom receiver).
    //!
    //! # Semantics
    //!
    //! * The subject must be held by a JetStream stream (the stream is yours: create it with
    //!   the `nats` CLI or your application). The job reads it with a durable pull consumer
    //!   (`dstream-<subject>` unless `durable(..)` names it) created on that stream.
    //! * A batch takes what the consumer delivers when the batch is cut, at most
    //!   `max_records_per_batch` messages, in stream order.
    //! * Messages are acknowledged only after the batch's outputs ran: a job that dies before
    //!   gets them again.
    //! * With `#![checkpoint]`, the stream sequence numbers of each batch are logged before
    //!   its outputs run: a batch run again after a crash gets exactly the same messages back
    //!   from the stream by sequence, and the restarted consumer starts right after the last
    //!   message taken. An output that commits by batch time is then exactly once (see
    //!   [`fault_tolerance`](crate::fault_tolerance)). (The durable consumer is re-created at
    //!   each restart from a checkpoint for that.)
    //! * A payload that is not valid UTF-8 is dropped, counted (`malformed_not_utf8`) and
    //!   logged. A server that does not answer never stops the job: logged, counted
    //!   (`connection_failures`), retried with an exponential backoff (0.5 s to 30 s).
    //!
    //! # Options
    //!
    //! The optional third argument is a [`NatsOptions`](crate::source::nats::NatsOptions):
    //! `durable(name)` and `max_records_per_batch(n)` (default 100 000).
    //!
    //! A test server: `scripts/services up nats` (JetStream at `nats://127.0.0.1:4222`).
    //!
    //! # Example
    //!
    //! ```no_run
    //! # #[cfg(feature = "nats")] {
    //! use dstream::prelude::*;
    //! use dstream::source::nats::NatsOptions;
    //!
    //! let job = stream! {
    //!     nats("nats://127.0.0.1:4222", "orders.created", NatsOptions::new().durable("order-counts"))
    //!         |> map(|order| (order, 1))
    //!         |> reduce_by_key(+) every 1s
    //!         |> print
    //! };
    //! job.run().unwrap();
    //! # }
    //! ```
}

pub mod to_kafka {
    //! `to_kafka(brokers, topic)`: writes each batch to a Kafka topic (feature `kafka`).
    //!
    //! **Spark:** `foreachRDD` with a Kafka producer (the pattern of Spark's guide).
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline.
    //!
    //! * Text records (`String`, `&str`) and bytes (`Vec<u8>`) become message values without
    //!   a key; `(key, value)` pairs become keyed messages, key and value as they print
    //!   (`("to", 2)` is key `to`, value `2`). Kafka's partitioner places a keyed message by
    //!   its key.
    //! * **At least once:** the batch's output returns only after the brokers acknowledged
    //!   every message (librdkafka retries a failed send itself). A message that could not
    //!   be delivered stops the job with an error; a batch run again after a crash writes its
    //!   messages again, so a consumer may see some twice. Kafka transactions are not used:
    //!   a transaction per batch would make a batch all-or-nothing for `read_committed`
    //!   consumers, but would not stop a batch that runs again after a crash from writing
    //!   again (that needs the last committed batch time kept with the data). For exactly
    //!   once downstream, key the messages and let the consumer keep the latest per key.
    //!
    //! # Example
    //!
    //! ```no_run
    //! # #[cfg(feature = "kafka")] {
    //! use dstream::prelude::*;
    //!
    //! let job = stream! {
    //!     socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1))
    //!         |> reduce_by_key(+) every 1s
    //!         |> to_kafka("127.0.0.1:9092", "word-counts")
    //! };
    //! job.run().unwrap();
    //! # }
    //! ```
}

pub mod save_as_text_files {
    //! `save_as_text_files(prefix, [suffix])`: writes each batch to the directory
    //! `prefix-<ms>.suffix`, one `part-NNNNN` file per partition; to an S3 bucket for a
    //! prefix `s3://bucket/prefix` (feature `s3`).
    //!
    //! **Spark:** `DStream.saveAsTextFiles(prefix, suffix)`.
    //!
    //! # Semantics
    //!
    //! An output operation: it ends a pipeline.
    //!
    //! * `prefix` and `suffix` are `&str` or `String` expressions, evaluated once when the
    //!   job is built. The batch at time `T` is written to the directory named as Spark's
    //!   `rddToFileName` does: `prefix-<T in ms>.suffix`; without a suffix (or with `""`),
    //!   `prefix-<T in ms>`; with an empty prefix, `<T in ms>[.suffix]`. A prefix with
    //!   slashes puts the directories under that path, which is created if needed.
    //! * The directory holds one file `part-00000`, `part-00001`, ... per partition of the
    //!   stream, each with one record per line rendered as [`print`](mod@super::print)
    //!   shows it, and an empty `_SUCCESS` marker. **Every batch writes a directory**: an
    //!   empty batch gives empty `part-` files, as in Spark.
    //! * The directory is written under a hidden temporary name and renamed into place, so a
    //!   reader never sees half a batch; writing the same batch again replaces it.
    //! * A write error (disk full, no permission) fails the batch: [`Job::run`](crate::Job::run)
    //!   returns the error.
    //!
    //! # S3 and S3-compatible object stores
    //!
    //! With the cargo feature **`s3`**, a prefix `s3://bucket/path/prefix` writes the same
    //! layout as objects: `path/prefix-<ms>.suffix/part-NNNNN` and `…/_SUCCESS` in `bucket`,
    //! through the [`object_store`](https://docs.rs/object_store) crate. Without the
    //! feature, such a prefix stops the job when it starts, before its sources, with an error
    //! that names the feature.
    //!
    //! * The client is configured by the standard AWS environment variables:
    //!   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_REGION`,
    //!   and `AWS_ENDPOINT_URL` for a server other than AWS (MinIO, Garage, s3s-fs, …). An
    //!   `http://` endpoint is allowed as written; `AWS_ALLOW_HTTP=true` allows plain HTTP
    //!   elsewhere. Requests are path-style (`endpoint/bucket/key`) unless
    //!   `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`. The bucket must exist.
    //! * A bucket has no atomic rename, but each PUT replaces one object atomically, so a
    //!   batch is written in an order that keeps `_SUCCESS` honest: the batch's old
    //!   `_SUCCESS` is deleted, every part is put, parts left by an earlier copy with more
    //!   partitions are deleted, and `_SUCCESS` is put last. A reader who sees `_SUCCESS` sees
    //!   a complete batch; a batch that runs again after a crash ends with the same objects.
    //! * Each request is tried up to 5 times with a doubling backoff (0.2 s to 5 s), every
    //!   failure logged as a warning; a request the server refuses (a wrong key or secret,
    //!   no such bucket) is not retried. The error that stops the job names the request and
    //!   the object, e.g. `PUT s3://bucket/path/prefix-1000.txt/part-00000 failed after 5
    //!   tries: …`.
    //!
    //! ```no_run
    //! # #[cfg(feature = "s3")] {
    //! use dstream::prelude::*;
    //!
    //! // AWS_ENDPOINT_URL=http://127.0.0.1:9000 AWS_REGION=us-east-1
    //! // AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… in the environment.
    //! let job = stream! {
    //!     socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+)
    //!         every 10s |> save_as_text_files("s3://dstream/wordcount/counts", "txt")
    //! };
    //! job.run().unwrap();
    //! # }
    //! ```
    //!
    //! # Example
    //!
    //! ```
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let dir = std::env::temp_dir().join(format!("dstream-doc-save-{}", std::process::id()));
    //! let prefix = dir.join("counts").to_string_lossy().into_owned();
    //! let job = stream! {
    //!     queue(vec![vec!["a b a"]]) |> flat_map(split) |> map(|w| (w, 1))
    //!         |> reduce_by_key(+, 1) every 1s |> save_as_text_files(prefix, "txt")
    //! };
    //! Harness::new(job).run_batches(2).unwrap();
    //! let first = dir.join("counts-1000.txt");
    //! let mut lines: Vec<String> = std::fs::read_to_string(first.join("part-00000"))
    //!     .unwrap()
    //!     .lines()
    //!     .map(str::to_owned)
    //!     .collect();
    //! lines.sort();
    //! assert_eq!(lines, ["(a,2)", "(b,1)"]);
    //! assert!(first.join("_SUCCESS").exists());
    //! // The second batch is empty: its directory holds an empty part file.
    //! let second = dir.join("counts-2000.txt");
    //! assert_eq!(std::fs::read_to_string(second.join("part-00000")).unwrap(), "");
    //! std::fs::remove_dir_all(&dir).unwrap();
    //! ```
}

pub mod to_sql {
    //! `to_sql(url, table)` / `to_sql(url, table, options)`: writes each batch into `table`
    //! of a SQLite (`"sqlite://path/to.db"`, feature `sqlite`) or PostgreSQL
    //! (`"postgres://user@host:port/db"`, feature `postgres`) database, **exactly once**. No
    //! Spark counterpart (Spark leaves this to `foreachRDD`).
    //!
    //! * Output operation. Each record is one row: a pair `(key, value)` gives the key's
    //!   columns then the value's, named `key`/`value` (or `key_1`, `key_2`, … and
    //!   `value_1`, … when a part is a tuple, which flattens), then `batch_time`, the batch
    //!   time in milliseconds. A record that is not a pair is `value` columns only. Column
    //!   types come from the Rust types: integers `INTEGER`/`BIGINT`, floats
    //!   `REAL`/`DOUBLE PRECISION`, `bool` `BOOLEAN`, strings `TEXT`, `Option<_>` the same
    //!   without `NOT NULL` (table in [`SqlType`](crate::sink::sql::SqlType)). Other types:
    //!   implement [`SqlColumns`](crate::sink::sql::SqlColumns).
    //! * The table is created when missing (an existing one is used as it is), and so is
    //!   `dstream_batches(job, table_name, batch_time, row_count)`. Each batch is **one
    //!   transaction** holding its rows and its marker row; the transaction first looks for
    //!   the marker and writes nothing if the batch is already there. After a crash, a batch
    //!   that runs again therefore changes nothing, whether the crash came before or after its
    //!   commit: with a source that describes its cuts and `#![checkpoint(dir)]`, every input
    //!   record is counted once (see [`fault_tolerance`](crate::fault_tolerance)). An empty
    //!   batch commits its marker only.
    //! * `options`: [`SqlOptions::append()`](crate::sink::sql::SqlOptions::append) (the
    //!   default: a history, every batch's rows) or
    //!   [`SqlOptions::upsert()`](crate::sink::sql::SqlOptions::upsert): one row per key, the
    //!   latest (a primary key on the key columns, `INSERT … ON CONFLICT DO UPDATE`), for
    //!   state snapshots a dashboard reads. `.retries(n)` and `.backoff(d)` tune the retries.
    //! * It connects on the first batch. A failed connection or transaction is logged and
    //!   retried with backoff (5 times, from 200 ms, doubling); after that, or at once for a
    //!   mistake in what was written (an unknown URL scheme, a bad table name), the job stops
    //!   with an error naming the table and the URL, its password hidden.
    //! * Without the `sqlite` and `postgres` features, a program using `to_sql` does not
    //!   compile, with an error naming them.
    //!
    //! # Example
    //!
    //! (With the `sqlite` feature.)
    //!
    #![cfg_attr(feature = "sqlite", doc = "```")]
    #![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //!
    //! let dir = std::env::temp_dir().join(format!("dstream-doc-to-sql-{}", std::process::id()));
    //! std::fs::create_dir_all(&dir).unwrap();
    //! let url = format!("sqlite://{}", dir.join("counts.db").display());
    //! let job = stream! {
    //!     queue(vec![vec!["a b a"], vec!["b"]]) |> flat_map(split) |> map(|w| (w, 1u64))
    //!         |> reduce_by_key(+) every 1s |> to_sql(url.as_str(), "word_counts")
    //! };
    //! Harness::new(job).run_batches(2).unwrap();
    //!
    //! let db = rusqlite::Connection::open(dir.join("counts.db")).unwrap();
    //! let mut rows = db.prepare("SELECT key, value, batch_time FROM word_counts ORDER BY batch_time, key").unwrap();
    //! let rows: Vec<(String, i64, i64)> =
    //!     rows.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    //! assert_eq!(rows, [("a".into(), 2, 1000), ("b".into(), 1, 1000), ("b".into(), 1, 2000)]);
    //! let markers: i64 = db.query_row("SELECT count(*) FROM dstream_batches", [], |r| r.get(0)).unwrap();
    //! assert_eq!(markers, 2);
    //! std::fs::remove_dir_all(&dir).unwrap();
    //! ```
    //!
    //! Records that are not rows do not compile, with a message saying what a row can be:
    //!
    #![cfg_attr(feature = "sqlite", doc = "```compile_fail")]
    #![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
    //! use dstream::prelude::*;
    //! let job = stream! {
    //!     queue(vec![vec![vec![1, 2]]]) every 1s |> to_sql("sqlite://counts.db", "lists")
    //! };
    //! ```
}

pub mod dashboard {
    //! `dashboard(address)`: serves a live web page of each batch's `(label, number)` records
    //! on `address` (for example `"127.0.0.1:8080"`): a chart of every label over the last 60
    //! batches, and a table of the latest batch with its time and processing time. No Spark
    //! counterpart.
    //!
    //! * Output operation; the records must be `(K, V)` pairs with `K: Render` (the label) and
    //!   `V` a number (any integer or float type); records with the same label are added up.
    //! * The page updates live through server-sent events (`/events`, one JSON message per
    //!   batch, history first for a new page); `/latest` returns the latest batch as JSON
    //!   (`null` before the first). The page needs no external resources.
    //! * The server starts when the job is built and lives as long as the job. An address that
    //!   cannot be bound fails the first batch with an error naming `dashboard`.
    //! * Typical use: `let counts = ... |> reduce_by_key(+); counts |> print; counts |>
    //!   dashboard("127.0.0.1:8080")` (see `examples/order_dashboard.rs`).
    //!
    //! # Example
    //!
    //! (With the `dashboard` feature.)
    //!
    #![cfg_attr(feature = "dashboard", doc = "```")]
    #![cfg_attr(not(feature = "dashboard"), doc = "```ignore")]
    //! use dstream::prelude::*;
    //! use dstream::testing::Harness;
    //! use std::io::{Read, Write};
    //!
    //! let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    //! let job = stream! {
    //!     queue(vec![vec!["shipped", "purchased", "shipped"]])
    //!         |> map(|status| (status, 1u64)) |> reduce_by_key(+) every 1s |> dashboard(addr.as_str())
    //! };
    //! let mut harness = Harness::new(job); // the page is served while the job lives
    //! harness.step().unwrap();
    //! let mut http = std::net::TcpStream::connect(&addr).unwrap();
    //! http.write_all(b"GET /latest HTTP/1.0\r\n\r\n").unwrap();
    //! let mut response = String::new();
    //! http.read_to_string(&mut response).unwrap();
    //! assert!(response.contains(r#"{"counts":{"purchased":1,"shipped":2},"processing_ms":"#), "{response}");
    //! assert!(response.ends_with(r#","time":1000}"#), "{response}");
    //! ```
}
