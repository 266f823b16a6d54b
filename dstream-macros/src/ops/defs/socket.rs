//! `socket`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::{Op, Source};
use proc_macro2::TokenStream;
use quote::quote_spanned;

pub static SPEC: OpSpec = op(
    "socket",
    Kind::Source,
    &[arg("host", Value), arg("port", Value), optional("config", Value)],
    "lines of text from a TCP server, one record per line",
    r#"socket("localhost", 9999) every 1s |> print"#,
    |a| {
        Some(Op::Source(Source::Socket {
            host: a.expr("host")?,
            port: a.expr("port")?,
            config: a.opt_expr("config"),
        }))
    },
)
.emits(Emit::Source(emit))
.documented(&PAGE);

/// `sources::socket(host, port)`, or `socket_with` given a configuration.
fn emit(_: &mut Codegen, op: &Op, cx: &SourceCx) -> TokenStream {
    let SourceCx { span, dp } = cx;
    let span = *span;
    match op {
        Op::Source(Source::Socket { host, port, config: Some(config) }) => {
            quote_spanned!(span=> #dp::sources::socket_with(#host, #port, #config))
        }
        Op::Source(Source::Socket { host, port, config: None }) => {
            quote_spanned!(span=> #dp::sources::socket(#host, #port))
        }
        _ => quote_spanned!(span=> ()),
    }
}

/// Its page of the language reference, `dstream::operators::socket`.
static PAGE: Page = Page {
    spark: "`socketTextStream`",
    output: "the lines received, as `&str`",
    text: r#"
`socket(host, port, [config])`: the lines of text a TCP server sends, one record per
line.

**Spark:** `StreamingContext.socketTextStream(host, port)`.

# Semantics

* The job connects as a TCP **client** to `host:port` (`host`: anything
  `Into<String>`; `port`: a `u16`) when it starts, and reads on a receiver thread of
  its own.
* Every `\n`-terminated line is one record of type `&str` (a slice of the batch's
  buffer, without the `\n` and without a `\r` before it). A final line without a
  terminator counts when the server closes the connection.
* The batch at time `T` holds every line received after the previous batch's cut and
  up to `T`, in arrival order. An interval in which nothing arrived gives an empty
  batch.
* The connection never stops the job: a refused connection, an end of stream or a read
  error is logged, counted in the job's [metrics](crate::metrics) and followed by a
  reconnection with exponential backoff, as Spark's receiver restarts itself.
* Bad input is dropped, not fatal: a line that is not valid UTF-8, or is longer than
  `max_line_bytes`, is dropped, counted (`malformed_not_utf8`, `malformed_too_long`),
  logged and, if `malformed_path` is set, appended to that file.
* Backpressure: the receiver hands blocks to the batch loop through a buffer bounded in
  bytes (`max_buffered_bytes`); when the job falls behind, the receiver stops reading
  and TCP flow control slows the sender.

Differences from Spark, whose receiver reads with Java's `BufferedReader.readLine`: a
lone `\r` does not end a line here, and invalid UTF-8 is dropped and counted rather
than decoded to `U+FFFD`.

# Configuration

The optional third argument is a
[`SocketConfig`](crate::source::socket::SocketConfig):

| Field | Default | Meaning |
|---|---|---|
| `max_line_bytes` | 1 MiB | longest accepted line (terminator excluded); longer lines are dropped |
| `initial_backoff` | 100 ms | delay before the first reconnection; doubles after each failure |
| `max_backoff` | 5 s | upper bound of the reconnection delay |
| `max_buffered_bytes` | 256 MiB | received bytes waiting for the batch loop; past this the receiver stops reading (backpressure onto TCP), so it also caps the intake at about this much per batch interval |
| `write_ahead_log` | `None` | directory of a write-ahead log: every block is synced there before it counts as received and replayed after a crash (no loss; with `#![checkpoint]`, which trims it, a batch that runs again takes exactly the blocks of its first run) |
| `malformed_path` | `None` | file to which dropped lines are appended |
| `connect_timeout` | 1 s | timeout of one connection attempt |

# Example

Spark's quick-start word count, reading what you type into `nc -lk 9999`:

```no_run
use dstream::prelude::*;
use dstream::source::socket::SocketConfig;

fn main() -> dstream::Result<()> {
    let config = SocketConfig {
        max_line_bytes: 64 * 1024,
        max_backoff: std::time::Duration::from_secs(1),
        malformed_path: Some("malformed-lines.txt".into()),
        ..SocketConfig::default()
    };
    let job = stream! {
        socket("localhost", 9999, config)
            |> flat_map(split)
            |> map(|w| (w, 1))
            |> reduce_by_key(+) every 1s
            |> print
    };
    job.run() // until Ctrl-C
}
```

The same job under the test harness, against a
[`LineServer`](crate::feed::LineServer) on a free local port:

```
use dstream::feed::LineServer;
use dstream::prelude::*;
use dstream::testing::Harness;

let lines = vec!["to be or".to_string(), "not to be".to_string()];
let server = LineServer::start("127.0.0.1:0", lines.into_iter(), None).unwrap();
let port = server.local_addr().port();
let job = stream! {
    socket("127.0.0.1", port) |> flat_map(split) |> map(|w| (w, 1))
        |> reduce_by_key(+) every 1s |> print
};
let mut harness = Harness::new(job);
harness.start().unwrap();
// Both lines (9 + 10 bytes) have arrived before the first batch at 1000 ms.
let arrived = harness.wait_for(std::time::Duration::from_secs(10), |m| {
    m.bytes_received >= 19
});
assert!(arrived);
let out = harness.step().unwrap();
let mut counts = out.printed_records();
counts.sort();
assert_eq!(counts, ["(be,2)", "(not,1)", "(or,1)", "(to,2)"]);
server.stop();
```
"#,
};
