//! `save_as_text_files`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "save_as_text_files",
    Kind::Output(OutputOp::SaveAsTextFiles),
    &[arg("prefix", Value), optional("suffix", Value)],
    "writes each batch to the directory `prefix-<ms>.suffix`, one `part-NNNNN` file per partition",
    r#"queue(vec![vec![1, 2]]) every 1s |> save_as_text_files("out/counts", "txt")"#,
    |a| Some(Op::SaveAsTextFiles { prefix: a.expr("prefix")?, suffix: a.opt_expr("suffix") }),
);
