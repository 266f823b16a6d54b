//! `dashboard`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "dashboard",
    Kind::Output,
    &[arg("address", Value)],
    "serves a live web page of the batch's (label, number) records on `address`: a chart over recent batches and the latest table",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> dashboard("127.0.0.1:0")"#,
    |a| Some(Op::Dashboard(a.expr("address")?)),

)
.emits(Emit::StageEnd(emit));

/// The batch's records, then shown on the dashboard, started when the job is built.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Dashboard(address) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, ctx, out, .. } = cx;
    let span = *span;
    let dashboard = cg.var("dashboard");
    let address_span = syn::spanned::Spanned::span(address);
    let private = cg.dp();
    cg.hoist(quote_spanned!(address_span=> let #dashboard = #private::dashboard::Dashboard::new(#address);));
    let dashboard = respan_ident(&dashboard, span);
    cx.collect(quote_spanned!(span=> #dp::dashboard::emit(&#dashboard, #ctx, #out)?;))
}
