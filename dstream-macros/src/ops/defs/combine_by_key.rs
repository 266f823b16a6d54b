//! `combine_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "combine_by_key",
    Kind::Shuffle,
    &[
        arg("create_combiner", Function),
        arg("merge_value", Function),
        arg("merge_combiners", Function),
        optional("partitions", Count),
    ],
    "per key: `create_combiner(v)` for its first value, `merge_value(c, v)` for the next, `merge_combiners(c1, c2)` across partitions",
    r#"queue(vec![vec![("a", 1)]]) |> combine_by_key(|v| (v, 1), |(s, n), v| (s + v, n + 1), |(s, n), (t, m)| (s + t, n + m)) every 1s |> print"#,
    |a| {
        Some(Op::CombineByKey {
            create: a.expr("create_combiner")?,
            merge_value: a.expr("merge_value")?,
            merge_combiners: a.expr("merge_combiners")?,
            partitions: a.opt_expr("partitions"),
        })
    },

)
.emits(Emit::StageEnd(emit));

/// Map side: a combiner per partition; then an exchange merging combiners by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::CombineByKey { create, merge_value, merge_combiners, partitions } = op else {
        return cx.collect(TokenStream::new());
    };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let create = cg.function_arg(create);
    let merge_value = cg.function_arg(merge_value);
    let merge_combiners = cg.function_arg(merge_combiners);
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::Combiner::new();),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::CombineByKeyInput>::into_pair(#last);
            #sink.fold(#k, #v, #create, #merge_value);
        ),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> let #next_parts = #exec.exchange_combine(#out, #n, #merge_combiners);),
        breaks_early: false,
    }
}
