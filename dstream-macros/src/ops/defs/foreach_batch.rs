//! `foreach_batch`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Func, Op};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "foreach_batch",
    Kind::Output,
    &[arg("func", Function)],
    "calls `func(records, time)` once per batch with all of the batch's records",
    r#"queue(vec![vec![1, 2]]) every 1s |> foreach_batch(|xs: Vec<i32>, _| println!("{xs:?}"))"#,
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

/// The batch's records, then `func(records, time)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { func }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, .. } = cx;
    let span = *span;
    let f = cg.required_fn(func, "foreach_batch", 2);
    let crossing = crossing(dp, "crossing_records", out, span);
    cx.collect(quote_spanned!(span=>
        #crossing
        #dp::foreach::emit(#exec, #out, #ctx.time(), #f);
    ))
}

/// Its page of the language reference, `dstream::operators::foreach_batch`.
static PAGE: Page = Page {
    spark: "`foreachRDD`",
    output: "calls `func(records, time)`",
    text: r#"
`foreach_batch(func)`: calls `func(records, time)` once per batch with all of the
batch's records.

**Spark:** `DStream.foreachRDD((rdd, time) => ...)`, the generic output operation.

# Semantics

An output operation: it ends a pipeline.

* Once per batch, **including an empty batch**, the batch's records are gathered from
  all partitions, in partition order, into a `Vec<T>`, and `func(records, time)` is
  called with it and the batch [`Time`](crate::Time).
* `func` runs on the batch loop's thread, after the stages that feed it and in the
  order the outputs are written. It may mutate what it captures.
* The batch time identifies the batch: writing into a store keyed by it, in one
  transaction with the data, makes the output exactly-once (Spark's recipe).
* Unlike Spark's `foreachRDD`, whose closure receives a distributed RDD and runs its
  actions on executors, `func` receives the records themselves.

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

let seen: Arc<Mutex<Vec<(u64, Vec<i32>)>>> = Arc::default();
let sink = Arc::clone(&seen);
let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![], vec![5]]) |> map(|x| x * 10) every 1s
        |> foreach_batch(move |records, time| {
            sink.lock().unwrap().push((time.as_millis(), records))
        })
};
Harness::new(job).run_batches(3).unwrap();
assert_eq!(
    *seen.lock().unwrap(),
    [(1000, vec![10, 20, 30, 40]), (2000, vec![]), (3000, vec![50])]
);
```
"#,
};
