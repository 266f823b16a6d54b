//! `union`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = OpSpec {
    name: "union",
    kind: Kind::Union,
    variadic: true,
    args: &[arg("other", Stream)],
    summary: "the records of this stream, then those of each named stream (partitions concatenated)",
    example: r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> union(b) every 1s |> print"#,
    build: |_| Some(Op::Union),
    emit: Emit::Step,
    lower: None,
};
