//! Phase 5, codegen: the plan as Rust. Each stage becomes one closure per partition holding
//! a single loop in which the narrow operators are nested blocks; user closures are passed
//! through typed helpers at their own spans, so their parameter types infer and their
//! mistakes are reported on their own tokens.
//!
//! The generated code only describes stages and exchanges to `dstream-core`
//! (`Executor::run_stage`, `Executor::exchange_combine`, ...); it never calls rayon.

use crate::graph::{Graph, Node, NodeId};
use crate::ops::{BinaryOp, Kind, NarrowOp, OutputOp, ReshapeOp, ShuffleOp, SourceOp};
use crate::parse::{Arg, ShorthandOp};
use crate::plan::{Plan, Stage, StageEnd, Step};
use crate::validate::Mode;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use std::collections::HashMap;
use syn::Ident;

/// The path every generated item goes through.
fn private() -> TokenStream {
    quote!(::dstream::__private)
}

/// A span at the user's token `at` that resolves like generated code. rustc reports a helper
/// call's failed trait bound or closure mismatch on the call or its argument only when their
/// spans share the call's hygiene context, and otherwise on the whole `stream!` invocation;
/// so an operator's generated code (paths, punctuation, generated variables) is built with
/// this one span, and its errors land on the operator or shorthand the user wrote.
fn user_at(at: Span) -> Span {
    Span::mixed_site().located_at(at)
}

/// `::dstream::__private` at `span` (from [`user_at`]).
fn private_at(span: Span) -> TokenStream {
    quote_spanned!(span=> ::dstream::__private)
}

