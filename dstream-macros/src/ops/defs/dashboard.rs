//! `dashboard`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "dashboard",
    Kind::Output(OutputOp::Dashboard),
    &[arg("address", Value)],
    "serves a live web page of the batch's (label, number) records on `address`: a chart over recent batches and the latest table",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> dashboard("127.0.0.1:0")"#,
    |a| Some(Op::Dashboard(a.expr("address")?)),
);
