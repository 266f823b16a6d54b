//! `group_by_key`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "group_by_key",
    Kind::Shuffle(ShuffleOp::GroupByKey),
    &[optional("partitions", Count)],
    "collects the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> group_by_key every 1s |> print"#,
    |a| Some(Op::GroupByKey(a.opt_expr("partitions"))),
);
