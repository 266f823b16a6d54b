//! Spark's time rules for windows: how often each stream has a batch (its *slide*), and the
//! checks on window lengths and slides. A source slides by the batch interval, a window by
//! its slide (default: its input's), everything else by its input's. A window's length and
//! slide must be multiples of its input's slide, and the streams a `union` or join combines
//! must slide together. Literal durations are checked here, at compile time, on the
//! offending duration's token; a rule that involves a `{expr}` duration becomes a
//! [`RuntimeCheck`] that the job runs when it starts.

use crate::diag::Diagnostics;
use crate::ir::{Dur, Graph, NodeId};
use crate::ops::Kind;

/// How often a node has a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slide {
    /// Known at compile time, in ms.
    Millis(u64),
    /// The batch interval, written `every {expr}`.
    Interval,
    /// The slide of this window node, written `{expr}` (or its length's input is runtime).
    Window(NodeId),
}

impl Slide {
    /// In ms, when known at compile time.
    pub fn millis(self) -> Option<u64> {
        match self {
            Slide::Millis(ms) => Some(ms),
            _ => None,
        }
    }
}

/// A rule on durations known only when the program runs: `value` must be a positive
/// multiple of `of` (a window's length or slide), or equal to it (the slides of two streams
/// a `union` or join combines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeCheck {
    pub node: NodeId,
    pub value: Quantity,
    pub of: Slide,
    pub equal: bool,
    /// What the user reads: "the length of `window`".
    pub what: String,
}

/// One side of a [`RuntimeCheck`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The length of this window node.
    Length(NodeId),
    Slide(Slide),
}

/// Every node's slide, and the rules to check when the job starts.
pub fn slides(graph: &Graph) -> (Vec<Slide>, Vec<RuntimeCheck>) {
    walk(graph, None)
}

/// Reports every rule broken by literal durations at the offending duration's token.
pub fn check(graph: &Graph, diag: &mut Diagnostics) {
    walk(graph, Some(diag));
}

fn interval_slide(graph: &Graph) -> Slide {
    graph.interval.millis().map_or(Slide::Interval, Slide::Millis)
}

fn walk(graph: &Graph, mut diag: Option<&mut Diagnostics>) -> (Vec<Slide>, Vec<RuntimeCheck>) {
    let interval = interval_slide(graph);
    let mut slides = vec![interval; graph.nodes.len()];
    let mut checks = Vec::new();
    for id in graph.topological_order() {
        let node = &graph.nodes[id];
        let parent = node.input.map_or(interval, |i| slides[i]);
        slides[id] = parent;
        if let Some(window) = node.op.window() {
            let name = &node.written;
            let slide = match &window.slide {
                Some(d) => d.millis().map_or(Slide::Window(id), Slide::Millis),
                None => parent,
            };
            slides[id] = slide;
            let length = window.length.millis();
            let mut rule = |value: Quantity, known: Option<u64>, dur: &Dur, what: &str| match (
                known,
                parent.millis(),
            ) {
                (Some(v), Some(p)) => {
                    if v % p != 0 {
                        if let Some(diag) = diag.as_deref_mut() {
                            diag.error(
                                    dur.span,
                                    format!("the {what} of `{name}` must be a multiple of the stream's slide ({p} ms), as Spark requires: {v} ms is not"),
                                );
                        }
                    }
                }
                _ => checks.push(RuntimeCheck {
                    node: id,
                    value,
                    of: parent,
                    equal: false,
                    what: format!("the {what} of `{name}`"),
                }),
            };
            rule(Quantity::Length(id), length, &window.length, "window length");
            if let Some(d) = &window.slide {
                rule(Quantity::Slide(slide), d.millis(), d, "window slide");
            }
            if let (Some(diag), Some(d), Some(s), Some(l)) =
                (diag.as_deref_mut(), &window.slide, slide.millis(), length)
            {
                if s > l {
                    diag.warn(
                        d.span,
                        format!("a slide of {s} ms is longer than the window of {l} ms: the batches between windows are never seen"),
                    );
                }
            }
        }
        if matches!(node.kind(), Kind::Union | Kind::Binary) {
            for (&other, other_name) in node.others.iter().zip(&node.other_names) {
                match (slides[other].millis(), parent.millis()) {
                    (Some(theirs), Some(ours)) if theirs != ours => {
                        if let Some(diag) = diag.as_deref_mut() {
                            diag.error(
                                other_name.span(),
                                format!(
                                    "`{}` needs streams with the same slide (Spark requires it too): this stream slides every {ours} ms, `{other_name}` every {theirs} ms",
                                    node.written
                                ),
                            );
                        }
                    }
                    (Some(_), Some(_)) => {}
                    _ if slides[other] == parent => {}
                    _ => checks.push(RuntimeCheck {
                        node: id,
                        value: Quantity::Slide(slides[other]),
                        of: parent,
                        equal: true,
                        what: format!("the slide of `{other_name}` (the stream `{}` combines)", node.written),
                    }),
                }
            }
        }
    }
    (slides, checks)
}
