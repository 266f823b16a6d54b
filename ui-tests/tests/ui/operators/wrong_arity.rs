use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> filter(|w| w.len() > 1, 3) every 1s |> print
    };
    let _ = job;
}
