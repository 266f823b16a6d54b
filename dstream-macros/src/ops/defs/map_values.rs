//! `map_values`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map_values",
    Kind::Narrow,
    &[arg("func", Function)],
    "maps the value of each (key, value) pair, keeping the key",
    r#"queue(vec![vec![("a", 1)]]) |> map_values(|v| v + 10) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::MapValues, a.expr("func")?)),
)
.emits(Emit::Record(emit))
.documented(&PAGE);

/// `let next = (k, map(v, f))`.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let (k, v) = (cg.var("key"), cg.var("value"));
    let inner = cg.inner(cx, next.clone());
    let made = checked_record(dp, quote_spanned!(span=> #dp::requirements::map_values(#v, #f)), span);
    quote_spanned!(span=>
        let (#k, #v) = <_ as #dp::ops::keyed::MapValuesInput>::into_pair(#record);
        let #next = (#k, #made);
        #inner
    )
}

/// Its page of the language reference, `dstream::operators::map_values`.
static PAGE: Page = Page {
    spark: "`mapValues`",
    output: "`(k, func(v))`",
    text: r#"
`map_values(func)`: maps the value of each `(key, value)` pair, keeping the key.

**Spark:** `PairDStreamFunctions.mapValues`.

# Semantics

* The records must be pairs `(K, V)` (anything else is a compile error that says so);
  each `(k, v)` becomes `(k, func(v))`. `func` takes the value by value.
* Narrow: fused, partition order kept. After a keyed shuffle it keeps that shuffle's
  partitioning.

# Example

Spark's `reduceByKey(_ + _).mapValues(_ + 10)` vector (E4); the output of
`reduce_by_key` has no order, so it is compared sorted:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a", "a", "b"]]) |> map(|x| (x, 1)) |> reduce_by_key(+)
        |> map_values(|v| v + 10) every 1s |> print
};
let out = Harness::new(job).run_batches(1).unwrap();
let mut records = out[0].printed_records();
records.sort();
assert_eq!(records, ["(a,12)", "(b,11)"]);
```
"#,
};
