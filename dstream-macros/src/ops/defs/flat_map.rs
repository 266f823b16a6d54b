//! `flat_map`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "flat_map",
    Kind::Narrow,
    &[arg("func", Function)],
    "any number of records out per record in",
    r#"queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMap, a.expr("func")?)),

)
.emits(Emit::Record(emit));

/// A loop over what `f` returns; `split` through `split_records`, which takes `&str`,
/// `&String` and `String` records.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let inner = cg.inner(cx, next.clone());
    if !is_split(func) {
        return quote_spanned!(span=> for #next in #dp::ops::flat_map(#record, #f) { #inner });
    }
    let pair = cg.var("split_input");
    quote_spanned!(span=>
        let #pair = (#record, #f);
        #[allow(unused_imports)]
        use #dp::split_records::{AnyFlatMapKind as _, BorrowedSplitKind as _, OwnedSplitKind as _};
        for #next in (&&#pair).flat_map_record_kind().run(#pair) { #inner }
    )
}
