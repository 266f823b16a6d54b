use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![1.5, 2.5]]) |> reduce(max) every 1s |> print
    };
    let _ = job;
}
