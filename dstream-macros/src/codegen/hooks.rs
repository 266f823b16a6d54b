//! What an operator's module in `ops/defs/` gives codegen, by the operator's kind: the code of
//! one record (narrow operators, nested in a stage's fused loop), of a stage's end (shuffles'
//! map sides, reshapes, outputs), or of a source's constructor. Steps of their own (unions,
//! windows, state stores, operators over two streams) are built by `steps.rs` alone; composite
//! operators have no code, since `lower` rewrites them first.
//!
//! A hook receives the node's typed [`Op`] and the names the shared machinery made for it,
//! and reads its own arguments through [`Codegen`]'s argument helpers (`args.rs`).

pub use super::args::{mixed, respan, respan_ident, user_at};
pub use super::ends::EndCode;
pub use super::stage::{is_split, keyed_table};
pub use super::steps::meet_call;
pub use super::Codegen;
use crate::ir::{NodeId, Op};
use proc_macro2::{Span, TokenStream};
use syn::Ident;

/// How an operator becomes code.
#[derive(Clone, Copy)]
pub enum Emit {
    /// A source: the expression that builds it, when the job is built.
    Source(fn(&mut Codegen, &Op, &SourceCx) -> TokenStream),
    /// Record by record, nested in a stage's loop.
    Record(fn(&mut Codegen, &Op, &RecordCx) -> TokenStream),
    /// The end of a stage: a shuffle's map side and exchange, a reshape, or an output.
    StageEnd(fn(&mut Codegen, &Op, &EndCx) -> EndCode),
    /// A state store updated from its input; the hook makes the step's value.
    State(fn(&mut Codegen, &Op, &StateCx) -> TokenStream),
    /// Two streams' values of the same batch; the hook makes the step's value.
    Binary(fn(&mut Codegen, &Op, &BinaryCx) -> TokenStream),
    /// A step built by `codegen/steps.rs` alone (`union`, the windows).
    Step,
    /// None: a composite, rewritten by its `lower` hook before codegen.
    Lowered,
}

impl std::fmt::Debug for Emit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Emit::Source(_) => "Source",
            Emit::Record(_) => "Record",
            Emit::StageEnd(_) => "StageEnd",
            Emit::State(_) => "State",
            Emit::Binary(_) => "Binary",
            Emit::Step => "Step",
            Emit::Lowered => "Lowered",
        })
    }
}

/// What a source's hook works with.
pub struct SourceCx {
    /// The operator's token, as `user_at` makes it.
    pub span: Span,
    /// The crate's private path at `span`.
    pub dp: TokenStream,
}

/// What a record hook works with.
pub struct RecordCx<'a> {
    /// The operator's token, as `user_at` makes it.
    pub span: Span,
    /// The crate's private path at `span`.
    pub dp: TokenStream,
    /// The record reaching the operator.
    pub record: Ident,
    /// A fresh variable for the record it hands on (if it makes a new one).
    pub next: Ident,
    pub(super) rest: &'a [NodeId],
    pub(super) last: &'a Ident,
    pub(super) consume: &'a TokenStream,
}

impl Codegen<'_> {
    /// The operators after this one in the stage, around the stage's end, reading `record`.
    pub fn inner(&mut self, cx: &RecordCx, record: Ident) -> TokenStream {
        self.chain(cx.rest, record, cx.last, cx.consume)
    }
}

/// What a stage end's hook works with; every name is at the operator's token.
pub struct EndCx {
    pub span: Span,
    /// The crate's private path at `span`.
    pub dp: TokenStream,
    /// The per-partition sink the loop feeds.
    pub sink: Ident,
    /// The executor and the batch's context.
    pub exec: Ident,
    pub ctx: Ident,
    /// The record reaching the end, in the loop.
    pub last: Ident,
    /// The stage's per-partition results, after the loop.
    pub out: Ident,
    /// The next stage's partitions, which `after` binds (unless it is an output).
    pub next_parts: Ident,
    /// The capacity [`EndCx::collect`] gives each partition's `Vec` (an expression).
    pub capacity: TokenStream,
}

