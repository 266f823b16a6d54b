//! `count_by_value`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "count_by_value",
    Kind::Shuffle,
    &[optional("partitions", Count)],
    "counts each distinct record in the batch",
    r#"queue(vec![vec!["a", "a"]]) |> count_by_value every 1s |> print"#,
    |a| Some(Op::CountByValue(a.opt_expr("partitions"))),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Map side: a keyed table of counts per partition; then an exchange adding them by record.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::CountByValue(partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let n = respan(&cg.partitions_arg(partitions), span);
    let hint = cg.table_hint();
    let spare = cg.var("spare");
    let key = cg.var("key");
    let table = keyed_table(dp, span, sink, &key, &quote::quote!(1u64), &hint);
    let (home, init_home) = cg.home_text(dp, span);
    let checked = checked_key(dp, last, span);
    let crossing = crossing(dp, "crossing_tables", out, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
        consume: quote_spanned!(span=>
            let #key = #checked;
            #dp::CombineTable::merge_in(#table, #home, #key, 1u64, #dp::ops::plus);
        ),
        finish: quote_spanned!(span=> #sink.unwrap_or_default()),
        after: quote_spanned!(span=>
            #hint.remember(&#out);
            #crossing
            let #next_parts = {
                #[allow(unused_imports)]
                use #dp::{FreshTable as _, PooledTable as _};
                // Tables for reduce partitions beyond the map side's (a small batch's folded
                // table), from the stage's pool.
                let #spare = #dp::Reuse::of_tables(&#out);
                #exec.exchange_combine_with(#out, #n, #dp::ops::plus, || (&&#spare).reuse(&#hint, #exec))
            };
        ),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::count_by_value`.
static PAGE: Page = Page {
    spark: "`countByValue`",
    output: "one `(x, u64)` per distinct record",
    text: r#"
`count_by_value([partitions])`: counts each distinct record in the batch.

**Spark:** `DStream.countByValue([numPartitions])`.

# Semantics

* The records must be `Hash + Eq`. The output has one record `(x, n)` per distinct
  record `x` of the batch, with `n: u64` its number of occurrences (Spark's `Long`).
  It is `map(|x| (x, 1u64)) |> reduce_by_key(+)`, as in Spark.
* An empty batch gives an empty output.
* Shuffle: hash-partitioned into `partitions` partitions (by default the job's
  number); the order of the output records is unspecified.

# Example

Spark's `countByValue` vector (E3):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1], vec![1, 1, 1], vec![1, 2], vec![1, 1, 2, 2]])
        |> count_by_value every 1s |> print
};
let out = Harness::new(job).run_batches(5).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(1,1)"]);
assert_eq!(sorted(1), ["(1,3)"]);
assert_eq!(sorted(2), ["(1,1)", "(2,1)"]);
assert_eq!(sorted(3), ["(1,2)", "(2,2)"]);
assert!(sorted(4).is_empty()); // past the queue: an empty batch
```
"#,
};
