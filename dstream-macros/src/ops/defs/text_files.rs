//! `text_files`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Source};

pub static SPEC: OpSpec = op(
    "text_files",
    Kind::Source(SourceOp::TextFiles),
    &[arg("dir", Value)],
    "lines of the new files that appear in a directory (by modification time), exactly once",
    r#"text_files("in") every 1s |> print"#,
    |a| Some(Op::Source(Source::TextFiles(a.expr("dir")?))),
);
