// A function of the wrong type: the error is on the closure and names its requirement in
// `dstream::requirements`, never a function of the runtime.
use dstream::prelude::*;
fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> foreach_batch(|v: Vec<u32>, t| ())
    };
    let _ = job;
}
