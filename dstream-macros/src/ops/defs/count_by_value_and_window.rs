//! `count_by_value_and_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "count_by_value_and_window",
    Kind::Window,
    WINDOW_ARGS,
    "counts each distinct record over the window",
    r#"queue(vec![vec!["a"], vec!["a"]]) every 1s |> count_by_value_and_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByValueAndWindow(a.window()?)),
)
.lowers(lower)
.documented(&PAGE);

/// `count_by_value |> window(W, S) |> reduce_by_key(+)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::CountByValueAndWindow(w) = op else { return None };
    Some(vec![
        (&super::count_by_value::SPEC, Op::CountByValue(None)),
        window(w),
        (&super::reduce_by_key::SPEC, Op::ReduceByKey(Reducer::Plus(span), None)),
    ])
}

/// Its page of the language reference, `dstream::operators::count_by_value_and_window`.
static PAGE: Page = Page {
    spark: "`countByValueAndWindow`",
    output: "at each slide, one `(x, u64)` per distinct record",
    text: r#"
`count_by_value_and_window(length, [slide])`: at every slide, counts each distinct record
of the window.

**Spark:** `DStream.countByValueAndWindow(windowDuration, slideDuration[, numPartitions])`.

# Semantics

* The records must be `Hash + Eq`; `length` and `slide` are as for
  [`window`](super::window). At each slide time the output has one record `(x, n)` per
  distinct record `x` of the window, with `n: u64` its number of occurrences in the
  window. The window keeps the records owned (`&str` as `String`) and emits them as
  they entered (`&str`, borrowed from its state for the batch).
* A record absent from the window is absent from the output: there are no zero counts,
  as in Spark (which filters them out).
* It is `count_by_value |> window(length, slide) |> reduce_by_key(+)`. The output is
  hash-partitioned; its order is unspecified.

# Example

Spark's `countByValueAndWindow` vector (E16):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a"], vec!["b", "b"], vec!["a", "b"], vec![]]) every 1s
        |> count_by_value_and_window(2s, 1s) |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,1)"]);
assert_eq!(sorted(1), ["(a,1)", "(b,2)"]);
assert_eq!(sorted(2), ["(a,1)", "(b,3)"]);
assert_eq!(sorted(3), ["(a,1)", "(b,1)"]); // the first `b, b` has left
```
"#,
};
