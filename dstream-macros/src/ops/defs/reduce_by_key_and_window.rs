//! `reduce_by_key_and_window`: its entry in the operator table.

use super::*;
use crate::ir::Op;
use proc_macro2::Span;

pub static SPEC: OpSpec = op(
    "reduce_by_key_and_window",
    Kind::Window,
    &[
        arg("func", Reducer),
        optional("inverse", Reducer),
        arg("length", Duration),
        optional("slide", Duration),
        optional("filter", Function),
    ],
    "combines the values of each key over the window; with `inverse`, incrementally",
    r#"queue(vec![vec![("a", 1)], vec![("a", 2)]]) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print"#,
    |a| {
        Some(Op::ReduceByKeyAndWindow {
            func: a.reducer("func")?,
            inverse: a.opt_reducer("inverse"),
            window: a.window()?,
            filter: a.opt_expr("filter"),
        })
    },

)
.lowers(lower)
.documented(&PAGE);

/// `reduce_by_key(f) |> window(W, S) |> reduce_by_key(f)`, or with an inverse
/// `reduce_by_key(f) |> incremental window`.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let _ = span;
    let Op::ReduceByKeyAndWindow { func, inverse, window: w, filter } = op else { return None };
    Some(match inverse {
        Some(inverse) => vec![
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
            incremental(&SPEC, func, inverse, w, filter.clone()),
        ],
        None => vec![
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
            window(w),
            (&super::reduce_by_key::SPEC, Op::ReduceByKey(func.clone(), None)),
        ],
    })
}

/// Its page of the language reference, `dstream::operators::reduce_by_key_and_window`.
static PAGE: Page = Page {
    spark: "`reduceByKeyAndWindow`",
    output: "at each slide, one `(k, v)` per key of the window",
    text: r#"
`reduce_by_key_and_window(func, [inverse], length, [slide], [filter])`: at every slide,
combines the values of each key over the window.

**Spark:** `PairDStreamFunctions.reduceByKeyAndWindow(func, windowDuration[, slideDuration])`
and `reduceByKeyAndWindow(func, invFunc, windowDuration, slideDuration[, numPartitions,
filterFunc])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. `func` is a reducer as for
  [`reduce_by_key`](super::reduce_by_key) (a closure of two values, or `+`, `*`, `min`,
  `max`); `length` and `slide` are as for [`window`](super::window): multiples of the
  parent's slide, `slide` by default the parent's. The output exists at slide times only.
  Its keys and values have the types they entered with: the window keeps them owned
  (`&str` as `String`) and emits `&str` keys borrowed from its state for the batch, so
  emitting allocates nothing per key. The `filter` sees the kept pair (`&(String, V)` for
  text keys).
* **Naive form**, `reduce_by_key_and_window(func, length, [slide])`: exactly
  `reduce_by_key(func) |> window(length, slide) |> reduce_by_key(func)`, as Spark defines
  it: one `(k, v)` per key with values in the window, `v` combining all of them. A key
  whose values have all left the window disappears. Each slide re-reduces the whole
  window's per-batch results.
* **Incremental form**, `reduce_by_key_and_window(func, inverse, length, [slide],
  [filter])`: `inverse` undoes `func` (`inverse(func(a, b), b) == a`; `-` for `+`). At each
  slide time the window's value per key is the previous one, with the values of the
  batches that left the window taken out by `inverse(value, leaving)` and those of the
  batches that entered merged in with `func`; a key with no previous value takes the
  combined value of its entering batches. Each slide costs the batches that moved, not the
  window's length. It keeps a per-key window value and the per-batch reduced tables the
  window still needs (all saved by a checkpoint).
* **Keys stay at zero**: as in Spark, the incremental form never drops a key by itself.
  A key whose values have all left the window keeps being emitted with the "zero" that
  `inverse` leaves, such as `(a,0)`. Pass a `filter` (a function of `&(K, V)` returning
  `bool`; only with an inverse, else a compile error) to keep only the keys for which it
  holds: the others are emitted no more and dropped from the window's state, and later
  leaving values of a dropped key are ignored. With `|(_, v)| *v != 0` the output equals
  the naive form's.
* The output is hash-partitioned by key into the job's number of partitions; its order is
  unspecified. An empty window gives an empty output (naive form).

# Example

Spark's vector (E12) in both forms: a key that leaves a 2 s window.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let input = vec![vec![("a", 1)], vec![("a", 1)], vec![], vec![]];
let records = |job: Job| -> Vec<Vec<String>> {
    let out = Harness::new(job).run_batches(4).unwrap();
    out.iter().map(|b| b.printed_records().into_iter().map(str::to_owned).collect()).collect()
};

let naive = stream! { queue(input.clone()) every 1s |> reduce_by_key_and_window(+, 2s, 1s) |> print };
assert_eq!(records(naive), [vec!["(a,1)"], vec!["(a,2)"], vec!["(a,1)"], vec![]]);

let incremental = stream! {
    queue(input.clone()) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s) |> print
};
// The key stays, at zero.
assert_eq!(records(incremental), [["(a,1)"], ["(a,2)"], ["(a,1)"], ["(a,0)"]]);

let filtered = stream! {
    queue(input) every 1s |> reduce_by_key_and_window(+, -, 2s, 1s, |(_, n)| *n != 0) |> print
};
assert_eq!(records(filtered), [vec!["(a,1)"], vec!["(a,2)"], vec!["(a,1)"], vec![]]);
```

A 4 s window sliding every 2 s over the values 1 to 6, one per batch (E12); it emits at
2000, 4000, 6000 and 8000 ms only:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let input: Vec<Vec<(&str, i32)>> = (1..=6).map(|v| vec![("a", v)]).chain([vec![], vec![]]).collect();
let job = stream! {
    queue(input) every 1s |> reduce_by_key_and_window(|a, b| a + b, |a, b| a - b, 4s, 2s) |> print
};
let out = Harness::new(job).run_batches(8).unwrap();
let emitted: Vec<(u64, Vec<&str>)> = out
    .iter()
    .filter(|b| !b.printed.is_empty())
    .map(|b| (b.time.as_millis(), b.printed_records()))
    .collect();
assert_eq!(
    emitted,
    [(2000, vec!["(a,3)"]), (4000, vec!["(a,10)"]), (6000, vec!["(a,18)"]), (8000, vec!["(a,11)"])]
);
```

Word counts over the last 3 seconds, with text keys (`&str` after the window too):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a b"], vec!["a"], vec!["b b"]]) |> flat_map(split) |> map(|w| (w, 1))
        every 1s |> reduce_by_key_and_window(+, 3s) |> map(|(w, n): (&str, i32)| (w, n)) |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
let mut last = out[2].printed_records();
last.sort();
assert_eq!(last, ["(a,2)", "(b,3)"]);
```
"#,
};
