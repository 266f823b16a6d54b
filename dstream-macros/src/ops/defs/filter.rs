//! `filter`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "filter",
    Kind::Narrow(NarrowOp::Filter),
    &[arg("predicate", Function)],
    "keeps the records for which the predicate holds",
    r#"queue(vec![vec![1, 2]]) |> filter(|x| *x > 1) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Filter, a.expr("predicate")?)),
);
