//! `print`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "print",
    Kind::Output(OutputOp::Print),
    &[optional("num", Count)],
    "prints the batch time and the first `num` (10) records, as Spark does",
    r#"queue(vec![vec![1, 2]]) every 1s |> print(1)"#,
    |a| Some(Op::Print(a.opt_expr("num"))),
);
