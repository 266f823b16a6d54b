//! `group_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "group_by_key_and_window",
    Kind::Window(WindowOp::GroupByKeyAndWindow),
    WINDOW_ARGS,
    "collects the values of each key over the window",
    r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> group_by_key_and_window(2s, 1s) |> print"#,
    |a| Some(Op::GroupByKeyAndWindow(a.window()?)),
);
