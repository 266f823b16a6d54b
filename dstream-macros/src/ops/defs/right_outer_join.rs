//! `right_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "right_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (Option<v>, w))` for every key of the other stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> right_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::RightOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::right_outer_join`.
static PAGE: Page = Page {
    spark: "`rightOuterJoin`",
    output: "`(k, (Option<v>, w))` for every `w`",
    text: r#"
`right_outer_join(other, [partitions])`: per batch, `(k, (Option<v>, w))` for every value of
`other`.

**Spark:** `PairDStreamFunctions.rightOuterJoin(other[, numPartitions])`.

# Semantics

As [`join`](super::join) (per batch, the same types, shuffle and partitions), and a value of
`other` whose key has no value in this stream's batch is kept as `(k, (None, w))`; the pairs
of a key on both sides are `(k, (Some(v), w))`. Keys only in this stream give nothing.

# Example

Spark's `rightOuterJoin` vector (E6):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
        |> right_outer_join(right) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,(Some(1),x))", "(b,(Some(1),x))"]);
assert_eq!(sorted(1), ["(,(Some(1),x))", "(b,(None,x))"]);
assert!(sorted(2).is_empty()); // only the left side has a record
assert_eq!(sorted(3), ["(,(None,x))"]);
```
"#,
};
