//! `queue`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "queue",
    Kind::Source(SourceOp::Queue),
    &[arg("batches", Value)],
    "one queued batch per batch time, then empty batches",
    r#"queue(vec![vec![1, 2]]) every 1s |> print"#,
    |a| Some(Op::Source(Source::Queue(a.expr("batches")?))),
);
