//! The typed, checked program: what `check` hands to `lower`, `plan` and `codegen`.
//!
//! Every operator is an [`Op`] with its arguments already parsed into their roles:
//! durations as milliseconds with the span of the literal, functions and values as
//! `syn::Expr`, reducers as [`Reducer`]. Composite operators (`reduce_by_key_and_window`,
//! `count_by_window`, ...) appear here as the user wrote them until `lower` rewrites them
//! into the operators they are made of; `plan` and `codegen` never see them. Every node also
//! carries its table entry ([`Node::spec`]), whose kind decides where the plan cuts stages and
//! whose hook codegen calls.

use crate::ops::{BinaryOp, Kind, NarrowOp, OpSpec};
use proc_macro2::Span;
use syn::Ident;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;

/// A function argument: a closure, a path such as `split`, or any expression.
pub type Func = syn::Expr;

/// A value argument: any expression, evaluated once when the job is built.
pub type Value = syn::Expr;

/// A duration as written: a literal (known at compile time) or `{expr}` (a
/// `std::time::Duration` computed when the job is built, checked when it starts).
#[derive(Debug, Clone)]
pub struct Dur {
    pub value: DurValue,
    /// The literal or the braces the user wrote.
    pub span: Span,
}

/// The value of a [`Dur`].
#[derive(Debug, Clone)]
pub enum DurValue {
    /// A literal, in milliseconds (positive: `check` refused zero).
    Millis(u64),
    /// A `{expr}` duration, known only when the program runs.
    Runtime(syn::Expr),
}

impl Dur {
    /// The value in milliseconds when it is a literal.
    pub fn millis(&self) -> Option<u64> {
        match self.value {
            DurValue::Millis(ms) => Some(ms),
            DurValue::Runtime(_) => None,
        }
    }
}

/// A window's length and, if written, its slide (else the input stream's slide).
#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub length: Dur,
    pub slide: Option<Dur>,
}

/// A function of two values: a shorthand or a Rust expression.
#[derive(Debug, Clone)]
pub enum Reducer {
    Plus(Span),
    Times(Span),
    Minus(Span),
    /// `min` or `max`: the identifier as written.
    MinMax(Ident),
    /// Concatenation of two `Vec`s (only made by lowering `group_by_key_and_window`).
    Concat(Span),
    Func(Func),
}

/// Sources, with their arguments. (Compile-time data: variant sizes do not matter.)
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Source {
    Socket {
        host: Value,
        port: Value,
        config: Option<Value>,
    },
    Queue(Value),
    TextFiles(Value),
    Custom(Value),
    /// A connector's source (`kafka(..)`, `nats(..)`): its constructor's call.
    Connector(Call),
}

/// A connector's constructor call: `connectors::function(args)` in `dstream-core`, evaluated
/// once when the job is built.
#[derive(Debug, Clone)]
pub struct Call {
    /// The constructor's name: the operator's name.
    pub function: &'static str,
    /// One per parameter of the operator, in order.
    pub args: Vec<CallArg>,
}

/// An argument of a [`Call`].
#[derive(Debug, Clone)]
pub enum CallArg {
    /// A required parameter's argument, passed as written.
    Given(Value),
    /// An optional parameter's argument: passed as `Some(arg)`, or `None` when not written.
    Optional(Option<Value>),
}

/// What an `output` writes to.
#[derive(Debug, Clone)]
pub enum Target {
    /// `output(sink)`: a value implementing `dstream::sink::Sink`.
    Value(Value),
    /// A connector's output (`to_sql(..)`, `to_kafka(..)`): its constructor's call.
    Connector(Call),
}

