//! `count_by_value`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "count_by_value",
    Kind::Shuffle(ShuffleOp::CountByValue),
    &[optional("partitions", Count)],
    "counts each distinct record in the batch",
    r#"queue(vec![vec!["a", "a"]]) |> count_by_value every 1s |> print"#,
    |a| Some(Op::CountByValue(a.opt_expr("partitions"))),
);
