//! `output`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Target};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "output",
    Kind::Output,
    &[arg("sink", Value)],
    "writes each batch to any value implementing `dstream::sink::Sink` (your own output with its own connection or state)",
    r#"queue(vec![vec![1, 2]]) every 1s |> output(my_sink)"#,
    |a| Some(Op::Output(Target::Value(a.expr("sink")?))),

)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// The batch's records, then written to the sink, built when the job is built.
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::Output(target) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, ctx, out, .. } = cx;
    let span = *span;
    let var = cg.var("output");
    let built = cg.output_target(target, span);
    cg.hoist(quote!(let mut #var = #built;));
    let var = respan_ident(&var, span);
    cx.collect(quote_spanned!(span=> #dp::sink_emit(&mut #var, #ctx, #out)?;))
}

/// Its page of the language reference, `dstream::operators::output`.
static PAGE: Page = Page {
    spark: "`foreachRDD`",
    output: "hands the batch's records to `sink`",
    text: r#"
`output(sink)`: writes each batch to any value implementing
[`Sink`](crate::sink::Sink) — your own output with its own connection or state.

**Spark:** `DStream.foreachRDD` with a connection kept across batches (the "design
patterns for using foreachRDD" of Spark's guide), as a value.

# Semantics

An output operation: it ends a pipeline.

* `sink` is evaluated once when the job is built and kept for the job's life; it must
  implement `Sink<T>` for the stream's record type `T` (a compile error on `output`
  says so otherwise).
* Once per batch, **including an empty batch**, the batch's records are gathered from
  all partitions, in partition order, and [`Sink::write_batch`](crate::sink::Sink::write_batch)
  is called with them and a [`SinkBatch`](crate::sink::SinkBatch): the batch time and the
  job's name. An error it returns stops the job with that error.
* After a crash, the batches after the last checkpoint run again with the same times:
  an exactly-once sink commits the batch time with the data, atomically, and skips a
  batch it already holds.
* The connectors' outputs (`to_sql`, `to_kafka`, …) are `Sink`s built by the
  operator of that name.

# Example

```
use dstream::prelude::*;
use dstream::sink::{Sink, SinkBatch};
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

/// Keeps each batch's total, as a store would.
struct Totals(Arc<Mutex<Vec<(u64, i32)>>>);

impl Sink<i32> for Totals {
    fn write_batch(&mut self, batch: &SinkBatch<'_>, records: Vec<i32>) -> dstream::Result<()> {
        self.0.lock().unwrap().push((batch.time.as_millis(), records.iter().sum()));
        Ok(())
    }
}

let totals: Arc<Mutex<Vec<(u64, i32)>>> = Arc::default();
let my_sink = Totals(Arc::clone(&totals));
let job = stream! {
    queue(vec![vec![1, 2, 3], vec![], vec![5]]) every 1s |> output(my_sink)
};
Harness::new(job).run_batches(3).unwrap();
assert_eq!(*totals.lock().unwrap(), [(1000, 6), (2000, 0), (3000, 5)]);
```
"#,
};
