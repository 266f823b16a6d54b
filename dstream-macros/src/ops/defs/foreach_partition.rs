//! `foreach_partition`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "foreach_partition",
    Kind::Output,
    &[arg("func", Function)],
    "calls `func(records, time, partition)` once per partition with that partition's records, on the partition's worker",
    r#"queue(vec![vec![1, 2]]) every 1s |> foreach_partition(|xs: Vec<i32>, _, p| println!("{p}: {xs:?}"))"#,
    |a| Some(Op::ForeachPartition(a.expr("func")?)),
)
.emits(Emit::StageEnd(emit));

/// Each partition's records, then `func(records, time, partition)` on the partition's worker.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::ForeachPartition(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, .. } = cx;
    let span = *span;
    let f = cg.function_arg(func);
    cx.collect(quote_spanned!(span=> #dp::foreach::each_partition(#exec, #out, #ctx.time(), #f);))
}
