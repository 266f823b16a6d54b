//! `group_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::{Op, Reducer};
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "group_by_key_and_window",
    Kind::Window,
    WINDOW_ARGS,
    "collects the values of each key over the window",
    r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> group_by_key_and_window(2s, 1s) |> print"#,
    |a| Some(Op::GroupByKeyAndWindow(a.window()?)),
)
.lowers(lower)
.documented(&PAGE);

/// `group_by_key |> window(W, S) |> reduce_by_key(concat)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::GroupByKeyAndWindow(w) = op else { return None };
    Some(vec![
        (&super::group_by_key::SPEC, Op::GroupByKey(None)),
        window(w),
        (&super::reduce_by_key::SPEC, Op::ReduceByKey(Reducer::Concat(span), None)),
    ])
}

/// Its page of the language reference, `dstream::operators::group_by_key_and_window`.
static PAGE: Page = Page {
    spark: "`groupByKeyAndWindow`",
    output: "at each slide, one `(k, Vec<v>)` per key",
    text: r#"
`group_by_key_and_window(length, [slide])`: at every slide, collects the values of each key
over the window.

**Spark:** `PairDStreamFunctions.groupByKeyAndWindow(windowDuration[, slideDuration])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`; `length` and `slide` are as for
  [`window`](super::window). At each slide time the output has one record `(k, Vec<V>)`
  per key with values in the window, holding all of them; keys and values have the types
  they entered with (the window keeps them owned, and emits `&str` text borrowed from its
  state for the batch). The
  order of the values within a group is unspecified, as in Spark.
* It is `group_by_key |> window(length, slide) |>` a merge of each key's groups. The output
  is hash-partitioned; its order is unspecified. An empty window gives an empty output.
* A group prints as a list, `(a,[1, 1])`; Spark prints `(a,CompactBuffer(1, 1))`.

# Example

Spark's `groupByKeyAndWindow` vector (E14), with the groups sorted before printing:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let input = vec![
    vec![("a", 1)],
    vec![("a", 1), ("b", 1)],
    vec![("a", 1), ("b", 1), ("c", 1)],
    vec![],
];
let job = stream! {
    queue(input) every 1s |> group_by_key_and_window(2s, 1s)
        |> map_values(|mut values: Vec<i32>| { values.sort(); values }) |> print
};
let out = Harness::new(job).run_batches(5).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,[1])"]);
assert_eq!(sorted(1), ["(a,[1, 1])", "(b,[1])"]);
assert_eq!(sorted(2), ["(a,[1, 1])", "(b,[1, 1])", "(c,[1])"]);
assert_eq!(sorted(3), ["(a,[1])", "(b,[1])", "(c,[1])"]);
assert!(sorted(4).is_empty());
```
"#,
};
