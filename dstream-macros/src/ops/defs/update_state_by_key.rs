//! `update_state_by_key`: its entry in the operator table.

use super::*;
use crate::ir::Op;

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
);
