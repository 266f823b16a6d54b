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
.emits(Emit::Source(super::source::emit));
