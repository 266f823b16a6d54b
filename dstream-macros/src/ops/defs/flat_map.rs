//! `flat_map`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "flat_map",
    Kind::Narrow(NarrowOp::FlatMap),
    &[arg("func", Function)],
    "any number of records out per record in",
    r#"queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMap, a.expr("func")?)),
);
