//! `reduce_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "reduce_by_key_and_window",
    Kind::Window,
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

)
.lowers(lower);

/// `reduce_by_key(f) |> window(W, S) |> reduce_by_key(f)`, or with an inverse
/// `reduce_by_key(f) |> incremental window`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let _ = span;
    let Op::ReduceByKeyAndWindow { func, inverse, window: w, filter } = op else { return None };
    Some(match inverse {
        Some(inverse) => vec![
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
            incremental(&SPEC, func, inverse, w, filter.clone()),
        ],
        None => vec![
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
            window(w),
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
        ],
    })
}
