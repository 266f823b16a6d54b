use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) every 1s |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 2s |> print
    };
    let _ = job;
}
