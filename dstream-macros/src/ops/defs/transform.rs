//! `transform`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "transform",
    Kind::Reshape(ReshapeOp::Transform),
    &[arg("func", Function)],
    "`func(records, time)` gets all records of the batch and returns the new ones",
    r#"queue(vec![vec![2, 1]]) |> transform(|mut xs: Vec<i32>, _| { xs.sort(); xs }) every 1s |> print"#,
    |a| Some(Op::Transform(a.expr("func")?)),
);
