//! The operator table: one module per operator (`defs/<name>.rs`) with its entry: name,
//! parameters, summary, runnable example, and the function that turns its checked arguments
//! into a typed [`Op`](crate::ir::Op). This module holds the table's types and how arguments
//! bind to parameters.

pub mod bind;
#[cfg(test)]
mod completeness;
mod defs;
pub mod pages;

pub use defs::OPERATORS;

pub use crate::codegen::hooks::Emit;
use crate::ir::{Dur, DurValue, Reducer, WindowSpec};
use crate::parse::{Arg, ShorthandOp};

/// What an operator does to the stream, which decides where the plan cuts stages and how
/// codegen builds it (its [`Emit`] hook is of the matching kind; `completeness.rs` checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Starts a pipeline.
    Source,
    /// Record by record; fuses into the surrounding loop.
    Narrow,
    /// Needs all records of a key (or of the batch) together: the plan cuts a stage here.
    Shuffle,
    /// Ends a pipeline and does something with each batch.
    Output,
    /// Concatenates the partitions of several streams.
    Union,
    /// Keeps batches between slide times: a window, or a per-batch operator over one.
    Window,
    /// Keeps state per key across batches.
    State,
    /// Reshapes a batch's partitions: needs all of a partition (or the batch) at once.
    Reshape,
    /// Combines two streams' batches of the same time.
    Binary,
}

/// The joins (`Op::Join`'s data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Join,
    LeftOuterJoin,
    RightOuterJoin,
    FullOuterJoin,
    Cogroup,
}

/// The record-by-record operators (`Op::Narrow`'s data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NarrowOp {
    Map,
    FlatMap,
    Filter,
    MapValues,
    FlatMapValues,
}

/// What an argument may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Any Rust expression (evaluated once when the job is built).
    Value,
    /// A function: a closure or a path such as `split`.
    Function,
    /// A function of two values, or a shorthand: `+`, `*`, `min`, `max`.
    Reducer,
    /// A number of partitions or records (a `usize` expression).
    Count,
    /// The name of a stream defined with `let`.
    Stream,
    /// A duration literal such as `10s`.
    Duration,
}

/// One parameter of an operator.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// An operator of the language.
#[derive(Debug)]
pub struct OpSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub args: &'static [ArgSpec],
    /// Whether the last parameter repeats (`union(a, b, c)`).
    pub variadic: bool,
    /// What the operator does, one line (used in messages and `explain`).
    pub summary: &'static str,
    /// A complete program using it (the statements inside `stream! { .. }`); compiled, and its
    /// plan snapshotted, by the table's completeness test.
    #[cfg_attr(not(test), allow(dead_code))]
    pub example: &'static str,
    /// Its checked arguments as a typed operator.
    pub build: Build,
    /// How it becomes code, by kind (see `codegen::hooks`).
    pub emit: Emit,
    /// For a composite: the operators it is made of (see `lower`).
    pub lower: Option<Lower>,
    /// Its page of the language reference (`dstream::operators::<name>`).
    pub page: &'static Page,
}

/// An operator's page of the language reference: `pages.rs` makes it the `dstream` crate's
/// module `operators::<name>` and a row of the operators' overview, so that the page lives
/// next to the code it describes.
#[derive(Debug)]
pub struct Page {
    /// The Spark Streaming operation it corresponds to, for the overview (`none` if none).
    pub spark: &'static str,
    /// What each of its output batches holds, for the overview.
    pub output: &'static str,
    /// The page in Markdown: `signature`: what it does, its Spark counterpart, its exact
    /// semantics and an example that runs as a doctest. A fence written `` ```[feature] `` or
    /// `` ```compile_fail[feature] `` runs only with that feature of `dstream` (else it is
    /// `ignore`d).
    pub text: &'static str,
}

impl Page {
    /// No page yet (which `completeness.rs` reports).
    pub const NONE: Page = Page { spark: "", output: "", text: "" };
}

/// How a composite's typed operator (at the span of its name) is rewritten into the operators
/// it is made of, first to last, each with its entry; `None` to keep it as it is.
pub type Lower = fn(&crate::ir::Op, proc_macro2::Span) -> Option<Vec<(&'static OpSpec, crate::ir::Op)>>;

/// How an operator's arguments become a typed [`Op`](crate::ir::Op). Runs only on a node
/// whose arity and argument kinds were checked; `None` means an argument it needs is missing
/// (which `check` has then reported).
pub type Build = fn(&BoundArgs) -> Option<crate::ir::Op>;

/// `e` without braces around it when it is `{ expr }` (one expression, no statements or
/// attributes), else `e`.
fn unbraced(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => match b.block.stmts.as_slice() {
            [syn::Stmt::Expr(inner, None)] => inner,
            _ => e,
        },
        _ => e,
    }
}

/// An operator's arguments by parameter name, read in their roles.
pub struct BoundArgs<'a> {
    spec: &'static OpSpec,
    args: Vec<(usize, &'a Arg)>,
}

