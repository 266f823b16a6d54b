use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> socket("localhost", 9999) |> flat_map(split) every 1s |> print
    };
    let _ = job;
}
