//! `repartition`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Value};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "repartition",
    Kind::Reshape,
    &[arg("partitions", Count)],
    "deals the records round-robin into exactly `partitions` partitions",
    r#"queue(vec![vec![1, 2]]) |> repartition(3) every 1s |> print"#,
    |a| Some(Op::own(Args { partitions: a.expr("partitions")? })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The number of partitions.
    partitions: Value,
}

/// Each partition's records, dealt round-robin into `partitions` partitions.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { partitions }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, exec, out, next_parts, .. } = cx;
    let span = *span;
    let n = cg.count_arg(partitions);
    let crossing = crossing(dp, "crossing_records", out, span);
    cx.collect(quote_spanned!(span=> #crossing let #next_parts = #exec.repartition(#out, #n);))
}

/// Its page of the language reference, `dstream::operators::repartition`.
static PAGE: Page = Page {
    spark: "`repartition`",
    output: "the records, dealt into `partitions` partitions",
    text: r#"
`repartition(partitions)`: deals the records of the batch into exactly `partitions`
partitions.

**Spark:** `DStream.repartition(numPartitions)`.

# Semantics

* `partitions` is a `usize` expression, evaluated once when the job is built (`0` counts as
  `1`). Every batch, including an empty one, then has exactly that many partitions.
* Each input partition deals its records round-robin, in order, starting at the partition
  of its own index: the `k`-th record of input partition `i` goes to partition
  `(i + k) % partitions`, and a partition holds its records by input partition, then in
  order. Spark deals the same way but starts each input partition at a random position,
  so which record lands where is not deterministic there; it is here. An input partition
  is dealt without knowing the others' sizes, so the deal is one exchange.
* Use it to spread a batch over more tasks before expensive narrow operators, or to gather
  it into fewer. The shuffles after it still use their own partition count (their
  `partitions` argument or the job's number).

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![(1..=10).collect::<Vec<i32>>(), vec![]]) |> repartition(3) |> glom every 1s
        |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
// The batch arrives in two partitions, [1..=5] and [6..=10]: the first deals from
// partition 0, the second from partition 1.
assert_eq!(out[0].printed_records(), ["[1, 4, 8]", "[2, 5, 6, 9]", "[3, 7, 10]"]);
assert_eq!(out[1].printed_records(), ["[]", "[]", "[]"]);
```
"#,
};
