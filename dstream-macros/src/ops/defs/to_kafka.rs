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
.emits(Emit::StageEnd(super::output::emit));
