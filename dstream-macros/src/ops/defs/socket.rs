//! `socket`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "socket",
    Kind::Source(SourceOp::Socket),
    &[arg("host", Value), arg("port", Value), optional("config", Value)],
    "lines of text from a TCP server, one record per line",
    r#"socket("localhost", 9999) every 1s |> print"#,
    |a| Some(Op::Source(Source::Socket { host: a.expr("host")?, port: a.expr("port")?, config: a.opt_expr("config") })),
);
