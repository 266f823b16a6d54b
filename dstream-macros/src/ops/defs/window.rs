//! `window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "window",
    Kind::Window,
    WINDOW_ARGS,
    "at every slide, the records of the batches in the last `length`",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> window(2s, 1s) |> print"#,
    |a| Some(Op::Window(a.window()?)),
);
