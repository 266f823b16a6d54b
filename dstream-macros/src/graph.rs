//! Phase 2, graph: the syntax tree lowered to operator nodes with their inputs, `let` names
//! resolved, the batch interval clauses gathered.

use crate::diag::Diagnostics;
use crate::ops::{self, OpSpec};
use crate::parse::{Arg, DurationLit, Every, Program, ShorthandOp};
use proc_macro2::Span;
use syn::Ident;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;

/// One operator application.
#[derive(Debug)]
pub struct Node {
    pub name: Ident,
    /// `None` for an unknown operator (already reported).
    pub spec: Option<&'static OpSpec>,
    pub args: Vec<Arg>,
    /// The span of the parentheses, when written.
    pub args_span: Option<Span>,
    /// The stream before `|>`, if any.
    pub input: Option<NodeId>,
    /// Further input streams named as arguments, as in `union(b, c)`.
    pub others: Vec<NodeId>,
    pub consumers: Vec<NodeId>,
    /// The node the user wrote that this one comes from: itself, or the composite operator
    /// it was expanded from. Gives stateful operators ids that follow the program text.
    pub origin: NodeId,
    /// For a composite operator rewritten by `expand_composites`, the name it was written as.
    pub written: Option<String>,
}

impl Node {
    /// The operator's name as the user wrote it (composites keep theirs in `written`).
    pub fn written_name(&self) -> String {
        self.written.clone().unwrap_or_else(|| self.name.to_string())
    }

    /// The argument bound to the parameter called `name`, if written.
    pub fn param(&self, name: &str) -> Option<&Arg> {
        let spec = self.spec?;
        let index = spec.args.iter().position(|p| p.name == name)?;
        spec.bind(&self.args)
            .into_iter()
            .zip(&self.args)
            .find(|(bound, _)| *bound == Some(index))
            .map(|(_, a)| a)
    }

    /// Where to report a problem with the arguments.
    pub fn args_or_name_span(&self) -> Span {
        self.args_span.unwrap_or_else(|| self.name.span())
    }
}

/// A named stream from `let name = ...`.
#[derive(Debug)]
pub struct Let {
    pub name: Ident,
    pub node: NodeId,
    pub uses: usize,
}

/// The program as operator nodes.
#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    /// The last node of every statement, in the order written.
    pub statement_ends: Vec<(NodeId, bool)>,
    pub lets: Vec<Let>,
    /// Every `every` clause, in the order written.
    pub every: Vec<(Span, DurationLit)>,
    /// The program's settings (`#![unfused]`), checked by `validate`.
    pub settings: Vec<syn::Attribute>,
}

/// Lowers the parsed program, reporting undefined and duplicate stream names.
pub fn lower(program: Program, diag: &mut Diagnostics) -> Graph {
    let mut graph = Graph { settings: program.settings, ..Graph::default() };
    for stmt in program.stmts {
        let mut previous: Option<NodeId> = None;
        // Set when the pipeline starts from an undefined name: the rest of it is not lowered
        // (its operators would be reported as "not a source").
        let mut undefined_start = false;
        for (position, call) in stmt.pipeline.ops.into_iter().enumerate() {
            if let Some(Every { keyword, duration }) = call.every {
                graph.every.push((keyword, duration));
            }
            if undefined_start {
                continue;
            }
            let name = call.name.to_string();
            if position == 0 && call.args.is_none() && ops::lookup(&name).is_none() {
                // A pipeline that starts from a named stream.
                let found = match graph.lets.iter().position(|l| l.name == call.name) {
                    Some(i) => Some(i),
                    // A misspelt name: suggest the closest stream and carry on from it, so that
                    // it is not also reported as never used.
                    None => {
                        let close = closest_stream(&graph.lets, &name);
                        let message = match close {
                            Some(i) => format!("no stream named `{name}`: did you mean `{}`?", graph.lets[i].name),
                            None => format!("no stream named `{name}` is defined before this point: define it first with `let {name} = ...;`"),
                        };
                        diag.error(call.name.span(), message);
                        close
                    }
                };
                match found {
                    Some(i) => {
                        graph.lets[i].uses += 1;
                        previous = Some(graph.lets[i].node);
                    }
                    None => undefined_start = true,
                }
                continue;
            }
            let id = graph.nodes.len();
            if let Some(input) = previous {
                graph.nodes[input].consumers.push(id);
            }
            let (args_span, args) = match call.args {
                Some(a) => (Some(a.span), a.items),
                None => (None, Vec::new()),
            };
            let spec = ops::lookup(&name);
            let others = stream_arguments(&mut graph, spec, &args, id, diag);
            graph.nodes.push(Node {
                spec,
                name: call.name,
                args,
                args_span,
                input: previous,
                others,
                consumers: Vec::new(),
                origin: id,
                written: None,
            });
            previous = Some(id);
        }
        let Some(end) = previous else { continue };
        match stmt.binding {
            Some(name) => {
                if let Some(earlier) = graph.lets.iter().find(|l| l.name == name) {
                    diag.error(name.span(), format!("the stream `{}` is already defined", earlier.name));
                }
                graph.lets.push(Let { name, node: end, uses: 0 });
                graph.statement_ends.push((end, true));
            }
            None => graph.statement_ends.push((end, false)),
        }
    }
    graph
}

