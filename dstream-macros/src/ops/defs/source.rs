//! `source`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "source",
    Kind::Source,
    &[arg("source", Value)],
    "any value implementing `dstream::source::Source` (your own receiver, or a source built outside the program)",
    r#"source(my_source) every 1s |> print"#,
    |a| Some(Op::Source(Source::Custom(a.expr("source")?))),

)
.emits(Emit::Source(emit));

/// `sources::custom(source)`: the user's value, or a connector's constructor call (the hook
/// of every connector source's entry).
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    match op {
        Op::Source(Source::Custom(source)) => quote_spanned!(span=> #dp::sources::custom(#source)),
        Op::Source(Source::Connector(call)) => {
            let call = cg.connector_call(call, span);
            quote_spanned!(span=> #dp::sources::custom(#call))
        }
        _ => quote_spanned!(span=> ()),
    }
}
