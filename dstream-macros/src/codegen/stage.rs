//! Fused loops: one task per partition running a single loop over the stage's input, the
//! narrow operators nested inside it (or, unfused, one loop per operator).

use super::args::{mixed, respan_ident, user_at};
use super::ends::EndNames;
use super::hooks::RecordCx;
use super::Codegen;
use crate::ir::Mode;
use crate::ir::{NodeId, Op};
use crate::ops::{Emit, NarrowOp};
use crate::plan::{Stage, StageEnd};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::Ident;

/// The map-side table of a keyed stage (`sink`, an `Option` filled at the first record), made
/// from the type of `key`: `TableFor`'s method resolution picks a table specialised for text
/// keys or for keys with few values (`DenseKey`), or the generic `Combiner`. The key's type
/// is known by then, so the choice is made where the program compiles, at no cost per record
/// but one predictable branch. The table starts at the size `hint` remembers from the previous
/// batch, in the memory of an earlier batch's table where the table's type allows (`Reuse`,
/// picked the same way from an empty table of the chosen type, which allocates nothing, and
/// the record's `value`, whose type is known here; see `TableHint`).
pub fn keyed_table(
    dp: &TokenStream,
    span: Span,
    sink: &Ident,
    key: &Ident,
    value: &TokenStream,
    hint: &Ident,
) -> TokenStream {
    let exec = respan_ident(&mixed("__exec"), span);
    quote_spanned!(span=>
        #sink.get_or_insert_with(|| {
            #[allow(unused_imports)]
            use #dp::{AnyKeyTable as _, FreshTable as _, PooledTable as _, SpecialKeyTable as _};
            let empty = (&&#dp::TableFor::of(&#key)).new_table(#dp::TableSize::default());
            (&&#dp::Reuse::of(&empty, &#value)).reuse(&#hint, #exec)
        })
    )
}

