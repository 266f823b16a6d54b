//! `flat_map_values`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "flat_map_values",
    Kind::Narrow,
    &[arg("func", Function)],
    "any number of values per (key, value) pair, each with the key",
    r#"queue(vec![vec![("a", 1)]]) |> flat_map_values(|v| vec![v, v + 10]) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMapValues, a.expr("func")?)),

)
.emits(Emit::Record(emit));

/// A loop over what `f` returns for the value, each with a clone of the key.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let (k, v, each) = (cg.var("key"), cg.var("value"), cg.var("value"));
    let inner = cg.inner(cx, next.clone());
    quote_spanned!(span=>
        let (#k, #v) = <_ as #dp::ops::keyed::FlatMapValuesInput>::into_pair(#record);
        for #each in #dp::ops::flat_map(#v, #f) {
            let #next = (::core::clone::Clone::clone(&#k), #each);
            #inner
        }
    )
}
