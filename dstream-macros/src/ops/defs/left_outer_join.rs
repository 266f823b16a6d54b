//! `left_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "left_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (v, Option<w>))` for every key of this stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> left_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::LeftOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit));
