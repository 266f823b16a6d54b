//! `reduce_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "reduce_by_key_and_window",
    Kind::Window(WindowOp::ReduceByKeyAndWindow),
    &[
        arg("func", Reducer),
        optional("inverse", Reducer),
        arg("length", Duration),
        optional("slide", Duration),
        optional("filter", Function),
    ],
    "combines the values of each key over the window; with `inverse`, incrementally",
    r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print"#,
    |a| {
        Some(Op::ReduceByKeyAndWindow {
            func: a.reducer("func")?,
            inverse: a.opt_reducer("inverse"),
            window: a.window()?,
            filter: a.opt_expr("filter"),
        })
    },
);
