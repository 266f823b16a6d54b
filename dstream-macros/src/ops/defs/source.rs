//! `source`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "source",
    Kind::Source(SourceOp::Custom),
    &[arg("source", Value)],
    "any value implementing `dstream::source::Source` (your own receiver, or a source built outside the program)",
    r#"source(my_source) every 1s |> print"#,
    |a| Some(Op::Source(Source::Custom(a.expr("source")?))),
);
