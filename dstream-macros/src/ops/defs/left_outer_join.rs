//! `left_outer_join`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "left_outer_join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (v, Option<w>))` for every key of this stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> left_outer_join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::LeftOuterJoin, a.opt_expr("partitions"))),

)
.emits(Emit::Binary(super::join::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::left_outer_join`.
static PAGE: Page = Page {
    spark: "`leftOuterJoin`",
    output: "`(k, (v, Option<w>))` for every `v`",
    text: r#"
`left_outer_join(other, [partitions])`: per batch, `(k, (v, Option<w>))` for every value of
this stream.

**Spark:** `PairDStreamFunctions.leftOuterJoin(other[, numPartitions])`.

# Semantics

As [`join`](super::join) (per batch, the same types, shuffle and partitions), and a left
value whose key has no value in `other`'s batch is kept as `(k, (v, None))`; the pairs of a
key on both sides are `(k, (v, Some(w)))`. Keys only in `other` give nothing.

# Example

Spark's `leftOuterJoin` vector (E6):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
        |> left_outer_join(right) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,(1,Some(x)))", "(b,(1,Some(x)))"]);
assert_eq!(sorted(1), ["(,(1,Some(x)))", "(a,(1,None))"]);
assert_eq!(sorted(2), ["(,(1,None))"]);
assert!(sorted(3).is_empty()); // only the right side has a record
```
"#,
};
