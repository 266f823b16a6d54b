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
//!   A later statement can start from it (`name |> ...`), and [`union`] can take it as an
//!   argument. A named stream used more than once is computed once per batch and its records
//!   are kept for every user, so they must be `Clone`.
//! * **Several outputs.** Each statement that ends in an output is one pipeline. Within a
//!   batch the outputs run one after another, in the order written (Spark's job order).
//! * **Nothing runs without an output**: a pipeline that does not end in an output operation
//!   is a compile error, as is an unknown operator (with a suggestion), a wrong number of
//!   arguments, a source in the middle of a pipeline, an operator after an output or an unused
//!   named stream. All errors are reported at once, each on the tokens it is about.
//! * **Settings.** `#![unfused]` at the start of a program makes every operator materialise
//!   its output in a `Vec` instead of fusing the narrow operators into one loop; the results
//!   are the same. It exists to measure what fusion buys. `#![fused]` is the default.
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
//! | reducer | a closure of two values (`\|a, b\| a + b`) or a shorthand: `+`, `*`, `min`, `max` | as for a function |
//! | value | any expression (`queue`'s batches, `socket`'s host and port, file prefixes) | once, when the job is built |
//! | count | a `usize` expression (partitions, `print`'s number of records) | once, when the job is built |
//! | stream | the name of a `let` stream ([`union`]'s arguments) | |
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
//! * The **shuffle** operators ([`reduce_by_key`], [`group_by_key`], [`count_by_value`],
//!   [`count`], [`reduce`]) need all records of a key, or of the whole batch, together: the
//!   compiler ends a stage there. The keyed ones hash-partition their output by key (into
//!   their optional `partitions` argument, else the job's number of partitions), so **the
//!   order of their output records is unspecified**; compare it as a multiset, as Spark's
//!   suites do. [`count`] and [`reduce`] gather into one partition.
//!
//! Every operator is per batch: the result for a batch depends only on that batch's records.
//! [`Job::explain`](crate::Job::explain) shows the stages the compiler made.
//!
//! # The operators
//!
//! | Operator | Spark | Kind | Output per batch |
//! |---|---|---|---|
//! | [`socket(host, port, [config])`](socket) | `socketTextStream` | source | the lines received, as `&str` |
//! | [`queue(batches)`](queue) | `queueStream` | source | the next queued batch, then empty batches |
//! | [`map(func)`](map) | `map` | narrow | `func(x)` for each record `x` |
//! | [`flat_map(func)`](flat_map) | `flatMap` | narrow | every item of `func(x)` |
//! | [`filter(predicate)`](filter) | `filter` | narrow | the records `x` with `predicate(&x)` |
//! | [`map_values(func)`](map_values) | `mapValues` | narrow | `(k, func(v))` |
//! | [`flat_map_values(func)`](flat_map_values) | `flatMapValues` | narrow | `(k, w)` for every `w` of `func(v)` |
//! | [`union(other, ...)`](union) | `union` | union | this stream's records, then each other stream's |
//! | [`reduce_by_key(func, [partitions])`](reduce_by_key) | `reduceByKey` | shuffle | one `(k, v)` per distinct key |
//! | [`group_by_key([partitions])`](group_by_key) | `groupByKey` | shuffle | one `(k, Vec<v>)` per distinct key |
//! | [`count_by_value([partitions])`](count_by_value) | `countByValue` | shuffle | one `(x, u64)` per distinct record |
//! | [`count`] | `count` | shuffle | one `u64`, `0` for an empty batch |
//! | [`reduce(func)`](reduce) | `reduce` | shuffle | one record, none for an empty batch |
//! | [`print([num])`](mod@print) | `print` | output | prints the batch as Spark does |
//! | [`foreach_batch(func)`](foreach_batch) | `foreachRDD` | output | calls `func(records, time)` |
//! | [`save_as_text_files(prefix, [suffix])`](save_as_text_files) | `saveAsTextFiles` | output | writes the directory `prefix-<ms>[.suffix]` |

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
    //! * Backpressure: the receiver hands blocks to the batch loop through a bounded channel;
    //!   when the job falls behind, the receiver stops reading and TCP flow control slows the
    //!   sender.
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
    //! | `channel_capacity` | 256 | blocks (one per socket read) buffered between the receiver and the batch loop |
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
    //! Spark's `map(toString)` vector (spark-semantics.md E1). The records keep their order
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
    //!   allocating ([`split`](crate::text::split), in the prelude).
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

pub mod save_as_text_files {
    //! `save_as_text_files(prefix, [suffix])`: writes each batch to the directory
    //! `prefix-<ms>.suffix`, one `part-NNNNN` file per partition.
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
