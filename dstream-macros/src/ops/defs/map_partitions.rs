//! `map_partitions`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Func, Op};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map_partitions",
    Kind::Reshape,
    &[arg("func", Function)],
    "`func(records)` gets an iterator over one partition and returns its new records",
    r#"queue(vec![vec![1, 2]]) |> map_partitions(|xs| xs.map(|x| x + 1)) every 1s |> print"#,
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

/// Each partition's records, then `func` over them in a task per partition.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { func }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.required_fn(func, "map_partitions", 1);
    cx.collect(quote_spanned!(span=>
        let #next_parts = #exec.run_stage(#out, |_, records| #dp::ops::map_partition(records, #f));
    ))
}

/// Its page of the language reference, `dstream::operators::map_partitions`.
static PAGE: Page = Page {
    spark: "`mapPartitions`",
    output: "`func(partition)`'s records, per partition",
    text: r#"
`map_partitions(func)`: `func` gets one partition's records and returns its new records.

**Spark:** `DStream.mapPartitions(func)`.

# Semantics

* `func` is called once per partition with an iterator over the partition's records (a
  `std::vec::IntoIter<T>`, records by value, in order) and returns anything iterable; its
  items are the partition's new records, in the iterator's order. The number of partitions
  does not change; an empty partition calls `func` with an empty iterator.
* Use it to pay a cost once per partition rather than once per record (a connection, a
  buffer, a model), as in Spark.
* It needs whole partitions, so it ends a stage. The partitions run as tasks in parallel.

# Example

Spark's `mapPartitions(_.sum)` vector (E2):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
        |> map_partitions(|records| std::iter::once(records.sum::<i32>())) every 1s
        |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["3", "7"]); // [1, 2] and [3, 4]
assert_eq!(out[1].printed_records(), ["11", "15"]);
```
"#,
};
