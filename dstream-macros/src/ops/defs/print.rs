//! `print`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "print",
    Kind::Output,
    &[optional("num", Count)],
    "prints the batch time and the first `num` (10) records, as Spark does",
    r#"queue(vec![vec![1, 2]]) every 1s |> print(1)"#,
    |a| Some(Op::Print(a.opt_expr("num"))),

)
.emits(Emit::StageEnd(emit));

/// The first `num + 1` records per partition (the loop stops early), then printed.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Print(num) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, ctx, last, out, .. } = cx;
    let span = *span;
    let num = match num {
        Some(expr) => cg.count_arg(expr),
        None => quote_spanned!(span=> 10usize),
    };
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::print::Take::new(#num + 1);),
        consume: {
            // The label stays unspanned, like the loop it names (labels are hygienic).
            let push = quote_spanned!(span=> #sink.push(&#last));
            quote!(if !#push { break '__dstream_partition; })
        },
        finish: quote_spanned!(span=> #sink.into_vec()),
        after: quote_spanned!(span=> #dp::print::emit(#ctx, #num, #out)?;),
        breaks_early: true,
    }
}
