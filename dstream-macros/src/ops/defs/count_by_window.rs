//! `count_by_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "count_by_window",
    Kind::Window,
    WINDOW_ARGS,
    "the number of records in the window (0 for an empty window)",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> count_by_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByWindow(a.window()?)),

)
.lowers(lower);

/// `count |> window(W, S) |> reduce(+)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::CountByWindow(w) = op else { return None };
    Some(vec![(&super::count::SPEC, Op::Count), window(w), (&super::reduce::SPEC, Op::Reduce(Reducer::Plus(span)))])
}
