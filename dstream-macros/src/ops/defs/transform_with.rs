//! `transform_with`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "transform_with",
    Kind::Binary,
    &[arg("other", Stream), arg("func", Function)],
    "`func(records, other_records, time)` gets both streams' batches and returns the new records",
    r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> transform_with(b, |xs: Vec<i32>, ys: Vec<i32>, _| [xs, ys].concat()) every 1s |> print"#,
    |a| Some(Op::TransformWith(a.expr("func")?)),

)
.emits(Emit::Binary(emit))
.documented(&PAGE);

/// Both batches gathered, then `func(records, other_records, time)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &BinaryCx) -> TokenStream {
    let Op::TransformWith(func) = op else { return TokenStream::new() };
    let BinaryCx { span, dp, ctx, exec, left, left_var, right, right_var, .. } = cx;
    let span = *span;
    let f = crossing_output(dp, cg.required_call(func, "transform_with", 3), span);
    let parallelism = respan_ident(&mixed("__parallelism"), span);
    let right_var = respan_ident(right_var, span);
    let (left_crossing, right_crossing) = (
        crossing(dp, "crossing_records", left_var, span),
        crossing(dp, "crossing_records", &right_var, span),
    );
    quote_spanned!(span=>
        let #left_var = #dp::ops::to_vecs(#left);
        let #right_var = #dp::ops::to_vecs(#right);
        #left_crossing
        #right_crossing
        #dp::ops::transform_with(#exec, #left_var, #right_var, #ctx.time(), #parallelism, #f)
    )
}

/// Its page of the language reference, `dstream::operators::transform_with`.
static PAGE: Page = Page {
    spark: "`transformWith`",
    output: "`func(records, other_records, time)`'s records",
    text: r#"
`transform_with(other, func)`: `func(records, other_records, time)` gets the batches of both
streams and returns the new records.

**Spark:** `DStream.transformWith(other, (rdd1, rdd2, time) => ...)`.

# Semantics

* `other` is the name of a `let` stream. Every batch, this stream's records and `other`'s
  records of the same batch time are each gathered into a `Vec`, in partition order, and
  `func(records, other_records, time)` is called with them and the batch
  [`Time`](crate::Time). Its items are the new records, in order, cut again into the job's
  number of partitions contiguously.
* Both streams may have different record types. Either batch may be empty; `func` is still
  called.
* `func` runs on the batch loop's thread. It is the binary form of
  [`transform`](super::transform): the joins are special cases of it, as in Spark.

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let words = queue(vec![vec!["a", "b"], vec!["c"], vec![]]);
    queue(vec![vec![1, 2], vec![3], vec![4]])
        |> transform_with(words, |numbers, words, _| {
            numbers.into_iter().zip(words).map(|(n, w)| format!("{w}{n}")).collect::<Vec<_>>()
        })
        every 1s |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
assert_eq!(out[0].printed_records(), ["a1", "b2"]);
assert_eq!(out[1].printed_records(), ["c3"]);
assert!(out[2].printed_records().is_empty()); // `words` is empty at 3000 ms
```
"#,
};
