//! `map_values`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map_values",
    Kind::Narrow,
    &[arg("func", Function)],
    "maps the value of each (key, value) pair, keeping the key",
    r#"queue(vec![vec![("a", 1)]]) |> map_values(|v| v + 10) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::MapValues, a.expr("func")?)),

)
.emits(Emit::Record(emit));

/// `let next = (k, map(v, f))`.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let inner = cg.inner(cx, next.clone());
    quote_spanned!(span=>
        let (#k, #v) = <_ as #dp::ops::keyed::MapValuesInput>::into_pair(#record);
        let #next = (#k, #dp::ops::map(#v, #f));
        #inner
    )
}
