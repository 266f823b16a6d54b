//! `reduce_by_key`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "reduce_by_key",
    Kind::Shuffle(ShuffleOp::ReduceByKey),
    &[arg("func", Reducer), optional("partitions", Count)],
    "combines the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> reduce_by_key(+) every 1s |> print"#,
    |a| Some(Op::ReduceByKey(a.reducer("func")?, a.opt_expr("partitions"))),
);
