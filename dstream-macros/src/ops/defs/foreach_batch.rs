//! `foreach_batch`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "foreach_batch",
    Kind::Output,
    &[arg("func", Function)],
    "calls `func(records, time)` once per batch with all of the batch's records",
    r#"queue(vec![vec![1, 2]]) every 1s |> foreach_batch(|xs: Vec<i32>, _| println!("{xs:?}"))"#,
    |a| Some(Op::ForeachBatch(a.expr("func")?)),

)
.emits(Emit::StageEnd(emit));

/// The batch's records, then `func(records, time)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::ForeachBatch(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, .. } = cx;
    let span = *span;
    let f = cg.function_arg(func);
    cx.collect(quote_spanned!(span=> #dp::foreach::emit(#exec, #out, #ctx.time(), #f);))
}
