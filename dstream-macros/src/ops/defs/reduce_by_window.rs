//! `reduce_by_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "reduce_by_window",
    Kind::Window,
    &[arg("func", Reducer), optional("inverse", Reducer), arg("length", Duration), optional("slide", Duration)],
    "combines all records of the window into one (none for an empty window); with `inverse`, incrementally, as Spark's `reduceByWindow(f, invF, ..)`",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print"#,
    |a| {
        Some(Op::ReduceByWindow { func: a.reducer("func")?, inverse: a.opt_reducer("inverse"), window: a.window()? })
    },

)
.lowers(lower);

/// `reduce(f) |> window(W, S) |> reduce(f)`; with an inverse, Spark's
/// `map((1, _)).reduceByKeyAndWindow(f, invF, W, S, 1).map(_._2)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::ReduceByWindow { func, inverse, window: w } = op else { return None };
    let Some(inverse) = inverse else {
        return Some(vec![(&super::reduce::SPEC, Op::Reduce(func.clone())), window(w), (&super::reduce::SPEC, Op::Reduce(func.clone()))]);
    };
    Some(vec![
        (&super::map::SPEC, Op::Narrow(NarrowOp::Map, syn::parse_quote_spanned!(span=> |__dstream_x| ((), __dstream_x)))),
        (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), Some(syn::parse_quote_spanned!(span=> 1usize)))),
        incremental(&SPEC, func, inverse, w, None),
        (&super::map::SPEC, Op::Narrow(NarrowOp::Map, syn::parse_quote_spanned!(span=> |((), __dstream_x)| __dstream_x))),
    ])
}
