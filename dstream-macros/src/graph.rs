//! Phase 2, graph: the syntax tree lowered to operator nodes with their inputs, `let` names
//! resolved, the batch interval clauses gathered.

use crate::diag::Diagnostics;
use crate::ops::{self, OpSpec};
use crate::parse::{Arg, Every, EveryValue, Program};
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
    /// The tokens that name them.
    pub other_names: Vec<Ident>,
    pub consumers: Vec<NodeId>,
}

impl Node {
    /// The argument bound to the parameter called `name`, if written (not `_`).
    pub fn param(&self, name: &str) -> Option<&Arg> {
        let spec = self.spec?;
        let index = spec.args.iter().position(|p| p.name == name)?;
        spec.bind(&self.args)
            .into_iter()
            .zip(&self.args)
            .find(|(bound, _)| *bound == Some(index))
            .map(|(_, a)| a)
            .filter(|a| !ops::bind::is_omitted(a))
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
    pub every: Vec<(Span, EveryValue)>,
    /// The program's settings (`#![unfused]`), checked by `check` (see `settings`).
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
            let (others, other_names) =
                stream_arguments(&mut graph, spec, &args, id, diag).into_iter().unzip();
            graph.nodes.push(Node {
                spec,
                name: call.name,
                args,
                args_span,
                input: previous,
                others,
                other_names,
                consumers: Vec::new(),
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

/// Resolves the arguments that name streams (`union(b, c)`) to their nodes (with the name's
/// token), and records node `id` as their consumer.
fn stream_arguments(
    graph: &mut Graph,
    spec: Option<&'static OpSpec>,
    args: &[Arg],
    id: NodeId,
    diag: &mut Diagnostics,
) -> Vec<(NodeId, Ident)> {
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
                others.push((stream.node, name.clone()));
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
