//! `source`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "source",
    Kind::Source,
    &[arg("source", Value)],
    "any value implementing `dstream::source::Source` (your own receiver, or a source built outside the program)",
    r#"source(my_source) every 1s |> print"#,
    |a| Some(Op::Source(Source::Custom(a.expr("source")?))),

)
.emits(Emit::Source(emit))
.documented(&PAGE);

/// `requirements::source(source)`: the user's value, or a connector's constructor call (the hook
/// of every connector source's entry).
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    match op {
        Op::Source(Source::Custom(source)) => {
            // Bound at the value's token (as the job's tuple of sources names it, see
            // `Codegen::source_at`): a value that is not a source is one error there.
            let at = user_at(syn::spanned::Spanned::span(source));
            let (dp, value) = (cg.dp_at(at), respan_ident(&mixed("__dstream_source"), at));
            quote_spanned!(at=> { let #value = #source; #dp::requirements::source(#value) })
        }
        Op::Source(Source::Connector(call)) => {
            let call = cg.connector_call(call, span);
            quote_spanned!(span=> #dp::requirements::source(#call))
        }
        _ => quote_spanned!(span=> ()),
    }
}

/// Its page of the language reference, `dstream::operators::source`.
static PAGE: Page = Page {
    spark: "`receiverStream`",
    output: "what the source received",
    text: r#"
`source(value)`: any value implementing [`Source`](crate::source::Source) as the start
of a pipeline: your own receiver, or a source built outside the program.

**Spark:** `StreamingContext.receiverStream(receiver)` (a custom receiver) and the input
streams of connectors.

# Semantics

* `value` is evaluated once, when the job is built, and moved into the job. Its batches
  are cut like every source's: what arrived in `(t - B, t]` is batch `t`, split into the
  job's partitions.
* A source that records durably what each batch holds (files, offsets, a write-ahead log)
  gives exactly-once recovery; see [`fault_tolerance`](crate::fault_tolerance).

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let built_outside = dstream::source::queue::QueueSource::new(vec![vec![1, 2], vec![3]]);
let job = stream! { source(built_outside) |> map(|x| x * 10) every 1s |> print };
let out = Harness::new(job).with_parallelism(1).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["10", "20"]);
assert_eq!(out[1].printed_records(), ["30"]);
```
"#,
};
