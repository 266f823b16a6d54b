//! The code around a probe join (`join`, `left_outer_join`) beyond its own hook.
//!
//! Its inputs: a stage whose records only a join reads (`StageEnd::ReadByJoin`) has no loop
//! of its own. Its chain (`map`, `map_values`, `filter`) becomes one function from an input
//! record to the record it gives, if any, and the join reads the input partitions through it
//! (`dstream_core::ops::join::lazy`): with one reduce partition the join's table is filled
//! straight from the input records, and the left side's chain runs as the join probes.
//!
//! Its output: the fused stage that reads the join's partitions as the probe makes them
//! (`BinaryCx::read_by_loop`) runs its chain inside the probe's nested loops
//! (`JoinPartition::for_each_pair`) unless the stage's end may stop the loop early.

use super::args::{mixed, user_at};
use super::Codegen;
use crate::ir::{NodeId, Op};
use crate::ops::BinaryOp;
use crate::plan::Stage;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

impl Codegen<'_> {
    /// The value of `node` (the end of `stage`): the stage's input partitions, each read
    /// through the stage's chain.
    pub(super) fn read_by_join(&mut self, stage: &Stage, node: NodeId) -> TokenStream {
        let dp = self.dp();
        let parts = self.read_value(stage.input);
        let (input, chain, record, last, read) = (
            self.var("join_input"),
            self.var("chain"),
            self.var("record"),
            self.var("last"),
            self.var("read"),
        );
        // Keys without `Hash` and `Eq` are one error on the join, naming the record's type (as
        // the join's own check of materialised partitions does); the records' type is then
        // unknown, so the join's check of the partitions says nothing more.
        let join = self.graph.nodes[node].consumers.first().map_or(node, |&c| c);
        let span = user_at(self.graph.nodes[join].name.span());
        let dp_at = self.dp_at(span);
        let checked = quote_spanned!(span=> #dp_at::requirements::KeyedRecord(#last).__dstream_checked());
        let consume = quote!(#read = ::core::option::Option::Some(#checked););
        let body = self.chain(&stage.narrow, record.clone(), &last, &consume);
        let value = self.bind(node, quote!(#dp::join::lazy::lazily(#input, &#chain)));
        quote! {
            let #input = #parts;
            let #chain = #dp::join::lazy::reader(&#input, |#record| {
                #[allow(unused_assignments)]
                let mut #read = ::core::option::Option::None;
                #body
                #read
            });
            #value
        }
    }

    /// Whether `stage` reads a join's partitions as its probe makes them.
    pub(super) fn reads_probed_join(&self, stage: &Stage) -> bool {
        let probed =
            matches!(self.graph.nodes[stage.input].op, Op::Join(BinaryOp::Join | BinaryOp::LeftOuterJoin, _));
        probed && self.read_by_loop(stage.input)
    }

    /// The loop of a stage that reads a probed join: `body` for each pair, as `record`.
    pub(super) fn probe_loop(&mut self, record: &Ident, body: TokenStream) -> TokenStream {
        let dp = self.dp();
        let part = mixed("__part");
        // Inlined where the probe calls it, so the stage's sink stays in registers too.
        quote!(#dp::join::probe::JoinPartition::for_each_pair(#part, #[inline(always)] |#record| { #body });)
    }
}
