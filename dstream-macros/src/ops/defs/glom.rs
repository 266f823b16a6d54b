//! `glom`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "glom",
    Kind::Reshape,
    &[],
    "each partition becomes one record: the `Vec` of its records",
    r#"queue(vec![vec![1, 2]]) |> glom every 1s |> print"#,
    |_| Some(Op::own(Args)),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments: none.
#[derive(Debug)]
struct Args;

/// Each partition's records as one `Vec`.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let _ = (cg, op);
    let EndCx { span, dp, out, next_parts, .. } = cx;
    let span = *span;
    cx.collect(quote_spanned!(span=> let #next_parts = #dp::ops::glom(#out);))
}

/// Its page of the language reference, `dstream::operators::glom`.
static PAGE: Page = Page {
    spark: "`glom`",
    output: "one `Vec` per partition",
    text: r#"
`glom`: each partition becomes one record, the `Vec` of its records.

**Spark:** `DStream.glom()`.

# Semantics

* Takes no arguments (write `glom` or `glom()`). Every partition of the batch becomes one
  record `Vec<T>` holding its records in order, in a partition of its own; an empty
  partition gives an empty `Vec`. The output depends on the partitioning, as in Spark.
* It needs whole partitions, so it ends a stage; the narrow operators before it are fused
  into that stage.
* A `Vec` prints as `[1, 2]`.

# Example

Spark's `glom` vector (E2): the harness's 2 partitions cut each batch of 4 in halves.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8], vec![]]) |> glom every 1s |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
assert_eq!(out[0].printed_records(), ["[1, 2]", "[3, 4]"]);
assert_eq!(out[1].printed_records(), ["[5, 6]", "[7, 8]"]);
assert_eq!(out[2].printed_records(), ["[]", "[]"]); // an empty batch: two empty partitions
```
"#,
};
