//! `count_by_value_and_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use crate::lower::window;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "count_by_value_and_window",
    Kind::Window(WindowOp::CountByValueAndWindow),
    WINDOW_ARGS,
    "counts each distinct record over the window",
    r#"queue(vec![vec!["a"], vec!["a"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByValueAndWindow(a.window()?)),

)
.lowers(lower);

/// `count_by_value |> window(W, S) |> reduce_by_key(+)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static str, Op)>> {
    let Op::CountByValueAndWindow(w) = op else { return None };
    Some(vec![
        ("count_by_value", Op::CountByValue(None)),
        window(w),
        ("reduce_by_key", Op::ReduceByKey(Reducer::Plus(span), None)),
    ])
}
