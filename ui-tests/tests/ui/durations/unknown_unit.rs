use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+) every 1sec |> print
    };
    let _ = job;
}
