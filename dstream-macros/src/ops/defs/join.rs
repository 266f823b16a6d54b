//! `join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "join",
    Kind::Binary(BinaryOp::Join),
    JOIN_ARGS,
    "per batch, `(k, (v, w))` for every pair of values of a key present in both streams",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::Join, a.opt_expr("partitions"))),
);
