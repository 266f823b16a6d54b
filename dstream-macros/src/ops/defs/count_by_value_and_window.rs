//! `count_by_value_and_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "count_by_value_and_window",
    Kind::Window(WindowOp::CountByValueAndWindow),
    WINDOW_ARGS,
    "counts each distinct record over the window",
    r#"queue(vec![vec!["a"], vec!["a"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByValueAndWindow(a.window()?)),
);
