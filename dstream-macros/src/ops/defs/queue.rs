//! `queue`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "queue",
    Kind::Source,
    &[arg("batches", Value)],
    "one queued batch per batch time, then empty batches",
    r#"queue(vec![vec![1, 2]]) every 1s |> print"#,
    |a| Some(Op::Source(Source::Queue(a.expr("batches")?))),

)
.emits(Emit::Source(emit));

/// `sources::queue(batches)`.
fn emit(_: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    let Op::Source(Source::Queue(batches)) = op else { return quote_spanned!(span=> ()) };
    quote_spanned!(span=> #dp::sources::queue(#batches))
}
