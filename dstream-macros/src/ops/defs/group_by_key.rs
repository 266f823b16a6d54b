//! `group_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "group_by_key",
    Kind::Shuffle,
    &[optional("partitions", Count)],
    "collects the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> group_by_key every 1s |> print"#,
    |a| Some(Op::GroupByKey(a.opt_expr("partitions"))),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Map side: each key's values per partition; then an exchange concatenating them by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::GroupByKey(partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let crossing = crossing(dp, "crossing_tables", out, span);
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let checked = checked_key(dp, &k, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::Combiner::new();),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::GroupByKeyInput>::into_pair(#last);
            let #k = #checked;
            #sink.fold(#k, #v, #dp::ops::singleton, #dp::ops::push);
        ),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> #crossing let #next_parts = #exec.exchange_combine(#out, #n, #dp::ops::concat);),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::group_by_key`.
static PAGE: Page = Page {
    spark: "`groupByKey`",
    output: "one `(k, Vec<v>)` per distinct key",
    text: r#"
`group_by_key([partitions])`: collects the values of each key in the batch.

**Spark:** `PairDStreamFunctions.groupByKey([numPartitions])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
  `(k, Vec<V>)` per distinct key of the batch, holding all of the key's values in the
  batch. The order of the values within a group is unspecified, as in Spark.
* An empty batch gives an empty output.
* Shuffle: hash-partitioned by key into `partitions` partitions (by default the job's
  number); the order of the output records is unspecified.
* A group prints as a list, `(a,[1, 1])`; Spark prints its `Iterable` as
  `(a,CompactBuffer(1, 1))`.

Prefer [`reduce_by_key`](super::reduce_by_key) when the values are only combined: it
combines them before the shuffle instead of moving every value.

# Example

Spark's `groupByKey` vector (E4); the groups are sorted before printing, to compare
them as Spark's suite does:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1), ("b", 1), ("a", 1)], vec![("", 1), ("", 1)], vec![]])
        |> group_by_key
        |> map_values(|mut values: Vec<i32>| { values.sort(); values }) every 1s
        |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
let mut first = out[0].printed_records();
first.sort();
assert_eq!(first, ["(a,[1, 1])", "(b,[1])"]);
assert_eq!(out[1].printed_records(), ["(,[1, 1])"]);
assert!(out[2].printed_records().is_empty());
```
"#,
};
