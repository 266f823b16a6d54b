//! A first stage that runs on pieces of its batch while the interval fills (see
//! [`Plan::pieced_stage`](crate::plan::Plan::pieced_stage) for which programs get it, and
//! `job/pieces.rs` in the runtime). The stage's loop becomes one task closure that feeds a
//! partition of text into that partition's map-side table, kept across calls; it runs on
//! every piece the source hands over before the cut, then on the rest of the batch, after
//! which the tables are finished and exchanged as a whole batch's would be. The loop's code
//! is written once, so a mistake in a user's closure is reported once.

use super::args::mixed;
use super::Codegen;
use crate::plan::Stage;
use proc_macro2::TokenStream;
use quote::quote;

impl Codegen<'_> {
    /// Before the stage: the batch's pieces and one map-side table per partition.
    pub(super) fn pieced_source(&mut self) -> TokenStream {
        let dp = self.dp();
        let (pieces, tables, parallelism) = (mixed("__pieces"), mixed("__tables"), mixed("__parallelism"));
        quote! {
            let #pieces = #dp::pieces::Pieces::default();
            let mut #tables = #dp::pieces::tables(#parallelism);
        }
    }

    /// The stage: a task per partition of each piece while the interval fills, then of the
    /// rest of the batch at the cut; then the tables finished, exchanged and bound as the
    /// stage's value.
    pub(super) fn pieced_stage(&mut self, stage: &Stage) -> TokenStream {
        let dp = self.dp();
        let (exec, ctx, parallelism, part) =
            (mixed("__exec"), mixed("__ctx"), mixed("__parallelism"), mixed("__part"));
        let (pieces, tables, feed) = (mixed("__pieces"), mixed("__tables"), mixed("__feed"));
        let (task, slot, piece, rest) =
            (self.var("task"), self.var("slot"), self.var("piece"), self.var("rest"));
        let record = self.var("record");
        // `pieced_stage` only picks stages that end at an exchange: the value is bound.
        let (names, bind_value) = self.end_names(stage);
        let end = self.stage_end(stage.end, &names, &stage.narrow);
        let loops = self.fused_loop(stage, &record, &names.last, &end.consume, None);
        let (sink, out) = (&names.sink, &names.out);
        let (init, finish, after) = (end.init, end.finish, end.after);
        // The batch's hash exchanges gather, when nothing needs the partitioning (told at the
        // cut: every piece starts a batch of its own in the executor).
        let gather = match super::solo::runs_small_batches_solo(self.graph) {
            true => quote!(#exec.gather_hash_exchanges();),
            false => TokenStream::new(),
        };
        quote! {
            // The sink starts as the partition's table so far.
            #[allow(unused_assignments)]
            let #task = #dp::pieces::task(&#pieces, |#part, #slot| {
                #init
                #sink = #slot.take();
                #loops
                *#slot = #sink;
            });
            while let ::core::option::Option::Some(#piece) = #feed.next_piece(&#pieces) {
                #exec.run_stage(#dp::pieces::piece_parts(#exec, #piece, &mut #tables), |_, (#part, #slot)| #task(#part, #slot));
            }
            let #rest = #feed.rest(#ctx, &#pieces)?;
            let #rest = #dp::scatter_input(#exec, 0, #feed.rest_parts(#exec, #rest, #parallelism));
            #gather
            let #out = #exec.run_stage(#dp::pieces::with_tables(#rest, &mut #tables), |_, (#part, #slot)| {
                #task(#part, #slot);
                let #sink = #slot.take();
                #finish
            });
            #after
            #bind_value
        }
    }
}
