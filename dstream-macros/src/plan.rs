//! Phase 4, plan: every output's pipeline cut into stages at shuffles. A stage is a chain of
//! narrow operators that codegen turns into one loop per partition; between two stages sits
//! an exchange (hash shuffle or gather).

use crate::diag::Diagnostics;
use crate::graph::{Graph, NodeId};
use crate::ops::Kind;
use crate::validate::{Checked, Mode};

/// The compiled shape of a program.
#[derive(Debug)]
pub struct Plan {
    pub interval_ms: u64,
    pub mode: Mode,
    /// Every source node, in the order its pipeline's output was written; index = source slot.
    pub sources: Vec<NodeId>,
    /// One pipeline per output operation, run in the order written.
    pub pipelines: Vec<PipelinePlan>,
}

/// The stages that feed one output.
#[derive(Debug)]
pub struct PipelinePlan {
    /// Index into [`Plan::sources`].
    pub source_slot: usize,
    pub stages: Vec<Stage>,
}

/// One fused loop.
#[derive(Debug)]
pub struct Stage {
    pub input: StageInput,
    /// Narrow operators applied record by record, in order.
    pub narrow: Vec<NodeId>,
    pub end: StageEnd,
}

/// Where a stage's partitions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageInput {
    /// The source node's batch, cut into partitions.
    Source(NodeId),
    /// The reduce side of this shuffle node's exchange.
    Exchange(NodeId),
}

/// What a stage's loop feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageEnd {
    /// The map side of this shuffle node; the next stage reads its exchange.
    Exchange(NodeId),
    /// This output operation.
    Output(NodeId),
}

/// Cuts the graph into stages.
pub fn plan(graph: &Graph, checked: &Checked, diag: &mut Diagnostics) -> Plan {
    let mut result = Plan {
        interval_ms: checked.interval_ms,
        mode: checked.mode,
        sources: Vec::new(),
        pipelines: Vec::new(),
    };
    for &(end, is_let) in &graph.statement_ends {
        if is_let {
            continue;
        }
        let chain = chain_to(graph, end);
        for &id in &chain[..chain.len() - 1] {
            let node = &graph.nodes[id];
            if node.consumers.len() > 1 {
                diag.error(
                    graph.nodes[node.consumers[1]].name.span(),
                    format!(
                        "the output of `{}` feeds more than one pipeline; sharing one stream between several outputs is not supported yet: repeat the operators in each pipeline",
                        node.name
                    ),
                );
            }
        }
        let source_slot = result.sources.len();
        result.sources.push(chain[0]);
        let mut stages = Vec::new();
        let mut input = StageInput::Source(chain[0]);
        let mut narrow = Vec::new();
        for &id in &chain[1..] {
            match graph.nodes[id].spec.map(|s| s.kind) {
                Some(Kind::Narrow(_)) => narrow.push(id),
                Some(Kind::Shuffle(_)) => {
                    stages.push(Stage {
                        input,
                        narrow: std::mem::take(&mut narrow),
                        end: StageEnd::Exchange(id),
                    });
                    input = StageInput::Exchange(id);
                }
                Some(Kind::Output(_)) => {
                    stages.push(Stage {
                        input,
                        narrow: std::mem::take(&mut narrow),
                        end: StageEnd::Output(id),
                    });
                }
                Some(Kind::Source(_)) | None => {}
            }
        }
        result.pipelines.push(PipelinePlan { source_slot, stages });
    }
    result
}

/// The nodes from the pipeline's source to `end`.
fn chain_to(graph: &Graph, end: NodeId) -> Vec<NodeId> {
    let mut chain = vec![end];
    while let Some(input) = graph.nodes[*chain.last().unwrap()].input {
        chain.push(input);
    }
    chain.reverse();
    chain
}

impl Plan {
    /// The plan as text, for `Job::explain()`: one line per stage with the operators fused
    /// into it, and the exchange between stages.
    pub fn describe(&self, graph: &Graph) -> String {
        let name = |id: NodeId| graph.nodes[id].name.to_string();
        let mode = match self.mode {
            Mode::Fused => "fused",
            Mode::Unfused => "unfused: every operator materialises its output",
        };
        let mut out = format!("batch interval: {} ms\nmode: {mode}\n", self.interval_ms);
        let mut stage_number = 0;
        for (p, pipeline) in self.pipelines.iter().enumerate() {
            out.push_str(&format!("output {}:\n", p + 1));
            for stage in &pipeline.stages {
                let mut ops = Vec::new();
                match stage.input {
                    StageInput::Source(id) => ops.push(name(id)),
                    StageInput::Exchange(id) => ops.push(format!("{} (reduce side)", name(id))),
                }
                ops.extend(stage.narrow.iter().map(|&id| name(id)));
                match stage.end {
                    StageEnd::Exchange(id) => ops.push(format!("{} (map side)", name(id))),
                    StageEnd::Output(id) => ops.push(name(id)),
                }
                out.push_str(&format!("  stage {stage_number}: {}\n", ops.join(" -> ")));
                if let StageEnd::Exchange(id) = stage.end {
                    let how = match graph.nodes[id].spec.map(|s| s.kind) {
                        Some(Kind::Shuffle(crate::ops::ShuffleOp::Count | crate::ops::ShuffleOp::Reduce)) => {
                            "gather to one partition"
                        }
                        _ => "hash shuffle by key, combined map-side",
                    };
                    out.push_str(&format!("  exchange: {how} ({})\n", name(id)));
                }
                stage_number += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lower;
    use crate::parse::parse;
    use quote::quote;

    #[test]
    fn word_count_is_two_stages_around_one_shuffle() {
        let mut diag = Diagnostics::new();
        let graph = lower(
            parse(quote! {
                socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
            })
            .unwrap(),
            &mut diag,
        );
        let plan = plan(&graph, &Checked { interval_ms: 1000, mode: Mode::Fused }, &mut diag);
        assert!(!diag.has_errors());
        let stages = &plan.pipelines[0].stages;
        assert_eq!(stages.len(), 2);
        assert_eq!(stages[0].input, StageInput::Source(0));
        assert_eq!(stages[0].narrow, vec![1, 2]);
        assert_eq!(stages[0].end, StageEnd::Exchange(3));
        assert_eq!(stages[1].input, StageInput::Exchange(3));
        assert_eq!(stages[1].end, StageEnd::Output(4));
        assert_eq!(
            plan.describe(&graph),
            "batch interval: 1000 ms\nmode: fused\noutput 1:\n  stage 0: socket -> flat_map -> map -> reduce_by_key (map side)\n  exchange: hash shuffle by key, combined map-side (reduce_by_key)\n  stage 1: reduce_by_key (reduce side) -> print\n"
        );
    }

    #[test]
    fn a_shared_stream_is_reported() {
        let mut diag = Diagnostics::new();
        let graph =
            lower(parse(quote! { let a = queue(x); a |> print every 1s; a |> print }).unwrap(), &mut diag);
        plan(&graph, &Checked { interval_ms: 1000, mode: Mode::Fused }, &mut diag);
        assert!(diag.messages()[0].contains("more than one pipeline"));
    }
}
