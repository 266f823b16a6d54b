//! `map`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map",
    Kind::Narrow,
    &[arg("func", Function)],
    "one record out per record in",
    r#"queue(vec![vec![1, 2]]) |> map(|x| x * 2) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Map, a.expr("func")?)),

)
.emits(Emit::Record(emit));

/// `let next = map(record, f)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let inner = cg.inner(cx, next.clone());
    quote_spanned!(span=> let #next = #dp::ops::map(#record, #f); #inner)
}
