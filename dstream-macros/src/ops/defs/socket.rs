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
    |a| Some(Op::Source(Source::Socket { host: a.expr("host")?, port: a.expr("port")?, config: a.opt_expr("config") })),

)
.emits(Emit::Source(emit));

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
