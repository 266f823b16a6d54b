//! `full_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "full_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (Option<v>, Option<w>))` for every key of either stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> full_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::FullOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::full_outer_join`.
static PAGE: Page = Page {
    spark: "`fullOuterJoin`",
    output: "`(k, (Option<v>, Option<w>))` for every value of either",
    text: r#"
`full_outer_join(other, [partitions])`: per batch, `(k, (Option<v>, Option<w>))` for every
value of either stream.

**Spark:** `PairDStreamFunctions.fullOuterJoin(other[, numPartitions])`.

# Semantics

As [`join`](super::join) (per batch, the same types, shuffle and partitions), with every
key of either side: the pairs of a key on both sides are `(k, (Some(v), Some(w)))`, the
values of a key only in this stream give `(k, (Some(v), None))` and those of a key only in
`other` give `(k, (None, Some(w)))`.

# Example

Spark's `fullOuterJoin` vector (E6), into 3 partitions:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
        |> full_outer_join(right, 3) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,(Some(1),Some(x)))", "(b,(Some(1),Some(x)))"]);
assert_eq!(sorted(1), ["(,(Some(1),Some(x)))", "(a,(Some(1),None))", "(b,(None,Some(x)))"]);
assert_eq!(sorted(2), ["(,(Some(1),None))"]);
assert_eq!(sorted(3), ["(,(None,Some(x)))"]);
```
"#,
};
