//! `flat_map_values`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "flat_map_values",
    Kind::Narrow,
    &[arg("func", Function)],
    "any number of values per (key, value) pair, each with the key",
    r#"queue(vec![vec![("a", 1)]]) |> flat_map_values(|v| vec![v, v + 10]) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMapValues, a.expr("func")?)),
)
.emits(Emit::Record(emit))
.documented(&PAGE);

/// A loop over what `f` returns for the value, each with a clone of the key.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let (k, v, each) = (cg.var("key"), cg.var("value"), cg.var("value"));
    let inner = cg.inner(cx, next.clone());
    let checked = checked_record(dp, quote_spanned!(span=> #each), span);
    quote_spanned!(span=>
        let (#k, #v) = <_ as #dp::ops::keyed::FlatMapValuesInput>::into_pair(#record);
        for #each in #dp::requirements::flat_map_values(#v, #f) {
            let #each = #checked;
            let #next = (::core::clone::Clone::clone(&#k), #each);
            #inner
        }
    )
}

/// Its page of the language reference, `dstream::operators::flat_map_values`.
static PAGE: Page = Page {
    spark: "`flatMapValues`",
    output: "`(k, w)` for every `w` of `func(v)`",
    text: r#"
`flat_map_values(func)`: any number of values per `(key, value)` pair, each paired with
the key.

**Spark:** `PairDStreamFunctions.flatMapValues`.

# Semantics

* The records must be pairs `(K, V)`; `func(v)` returns anything iterable, and each
  of its items `w` gives a record `(k, w)` (the key is cloned, so `K: Clone`). A pair
  for which `func` yields nothing disappears.
* Narrow: fused, partition order kept.

# Example

Spark's `reduceByKey(_ + _).flatMapValues(x => Seq(x, x + 10))` vector (E4), with
the empty-string key, which prints as `(,2)`:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a", "a", "b"], vec!["", ""]]) |> map(|x| (x, 1))
        |> reduce_by_key(+) |> flat_map_values(|v| [v, v + 10]) every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
let mut first = out[0].printed_records();
first.sort();
assert_eq!(first, ["(a,12)", "(a,2)", "(b,1)", "(b,11)"]);
// The values of one pair keep their order: (,2) comes before (,12).
assert_eq!(out[1].printed_records(), ["(,2)", "(,12)"]);
```
"#,
};
