//! `count`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "count",
    Kind::Shuffle,
    &[],
    "the number of records in the batch (0 for an empty batch)",
    r#"queue(vec![vec![1, 2]]) |> count every 1s |> print"#,
    |_| Some(Op::Count),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// A count per partition; then the counts gathered and added.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let _ = (cg, op);
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    EndCode {
        init: quote_spanned!(span=> let mut #sink: u64 = 0;),
        consume: quote_spanned!(span=> let _ = #last; #sink += 1;),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_count(#exec, #out);),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::count`.
static PAGE: Page = Page {
    spark: "`count`",
    output: "one `u64`, `0` for an empty batch",
    text: r#"
`count`: the number of records in the batch.

**Spark:** `DStream.count()`.

# Semantics

* Takes no arguments (write `count` or `count()`). The output of every batch is
  exactly one record, a `u64` (Spark's `Long`), in a single partition.
* **An empty batch gives `0`**, not an empty output (Spark unions in a zero count to
  get the same). Compare [`reduce`](super::reduce), which gives nothing for an empty
  batch.
* Shuffle: per-partition counts are gathered and summed.

# Example

Spark's `count()` vector (E3):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![], vec![1], vec![1, 2], vec![1, 2, 3], vec![1, 2, 3, 4]])
        |> count every 1s |> print
};
let out = Harness::new(job).run_batches(5).unwrap();
let counts: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
assert_eq!(counts, [["0"], ["1"], ["2"], ["3"], ["4"]]);
```
"#,
};
