//! What a stage's loop feeds: the map side of a shuffle, a reshaping, or an output.

use super::args::{mixed, respan_ident, user_at};
use super::hooks::EndCx;
use super::Codegen;
use crate::ir::{NodeId, Op};
use crate::ops::{Emit, NarrowOp};
use crate::plan::StageEnd;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

impl Codegen<'_> {
    /// The code of a stage's end: see [`EndCode`]. `narrow` is the stage's chain.
    pub fn stage_end(&mut self, end: StageEnd, names: &EndNames, narrow: &[NodeId]) -> EndCode {
        let exec = mixed("__exec");
        let ctx = mixed("__ctx");
        let EndNames { sink, last, out, next_parts } = names;
        let capacity = self.sink_capacity(narrow);
        let id = match end {
            // (A stage read by a join has no loop: `join_inputs.rs`.)
            StageEnd::Materialise(_) | StageEnd::ReadByJoin(_) => {
                return EndCode {
                    init: quote!(let mut #sink = ::std::vec::Vec::with_capacity(#capacity);),
                    consume: quote!(#sink.push(#last);),
                    finish: quote!(#sink),
                    after: quote!(let #next_parts = #out;),
                    breaks_early: false,
                }
            }
            StageEnd::Exchange(id) | StageEnd::Output(id) => id,
        };
        let graph = self.graph;
        let node = &graph.nodes[id];
        let span = user_at(node.name.span());
        let dp = self.dp_at(span);
        let (sink, exec, ctx) =
            (respan_ident(sink, span), respan_ident(&exec, span), respan_ident(&ctx, span));
        let (last, out, next_parts) =
            (&respan_ident(last, span), &respan_ident(out, span), &respan_ident(next_parts, span));
        let cx = EndCx {
            span,
            dp,
            sink,
            exec,
            ctx,
            last: last.clone(),
            out: out.clone(),
            next_parts: next_parts.clone(),
            capacity,
        };
        match node.spec.emit {
            Emit::StageEnd(hook) => hook(self, &node.op, &cx),
            // `plan` ends stages only at shuffles, reshapes and outputs: keep the records.
            _ => cx.collect(quote_spanned!(span=> let #next_parts = #out;)),
        }
    }

    /// The capacity of a partition's output `Vec`: when every operator of the chain gives one
    /// record per record, the input partition's count where its type knows it
    /// (`ops::sizing`), so the `Vec` never grows; else 0 (it grows by doubling).
    fn sink_capacity(&mut self, narrow: &[NodeId]) -> TokenStream {
        let one_to_one = narrow
            .iter()
            .all(|&id| matches!(self.graph.nodes[id].op, Op::Narrow(NarrowOp::Map | NarrowOp::MapValues, _)));
        if !one_to_one {
            return quote!(0);
        }
        let dp = self.dp();
        let part = mixed("__part");
        quote! {{
            #[allow(unused_imports)]
            use #dp::sizing::{KnownCount as _, UnknownCount as _};
            (&&#dp::sizing::CountOf(&#part)).count()
        }}
    }
}

/// Names a stage end's code refers to: its per-partition sink, the record reaching it, the
/// stage's per-partition results, and the next stage's partitions.
pub struct EndNames {
    pub sink: Ident,
    pub last: Ident,
    pub out: Ident,
    pub next_parts: Ident,
}

/// The code of one stage end.
pub struct EndCode {
    /// Before the loop, in each partition's task: set up the sink.
    pub init: TokenStream,
    /// Inside the loop: feed the record `last` to the sink.
    pub consume: TokenStream,
    /// After the loop: the task's result.
    pub finish: TokenStream,
    /// After the stage: the exchange into the next stage's partitions, or the output's write.
    pub after: TokenStream,
    /// Whether `consume` may `break` out of the partition's loop (it needs the loop's label).
    pub breaks_early: bool,
}
