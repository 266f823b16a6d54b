//! `count_by_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "count_by_window",
    Kind::Window,
    WINDOW_ARGS,
    "the number of records in the window (0 for an empty window)",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> count_by_window(2s, 1s) |> print"#,
    |a| Some(Op::CountByWindow(a.window()?)),
)
.lowers(lower)
.documented(&PAGE);

/// `count |> window(W, S) |> reduce(+)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::CountByWindow(w) = op else { return None };
    Some(vec![
        (&super::count::SPEC, Op::Count),
        window(w),
        (&super::reduce::SPEC, Op::Reduce(Reducer::Plus(span))),
    ])
}

/// Its page of the language reference, `dstream::operators::count_by_window`.
static PAGE: Page = Page {
    spark: "`countByWindow`",
    output: "at each slide, one `u64`, `0` for an empty window",
    text: r#"
`count_by_window(length, [slide])`: at every slide, the number of records in the window.

**Spark:** `DStream.countByWindow(windowDuration, slideDuration)`.

# Semantics

* `length` and `slide` are as for [`window`](super::window). At each slide time the output
  is exactly one record, a `u64`: the number of records of the batches in the window.
* **An empty window gives `0`**, as in Spark, not an empty output.
* It is `count |> window(length, slide) |> reduce(+)`: each batch is counted once. Spark
  computes it incrementally with an inverse and therefore requires a checkpoint; the result
  is the same.

# Example

Spark's `countByWindow` vector (E15):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]]) every 1s
        |> count_by_window(2s, 1s) |> print
};
let out = Harness::new(job).run_batches(6).unwrap();
let counts: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
assert_eq!(counts, [["1"], ["2"], ["3"], ["3"], ["1"], ["0"]]);
```
"#,
};
