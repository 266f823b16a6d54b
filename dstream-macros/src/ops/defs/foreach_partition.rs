//! `foreach_partition`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Func, Op};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "foreach_partition",
    Kind::Output,
    &[arg("func", Function)],
    "calls `func(records, time, partition)` once per partition with that partition's records, on the partition's worker",
    r#"queue(vec![vec![1, 2]]) every 1s |> foreach_partition(|xs: Vec<i32>, _, p| println!("{p}: {xs:?}"))"#,
    |a| Some(Op::own(Args { func: a.expr("func")? })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The function of a partition.
    func: Func,
}

/// Each partition's records, then `func(records, time, partition)` on the partition's worker.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { func }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, ctx, out, .. } = cx;
    let span = *span;
    let f = cg.required_fn(func, "foreach_partition", 3);
    cx.collect(quote_spanned!(span=> #dp::foreach::each_partition(#exec, #out, #ctx.time(), #f);))
}

/// Its page of the language reference, `dstream::operators::foreach_partition`.
static PAGE: Page = Page {
    spark: "`foreachRDD` + `foreachPartition`",
    output: "calls `func(records, time, partition)` per partition",
    text: r#"
`foreach_partition(func)`: calls `func(records, time, partition)` once per partition,
with that partition's records, on the worker that holds them.

**Spark:** `DStream.foreachRDD(rdd => rdd.foreachPartition(...))`, the output that
scales: a partition's records never travel to the driver.

# Semantics

An output operation: it ends a pipeline.

* Once per batch and per partition, **including empty ones**, `func(records, time,
  partition)` is called with the partition's records (a `Vec<T>`, in order), the batch
  [`Time`](crate::Time) and the partition's index (`0` to the number of partitions - 1).
* The calls of one batch run in parallel, on the partitions' workers: `func` must be
  `Fn + Sync` (share what it writes to behind a `Mutex` or a channel), and nothing
  orders the calls of different partitions.
* On a cluster (docs/cluster.md) each process calls `func` for the partitions it owns:
  the records are written where they are, never gathered on the driver. Between the
  sources and the first exchange the records are on the driver, which then calls
  `func` for them (and their owner for its empty share).
* The batch time and the partition index identify a partition's output: a store that
  commits by both is exactly-once per partition.

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

let seen: Arc<Mutex<Vec<(u64, usize, Vec<i32>)>>> = Arc::default();
let sink = Arc::clone(&seen);
let job = stream! {
    queue(vec![vec![1, 2, 3, 4]]) |> map(|x| x * 10) every 1s
        |> foreach_partition(move |records, time, partition| {
            sink.lock().unwrap().push((time.as_millis(), partition, records))
        })
};
Harness::new(job).with_parallelism(2).run_batches(1).unwrap();
let mut seen = seen.lock().unwrap().clone();
seen.sort();
assert_eq!(seen, [(1000, 0, vec![10, 20]), (1000, 1, vec![30, 40])]);
```
"#,
};
