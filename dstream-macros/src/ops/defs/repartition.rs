//! `repartition`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "repartition",
    Kind::Reshape,
    &[arg("partitions", Count)],
    "deals the records round-robin into exactly `partitions` partitions",
    r#"queue(vec![vec![1, 2]]) |> repartition(3) every 1s |> print"#,
    |a| Some(Op::Repartition(a.expr("partitions")?)),

)
.emits(Emit::StageEnd(emit));

/// Each partition's records, dealt round-robin into `partitions` partitions.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Repartition(partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, exec, out, next_parts, .. } = cx;
    let span = *span;
    let n = cg.count_arg(partitions);
    cx.collect(quote_spanned!(span=> let #next_parts = #exec.repartition(#out, #n);))
}
