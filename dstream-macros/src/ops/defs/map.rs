//! `map`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "map",
    Kind::Narrow(NarrowOp::Map),
    &[arg("func", Function)],
    "one record out per record in",
    r#"queue(vec![vec![1, 2]]) |> map(|x| x * 2) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Map, a.expr("func")?)),
);
