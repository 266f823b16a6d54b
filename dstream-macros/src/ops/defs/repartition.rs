//! `repartition`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "repartition",
    Kind::Reshape(ReshapeOp::Repartition),
    &[arg("partitions", Count)],
    "deals the records round-robin into exactly `partitions` partitions",
    r#"queue(vec![vec![1, 2]]) |> repartition(3) every 1s |> print"#,
    |a| Some(Op::Repartition(a.expr("partitions")?)),
);
