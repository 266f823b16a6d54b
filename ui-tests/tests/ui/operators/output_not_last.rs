use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec!["a b"]]) |> flat_map(split) every 1s |> print |> map(|w| (w, 1))
    };
    let _ = job;
}
