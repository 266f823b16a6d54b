//! The operator table: one entry per operator, as data. Adding an operator is adding an
//! entry here and, if its lowering is new, one arm in `codegen`.

/// What an operator does to the stream, which decides where the plan cuts stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Starts a pipeline.
    Source(SourceOp),
    /// Record by record; fuses into the surrounding loop.
    Narrow(NarrowOp),
    /// Needs all records of a key (or of the batch) together: the plan cuts a stage here.
    Shuffle(ShuffleOp),
    /// Ends a pipeline and does something with each batch.
    Output(OutputOp),
    /// Concatenates the partitions of several streams.
    Union,
    /// Keeps batches between slide times: a window, or a per-batch operator over one.
    Window(WindowOp),
    /// Keeps state per key across batches.
    State(StateOp),
    /// Reshapes a batch's partitions: needs all of a partition (or the batch) at once.
    Reshape(ReshapeOp),
    /// Combines two streams' batches of the same time.
    Binary(BinaryOp),
}

/// Operators that regroup a batch's records: each ends a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReshapeOp {
    Glom,
    MapPartitions,
    Repartition,
    Transform,
}

/// Operators over two streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    TransformWith,
    Join,
    LeftOuterJoin,
    RightOuterJoin,
    FullOuterJoin,
    Cogroup,
}

/// Stateful operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateOp {
    UpdateStateByKey,
    MapWithState,
    StateSnapshots,
}

/// Window operators. All but `Window` are composites that `graph::expand_composites`
/// rewrites into a per-batch operator, a `window`, and an operator that merges the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowOp {
    Window,
    ReduceByKeyAndWindow,
    ReduceByWindow,
    CountByWindow,
    CountByValueAndWindow,
    GroupByKeyAndWindow,
}

/// Sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceOp {
    Socket,
    Queue,
    TextFiles,
    Custom,
}

/// Narrow operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NarrowOp {
    Map,
    FlatMap,
    Filter,
    MapValues,
    FlatMapValues,
}

/// Operators that end a stage with an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShuffleOp {
    ReduceByKey,
    CombineByKey,
    GroupByKey,
    CountByValue,
    Count,
    Reduce,
}

/// Output operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputOp {
    Print,
    ForeachBatch,
    SaveAsTextFiles,
    Dashboard,
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
}

impl OpSpec {
    /// How many arguments it takes: (required, at most).
    pub fn arity(&self) -> (usize, usize) {
        let max = if self.variadic { usize::MAX } else { self.args.len() };
        (self.args.iter().filter(|a| a.required).count(), max)
    }

    /// Which parameter each argument binds to, in order. A duration literal binds to the next
    /// duration parameter and anything else to the next other parameter, skipping optional
    /// parameters of the other class, so `reduce_by_key_and_window(f, 10s)` and
    /// `reduce_by_key_and_window(f, inverse, 10s, 2s)` both read as written. An argument that
    /// fits no parameter binds to `None` (too many arguments, or the wrong class where a
    /// required parameter stands: `validate` reports both).
    pub fn bind(&self, args: &[crate::parse::Arg]) -> Vec<Option<usize>> {
        let mut next = 0;
        args.iter()
            .map(|arg| {
                let is_duration = matches!(arg, crate::parse::Arg::Duration(_));
                loop {
                    let beyond = next >= self.args.len();
                    let param = match (beyond, self.variadic) {
                        (false, _) => next,
                        (true, true) => self.args.len().checked_sub(1)?,
                        (true, false) => return None,
                    };
                    let spec = &self.args[param];
                    next += 1;
                    let fits = (spec.kind == ArgKind::Duration) == is_duration;
                    // Bind where it fits, or at a required parameter (the mismatch is
                    // reported there); skip an optional parameter of the other class.
                    if fits || spec.required || beyond {
                        return Some(param);
                    }
                }
            })
            .collect()
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
        matches!(self.kind, Kind::Output(_))
    }

