//! `output`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Target};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "output",
    Kind::Output,
    &[arg("sink", Value)],
    "writes each batch to any value implementing `dstream::sink::Sink` (your own output with its own connection or state)",
    r#"queue(vec![vec![1, 2]]) every 1s |> output(my_sink)"#,
    |a| Some(Op::Output(Target::Value(a.expr("sink")?))),

)
.emits(Emit::StageEnd(emit));

/// The batch's records, then written to the sink, built when the job is built.
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Output(target) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, ctx, out, .. } = cx;
    let span = *span;
    let var = cg.var("output");
    let built = cg.output_target(target, span);
    cg.hoist(quote!(let mut #var = #built;));
    let var = respan_ident(&var, span);
    cx.collect(quote_spanned!(span=> #dp::sink_emit(&mut #var, #ctx, #out)?;))
}
