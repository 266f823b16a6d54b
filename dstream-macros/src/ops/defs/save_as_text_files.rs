//! `save_as_text_files`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "save_as_text_files",
    Kind::Output,
    &[arg("prefix", Value), optional("suffix", Value)],
    "writes each batch to the directory `prefix-<ms>.suffix`, one `part-NNNNN` file per partition",
    r#"queue(vec![vec![1, 2]]) every 1s |> save_as_text_files("out/counts", "txt")"#,
    |a| Some(Op::SaveAsTextFiles { prefix: a.expr("prefix")?, suffix: a.opt_expr("suffix") }),

)
.emits(Emit::StageEnd(emit));

/// Each partition's records as lines of text, then written as the batch's directory.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::SaveAsTextFiles { prefix, suffix } = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, ctx, last, out, .. } = cx;
    let span = *span;
    let prefix = cg.string_arg(prefix);
    // An `s3://` prefix without the `s3` feature stops the job before its sources.
    let checked = cg.var("prefix");
    cg.hoist(quote_spanned!(span=> let #checked = ::core::clone::Clone::clone(&#prefix);));
    cg.check_at_start(quote_spanned!(span=> #dp::text_files::check_prefix(&#checked)?;));
    let suffix = match suffix {
        Some(expr) => cg.string_arg(expr),
        None => quote_spanned!(span=> ""),
    };
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::std::string::String::new();),
        consume: quote_spanned!(span=> #dp::text_files::push_line(&mut #sink, &#last);),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> #dp::text_files::emit(#ctx, &#prefix, &#suffix, #out)?;),
        breaks_early: false,
    }
}
