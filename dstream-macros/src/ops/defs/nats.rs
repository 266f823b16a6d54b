//! `nats`: its entry in the operator table (a connector source).

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "nats",
    Kind::Source,
    &[arg("url", Value), arg("subject", Value), optional("options", Value)],
    "the payloads of a NATS JetStream subject as `String`s, acknowledged once the batch's outputs were written (feature `nats`)",
    r#"nats("nats://127.0.0.1:4222", "lines") every 1s |> print"#,
    |a| Some(Op::Source(Source::Connector(a.call("nats")?))),
)
.emits(Emit::Source(super::source::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::nats`.
static PAGE: Page = Page {
    spark: "—",
    output: "the JetStream payloads, as `String`",
    text: r#"
`nats(url, subject, [options])`: the payloads of a NATS JetStream subject, one
`String` record per message (feature `nats`).

**Spark:** no built-in counterpart (a custom receiver).

# Semantics

* The subject must be held by a JetStream stream (the stream is yours: create it with
  the `nats` CLI or your application). The job reads it with a durable pull consumer
  (`dstream-<subject>` unless `durable(..)` names it) created on that stream.
* A batch takes what the consumer delivers when the batch is cut, at most
  `max_records_per_batch` messages, in stream order.
* Messages are acknowledged only after the batch's outputs ran: a job that dies before
  gets them again.
* With `#![checkpoint]`, the stream sequence numbers of each batch are logged before
  its outputs run: a batch run again after a crash gets exactly the same messages back
  from the stream by sequence, and the restarted consumer starts right after the last
  message taken. An output that commits by batch time is then exactly once (see
  [`fault_tolerance`](crate::fault_tolerance)). (The durable consumer is re-created at
  each restart from a checkpoint for that.)
* A payload that is not valid UTF-8 is dropped, counted (`malformed_not_utf8`) and
  logged. A server that does not answer never stops the job: logged, counted
  (`connection_failures`), retried with an exponential backoff (0.5 s to 30 s).

# Options

The optional third argument is a [`NatsOptions`](crate::source::nats::NatsOptions):
`durable(name)` and `max_records_per_batch(n)` (default 100 000).

A test server: `scripts/services up nats` (JetStream at `nats://127.0.0.1:4222`).

# Example

```no_run
# #[cfg(feature = "nats")] {
use dstream::prelude::*;
use dstream::source::nats::NatsOptions;

let job = stream! {
    nats("nats://127.0.0.1:4222", "orders.created", NatsOptions::new().durable("order-counts"))
        |> map(|order| (order, 1))
        |> reduce_by_key(+) every 1s
        |> print
};
job.run().unwrap();
# }
```
"#,
};