impl Codegen<'_> {
    /// One stage: a task per partition running the fused loop, then what follows the stage.
    pub fn stage(&mut self, stage: &Stage) -> TokenStream {
        if let StageEnd::ReadByJoin(node) = stage.end {
            return self.read_by_join(stage, node);
        }
        let exec = mixed("__exec");
        let parts = self.read_value(stage.input);
        let part = mixed("__part");
        let record = self.var("record");
        let (names, bind_value) = self.end_names(stage);
        let end = self.stage_end(stage.end, &names, &stage.narrow);
        let label = end.breaks_early.then(|| quote!('__dstream_partition:));
        let loops = match self.plan.mode {
            Mode::Fused => self.fused_loop(stage, &record, &names.last, &end.consume, label),
            Mode::Unfused => self.unfused_loops(&stage.narrow, &part, &names.last, &end.consume, label),
        };
        let (out, sink) = (names.out, names.sink);
        let (init, finish, after) = (end.init, end.finish, end.after);
        let run = if self.folds_partitions(stage.end) {
            // A small batch's partitions fold into one map-side table (`run_stage_folding`).
            let carried = self.var("carried");
            quote! {
                // The sink starts as the previous partition's table, if it continues one.
                #[allow(unused_assignments)]
                let #out = #exec.run_stage_folding(#parts, |_, #part, #carried| {
                    #init
                    #sink = #carried;
                    #loops
                    #finish
                });
            }
        } else {
            quote! {
                let #out = #exec.run_stage(#parts, |_, #part| {
                    #init
                    #loops
                    #finish
                });
            }
        };
        let code = quote! {
            #run
            #after
            #bind_value
        };
        match stage.end {
            // An output's final stage and its write, timed for the batch's statistics under
            // the name the program wrote.
            StageEnd::Output(id) => {
                let ctx = mixed("__ctx");
                let name = self.graph.nodes[id].written.clone();
                quote!(#ctx.output_started(#name); { #code } #ctx.output_completed();)
            }
            _ => code,
        }
    }

    /// Whether a stage's partitions may fold into one result in a small batch: the map side
    /// of `reduce_by_key` and `count_by_value`, whose table takes any partition's records (it
    /// combines values with the operator's function either way) and is cut into the same
    /// reduce partitions by the exchange.
    fn folds_partitions(&self, end: StageEnd) -> bool {
        let StageEnd::Exchange(id) = end else { return false };
        matches!(self.graph.nodes[id].op, Op::ReduceByKey(..) | Op::CountByValue(..))
    }

    /// The names a stage's end refers to, and the binding of the stage's value (its next
    /// partitions) for the steps that read it.
    pub(super) fn end_names(&mut self, stage: &Stage) -> (EndNames, TokenStream) {
        let next_parts = self.var("parts");
        let bind_value = match stage.end {
            StageEnd::Exchange(id) | StageEnd::Materialise(id) => self.bind(id, quote!(#next_parts)),
            StageEnd::Output(_) | StageEnd::ReadByJoin(_) => TokenStream::new(),
        };
        let names = EndNames {
            sink: self.var("sink"),
            last: self.var("last"),
            out: self.var("stage_out"),
            next_parts,
        };
        (names, bind_value)
    }

    /// The fused loop of `stage` over the partition `__part`: its narrow operators nested
    /// around `consume`, which sees the last record as `last`.
    pub(super) fn fused_loop(
        &mut self,
        stage: &Stage,
        record: &Ident,
        last: &Ident,
        consume: &TokenStream,
        label: Option<TokenStream>,
    ) -> TokenStream {
        let part = mixed("__part");
        if label.is_none() && self.reads_probed_join(stage) {
            let body = self.chain(&stage.narrow, record.clone(), last, consume);
            return self.probe_loop(record, body);
        }
        let Some(split) = self.leading_split(&stage.narrow) else {
            let body = self.chain(&stage.narrow, record.clone(), last, consume);
            return quote!(#label for #record in #part { #body });
        };
        let body = self.chain(&stage.narrow[1..], record.clone(), last, consume);
        let span = user_at(self.graph.nodes[stage.narrow[0]].name.span());
        let dp = self.dp_at(span);
        let pair = self.var("split_input");
        let words = self.var("words");
        // One loop per arm: each drives one concrete iterator. The per-record arm (a queue's
        // lines, a function other than `split`) iterates internally where nothing breaks out
        // of the loop: `FlatMap::for_each` is a loop over the lines around a loop over each
        // line's words, where `for` pays `FlatMap::next`'s checks on every word.
        let other = match &label {
            None => quote_spanned!(span=> #words.for_each(|#record| { #body })),
            Some(label) => quote_spanned!(span=> #label for #record in #words { #body }),
        };
        quote_spanned!(span=>
            let #pair = (#part, #split);
            #[allow(unused_imports)]
            use #dp::text::{BlockwiseKind as _, PerRecordKind as _};
            #[allow(unused_imports)]
            use #dp::split_records::OwnedLinesKind as _;
            match (&&#pair).flat_map_kind().flat_map(#pair.0, #pair.1) {
                #dp::text::SplitRun::Blockwise(#words) => { #label for #record in #words { #body } }
                #dp::text::SplitRun::Other(#words) => { #other }
            }
        )
    }

    /// The text a keyed stage's keys are likely slices of (its partition's batch buffer when
    /// the stage reads a text source, else empty), bound before the stage's loop, for the
    /// table's `merge_in`: the variable and its binding.
    pub fn home_text(&mut self, dp: &TokenStream, span: Span) -> (Ident, TokenStream) {
        let home = self.var("home");
        let part = mixed("__part");
        let bind = quote_spanned!(span=>
            let #home: &[u8] = {
                #[allow(unused_imports)]
                use #dp::text::{LinesHome as _, NoHome as _};
                (&&#dp::text::HomeOf(&#part)).home()
            };
        );
        (home, bind)
    }

    /// A new `TableHint`, made once when the job is built.
    pub fn table_hint(&mut self) -> Ident {
        let hint = self.var("table_hint");
        let dp = self.dp();
        self.hoisted.push(quote!(let #hint = #dp::TableHint::default();));
        hint
    }

    /// A stage that starts with `flat_map(split)` (the argument a path ending in `split`):
    /// the path, to run through `dstream_core::text::BlockwiseKind`, which splits text lines
    /// in one block scan when the function is dstream's own `split` and the input is text.
    fn leading_split(&self, narrow: &[NodeId]) -> Option<TokenStream> {
        let node = &self.graph.nodes[*narrow.first()?];
        let Op::Narrow(NarrowOp::FlatMap, func) = &node.op else { return None };
        is_split(func).then(|| func.to_token_stream())
    }

    /// Unfused mode: the partition is materialised into a `Vec`, then every narrow operator
    /// runs as its own loop from one `Vec` into the next; the same operator code as fused.
    fn unfused_loops(
        &mut self,
        narrow: &[NodeId],
        part: &Ident,
        last: &Ident,
        consume: &TokenStream,
        label: Option<TokenStream>,
    ) -> TokenStream {
        let mut current = self.var("materialised");
        let mut code = quote!(let #current: ::std::vec::Vec<_> = ::core::iter::IntoIterator::into_iter(#part).collect(););
        for &op in narrow {
            let (next, record, each) = (self.var("materialised"), self.var("record"), self.var("last"));
            let body = self.chain(&[op], record.clone(), &each, &quote!(#next.push(#each);));
            code.extend(quote! {
                let mut #next = ::std::vec::Vec::new();
                for #record in #current { #body }
            });
            current = next;
        }
        let record = self.var("record");
        let body = self.chain(&[], record.clone(), last, consume);
        code.extend(quote!(#label for #record in #current { #body }));
        code
    }

    /// The nested narrow operators around `consume`, which sees the last record as `last`.
    pub(super) fn chain(
        &mut self,
        narrow: &[NodeId],
        record: Ident,
        last: &Ident,
        consume: &TokenStream,
    ) -> TokenStream {
        let Some((&first, rest)) = narrow.split_first() else {
            return quote!(let #last = #record; #consume);
        };
        let graph = self.graph;
        let node = &graph.nodes[first];
        let span = user_at(node.name.span());
        let dp = self.dp_at(span);
        let record = respan_ident(&record, span);
        let next = self.var("record");
        // `plan` puts only record-by-record operators in a stage's chain.
        let Emit::Record(hook) = node.spec.emit else {
            return self.chain(rest, record, last, consume);
        };
        let cx = RecordCx { span, dp, record, next, rest, last, consume };
        hook(self, &node.op, &cx)
    }
}

/// Whether a `flat_map`'s function is a path ending in `split` (dstream's, or one like it:
/// the runtime checks the function's type before taking a fast path).
pub fn is_split(func: &syn::Expr) -> bool {
    matches!(func, syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "split"))
}
