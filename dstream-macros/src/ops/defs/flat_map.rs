//! `flat_map`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "flat_map",
    Kind::Narrow,
    &[arg("func", Function)],
    "any number of records out per record in",
    r#"queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> print"#,
    |a| Some(Op::Narrow(NarrowOp::FlatMap, a.expr("func")?)),
)
.emits(Emit::Record(emit))
.documented(&PAGE);

/// A loop over what `f` returns; `split` through `split_records`, which takes `&str`,
/// `&String` and `String` records.
fn emit(cg: &mut Codegen, op: &Op, cx: &RecordCx) -> TokenStream {
    let Op::Narrow(_, func) = op else { return TokenStream::new() };
    let f = cg.function_arg(func);
    let (span, dp, record, next) = (cx.span, &cx.dp, &cx.record, &cx.next);
    let inner = cg.inner(cx, next.clone());
    if !is_split(func) {
        let checked = checked_record(dp, quote_spanned!(span=> #next), span);
        return quote_spanned!(span=> for #next in #dp::requirements::flat_map(#record, #f) { let #next = #checked; #inner });
    }
    let pair = cg.var("split_input");
    quote_spanned!(span=>
        let #pair = (#record, #f);
        #[allow(unused_imports)]
        use #dp::split_records::{AnyFlatMapKind as _, BorrowedSplitKind as _, OwnedSplitKind as _};
        for #next in (&&#pair).flat_map_record_kind().run(#pair) { #inner }
    )
}

/// Its page of the language reference, `dstream::operators::flat_map`.
static PAGE: Page = Page {
    spark: "`flatMap`",
    output: "every item of `func(x)`",
    text: r#"
`flat_map(func)`: any number of records out per record in.

**Spark:** `DStream.flatMap`.

# Semantics

* `func(x)` returns anything iterable (`Vec`, array, `Option`, an iterator); each of
  its items is a record, in the iterator's order. A record for which it yields nothing
  disappears.
* `flat_map(split)` splits `&str` lines into words on ASCII whitespace without
  allocating ([`split`](crate::text::split), in the prelude), 64 bytes at a time. When
  it is the first operator after a text source (`socket`, `text_files`,
  `QueueSource::text`), the whole partition's text is scanned as one block, with the
  same words as line by line; a `split` of your own runs line by line as written.
* Narrow: fused, partition order kept.

# Example

Spark's `flatMap(x => Seq(x, x * 2))` vector (E1):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![1, 2, 3, 4]]) |> flat_map(|x| [x, 2 * x]) every 1s |> print(100)
};
let out = Harness::new(job).run_batches(1).unwrap();
assert_eq!(
    out[0].printed_records(),
    ["1", "2", "2", "4", "3", "6", "4", "8"]
);

let words = stream! {
    queue(vec![vec!["to be", "", "  or not "]]) |> flat_map(split) every 1s |> print
};
let out = Harness::new(words).run_batches(1).unwrap();
assert_eq!(out[0].printed_records(), ["to", "be", "or", "not"]);
```
"#,
};
