//! The compiled plan as a user reads it: `Job::explain()` (text) and
//! `Job::explain_mermaid()` (a Mermaid flowchart). Both show the stages, which operators
//! fused into each, and where shuffles, windows, state and joins sit, so that any change in
//! fusion shows up as a diff in the snapshot tests.

use crate::ir::Op;
use crate::ir::{Graph, Mode, NodeId};
use crate::ops::Kind;
use crate::plan::{Plan, Stage, StageEnd, Step};
use crate::slides::Slide;

/// One line per step.
pub fn text(plan: &Plan, graph: &Graph) -> String {
    let mode = match plan.mode {
        Mode::Fused => "fused",
        Mode::Unfused => "unfused: every operator materialises its output",
    };
    let interval = match graph.interval.millis() {
        Some(ms) => format!("{ms} ms"),
        None => "set when the job is built (`every {..}`)".to_string(),
    };
    let mut out = format!("batch interval: {interval}\nmode: {mode}\n");
    for (label, exchange) in labels(plan, graph) {
        out.push_str(&label);
        out.push('\n');
        if let Some(exchange) = exchange {
            out.push_str(&format!("exchange: {exchange}\n"));
        }
    }
    out
}

/// A Mermaid flowchart: a box per step, an arrow per value read, labelled with the exchange
/// that carries it.
pub fn mermaid(plan: &Plan, graph: &Graph) -> String {
    let labels = labels(plan, graph);
    let mut out = String::from("flowchart LR\n");
    for (i, (label, _)) in labels.iter().enumerate() {
        out.push_str(&format!("    step{i}[\"{}\"]\n", label.replace('"', "#quot;")));
    }
    for (j, step) in plan.steps.iter().enumerate() {
        for input in step.reads() {
            let Some(i) = plan.steps.iter().position(|s| s.produces() == Some(input)) else { continue };
            match &labels[i].1 {
                Some(exchange) => out.push_str(&format!("    step{i} -->|\"{exchange}\"| step{j}\n")),
                None => out.push_str(&format!("    step{i} --> step{j}\n")),
            }
        }
    }
    out
}

/// Each step's label and, for a stage that ends in an exchange, how the exchange moves data.
fn labels(plan: &Plan, graph: &Graph) -> Vec<(String, Option<String>)> {
    let name = |id: NodeId| graph.nodes[id].name.to_string();
    let kind = |id: NodeId| Some(graph.nodes[id].kind());
    let op = |id: NodeId| &graph.nodes[id].op;
    let mut stage_number = 0;
    let pieced = plan.pieced_stage(graph);
    plan.steps
        .iter()
        .enumerate()
        .map(|(index, step)| match step {
            Step::SourceParts { source, .. } => (format!("source: {}", name(*source)), None),
            Step::Union { node, inputs } => {
                let names: Vec<String> = inputs.iter().map(|&i| name(i)).collect();
                (format!("{}: {}", name(*node), names.join(" + ")), None)
            }
            Step::Binary { node, left, right } => {
                let how = match op(*node) {
                    Op::TransformWith(_) => "both batches gathered",
                    _ => "both hash-shuffled by key",
                };
                (format!("{}: {} with {} ({how})", name(*node), name(*left), name(*right)), None)
            }
            Step::State { node, input } => match op(*node) {
                Op::StateSnapshots => {
                    (format!("{}: every (key, state) of {}", name(*node), name(*input)), None)
                }
                _ => {
                    (format!("state: {} (keeps state across batches) <- {}", name(*node), name(*input)), None)
                }
            },
            Step::Window { node, input } => {
                let how = match op(*node) {
                    Op::IncrementalWindow { .. } => "incremental window",
                    _ => "window",
                };
                let every = match plan.slides[*node] {
                    Slide::Millis(ms) => format!("{ms} ms"),
                    Slide::Interval => "batch interval".to_string(),
                    Slide::Window(_) => "slide (set when the job is built)".to_string(),
                };
                (format!("{how}: keeps {}'s batches; emits every {every}", name(*input)), None)
            }
            Step::Stage(Stage { input, narrow, end: StageEnd::ReadByJoin(id) }) => {
                let join = graph.nodes[*id].consumers.first().map_or_else(String::new, |&c| name(c));
                let ops: Vec<String> =
                    std::iter::once(*input).chain(narrow.iter().copied()).map(name).collect();
                (
                    format!(
                        "fused into {join}: {} (applied as the join reads each record)",
                        ops.join(" -> ")
                    ),
                    None,
                )
            }
            Step::Stage(stage) => {
                let mut ops = vec![match kind(stage.input) {
                    Some(Kind::Shuffle) => format!("{} (reduce side)", name(stage.input)),
                    Some(Kind::Reshape) => format!("{} (output)", name(stage.input)),
                    _ => name(stage.input),
                }];
                ops.extend(stage.narrow.iter().map(|&id| name(id)));
                let mut exchange = None;
                match stage.end {
                    StageEnd::Exchange(id) => {
                        let (suffix, how) = match kind(id) {
                            Some(Kind::Reshape) => ("collect", "partitions regrouped"),
                            _ if matches!(op(id), Op::Count | Op::Reduce(_)) => {
                                ("map side", "gather to one partition")
                            }
                            _ => ("map side", "hash shuffle by key, combined map-side"),
                        };
                        ops.push(format!("{} ({suffix})", name(id)));
                        exchange = Some(format!("{how} ({})", name(id)));
                    }
                    StageEnd::Output(id) => ops.push(name(id)),
                    StageEnd::ReadByJoin(_) => {}
                    StageEnd::Materialise(id) => {
                        let readers = plan.reads.get(&id).copied().unwrap_or(0);
                        ops.push(format!("(shared: computed once per batch, read by {readers} steps)"));
                    }
                }
                let mut label = format!("stage {stage_number}: {}", ops.join(" -> "));
                if pieced == Some(index) {
                    label.push_str(" [runs on the batch's pieces while its interval fills]");
                }
                stage_number += 1;
                (label, exchange)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan;
    use quote::quote;

    #[test]
    fn word_count_as_text_and_mermaid() {
        let graph = crate::checked(quote! {
            socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
        });
        let plan = plan(&graph);
        assert_eq!(
            text(&plan, &graph),
            "batch interval: 1000 ms\nmode: fused\nsource: socket\n\
             stage 0: socket -> flat_map -> map -> reduce_by_key (map side) [runs on the batch's pieces while its interval fills]\n\
             exchange: hash shuffle by key, combined map-side (reduce_by_key)\n\
             stage 1: reduce_by_key (reduce side) -> print\n"
        );
        assert_eq!(
            mermaid(&plan, &graph),
            "flowchart LR\n    step0[\"source: socket\"]\n    \
             step1[\"stage 0: socket -> flat_map -> map -> reduce_by_key (map side) [runs on the batch's pieces while its interval fills]\"]\n    \
             step2[\"stage 1: reduce_by_key (reduce side) -> print\"]\n    \
             step0 --> step1\n    \
             step1 -->|\"hash shuffle by key, combined map-side (reduce_by_key)\"| step2\n"
        );
    }
}