/// Every operator of the language with its arguments in their roles.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Op {
    Source(Source),
    Narrow(NarrowOp, Func),
    Union,
    TransformWith(Func),
    /// `join`, the outer joins and `cogroup`, with an optional partition count.
    Join(BinaryOp, Option<Value>),
    CombineByKey {
        create: Func,
        merge_value: Func,
        merge_combiners: Func,
        partitions: Option<Value>,
    },
    ReduceByKey(Reducer, Option<Value>),
    GroupByKey(Option<Value>),
    CountByValue(Option<Value>),
    Count,
    Reduce(Reducer),
    Window(WindowSpec),
    /// The incremental per-key window of `reduce_by_key_and_window(f, inverse, ..)`, over
    /// per-batch `reduce_by_key` results (made by `lower`).
    IncrementalWindow {
        func: Reducer,
        inverse: Reducer,
        window: WindowSpec,
        filter: Option<Func>,
    },
    /// Composite, as written; `lower` rewrites it.
    ReduceByKeyAndWindow {
        func: Reducer,
        inverse: Option<Reducer>,
        window: WindowSpec,
        filter: Option<Func>,
    },
    /// Composite, as written; `lower` rewrites it.
    ReduceByWindow {
        func: Reducer,
        inverse: Option<Reducer>,
        window: WindowSpec,
    },
    /// Composite, as written; `lower` rewrites it.
    CountByWindow(WindowSpec),
    /// Composite, as written; `lower` rewrites it.
    CountByValueAndWindow(WindowSpec),
    /// Composite, as written; `lower` rewrites it.
    GroupByKeyAndWindow(WindowSpec),
    /// `func` takes `(time, key, values, state)` when `with_time_and_key`, else `(values, state)`.
    UpdateStateByKey {
        func: Func,
        initial: Option<Value>,
        with_time_and_key: bool,
    },
    MapWithState {
        func: Func,
        initial: Option<Value>,
        timeout: Option<Dur>,
    },
    StateSnapshots,
    /// `output(sink)` and the connectors' outputs.
    Output(Target),
    /// An operator whose arguments only its own module reads, as a value of the module's own
    /// type. A new operator takes this, so adding one adds no variant here: a variant of its
    /// own is for what the shared phases inspect (`plan`, `codegen`'s steps, `explain`,
    /// `lower`) or what several modules build.
    Own(OwnArgs),
}

/// An operator's typed arguments as its module defines them (any `Debug` type), read back by
/// its hooks with [`OwnArgs::get`]; with its window, if it has one, for Spark's window rules.
#[derive(Clone)]
pub struct OwnArgs {
    args: std::rc::Rc<dyn OwnData>,
    window: Option<WindowSpec>,
}

/// What [`OwnArgs`] holds: any `Debug` type.
trait OwnData: std::fmt::Debug {
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any + std::fmt::Debug> OwnData for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl OwnArgs {
    /// `args`, typed as its module defines them.
    pub fn new<T: std::any::Any + std::fmt::Debug>(args: T) -> OwnArgs {
        OwnArgs { args: std::rc::Rc::new(args), window: None }
    }

    /// The arguments of a window operator, whose `window` then follows Spark's window rules
    /// (through [`Op::window`]).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn windowed(self, window: WindowSpec) -> OwnArgs {
        OwnArgs { window: Some(window), ..self }
    }

    /// The arguments, if they are of type `T` (they are, when the module that made them reads
    /// them).
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        // (`*`: the `Rc` itself is `Any` too.)
        (*self.args).as_any().downcast_ref()
    }
}

impl std::fmt::Debug for OwnArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (*self.args).fmt(f)
    }
}

impl Op {
    /// The operator whose arguments are `args`, of its module's own type.
    pub fn own<T: std::any::Any + std::fmt::Debug>(args: T) -> Op {
        Op::Own(OwnArgs::new(args))
    }

    /// The arguments of an operator made by [`Op::own`], if they are of type `T`.
    pub fn own_args<T: std::any::Any>(&self) -> Option<&T> {
        match self {
            Op::Own(args) => args.get(),
            _ => None,
        }
    }

    /// The window of a window operator (composite or not).
    pub fn window(&self) -> Option<&WindowSpec> {
        match self {
            Op::Window(w)
            | Op::IncrementalWindow { window: w, .. }
            | Op::ReduceByKeyAndWindow { window: w, .. }
            | Op::ReduceByWindow { window: w, .. }
            | Op::CountByWindow(w)
            | Op::CountByValueAndWindow(w)
            | Op::GroupByKeyAndWindow(w) => Some(w),
            Op::Own(args) => args.window.as_ref(),
            _ => None,
        }
    }
}

