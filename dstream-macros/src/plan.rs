//! Phase 5, plan: the graph cut into steps. A stage is a chain of narrow operators that
//! codegen turns into one loop per partition, reading one stream value (partitions) and
//! ending at a shuffle's map side, an output, or a materialised stream that several
//! consumers share. Between stages sit exchanges (hash shuffle or gather) and unions.

use crate::ir::{Graph, Mode, NodeId, Op, Source};
use crate::ops::{Kind, NarrowOp};
use crate::slides::{RuntimeCheck, Slide};
use std::collections::HashMap;

/// The compiled shape of a program.
#[derive(Debug)]
pub struct Plan {
    pub mode: Mode,
    /// Every source node, in the order first needed; index = source slot.
    pub sources: Vec<NodeId>,
    /// What runs each batch, in order.
    pub steps: Vec<Step>,
    /// How many steps read each node's value.
    pub reads: HashMap<NodeId, usize>,
    /// Every node's slide: a node has a batch only at multiples of its slide.
    pub slides: Vec<Slide>,
    /// The rules on `{expr}` durations that the job checks when it starts.
    pub checks: Vec<RuntimeCheck>,
}

/// One step of a batch.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// The value of a source node: its batch cut into partitions.
    SourceParts { source: NodeId, slot: usize },
    /// One fused loop per partition.
    Stage(Stage),
    /// The value of a `union` node: its inputs' partitions, concatenated.
    Union { node: NodeId, inputs: Vec<NodeId> },
    /// A `window` node keeps its input's batches; at its slide times its value is the
    /// batches in the window.
    Window { node: NodeId, input: NodeId },
    /// A stateful node updates its state store from its input's value; its value is what it
    /// emits. `state_snapshots` reads the store of its `map_with_state` input instead.
    State { node: NodeId, input: NodeId },
    /// A node over two streams' values of the same batch (joins, `transform_with`).
    Binary { node: NodeId, left: NodeId, right: NodeId },
}

/// One fused loop.
#[derive(Debug, PartialEq, Eq)]
pub struct Stage {
    /// The node whose value (partitions) the stage reads.
    pub input: NodeId,
    /// Narrow operators applied record by record, in order.
    pub narrow: Vec<NodeId>,
    pub end: StageEnd,
}

/// What a stage's loop feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageEnd {
    /// The map side of this shuffle node; the exchange after the stage makes its value.
    Exchange(NodeId),
    /// This output operation.
    Output(NodeId),
    /// This node's records, kept as partitions because several steps read them.
    Materialise(NodeId),
    /// This node's records, read by the one join that reads them: no loop runs here, the
    /// join applies the stage's chain to each input record as it reads it (the chain is
    /// `map`, `map_values` and `filter` only; `dstream-core/src/ops/join/lazy.rs`).
    ReadByJoin(NodeId),
}

/// Cuts the graph into steps, outputs in the order written.
pub fn plan(graph: &Graph) -> Plan {
    let (slides, checks) = crate::slides::slides(graph);
    let mut planner = Planner {
        graph,
        plan: Plan {
            mode: graph.mode,
            sources: Vec::new(),
            steps: Vec::new(),
            reads: HashMap::new(),
            slides,
            checks,
        },
        has_value: vec![false; graph.nodes.len()],
    };
    for &(end, is_let) in &graph.statement_ends {
        if !is_let {
            planner.stage_to(end);
        }
    }
    planner.plan
}

struct Planner<'g> {
    graph: &'g Graph,
    plan: Plan,
    has_value: Vec<bool>,
}

