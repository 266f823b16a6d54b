//! `queue`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "queue",
    Kind::Source,
    &[arg("batches", Value)],
    "one queued batch per batch time, then empty batches",
    r#"queue(vec![vec![1, 2]]) every 1s |> print"#,
    |a| Some(Op::Source(Source::Queue(a.expr("batches")?))),
)
.emits(Emit::Source(emit))
.documented(&PAGE);

/// `requirements::queue(batches)`.
fn emit(_: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    let Op::Source(Source::Queue(batches)) = op else { return quote_spanned!(span=> ()) };
    quote_spanned!(span=> #dp::requirements::queue(#batches))
}

/// Its page of the language reference, `dstream::operators::queue`.
static PAGE: Page = Page {
    spark: "`queueStream`",
    output: "the next queued batch, then empty batches",
    text: r#"
`queue(batches)`: a fixed list of batches, one per batch time, then empty batches.

**Spark:** `StreamingContext.queueStream(queue, oneAtATime = true)`.

# Semantics

* `batches` is any expression whose value is an `IntoIterator` of `IntoIterator`s of
  records (for example a `Vec<Vec<T>>`). It is evaluated once, when the job is built;
  the records are owned values of type `T`.
* The batch at the `k`-th batch time (1000, 2000, ... ms with `every 1s` under the
  [`Harness`](crate::testing::Harness)) holds the `k`-th queued batch. A queued empty
  batch is an empty batch. When the queue runs out, every later batch is empty (Spark
  returns an empty RDD then).
* Each batch is cut into the job's partitions contiguously, as Spark's `parallelize`
  does.

Unlike Spark's `queueStream`, whose queue the program can keep filling while the job
runs, the batches are fixed when the job is built. The source is meant for tests and
demonstrations.

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3], vec![], vec![4]]) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let times: Vec<u64> = out.iter().map(|b| b.time.as_millis()).collect();
assert_eq!(times, [1000, 2000, 3000, 4000]);
assert_eq!(out[0].printed_records(), ["1", "2", "3"]);
assert!(out[1].printed_records().is_empty()); // a queued empty batch
assert_eq!(out[2].printed_records(), ["4"]);
assert!(out[3].printed_records().is_empty()); // the queue has run out
```
"#,
};
