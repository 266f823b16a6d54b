//! `reduce`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "reduce",
    Kind::Shuffle,
    &[arg("func", Reducer)],
    "combines all records of the batch into one (none for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> reduce(+) every 1s |> print"#,
    |a| Some(Op::Reduce(a.reducer("func")?)),

)
.emits(Emit::StageEnd(emit));

/// A reduction per partition; then the partial results gathered and reduced.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Reduce(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.reducer_arg(func);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None;),
        consume: quote_spanned!(span=> #dp::ops::reduce_into(&mut #sink, #last, #f);),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_reduce(#exec, #out, #f);),
        breaks_early: false,
    }
}
