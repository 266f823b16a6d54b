//! `map_values`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "map_values",
    Kind::Narrow(NarrowOp::MapValues),
    &[arg("func", Function)],
    "maps the value of each (key, value) pair, keeping the key",
    r#"queue(vec![vec![("a", 1)]]) |> map_values(|v| v + 10) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::MapValues, a.expr("func")?)),
);
