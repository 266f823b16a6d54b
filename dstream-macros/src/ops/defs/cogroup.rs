//! `cogroup`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "cogroup",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (values, other_values))` for every key of either stream",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> cogroup(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::Cogroup, a.opt_expr("partitions"))),
)
.emits(Emit::Binary(super::join::emit))
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::cogroup`.
static PAGE: Page = Page {
    spark: "`cogroup`",
    output: "one `(k, (Vec<v>, Vec<w>))` per key of either",
    text: r#"
`cogroup(other, [partitions])`: per batch, one `(k, (Vec<v>, Vec<w>))` for every key of
either stream.

**Spark:** `PairDStreamFunctions.cogroup(other[, numPartitions])`.

# Semantics

* As [`join`](super::join) (per batch, the same key type, shuffle and partitions), but one
  record per key present in this stream's batch or `other`'s: `(k, (vs, ws))` with all of
  the key's values in this stream and all of them in `other`. One of the two `Vec`s may be
  empty, never both.
* The values keep their input order within each side. They are moved, not cloned, so they
  need not be `Clone`.
* A group prints as a list, `(a,([1, 1],[x]))`; Spark prints
  `(a,(CompactBuffer(1, 1),CompactBuffer(x)))`.

# Example

Spark's `cogroup` vector (E6):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let other = queue(vec![vec!["a", "a", "b"], vec!["b", ""], vec![], vec![]]) |> map(|x| (x, "x"));
    queue(vec![vec!["a", "a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
        |> cogroup(other) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,([1, 1],[x, x]))", "(b,([1],[x]))"]);
assert_eq!(sorted(1), ["(,([1],[x]))", "(a,([1],[]))", "(b,([],[x]))"]);
assert_eq!(sorted(2), ["(,([1],[]))"]);
assert!(sorted(3).is_empty());
```
"#,
};
