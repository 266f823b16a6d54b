//! Phase 4, lower: composite operators, checked as the user wrote them, rewritten in place
//! into the operators they are made of (each composite's `lower` hook, in its module under
//! `ops/defs/`, says which), so `plan` and `codegen` only see `window`,
//! the incremental window and per-batch operators. The new nodes carry the composite's span
//! and remember it as their origin, so their errors and state ids follow the program text.
//!
//! | written | lowered (Spark's own definition) |
//! |---|---|
//! | `reduce_by_key_and_window(f, W, S)` | `reduce_by_key(f) \|> window(W, S) \|> reduce_by_key(f)` |
//! | `reduce_by_key_and_window(f, inv, W, S[, filter])` | `reduce_by_key(f) \|> incremental window` |
//! | `reduce_by_window(f, W, S)` | `reduce(f) \|> window(W, S) \|> reduce(f)` |
//! | `reduce_by_window(f, inv, W, S)` | `map(\|x\| ((), x)) \|> reduce_by_key(f, 1) \|> incremental window \|> map(\|((), v)\| v)` |
//! | `count_by_window(W, S)` | `count \|> window(W, S) \|> reduce(+)` |
//! | `count_by_value_and_window(W, S)` | `count_by_value \|> window(W, S) \|> reduce_by_key(+)` |
//! | `group_by_key_and_window(W, S)` | `group_by_key \|> window(W, S) \|> reduce_by_key(concat)` |
//! | `update_state_by_key(f)` | `group_by_key \|> update_state_by_key(f)` |

use crate::ir::{Graph, Node, NodeId, Op};
use crate::ops::OpSpec;
use syn::Ident;

/// Rewrites every composite operator of `graph`.
pub fn lower(mut graph: Graph) -> Graph {
    for id in 0..graph.nodes.len() {
        let node = &graph.nodes[id];
        let Some(lower) = node.spec.lower else { continue };
        let Some(chain) = lower(&node.op, node.name.span()) else { continue };
        replace(&mut graph, id, chain);
    }
    graph
}

/// Replaces node `id` by `chain`: the last operator stays at `id` (its consumers are
/// unchanged), the others become new nodes between it and its input.
fn replace(graph: &mut Graph, id: NodeId, mut chain: Vec<(&'static OpSpec, Op)>) {
    let Some((last_spec, last_op)) = chain.pop() else { return };
    let span = graph.nodes[id].name.span();
    let written = graph.nodes[id].written.clone();
    let mut input = graph.nodes[id].input;
    for (spec, op) in chain {
        let new = graph.nodes.len();
        if let Some(parent) = input {
            for consumer in &mut graph.nodes[parent].consumers {
                if *consumer == id {
                    *consumer = new;
                }
            }
        }
        graph.nodes.push(Node {
            op,
            spec,
            name: Ident::new(spec.name, span),
            input,
            others: Vec::new(),
            other_names: Vec::new(),
            consumers: vec![id],
            origin: id,
            written: written.clone(),
        });
        input = Some(new);
    }
    let node = &mut graph.nodes[id];
    node.op = last_op;
    node.spec = last_spec;
    node.name = Ident::new(last_spec.name, span);
    node.input = input;
}

/// A stable id for each stateful node (state stores and windows), derived from the program
/// text: the operator's name as written and its position among operators of that name, for
/// example `update_state_by_key#0`. A checkpoint keys state by it, so it survives changes to
/// the rest of the program.
pub fn state_ids(graph: &Graph) -> std::collections::HashMap<NodeId, String> {
    let mut stateful: Vec<NodeId> = (0..graph.nodes.len())
        .filter(|&id| graph.nodes[id].is_stateful() && !matches!(graph.nodes[id].op, Op::StateSnapshots))
        .collect();
    stateful.sort_by_key(|&id| graph.nodes[id].origin);
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    stateful
        .into_iter()
        .map(|id| {
            let written = &graph.nodes[id].written;
            let n = seen.entry(written.clone()).or_default();
            let key = format!("{written}#{n}");
            *n += 1;
            (id, key)
        })
        .collect()
}
