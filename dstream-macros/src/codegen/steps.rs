//! The steps of a batch that are not fused loops: sources' partitions, unions, windows,
//! state stores and operators over two streams; and how each step's value is bound and read.

use super::args::{mixed, respan, respan_ident, user_at};
use super::hooks::{BinaryCx, StateCx};
use super::Codegen;
use crate::ir::{Mode, NodeId, Op};
use crate::ops::Emit;
use crate::plan::Step;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

impl Codegen<'_> {
    /// The variable holding `node`'s value.
    pub(super) fn value_var(&mut self, node: NodeId) -> Ident {
        if let Some(v) = self.values.get(&node) {
            return v.clone();
        }
        let v = self.var("value");
        self.values.insert(node, v.clone());
        v
    }

    /// An expression reading `node`'s value: a clone while later steps still read it.
    pub(super) fn read_value(&mut self, node: NodeId) -> TokenStream {
        let v = self.value_var(node);
        let gated = self.is_gated(node);
        let left = self.reads_left.entry(node).or_insert(1);
        *left = left.saturating_sub(1);
        match (*left > 0, gated) {
            (true, false) => quote!(::core::clone::Clone::clone(&#v)),
            (false, false) => quote!(#v),
            // Readers of a gated value run at its slide times only, when it is set.
            (true, true) => quote!(::core::clone::Clone::clone(&#v).unwrap_or_default()),
            (false, true) => quote!(#v.take().unwrap_or_default()),
        }
    }

    /// Whether any step reads `node`'s value.
    fn is_read(&self, node: NodeId) -> bool {
        self.reads_left.get(&node).is_some_and(|&n| n > 0)
    }

    /// Binds `node`'s value to `expr`: a `let`, or for a gated value, setting its `Option`.
    /// A value no step reads is still computed (for its effect on state) and dropped.
    pub(super) fn bind(&mut self, node: NodeId, expr: TokenStream) -> TokenStream {
        let v = self.value_var(node);
        if !self.is_read(node) {
            quote!(let _ = #expr;)
        } else if self.is_gated(node) {
            quote!(#v = ::core::option::Option::Some(#expr);)
        } else {
            quote!(let #v = #expr;)
        }
    }

    /// `code`, run only at `node`'s slide times when its slide is longer than the interval.
    fn at_slide_times(&mut self, node: NodeId, code: TokenStream) -> TokenStream {
        if !self.is_gated(node) {
            return code;
        }
        let (dp, ctx) = (self.dp(), mixed("__ctx"));
        let slide = self.slide_ms(self.plan.slides[node]);
        quote!(if #ctx.is_slide_time(#dp::Duration::from_millis(#slide)) { #code })
    }

    /// The code of every step of a batch, in order.
    pub(super) fn steps(&mut self, inputs: &[Ident]) -> TokenStream {
        let dp = self.dp();
        let (exec, ctx, parallelism) = (mixed("__exec"), mixed("__ctx"), mixed("__parallelism"));
        let plan = self.plan;
        let mut code = TokenStream::new();
        // A value that exists only at its slide times is an `Option`, set when it exists.
        let bound = plan.steps.iter().filter_map(Step::produces);
        let gated: Vec<NodeId> = bound.filter(|&n| self.is_gated(n) && self.is_read(n)).collect();
        for node in gated {
            let v = self.value_var(node);
            code.extend(quote!(#[allow(unused_assignments)] let mut #v = ::core::option::Option::None;));
        }
        for (index, step) in plan.steps.iter().enumerate() {
            let (step_code, gate) = match step {
                Step::SourceParts { .. } if self.pieced.is_some() => (self.pieced_source(), None),
                Step::Stage(stage) if self.pieced == Some(index) => (self.pieced_stage(stage), None),
                Step::SourceParts { source, slot } => {
                    let Some(input) = inputs.get(*slot) else { continue };
                    let cut = quote!(#dp::partition_input(#exec, #slot, &mut #input, #parallelism));
                    // At the source's name: a record type that cannot cross from the driver
                    // to the other processes of a cluster is reported there.
                    let span = user_at(self.graph.nodes[*source].name.span());
                    let (dp_at, exec_at) = (self.dp_at(span), respan_ident(&exec, span));
                    let cut_at = respan_ident(&mixed("__cut"), span);
                    let parts = quote_spanned!(span=> {
                        let #cut_at = #cut;
                        let #cut_at = #dp_at::requirements::crossing_records(#cut_at);
                        #dp_at::scatter_input(#exec_at, #slot, #cut_at)
                    });
                    (self.bind(*source, parts), None)
                }
                Step::Union { node, inputs } => (self.union_step(*node, inputs), Some(*node)),
                Step::Window { node, input } => (self.window_step(*node, *input), Some(*input)),
                Step::State { node, input } => (self.state_step(*node, *input), Some(*input)),
                Step::Binary { node, left, right } => (self.binary_step(*node, *left, *right), Some(*left)),
                Step::Stage(stage) => (self.stage(stage), Some(stage.input)),
            };
            match gate {
                Some(node) => {
                    let gated = self.at_slide_times(node, step_code);
                    code.extend(gated);
                }
                None => code.extend(step_code),
            }
            let _ = &ctx;
        }
        code
    }

    /// A `union`: every input's partitions, this stream's first. Each other branch is met
    /// with the stream so far where it is named, so a record type that cannot meet it is
    /// reported on that name (text meets text as `String`).
    fn union_step(&mut self, node: NodeId, inputs: &[NodeId]) -> TokenStream {
        let graph = self.graph;
        let n = &graph.nodes[node];
        let dp = self.dp();
        let acc = self.var("union");
        let mut reads = inputs.iter();
        let Some(&first) = reads.next() else { return TokenStream::new() };
        let parts = self.read_value(first);
        let mut code = quote!(let #acc = #dp::ops::to_vecs(#parts););
        for (&input, name) in reads.zip(&n.other_names) {
            let span = user_at(name.span());
            let dp = self.dp_at(span);
            let parts = respan(&self.read_value(input), span);
            let acc = respan_ident(&acc, span);
            let branch = respan_ident(&self.var("branch"), span);
            let meet = meet_call(
                &dp,
                quote_spanned!(span=> records(&#acc, &#branch)),
                quote_spanned!(span=> union(#acc, #branch, #dp::branches::UnionRecords::cast)),
            );
            code.extend(quote_spanned!(span=> let #branch = #parts; let #acc = #meet;));
        }
        let bind = self.bind(node, quote!(#acc));
        quote!(#code #bind)
    }

    /// The state of window `node`, a `#kind` as long as the window, made when the job is built
    /// and checkpointed with the job.
    fn window_state(&mut self, node: NodeId, kind: TokenStream) -> Ident {
        let dp = self.dp();
        let state = self.var("window");
        let length = self.window_length_ms(node);
        self.hoisted.push(quote!(let mut #state = #dp::#kind::new(#dp::Duration::from_millis(#length));));
        self.stateful.push((node, state.clone()));
        state
    }

    /// A window: keep this batch's records; at slide times, the value is the window's, read
    /// back in the type of its input (`BorrowBack`: text borrowed from the window's state).
    fn window_step(&mut self, node: NodeId, input: NodeId) -> TokenStream {
        if let Op::IncrementalWindow { .. } = self.graph.nodes[node].op {
            return self.incremental_window(node, input);
        }
        let ctx = mixed("__ctx");
        let buffer = self.window_state(node, quote!(WindowBuffer));
        let parts = self.read_value(input);
        let exec = mixed("__exec");
        let (parts_var, like) = (self.var("window_in"), self.var("like"));
        // On the window's token: records it cannot keep are reported there.
        let span = user_at(self.graph.nodes[node].name.span());
        let (dp_at, buffer_at) = (self.dp_at(span), respan_ident(&buffer, span));
        let (parts, parts_var) = (respan(&parts, span), respan_ident(&parts_var, span));
        let (exec_at, like_at) = (respan_ident(&exec, span), respan_ident(&like, span));
        let emit = self.bind(node, quote_spanned!(span=> #buffer_at.contents_as(#exec_at, #like_at)));
        let emit = self.at_slide_times(node, emit);
        // On the window's token too, so a type that cannot be read back is one error there.
        let like_of = quote_spanned!(span=> #dp_at::requirements::window_read_back(&#parts_var));
        quote! {
            let #parts_var = #parts;
            let #like = #like_of;
            #buffer.push(#ctx.time(), #dp_at::requirements::window_records(#parts_var));
            #emit
        }
    }

    /// An incremental window: push this batch's reduced tables; at slide times, take out the
    /// batches that left with the inverse and merge in those that entered.
    fn incremental_window(&mut self, node: NodeId, input: NodeId) -> TokenStream {
        let graph = self.graph;
        let Op::IncrementalWindow { func, inverse, filter, .. } = &graph.nodes[node].op else {
            return TokenStream::new();
        };
        let (dp, ctx, exec) = (self.dp(), mixed("__ctx"), mixed("__exec"));
        let span = graph.nodes[node].name.span();
        let state = self.window_state(node, quote!(IncrementalWindow));
        let parts = self.read_value(input);
        let f = self.reducer_arg(func);
        let inverse = self.reducer_arg_as(inverse, "inv_reduce_func");
        let filter = match filter {
            Some(filter) => {
                let filter = self.required_fn(filter, "filter_func", 1);
                quote!(#dp::window_keep_if(#filter))
            }
            None => quote!(::core::option::Option::None::<fn(&_) -> bool>),
        };
        let slide = quote_spanned!(span=> #state.slide(#exec, #ctx.time(), #f, #inverse, #filter));
        // The window's value is read back in the types of its input (`BorrowBack`).
        // On the window's token, so a type that cannot be read back is one error there.
        let like = respan_ident(&self.var("like"), user_at(span));
        let exec_at = respan_ident(&exec, user_at(span));
        let emit = if self.is_read(node) {
            let state_at = respan_ident(&state, user_at(span));
            // All at `user_at(span)`: a call whose tokens mix two hygiene contexts is reported on
            // the whole macro.
            self.bind(node, quote_spanned!(user_at(span)=> { #slide; #state_at.records(#exec_at, #like) }))
        } else {
            quote!(#slide;)
        };
        let emit = self.at_slide_times(node, emit);
        let tables = respan_ident(&self.var("window_in"), user_at(span));
        let dp_at = self.dp_at(user_at(span));
        let like_of = quote_spanned!(user_at(span)=> #dp_at::requirements::window_read_back_pairs(&#tables));
        quote! {
            let #tables = #parts;
            let #like = #like_of;
            #state.push_owned(#ctx.time(), #tables);
            #emit
        }
    }

    /// A step over two streams' values of the same batch. For a join, the keys of both
    /// streams meet where the other stream is named (a mismatch is reported there; text
    /// keys meet as `String`).
    fn binary_step(&mut self, node: NodeId, left: NodeId, right: NodeId) -> TokenStream {
        let graph = self.graph;
        let n = &graph.nodes[node];
        // Everything at the operator's token, so type errors land there.
        let span = user_at(n.name.span());
        let dp = self.dp_at(span);
        let (ctx, exec) = (respan_ident(&mixed("__ctx"), span), respan_ident(&mixed("__exec"), span));
        let (l, r) = (self.read_value(left), self.read_value(right));
        let l = respan(&l, span);
        let (l_var, r_var) = (respan_ident(&self.var("left"), span), self.var("right"));
        let branch = n.other_names.first().map_or(span, |name| user_at(name.span()));
        let r = respan(&r, branch);
        let Emit::Binary(hook) = n.spec.emit else {
            return TokenStream::new();
        };
        let read_by_loop = self.read_by_loop(node);
        let cx = BinaryCx {
            span,
            dp,
            ctx,
            exec,
            left: l,
            right: r,
            left_var: l_var,
            right_var: r_var,
            branch,
            read_by_loop,
        };
        let value = hook(self, &n.op, &cx);
        self.bind(node, quote!({ #value }))
    }

    /// Whether `node`'s value is read once, by a fused stage's loop (which only iterates each
    /// partition).
    pub(super) fn read_by_loop(&self, node: NodeId) -> bool {
        let plan = self.plan;
        plan.mode == Mode::Fused
            && plan.reads.get(&node) == Some(&1)
            && plan.steps.iter().any(|step| matches!(step, Step::Stage(stage) if stage.input == node))
    }

    /// A stateful step: update the node's state store from its input; bind what it emits.
    fn state_step(&mut self, node: NodeId, input: NodeId) -> TokenStream {
        let graph = self.graph;
        let n = &graph.nodes[node];
        let span = user_at(n.name.span());
        let dp = self.dp_at(span);
        let (ctx, exec) = (respan_ident(&mixed("__ctx"), span), respan_ident(&mixed("__exec"), span));
        let Emit::State(hook) = n.spec.emit else {
            return TokenStream::new();
        };
        let cx = StateCx { span, dp, ctx, exec, node, input };
        let value = hook(self, &n.op, &cx);
        if value.is_empty() {
            return value;
        }
        self.bind(node, value)
    }

    /// An expression reading `node`'s value, at `span` (see [`Self::read_value`]).
    pub fn read_value_at(&mut self, node: NodeId, span: proc_macro2::Span) -> TokenStream {
        respan(&self.read_value(node), span)
    }

    /// Keeps `var` (made when the job is built) as `node`'s state: checkpointed with the job.
    pub fn keep_state(&mut self, node: NodeId, var: Ident) {
        self.stateful.push((node, var));
    }

    /// Remembers the state store of a `map_with_state` node, for its `state_snapshots`.
    pub fn remember_store(&mut self, node: NodeId, store: Ident) {
        self.stores.insert(node, store);
    }

    /// The state store of the `map_with_state` node `node`, if it is one.
    pub fn store_of(&self, node: NodeId) -> Option<Ident> {
        self.stores.get(&node).cloned()
    }
}

/// `(&&&meet).#call`, the `Meet` made by `branches::#make`: the two streams of a `union` or a
/// join met as their types allow (untouched when they are one type; see `ops::branches`).
/// `#call` passes the check, `UnionRecords::cast` or `JoinKeys::cast`, as its last argument:
/// a mismatch is then reported on the branch with that trait's message alone.
pub fn meet_call(dp: &TokenStream, make: TokenStream, call: TokenStream) -> TokenStream {
    quote! {{
        use #dp::branches::{OtherTypes as _, OwnedTypes as _, SameTypes as _};
        let __meet = #dp::branches::#make;
        (&&&__meet).#call
    }}
}
