//! `reduce`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "reduce",
    Kind::Shuffle(ShuffleOp::Reduce),
    &[arg("func", Reducer)],
    "combines all records of the batch into one (none for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> reduce(+) every 1s |> print"#,
    |a| Some(Op::Reduce(a.reducer("func")?)),
);
