//! `map_partitions`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "map_partitions",
    Kind::Reshape(ReshapeOp::MapPartitions),
    &[arg("func", Function)],
    "`func(records)` gets an iterator over one partition and returns its new records",
    r#"queue(vec![vec![1, 2]]) |> map_partitions(|xs| xs.map(|x| x + 1)) every 1s |> print"#,
    |a| Some(Op::MapPartitions(a.expr("func")?)),
);
