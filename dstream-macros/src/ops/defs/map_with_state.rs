//! `map_with_state`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "map_with_state",
    Kind::State,
    &[arg("func", Function), optional("initial", Value), optional("timeout", Duration)],
    "calls `func(key, value, state)` for each record, with the key's state; emits what it returns",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> print"#,
    |a| {
        Some(Op::MapWithState {
            func: a.expr("func")?,
            initial: a.opt_expr("initial"),
            timeout: a.opt_duration("timeout"),
        })
    },

)
.emits(Emit::State(emit));

/// A mapped state store made when the job is built (kept for `state_snapshots`), updated
/// record by record; the step's value is what `func` returns.
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let Op::MapWithState { func, initial, timeout } = op else { return TokenStream::new() };
    let StateCx { span, dp, ctx, exec, node, input } = cx;
    let span = *span;
    let store = cg.var("state");
    let init = initial_state(initial);
    cg.hoist(quote!(let mut #store = #dp::state::initial_mapped_state(#init);));
    cg.keep_state(*node, store.clone());
    cg.remember_store(*node, store.clone());
    let timeout = match timeout {
        Some(d) => {
            let ms = cg.duration_ms(d);
            quote!(::core::option::Option::Some(#dp::Duration::from_millis(#ms)))
        }
        None => quote!(::core::option::Option::None),
    };
    let parts = cg.read_value_at(*input, span);
    let store = respan_ident(&store, span);
    let f = cg.function_arg(func);
    quote_spanned!(span=> #dp::state::map_with_state(#exec, &mut #store, #ctx.time(), #timeout, #parts, #f))
}
