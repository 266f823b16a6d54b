//! `update_state_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "update_state_by_key",
    Kind::State,
    &[arg("func", Function), optional("initial", Value)],
    "keeps a state per key, updated every batch by `func(values, state)` (or `func(time, key, values, state)`); emits every key's state",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> update_state_by_key(|vs: Vec<i32>, s: Option<i32>| Some(s.unwrap_or(0) + vs.iter().sum::<i32>())) |> print"#,
    |a| {
        let func = a.expr("func")?;
        let with_time_and_key = matches!(&func, syn::Expr::Closure(c) if c.inputs.len() == 4);
        Some(Op::UpdateStateByKey { func, initial: a.opt_expr("initial"), with_time_and_key })
    },

)
.lowers(lower)
.emits(Emit::State(emit));

/// `group_by_key |> update_state_by_key(f)`: the state step reads each key's values.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let _ = span;
    Some(vec![(&super::group_by_key::SPEC, Op::GroupByKey(None)), (&SPEC, op.clone())])
}

/// A `StateStore` made when the job is built, updated from each key's values.
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let Op::UpdateStateByKey { func, initial, with_time_and_key } = op else { return TokenStream::new() };
    let StateCx { span, dp, ctx, exec, node, input } = cx;
    let span = *span;
    let store = cg.var("state");
    let init = initial_state(initial);
    cg.hoist(quote!(let mut #store = #dp::state::StateStore::new(#init);));
    cg.keep_state(*node, store.clone());
    let parts = cg.read_value_at(*input, span);
    let store = respan_ident(&store, span);
    let f = cg.function_arg(func);
    let update = if *with_time_and_key { quote!(update_state_by_key) } else { quote!(update_state_by_key_values) };
    quote_spanned!(span=> #dp::state::#update(#exec, &mut #store, #ctx.time(), #parts, #f))
}
