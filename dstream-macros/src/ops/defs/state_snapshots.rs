//! `state_snapshots`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::quote;

pub static SPEC: OpSpec = op(
    "state_snapshots",
    Kind::State,
    &[],
    "after `map_with_state`: every (key, state) after each batch",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> state_snapshots |> print"#,
    |_| Some(Op::StateSnapshots),

)
.emits(Emit::State(emit))
.documented(&PAGE);

/// The state of its `map_with_state` input (`check` made sure it follows one).
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let _ = op;
    let Some(store) = cg.store_of(cx.input) else { return TokenStream::new() };
    let (dp, store) = (&cx.dp, respan_ident(&store, cx.span));
    quote!(#dp::state::mapped_snapshot(&#store))
}

/// Its page of the language reference, `dstream::operators::state_snapshots`.
static PAGE: Page = Page {
    spark: "`stateSnapshots`",
    output: "every key's state after the batch, `(k, s)`",
    text: r#"
`state_snapshots`: after a `map_with_state`, every `(key, state)` after each batch.

**Spark:** `MapWithStateDStream.stateSnapshots()`.

# Semantics

* Takes no arguments, and must directly follow `map_with_state(..)` (else a compile error);
  to use both the mapped records and the snapshots, name the `map_with_state` stream with
  `let` and start two pipelines from it.
* Every batch, the output is one `(k, s)` per key with state after the batch, whether or
  not the batch called it: the initial state from the first batch on, without the keys
  removed or timed out in the batch. Its order is unspecified.

# Example

The state of a running sum with initial state and a 2 s timeout: `c` has initial state and
is never called, so it never times out; `b` times out at 4000 ms and `a` at 5000 ms.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1), ("b", 1)], vec![("a", 1)]])
        |> map_with_state(|_key, value: Option<i32>, state| {
            if let Some(v) = value {
                let sum = state.get().copied().unwrap_or(0) + v;
                state.update(sum);
            }
        }, vec![("c".to_string(), 100)], 2s)
        |> state_snapshots every 1s |> print
};
let out = Harness::new(job).run_batches(5).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,1)", "(b,1)", "(c,100)"]);
assert_eq!(sorted(1), ["(a,2)", "(b,1)", "(c,100)"]);
assert_eq!(sorted(2), ["(a,2)", "(b,1)", "(c,100)"]);
assert_eq!(sorted(3), ["(a,2)", "(c,100)"]);
assert_eq!(sorted(4), ["(c,100)"]);
```

The mapped records and the snapshots of one `map_with_state`:

```
use dstream::prelude::*;
use dstream::testing::Harness;
use std::sync::{Arc, Mutex};

let snapshots: Arc<Mutex<Vec<Vec<(String, i32)>>>> = Arc::default();
let sink = Arc::clone(&snapshots);
let job = stream! {
    let counted = queue(vec![vec!["a", "a"], vec!["b"]]) |> map(|k| (k, 1))
        |> map_with_state(|_key, value: Option<i32>, state| {
            let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
            state.update(count);
            count
        });
    counted every 1s |> print;
    counted |> state_snapshots |> foreach_batch(move |mut records, _| {
        records.sort();
        sink.lock().unwrap().push(records)
    })
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["1", "2"]);
assert_eq!(out[1].printed_records(), ["1"]);
assert_eq!(
    *snapshots.lock().unwrap(),
    [vec![("a".to_string(), 2)], vec![("a".to_string(), 2), ("b".to_string(), 1)]]
);
```
"#,
};
