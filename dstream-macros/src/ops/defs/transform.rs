//! `transform`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "transform",
    Kind::Reshape,
    &[arg("func", Function)],
    "`func(records, time)` gets all records of the batch and returns the new ones",
    r#"queue(vec![vec![2, 1]]) |> transform(|mut xs: Vec<i32>, _| { xs.sort(); xs }) every 1s |> print"#,
    |a| Some(Op::Transform(a.expr("func")?)),

)
.emits(Emit::StageEnd(emit));

/// The batch's records, then `func` over all of them.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Transform(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, next_parts, .. } = cx;
    let span = *span;
    let parallelism = mixed("__parallelism");
    let f = cg.function_arg(func);
    cx.collect(quote_spanned!(span=> let #next_parts = #dp::ops::transform(#exec, #out, #ctx.time(), #parallelism, #f);))
}
