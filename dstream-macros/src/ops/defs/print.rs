//! `print`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Value};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "print",
    Kind::Output,
    &[optional("num", Count)],
    "prints the batch time and the first `num` (10) records, as Spark does",
    r#"queue(vec![vec![1, 2]]) every 1s |> print(1)"#,
    |a| Some(Op::own(Args { num: a.opt_expr("num") })),
)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// How many records to print.
    num: Option<Value>,
}

/// The first `num + 1` records per partition (the loop stops early), then printed.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { num }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, sink, ctx, last, out, .. } = cx;
    let span = *span;
    let num = match num {
        Some(expr) => cg.count_arg(expr),
        None => quote_spanned!(span=> 10usize),
    };
    EndCode {
        init: quote_spanned!(span=> let mut #sink = #dp::print::Take::new(#num + 1);),
        consume: {
            // The label stays unspanned, like the loop it names (labels are hygienic).
            let push = quote_spanned!(span=> #sink.push(&#last, <_ as #dp::Render>::render));
            quote!(if !#push { break '__dstream_partition; })
        },
        finish: quote_spanned!(span=> #sink.into_vec()),
        after: quote_spanned!(span=> #dp::print::emit(#ctx, #num, #out)?;),
        breaks_early: true,
    }
}

/// Its page of the language reference, `dstream::operators::print`.
static PAGE: Page = Page {
    spark: "`print`",
    output: "prints the batch as Spark does",
    text: r#"
`print([num])`: prints each batch's time and first `num` records (10 by default),
byte for byte as Spark does.

**Spark:** `DStream.print([num])`.

# Semantics

An output operation: it ends a pipeline, and nothing can follow it. For every batch,
including an empty one, it writes:

1. a line of 43 `-`;
2. `Time: <batch time in ms> ms`;
3. the line of dashes again;
4. the first `num` records, one per line, taken from the partitions in order;
5. `...` if the batch has more than `num` records;
6. an empty line.

* `num` is a `usize` expression, evaluated once when the job is built.
* Records print as Scala's `toString` shows them: `(hello,1)` for a pair, strings
  without quotes, `Some(x)` / `None`, floats with a fractional part (`1.0`), and a
  `Vec` as `[1, 2]`. The record type must implement [`Render`](crate::Render);
  implement it for your own types.
* Like Spark's `take(num + 1)`, each partition stops rendering once it has `num + 1`
  records.
* [`Job::run`](crate::Job::run) writes to standard output; the
  [`Harness`](crate::testing::Harness) captures the text in
  [`BatchOutput::printed`](crate::testing::BatchOutput::printed).

# Example

```
use dstream::prelude::*;
use dstream::testing::Harness;

let dashes = "-".repeat(43);
let job = stream! {
    queue(vec![vec![("hello", 1), ("world", 1)]]) every 1s |> print
};
let mut harness = Harness::new(job);
assert_eq!(
    harness.step().unwrap().printed,
    format!("{dashes}\nTime: 1000 ms\n{dashes}\n(hello,1)\n(world,1)\n\n")
);
// An empty batch: the header and the empty line.
assert_eq!(
    harness.step().unwrap().printed,
    format!("{dashes}\nTime: 2000 ms\n{dashes}\n\n")
);

let job = stream! { queue(vec![(1..=5).collect::<Vec<i32>>()]) every 1s |> print(3) };
let out = Harness::new(job).step().unwrap();
assert_eq!(
    out.printed,
    format!("{dashes}\nTime: 1000 ms\n{dashes}\n1\n2\n3\n...\n\n")
);
```
"#,
};