impl Planner<'_> {
    fn kind(&self, id: NodeId) -> Option<Kind> {
        Some(self.graph.nodes[id].kind())
    }

    /// Whether a node's records must exist as partitions (a value) rather than flow through
    /// a fused loop.
    fn is_boundary(&self, id: NodeId) -> bool {
        let node = &self.graph.nodes[id];
        matches!(
            self.kind(id),
            Some(
                Kind::Source
                    | Kind::Shuffle
                    | Kind::Reshape
                    | Kind::Union
                    | Kind::Window
                    | Kind::State
                    | Kind::Binary
            )
        ) || node.consumers.len() > 1
            || node.consumers.iter().any(|&c| {
                matches!(self.kind(c), Some(Kind::Union | Kind::Window | Kind::State | Kind::Binary))
            })
    }

    /// Emits the stage that ends at `end` (an output, a shuffle, or a shared node).
    fn stage_to(&mut self, end: NodeId) {
        let mut narrow = Vec::new();
        // `check` made sure that only sources have no input.
        let Some(mut at) = self.graph.nodes[end].input else { return };
        while !self.is_boundary(at) {
            narrow.push(at);
            let Some(input) = self.graph.nodes[at].input else { return };
            at = input;
        }
        narrow.reverse();
        self.ensure_value(at);
        *self.plan.reads.entry(at).or_default() += 1;
        let stage_end = match self.kind(end) {
            Some(Kind::Output) => StageEnd::Output(end),
            Some(Kind::Shuffle | Kind::Reshape) => StageEnd::Exchange(end),
            _ => {
                narrow.push(end);
                if self.read_by_join(end, &narrow) {
                    StageEnd::ReadByJoin(end)
                } else {
                    StageEnd::Materialise(end)
                }
            }
        };
        self.plan.steps.push(Step::Stage(Stage { input: at, narrow, end: stage_end }));
    }

    /// Whether the records of `end`, made by the chain `narrow`, can be left to the one join
    /// that reads them: a fused program, a join the only consumer, a chain of at most one
    /// record per record, and a batch at every batch time (not a window's slide).
    fn read_by_join(&self, end: NodeId, narrow: &[NodeId]) -> bool {
        let graph = self.graph;
        let one_join = matches!(graph.nodes[end].consumers.as_slice(), [c] if matches!(graph.nodes[*c].op, Op::Join(..)));
        let record_by_record = narrow.iter().all(|&id| {
            matches!(
                graph.nodes[id].op,
                Op::Narrow(NarrowOp::Map | NarrowOp::MapValues | NarrowOp::Filter, _)
            )
        });
        let every_batch = match (self.plan.slides[end], graph.interval.millis()) {
            (Slide::Interval, _) => true,
            (Slide::Millis(slide), Some(interval)) => slide <= interval,
            _ => false,
        };
        self.plan.mode == Mode::Fused && one_join && record_by_record && every_batch
    }

    /// Emits the steps that make `id`'s value, once.
    fn ensure_value(&mut self, id: NodeId) {
        if self.has_value[id] {
            return;
        }
        self.has_value[id] = true;
        match self.kind(id) {
            Some(Kind::Source) => {
                let slot = self.plan.sources.len();
                self.plan.sources.push(id);
                self.plan.steps.push(Step::SourceParts { source: id, slot });
            }
            Some(Kind::Union) => {
                let node = &self.graph.nodes[id];
                let inputs: Vec<NodeId> = node.input.into_iter().chain(node.others.iter().copied()).collect();
                for &input in &inputs {
                    self.ensure_value(input);
                    *self.plan.reads.entry(input).or_default() += 1;
                }
                self.plan.steps.push(Step::Union { node: id, inputs });
            }
            Some(Kind::Window) => {
                let Some(input) = self.graph.nodes[id].input else { return };
                self.ensure_value(input);
                *self.plan.reads.entry(input).or_default() += 1;
                self.plan.steps.push(Step::Window { node: id, input });
            }
            Some(Kind::Binary) => {
                let node = &self.graph.nodes[id];
                let (Some(left), Some(&right)) = (node.input, node.others.first()) else { return };
                for side in [left, right] {
                    self.ensure_value(side);
                    *self.plan.reads.entry(side).or_default() += 1;
                }
                self.plan.steps.push(Step::Binary { node: id, left, right });
            }
            Some(Kind::State) => {
                let Some(input) = self.graph.nodes[id].input else { return };
                self.ensure_value(input);
                // `state_snapshots` follows its input's store rather than reading its value.
                if !matches!(self.graph.nodes[id].op, crate::ir::Op::StateSnapshots) {
                    *self.plan.reads.entry(input).or_default() += 1;
                }
                self.plan.steps.push(Step::State { node: id, input });
            }
            _ => self.stage_to(id),
        }
    }
}

