//! `group_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "group_by_key",
    Kind::Shuffle,
    &[optional("partitions", Count)],
    "collects the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> group_by_key every 1s |> print"#,
    |a| Some(Op::GroupByKey(a.opt_expr("partitions"))),

)
.emits(Emit::StageEnd(emit));

/// Map side: each key's values per partition; then an exchange concatenating them by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::GroupByKey(partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::Combiner::new();),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::GroupByKeyInput>::into_pair(#last);
            #sink.fold(#k, #v, #dp::ops::singleton, #dp::ops::push);
        ),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> let #next_parts = #exec.exchange_combine(#out, #n, #dp::ops::concat);),
        breaks_early: false,
    }
}
