//! Every operator of the language, one entry each: its name, what it does to the stream, its
//! parameters, its one-line summary, a runnable example, and how its checked arguments become
//! a typed [`Op`]. Its user documentation is the module of the same name in the `dstream`
//! crate's `operators.rs`; `tests::every_operator_is_complete` checks that it is there.

use super::ArgKind::*;
use super::*;
use crate::ir::{Op, Source, Target};

const fn arg(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: true }
}

const fn optional(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: false }
}

/// An entry with no variadic parameter.
#[allow(clippy::too_many_arguments)]
const fn op(
    name: &'static str,
    kind: Kind,
    args: &'static [ArgSpec],
    summary: &'static str,
    example: &'static str,
    build: Build,
) -> OpSpec {
    OpSpec { name, kind, args, variadic: false, summary, example, build }
}

/// The join-like operators: `other` stream and an optional partition count.
const JOIN_ARGS: &[ArgSpec] = &[arg("other", Stream), optional("partitions", Count)];
/// A window's duration parameters.
const WINDOW_ARGS: &[ArgSpec] = &[arg("length", Duration), optional("slide", Duration)];

/// Every operator of the language.
pub static OPERATORS: &[OpSpec] = &[
    op(
        "socket",
        Kind::Source(SourceOp::Socket),
        &[arg("host", Value), arg("port", Value), optional("config", Value)],
        "lines of text from a TCP server, one record per line",
        r#"socket("localhost", 9999) every 1s |> print"#,
        |a| Some(Op::Source(Source::Socket { host: a.expr("host")?, port: a.expr("port")?, config: a.opt_expr("config") })),
    ),
    op(
        "queue",
        Kind::Source(SourceOp::Queue),
        &[arg("batches", Value)],
        "one queued batch per batch time, then empty batches",
        r#"queue(vec![vec![1, 2]]) every 1s |> print"#,
        |a| Some(Op::Source(Source::Queue(a.expr("batches")?))),
    ),
    op(
        "text_files",
        Kind::Source(SourceOp::TextFiles),
        &[arg("dir", Value)],
        "lines of the new files that appear in a directory (by modification time), exactly once",
        r#"text_files("in") every 1s |> print"#,
        |a| Some(Op::Source(Source::TextFiles(a.expr("dir")?))),
    ),
    op(
        "source",
        Kind::Source(SourceOp::Custom),
        &[arg("source", Value)],
        "any value implementing `dstream::source::Source` (your own receiver, or a source built outside the program)",
        r#"source(my_source) every 1s |> print"#,
        |a| Some(Op::Source(Source::Custom(a.expr("source")?))),
    ),
    op(
        "kafka",
        Kind::Source(SourceOp::Connector),
        &[arg("brokers", Value), arg("topic", Value), optional("options", Value)],
        "the message values of a Kafka topic as `String`s, read by offset ranges decided at each batch (feature `kafka`)",
        r#"kafka("127.0.0.1:9092", "lines") every 1s |> print"#,
        |a| Some(Op::Source(Source::Connector(a.call("kafka")?))),
    ),
    op(
        "nats",
        Kind::Source(SourceOp::Connector),
        &[arg("url", Value), arg("subject", Value), optional("options", Value)],
        "the payloads of a NATS JetStream subject as `String`s, acknowledged once the batch's outputs were written (feature `nats`)",
        r#"nats("nats://127.0.0.1:4222", "lines") every 1s |> print"#,
        |a| Some(Op::Source(Source::Connector(a.call("nats")?))),
    ),
    op(
        "map",
        Kind::Narrow(NarrowOp::Map),
        &[arg("func", Function)],
        "one record out per record in",
        r#"queue(vec![vec![1, 2]]) |> map(|x| x * 2) every 1s |> print"#,
        |a| Some(Op::Narrow(NarrowOp::Map, a.expr("func")?)),
    ),
    op(
        "flat_map",
        Kind::Narrow(NarrowOp::FlatMap),
        &[arg("func", Function)],
        "any number of records out per record in",
        r#"queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> print"#,
        |a| Some(Op::Narrow(NarrowOp::FlatMap, a.expr("func")?)),
    ),
    op(
        "filter",
        Kind::Narrow(NarrowOp::Filter),
        &[arg("predicate", Function)],
        "keeps the records for which the predicate holds",
        r#"queue(vec![vec![1, 2]]) |> filter(|x| *x > 1) every 1s |> print"#,
        |a| Some(Op::Narrow(NarrowOp::Filter, a.expr("predicate")?)),
    ),
    op(
        "map_values",
        Kind::Narrow(NarrowOp::MapValues),
        &[arg("func", Function)],
        "maps the value of each (key, value) pair, keeping the key",
        r#"queue(vec![vec![("a", 1)]]) |> map_values(|v| v + 10) every 1s |> print"#,
        |a| Some(Op::Narrow(NarrowOp::MapValues, a.expr("func")?)),
    ),
    op(
        "flat_map_values",
        Kind::Narrow(NarrowOp::FlatMapValues),
        &[arg("func", Function)],
        "any number of values per (key, value) pair, each with the key",
        r#"queue(vec![vec![("a", 1)]]) |> flat_map_values(|v| vec![v, v + 10]) every 1s |> print"#,
        |a| Some(Op::Narrow(NarrowOp::FlatMapValues, a.expr("func")?)),
    ),
    OpSpec {
        name: "union",
        kind: Kind::Union,
        variadic: true,
        args: &[arg("other", Stream)],
        summary: "the records of this stream, then those of each named stream (partitions concatenated)",
        example: r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> union(b) every 1s |> print"#,
        build: |_| Some(Op::Union),
    },
    op(
        "glom",
        Kind::Reshape(ReshapeOp::Glom),
        &[],
        "each partition becomes one record: the `Vec` of its records",
        r#"queue(vec![vec![1, 2]]) |> glom every 1s |> print"#,
        |_| Some(Op::Glom),
    ),
    op(
        "map_partitions",
        Kind::Reshape(ReshapeOp::MapPartitions),
        &[arg("func", Function)],
        "`func(records)` gets an iterator over one partition and returns its new records",
        r#"queue(vec![vec![1, 2]]) |> map_partitions(|xs| xs.map(|x| x + 1)) every 1s |> print"#,
        |a| Some(Op::MapPartitions(a.expr("func")?)),
    ),
    op(
        "repartition",
        Kind::Reshape(ReshapeOp::Repartition),
        &[arg("partitions", Count)],
        "deals the records round-robin into exactly `partitions` partitions",
        r#"queue(vec![vec![1, 2]]) |> repartition(3) every 1s |> print"#,
        |a| Some(Op::Repartition(a.expr("partitions")?)),
    ),
    op(
        "transform",
        Kind::Reshape(ReshapeOp::Transform),
        &[arg("func", Function)],
        "`func(records, time)` gets all records of the batch and returns the new ones",
        r#"queue(vec![vec![2, 1]]) |> transform(|mut xs: Vec<i32>, _| { xs.sort(); xs }) every 1s |> print"#,
        |a| Some(Op::Transform(a.expr("func")?)),
    ),
    op(
        "transform_with",
        Kind::Binary(BinaryOp::TransformWith),
        &[arg("other", Stream), arg("func", Function)],
        "`func(records, other_records, time)` gets both streams' batches and returns the new records",
        r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> transform_with(b, |xs: Vec<i32>, ys: Vec<i32>, _| [xs, ys].concat()) every 1s |> print"#,
        |a| Some(Op::TransformWith(a.expr("func")?)),
    ),
    op(
        "join",
        Kind::Binary(BinaryOp::Join),
        JOIN_ARGS,
        "per batch, `(k, (v, w))` for every pair of values of a key present in both streams",
        r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> join(b) every 1s |> print"#,
        |a| Some(Op::Join(BinaryOp::Join, a.opt_expr("partitions"))),
    ),
    op(
        "left_outer_join",
        Kind::Binary(BinaryOp::LeftOuterJoin),
        JOIN_ARGS,
        "per batch, `(k, (v, Option<w>))` for every key of this stream",
        r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> left_outer_join(b) every 1s |> print"#,
        |a| Some(Op::Join(BinaryOp::LeftOuterJoin, a.opt_expr("partitions"))),
    ),
    op(
        "right_outer_join",
        Kind::Binary(BinaryOp::RightOuterJoin),
        JOIN_ARGS,
        "per batch, `(k, (Option<v>, w))` for every key of the other stream",
        r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> right_outer_join(b) every 1s |> print"#,
        |a| Some(Op::Join(BinaryOp::RightOuterJoin, a.opt_expr("partitions"))),
    ),
    op(
        "full_outer_join",
        Kind::Binary(BinaryOp::FullOuterJoin),
        JOIN_ARGS,
        "per batch, `(k, (Option<v>, Option<w>))` for every key of either stream",
        r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> full_outer_join(b) every 1s |> print"#,
        |a| Some(Op::Join(BinaryOp::FullOuterJoin, a.opt_expr("partitions"))),
    ),
    op(
        "cogroup",
        Kind::Binary(BinaryOp::Cogroup),
        JOIN_ARGS,
        "per batch, `(k, (values, other_values))` for every key of either stream",
        r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> cogroup(b) every 1s |> print"#,
        |a| Some(Op::Join(BinaryOp::Cogroup, a.opt_expr("partitions"))),
    ),
    op(
        "combine_by_key",
        Kind::Shuffle(ShuffleOp::CombineByKey),
        &[
            arg("create_combiner", Function),
            arg("merge_value", Function),
            arg("merge_combiners", Function),
            optional("partitions", Count),
        ],
        "per key: `create_combiner(v)` for its first value, `merge_value(c, v)` for the next, `merge_combiners(c1, c2)` across partitions",
        r#"queue(vec![vec![("a", 1)]]) |> combine_by_key(|v| (v, 1), |(s, n), v| (s + v, n + 1), |(s, n), (t, m)| (s + t, n + m)) every 1s |> print"#,
        |a| {
            Some(Op::CombineByKey {
                create: a.expr("create_combiner")?,
                merge_value: a.expr("merge_value")?,
                merge_combiners: a.expr("merge_combiners")?,
                partitions: a.opt_expr("partitions"),
            })
        },
    ),
    op(
        "reduce_by_key",
        Kind::Shuffle(ShuffleOp::ReduceByKey),
        &[arg("func", Reducer), optional("partitions", Count)],
        "combines the values of each key in the batch",
        r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> reduce_by_key(+) every 1s |> print"#,
        |a| Some(Op::ReduceByKey(a.reducer("func")?, a.opt_expr("partitions"))),
    ),
    op(
        "group_by_key",
        Kind::Shuffle(ShuffleOp::GroupByKey),
        &[optional("partitions", Count)],
        "collects the values of each key in the batch",
        r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> group_by_key every 1s |> print"#,
        |a| Some(Op::GroupByKey(a.opt_expr("partitions"))),
    ),
    op(
        "count_by_value",
        Kind::Shuffle(ShuffleOp::CountByValue),
        &[optional("partitions", Count)],
        "counts each distinct record in the batch",
        r#"queue(vec![vec!["a", "a"]]) |> count_by_value every 1s |> print"#,
        |a| Some(Op::CountByValue(a.opt_expr("partitions"))),
    ),
    op(
        "count",
        Kind::Shuffle(ShuffleOp::Count),
        &[],
        "the number of records in the batch (0 for an empty batch)",
        r#"queue(vec![vec![1, 2]]) |> count every 1s |> print"#,
        |_| Some(Op::Count),
    ),
    op(
        "reduce",
        Kind::Shuffle(ShuffleOp::Reduce),
        &[arg("func", Reducer)],
        "combines all records of the batch into one (none for an empty batch)",
        r#"queue(vec![vec![1, 2]]) |> reduce(+) every 1s |> print"#,
        |a| Some(Op::Reduce(a.reducer("func")?)),
    ),
    op(
        "window",
        Kind::Window(WindowOp::Window),
        WINDOW_ARGS,
        "at every slide, the records of the batches in the last `length`",
        r#"queue(vec![vec![1], vec![2]]) every 1s |> window(2s, 1s) |> print"#,
        |a| Some(Op::Window(a.window()?)),
    ),
    op(
        "reduce_by_key_and_window",
        Kind::Window(WindowOp::ReduceByKeyAndWindow),
        &[
            arg("func", Reducer),
            optional("inverse", Reducer),
            arg("length", Duration),
            optional("slide", Duration),
            optional("filter", Function),
        ],
        "combines the values of each key over the window; with `inverse`, incrementally",
        r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print"#,
        |a| {
            Some(Op::ReduceByKeyAndWindow {
                func: a.reducer("func")?,
                inverse: a.opt_reducer("inverse"),
                window: a.window()?,
                filter: a.opt_expr("filter"),
            })
        },
    ),
    op(
        "reduce_by_window",
        Kind::Window(WindowOp::ReduceByWindow),
        &[arg("func", Reducer), optional("inverse", Reducer), arg("length", Duration), optional("slide", Duration)],
        "combines all records of the window into one (none for an empty window); with `inverse`, incrementally, as Spark's `reduceByWindow(f, invF, ..)`",
        r#"queue(vec![vec![1], vec![2]]) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print"#,
        |a| {
            Some(Op::ReduceByWindow { func: a.reducer("func")?, inverse: a.opt_reducer("inverse"), window: a.window()? })
        },
    ),
    op(
        "count_by_window",
        Kind::Window(WindowOp::CountByWindow),
        WINDOW_ARGS,
        "the number of records in the window (0 for an empty window)",
        r#"queue(vec![vec![1], vec![2]]) every 1s |> count_by_window(2s, 1s) |> print"#,
        |a| Some(Op::CountByWindow(a.window()?)),
    ),
    op(
        "count_by_value_and_window",
        Kind::Window(WindowOp::CountByValueAndWindow),
        WINDOW_ARGS,
        "counts each distinct record over the window",
        r#"queue(vec![vec!["a"], vec!["a"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print"#,
        |a| Some(Op::CountByValueAndWindow(a.window()?)),
    ),
    op(
        "group_by_key_and_window",
        Kind::Window(WindowOp::GroupByKeyAndWindow),
        WINDOW_ARGS,
        "collects the values of each key over the window",
        r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> group_by_key_and_window(2s, 1s) |> print"#,
        |a| Some(Op::GroupByKeyAndWindow(a.window()?)),
    ),
    op(
        "update_state_by_key",
        Kind::State(StateOp::UpdateStateByKey),
        &[arg("func", Function), optional("initial", Value)],
        "keeps a state per key, updated every batch by `func(values, state)` (or `func(time, key, values, state)`); emits every key's state",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> update_state_by_key(|vs: Vec<i32>, s: Option<i32>| Some(s.unwrap_or(0) + vs.iter().sum::<i32>())) |> print"#,
        |a| {
            let func = a.expr("func")?;
            let with_time_and_key = matches!(&func, syn::Expr::Closure(c) if c.inputs.len() == 4);
            Some(Op::UpdateStateByKey { func, initial: a.opt_expr("initial"), with_time_and_key })
        },
    ),
    op(
        "map_with_state",
        Kind::State(StateOp::MapWithState),
        &[arg("func", Function), optional("initial", Value), optional("timeout", Duration)],
        "calls `func(key, value, state)` for each record, with the key's state; emits what it returns",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> print"#,
        |a| {
            Some(Op::MapWithState {
                func: a.expr("func")?,
                initial: a.opt_expr("initial"),
                timeout: a.opt_duration("timeout"),
            })
        },
    ),
    op(
        "state_snapshots",
        Kind::State(StateOp::StateSnapshots),
        &[],
        "after `map_with_state`: every (key, state) after each batch",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> state_snapshots |> print"#,
        |_| Some(Op::StateSnapshots),
    ),
    op(
        "print",
        Kind::Output(OutputOp::Print),
        &[optional("num", Count)],
        "prints the batch time and the first `num` (10) records, as Spark does",
        r#"queue(vec![vec![1, 2]]) every 1s |> print(1)"#,
        |a| Some(Op::Print(a.opt_expr("num"))),
    ),
    op(
        "foreach_batch",
        Kind::Output(OutputOp::ForeachBatch),
        &[arg("func", Function)],
        "calls `func(records, time)` once per batch with all of the batch's records",
        r#"queue(vec![vec![1, 2]]) every 1s |> foreach_batch(|xs: Vec<i32>, _| println!("{xs:?}"))"#,
        |a| Some(Op::ForeachBatch(a.expr("func")?)),
    ),
    op(
        "foreach_partition",
        Kind::Output(OutputOp::ForeachPartition),
        &[arg("func", Function)],
        "calls `func(records, time, partition)` once per partition with that partition's records, on the partition's worker",
        r#"queue(vec![vec![1, 2]]) every 1s |> foreach_partition(|xs: Vec<i32>, _, p| println!("{p}: {xs:?}"))"#,
        |a| Some(Op::ForeachPartition(a.expr("func")?)),
    ),
    op(
        "save_as_text_files",
        Kind::Output(OutputOp::SaveAsTextFiles),
        &[arg("prefix", Value), optional("suffix", Value)],
        "writes each batch to the directory `prefix-<ms>.suffix`, one `part-NNNNN` file per partition",
        r#"queue(vec![vec![1, 2]]) every 1s |> save_as_text_files("out/counts", "txt")"#,
        |a| Some(Op::SaveAsTextFiles { prefix: a.expr("prefix")?, suffix: a.opt_expr("suffix") }),
    ),
    op(
        "dashboard",
        Kind::Output(OutputOp::Dashboard),
        &[arg("address", Value)],
        "serves a live web page of the batch's (label, number) records on `address`: a chart over recent batches and the latest table",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> dashboard("127.0.0.1:0")"#,
        |a| Some(Op::Dashboard(a.expr("address")?)),
    ),
    op(
        "to_sql",
        Kind::Output(OutputOp::Output),
        &[arg("url", Value), arg("table", Value), optional("options", Value)],
        "writes each batch into a SQLite (`sqlite://path`) or PostgreSQL (`postgres://..`) table, exactly once: rows and a marker of the batch in one transaction",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> to_sql("sqlite://counts.db", "counts")"#,
        |a| Some(Op::Output(Target::Connector(a.call("to_sql")?))),
    ),
    op(
        "to_kafka",
        Kind::Output(OutputOp::Output),
        &[arg("brokers", Value), arg("topic", Value)],
        "writes each batch to a Kafka topic: text records as message values, `(key, value)` pairs as keyed messages; at least once (feature `kafka`)",
        r#"queue(vec![vec![("a", 1)]]) every 1s |> to_kafka("127.0.0.1:9092", "counts")"#,
        |a| Some(Op::Output(Target::Connector(a.call("to_kafka")?))),
    ),
    op(
        "output",
        Kind::Output(OutputOp::Output),
        &[arg("sink", Value)],
        "writes each batch to any value implementing `dstream::sink::Sink` (your own output with its own connection or state)",
        r#"queue(vec![vec![1, 2]]) every 1s |> output(my_sink)"#,
        |a| Some(Op::Output(Target::Value(a.expr("sink")?))),
    ),
];
