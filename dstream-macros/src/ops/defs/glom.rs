//! `glom`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "glom",
    Kind::Reshape,
    &[],
    "each partition becomes one record: the `Vec` of its records",
    r#"queue(vec![vec![1, 2]]) |> glom every 1s |> print"#,
    |_| Some(Op::Glom),

)
.emits(Emit::StageEnd(emit));

/// Each partition's records as one `Vec`.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let _ = (cg, op);
    let EndCx { span, dp, out, next_parts, .. } = cx;
    let span = *span;
    cx.collect(quote_spanned!(span=> let #next_parts = #dp::ops::glom(#out);))
}