impl Plan {
    /// The step of the stage that may run on pieces of its batch while the interval fills
    /// (`job/pieces.rs` in the runtime), if the program has one: the first stage of a fused
    /// program with one source, a socket, that this stage alone reads, made of stateless
    /// record operators (`map`, `flat_map`, `filter`, `map_values`, `flat_map_values`) up to
    /// `reduce_by_key`'s map side. Its records reach a table per partition whatever part of
    /// the batch they come in, so running it on pieces changes nothing but when it runs.
    /// Anything else (windows, state, joins or `transform` before the first exchange, other
    /// sources) takes its batch whole at the cut.
    pub fn pieced_stage(&self, graph: &Graph) -> Option<usize> {
        let [Step::SourceParts { source, slot: 0 }, Step::Stage(stage), ..] = self.steps.as_slice() else {
            return None;
        };
        let StageEnd::Exchange(end) = stage.end else { return None };
        let socket = matches!(graph.nodes[*source].op, Op::Source(Source::Socket { .. }));
        let narrow = stage.narrow.iter().all(|&id| matches!(graph.nodes[id].op, Op::Narrow(..)));
        let combines = matches!(graph.nodes[end].op, Op::ReduceByKey(..));
        let read_once = self.reads.get(source) == Some(&1);
        (self.mode == Mode::Fused
            && self.sources.len() == 1
            && stage.input == *source
            && socket
            && narrow
            && combines
            && read_once)
            .then_some(1)
    }
}

impl Step {
    /// The node whose value this step makes, if any.
    pub fn produces(&self) -> Option<NodeId> {
        match self {
            Step::SourceParts { source: node, .. }
            | Step::Union { node, .. }
            | Step::Window { node, .. }
            | Step::State { node, .. }
            | Step::Binary { node, .. } => Some(*node),
            Step::Stage(Stage {
                end: StageEnd::Exchange(node) | StageEnd::Materialise(node) | StageEnd::ReadByJoin(node),
                ..
            }) => Some(*node),
            Step::Stage(_) => None,
        }
    }

