//! `reduce_by_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "reduce_by_window",
    Kind::Window,
    &[arg("func", Reducer), optional("inverse", Reducer), arg("length", Duration), optional("slide", Duration)],
    "combines all records of the window into one (none for an empty window); with `inverse`, incrementally, as Spark's `reduceByWindow(f, invF, ..)`",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print"#,
    |a| {
        Some(Op::ReduceByWindow { func: a.reducer("func")?, inverse: a.opt_reducer("inverse"), window: a.window()? })
    },

)
.lowers(lower)
.documented(&PAGE);

/// `reduce(f) |> window(W, S) |> reduce(f)`; with an inverse, Spark's
/// `map((1, _)).reduceByKeyAndWindow(f, invF, W, S, 1).map(_._2)`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let Op::ReduceByWindow { func, inverse, window: w } = op else { return None };
    let Some(inverse) = inverse else {
        return Some(vec![
            (&super::reduce::SPEC, Op::Reduce(func.clone())),
            window(w),
            (&super::reduce::SPEC, Op::Reduce(func.clone())),
        ]);
    };
    Some(vec![
        (
            &super::map::SPEC,
            Op::Narrow(NarrowOp::Map, syn::parse_quote_spanned!(span=> |__dstream_x| ((), __dstream_x))),
        ),
        (
            &super::reduce_by_key::SPEC,
            Op::ReduceByKey(func.clone(), Some(syn::parse_quote_spanned!(span=> 1usize))),
        ),
        incremental(&SPEC, func, inverse, w, None),
        (
            &super::map::SPEC,
            Op::Narrow(NarrowOp::Map, syn::parse_quote_spanned!(span=> |((), __dstream_x)| __dstream_x)),
        ),
    ])
}

/// Its page of the language reference, `dstream::operators::reduce_by_window`.
static PAGE: Page = Page {
    spark: "`reduceByWindow`",
    output: "at each slide, one record; none for an empty window (with `inverse`: the inverse's zero once a record was seen)",
    text: r#"
`reduce_by_window(func, [inverse], length, [slide])`: at every slide, combines all
records of the window into one; with `inverse`, incrementally.

**Spark:** `DStream.reduceByWindow(func, windowDuration, slideDuration)` and
`DStream.reduceByWindow(func, invFunc, windowDuration, slideDuration)`.

# Semantics

* `func` is a reducer as for [`reduce`](super::reduce) (associative and commutative);
  `length` and `slide` are as for [`window`](super::window). Without `inverse` it is
  `reduce(func) |> window(length, slide) |> reduce(func)`, as Spark defines it: each batch
  is reduced once, and each slide combines the window's per-batch results.
* Without `inverse`, at a slide time a window with records gives one record; **an empty
  window gives an empty output**, not a value, as [`reduce`](super::reduce) does for an
  empty batch. Compare [`count_by_window`](super::count_by_window), which gives `0`.
* **With `inverse`** (`inverse(a, b)` undoes `func`: `-` for `+`) it is Spark's
  incremental form, which Spark defines as
  `map((1, _)).reduceByKeyAndWindow(func, invFunc, W, S, 1).map(_._2)`, and so is ours:
  each slide takes the batches that left the window out of the last value with
  `inverse` and merges those that entered with `func`. As in Spark, once a record has
  been seen the window always has a value: **an empty window gives `inverse`'s zero**
  (`0` for `+`/`-`), and nothing is emitted before the first record. Its state is
  checkpointed with `#![checkpoint(..)]`.

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2], vec![3], vec![], vec![]]) every 1s |> reduce_by_window(+, 2s) |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
assert_eq!(out[0].printed_records(), ["3"]);
assert_eq!(out[1].printed_records(), ["6"]);
assert_eq!(out[2].printed_records(), ["3"]);
assert!(out[3].printed_records().is_empty()); // an empty window
```

The incremental form, on Spark's `countByWindow` vector (`countByWindow` is
`map(_ => 1L).reduceByWindow(_ + _, _ - _, W, S)` in Spark):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1], vec![1], vec![1, 2], vec![0], vec![], vec![]])
        |> map(|_| 1i64) every 1s |> reduce_by_window(+, -, 2s, 1s) |> print
};
let out = Harness::new(job).run_batches(6).unwrap();
let values: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
assert_eq!(values, [["1"], ["2"], ["3"], ["3"], ["1"], ["0"]]);
```
"#,
};
