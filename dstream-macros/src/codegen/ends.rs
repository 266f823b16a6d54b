//! What a stage's loop feeds: the map side of a shuffle, a reshaping, or an output.

use super::args::{mixed, respan, respan_ident, user_at};
use super::stage::keyed_table;
use super::Codegen;
use crate::ir::Op;
use crate::plan::StageEnd;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

impl Codegen<'_> {
    /// The code of a stage's end: see [`EndCode`].
    pub(super) fn stage_end(&mut self, end: StageEnd, names: &EndNames) -> EndCode {
        let sink = self.var("sink");
        let exec = mixed("__exec");
        let ctx = mixed("__ctx");
        let EndNames { last, out, next_parts } = names;
        let id = match end {
            StageEnd::Materialise(_) => {
                return EndCode {
                    init: quote!(let mut #sink = ::std::vec::Vec::new();),
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
            (respan_ident(&sink, span), respan_ident(&exec, span), respan_ident(&ctx, span));
        let (last, out, next_parts) =
            (&respan_ident(last, span), &respan_ident(out, span), &respan_ident(next_parts, span));
        let combiner = quote_spanned!(span=> let mut #sink = #dp::Combiner::new(););
        let returns_sink = quote_spanned!(span=> #sink);
        match &node.op {
            Op::ReduceByKey(func, partitions) => {
                let f = self.reducer_arg(func);
                let n = respan(&self.partitions_arg(partitions), span);
                let (k, v) = (self.var("key"), self.var("value"));
                let hint = self.table_hint();
                let table = keyed_table(&dp, span, &sink, &k, &hint);
                let (home, init_home) = self.home_text(&dp, span);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
                    consume: quote_spanned!(span=>
                        let (#k, #v) = #dp::ops::keyed::reduce_by_key(#last);
                        #dp::CombineTable::merge_in(#table, #home, #k, #v, #f);
                    ),
                    finish: quote_spanned!(span=> #sink.unwrap_or_default()),
                    after: quote_spanned!(span=>
                        #hint.remember(&#out);
                        let #next_parts = #exec.exchange_combine(#out, #n, #f);
                    ),
                    breaks_early: false,
                }
            }
            Op::CombineByKey { create, merge_value, merge_combiners, partitions } => {
                let create = self.function_arg(create);
                let merge_value = self.function_arg(merge_value);
                let merge_combiners = self.function_arg(merge_combiners);
                let n = respan(&self.partitions_arg(partitions), span);
                let (k, v) = (self.var("key"), self.var("value"));
                EndCode {
                    init: combiner,
                    consume: quote_spanned!(span=>
                        let (#k, #v) = #dp::ops::keyed::combine_by_key(#last);
                        #sink.fold(#k, #v, #create, #merge_value);
                    ),
                    finish: returns_sink,
                    after: quote_spanned!(span=> let #next_parts = #exec.exchange_combine(#out, #n, #merge_combiners);),
                    breaks_early: false,
                }
            }
            Op::Glom | Op::MapPartitions(_) | Op::Repartition(_) | Op::Transform(_) => {
                let parallelism = mixed("__parallelism");
                let after = match &node.op {
                    Op::MapPartitions(func) => {
                        let f = self.function_arg(func);
                        quote_spanned!(span=>
                            let #next_parts = #exec.run_stage(#out, |_, records| #dp::ops::map_partition(records, #f));
                        )
                    }
                    Op::Repartition(partitions) => {
                        let n = self.count_arg(partitions);
                        quote_spanned!(span=> let #next_parts = #exec.repartition(#out, #n);)
                    }
                    Op::Transform(func) => {
                        let f = self.function_arg(func);
                        quote_spanned!(span=> let #next_parts = #dp::ops::transform(#exec, #out, #ctx.time(), #parallelism, #f);)
                    }
                    _ => quote_spanned!(span=> let #next_parts = #dp::ops::glom(#out);),
                };
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after,
                    breaks_early: false,
                }
            }
            Op::CountByValue(partitions) => {
                let n = respan(&self.partitions_arg(partitions), span);
                let hint = self.table_hint();
                let table = keyed_table(&dp, span, &sink, last, &hint);
                let (home, init_home) = self.home_text(&dp, span);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None; #init_home),
                    consume: quote_spanned!(span=>
                        #dp::CombineTable::merge_in(#table, #home, #last, 1u64, #dp::ops::plus);
                    ),
                    finish: quote_spanned!(span=> #sink.unwrap_or_default()),
                    after: quote_spanned!(span=>
                        #hint.remember(&#out);
                        let #next_parts = #exec.exchange_combine(#out, #n, #dp::ops::plus);
                    ),
                    breaks_early: false,
                }
            }
            Op::GroupByKey(partitions) => {
                let n = respan(&self.partitions_arg(partitions), span);
                let (k, v) = (self.var("key"), self.var("value"));
                EndCode {
                    init: combiner,
                    consume: quote_spanned!(span=>
                        let (#k, #v) = #dp::ops::keyed::group_by_key(#last);
                        #sink.fold(#k, #v, #dp::ops::singleton, #dp::ops::push);
                    ),
                    finish: returns_sink,
                    after: quote_spanned!(span=> let #next_parts = #exec.exchange_combine(#out, #n, #dp::ops::concat);),
                    breaks_early: false,
                }
            }
            Op::Count => EndCode {
                init: quote_spanned!(span=> let mut #sink: u64 = 0;),
                consume: quote_spanned!(span=> let _ = #last; #sink += 1;),
                finish: returns_sink,
                after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_count(#exec, #out);),
                breaks_early: false,
            },
            Op::Reduce(func) => {
                let f = self.reducer_arg(func);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None;),
                    consume: quote_spanned!(span=> #dp::ops::reduce_into(&mut #sink, #last, #f);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_reduce(#exec, #out, #f);),
                    breaks_early: false,
                }
            }
            Op::Print(num) => {
                let num = match num {
                    Some(expr) => self.count_arg(expr),
                    None => quote_spanned!(span=> 10usize),
                };
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = #dp::print::Take::new(#num + 1);),
                    consume: {
                        // The label stays unspanned, like the loop it names (labels are hygienic).
                        let push = quote_spanned!(span=> #sink.push(&#last));
                        quote!(if !#push { break '__dstream_partition; })
                    },
                    finish: quote_spanned!(span=> #sink.into_vec()),
                    after: quote_spanned!(span=> #dp::print::emit(#ctx, #num, #out)?;),
                    breaks_early: true,
                }
            }
            Op::ForeachBatch(func) => {
                let f = self.function_arg(func);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::foreach::emit(#exec, #out, #ctx.time(), #f);),
                    breaks_early: false,
                }
            }
            Op::ForeachPartition(func) => {
                let f = self.function_arg(func);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::foreach::each_partition(#exec, #out, #ctx.time(), #f);),
                    breaks_early: false,
                }
            }
            Op::SaveAsTextFiles { prefix, suffix } => {
                let prefix = self.string_arg(prefix);
                // An `s3://` prefix without the `s3` feature stops the job before its sources.
                let checked = self.var("prefix");
                self.hoisted
                    .push(quote_spanned!(span=> let #checked = ::core::clone::Clone::clone(&#prefix);));
                self.output_checks.extend(quote_spanned!(span=> #dp::text_files::check_prefix(&#checked)?;));
                let suffix = match suffix {
                    Some(expr) => self.string_arg(expr),
                    None => quote_spanned!(span=> ""),
                };
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::string::String::new();),
                    consume: quote_spanned!(span=> #dp::text_files::push_line(&mut #sink, &#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::text_files::emit(#ctx, &#prefix, &#suffix, #out)?;),
                    breaks_early: false,
                }
            }
            Op::Dashboard(address) => {
                let dashboard = self.var("dashboard");
                let address_span = syn::spanned::Spanned::span(address);
                let private = self.dp();
                self.hoisted.push(
                    quote_spanned!(address_span=> let #dashboard = #private::dashboard::Dashboard::new(#address);),
                );
                let dashboard = respan_ident(&dashboard, span);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::dashboard::emit(&#dashboard, #ctx, #out)?;),
                    breaks_early: false,
                }
            }
            Op::Output(target) => {
                let var = self.var("output");
                let built = self.output_target(target, span);
                self.hoisted.push(quote!(let mut #var = #built;));
                let var = respan_ident(&var, span);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::sink_emit(&mut #var, #ctx, #out)?;),
                    breaks_early: false,
                }
            }
            // `plan` ends stages only at shuffles, reshapes and outputs: keep the records.
            _ => EndCode {
                init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                consume: quote_spanned!(span=> #sink.push(#last);),
                finish: returns_sink,
                after: quote_spanned!(span=> let #next_parts = #out;),
                breaks_early: false,
            },
        }
    }
}

/// Names a stage end's code refers to: the record reaching it, the stage's per-partition
/// results, and the next stage's partitions.
pub(super) struct EndNames {
    pub last: Ident,
    pub out: Ident,
    pub next_parts: Ident,
}

/// The code of one stage end.
pub(super) struct EndCode {
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
