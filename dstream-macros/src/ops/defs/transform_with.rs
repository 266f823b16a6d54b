//! `transform_with`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "transform_with",
    Kind::Binary(BinaryOp::TransformWith),
    &[arg("other", Stream), arg("func", Function)],
    "`func(records, other_records, time)` gets both streams' batches and returns the new records",
    r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> transform_with(b, |xs: Vec<i32>, ys: Vec<i32>, _| [xs, ys].concat()) every 1s |> print"#,
    |a| Some(Op::TransformWith(a.expr("func")?)),
);
