//! `filter`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "filter",
    Kind::Narrow,
    &[arg("predicate", Function)],
    "keeps the records for which the predicate holds",
    r#"queue(vec![vec![1, 2]]) |> filter(|x| *x > 1) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Filter, a.expr("predicate")?)),

)
.emits(Emit::Record(emit));

/// The rest of the chain, for records that pass.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record) = (cx.span, &cx.dp, &cx.record);
    let inner = cg.inner(cx, record.clone());
    quote_spanned!(span=> if #dp::ops::filter(&#record, #f) { #inner })
}
