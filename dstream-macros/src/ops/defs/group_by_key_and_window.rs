//! `group_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "group_by_key_and_window",
    Kind::Window,
    WINDOW_ARGS,
    "collects the values of each key over the window",
    r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> group_by_key_and_window(2s, 1s) |> print"#,
    |a| Some(Op::GroupByKeyAndWindow(a.window()?)),

)
.lowers(lower);

/// `group_by_key |> window(W, S) |> reduce_by_key(concat)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::GroupByKeyAndWindow(w) = op else { return None };
    Some(vec![
        (&super::group_by_key::SPEC, Op::GroupByKey(None)),
        window(w),
        (&super::reduce_by_key::SPEC, Op::ReduceByKey(Reducer::Concat(span), None)),
    ])
}
