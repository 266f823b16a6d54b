//! `reduce`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "reduce",
    Kind::Shuffle,
    &[arg("func", Reducer)],
    "combines all records of the batch into one (none for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> reduce(+) every 1s |> print"#,
    |a| Some(Op::Reduce(a.reducer("func")?)),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// A reduction per partition; then the partial results gathered and reduced.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Reduce(func) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.reducer_arg(func);
    let crossing = crossing(dp, "crossing_records", out, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None;),
        consume: quote_spanned!(span=> #dp::ops::reduce_into(&mut #sink, #last, #f);),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> #crossing let #next_parts = #dp::ops::gather_reduce(#exec, #out, #f);),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::reduce`.
static PAGE: Page = Page {
    spark: "`reduce`",
    output: "one record, none for an empty batch",
    text: r#"
`reduce(func)`: combines all records of the batch into one.

**Spark:** `DStream.reduce(func)`.

# Semantics

* `func` is a closure `|a, b| ...` of two records returning a record of the same type,
  or a shorthand: `+`, `*`, `min`, `max`. It should be associative and commutative, as
  in Spark: each partition is reduced first, then the partitions' results.
* A batch with records gives exactly one record, in a single partition; a batch with
  one record gives that record (`func` is not called).
* **An empty batch gives an empty output**, not a value (Spark's `reduce` gives an
  empty RDD). Compare [`count`](super::count), which gives `0`.

# Example

Spark's `reduce(_ + _)` vector (E3), then an empty batch past the end of the queue:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![9, 10, 11, 12]])
        |> reduce(+) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
assert_eq!(out[0].printed_records(), ["10"]);
assert_eq!(out[1].printed_records(), ["26"]);
assert_eq!(out[2].printed_records(), ["42"]);
assert!(out[3].printed_records().is_empty());

let job = stream! {
    queue(vec![vec!["pear", "fig", "banana"]])
        |> reduce(|a, b| if b.len() > a.len() { b } else { a }) every 1s
        |> print
};
assert_eq!(Harness::new(job).step().unwrap().printed_records(), ["banana"]);
```
"#,
};