/// The `let` stream whose name is closest to a misspelt `name`, if one is close enough.
fn closest_stream(lets: &[Let], name: &str) -> Option<usize> {
    lets.iter()
        .enumerate()
        .map(|(i, l)| {
            let candidate = l.name.to_string();
            (ops::edit_distance(name, &candidate), candidate.len(), i)
        })
        .filter(|&(d, len, _)| d <= (len / 3).max(2))
        .min()
        .map(|(_, _, i)| i)
}

/// Resolves the arguments that name streams (`union(b, c)`) to their nodes, and records
/// node `id` as their consumer.
fn stream_arguments(
    graph: &mut Graph,
    spec: Option<&'static OpSpec>,
    args: &[Arg],
    id: NodeId,
    diag: &mut Diagnostics,
) -> Vec<NodeId> {
    let Some(spec) = spec else { return Vec::new() };
    let mut others = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if spec.arg_kind(i) != Some(ops::ArgKind::Stream) {
            continue;
        }
        let named = match arg {
            Arg::Expr(syn::Expr::Path(p)) => p.path.get_ident().cloned(),
            _ => None,
        };
        let Some(name) = named else {
            let span = match arg {
                Arg::Expr(e) => syn::spanned::Spanned::span(e),
                Arg::Duration(d) => d.span,
                Arg::Shorthand(_, span) => *span,
            };
            diag.error(span, format!("`{}` takes the name of a stream defined with `let`", spec.name));
            continue;
        };
        match graph.lets.iter_mut().find(|l| l.name == name) {
            Some(stream) => {
                stream.uses += 1;
                others.push(stream.node);
                graph.nodes[stream.node].consumers.push(id);
            }
            None => diag.error(
                name.span(),
                format!("no stream named `{name}` is defined before this point: define it first with `let {name} = ...;`"),
            ),
        }
    }
    others
}

/// Rewrites each composite window operator into the operators it is made of, in place, so
/// later phases only see `window` and per-batch operators: `reduce_by_key_and_window(f, W, S)`
/// becomes `reduce_by_key(f) |> window(W, S) |> reduce_by_key(f)` (Spark's naive form), and
/// likewise for the others. The new nodes carry the composite's span.
pub fn expand_composites(graph: &mut Graph) {
    use ops::{Kind, StateOp, WindowOp};
    for id in 0..graph.nodes.len() {
        if graph.nodes[id].spec.map(|s| s.kind) == Some(Kind::State(StateOp::UpdateStateByKey)) {
            insert_before(graph, id, "group_by_key", Vec::new());
            continue;
        }
        let incremental = graph.nodes[id].param("inverse").is_some();
        if graph.nodes[id].spec.map(|s| s.kind) == Some(Kind::Window(WindowOp::ReduceByKeyAndWindow))
            && incremental
        {
            // The incremental form keeps its own per-key window state over per-batch reductions.
            let func = graph.nodes[id].param("func").cloned().into_iter().collect();
            insert_before(graph, id, "reduce_by_key", func);
            continue;
        }
        let Some(Kind::Window(op)) = graph.nodes[id].spec.map(|s| s.kind) else { continue };
        let node = &graph.nodes[id];
        let span = node.name.span();
        let functions: Vec<Arg> = node.param("func").cloned().into_iter().collect();
        let durations: Vec<Arg> =
            node.args.iter().filter(|a| matches!(a, Arg::Duration(_))).cloned().collect();
        let plus = || vec![Arg::Shorthand(ShorthandOp::Plus, span)];
        let concat = || vec![Arg::Expr(syn::parse_quote_spanned!(span=> ::dstream::__private::ops::concat))];
        let ((before, before_args), (after, after_args)) = match op {
            WindowOp::Window => continue,
            WindowOp::ReduceByKeyAndWindow => {
                (("reduce_by_key", functions.clone()), ("reduce_by_key", functions))
            }
            WindowOp::ReduceByWindow => (("reduce", functions.clone()), ("reduce", functions)),
            WindowOp::CountByWindow => (("count", vec![]), ("reduce", plus())),
            WindowOp::CountByValueAndWindow => (("count_by_value", vec![]), ("reduce_by_key", plus())),
            WindowOp::GroupByKeyAndWindow => (("group_by_key", vec![]), ("reduce_by_key", concat())),
        };
        let input = node.input;
        let (first, window) = (graph.nodes.len(), graph.nodes.len() + 1);
        let make = |name: &str, args: Vec<Arg>, input: Option<NodeId>, consumers: Vec<NodeId>| Node {
            name: Ident::new(name, span),
            spec: ops::lookup(name),
            args,
            args_span: None,
            input,
            others: Vec::new(),
            consumers,
            origin: id,
            written: None,
        };
        if let Some(parent) = input {
            for consumer in &mut graph.nodes[parent].consumers {
                if *consumer == id {
                    *consumer = first;
                }
            }
        }
        let pre = make(before, before_args, input, vec![window]);
        let win = make("window", durations, Some(first), vec![id]);
        graph.nodes.push(pre);
        graph.nodes.push(win);
        let merged = &mut graph.nodes[id];
        merged.written = Some(merged.name.to_string());
        merged.name = Ident::new(after, span);
        merged.spec = ops::lookup(after);
        merged.args = after_args;
        merged.input = Some(window);
    }
}

