//! `full_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "full_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (Option<v>, Option<w>))` for every key of either stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> full_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::FullOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit));
