//! `flat_map_values`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "flat_map_values",
    Kind::Narrow(NarrowOp::FlatMapValues),
    &[arg("func", Function)],
    "any number of values per (key, value) pair, each with the key",
    r#"queue(vec![vec![("a", 1)]]) |> flat_map_values(|v| vec![v, v + 10]) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMapValues, a.expr("func")?)),
);
