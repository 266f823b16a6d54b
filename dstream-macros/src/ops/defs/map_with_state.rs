//! `map_with_state`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "map_with_state",
    Kind::State,
    &[arg("func", Function), optional("initial", Value), optional("timeout", Duration)],
    "calls `func(key, value, state)` for each record, with the key's state; emits what it returns",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> map_with_state(|k: &&str, v: Option<i32>, s: &mut State<i32>| { s.update(v.unwrap_or(0)); (*k, v) }) |> print"#,
    |a| {
        Some(Op::MapWithState {
            func: a.expr("func")?,
            initial: a.opt_expr("initial"),
            timeout: a.opt_duration("timeout"),
        })
    },

)
.emits(Emit::State(emit))
.documented(&PAGE);

/// A mapped state store made when the job is built (kept for `state_snapshots`), updated
/// record by record; the step's value is what `func` returns.
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let Op::MapWithState { func, initial, timeout } = op else { return TokenStream::new() };
    let StateCx { span, dp, ctx, exec, node, input } = cx;
    let span = *span;
    let store = cg.var("state");
    let init = initial_state(initial);
    cg.hoist(quote!(let mut #store = #dp::state::initial_mapped_state(#init);));
    cg.keep_state(*node, store.clone());
    cg.remember_store(*node, store.clone());
    let timeout = match timeout {
        Some(d) => {
            let ms = cg.duration_ms(d);
            quote!(::core::option::Option::Some(#dp::Duration::from_millis(#ms)))
        }
        None => quote!(::core::option::Option::None),
    };
    let parts = cg.read_value_at(*input, span);
    let store = respan_ident(&store, span);
    let f = cg.required_fn(func, "map_with_state", 3);
    let records = respan_ident(&cg.var("records"), span);
    let crossing = crossing(dp, "crossing_records", &records, span);
    quote_spanned!(span=> {
        let #records = #parts;
        #crossing
        #dp::requirements::crossing_state(&#store);
        #dp::state::map_with_state(#exec, &mut #store, #ctx.time(), #timeout, #records, #f)
    })
}

/// Its page of the language reference, `dstream::operators::map_with_state`.
static PAGE: Page = Page {
    spark: "`mapWithState`",
    output: "what `func(k, value, state)` returns, per record",
    text: r#"
`map_with_state(func, [initial], [timeout])`: calls `func(key, value, state)` for each
record, with the key's state; emits what it returns.

**Spark:** `PairDStreamFunctions.mapWithState(StateSpec.function(func)[.initialState(rdd)]
[.timeout(duration)])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. `func` is
  `|key: &K, value: Option<V>, state: &mut State<S>| -> T` for a state type `S: Clone`
  and any output type `T`. Keys are stored owned, so `key` is a `&String` for text keys.
* For **each record** `(k, v)` of the batch, in order within its key, `func(&k, Some(v),
  state)` is called with the key's [`State`](crate::prelude::State) and its result is
  emitted: one output record per input record, not per key. Keys without records in the
  batch are not called (unless they time out). To emit nothing for some records, return an
  `Option` and follow with `flat_map(|x| x)`.
* The state handle, Spark's `State`:
  * `exists()`: whether the key has state;
  * `get()`: the state, as `Option<&S>` (Spark's `getOption`);
  * `update(s)`: sets it;
  * `remove()`: removes it;
  * `is_timing_out()`: whether this is the key's timeout call.

  A state that `func` neither updates nor removes stays as it was.
* `initial` (optional) is any `IntoIterator` of `(K, S)` pairs, with owned keys, evaluated
  once when the job is built (Spark's `initialState`); those keys have that state from the
  first batch.
* `timeout` (optional, a duration literal such as `30s`; write `map_with_state(func, 30s)`
  without initial state) removes idle keys. A key is idle from the last batch in which it
  was called (updated or not). At the **first batch more than `timeout` after that**, its
  key is called once more with `func(&k, None, state)`, `state.is_timing_out()` true and
  `state.get()` its last state; the result is emitted and the key removed. As in Spark,
  initial state does not time out until its key is first called.
* **Eager timeouts**: keys are evicted at exactly that batch. Spark evicts lazily, at the
  next batch whose state it checkpoints (by default every 10 batches), so its timeout calls
  come later and at batches that depend on the checkpoint interval.
* Spark throws when `update` is called while timing out, or after `remove`; here the first
  is ignored and the second sets the state again.
* The output is partitioned by key into the job's number of partitions; its order across
  keys is unspecified. [`state_snapshots`](super::state_snapshots) gives the state itself.
  There is no time-aware form of `func`.

# Example

A running count per key (Spark's E17), emitting each record's count so far:

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a"], vec!["a", "b", "a"], vec![]]) |> map(|k| (k, 1))
        |> map_with_state(|key, value: Option<i32>, state| {
            let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
            state.update(count);
            format!("{key}:{count}")
        })
        every 1s |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["a:1"]);
assert_eq!(sorted(1), ["a:2", "a:3", "b:1"]); // one output per record
assert!(sorted(2).is_empty()); // no records: no calls
```

`exists` and `remove`: each record of the key toggles its state.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1)], vec![("a", 1), ("a", 1)]])
        |> map_with_state(|_key, _value: Option<i32>, state| {
            if state.exists() {
                state.remove();
                "removed"
            } else {
                state.update(());
                "added"
            }
        })
        every 1s |> print
};
let out = Harness::new(job).run_batches(2).unwrap();
assert_eq!(out[0].printed_records(), ["added"]);
assert_eq!(out[1].printed_records(), ["removed", "added"]);
```

A 2 s timeout: `b`, last called at 1000 ms, times out at 4000 ms, the first batch more
than 2 s later; `a`, last called at 2000 ms, at 5000 ms.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec![("a", 1), ("b", 1)], vec![("a", 1)]])
        |> map_with_state(|key, value: Option<i32>, state| {
            if state.is_timing_out() {
                return format!("{key} timed out with {}", state.get().unwrap());
            }
            let count = state.get().copied().unwrap_or(0) + value.unwrap_or(0);
            state.update(count);
            format!("{key}={count}")
        }, 2s)
        every 1s |> print
};
let out = Harness::new(job).run_batches(6).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["a=1", "b=1"]);
assert_eq!(sorted(1), ["a=2"]);
assert!(sorted(2).is_empty());
assert_eq!(sorted(3), ["b timed out with 1"]);
assert_eq!(sorted(4), ["a timed out with 2"]);
assert!(sorted(5).is_empty());
```
"#,
};
