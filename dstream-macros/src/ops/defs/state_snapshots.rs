//! `state_snapshots`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "state_snapshots",
    Kind::State(StateOp::StateSnapshots),
    &[],
    "after `map_with_state`: every (key, state) after each batch",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> state_snapshots |> print"#,
    |_| Some(Op::StateSnapshots),
);
