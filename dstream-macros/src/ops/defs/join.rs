//! `join`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (v, w))` for every pair of values of a key present in both streams",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::Join, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(emit));

/// The keys of both streams met where the other is named (text keys meet as `String`), then
/// `join::<operator>` (the hook of every join and of `cogroup`).
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &BinaryCx) -> TokenStream {
    let Op::Join(join, partitions) = op else { return TokenStream::new() };
    let BinaryCx { span, dp, exec, left, left_var, right, right_var, branch, .. } = cx;
    let (span, branch) = (*span, *branch);
    let name = match join {
        BinaryOp::LeftOuterJoin => "left_outer_join",
        BinaryOp::RightOuterJoin => "right_outer_join",
        BinaryOp::FullOuterJoin => "full_outer_join",
        BinaryOp::Cogroup => "cogroup",
        BinaryOp::Join => "join",
    };
    let function = syn::Ident::new(name, span);
    let partitions = respan(&cg.partitions_arg(partitions), span);
    let branch_dp = cg.dp_at(branch);
    let (this, other) = (respan_ident(left_var, branch), respan_ident(right_var, branch));
    let meet = meet_call(
        &branch_dp,
        quote_spanned!(branch=> keys(&#this, &#other)),
        quote_spanned!(branch=> join_sides(#this, #other, #branch_dp::branches::JoinKeys::cast)),
    );
    let sides = quote_spanned!(branch=> let #other = #right; let (#this, #other) = #meet;);
    let right_var = respan_ident(right_var, span);
    quote_spanned!(span=>
        let #left_var = #left;
        #sides
        #dp::join::#function(#exec, #left_var, #right_var, #partitions)
    )
}
