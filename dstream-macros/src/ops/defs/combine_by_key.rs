//! `combine_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "combine_by_key",
    Kind::Shuffle,
    &[
        arg("create_combiner", Function),
        arg("merge_value", Function),
        arg("merge_combiners", Function),
        optional("partitions", Count),
    ],
    "per key: `create_combiner(v)` for its first value, `merge_value(c, v)` for the next, `merge_combiners(c1, c2)` across partitions",
    r#"queue(vec![vec![("a", 1)]]) |> combine_by_key(|v| (v, 1), |(s, n), v| (s + v, n + 1), |(s, n), (t, m)| (s + t, n + m)) every 1s |> print"#,
    |a| {
        Some(Op::CombineByKey {
            create: a.expr("create_combiner")?,
            merge_value: a.expr("merge_value")?,
            merge_combiners: a.expr("merge_combiners")?,
            partitions: a.opt_expr("partitions"),
        })
    },

)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Map side: a combiner per partition; then an exchange merging combiners by key.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Op::CombineByKey { create, merge_value, merge_combiners, partitions } = op else {
        return cx.collect(TokenStream::new());
    };
    let EndCx { span, dp, sink, exec, last, out, next_parts, .. } = cx;
    let span = *span;
    let create = cg.required_fn(create, "create_combiner", 1);
    let merge_value = cg.required_fn(merge_value, "merge_value", 2);
    let merge_combiners = cg.required_fn(merge_combiners, "merge_combiners", 2);
    let crossing = crossing(dp, "crossing_tables", out, span);
    let n = respan(&cg.partitions_arg(partitions), span);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let checked = checked_key(dp, &k, span);
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::Combiner::new();),
        consume: quote_spanned!(span=>
            let (#k, #v) = <_ as #dp::ops::keyed::CombineByKeyInput>::into_pair(#last);
            let #k = #checked;
            #sink.fold(#k, #v, #create, #merge_value);
        ),
        finish: quote_spanned!(span=> #sink),
        after: quote_spanned!(span=> #crossing let #next_parts = #exec.exchange_combine(#out, #n, #merge_combiners);),
        breaks_early: false,
    }
}

/// Its page of the language reference, `dstream::operators::combine_by_key`.
static PAGE: Page = Page {
    spark: "`combineByKey`",
    output: "one `(k, combiner)` per distinct key",
    text: r#"
`combine_by_key(create_combiner, merge_value, merge_combiners, [partitions])`: combines the
values of each key in the batch into a value of another type.

**Spark:** `PairDStreamFunctions.combineByKey(createCombiner, mergeValue, mergeCombiners,
partitioner)`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. The output has one record
  `(k, c)` per distinct key of the batch, where the combiner `c` may have any type `C`:
  * within each partition, a key's first value `v` becomes `create_combiner(v)`, and each
    next value is folded in with `merge_value(c, v)`;
  * across partitions, the combiners of a key are merged with `merge_combiners(c1, c2)`.
* So `create_combiner` may be called several times for one key, once per partition that
  holds it; `merge_combiners` should be associative and commutative, as in Spark. It is
  [`reduce_by_key`](super::reduce_by_key) with a combiner type of its own (`reduce_by_key(f)`
  is `combine_by_key(|v| v, f, f)`), and what [`group_by_key`](super::group_by_key) is made
  of.
* An empty batch gives an empty output. Shuffle: hash-partitioned by key into `partitions`
  partitions (by default the job's number); the order of the output records is
  unspecified.

# Example

The average per key, with a `(sum, count)` combiner:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1.0), ("b", 4.0), ("a", 3.0)]])
        |> combine_by_key(
            |v| (v, 1),
            |(sum, n), v| (sum + v, n + 1),
            |(s1, n1), (s2, n2)| (s1 + s2, n1 + n2)
        )
        |> map_values(|(sum, n)| sum / f64::from(n)) every 1s
        |> print
};
let out = Harness::new(job).step().unwrap();
let mut averages = out.printed_records();
averages.sort();
assert_eq!(averages, ["(a,2.0)", "(b,4.0)"]);
```

Which function sees which value: the harness's 2 partitions are `[(a,1), (a,2)]` and
`[(b,3), (a,4)]`, so `a` gets a combiner in each and they are merged:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1), ("a", 2), ("b", 3), ("a", 4)]])
        |> combine_by_key(
            |v| v.to_string(),
            |c, v| format!("{c}+{v}"),
            |c1, c2| format!("({c1}) ({c2})")
        ) every 1s
        |> print
};
let out = Harness::new(job).step().unwrap();
let mut records = out.printed_records();
records.sort();
assert_eq!(records, ["(a,(1+2) (4))", "(b,3)"]);
```
"#,
};
