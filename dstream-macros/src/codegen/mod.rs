//! Phase 6, codegen: the checked, lowered graph and its plan as Rust. Each stage becomes one
//! closure per partition holding a single loop in which the narrow operators are nested
//! blocks; user closures are passed through typed helpers at their own spans, so their
//! parameter types infer and their mistakes are reported on their own tokens.
//!
//! It reads only typed operators ([`Op`]): no raw arguments, no checks, and no
//! panics (a case that cannot happen after `check` and `lower` emits nothing rather than
//! failing). The generated code only describes stages and exchanges to `dstream-core`
//! (`Executor::run_stage`, `Executor::exchange_combine`, ...); it never calls rayon.
//!
//! Each operator's own code is its hook in its module under `ops/defs/` (see `hooks.rs`);
//! this module is the machinery around the hooks. `mod.rs`: the job and its durations;
//! `args.rs`: arguments and spans; `hooks.rs`: what a hook is given, by kind; `steps.rs`: the
//! steps of a batch (unions, windows; state and two-stream steps around their hooks);
//! `stage.rs`: fused loops around record hooks; `ends.rs`: a loop's end around stage-end hooks;
//! `join_inputs.rs`: a join's inputs read through their chains, without a loop of their own.

mod args;
mod ends;
pub mod hooks;
mod join_inputs;
mod pieces;
mod solo;
mod stage;
mod steps;

use crate::ir::{Dur, DurValue, Graph, NodeId, Op};
use crate::plan::Plan;
use crate::slides::{Quantity, Slide};
use args::{mixed, respan_ident, user_at};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use std::collections::HashMap;
use syn::Ident;

