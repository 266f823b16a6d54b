//! `count`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "count",
    Kind::Shuffle,
    &[],
    "the number of records in the batch (0 for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> count every 1s |> print"#,
    |_| Some(Op::Count),

)
.emits(Emit::StageEnd(emit));

/// A count per partition; then the counts gathered and added.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let _ = (cg, op);
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    EndCode {
        init: quote_spanned!(span=> let mut #sink: u64 = 0;),
        consume: quote_spanned!(span=> let _ = #last; #sink += 1;),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_count(#exec, #out);),
        breaks_early: false,
    }
}
