//! `count`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "count",
    Kind::Shuffle(ShuffleOp::Count),
    &[],
    "the number of records in the batch (0 for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> count every 1s |> print"#,
    |_| Some(Op::Count),
);
