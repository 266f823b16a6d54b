//! `to_kafka`: its entry in the operator table (a connector output).

use super::*;
use crate::ir::{Op, Target};

pub static SPEC: OpSpec = op(
    "to_kafka",
    Kind::Output,
    &[arg("brokers", Value), arg("topic", Value)],
    "writes each batch to a Kafka topic: text records as message values, `(key, value)` pairs as keyed messages; at least once (feature `kafka`)",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> to_kafka("127.0.0.1:9092", "counts")"#,
    |a| Some(Op::Output(Target::Connector(a.call("to_kafka")?))),
)
.emits(Emit::StageEnd(super::output::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::to_kafka`.
static PAGE: Page = Page {
    spark: "`foreachRDD` + a producer",
    output: "writes the records as messages of `topic`, at least once",
    text: r#"
`to_kafka(brokers, topic)`: writes each batch to a Kafka topic (feature `kafka`).

**Spark:** `foreachRDD` with a Kafka producer (the pattern of Spark's guide).

# Semantics

An output operation: it ends a pipeline.

* Text records (`String`, `&str`) and bytes (`Vec<u8>`) become message values without
  a key; `(key, value)` pairs become keyed messages, key and value as they print
  (`("to", 2)` is key `to`, value `2`). Kafka's partitioner places a keyed message by
  its key.
* **At least once:** the batch's output returns only after the brokers acknowledged
  every message (librdkafka retries a failed send itself). A message that could not
  be delivered stops the job with an error; a batch run again after a crash writes its
  messages again, so a consumer may see some twice. Kafka transactions are not used:
  a transaction per batch would make a batch all-or-nothing for `read_committed`
  consumers, but would not stop a batch that runs again after a crash from writing
  again (that needs the last committed batch time kept with the data). For exactly
  once downstream, key the messages and let the consumer keep the latest per key.

# Example

```no_run
# #[cfg(feature = "kafka")] {
use dstream::prelude::*;

let job = stream! {
    socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1))
        |> reduce_by_key(+) every 1s
        |> to_kafka("127.0.0.1:9092", "word-counts")
};
job.run().unwrap();
# }
```
"#,
};
