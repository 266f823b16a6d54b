//! `update_state_by_key`: its entry in the operator table.

use super::*;
use crate::ir::Op;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "update_state_by_key",
    Kind::State(StateOp::UpdateStateByKey),
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
.emits(Emit::Step);

/// `group_by_key |> update_state_by_key(f)`: the state step reads each key's values.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static str, Op)>> {
    let _ = span;
    Some(vec![("group_by_key", Op::GroupByKey(None)), ("update_state_by_key", op.clone())])
}
