// A function of the wrong type: the error is on the closure and names its requirement in
// `dstream::requirements`, never a function of the runtime.
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|w| (w, 1u64)) |> reduce_by_key_and_window(|a: u64, b: u64| a + b, |a: u32, b: u64| a, 2s, 1s) every 1s |> print
    };
    let _ = job;
}
