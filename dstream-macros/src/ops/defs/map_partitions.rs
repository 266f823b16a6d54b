//! `map_partitions`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map_partitions",
    Kind::Reshape,
    &[arg("func", Function)],
    "`func(records)` gets an iterator over one partition and returns its new records",
    r#"queue(vec![vec![1, 2]]) |> map_partitions(|xs| xs.map(|x| x + 1)) every 1s |> print"#,
    |a| Some(Op::MapPartitions(a.expr("func")?)),

)
.emits(Emit::StageEnd(emit));

/// Each partition's records, then `func` over them in a task per partition.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::MapPartitions(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.function_arg(func);
    cx.collect(quote_spanned!(span=>
        let #next_parts = #exec.run_stage(#out, |_, records| #dp::ops::map_partition(records, #f));
    ))
}