    /// The nodes whose values this step reads (or, for `state_snapshots`, follows).
    pub fn reads(&self) -> Vec<NodeId> {
        match self {
            Step::SourceParts { .. } => Vec::new(),
            Step::Union { inputs, .. } => inputs.clone(),
            Step::Window { input, .. } | Step::State { input, .. } => vec![*input],
            Step::Binary { left, right, .. } => vec![*left, *right],
            Step::Stage(stage) => vec![stage.input],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn planned(tokens: TokenStream) -> (Graph, Plan) {
        let graph = crate::checked(tokens);
        let plan = plan(&graph);
        (graph, plan)
    }

    #[test]
    fn word_count_is_two_stages_around_one_shuffle() {
        let (_, plan) = planned(quote! {
            socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
        });
        assert_eq!(
            plan.steps,
            vec![
                Step::SourceParts { source: 0, slot: 0 },
                Step::Stage(Stage { input: 0, narrow: vec![1, 2], end: StageEnd::Exchange(3) }),
                Step::Stage(Stage { input: 3, narrow: vec![], end: StageEnd::Output(4) }),
            ]
        );
    }

    #[test]
    fn only_a_socket_word_count_shape_runs_its_first_stage_on_pieces() {
        let pieced = |tokens: TokenStream| {
            let (graph, plan) = planned(tokens);
            plan.pieced_stage(&graph)
        };
        let word_count = quote! {
            socket("localhost", 9999) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print
        };
        assert_eq!(pieced(word_count), Some(1));
        let after_the_exchange = quote! {
            socket("h", 1) |> filter(|l| !l.is_empty()) |> map(|l| (l, 1)) |> reduce_by_key(+) every 1s
                |> update_state_by_key(|vs, s: Option<i32>| Some(s.unwrap_or(0) + vs.len() as i32)) |> print
        };
        assert_eq!(pieced(after_the_exchange), Some(1));
        for whole in [
            quote!(queue(x) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print),
            quote!(socket("h", 1) |> map(|w| (w, 1)) |> group_by_key every 1s |> print),
            quote!(socket("h", 1) |> print every 1s),
            quote!(socket("h", 1) |> map(|w| (w, 1)) |> window(2s) |> reduce_by_key(+) every 1s |> print),
            quote!(socket("h", 1) |> glom |> map(|w| (w.len(), 1)) |> reduce_by_key(+) every 1s |> print),
            quote!(let s = socket("h", 1); s |> map(|w| (w, 1)) |> reduce_by_key(+) every 1s |> print; s |> print),
        ] {
            assert_eq!(pieced(whole.clone()), None, "{whole}");
        }
    }

    #[test]
    fn a_shared_stream_is_materialised_once_and_read_twice() {
        let (_, plan) =
            planned(quote! { let a = queue(x) |> map(f); a |> print every 1s; a |> filter(p) |> print });
        assert_eq!(
            plan.steps,
            vec![
                Step::SourceParts { source: 0, slot: 0 },
                Step::Stage(Stage { input: 0, narrow: vec![1], end: StageEnd::Materialise(1) }),
                Step::Stage(Stage { input: 1, narrow: vec![], end: StageEnd::Output(2) }),
                Step::Stage(Stage { input: 1, narrow: vec![3], end: StageEnd::Output(4) }),
            ]
        );
        assert_eq!(plan.reads[&1], 2);
    }

    #[test]
    fn a_joins_mapped_inputs_are_read_by_the_join() {
        let (_, plan) = planned(quote! {
            let paid = queue(p) |> map(f) |> filter(g);
            queue(o) |> map_values(h) |> join(paid) every 1s |> print
        });
        let ends: Vec<StageEnd> = plan
            .steps
            .iter()
            .filter_map(|s| if let Step::Stage(s) = s { Some(s.end) } else { None })
            .collect();
        assert_eq!(ends, [StageEnd::ReadByJoin(4), StageEnd::ReadByJoin(2), StageEnd::Output(6)]);
        // Read twice, flat-mapped, unfused or windowed: materialised as before.
        for program in [
            quote!(let a = queue(p) |> map(f); queue(o) |> join(a) every 1s |> print; a |> print),
            quote!(let a = queue(p) |> flat_map(f); queue(o) |> join(a) every 1s |> print),
            quote!(#![unfused] let a = queue(p) |> map(f); queue(o) |> join(a) every 1s |> print),
            quote!(let a = queue(p) |> window(2s, 2s) |> map(f); queue(o) |> window(2s, 2s) |> join(a) every 1s |> print),
        ] {
            let (_, plan) = planned(program.clone());
            let lazy = plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::Stage(Stage { end: StageEnd::ReadByJoin(_), .. })));
            assert!(!lazy, "{program}");
        }
    }

    #[test]
    fn union_reads_both_streams() {
        let (_, plan) =
            planned(quote! { let b = queue(y); queue(x) |> union(b) |> map(f) every 1s |> print });
        assert!(plan.steps.contains(&Step::Union { node: 2, inputs: vec![1, 0] }));
        assert_eq!(plan.sources, vec![1, 0]);
    }
}
