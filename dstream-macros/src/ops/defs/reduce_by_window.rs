//! `reduce_by_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "reduce_by_window",
    Kind::Window(WindowOp::ReduceByWindow),
    &[arg("func", Reducer), optional("inverse", Reducer), arg("length", Duration), optional("slide", Duration)],
    "combines all records of the window into one (none for an empty window); with `inverse`, incrementally, as Spark's `reduceByWindow(f, invF, ..)`",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print"#,
    |a| {
        Some(Op::ReduceByWindow { func: a.reducer("func")?, inverse: a.opt_reducer("inverse"), window: a.window()? })
    },
);
