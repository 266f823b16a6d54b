//! `count_by_value_and_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "count_by_value_and_window",
    Kind::Window,
    WINDOW_ARGS,
    "counts each distinct record over the window",
    r#"queue(vec![vec!["a"], vec!["a"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByValueAndWindow(a.window()?)),

)
.lowers(lower);

/// `count_by_value |> window(W, S) |> reduce_by_key(+)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::CountByValueAndWindow(w) = op else { return None };
    Some(vec![
        (&super::count_by_value::SPEC, Op::CountByValue(None)),
        window(w),
        (&super::reduce_by_key::SPEC, Op::ReduceByKey(Reducer::Plus(span), None)),
    ])
}
