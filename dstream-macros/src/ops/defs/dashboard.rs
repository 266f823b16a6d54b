//! `dashboard`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Value};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "dashboard",
    Kind::Output,
    &[arg("address", Value)],
    "serves a live web page of the batch's (label, number) records on `address`: a chart over recent batches and the latest table",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> dashboard("127.0.0.1:0")"#,
    |a| Some(Op::own(Args { address: a.expr("address")? })),

)
.emits(Emit::StageEnd(emit))
.documented(&PAGE);

/// Its arguments.
#[derive(Debug)]
struct Args {
    /// The address to serve on.
    address: Value,
}

/// The batch's records, then shown on the dashboard, started when the job is built.
fn emit(cg: &mut Codegen, op: &Op, cx: &EndCx) -> EndCode {
    let Some(Args { address }) = op.own_args::<Args>() else { return cx.collect(TokenStream::new()) };
    let EndCx { span, dp, ctx, out, .. } = cx;
    let span = *span;
    let dashboard = cg.var("dashboard");
    let address_span = syn::spanned::Spanned::span(address);
    let private = cg.dp();
    cg.hoist(quote_spanned!(address_span=> let #dashboard = #private::dashboard::Dashboard::new(#address);));
    let dashboard = respan_ident(&dashboard, span);
    cx.collect(quote_spanned!(span=> #dp::dashboard::emit(&#dashboard, #ctx, #out)?;))
}

/// Its page of the language reference, `dstream::operators::dashboard`.
static PAGE: Page = Page {
    spark: "none",
    output: "serves a live web page of the `(label, number)` records",
    text: r##"
`dashboard(address)`: serves a live web page of each batch's `(label, number)` records
on `address` (for example `"127.0.0.1:8080"`): a chart of every label over the last 60
batches, and a table of the latest batch with its time and processing time. No Spark
counterpart.

* Output operation; the records must be `(K, V)` pairs with `K: Render` (the label) and
  `V` a number (any integer or float type); records with the same label are added up.
* The page updates live through server-sent events (`/events`, one JSON message per
  batch, history first for a new page); `/latest` returns the latest batch as JSON
  (`null` before the first). The page needs no external resources.
* The server starts when the job is built and lives as long as the job. An address that
  cannot be bound fails the first batch with an error naming `dashboard`.
* Typical use: `let counts = ... |> reduce_by_key(+); counts |> print; counts |>
  dashboard("127.0.0.1:8080")` (see `examples/order_dashboard.rs`).

# Example

(With the `dashboard` feature.)

```[dashboard]
use dstream::prelude::*;
use dstream::testing::Harness;
use std::io::{Read, Write};

let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
let job = stream! {
    queue(vec![vec!["shipped", "purchased", "shipped"]])
        |> map(|status| (status, 1u64)) |> reduce_by_key(+) every 1s |> dashboard(addr.as_str())
};
let mut harness = Harness::new(job); // the page is served while the job lives
harness.step().unwrap();
let mut http = std::net::TcpStream::connect(&addr).unwrap();
http.write_all(b"GET /latest HTTP/1.0\r\n\r\n").unwrap();
let mut response = String::new();
http.read_to_string(&mut response).unwrap();
assert!(response.contains(r#"{"counts":{"purchased":1,"shipped":2},"processing_ms":"#), "{response}");
assert!(response.ends_with(r#","time":1000}"#), "{response}");
```
"##,
};
