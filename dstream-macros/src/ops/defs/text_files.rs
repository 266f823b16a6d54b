//! `text_files`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "text_files",
    Kind::Source,
    &[arg("dir", Value)],
    "lines of the new files that appear in a directory (by modification time), exactly once",
    r#"text_files("in") every 1s |> print"#,
    |a| Some(Op::Source(Source::TextFiles(a.expr("dir")?))),

)
.emits(Emit::Source(emit));

/// `sources::text_files(dir)`.
fn emit(_: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    let Op::Source(Source::TextFiles(dir)) = op else { return quote_spanned!(span=> ()) };
    quote_spanned!(span=> #dp::sources::text_files(#dir))
}
