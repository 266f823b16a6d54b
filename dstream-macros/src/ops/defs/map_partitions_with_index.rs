//! `map_partitions_with_index`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Func, Op};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map_partitions_with_index",
    Kind::Reshape,
    &[arg("func", Function)],
    "`func(index, records)` gets a partition's index and an iterator over its records, and returns its new records",
    r#"queue(vec![vec![1, 2]]) |> map_partitions_with_index(|i, xs| xs.map(move |x| (i, x))) every 1s |> print"#,
    |a| Some(Op::own(Args { func: a.expr("func")? })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The function of a partition's index and records.
    func: Func,
}

/// Each partition's records, then `func` over its index and them in a task per partition.
/// The local function gives `func` its parameter types (a closure called in place would not
/// get them), so that `|i, records| ..` needs no annotations.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { func }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.required_fn(func, "map_partitions_with_index", 2);
    let (index, records, each) = (cg.var("index"), cg.var("records"), cg.var("records"));
    cx.collect(quote_spanned!(span=>
        let #next_parts = #exec.run_stage(#out, |#index, #records| {
            #dp::ops::map_partition(#records, |#each| (#f)(#index, #each))
        });
    ))
}

/// Its page of the language reference, `dstream::operators::map_partitions_with_index`.
static PAGE: Page = Page {
    spark: "`mapPartitionsWithIndex` (PySpark)",
    output: "`func(index, partition)`'s records, per partition",
    text: r#"
`map_partitions_with_index(func)`: `func` gets a partition's index and its records, and
returns the partition's new records.

**Spark:** `DStream.mapPartitionsWithIndex(f)` of PySpark, which applies the RDD operation of
that name to each batch (`preservesPartitioning` has no counterpart: dstream keeps no
partitioner between stages).

# Semantics

* `func(index, records)` is called once per partition with the partition's index
  (`usize`, from `0`, in partition order) and an iterator over its records (a
  `std::vec::IntoIter<T>`, records by value, in order), and returns anything iterable; its
  items are the partition's new records, in the iterator's order. The number of partitions
  does not change; an empty partition calls `func` with its index and an empty iterator.
* The index is the partition's place in this batch: it depends on how the batch is
  partitioned (the job's parallelism, and [`repartition`](super::repartition) before it),
  as in Spark. It is the same index that [`foreach_partition`](super::foreach_partition)
  gets.
* Like [`map_partitions`](super::map_partitions), it needs whole partitions, so it ends a
  stage; the partitions run as tasks in parallel.

# Example

The index tags each record with the partition it is in; the harness cuts each queued
batch into 2 partitions:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5]])
        |> map_partitions_with_index(|i, records| records.map(move |x| (i, x * 10))) every 1s
        |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["(0,10)", "(0,20)", "(1,30)", "(1,40)"]);
// One record is cut as Spark's `parallelize` cuts it: partition 0 empty, partition 1 `[5]`.
assert_eq!(out[1].printed_records(), ["(1,50)"]);
```

A function per partition, such as a sum with its index:

```
use dstream::prelude::*;
use dstream::testing::Harness;

fn sum(index: usize, records: std::vec::IntoIter<i32>) -> Option<(usize, i32)> {
    Some((index, records.sum()))
}

let job = stream! {
    queue(vec![vec![1, 2, 3, 4]]) |> map_partitions_with_index(sum) every 1s |> print
};
let out = Harness::new(job).run_batches(1).unwrap();
assert_eq!(out[0].printed_records(), ["(0,3)", "(1,7)"]);
```
"#,
};
