//! `reduce_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "reduce_by_key",
    Kind::Shuffle,
    &[arg("func", Reducer), optional("partitions", Count)],
    "combines the values of each key in the batch",
    r#"queue(vec![vec![("a", 1), ("a", 2)]]) |> reduce_by_key(+) every 1s |> print"#,
    |a| Some(Op::ReduceByKey(a.reducer("func")?, a.opt_expr("partitions"))),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Map side: a keyed table per partition merging values with `func`; then an exchange that
/// merges the tables by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::ReduceByKey(func, partitions) = op else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let f = cg.reducer_arg(func);
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let hint = cg.table_hint();
    let spare = cg.var("spare");
    let table = keyed_table(dp, span, sink, &k, &quote::quote!(#v), &hint);
    let (home, init_home) = cg.home_text(dp, span);
    let checked = checked_key(dp, &k, span);
    let crossing = crossing(dp, "crossing_tables", out, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::ReduceByKeyInput>::into_pair(#last);
            let #k = #checked;
            #dp::CombineTable::merge_in(#table, #home, #k, #v, #f);
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
                #exec.exchange_combine_with(#out, #n, #f, || (&&#spare).reuse(&#hint, #exec))
            };
        ),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::reduce_by_key`.
static PAGE: Page = Page {
    spark: "`reduceByKey`",
    output: "one `(k, v)` per distinct key",
    text: r#"
`reduce_by_key(func, [partitions])`: combines the values of each key in the batch.

**Spark:** `PairDStreamFunctions.reduceByKey(func[, numPartitions])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
  `(k, v)` per distinct key of the batch, where `v` combines all of the key's values
  in the batch with `func`.
* `func` is a closure `|a, b| ...` of two values returning a value of the same type,
  or a shorthand: `+`, `*`, `min`, `max` (the value type must then implement `Add`,
  `Mul` or `Ord`; the compiler says so if it does not). It should be associative and
  commutative, as in Spark: values are combined within each partition first
  (map-side), then across partitions.
* An empty batch gives an empty output, not a record per key seen before: there is no
  state across batches.
* Shuffle: the output is hash-partitioned by key into `partitions` partitions (a
  `usize` expression; by default the job's number of partitions). The order of the
  output records is unspecified.
* The table that combines a partition's values is picked from the key's type when the
  program compiles: `&str` keys get a table that keeps short keys inline
  (`short_keys::StrTable`); a key type that implements
  [`DenseKey`](crate::DenseKey) (`bool`, or an enum or a small-integer
  newtype of yours) an array indexed by the key; any other key a hash table. The
  results are the same.

# Example

Spark's `reduceByKey(_ + _)` vector (E4):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a", "a", "b"], vec!["", ""], vec![]])
        |> map(|x| (x, 1)) |> reduce_by_key(+) every 1s |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
let mut first = out[0].printed_records();
first.sort();
assert_eq!(first, ["(a,2)", "(b,1)"]);
assert_eq!(out[1].printed_records(), ["(,2)"]);
assert!(out[2].printed_records().is_empty());
```

An enum key numbered by [`DenseKey`](crate::DenseKey): counted in an array,
as a hand-written loop would:

```
use dstream::DenseKey;
use dstream::prelude::*;
use dstream::testing::Harness;

// Serde: records that cross an exchange need it with the `cluster` feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
enum Status { Purchased, Shipped }

impl DenseKey for Status {
    const CARDINALITY: usize = 2;
    fn index(self) -> usize {
        self as usize
    }
}

impl Render for Status {
    fn render(&self, out: &mut String) {
        out.push_str(&format!("{self:?}"));
    }
}

let events = vec![vec![Status::Shipped, Status::Purchased, Status::Shipped]];
let job = stream! {
    queue(events) |> map(|s| (s, 1)) |> reduce_by_key(+) every 1s |> print
};
let out = Harness::new(job).run_batches(1).unwrap();
let mut records = out[0].printed_records();
records.sort();
assert_eq!(records, ["(Purchased,1)", "(Shipped,2)"]);
```

The `max` shorthand with an explicit partition count, and a closure:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let readings = vec![vec![("x", 3), ("y", 1), ("x", 7), ("y", 4), ("x", 5)]];
let job = stream! {
    queue(readings) |> reduce_by_key(max, 4) every 1s |> print
};
let out = Harness::new(job).run_batches(1).unwrap();
let mut records = out[0].printed_records();
records.sort();
assert_eq!(records, ["(x,7)", "(y,4)"]);

let job = stream! {
    queue(vec![vec![("x", 2), ("x", 3), ("y", 4)]])
        |> reduce_by_key(|a, b| a * b) every 1s |> print
};
let out = Harness::new(job).run_batches(1).unwrap();
let mut records = out[0].printed_records();
records.sort();
assert_eq!(records, ["(x,6)", "(y,4)"]); // a key with one value: `func` is not called
```
"#,
};
