//! `join`: its entry in the operator table.

use super::*;
use crate::codegen::hooks::*;
use crate::ir::Op;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static SPEC: OpSpec = op(
    "join",
    Kind::Binary,
    JOIN_ARGS,
    "per batch, `(k, (v, w))` for every pair of values of a key present in both streams",
    r#"let b = queue(vec![vec![("a", 'x')]]); queue(vec![vec![("a", 1)]]) |> join(b) every 1s |> print"#,
    |a| Some(Op::Join(BinaryOp::Join, a.opt_expr("partitions"))),
)
.emits(Emit::Binary(emit))
.documented(&PAGE);

/// The keys of both streams met where the other is named (text keys meet as `String`), then
/// `join::<operator>` (the hook of every join and of `cogroup`; `join::probe::build` for
/// `join` and `left_outer_join` when one fused loop reads the pairs).
pub(super) fn emit(cg: &mut Codegen, op: &Op, cx: &BinaryCx) -> TokenStream {
    let Op::Join(join, partitions) = op else { return TokenStream::new() };
    let BinaryCx { span, dp, exec, left, left_var, right, right_var, branch, .. } = cx;
    let (span, branch) = (*span, *branch);
    // `join` and `left_outer_join` read by one fused loop are probed as the loop reads.
    let probed = match join {
        BinaryOp::Join => Some(quote_spanned!(span=> #dp::join::probe::Inner)),
        BinaryOp::LeftOuterJoin => Some(quote_spanned!(span=> #dp::join::probe::LeftOuter)),
        _ => None,
    };
    let name = match join {
        BinaryOp::LeftOuterJoin => "left_outer_join",
        BinaryOp::RightOuterJoin => "right_outer_join",
        BinaryOp::FullOuterJoin => "full_outer_join",
        BinaryOp::Cogroup => "cogroup",
        BinaryOp::Join => "join",
    };
    let function = syn::Ident::new(name, span);
    let partitions = respan(&cg.partitions_arg(partitions), span);
    let branch_dp = cg.dp_at(branch);
    let (this, other) = (respan_ident(left_var, branch), respan_ident(right_var, branch));
    let meet = meet_call(
        &branch_dp,
        quote_spanned!(branch=> keys(&#this, &#other)),
        quote_spanned!(branch=> join_sides(#this, #other, #branch_dp::branches::JoinKeys::cast)),
    );
    let sides = quote_spanned!(branch=> let #other = #right; let (#this, #other) = #meet;);
    let right_var = respan_ident(right_var, span);
    let (left_checked, right_checked) = (respan_ident(left_var, span), respan_ident(&right_var, span));
    let (left_crossing, right_crossing) = (
        crossing(dp, "crossing_records", &left_checked, span),
        crossing(dp, "crossing_records", &right_checked, span),
    );
    let call = match probed.filter(|_| cx.read_by_loop) {
        Some(kind) => {
            // The build's memory, kept across batches where the key and value types allow
            // (`dstream_core::ops::join::memory`): one pool per join node, made with the job.
            let (memory, home, hoist_dp) = (cg.var("join_memory"), cg.var("join_home"), cg.dp());
            cg.hoist(quote!(let #memory = #hoist_dp::join::memory::JoinMemory::default();));
            // At the operator, as every token of the call: an error on the call (records that
            // cannot cross between processes, say) is then the one already reported there.
            let (memory, home) = (respan_ident(&memory, span), respan_ident(&home, span));
            quote_spanned!(span=> {
                #[allow(unused_imports)]
                use #dp::join::memory::{FreshBuild as _, PooledBuild as _};
                let #home = (&&#dp::join::memory::BuildFor::of(#right_checked.as_slice())).home(&#memory);
                #dp::join::probe::build::<_, _, _, #kind, _, _>(
                    #exec, (#left_checked, #right_checked, #partitions), &#home
                )
            })
        }
        None => {
            quote_spanned!(span=> #dp::join::#function(#exec, #left_checked, #right_checked, #partitions))
        }
    };
    quote_spanned!(span=>
        let #left_var = #left;
        #sides
        // Keys without `Hash` and `Eq` are one error here, on the operator (see `KeyedRecords`).
        let (#left_checked, #right_checked) = (
            #dp::requirements::KeyedRecords(#left_checked).__dstream_checked(),
            #dp::requirements::KeyedRecords(#right_checked).__dstream_checked(),
        );
        #left_crossing
        #right_crossing
        #call
    )
}

/// Its page of the language reference, `dstream::operators::join`.
static PAGE: Page = Page {
    spark: "`join`",
    output: "`(k, (v, w))` for every pair of values of a key in both",
    text: r#"
`join(other, [partitions])`: per batch, `(k, (v, w))` for every pair of values of a key
present in both streams.

**Spark:** `PairDStreamFunctions.join(other[, numPartitions])`.

# Semantics

* Both streams carry pairs with the same key type `K: Hash + Eq + Clone`: this stream
  `(K, V)` and `other`, the name of a `let` stream, `(K, W)`; `V` and `W` must be `Clone`.
* **Per batch only**, as in Spark: this stream's batch is joined with `other`'s batch of
  the same time, and nothing is kept from one batch to the next. To join over time, window
  one side or both first, as in the second example.
* For each key present on both sides, every pair of a left value `v` and a right value `w`
  gives `(k, (v, w))`: a key with `m` values on the left and `n` on the right gives
  `m × n` records; a key missing from either side gives none.
* Shuffle: both sides are hash-partitioned by key into `partitions` partitions (a `usize`
  expression; by default the job's number), so the output has exactly that many and its
  order is unspecified. Within a key, the pairs follow the values' input order, left
  values outer.
* The two streams must slide together, as Spark requires: joining streams with different
  slides (for example a stream with a window sliding slower than the batch interval) is
  a compile error on the operator.

The outer joins [`left_outer_join`](super::left_outer_join),
[`right_outer_join`](super::right_outer_join) and [`full_outer_join`](super::full_outer_join),
and [`cogroup`](super::cogroup), work the same way and differ in what they emit for a key
missing from one side.

# Example

Spark's `join` vector (E6):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let right = queue(vec![vec!["a", "b"], vec!["b", ""], vec![], vec![""]]) |> map(|x| (x, "x"));
    queue(vec![vec!["a", "b"], vec!["a", ""], vec![""], vec![]]) |> map(|x| (x, 1))
        |> join(right) every 1s |> print
};
let out = Harness::new(job).run_batches(4).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(a,(1,x))", "(b,(1,x))"]);
assert_eq!(sorted(1), ["(,(1,x))"]); // `a` is only on the left, `b` only on the right
assert!(sorted(2).is_empty());
assert!(sorted(3).is_empty());
```

A key with two values on each side gives four records; and each batch joined with the
other stream's last 2 seconds, through a [`window`](super::window):

```
use dstream::prelude::*;
use dstream::testing::Harness;

let job = stream! {
    let right = queue(vec![vec![(1, "x"), (1, "y")]]);
    queue(vec![vec![(1, 10), (1, 20), (2, 30)]]) |> join(right, 1) every 1s |> print
};
let out = Harness::new(job).step().unwrap();
assert_eq!(out.printed_records(), ["(1,(10,x))", "(1,(10,y))", "(1,(20,x))", "(1,(20,y))"]);

let job = stream! {
    let recent = queue(vec![vec![(1, "x")], vec![(2, "y")], vec![]]) |> window(2s);
    queue(vec![vec![(1, 10)], vec![(1, 20), (2, 30)], vec![(1, 40), (2, 50)]]) every 1s
        |> join(recent) |> print
};
let out = Harness::new(job).run_batches(3).unwrap();
let sorted = |i: usize| {
    let mut records = out[i].printed_records();
    records.sort();
    records
};
assert_eq!(sorted(0), ["(1,(10,x))"]);
assert_eq!(sorted(1), ["(1,(20,x))", "(2,(30,y))"]);
assert_eq!(sorted(2), ["(2,(50,y))"]); // (1, x) has left the window
```
"#,
};