impl EndCx {
    /// A stage end that collects each partition's records into a `Vec`, then runs `after`.
    pub fn collect(&self, after: TokenStream) -> EndCode {
        let (span, sink, last, capacity) = (self.span, &self.sink, &self.last, &self.capacity);
        EndCode {
            init: quote::quote_spanned!(span=> let mut #sink = ::std::vec::Vec::with_capacity(#capacity);),
            consume: quote::quote_spanned!(span=> #sink.push(#last);),
            finish: quote::quote_spanned!(span=> #sink),
            after,
            breaks_early: false,
        }
    }
}

/// What a state hook works with; every name is at the operator's token.
pub struct StateCx {
    pub span: Span,
    /// The crate's private path at `span`.
    pub dp: TokenStream,
    pub ctx: Ident,
    pub exec: Ident,
    /// The stateful node and its input.
    pub node: NodeId,
    pub input: NodeId,
}

/// A state store's initial contents: the `initial` argument, else empty.
pub fn initial_state(initial: &Option<syn::Expr>) -> TokenStream {
    match initial {
        Some(expr) => quote::quote!(#expr),
        None => quote::quote!(::std::vec::Vec::new()),
    }
}

/// What a hook over two streams works with; names are at the operator's token unless said.
pub struct BinaryCx {
    pub span: Span,
    /// The crate's private path at `span`.
    pub dp: TokenStream,
    pub ctx: Ident,
    pub exec: Ident,
    /// This stream's value, and the variable to bind it to.
    pub left: TokenStream,
    pub left_var: Ident,
    /// The other stream's value, at `branch`, and its variable (unspanned).
    pub right: TokenStream,
    pub right_var: Ident,
    /// Where the other stream is named (a mismatch of the two is reported there).
    pub branch: Span,
    /// Whether the step's value is read once, by a fused stage's loop: its partitions may then
    /// be anything that iterates its records (a join probes as the loop reads).
    pub read_by_loop: bool,
}

/// A key checked for `Hash` and `Eq` by a method call, `Key(key).__dstream_checked()`, at
/// `span` (the keyed operator). Without them the call fails to resolve, which is one error
/// on the operator naming the key's type, the missing traits and
/// `dstream::requirements::Key`; the key's type is then unknown to the rest of the code, so
/// the table, exchange and state functions report nothing more.
pub fn checked_key(dp: &TokenStream, key: &impl quote::ToTokens, span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> #dp::requirements::Key(#key).__dstream_checked())
}

/// `let value = requirements::check(value);` at `span`, the operator that makes `value`'s
/// records cross between the processes of a cluster: `check` is `crossing_records`,
/// `crossing_tables` or `crossing_state` (see `dstream::requirements::ClusterRecord`).
/// Placed before the runtime call that moves them, on the same token, so that a record type
/// without serde is one error naming the check, and the runtime's own bound is not reported.
pub fn crossing(dp: &TokenStream, check: &str, value: &Ident, span: proc_macro2::Span) -> TokenStream {
    let check = Ident::new(check, span);
    quote::quote_spanned!(span=> let #value = #dp::requirements::#check(#value);)
}

/// A user's function of the whole batch (`transform`'s, `transform_with`'s), as the closure
/// [`Codegen::required_fn`] makes of it (`(args, call)` from [`Codegen::required_call`]),
/// whose records the driver sends back to the partitions: what it returns passes through
/// `requirements::crossing_output` at `span`, the operator, where the runtime's own bound on
/// them is reported (see [`crossing`]).
pub fn crossing_output(dp: &TokenStream, (args, call): (Vec<Ident>, TokenStream), span: Span) -> TokenStream {
    let produced = respan_ident(&mixed("__dstream_produced"), span);
    quote::quote_spanned!(span=> |#(#args),*| {
        let #produced = #call;
        #dp::requirements::crossing_output(#produced)
    })
}

/// A record a user's function made, checked to be `Send` by a method call (see
/// [`checked_key`] and `dstream::requirements::Record`), at `span`.
pub fn checked_record(dp: &TokenStream, record: TokenStream, span: proc_macro2::Span) -> TokenStream {
    quote::quote_spanned!(span=> #dp::requirements::Record(#record).__dstream_checked())
}
