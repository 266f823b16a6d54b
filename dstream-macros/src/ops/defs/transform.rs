//! `transform`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Func, Op};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "transform",
    Kind::Reshape,
    &[arg("func", Function)],
    "`func(records, time)` gets all records of the batch and returns the new ones",
    r#"queue(vec![vec![2, 1]]) |> transform(|mut xs: Vec<i32>, _| { xs.sort(); xs }) every 1s |> print"#,
    |a| Some(Op::own(Args { func: a.expr("func")? })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The function of the batch.
    func: Func,
}

/// The batch's records, then `func` over all of them.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { func }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, next_parts, .. } = cx;
    let span = *span;
    let parallelism = mixed("__parallelism");
    let f = crossing_output(dp, cg.required_call(func, "transform", 2), span);
    let crossing = crossing(dp, "crossing_records", out, span);
    cx.collect(quote_spanned!(span=>
        #crossing
        let #next_parts = #dp::ops::transform(#exec, #out, #ctx.time(), #parallelism, #f);
    ))
}

/// Its page of the language reference, `dstream::operators::transform`.
static PAGE: Page = Page {
    spark: "`transform`",
    output: "`func(records, time)`'s records",
    text: r#"
`transform(func)`: `func(records, time)` gets all records of the batch and returns the new
ones.

**Spark:** `DStream.transform((rdd, time) => ...)`.

# Semantics

* Once per batch, including an empty one, the batch's records are gathered from all
  partitions, in partition order, into a `Vec<T>`, and `func(records, time)` is called with
  it and the batch [`Time`](crate::Time). It returns anything iterable; its items are the
  new records, in order, cut again into the job's number of partitions contiguously. So
  the order `func` gives is the order an output sees.
* `func` takes both arguments; write `|records, _| ...` when the time is not needed. It is
  called on the batch loop's thread, between the stages before and after it (Spark calls
  its function on the driver every batch).
* It is the escape hatch for what no operator does: sorting a batch, taking its top
  records, joining it with a static table.
* Unlike Spark's `transform`, whose function maps an RDD to another RDD, `func` receives the
  records themselves.

# Example

Sorting each batch, and tagging the records with the batch time:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![3, 1, 2], vec![5, 4]])
        |> transform(|mut records, time| {
            records.sort();
            records.into_iter().map(move |x| (time.as_millis(), x))
        })
        every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["(1000,1)", "(1000,2)", "(1000,3)"]);
assert_eq!(out[1].printed_records(), ["(2000,4)", "(2000,5)"]);
```

Spark's stream–dataset join, `transform(rdd => rdd.join(table))`, with a table captured by
the closure:

```
use dstream::prelude::*;
use dstream::testing::Harness;
use std::collections::HashMap;

let names: HashMap<u32, &str> = HashMap::from([(1, "ada"), (2, "grace")]);
let job = stream! {
    queue(vec![vec![(2, 10), (3, 5), (1, 7)]])
        |> transform(|records, _| {
            records.into_iter().filter_map(|(id, n)| Some((*names.get(&id)?, n))).collect::<Vec<_>>()
        })
        every 1s |> print
};
let out = Harness::new(job).step().unwrap();
assert_eq!(out.printed_records(), ["(grace,10)", "(ada,7)"]);
```
"#,
};
