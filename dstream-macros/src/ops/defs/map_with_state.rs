//! `map_with_state`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "map_with_state",
    Kind::State(StateOp::MapWithState),
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
);
