use dstream::prelude::*;

fn main() {
    let job = stream! {
        queue(vec![vec![1]]) every 1s |> 5 |> print
    };
    let _ = job;
}
