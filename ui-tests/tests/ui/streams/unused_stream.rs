use dstream::prelude::*;

fn main() {
    let job = stream! {
        let words = queue(vec![vec!["a b"]]) |> flat_map(split);
        queue(vec![vec!["c d"]]) |> flat_map(split) every 1s |> print
    };
    let _ = job;
}
