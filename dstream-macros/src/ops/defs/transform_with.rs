//! `transform_with`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "transform_with",
    Kind::Binary,
    &[arg("other", Stream), arg("func", Function)],
    "`func(records, other_records, time)` gets both streams' batches and returns the new records",
    r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> transform_with(b, |xs: Vec<i32>, ys: Vec<i32>, _| [xs, ys].concat()) every 1s |> print"#,
    |a| Some(Op::TransformWith(a.expr("func")?)),

)
.emits(Emit::Binary(emit));

/// Both batches gathered, then `func(records, other_records, time)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &BinaryCx) -> TokenStream {
    let Op::TransformWith(func) = op else { return TokenStream::new() };
    let BinaryCx { span, dp, ctx, exec, left, left_var, right, right_var, .. } = cx;
    let span = *span;
    let f = cg.function_arg(func);
    let parallelism = respan_ident(&mixed("__parallelism"), span);
    let right_var = respan_ident(right_var, span);
    quote_spanned!(span=>
        let #left_var = #left;
        let #right_var = #right;
        #dp::ops::transform_with(#exec, #dp::ops::to_vecs(#left_var), #dp::ops::to_vecs(#right_var), #ctx.time(), #parallelism, #f)
    )
}
