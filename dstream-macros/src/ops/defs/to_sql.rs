//! `to_sql`: its entry in the operator table (a connector output).

use super::*;
use crate::ir::{Op, Target};

pub static SPEC: OpSpec = op(
    "to_sql",
    Kind::Output,
    &[arg("url", Value), arg("table", Value), optional("options", Value)],
    "writes each batch into a SQLite (`sqlite://path`) or PostgreSQL (`postgres://..`) table, exactly once: rows and a marker of the batch in one transaction",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> to_sql("sqlite://counts.db", "counts")"#,
    |a| Some(Op::Output(Target::Connector(a.call("to_sql")?))),
)
.emits(Emit::StageEnd(super::output::emit));