impl<'a> BoundArgs<'a> {
    /// Binds `args` to the parameters of `spec`.
    pub fn new(spec: &'static OpSpec, args: &'a [Arg]) -> BoundArgs<'a> {
        let args = spec.bind(args).into_iter().zip(args).filter_map(|(p, a)| Some((p?, a))).collect();
        BoundArgs { spec, args }
    }

    /// The argument bound to the parameter called `name`, if written (and not left out
    /// with `_`).
    pub fn get(&self, name: &str) -> Option<&'a Arg> {
        let index = self.spec.args.iter().position(|p| p.name == name)?;
        self.args.iter().find(|(p, _)| *p == index).map(|(_, a)| *a).filter(|a| !bind::is_omitted(a))
    }

    /// An expression argument (a value or a function). Braces around a lone expression are
    /// dropped (`{inverse}` where a function stands is `inverse`), so that rustc does not
    /// warn about braces the language let the user write.
    pub fn expr(&self, name: &str) -> Option<syn::Expr> {
        match self.get(name)? {
            Arg::Expr(e) => Some(unbraced(e).clone()),
            _ => None,
        }
    }

    /// An optional expression argument.
    pub fn opt_expr(&self, name: &str) -> Option<syn::Expr> {
        self.expr(name)
    }

    /// A reducer: a shorthand, `min`/`max`, or any function expression.
    pub fn reducer(&self, name: &str) -> Option<Reducer> {
        Some(match self.get(name)? {
            Arg::Shorthand(ShorthandOp::Plus, span) => Reducer::Plus(*span),
            Arg::Shorthand(ShorthandOp::Times, span) => Reducer::Times(*span),
            Arg::Shorthand(ShorthandOp::Minus, span) => Reducer::Minus(*span),
            Arg::Expr(e) => match unbraced(e) {
                syn::Expr::Path(p) if p.path.is_ident("min") || p.path.is_ident("max") => {
                    Reducer::MinMax(p.path.get_ident()?.clone())
                }
                e => Reducer::Func(e.clone()),
            },
            Arg::Duration(_) => return None,
        })
    }

    /// An optional reducer.
    pub fn opt_reducer(&self, name: &str) -> Option<Reducer> {
        self.reducer(name)
    }

    /// A duration: a literal (in milliseconds) or `{expr}`.
    pub fn duration(&self, name: &str) -> Option<Dur> {
        match self.get(name)? {
            Arg::Duration(d) => {
                Some(Dur { value: DurValue::Millis(crate::check::duration_millis(d).ok()?), span: d.span })
            }
            Arg::Expr(e @ syn::Expr::Block(b)) => {
                Some(Dur { value: DurValue::Runtime(e.clone()), span: b.block.brace_token.span.join() })
            }
            _ => None,
        }
    }

    /// The call of the connector constructor `function` with every parameter's argument, in
    /// the table's order; `None` when a required one is missing (which `check` reported).
    pub fn call(&self, function: &'static str) -> Option<crate::ir::Call> {
        let mut args = Vec::with_capacity(self.spec.args.len());
        for param in self.spec.args {
            let arg = self.expr(param.name);
            args.push(if param.required {
                crate::ir::CallArg::Given(arg?)
            } else {
                crate::ir::CallArg::Optional(arg)
            });
        }
        Some(crate::ir::Call { function, args })
    }

    /// An optional duration.
    pub fn opt_duration(&self, name: &str) -> Option<Dur> {
        self.duration(name)
    }

    /// A window's `length` and optional `slide`.
    pub fn window(&self) -> Option<WindowSpec> {
        Some(WindowSpec { length: self.duration("length")?, slide: self.opt_duration("slide") })
    }
}

impl OpSpec {
    /// How many arguments it takes: (required, at most).
    pub fn arity(&self) -> (usize, usize) {
        let max = if self.variadic { usize::MAX } else { self.args.len() };
        (self.args.iter().filter(|a| a.required).count(), max)
    }

    /// The kind of the `index`-th argument (a variadic parameter covers the rest).
    pub fn arg_kind(&self, index: usize) -> Option<ArgKind> {
        match self.args.get(index) {
            Some(a) => Some(a.kind),
            None if self.variadic => self.args.last().map(|a| a.kind),
            None => None,
        }
    }

    /// Whether it is an output operation.
    pub fn is_output(&self) -> bool {
        matches!(self.kind, Kind::Output)
    }

    /// Whether it is a source.
    pub fn is_source(&self) -> bool {
        matches!(self.kind, Kind::Source)
    }

    /// The parameter list as a user would write it: `reduce_by_key(func, [partitions])`.
    pub fn signature(&self) -> String {
        let params: Vec<String> = self
            .args
            .iter()
            .map(|a| if a.required { a.name.to_string() } else { format!("[{}]", a.name) })
            .chain(self.variadic.then(|| "...".to_string()))
            .collect();
        if params.is_empty() {
            self.name.to_string()
        } else {
            format!("{}({})", self.name, params.join(", "))
        }
    }
}

/// The operator called `name`.
pub fn lookup(name: &str) -> Option<&'static OpSpec> {
    OPERATORS.iter().copied().find(|op| op.name == name)
}

/// The operator name closest to a misspelt `name`, if one is close enough to suggest.
pub fn suggest(name: &str) -> Option<&'static str> {
    OPERATORS
        .iter()
        .map(|op| (edit_distance(name, op.name), op.name))
        .filter(|(d, candidate)| *d <= (candidate.len() / 3).max(2))
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two strings.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != *cb);
            cur.push(substitution.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, op) in OPERATORS.iter().enumerate() {
            assert!(OPERATORS[i + 1..].iter().all(|o| o.name != op.name), "{} twice", op.name);
        }
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("reduce_by_kye"), Some("reduce_by_key"));
        assert_eq!(suggest("flatmap"), Some("flat_map"));
        assert_eq!(suggest("prnt"), Some("print"));
        assert_eq!(suggest("completely_different"), None);
    }

    #[test]
    fn signatures_show_optional_arguments() {
        assert_eq!(lookup("reduce_by_key").unwrap().signature(), "reduce_by_key(func, [partitions])");
        assert_eq!(lookup("count").unwrap().signature(), "count");
        assert_eq!(lookup("reduce_by_key").unwrap().arity(), (1, 2));
    }
}
