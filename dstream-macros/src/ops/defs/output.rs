//! `output`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Target};

pub static SPEC: OpSpec = op(
    "output",
    Kind::Output(OutputOp::Output),
    &[arg("sink", Value)],
    "writes each batch to any value implementing `dstream::sink::Sink` (your own output with its own connection or state)",
    r#"queue(vec![vec![1, 2]]) every 1s |> output(my_sink)"#,
    |a| Some(Op::Output(Target::Value(a.expr("sink")?))),
);
