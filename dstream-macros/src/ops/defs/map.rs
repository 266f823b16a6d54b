//! `map`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "map",
    Kind::Narrow,
    &[arg("func", Function)],
    "one record out per record in",
    r#"queue(vec![vec![1, 2]]) |> map(|x| x * 2) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::Map, a.expr("func")?)),
)
.emits(Emit::Record(emit))
.documented(&PAGE);

/// `let next = map(record, f)`.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let inner = cg.inner(cx, next.clone());
    let made = checked_record(dp, quote_spanned!(span=> #dp::requirements::map(#record, #f)), span);
    quote_spanned!(span=> let #next = #made; #inner)
}

/// Its page of the language reference, `dstream::operators::map`.
static PAGE: Page = Page {
    spark: "`map`",
    output: "`func(x)` for each record `x`",
    text: r#"
`map(func)`: one record out per record in.

**Spark:** `DStream.map`.

# Semantics

* Each record `x` becomes `func(x)`; `func` takes the record by value and may change
  its type.
* Narrow: fused into the surrounding loop, partition order kept. An empty batch gives
  an empty batch.

# Example

Spark's `map(toString)` vector (docs/semantics.md E1). The records keep their order
across the harness's 2 partitions:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4], vec![5, 6, 7, 8]])
        |> map(|x: i32| format!("<{x}>")) every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["<1>", "<2>", "<3>", "<4>"]);
assert_eq!(out[1].printed_records(), ["<5>", "<6>", "<7>", "<8>"]);
```
"#,
};
