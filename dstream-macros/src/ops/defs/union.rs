//! `union`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = OpSpec {
    name: "union",
    kind: Kind::Union,
    variadic: true,
    args: &[arg("other", Stream)],
    summary: "the records of this stream, then those of each named stream (partitions concatenated)",
    example: r#"let b = queue(vec![vec![2]]); queue(vec![vec![1]]) |> union(b) every 1s |> print"#,
    build: |_| Some(Op::Union),
    emit: Emit::Step,
    lower: None,
    page: &PAGE,
};

/// Its page of the language reference, `dstream::operators::union`.
static PAGE: Page = Page {
    spark: "`union`",
    output: "this stream's records, then each other stream's",
    text: r#"
`union(other, ...)`: the records of this stream, then those of each named stream.

**Spark:** `DStream.union(other)`, `StreamingContext.union(streams)`.

# Semantics

* The arguments are one or more names of `let` streams (`union(b)`, `union(b, c)`);
  any other argument is a compile error. All streams must have the same record type.
* The batch's partitions are this stream's partitions followed by each argument's, in
  the order written, as Spark concatenates them: a stream of `n` partitions united
  with one of `m` has `n + m`. No records are moved or merged; duplicates stay.
* All streams of a program share the batch interval, so their batches always line up
  (Spark requires equal slide durations).

# Example

Spark's `union` vector (E5): `s.union(s.map(_ + 4))`, self first, ordered:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let input = vec![vec![1, 2, 3, 4], vec![101, 102, 103, 104]];
let job = stream! {
    let shifted = queue(input.clone()) |> map(|x| x + 4);
    queue(input) |> union(shifted) every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["1", "2", "3", "4", "5", "6", "7", "8"]);
assert_eq!(
    out[1].printed_records(),
    ["101", "102", "103", "104", "105", "106", "107", "108"]
);
```
"#,
};
