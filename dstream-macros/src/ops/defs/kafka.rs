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
.emits(Emit::Source(super::source::emit));
