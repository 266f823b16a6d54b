use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> reduce_by_key(+) every 1s |> print
    };
    let _ = job;
}
