//! `reduce_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "reduce_by_key",
    Kind::Shuffle,
    &[arg("func", Reducer), optional("partitions", Count)],
    "combines the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> reduce_by_key(+) every 1s |> print"#,
    |a| Some(Op::ReduceByKey(a.reducer("func")?, a.opt_expr("partitions"))),

)
.emits(Emit::StageEnd(emit));

/// Map side: a keyed table per partition merging values with `func`; then an exchange that
/// merges the tables by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::ReduceByKey(func, partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.reducer_arg(func);
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let hint = cg.table_hint();
    let table = keyed_table(dp, span, sink, &k, &hint);
    let (home, init_home) = cg.home_text(dp, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::ReduceByKeyInput>::into_pair(#last);
            #dp::CombineTable::merge_in(#table, #home, #k, #v, #f);
        ),
        finish: quote_spanned!(span=> #sink.unwrap_or_default()),
        after: quote_spanned!(span=>
            #hint.remember(&#out);
            let #next_parts = #exec.exchange_combine(#out, #n, #f);
        ),
        breaks_early: false,
    }
}