/// Emits the job for a checked, lowered, planned program.
pub fn generate(graph: &Graph, plan: &Plan, warnings: TokenStream) -> TokenStream {
    let mut gen = Codegen {
        graph,
        plan,
        next_var: 0,
        hoisted: Vec::new(),
        output_checks: TokenStream::new(),
        values: HashMap::new(),
        reads_left: plan.reads.clone(),
        stores: HashMap::new(),
        stateful: Vec::new(),
        window_ms: HashMap::new(),
        interval_ms: None,
        pieced: plan.pieced_stage(graph),
    };
    let dp = gen.dp();
    let explain = crate::explain::text(plan, graph);
    let mermaid = crate::explain::mermaid(plan, graph);

    let source_vars: Vec<Ident> = (0..plan.sources.len()).map(|i| gen.var(&format!("source{i}"))).collect();
    let input_vars: Vec<Ident> = (0..plan.sources.len()).map(|i| gen.var(&format!("input{i}"))).collect();
    // Sources are built in the order the program writes them (as Rust evaluates expressions),
    // whatever order the plan reads them in.
    let mut by_position: Vec<(NodeId, Ident)> =
        plan.sources.iter().copied().zip(source_vars.iter().cloned()).collect();
    by_position.sort_by_key(|(id, _)| *id);
    let (built_vars, source_ctors): (Vec<Ident>, Vec<TokenStream>) =
        by_position.into_iter().map(|(id, var)| (var, gen.source(id))).unzip();
    let interval = gen.interval();
    gen.window_durations();
    let mut checks = gen.runtime_checks();
    let steps = gen.steps(&input_vars);
    checks.extend(std::mem::take(&mut gen.output_checks));
    let start_checks = if checks.is_empty() {
        TokenStream::new()
    } else {
        quote!(.with_start_checks(move || -> #dp::Result<()> { #checks ::core::result::Result::Ok(()) }))
    };
    let (ctx, batches, exec, parallelism) =
        (mixed("__ctx"), mixed("__batches"), mixed("__exec"), mixed("__parallelism"));
    let (restore, save, with_checkpoint) = gen.checkpointing();
    let state_sizes = gen.state_sizes();
    let hoisted = &gen.hoisted;

    // A program that runs on pieces gets its one source and a feed of its batch's pieces;
    // any other, the tuple of its sources and their batches, cut.
    // The job's call and its tuple of sources at the first `source(value)`'s value, if any: a
    // value that is not a source is then reported once, there (`requirements::source`), not
    // again for the tuple. (Elsewhere they stay as they are, at no user token.)
    let tuple_at = plan.sources.iter().find_map(|&id| gen.custom_source_at(id));
    let source_vars: Vec<Ident> = match tuple_at {
        Some(at) => source_vars.iter().map(|var| respan_ident(var, at)).collect(),
        None => source_vars,
    };
    let (constructor, sources, input, unpack) = match gen.pieced {
        Some(_) => (quote!(new_pieced), quote!(#(#source_vars)*), mixed("__feed"), TokenStream::new()),
        None => (
            quote!(new),
            at_source(quote!((#(#source_vars,)*)), tuple_at),
            batches.clone(),
            quote!(#[allow(unused_mut)] let (#(mut #input_vars,)*) = #batches;),
        ),
    };
    let job_new = at_source(quote!(#dp::Job::#constructor), tuple_at);
    // A small batch of a program whose results do not depend on the partitioning runs as one
    // partition (`Executor::batch_parallelism`), told the records of its sources' batches.
    let batch_parallelism = if gen.pieced.is_none() && solo::runs_small_batches_solo(graph) {
        let records = input_vars.iter().map(|input| quote!(#dp::SourceBatch::records(&#input)));
        quote!(let #parallelism = #exec.batch_parallelism(|| [#(#records),*]);)
    } else {
        quote!(let #parallelism = #exec.parallelism();)
    };
    quote! {
        {
            #warnings
            #(let #built_vars = #source_ctors;)*
            #(#hoisted)*
            #job_new(
                #dp::durations::interval(#interval),
                #dp::Explain { text: #explain, mermaid: #mermaid },
                #sources,
                move |#ctx, #input| -> #dp::Result<()> {
                    #restore
                    let #exec = #ctx.exec();
                    #unpack
                    #batch_parallelism
                    #steps
                    #save
                    #state_sizes
                    ::core::result::Result::Ok(())
                },
            )
            #with_checkpoint
            #start_checks
        }
    }
}

/// `tokens` moved to `at`, if given (see `generate`'s tuple of sources).
fn at_source(tokens: TokenStream, at: Option<Span>) -> TokenStream {
    match at {
        Some(at) => args::respan(&tokens, at),
        None => tokens,
    }
}

/// The generator's state while it writes one job; operators' hooks (`hooks.rs`) write through it.
pub struct Codegen<'g> {
    graph: &'g Graph,
    plan: &'g Plan,
    /// The variable holding each node's value (its records as partitions), once made.
    values: HashMap<NodeId, Ident>,
    /// How many more steps will read each value: the last read moves it, earlier ones clone.
    reads_left: HashMap<NodeId, usize>,
    /// The state store of each `map_with_state` node, for its `state_snapshots`.
    stores: HashMap<NodeId, Ident>,
    /// Every stateful node's state variable (window buffers, state stores), for checkpoints.
    stateful: Vec<(NodeId, Ident)>,
    /// Each window node's length and slide in ms (a literal, or a variable read when the job
    /// is built).
    window_ms: HashMap<NodeId, (TokenStream, Option<TokenStream>)>,
    /// The batch interval in ms, once read.
    interval_ms: Option<TokenStream>,
    /// The step of the stage that runs on pieces of its batch, if any (`pieces.rs`).
    pieced: Option<usize>,
    next_var: usize,
    /// `let` statements evaluated once when the job is built (argument expressions).
    hoisted: Vec<TokenStream>,
    /// Checks of outputs' arguments run when the job starts (`save_as_text_files`' prefix).
    output_checks: TokenStream,
}

impl Codegen<'_> {
    /// A fresh generated variable.
    pub fn var(&mut self, hint: &str) -> Ident {
        self.next_var += 1;
        Ident::new(&format!("__dstream_{hint}_{}", self.next_var), proc_macro2::Span::mixed_site())
    }

    /// The path every generated item goes through (`::dstream::__private`, or the one under
    /// `#![crate = path]`).
    pub fn dp(&self) -> TokenStream {
        self.graph.private.clone()
    }

    /// [`Self::dp`] at `span` (from [`user_at`]).
    pub fn dp_at(&self, span: proc_macro2::Span) -> TokenStream {
        args::respan(&self.graph.private, span)
    }

    /// Evaluates `code` (a `let`) once, when the job is built.
    pub fn hoist(&mut self, code: TokenStream) {
        self.hoisted.push(code);
    }

    /// Runs `code` (a check of an output's argument, `?` on a `dstream::Result`) when the job
    /// starts, before its sources do.
    pub fn check_at_start(&mut self, code: TokenStream) {
        self.output_checks.extend(code);
    }

    /// Where a `source(value)` node's value is (as generated code names it), if `id` is one.
    fn custom_source_at(&self, id: NodeId) -> Option<Span> {
        match &self.graph.nodes[id].op {
            Op::Source(crate::ir::Source::Custom(value)) => Some(user_at(syn::spanned::Spanned::span(value))),
            _ => None,
        }
    }

    fn source(&mut self, id: NodeId) -> TokenStream {
        let node = &self.graph.nodes[id];
        let span = user_at(node.name.span());
        let dp = self.dp_at(span);
        let cx = hooks::SourceCx { span, dp };
        match node.spec.emit {
            crate::ops::Emit::Source(hook) => hook(self, &node.op, &cx),
            // `plan` only lists sources here.
            _ => quote_spanned!(span=> ()),
        }
    }

    /// A duration in ms: a literal, or a variable holding `{expr}`'s milliseconds, read once
    /// when the job is built (a type that is not a duration is reported on the braces).
    pub fn duration_ms(&mut self, d: &Dur) -> TokenStream {
        match &d.value {
            DurValue::Millis(ms) => quote!(#ms),
            DurValue::Runtime(expr) => {
                let var = self.var("duration_ms");
                let dp = self.dp_at(user_at(d.span));
                self.hoisted.push(quote_spanned!(d.span=>
                    #[allow(unused_braces)]
                    let #var: u64 = <_ as #dp::durations::RuntimeDuration>::millis(&#expr);
                ));
                quote!(#var)
            }
        }
    }

    /// The batch interval in ms.
    fn interval(&mut self) -> TokenStream {
        if let Some(ms) = &self.interval_ms {
            return ms.clone();
        }
        let interval = self.graph.interval.clone();
        let ms = self.duration_ms(&interval);
        self.interval_ms = Some(ms.clone());
        ms
    }

    /// Reads every window's length and slide once.
    fn window_durations(&mut self) {
        let graph = self.graph;
        for (id, node) in graph.nodes.iter().enumerate() {
            if let Some(window) = node.op.window() {
                let length = self.duration_ms(&window.length);
                let slide = window.slide.as_ref().map(|s| self.duration_ms(s));
                self.window_ms.insert(id, (length, slide));
            }
        }
    }

    /// A slide in ms.
    fn slide_ms(&mut self, slide: Slide) -> TokenStream {
        match slide {
            Slide::Millis(ms) => quote!(#ms),
            Slide::Interval => self.interval(),
            Slide::Window(id) => match self.window_ms.get(&id) {
                Some((_, Some(slide))) => slide.clone(),
                _ => self.interval(),
            },
        }
    }

    /// The window length of node `id` in ms.
    fn window_length_ms(&self, id: NodeId) -> TokenStream {
        match self.window_ms.get(&id) {
            Some((length, _)) => length.clone(),
            None => quote!(0u64),
        }
    }

    /// Whether `node` has a batch only at some batch times: its slide is longer than the
    /// batch interval, or one of them is known only when the program runs.
    fn is_gated(&self, node: NodeId) -> bool {
        match (self.plan.slides[node], self.graph.interval.millis()) {
            (Slide::Millis(s), Some(b)) => s > b,
            (Slide::Interval, _) => false,
            _ => true,
        }
    }

    /// The checks of the rules that involve `{expr}` durations, run when the job starts,
    /// before its sources do, so that it stops at once with a clear error.
    fn runtime_checks(&mut self) -> TokenStream {
        let dp = self.dp();
        let mut code = TokenStream::new();
        if self.graph.interval.millis().is_none() {
            let interval = self.interval();
            let written = match &self.graph.interval.value {
                DurValue::Runtime(expr) => crate::diag::written(expr),
                DurValue::Millis(_) => String::new(),
            };
            code.extend(quote!(#dp::durations::check_interval(#interval, #written)?;));
            if let Some(checkpoint) = self.graph.checkpoint.as_ref().and_then(|c| c.interval.clone()) {
                let ms = self.duration_ms(&checkpoint);
                code.extend(
                    quote!(#dp::durations::check_multiple("the checkpoint interval", #ms, #interval)?;),
                );
            }
        }
        for check in self.plan.checks.clone() {
            let value = match check.value {
                Quantity::Length(id) => self.window_length_ms(id),
                Quantity::Slide(slide) => self.slide_ms(slide),
            };
            let of = self.slide_ms(check.of);
            let what = &check.what;
            let function = if check.equal { quote!(check_equal) } else { quote!(check_multiple) };
            code.extend(quote!(#dp::durations::#function(#what, #value, #of)?;));
        }
        code
    }

    /// After every batch: the size of every stateful operator's state, for the job's
    /// statistics, named as in checkpoints (`window#0`).
    fn state_sizes(&self) -> TokenStream {
        let ids = crate::lower::state_ids(self.graph);
        let ctx = mixed("__ctx");
        let mut code = TokenStream::new();
        for (node, var) in &self.stateful {
            let Some(id) = ids.get(node) else { continue };
            code.extend(quote!(#ctx.note_state(#id, &#var);));
        }
        code
    }

    /// For a program with `#![checkpoint(..)]`: restoring every stateful operator's state at
    /// the start of a batch (a no-op except on the first batch after recovery), saving it at
    /// the end (a no-op except on checkpoint batches), and the job's checkpoint setting. Each
    /// state is keyed by its stable id from the program text, and saved by the codec of its
    /// kind of store ([`Self::state_codec`]).
    fn checkpointing(&mut self) -> (TokenStream, TokenStream, TokenStream) {
        let Some(checkpoint) = self.graph.checkpoint.clone() else {
            return (TokenStream::new(), TokenStream::new(), TokenStream::new());
        };
        let ids = crate::lower::state_ids(self.graph);
        let ctx = mixed("__ctx");
        let (mut restore, mut save) = (TokenStream::new(), TokenStream::new());
        for (node, var) in &self.stateful {
            let Some(id) = ids.get(node) else { continue };
            let span = user_at(self.graph.nodes[*node].name.span());
            let (ctx, var) = (respan_ident(&ctx, span), respan_ident(var, span));
            let codec = self.state_codec(*node, span);
            restore.extend(quote_spanned!(span=> #ctx.restore_state(#id, &mut #var, #codec)?;));
            save.extend(quote_spanned!(span=> #ctx.save_state(#id, &#var, #codec)?;));
        }
        let dp = self.dp();
        let interval = match &checkpoint.interval {
            Some(d) => {
                let ms = self.duration_ms(d);
                quote!(::core::option::Option::Some(#dp::Duration::from_millis(#ms)))
            }
            None => quote!(::core::option::Option::None),
        };
        let dir = &checkpoint.dir;
        (restore, save, quote!(.with_checkpoint(#dir, #interval)))
    }

    /// The codec that saves the state of `node`, made from `Checkpointable::part` of each of
    /// its part types (keys, states, a window's records), passed as a function at `span`: a
    /// part without serde's traits is reported there by its own type (`Running`), never by the
    /// runtime's store around it (`dstream-core/src/persist/parts.rs`).
    fn state_codec(&self, node: NodeId, span: proc_macro2::Span) -> TokenStream {
        let dp = self.dp_at(span);
        let part = quote_spanned!(span=> #dp::checkpoint::Checkpointable::part);
        let (store, parts) = match &self.graph.nodes[node].op {
            Op::UpdateStateByKey { .. } => ("state_store", 2),
            Op::MapWithState { .. } => ("mapped_state_store", 2),
            Op::IncrementalWindow { .. } => ("incremental_window", 2),
            Op::Window(_) => ("window_buffer", 1),
            // A store without known parts is saved whole (an error then names the store).
            _ => ("whole", 1),
        };
        let store = Ident::new(store, span);
        let parts = std::iter::repeat_n(part, parts);
        quote_spanned!(span=> #dp::checkpoint::#store(#(#parts),*))
    }
}
