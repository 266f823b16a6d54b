use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) |> map(|x: u32| x + 1) every 1s |> print
    };
    let _ = job;
}
