//! `filter`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "filter",
    Kind::Narrow,
    &[arg("predicate", Function)],
    "keeps the records for which the predicate holds",
    r#"queue(vec![vec![1, 2]]) |> filter(|x| *x > 1) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Filter, a.expr("predicate")?)),
)
.emits(Emit::Record(emit))
.documented(&PAGE);

/// The rest of the chain, for records that pass.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record) = (cx.span, &cx.dp, &cx.record);
    let inner = cg.inner(cx, record.clone());
    quote_spanned!(span=> if #dp::requirements::filter(&#record, #f) { #inner })
}

/// Its page of the language reference, `dstream::operators::filter`.
static PAGE: Page = Page {
    spark: "`filter`",
    output: "the records `x` with `predicate(&x)`",
    text: r#"
`filter(predicate)`: keeps the records for which the predicate holds.

**Spark:** `DStream.filter`.

# Semantics

* `predicate` takes the record **by reference** (`&T`) and returns `bool`; the
  records for which it returns `true` pass unchanged, the others are dropped.
* Narrow: fused, partition order kept.

# Example

Spark's `filter(_ % 2 == 0)` vector (E1):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
        |> filter(|x| x % 2 == 0) every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["2", "4"]);
assert_eq!(out[1].printed_records(), ["6", "8"]);
```
"#,
};
