// A function of the wrong type: the error is on the closure and names its requirement in
// `dstream::requirements`, never a function of the runtime.
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|w| (w, 1u64)) |> map_with_state(|k: &u32, v: Option<u64>, s: &mut State<u64>| 1) every 1s |> print
    };
    let _ = job;
}
