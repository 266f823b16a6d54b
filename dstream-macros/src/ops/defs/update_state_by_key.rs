//! `update_state_by_key`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::Span;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "update_state_by_key",
    Kind::State,
    &[arg("func", Function), optional("initial", Value)],
    "keeps a state per key, updated every batch by `func(values, state)` (or `func(time, key, values, state)`); emits every key's state",
    r#"queue(vec![vec![("a", 1)]]) every 1s |> update_state_by_key(|vs: Vec<i32>, s: Option<i32>| Some(s.unwrap_or(0) + vs.iter().sum::<i32>())) |> print"#,
    |a| {
        let func = a.expr("func")?;
        let with_time_and_key = matches!(&func, syn::Expr::Closure(c) if c.inputs.len() == 4);
        Some(Op::UpdateStateByKey { func, initial: a.opt_expr("initial"), with_time_and_key })
    },

)
.lowers(lower)
.emits(Emit::State(emit))
.documented(&PAGE);

/// `group_by_key |> update_state_by_key(f)`: the state step reads each key's values.
fn lower(op: &Op, span: Span) -> Option<Vec<(&'static OpSpec, Op)>> {
    let _ = span;
    Some(vec![(&super::group_by_key::SPEC, Op::GroupByKey(None)), (&SPEC, op.clone())])
}

/// A `StateStore` made when the job is built, updated from each key's values.
fn emit(cg: &mut Codegen, op: &Op, cx: &StateCx) -> TokenStream {
    let Op::UpdateStateByKey { func, initial, with_time_and_key } = op else { return TokenStream::new() };
    let StateCx { span, dp, ctx, exec, node, input } = cx;
    let span = *span;
    let store = cg.var("state");
    let init = initial_state(initial);
    cg.hoist(quote!(let mut #store = #dp::state::StateStore::new(#init);));
    cg.keep_state(*node, store.clone());
    let parts = cg.read_value_at(*input, span);
    let store = respan_ident(&store, span);
    let (update, check, f) = if *with_time_and_key {
        let f = cg.required_fn(func, "update_state_by_key_with_time", 4);
        (quote!(update_state_by_key), quote!(crossing_update_with_time), f)
    } else {
        (
            quote!(update_state_by_key_values),
            quote!(crossing_update),
            cg.required_fn(func, "update_state_by_key", 2),
        )
    };
    // The state's type is known from `func` alone: `func` is typed by the check first, so that
    // a state without serde is reported by the check's name, never by the runtime's.
    let (groups, checked) =
        (respan_ident(&mixed("__dstream_groups"), span), respan_ident(&mixed("__dstream_update"), span));
    quote_spanned!(span=> {
        let #groups = #parts;
        let #checked = #dp::requirements::#check(&#store, &#groups, #f);
        #dp::state::#update(#exec, &mut #store, #ctx.time(), #groups, <_ as ::core::clone::Clone>::clone, #checked)
    })
}

/// Its page of the language reference, `dstream::operators::update_state_by_key`.
static PAGE: Page = Page {
    spark: "`updateStateByKey`",
    output: "every key's state, `(k, s)`",
    text: r#"
`update_state_by_key(func, [initial])`: keeps a state per key, updated every batch from the
key's new values; emits every key's state.

**Spark:** `PairDStreamFunctions.updateStateByKey(updateFunc[, partitioner, initialRDD])`.

# Semantics

* The records must be pairs `(K, V)` with `K: Hash + Eq`. The state of a key has any type
  `S: Clone`. `func` has one of Spark's two forms:
  * **basic**, `|values: Vec<V>, state: Option<S>| -> Option<S>`;
  * **time-aware**, `|time: Time, key: &K, values: Vec<V>, state: Option<S>| -> Option<S>`,
    chosen when `func` is a closure of four parameters (a path is always the basic form).
* Every batch, each key's new values are grouped (their order within `values` is
  unspecified), and `func` is called **for every key that has state or new values**, even
  in an empty batch: a key without new values gets an empty `Vec`, a key without state
  gets `None`. What it returns is the key's new state; **`None` removes the key**.
* The output of every batch is **the full state**: one `(k, s)` per key that has state
  after the batch, whether or not it changed, as Spark's state stream. Its order is
  unspecified (the state is hash-partitioned by key into the job's number of partitions).
* `initial` (optional) is any `IntoIterator` of `(K, S)` pairs, with owned keys (`String`
  for text keys), evaluated once when the job is built (Spark's `initialRDD`). Its keys
  have that state from the first batch, where `func` is called for them like for any key.
* The keys are stored owned: `&str` keys become `String`, and the output's keys are
  `String`s (see [Windows and state](super#windows-and-state)).
* Cost is proportional to the number of keys with state, not to the batch, as in Spark.
  Spark requires a checkpoint directory; here it is optional (see
  [Program settings](super#program-settings)); with one, the state is saved under the id
  `update_state_by_key#<n>` and its types must be serde-serialisable.

# Example

Spark's running count (E7): the full state every batch, including the empty last one.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a"], vec!["a", "b"], vec!["a", "b", "c"], vec![]]) |> map(|k| (k, 1))
        |> update_state_by_key(|values, count| {
            Some(count.unwrap_or(0) + values.iter().sum::<i32>())
        })
        every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,1)"]);
assert_eq!(sorted(1), ["(a,2)", "(b,1)"]);
assert_eq!(sorted(2), ["(a,3)", "(b,2)", "(c,1)"]);
assert_eq!(sorted(3), ["(a,3)", "(b,2)", "(c,1)"]); // no values: the state stays
```

The time-aware form with initial state: the state is the time a key was last seen, and a
key idle for 2 seconds is removed by returning `None`.

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    queue(vec![vec!["a", "b"], vec!["a"], vec![], vec![]]) |> map(|k| (k, 1))
        |> update_state_by_key(
            |time, _key, values, last_seen| {
                let now = time.as_millis();
                if values.is_empty() {
                    last_seen.filter(|&t| now - t < 2000)
                } else {
                    Some(now)
                }
            },
            vec![("c".to_string(), 0)]
        )
        every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,1000)", "(b,1000)", "(c,0)"]);
assert_eq!(sorted(1), ["(a,2000)", "(b,1000)"]); // c: idle since 0
assert_eq!(sorted(2), ["(a,2000)"]);
assert!(sorted(3).is_empty());
```
"#,
};
