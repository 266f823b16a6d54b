//! `combine_by_key`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "combine_by_key",
    Kind::Shuffle(ShuffleOp::CombineByKey),
    &[
        arg("create_combiner", Function),
        arg("merge_value", Function),
        arg("merge_combiners", Function),
        optional("partitions", Count),
    ],
    "per key: `create_combiner(v)` for its first value, `merge_value(c, v)` for the next, `merge_combiners(c1, c2)` across partitions",
    r#"queue(vec![vec![("a", 1)]]) |> combine_by_key(|v| (v, 1), |(s, n), v| (s + v, n + 1), |(s, n), (t, m)| (s + t, n + m)) every 1s |> print"#,
    |a| {
        Some(Op::CombineByKey {
            create: a.expr("create_combiner")?,
            merge_value: a.expr("merge_value")?,
            merge_combiners: a.expr("merge_combiners")?,
            partitions: a.opt_expr("partitions"),
        })
    },
);
