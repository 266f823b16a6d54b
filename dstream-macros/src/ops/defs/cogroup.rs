//! `cogroup`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "cogroup",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (values, other_values))` for every key of either stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> cogroup(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::Cogroup, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit));
