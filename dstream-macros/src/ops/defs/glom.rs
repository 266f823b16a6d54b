//! `glom`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "glom",
    Kind::Reshape(ReshapeOp::Glom),
    &[],
    "each partition becomes one record: the `Vec` of its records",
    r#"queue(vec![vec![1, 2]]) |> glom every 1s |> print"#,
    |_| Some(Op::Glom),
);
