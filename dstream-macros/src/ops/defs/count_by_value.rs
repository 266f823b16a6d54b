//! `count_by_value`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "count_by_value",
    Kind::Shuffle,
    &[optional("partitions", Count)],
    "counts each distinct record in the batch",
    r#"queue(vec![vec!["a", "a"]]) |> count_by_value every 1s |> print"#,
    |a| Some(Op::CountByValue(a.opt_expr("partitions"))),

)
.emits(Emit::StageEnd(emit));

/// Map side: a keyed table of counts per partition; then an exchange adding them by record.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::CountByValue(partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let n = respan(&cg.partitions_arg(partitions), span);
    let hint = cg.table_hint();
    let table = keyed_table(dp, span, sink, last, &hint);
    let (home, init_home) = cg.home_text(dp, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
        consume: quote_spanned!(span=>
            #dp::CombineTable::merge_in(#table, #home, #last, 1u64, #dp::ops::plus);
        ),
        finish: quote_spanned!(span=> #sink.unwrap_or_default()),
        after: quote_spanned!(span=>
            #hint.remember(&#out);
            let #next_parts = #exec.exchange_combine(#out, #n, #dp::ops::plus);
        ),
        breaks_early: false,
    }
}