/// One checked operator application.
#[derive(Debug, Clone)]
pub struct Node {
    pub op: Op,
    /// Its entry in the operator table (for a lowered node: the lowered operator's; for the
    /// incremental window, the composite's).
    pub spec: &'static OpSpec,
    /// The operator's name token (for a lowered node: the lowered operator's name at the
    /// composite's span).
    pub name: Ident,
    /// The stream before `|>`, if any.
    pub input: Option<NodeId>,
    /// Further input streams named as arguments, as in `union(b, c)`, with the tokens that
    /// name them.
    pub others: Vec<NodeId>,
    pub other_names: Vec<Ident>,
    pub consumers: Vec<NodeId>,
    /// The node the user wrote that this one comes from: itself, or the composite it was
    /// lowered from. Gives stateful operators ids that follow the program text.
    pub origin: NodeId,
    /// The operator's name as the user wrote it (a composite's, for its lowered nodes).
    pub written: String,
}

impl Node {
    /// What the operator does to the stream, which decides where the plan cuts stages.
    pub fn kind(&self) -> Kind {
        self.spec.kind
    }

    /// Whether it keeps data across batches (a window or a state store), and so needs the
    /// batch interval.
    pub fn is_stateful(&self) -> bool {
        matches!(self.kind(), Kind::Window | Kind::State)
    }
}

/// How stages run: fused (one loop per stage, the default) or unfused (a materialised
/// collection after every operator, for measuring what fusion buys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Fused,
    Unfused,
}

/// `#![checkpoint(dir[, interval])]`.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub dir: syn::Expr,
    pub interval: Option<Dur>,
}

/// The checked program.
#[derive(Debug, Clone)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// The last node of every statement, in the order written, and whether it is a `let`.
    pub statement_ends: Vec<(NodeId, bool)>,
    /// The batch interval from `every`.
    pub interval: Dur,
    pub mode: Mode,
    pub checkpoint: Option<Checkpoint>,
    /// The path of the `dstream` crate's private module, `::dstream::__private` unless the
    /// program sets `#![crate = path]`.
    pub private: proc_macro2::TokenStream,
}

impl Graph {
    /// Node ids with every node after its inputs (lowering appends nodes that earlier nodes
    /// read, so id order is not enough).
    pub fn topological_order(&self) -> Vec<NodeId> {
        fn visit(graph: &Graph, id: NodeId, seen: &mut [bool], order: &mut Vec<NodeId>) {
            if std::mem::replace(&mut seen[id], true) {
                return;
            }
            let node = &graph.nodes[id];
            for &input in node.input.iter().chain(&node.others) {
                visit(graph, input, seen, order);
            }
            order.push(id);
        }
        let mut seen = vec![false; self.nodes.len()];
        let mut order = Vec::with_capacity(self.nodes.len());
        for id in 0..self.nodes.len() {
            visit(self, id, &mut seen, &mut order);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_arguments_are_read_back_as_their_type_only() {
        #[derive(Debug, PartialEq)]
        struct Args(u32);
        let op = Op::own(Args(7));
        assert_eq!(op.own_args::<Args>(), Some(&Args(7)));
        assert_eq!(op.own_args::<u32>(), None);
        assert_eq!(op.clone().own_args::<Args>(), Some(&Args(7)));
        assert_eq!(format!("{op:?}"), "Own(Args(7))");
        assert_eq!(Op::Count.own_args::<Args>(), None);
        assert!(op.window().is_none());
        let length = Dur { value: DurValue::Millis(2000), span: Span::call_site() };
        let windowed = Op::Own(OwnArgs::new(Args(7)).windowed(WindowSpec { length, slide: None }));
        assert_eq!(windowed.window().and_then(|w| w.length.millis()), Some(2000));
        assert_eq!(windowed.own_args::<Args>(), Some(&Args(7)));
    }
}
