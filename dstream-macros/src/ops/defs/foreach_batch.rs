//! `foreach_batch`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "foreach_batch",
    Kind::Output(OutputOp::ForeachBatch),
    &[arg("func", Function)],
    "calls `func(records, time)` once per batch with all of the batch's records",
    r#"queue(vec![vec![1, 2]]) every 1s |> foreach_batch(|xs: Vec<i32>, _| println!("{xs:?}"))"#,
    |a| Some(Op::ForeachBatch(a.expr("func")?)),
);
