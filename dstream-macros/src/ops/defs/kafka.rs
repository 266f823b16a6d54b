//! `kafka`: its entry in the operator table (a connector source).

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "kafka",
    Kind::Source,
    &[arg("brokers", Value), arg("topic", Value), optional("options", Value)],
    "the message values of a Kafka topic as `String`s, read by offset ranges decided at each batch (feature `kafka`)",
    r#"kafka("127.0.0.1:9092", "lines") every 1s |> print"#,
    |a| Some(Op::Source(Source::Connector(a.call("kafka")?))),
)
.emits(Emit::Source(super::source::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::kafka`.
static PAGE: Page = Page {
    spark: "`KafkaUtils.createDirectStream`",
    output: "the message values, as `String`",
    text: r#"
`kafka(brokers, topic, [options])`: the message values of a Kafka topic, one `String`
record per message (feature `kafka`).

**Spark:** `KafkaUtils.createDirectStream` (the direct approach of
`spark-streaming-kafka-0-10`).

# Semantics

* At each batch the job asks the brokers for every partition's latest offset and takes
  one offset range `[from, until)` per partition: from where the previous batch stopped
  up to that offset, at most `max_records_per_partition` messages. It then reads exactly
  those messages (an assign-based consumer: no group membership, no rebalancing).
  Records are in partition order, and in offset order within a partition.
* With `#![checkpoint]`, the ranges of each batch are logged before its outputs run and
  the next offsets are in every checkpoint: a batch run again after a crash reads
  exactly the same messages, so an output that commits by batch time is exactly once
  (see [`fault_tolerance`](crate::fault_tolerance)).
* With a `group`, the offsets of a batch are committed to that consumer group after the
  batch's outputs ran (as Spark's `commitAsync`), for monitoring tools. The job itself
  resumes from its checkpoint, never from the group's offsets.
* A value that is not valid UTF-8 is dropped, counted (`malformed_not_utf8` in the
  job's [metrics](crate::metrics)) and logged; its offset is consumed. A message
  without a value is an empty record.
* Brokers that do not answer never stop the job: the failure is logged and counted
  (`connection_failures`), the batch takes nothing, and later batches retry with an
  exponential backoff (0.5 s doubling to 30 s). A cut waits at most 5 s for its
  messages; what did not arrive goes to the next batch. A batch run again after a
  crash must read its whole ranges: it retries for up to two minutes, then stops the
  job with an error naming the ranges (for example, deleted by retention).
* Kafka partitions are not the job's partitions: a batch's records are cut into the
  job's partitions like any source's.
* On a cluster (`docs/cluster.md`) every process reads the Kafka partitions assigned
  to it, `partition % processes == process`, into its own partitions; its ranges are
  in its own batch log and checkpoint, and it commits its partitions' offsets to the
  group. With one process nothing changes.

# Options

The optional third argument is a [`KafkaOptions`](crate::source::kafka::KafkaOptions):

| Option | Default | Meaning |
|---|---|---|
| `group(id)` | none | consumer group the completed batches' offsets are committed to |
| `starting_offsets(..)` | `Latest` | where a job without a checkpoint starts: `Earliest` or `Latest` (partitions added later start at their earliest) |
| `max_records_per_partition(n)` | no cap | at most `n` messages of each partition per batch (Spark's `maxRatePerPartition` × interval) |
| `client_property(k, v)` | | any librdkafka property (`security.protocol`, …) |

The feature builds librdkafka (the C client) from source: it needs a C compiler and
`make`.
A test broker: `scripts/services up kafka` (tansu at `127.0.0.1:9092`).

# Example

```no_run
# #[cfg(feature = "kafka")] {
use dstream::prelude::*;
use dstream::source::kafka::{KafkaOptions, StartingOffsets};

let options = KafkaOptions::new()
    .group("wordcount")
    .starting_offsets(StartingOffsets::Earliest)
    .max_records_per_partition(100_000);
let job = stream! {
    #![checkpoint("/tmp/wordcount-checkpoints", 10s)]
    kafka("127.0.0.1:9092", "lines", options)
        |> flat_map(|line| line.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        |> map(|w| (w, 1))
        |> reduce_by_key(+) every 1s
        |> print
};
job.run().unwrap();
# }
```
"#,
};