    /// Whether it is a source.
    pub fn is_source(&self) -> bool {
        matches!(self.kind, Kind::Source(_))
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

const fn arg(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: true }
}

const fn optional(name: &'static str, kind: ArgKind) -> ArgSpec {
    ArgSpec { name, kind, required: false }
}

use ArgKind::*;

/// Every operator of the language.
pub static OPERATORS: &[OpSpec] = &[
    OpSpec {
        name: "socket",
        kind: Kind::Source(SourceOp::Socket),
        variadic: false,
        args: &[arg("host", Value), arg("port", Value), optional("config", Value)],
        summary: "lines of text from a TCP server, one record per line",
    },
    OpSpec {
        name: "queue",
        kind: Kind::Source(SourceOp::Queue),
        variadic: false,
        args: &[arg("batches", Value)],
        summary: "one queued batch per batch time, then empty batches",
    },
    OpSpec {
        name: "text_files",
        kind: Kind::Source(SourceOp::TextFiles),
        variadic: false,
        args: &[arg("dir", Value)],
        summary: "lines of the new files that appear in a directory (by modification time), exactly once",
    },
    OpSpec {
        name: "source",
        kind: Kind::Source(SourceOp::Custom),
        variadic: false,
        args: &[arg("source", Value)],
        summary: "any value implementing `dstream::source::Source` (your own receiver, or a source built outside the program)",
    },
    OpSpec {
        name: "map",
        kind: Kind::Narrow(NarrowOp::Map),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "one record out per record in",
    },
    OpSpec {
        name: "flat_map",
        kind: Kind::Narrow(NarrowOp::FlatMap),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "any number of records out per record in",
    },
    OpSpec {
        name: "filter",
        kind: Kind::Narrow(NarrowOp::Filter),
        variadic: false,
        args: &[arg("predicate", Function)],
        summary: "keeps the records for which the predicate holds",
    },
    OpSpec {
        name: "map_values",
        kind: Kind::Narrow(NarrowOp::MapValues),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "maps the value of each (key, value) pair, keeping the key",
    },
    OpSpec {
        name: "flat_map_values",
        kind: Kind::Narrow(NarrowOp::FlatMapValues),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "any number of values per (key, value) pair, each with the key",
    },
    OpSpec {
        name: "union",
        kind: Kind::Union,
        variadic: true,
        args: &[arg("other", Stream)],
        summary: "the records of this stream, then those of each named stream (partitions concatenated)",
    },
    OpSpec {
        name: "glom",
        kind: Kind::Reshape(ReshapeOp::Glom),
        variadic: false,
        args: &[],
        summary: "each partition becomes one record: the `Vec` of its records",
    },
    OpSpec {
        name: "map_partitions",
        kind: Kind::Reshape(ReshapeOp::MapPartitions),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "`func(records)` gets an iterator over one partition and returns its new records",
    },
    OpSpec {
        name: "repartition",
        kind: Kind::Reshape(ReshapeOp::Repartition),
        variadic: false,
        args: &[arg("partitions", Count)],
        summary: "deals the records round-robin into exactly `partitions` partitions",
    },
    OpSpec {
        name: "transform",
        kind: Kind::Reshape(ReshapeOp::Transform),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "`func(records, time)` gets all records of the batch and returns the new ones",
    },
    OpSpec {
        name: "transform_with",
        kind: Kind::Binary(BinaryOp::TransformWith),
        variadic: false,
        args: &[arg("other", Stream), arg("func", Function)],
        summary: "`func(records, other_records, time)` gets both streams' batches and returns the new records",
    },
    OpSpec {
        name: "join",
        kind: Kind::Binary(BinaryOp::Join),
        variadic: false,
        args: &[arg("other", Stream), optional("partitions", Count)],
        summary: "per batch, `(k, (v, w))` for every pair of values of a key present in both streams",
    },
    OpSpec {
        name: "left_outer_join",
        kind: Kind::Binary(BinaryOp::LeftOuterJoin),
        variadic: false,
        args: &[arg("other", Stream), optional("partitions", Count)],
        summary: "per batch, `(k, (v, Option<w>))` for every key of this stream",
    },
    OpSpec {
        name: "right_outer_join",
        kind: Kind::Binary(BinaryOp::RightOuterJoin),
        variadic: false,
        args: &[arg("other", Stream), optional("partitions", Count)],
        summary: "per batch, `(k, (Option<v>, w))` for every key of the other stream",
    },
    OpSpec {
        name: "full_outer_join",
        kind: Kind::Binary(BinaryOp::FullOuterJoin),
        variadic: false,
        args: &[arg("other", Stream), optional("partitions", Count)],
        summary: "per batch, `(k, (Option<v>, Option<w>))` for every key of either stream",
    },
    OpSpec {
        name: "cogroup",
        kind: Kind::Binary(BinaryOp::Cogroup),
        variadic: false,
        args: &[arg("other", Stream), optional("partitions", Count)],
        summary: "per batch, `(k, (values, other_values))` for every key of either stream",
    },
    OpSpec {
        name: "combine_by_key",
        kind: Kind::Shuffle(ShuffleOp::CombineByKey),
        variadic: false,
        args: &[
            arg("create_combiner", Function),
            arg("merge_value", Function),
            arg("merge_combiners", Function),
            optional("partitions", Count),
        ],
        summary: "per key: `create_combiner(v)` for its first value, `merge_value(c, v)` for the next, `merge_combiners(c1, c2)` across partitions",
    },
    OpSpec {
        name: "reduce_by_key",
        kind: Kind::Shuffle(ShuffleOp::ReduceByKey),
        variadic: false,
        args: &[arg("func", Reducer), optional("partitions", Count)],
        summary: "combines the values of each key in the batch",
    },
    OpSpec {
        name: "group_by_key",
        kind: Kind::Shuffle(ShuffleOp::GroupByKey),
        variadic: false,
        args: &[optional("partitions", Count)],
        summary: "collects the values of each key in the batch",
    },
    OpSpec {
        name: "count_by_value",
        kind: Kind::Shuffle(ShuffleOp::CountByValue),
        variadic: false,
        args: &[optional("partitions", Count)],
        summary: "counts each distinct record in the batch",
    },
    OpSpec {
        name: "count",
        kind: Kind::Shuffle(ShuffleOp::Count),
        variadic: false,
        args: &[],
        summary: "the number of records in the batch (0 for an empty batch)",
    },
    OpSpec {
        name: "reduce",
        kind: Kind::Shuffle(ShuffleOp::Reduce),
        variadic: false,
        args: &[arg("func", Reducer)],
        summary: "combines all records of the batch into one (none for an empty batch)",
    },
    OpSpec {
        name: "window",
        kind: Kind::Window(WindowOp::Window),
        variadic: false,
        args: &[arg("length", Duration), optional("slide", Duration)],
        summary: "at every slide, the records of the batches in the last `length`",
    },
    OpSpec {
        name: "reduce_by_key_and_window",
        kind: Kind::Window(WindowOp::ReduceByKeyAndWindow),
        variadic: false,
        args: &[
            arg("func", Reducer),
            optional("inverse", Reducer),
            arg("length", Duration),
            optional("slide", Duration),
            optional("filter", Function),
        ],
        summary: "combines the values of each key over the window; with `inverse`, incrementally",
    },
    OpSpec {
        name: "reduce_by_window",
        kind: Kind::Window(WindowOp::ReduceByWindow),
        variadic: false,
        args: &[arg("func", Reducer), arg("length", Duration), optional("slide", Duration)],
        summary: "combines all records of the window into one (none for an empty window)",
    },
    OpSpec {
        name: "count_by_window",
        kind: Kind::Window(WindowOp::CountByWindow),
        variadic: false,
        args: &[arg("length", Duration), optional("slide", Duration)],
        summary: "the number of records in the window (0 for an empty window)",
    },
    OpSpec {
        name: "count_by_value_and_window",
        kind: Kind::Window(WindowOp::CountByValueAndWindow),
        variadic: false,
        args: &[arg("length", Duration), optional("slide", Duration)],
        summary: "counts each distinct record over the window",
    },
    OpSpec {
        name: "group_by_key_and_window",
        kind: Kind::Window(WindowOp::GroupByKeyAndWindow),
        variadic: false,
        args: &[arg("length", Duration), optional("slide", Duration)],
        summary: "collects the values of each key over the window",
    },
    OpSpec {
        name: "update_state_by_key",
        kind: Kind::State(StateOp::UpdateStateByKey),
        variadic: false,
        args: &[arg("func", Function), optional("initial", Value)],
        summary: "keeps a state per key, updated every batch by `func(values, state)` (or `func(time, key, values, state)`); emits every key's state",
    },
    OpSpec {
        name: "map_with_state",
        kind: Kind::State(StateOp::MapWithState),
        variadic: false,
        args: &[arg("func", Function), optional("initial", Value), optional("timeout", Duration)],
        summary: "calls `func(key, value, state)` for each record, with the key's state; emits what it returns",
    },
    OpSpec {
        name: "state_snapshots",
        kind: Kind::State(StateOp::StateSnapshots),
        variadic: false,
        args: &[],
        summary: "after `map_with_state`: every (key, state) after each batch",
    },
    OpSpec {
        name: "print",
        kind: Kind::Output(OutputOp::Print),
        variadic: false,
        args: &[optional("num", Count)],
        summary: "prints the batch time and the first `num` (10) records, as Spark does",
    },
    OpSpec {
        name: "foreach_batch",
        kind: Kind::Output(OutputOp::ForeachBatch),
        variadic: false,
        args: &[arg("func", Function)],
        summary: "calls `func(records, time)` once per batch with all of the batch's records",
    },
    OpSpec {
        name: "save_as_text_files",
        kind: Kind::Output(OutputOp::SaveAsTextFiles),
        variadic: false,
        args: &[arg("prefix", Value), optional("suffix", Value)],
        summary:
            "writes each batch to the directory `prefix-<ms>.suffix`, one `part-NNNNN` file per partition",
    },
    OpSpec {
        name: "dashboard",
        kind: Kind::Output(OutputOp::Dashboard),
        variadic: false,
        args: &[arg("address", Value)],
        summary: "serves a live web page of the batch's (label, number) records on `address`: a chart over recent batches and the latest table",
    },
];

/// The operator called `name`.
pub fn lookup(name: &str) -> Option<&'static OpSpec> {
    OPERATORS.iter().find(|op| op.name == name)
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
    fn arguments_bind_by_class_skipping_optional_parameters() {
        use crate::parse::{Arg, DurationLit};
        let d = || {
            Arg::Duration(DurationLit {
                span: proc_macro2::Span::call_site(),
                digits: "1".into(),
                unit: "s".into(),
            })
        };
        let e = || Arg::Expr(syn::parse_quote!(f));
        let window = lookup("reduce_by_key_and_window").unwrap();
        assert_eq!(window.bind(&[e(), d()]), vec![Some(0), Some(2)]);
        assert_eq!(window.bind(&[e(), e(), d(), d()]), vec![Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(window.bind(&[e(), d(), d(), e()]), vec![Some(0), Some(2), Some(3), Some(4)]);
        let map_with_state = lookup("map_with_state").unwrap();
        assert_eq!(map_with_state.bind(&[e(), d()]), vec![Some(0), Some(2)]);
        let map = lookup("map").unwrap();
        assert_eq!(map.bind(&[e(), e()]), vec![Some(0), None]);
        let union = lookup("union").unwrap();
        assert_eq!(union.bind(&[e(), e(), e()]), vec![Some(0), Some(0), Some(0)]);
    }

    #[test]
    fn signatures_show_optional_arguments() {
        assert_eq!(lookup("reduce_by_key").unwrap().signature(), "reduce_by_key(func, [partitions])");
        assert_eq!(lookup("count").unwrap().signature(), "count");
        assert_eq!(lookup("reduce_by_key").unwrap().arity(), (1, 2));
    }
}