/// Inserts a node running operator `name` with `args` between node `id` and its input.
fn insert_before(graph: &mut Graph, id: NodeId, name: &str, args: Vec<Arg>) {
    let new = graph.nodes.len();
    let input = graph.nodes[id].input;
    if let Some(parent) = input {
        for consumer in &mut graph.nodes[parent].consumers {
            if *consumer == id {
                *consumer = new;
            }
        }
    }
    let span = graph.nodes[id].name.span();
    graph.nodes.push(Node {
        name: Ident::new(name, span),
        spec: ops::lookup(name),
        args,
        args_span: None,
        input,
        others: Vec::new(),
        consumers: vec![id],
        origin: id,
        written: None,
    });
    graph.nodes[id].input = Some(new);
}

/// A stable id for each stateful node (state stores and windows), derived from the program
/// text: the operator's name as written and its position among operators of that name, for
/// example `update_state_by_key#0`. A checkpoint keys state by it, so it survives changes to
/// the rest of the program.
pub fn state_ids(graph: &Graph) -> std::collections::HashMap<NodeId, String> {
    use ops::Kind;
    let mut stateful: Vec<NodeId> = (0..graph.nodes.len())
        .filter(|&id| match graph.nodes[id].spec.map(|s| s.kind) {
            Some(Kind::State(op)) => op != ops::StateOp::StateSnapshots,
            Some(Kind::Window(_)) => true,
            _ => false,
        })
        .collect();
    stateful.sort_by_key(|&id| graph.nodes[id].origin);
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    stateful
        .into_iter()
        .map(|id| {
            let written = graph.nodes[graph.nodes[id].origin].written_name();
            let n = seen.entry(written.clone()).or_default();
            let key = format!("{written}#{n}");
            *n += 1;
            (id, key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use quote::quote;

    #[test]
    fn chains_nodes_and_resolves_lets() {
        let mut diag = Diagnostics::new();
        let g = lower(parse(quote! { let a = queue(x) |> map(f); a |> print every 1s }).unwrap(), &mut diag);
        assert!(!diag.has_errors());
        assert_eq!(g.nodes.len(), 3);
        assert_eq!(g.nodes[2].input, Some(1));
        assert_eq!(g.nodes[1].consumers, vec![2]);
        assert_eq!(g.lets[0].uses, 1);
        assert_eq!(g.every.len(), 1);
    }

    #[test]
    fn misspelt_stream_is_suggested_without_follow_on_errors() {
        let mut diag = Diagnostics::new();
        let g = lower(
            parse(quote! { let words = queue(x); wrods |> map(f) every 1s |> print }).unwrap(),
            &mut diag,
        );
        assert_eq!(diag.messages(), ["no stream named `wrods`: did you mean `words`?"]);
        assert_eq!(g.lets[0].uses, 1);
        assert_eq!(g.nodes[1].input, Some(0));
        let mut diag = Diagnostics::new();
        let g = lower(parse(quote! { zzz |> map(f) every 1s |> print }).unwrap(), &mut diag);
        assert_eq!(diag.messages().len(), 1);
        assert!(g.nodes.is_empty());
        assert_eq!(g.every.len(), 1);
    }

    #[test]
    fn undefined_stream_is_reported() {
        let mut diag = Diagnostics::new();
        lower(parse(quote! { b |> print every 1s }).unwrap(), &mut diag);
        assert!(diag.messages()[0].contains("no stream named `b`"));
    }
}
