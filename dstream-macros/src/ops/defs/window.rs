//! `window`: its entry in the operator table.

use super::*;
use crate::ir::Op;

pub static SPEC: OpSpec = op(
    "window",
    Kind::Window,
    WINDOW_ARGS,
    "at every slide, the records of the batches in the last `length`",
    r#"queue(vec![vec![1], vec![2]]) every 1s |> window(2s, 1s) |> print"#,
    |a| Some(Op::Window(a.window()?)),
)
.documented(&PAGE);

/// Its page of the language reference, `dstream::operators::window`.
static PAGE: Page = Page {
    spark: "`window`",
    output: "at each slide, the records of the last `length`",
    text: r#"
`window(length, [slide])`: at every slide, the records of the batches in the last `length`.

**Spark:** `DStream.window(windowDuration[, slideDuration])`.

# Semantics

* `length` (`W`) and `slide` (`S`) are duration literals; `S` defaults to the parent
  stream's slide (the batch interval `B`, or the slide of a window before this one). Both
  must be multiples of the parent's slide, else the program does not compile, as Spark
  rejects them. A slide longer than the window compiles with a warning: the batches
  between windows are never seen.
* The windowed stream has a batch only at its slide times, the times `T` with `T - zero` a
  multiple of `S` (`zero` is one batch interval before the first batch: 0 under the
  harness). Its batch at `T` holds every record of the parent's batches with times in
  `(T - W, T]`, so **the first windows are partial**: `window(2s, 1s)`'s first batch holds
  batch 1 only. At other times it has no batch: what follows does not run, and `print`
  prints nothing.
* The partitions of the window are those of its batches, oldest batch first (a union of
  the batches, as in Spark): a pipeline of narrow operators after it sees the records in
  arrival order.
* The window keeps the parent's batches it still needs, as owned records (`&str` becomes
  `String`: see [Windows and state](super#windows-and-state)); the records must be `Clone`.
  With a checkpoint, the kept batches are saved too.
* Its records have **the type they had before it**: a kept `String` is emitted as the `&str`
  it was made from, borrowed from the window's state for the batch (no copy); `(&str, u32)`
  stays `(&str, u32)`, `Option<&str>` stays `Option<&str>`; owned records (`String` from
  owned text, numbers, your own types) are cloned.

# Example

Spark's `window` vectors (E11): a 2 s window sliding every second, then a 4 s window
sliding every 2 s.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let input: Vec<Vec<i32>> = (0..6).map(|i| vec![i]).collect(); // one record per batch
let job = stream! { queue(input.clone()) every 1s |> window(2s) |> print };
let out = Harness::new(job).run_batches(6).unwrap();
let windows: Vec<Vec<&str>> = out.iter().map(|b| b.printed_records()).collect();
assert_eq!(windows[0], ["0"]); // partial
assert_eq!(windows[1..], [["0", "1"], ["1", "2"], ["2", "3"], ["3", "4"], ["4", "5"]]);

let job = stream! { queue(input) every 1s |> window(4s, 2s) |> print };
let out = Harness::new(job).run_batches(8).unwrap();
assert_eq!(out[0].printed, ""); // 1000 ms is not a slide time: nothing at all
assert_eq!(out[1].printed_records(), ["0", "1"]);
assert_eq!(out[3].printed_records(), ["0", "1", "2", "3"]);
assert_eq!(out[5].printed_records(), ["2", "3", "4", "5"]);
assert_eq!(out[7].printed_records(), ["4", "5"]);
```

Words are kept as `String`s and come out of the window as the `&str` they were:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["to be"], vec!["or"]]) |> flat_map(split) every 1s |> window(2s)
        |> map(|word: &str| word.to_uppercase()) |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
assert_eq!(out[1].printed_records(), ["TO", "BE", "OR"]);
assert_eq!(out[2].printed_records(), ["OR"]);
```

A length that is not a multiple of the batch interval is a compile error:

```compile_fail
use dstream::prelude::*;

let job = stream! { queue(vec![vec![1]]) every 1s |> window(1500ms) |> print };
```
"#,
};