/// Generated tokens (variables from [`Codegen::var`] or [`mixed`], never user tokens) moved
/// to `span` (from [`user_at`]); they resolve as before.
fn respan<T: ToTokens>(tokens: &T, span: Span) -> TokenStream {
    tokens
        .to_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// A generated variable moved to `span` (from [`user_at`]); it resolves as before.
fn respan_ident(var: &Ident, span: Span) -> Ident {
    let mut var = var.clone();
    var.set_span(span);
    var
}

/// Emits the job for a checked, planned program.
pub fn generate(graph: &Graph, plan: &Plan, warnings: TokenStream) -> TokenStream {
    let mut gen = Codegen {
        graph,
        mode: plan.mode,
        next_var: 0,
        hoisted: Vec::new(),
        values: HashMap::new(),
        reads_left: plan.reads.clone(),
        slides: plan.slides.clone(),
        stores: HashMap::new(),
        interval_ms: plan.interval_ms,
        stateful: Vec::new(),
    };
    let dp = private();
    let interval = plan.interval_ms;
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
        by_position.into_iter().map(|(id, var)| (var, gen.source(&graph.nodes[id]))).unzip();
    let steps = gen.steps(plan, &input_vars);
    let hoisted = &gen.hoisted;
    let (ctx, batches, exec, parallelism) =
        (mixed("__ctx"), mixed("__batches"), mixed("__exec"), mixed("__parallelism"));
    let (restore, save, with_checkpoint) = checkpointing(graph, plan, &gen.stateful);

    quote! {
        {
            #warnings
            #(let #built_vars = #source_ctors;)*
            #(#hoisted)*
            #dp::Job::new(
                #dp::Duration::from_millis(#interval),
                #dp::Explain { text: #explain, mermaid: #mermaid },
                (#(#source_vars,)*),
                move |#ctx, #batches| -> #dp::Result<()> {
                    #restore
                    let #exec = #ctx.exec();
                    let #parallelism = #exec.parallelism();
                    #[allow(unused_mut)]
                    let (#(mut #input_vars,)*) = #batches;
                    #steps
                    #save
                    ::core::result::Result::Ok(())
                },
            )
            #with_checkpoint
        }
    }
}

/// For a program with `#![checkpoint(..)]`: restoring every stateful operator's state at the
/// start of a batch (a no-op except on the first batch after recovery), saving it at the end
/// (a no-op except on checkpoint batches), and the job's checkpoint setting. Each state is
/// keyed by its stable id from the program text, and its type must be serialisable: the
/// `Checkpointable` bound reports a type that is not on the operator's token.
fn checkpointing(
    graph: &Graph,
    plan: &Plan,
    stateful: &[(NodeId, Ident)],
) -> (TokenStream, TokenStream, TokenStream) {
    let Some((dir, interval)) = &plan.checkpoint else {
        return (TokenStream::new(), TokenStream::new(), TokenStream::new());
    };
    let ids = crate::graph::state_ids(graph);
    let ctx = mixed("__ctx");
    let (mut restore, mut save) = (TokenStream::new(), TokenStream::new());
    for (node, var) in stateful {
        let id = &ids[node];
        let span = user_at(graph.nodes[*node].name.span());
        let (ctx, var) = (respan_ident(&ctx, span), respan_ident(var, span));
        restore.extend(quote_spanned!(span=> #ctx.restore_state(#id, &mut #var)?;));
        save.extend(quote_spanned!(span=> #ctx.save_state(#id, &#var)?;));
    }
    let dp = private();
    let interval = match interval {
        Some(ms) => quote!(::core::option::Option::Some(#dp::Duration::from_millis(#ms))),
        None => quote!(::core::option::Option::None),
    };
    (restore, save, quote!(.with_checkpoint(#dir, #interval)))
}

/// An identifier that user code cannot see or shadow (hygienic like `macro_rules!` locals).
fn mixed(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The map-side table of a keyed stage (`sink`, an `Option` filled at the first record), made
/// from the type of `key`: `TableFor`'s method resolution picks a table specialised for text
/// keys or for keys with few values (`DenseKey`), or the generic `Combiner`. The key's type
/// is known by then, so the choice is made where the program compiles, at no cost per record
/// but one predictable branch. The table starts at the size `hint` remembers from the previous
/// batch (see `TableHint`).
fn keyed_table(dp: &TokenStream, span: Span, sink: &Ident, key: &Ident, hint: &Ident) -> TokenStream {
    let exec = respan_ident(&mixed("__exec"), span);
    quote_spanned!(span=>
        #sink.get_or_insert_with(|| {
            #[allow(unused_imports)]
            use #dp::{AnyKeyTable as _, SpecialKeyTable as _};
            (&&#dp::TableFor::of(&#key)).new_table(#hint.capacity(#exec))
        })
    )
}

struct Codegen<'g> {
    graph: &'g Graph,
    mode: Mode,
    /// The variable holding each node's value (its records as partitions), once made.
    values: HashMap<NodeId, Ident>,
    /// How many more steps will read each value: the last read moves it, earlier ones clone.
    reads_left: HashMap<NodeId, usize>,
    /// Every node's slide in ms.
    slides: Vec<u64>,
    /// The state store of each `map_with_state` node, for its `state_snapshots`.
    stores: HashMap<NodeId, Ident>,
    /// Every stateful node's state variable (window buffers, state stores), for checkpoints.
    stateful: Vec<(NodeId, Ident)>,
    /// The batch interval in ms.
    interval_ms: u64,
    next_var: usize,
    /// `let` statements evaluated once when the job is built (argument expressions).
    hoisted: Vec<TokenStream>,
}

impl Codegen<'_> {
    fn var(&mut self, hint: &str) -> Ident {
        self.next_var += 1;
        Ident::new(&format!("__dstream_{hint}_{}", self.next_var), Span::mixed_site())
    }

    fn source(&mut self, node: &Node) -> TokenStream {
        let span = user_at(node.name.span());
        let dp = private_at(span);
        let args: Vec<TokenStream> = node.args.iter().map(|a| self.value_arg(a)).collect();
        match node.spec.map(|s| s.kind) {
            Some(Kind::Source(SourceOp::Socket)) if args.len() == 3 => {
                quote_spanned!(span=> #dp::sources::socket_with(#(#args),*))
            }
            Some(Kind::Source(SourceOp::Socket)) => {
                quote_spanned!(span=> #dp::sources::socket(#(#args),*))
            }
            Some(Kind::Source(SourceOp::Queue)) => {
                quote_spanned!(span=> #dp::sources::queue(#(#args),*))
            }
            Some(Kind::Source(SourceOp::TextFiles)) => {
                quote_spanned!(span=> #dp::sources::text_files(#(#args),*))
            }
            Some(Kind::Source(SourceOp::Custom)) => {
                quote_spanned!(span=> #dp::sources::custom(#(#args),*))
            }
            _ => unreachable!("validated: pipelines start at a source"),
        }
    }

    /// An argument evaluated once, when the job is built.
    fn value_arg(&mut self, arg: &Arg) -> TokenStream {
        match arg {
            Arg::Expr(e) => e.to_token_stream(),
            _ => unreachable!("validated: value arguments are expressions"),
        }
    }

    /// A string argument (`&str` or `String`), evaluated once when the job is built.
    fn string_arg(&mut self, arg: &Arg) -> TokenStream {
        let var = self.var("string");
        let expr = self.value_arg(arg);
        let span = syn::spanned::Spanned::span(&expr);
        self.hoisted.push(
            quote_spanned!(span=> let #var: ::std::string::String = ::core::convert::Into::into(#expr);),
        );
        var.into_token_stream()
    }

    /// A `usize` argument, evaluated once when the job is built.
    fn count_arg(&mut self, arg: &Arg) -> TokenStream {
        let var = self.var("count");
        let expr = self.value_arg(arg);
        let span = syn::spanned::Spanned::span(&expr);
        self.hoisted.push(quote_spanned!(span=> let #var: usize = #expr;));
        var.into_token_stream()
    }

    /// A function argument: a closure stays in place (so its parameter types infer from the
    /// helper it is passed to), written with or without `move`; a path is borrowed; anything
    /// else is evaluated once.
    fn function_arg(&mut self, arg: &Arg) -> TokenStream {
        match arg {
            Arg::Expr(syn::Expr::Closure(c)) => {
                // The job's batch closure already owns everything user closures capture, so a
                // `move` here would move out of it once per record; borrowing is equivalent.
                let mut c = c.clone();
                c.capture = None;
                c.to_token_stream()
            }
            Arg::Expr(syn::Expr::Path(p)) => quote!(&#p),
            Arg::Expr(e) => {
                let var = self.var("function");
                self.hoisted.push(quote!(let #var = #e;));
                quote!(&#var)
            }
            _ => unreachable!("validated: function arguments are expressions"),
        }
    }

    /// A function of two values, or a shorthand (`+`, `*`, `min`, `max`).
    fn reducer_arg(&mut self, arg: &Arg) -> TokenStream {
        match arg {
            Arg::Shorthand(ShorthandOp::Plus, span) => {
                let span = user_at(*span);
                let dp = private_at(span);
                quote_spanned!(span=> #dp::ops::plus)
            }
            Arg::Shorthand(ShorthandOp::Times, span) => {
                let span = user_at(*span);
                let dp = private_at(span);
                quote_spanned!(span=> #dp::ops::times)
            }
            Arg::Shorthand(ShorthandOp::Minus, span) => {
                let span = user_at(*span);
                let dp = private_at(span);
                quote_spanned!(span=> #dp::ops::minus)
            }
            Arg::Expr(syn::Expr::Path(p)) if p.path.is_ident("min") || p.path.is_ident("max") => {
                let ident = p.path.get_ident().expect("checked by is_ident");
                let span = user_at(ident.span());
                let (dp, name) = (private_at(span), respan_ident(ident, span));
                quote_spanned!(span=> #dp::ops::#name)
            }
            other => self.function_arg(other),
        }
    }

    /// The partition count of a shuffle: its optional argument, else the job's parallelism.
    fn partitions_arg(&mut self, node: &Node) -> TokenStream {
        match node.param("partitions") {
            Some(arg) => self.count_arg(arg),
            None => mixed("__parallelism").into_token_stream(),
        }
    }

    /// The variable holding `node`'s value.
    fn value_var(&mut self, node: NodeId) -> Ident {
        if let Some(v) = self.values.get(&node) {
            return v.clone();
        }
        let v = self.var("value");
        self.values.insert(node, v.clone());
        v
    }

    /// An expression reading `node`'s value: a clone while later steps still read it.
    fn read_value(&mut self, node: NodeId) -> TokenStream {
        let v = self.value_var(node);
        let gated = self.is_gated(node);
        let left = self.reads_left.entry(node).or_insert(1);
        *left -= 1;
        match (*left > 0, gated) {
            (true, false) => quote!(::core::clone::Clone::clone(&#v)),
            (false, false) => quote!(#v),
            // Readers of a gated value run at its slide times only, when it is set.
            (true, true) => quote!(::core::clone::Clone::clone(&#v).unwrap_or_default()),
            (false, true) => quote!(#v.take().unwrap_or_default()),
        }
    }

    /// The code of every step of a batch, in order.
    fn steps(&mut self, plan: &Plan, inputs: &[Ident]) -> TokenStream {
        let dp = private();
        let exec = mixed("__exec");
        let ctx = mixed("__ctx");
        let parallelism = mixed("__parallelism");
        let mut code = TokenStream::new();
        // A value that exists only at its slide times is an `Option`, set when it exists.
        let bound = plan.steps.iter().filter_map(Step::produces);
        let gated: Vec<NodeId> = bound.filter(|&n| self.is_gated(n) && self.is_read(n)).collect();
        for node in gated {
            let v = self.value_var(node);
            code.extend(quote!(#[allow(unused_assignments)] let mut #v = ::core::option::Option::None;));
        }
        for step in &plan.steps {
            let (step_code, gate) = match step {
                Step::SourceParts { source, slot } => {
                    let input = &inputs[*slot];
                    (
                        self.bind(*source, quote!(#dp::partition_source(#exec, &mut #input, #parallelism))),
                        None,
                    )
                }
                Step::Union { node, inputs } => {
                    let parts: Vec<TokenStream> = inputs.iter().map(|&i| self.read_value(i)).collect();
                    let union = quote!(#exec.union(::std::vec![#(#dp::ops::to_vecs(#parts)),*]));
                    (self.bind(*node, union), Some(*node))
                }
                Step::Window { node, input } if self.is_incremental(*node) => {
                    (self.incremental_window(*node, *input), Some(*input))
                }
                Step::Window { node, input } => {
                    let buffer = self.var("window");
                    let length = crate::validate::window_durations(&self.graph.nodes[*node])
                        .map(|(length, _)| length)
                        .expect("validated: a window has a length");
                    self.hoisted.push(quote!(let mut #buffer = #dp::WindowBuffer::new(#dp::Duration::from_millis(#length));));
                    self.stateful.push((*node, buffer.clone()));
                    let parts = self.read_value(*input);
                    let slide = self.slides[*node];
                    let emit = self.bind(*node, quote!(#buffer.contents(#exec)));
                    let emit = if self.is_gated(*node) {
                        quote!(if #ctx.is_slide_time(#dp::Duration::from_millis(#slide)) { #emit })
                    } else {
                        emit
                    };
                    let code = quote! {
                        #buffer.push(#ctx.time(), #dp::own_partitions(#parts));
                        #emit
                    };
                    (code, Some(*input))
                }
                Step::State { node, input } => (self.state_step(*node, *input), Some(*input)),
                Step::Binary { node, left, right } => (self.binary_step(*node, *left, *right), Some(*left)),
                Step::Stage(stage) => (self.stage(stage), Some(stage.input)),
            };
            match gate.filter(|&n| self.is_gated(n)) {
                Some(node) => {
                    let slide = self.slides[node];
                    code.extend(
                        quote!(if #ctx.is_slide_time(#dp::Duration::from_millis(#slide)) { #step_code }),
                    );
                }
                None => code.extend(step_code),
            }
        }
        code
    }

    /// Whether `node` has a batch only at some batch times (its slide is longer than `B`).
    fn is_gated(&self, node: NodeId) -> bool {
        self.slides[node] > self.interval_ms
    }

    /// Whether any step reads `node`'s value.
    fn is_read(&self, node: NodeId) -> bool {
        self.reads_left.get(&node).is_some_and(|&n| n > 0)
    }

    /// Binds `node`'s value to `expr`: a `let`, or for a gated value, setting its `Option`.
    /// A value no step reads is still computed (for its effect on state) and dropped.
    fn bind(&mut self, node: NodeId, expr: TokenStream) -> TokenStream {
        let v = self.value_var(node);
        if !self.is_read(node) {
            quote!(let _ = #expr;)
        } else if self.is_gated(node) {
            quote!(#v = ::core::option::Option::Some(#expr);)
        } else {
            quote!(let #v = #expr;)
        }
    }

    /// Whether `node` is an incremental `reduce_by_key_and_window` (one with an inverse; the
    /// naive form was expanded into `reduce_by_key |> window |> reduce_by_key`).
    fn is_incremental(&self, node: NodeId) -> bool {
        self.graph.nodes[node].spec.map(|s| s.kind)
            == Some(Kind::Window(crate::ops::WindowOp::ReduceByKeyAndWindow))
    }

    /// An incremental window: push this batch's reduced tables; at slide times, take out the
    /// batches that left with the inverse and merge in those that entered.
    fn incremental_window(&mut self, node: NodeId, input: NodeId) -> TokenStream {
        let dp = private();
        let (ctx, exec) = (mixed("__ctx"), mixed("__exec"));
        let graph = self.graph;
        let n = &graph.nodes[node];
        let span = n.name.span();
        let state = self.var("window");
        let (length, _) = crate::validate::window_durations(n).expect("validated: a window has a length");
        self.hoisted
            .push(quote!(let mut #state = #dp::IncrementalWindow::new(#dp::Duration::from_millis(#length));));
        self.stateful.push((node, state.clone()));
        let parts = self.read_value(input);
        let f = self.reducer_arg(n.param("func").expect("validated"));
        let inverse = self.reducer_arg(n.param("inverse").expect("planned: incremental"));
        let call = match n.param("filter") {
            Some(arg) => {
                let filter = self.function_arg(arg);
                quote_spanned!(span=> #state.emit_filtered(#exec, #ctx.time(), #f, #inverse, #filter))
            }
            None => quote_spanned!(span=> #state.emit(#exec, #ctx.time(), #f, #inverse)),
        };
        let slide = self.slides[node];
        let emit = self.bind(node, call);
        let emit = if self.is_gated(node) {
            quote!(if #ctx.is_slide_time(#dp::Duration::from_millis(#slide)) { #emit })
        } else {
            emit
        };
        quote! {
            #state.push(#ctx.time(), #dp::own_tables(#parts));
            #emit
        }
    }

    /// A step over two streams' values of the same batch.
    fn binary_step(&mut self, node: NodeId, left: NodeId, right: NodeId) -> TokenStream {
        let graph = self.graph;
        let n = &graph.nodes[node];
        // Everything at the operator's token, so type errors (keys of different types) land there.
        let span = user_at(n.name.span());
        let dp = private_at(span);
        let (ctx, exec) = (respan_ident(&mixed("__ctx"), span), respan_ident(&mixed("__exec"), span));
        let Some(Kind::Binary(op)) = n.spec.map(|s| s.kind) else { unreachable!("planned: a binary node") };
        let (l, r) = (self.read_value(left), self.read_value(right));
        let (l, r) = (respan(&l, span), respan(&r, span));
        let value = match op {
            BinaryOp::TransformWith => {
                let f = self.function_arg(&n.args[1]);
                let parallelism = respan_ident(&mixed("__parallelism"), span);
                quote_spanned!(span=>
                    #dp::ops::transform_with(#exec, #dp::ops::to_vecs(#l), #dp::ops::to_vecs(#r), #ctx.time(), #parallelism, #f)
                )
            }
            BinaryOp::Join
            | BinaryOp::LeftOuterJoin
            | BinaryOp::RightOuterJoin
            | BinaryOp::FullOuterJoin
            | BinaryOp::Cogroup => {
                let function = Ident::new(&n.name.to_string(), span);
                let partitions = respan(&self.partitions_arg(n), span);
                quote_spanned!(span=> #dp::join::#function(#exec, #l, #r, #partitions))
            }
        };
        self.bind(node, value)
    }

    /// A stateful step: update the node's state store from its input; bind what it emits.
    fn state_step(&mut self, node: NodeId, input: NodeId) -> TokenStream {
        use crate::ops::StateOp;
        let graph = self.graph;
        let n = &graph.nodes[node];
        let span = user_at(n.name.span());
        let dp = private_at(span);
        let (ctx, exec) = (respan_ident(&mixed("__ctx"), span), respan_ident(&mixed("__exec"), span));
        let Some(Kind::State(op)) = n.spec.map(|s| s.kind) else { unreachable!("planned: a state node") };
        let initial = |this: &mut Self| match n.param("initial") {
            Some(arg) => this.value_arg(arg),
            None => quote!(::std::vec::Vec::new()),
        };
        let value = match op {
            StateOp::UpdateStateByKey => {
                let store = self.var("state");
                let initial = initial(self);
                self.hoisted.push(quote!(let mut #store = #dp::state::StateStore::new(#initial);));
                self.stateful.push((node, store.clone()));
                let parts = respan(&self.read_value(input), span);
                let store = respan_ident(&store, span);
                let f = self.function_arg(&n.args[0]);
                let takes_time_and_key =
                    matches!(&n.args[0], Arg::Expr(syn::Expr::Closure(c)) if c.inputs.len() == 4);
                let update = if takes_time_and_key {
                    quote!(update_state_by_key)
                } else {
                    quote!(update_state_by_key_values)
                };
                quote_spanned!(span=> #dp::state::#update(#exec, &mut #store, #ctx.time(), #parts, #f))
            }
            StateOp::MapWithState => {
                let store = self.var("state");
                let initial = initial(self);
                self.hoisted.push(quote!(let mut #store = #dp::state::initial_mapped_state(#initial);));
                self.stateful.push((node, store.clone()));
                self.stores.insert(node, store.clone());
                let timeout = match n.param("timeout") {
                    Some(Arg::Duration(d)) => {
                        let ms = crate::validate::duration_millis(d).expect("validated");
                        quote!(::core::option::Option::Some(#dp::Duration::from_millis(#ms)))
                    }
                    _ => quote!(::core::option::Option::None),
                };
                let parts = respan(&self.read_value(input), span);
                let store = respan_ident(&store, span);
                let f = self.function_arg(&n.args[0]);
                quote_spanned!(span=> #dp::state::map_with_state(#exec, &mut #store, #ctx.time(), #timeout, #parts, #f))
            }
            StateOp::StateSnapshots => {
                let store =
                    respan_ident(self.stores.get(&input).expect("validated: follows map_with_state"), span);
                quote!(#dp::state::mapped_snapshot(&#store))
            }
        };
        self.bind(node, value)
    }

    /// One stage: a task per partition running the fused loop, then what follows the stage.
    fn stage(&mut self, stage: &Stage) -> TokenStream {
        let exec = mixed("__exec");
        let parts = self.read_value(stage.input);
        let part = mixed("__part");
        let record = self.var("record");
        let next_parts = self.var("parts");
        let bind_value = match stage.end {
            StageEnd::Exchange(id) | StageEnd::Materialise(id) => self.bind(id, quote!(#next_parts)),
            StageEnd::Output(_) => TokenStream::new(),
        };
        let names = EndNames { last: self.var("last"), out: self.var("stage_out"), next_parts };
        let end = self.stage_end(stage.end, &names);
        let label = end.breaks_early.then(|| quote!('__dstream_partition:));
        let loops = match self.mode {
            Mode::Fused => match self.leading_split(&stage.narrow) {
                Some(split) => {
                    let body = self.chain(&stage.narrow[1..], record.clone(), &names.last, &end.consume);
                    let span = user_at(self.graph.nodes[stage.narrow[0]].name.span());
                    let dp = private_at(span);
                    let pair = self.var("split_input");
                    let words = self.var("words");
                    // One loop per arm: each drives one concrete iterator.
                    quote_spanned!(span=>
                        let #pair = (#part, #split);
                        #[allow(unused_imports)]
                        use #dp::text::{BlockwiseKind as _, PerRecordKind as _};
                        match (&&#pair).flat_map_kind().flat_map(#pair.0, #pair.1) {
                            #dp::text::SplitRun::Blockwise(#words) => { #label for #record in #words { #body } }
                            #dp::text::SplitRun::Other(#words) => { #label for #record in #words { #body } }
                        }
                    )
                }
                None => {
                    let body = self.chain(&stage.narrow, record.clone(), &names.last, &end.consume);
                    quote!(#label for #record in #part { #body })
                }
            },
            Mode::Unfused => self.unfused_loops(&stage.narrow, &part, &names.last, &end.consume, label),
        };
        let out = names.out;
        let (init, finish, after) = (end.init, end.finish, end.after);
        quote! {
            let #out = #exec.run_stage(#parts, |_, #part| {
                #init
                #loops
                #finish
            });
            #after
            #bind_value
        }
    }

    /// The text a keyed stage's keys are likely slices of (its partition's batch buffer when
    /// the stage reads a text source, else empty), bound before the stage's loop, for the
    /// table's `merge_in`: the variable and its binding.
    fn home_text(&mut self, dp: &TokenStream, span: Span) -> (Ident, TokenStream) {
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
    fn table_hint(&mut self) -> Ident {
        let hint = self.var("table_hint");
        let dp = private();
        self.hoisted.push(quote!(let #hint = #dp::TableHint::default();));
        hint
    }

    /// A stage that starts with `flat_map(split)` (the argument a path ending in `split`):
    /// the path, to run through `dstream_core::text::BlockwiseKind`, which splits text lines
    /// in one block scan when the function is dstream's own `split` and the input is text.
    fn leading_split(&self, narrow: &[NodeId]) -> Option<TokenStream> {
        let node = &self.graph.nodes[*narrow.first()?];
        let Some(Kind::Narrow(NarrowOp::FlatMap)) = node.spec.map(|s| s.kind) else { return None };
        match node.args.first()? {
            Arg::Expr(syn::Expr::Path(p))
                if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "split") =>
            {
                Some(p.to_token_stream())
            }
            _ => None,
        }
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
    fn chain(
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
        let dp = private_at(span);
        let record = respan_ident(&record, span);
        let next = self.var("record");
        let Some(Kind::Narrow(op)) = node.spec.map(|s| s.kind) else { unreachable!("planned: narrow") };
        let f = self.function_arg(&node.args[0]);
        match op {
            NarrowOp::Map => {
                let inner = self.chain(rest, next.clone(), last, consume);
                quote_spanned!(span=> let #next = #dp::ops::map(#record, #f); #inner)
            }
            NarrowOp::FlatMap => {
                let inner = self.chain(rest, next.clone(), last, consume);
                quote_spanned!(span=> for #next in #dp::ops::flat_map(#record, #f) { #inner })
            }
            NarrowOp::Filter => {
                let inner = self.chain(rest, record.clone(), last, consume);
                quote_spanned!(span=> if #dp::ops::filter(&#record, #f) { #inner })
            }
            NarrowOp::MapValues => {
                let (k, v) = (self.var("key"), self.var("value"));
                let inner = self.chain(rest, next.clone(), last, consume);
                quote_spanned!(span=>
                    let (#k, #v) = #dp::ops::keyed::map_values(#record);
                    let #next = (#k, #dp::ops::map(#v, #f));
                    #inner
                )
            }
            NarrowOp::FlatMapValues => {
                let (k, v, each) = (self.var("key"), self.var("value"), self.var("value"));
                let inner = self.chain(rest, next.clone(), last, consume);
                quote_spanned!(span=>
                    let (#k, #v) = #dp::ops::keyed::flat_map_values(#record);
                    for #each in #dp::ops::flat_map(#v, #f) {
                        let #next = (::core::clone::Clone::clone(&#k), #each);
                        #inner
                    }
                )
            }
        }
    }

    /// The code of a stage's end: see [`EndCode`].
    fn stage_end(&mut self, end: StageEnd, names: &EndNames) -> EndCode {
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
        let dp = private_at(span);
        let (sink, exec, ctx) =
            (respan_ident(&sink, span), respan_ident(&exec, span), respan_ident(&ctx, span));
        let (last, out, next_parts) =
            (&respan_ident(last, span), &respan_ident(out, span), &respan_ident(next_parts, span));
        let combiner = quote_spanned!(span=> let mut #sink = #dp::Combiner::new(););
        let returns_sink = quote_spanned!(span=> #sink);
        match node.spec.map(|s| s.kind) {
            Some(Kind::Shuffle(ShuffleOp::ReduceByKey)) => {
                let f = self.reducer_arg(&node.args[0]);
                let n = respan(&self.partitions_arg(node), span);
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
            Some(Kind::Shuffle(ShuffleOp::CombineByKey)) => {
                let create = self.function_arg(&node.args[0]);
                let merge_value = self.function_arg(&node.args[1]);
                let merge_combiners = self.function_arg(&node.args[2]);
                let n = respan(&self.partitions_arg(node), span);
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
            Some(Kind::Reshape(op)) => {
                let parallelism = mixed("__parallelism");
                let after = match op {
                    ReshapeOp::Glom => quote_spanned!(span=> let #next_parts = #dp::ops::glom(#out);),
                    ReshapeOp::MapPartitions => {
                        let f = self.function_arg(&node.args[0]);
                        quote_spanned!(span=>
                            let #next_parts = #exec.run_stage(#out, |_, records| #dp::ops::map_partition(records, #f));
                        )
                    }
                    ReshapeOp::Repartition => {
                        let n = self.count_arg(&node.args[0]);
                        quote_spanned!(span=> let #next_parts = #exec.repartition(#out, #n);)
                    }
                    ReshapeOp::Transform => {
                        let f = self.function_arg(&node.args[0]);
                        quote_spanned!(span=> let #next_parts = #dp::ops::transform(#exec, #out, #ctx.time(), #parallelism, #f);)
                    }
                };
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after,
                    breaks_early: false,
                }
            }
            Some(Kind::Shuffle(ShuffleOp::CountByValue)) => {
                let n = respan(&self.partitions_arg(node), span);
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
            Some(Kind::Shuffle(ShuffleOp::GroupByKey)) => {
                let n = respan(&self.partitions_arg(node), span);
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
            Some(Kind::Shuffle(ShuffleOp::Count)) => EndCode {
                init: quote_spanned!(span=> let mut #sink: u64 = 0;),
                consume: quote_spanned!(span=> let _ = #last; #sink += 1;),
                finish: returns_sink,
                after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_count(#exec, #out);),
                breaks_early: false,
            },
            Some(Kind::Shuffle(ShuffleOp::Reduce)) => {
                let f = self.reducer_arg(&node.args[0]);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::core::option::Option::None;),
                    consume: quote_spanned!(span=> #dp::ops::reduce_into(&mut #sink, #last, #f);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> let #next_parts = #dp::ops::gather_reduce(#exec, #out, #f);),
                    breaks_early: false,
                }
            }
            Some(Kind::Output(OutputOp::Print)) => {
                let num = match node.args.first() {
                    Some(arg) => self.count_arg(arg),
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
            Some(Kind::Output(OutputOp::ForeachBatch)) => {
                let f = self.function_arg(&node.args[0]);
                EndCode {
                    init: quote_spanned!(span=> let mut #sink = ::std::vec::Vec::new();),
                    consume: quote_spanned!(span=> #sink.push(#last);),
                    finish: returns_sink,
                    after: quote_spanned!(span=> #dp::foreach::emit(#out, #ctx.time(), #f);),
                    breaks_early: false,
                }
            }
            Some(Kind::Output(OutputOp::SaveAsTextFiles)) => {
                let prefix = self.string_arg(&node.args[0]);
                let suffix = match node.args.get(1) {
                    Some(arg) => self.string_arg(arg),
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
            Some(Kind::Output(OutputOp::Dashboard)) => {
                let dashboard = self.var("dashboard");
                let address = self.value_arg(&node.args[0]);
                let address_span = syn::spanned::Spanned::span(&address);
                let private = private();
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
            _ => unreachable!("planned: stage ends at a shuffle or an output"),
        }
    }
}

/// Names a stage end's code refers to: the record reaching it, the stage's per-partition
/// results, and the next stage's partitions.
struct EndNames {
    last: Ident,
    out: Ident,
    next_parts: Ident,
}

/// The code of one stage end.
struct EndCode {
    /// Before the loop, in each partition's task: set up the sink.
    init: TokenStream,
    /// Inside the loop: feed the record `last` to the sink.
    consume: TokenStream,
    /// After the loop: the task's result.
    finish: TokenStream,
    /// After the stage: the exchange into the next stage's partitions, or the output's write.
    after: TokenStream,
    /// Whether `consume` may `break` out of the partition's loop (it needs the loop's label).
    breaks_early: bool,
}
