//! `state_snapshots`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote;

pub static SPEC: OpSpec = op(
    "state_snapshots",
    Kind::State,
    &[],
    "after `map_with_state`: every (key, state) after each batch",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> state_snapshots |> print"#,
    |_| Some(Op::StateSnapshots),

)
.emits(Emit::State(emit));

/// The state of its `map_with_state` input (`check` made sure it follows one).
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let _ = op;
    let Some(store) = cg.store_of(cx.input) else { return TokenStream::new() };
    let (dp, store) = (&cx.dp, respan_ident(&store, cx.span));
    quote!(#dp::state::mapped_snapshot(&#store))
}
