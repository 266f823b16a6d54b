//! `right_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "right_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (Option<v>, w))` for every key of the other stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> right_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::RightOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit));
